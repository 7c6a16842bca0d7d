package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl"
	"github.com/masx-ai/masx/crawl/fetch"
	"github.com/masx-ai/masx/crawl/render"
)

// fetchOutput is what `masx fetch --json` prints.
type fetchOutput struct {
	URL        string `json:"url"`
	FinalURL   string `json:"final_url"`
	Title      string `json:"title"`
	Text       string `json:"text"`
	Author     string `json:"author"`
	Date       string `json:"date"` // YYYY-MM-DD, "" when unknown
	Image      string `json:"image"`
	Site       string `json:"site"`
	Language   string `json:"language"`
	ResolvedBy string `json:"resolved_by"`
	// Errors are the failures of the methods tried before the one that
	// resolved the page.
	Errors []string `json:"errors,omitempty"`
}

// fetchOptions are `masx fetch`'s inputs.
type fetchOptions struct {
	*App
	URL    string
	Method crawl.Method
	JSON   bool
}

func newFetchCmd(app *App, runF func(context.Context, *fetchOptions) error) *cobra.Command {
	opts := &fetchOptions{App: app}
	var method string
	cmd := &cobra.Command{
		Use:   "fetch URL [--method http|browser|auto] [--json]",
		Short: "Get one page, extract its article and print it",
		Long: `Get one page the way the ETL does and print its article.

  http     plain HTTP (SSRF guard, robots.txt, retries, size limits)
  browser  headless Chromium (MASX_CHROMIUM_PATH), scripts run
  auto     http, then the browser when the fetch fails or the article has
           fewer than MASX_MIN_TEXT_CHARS characters (the default)

The output says which method resolved the page. Loopback and private
addresses are refused unless MASX_ALLOW_PRIVATE=1.`,
		Example: `  masx fetch https://example.com/news/1
  masx fetch --method browser --json https://example.com/live/2
  MASX_ALLOW_PRIVATE=1 masx fetch http://127.0.0.1:8000/article.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := crawl.ParseMethod(method)
			if err != nil {
				return AsUsage(err)
			}
			opts.URL, opts.Method = args[0], m
			return runOr(cmd.Context(), opts, runF, fetchRun)
		},
	}
	cmd.Flags().StringVar(&method, "method", "auto", "http, browser or auto (http, then the browser)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func fetchRun(ctx context.Context, opts *fetchOptions) error {
	s := opts.Settings
	f, err := fetch.New(fetchConfig(s))
	if err != nil {
		return err
	}
	defer f.Close()
	var pool *render.Pool
	if opts.Method != crawl.MethodHTTP {
		rc := renderConfig(s)
		rc.Logger, rc.Robots = opts.Logger, f.CheckRobots
		if pool, err = render.New(rc); err != nil {
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := pool.Stop(ctx); err != nil {
				opts.Logger.Warn("stopping the browser", "err", err)
			}
		}()
	}
	cc := crawlConfig(s, f, pool)
	cc.Logger = opts.Logger
	client, err := crawl.New(cc)
	if err != nil {
		return err
	}
	res, err := client.RenderPage(ctx, opts.URL, opts.Method)
	if err != nil {
		if errors.Is(err, fetch.ErrBadURL) || errors.Is(err, render.ErrInvalidURL) {
			return AsUsage(err)
		}
		return err
	}
	out := fetchOutput{URL: res.URL, FinalURL: res.FinalURL, ResolvedBy: string(res.ResolvedBy)}
	if a := res.Article; a != nil {
		out.Title, out.Text, out.Author, out.Image, out.Site, out.Language = a.Title, a.Text, a.Author, a.Image, a.Site, a.Language
		if !a.Date.IsZero() {
			out.Date = a.Date.Format(time.DateOnly)
		}
	}
	for _, e := range res.Errors {
		out.Errors = append(out.Errors, e.Error())
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, out)
	}
	writeFetched(opts.Stdout, out)
	return nil
}

// writeFetched is the readable form of a fetched page.
func writeFetched(w io.Writer, out fetchOutput) {
	fmt.Fprintf(w, "Title:       %s\n", out.Title)
	for _, kv := range [][2]string{{"Author", out.Author}, {"Date", out.Date}, {"Site", out.Site}, {"Image", out.Image}, {"Language", out.Language}} {
		if kv[1] != "" {
			fmt.Fprintf(w, "%-12s %s\n", kv[0]+":", kv[1])
		}
	}
	fmt.Fprintf(w, "URL:         %s\n", out.FinalURL)
	fmt.Fprintf(w, "Resolved by: %s\n", out.ResolvedBy)
	for _, e := range out.Errors {
		fmt.Fprintf(w, "Tried first: %s\n", e)
	}
	fmt.Fprintf(w, "\n%s\n", out.Text)
}
