package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/crawl/extract"
)

// extractOutput is `masx extract --json`.
type extractOutput struct {
	Title    string `json:"title"`
	Text     string `json:"text"`
	Author   string `json:"author"`
	Date     string `json:"date"` // "", a day (2006-01-02) or RFC 3339
	Image    string `json:"image"`
	Site     string `json:"site"`
	Language string `json:"language"`
	URL      string `json:"url"`
	Method   string `json:"method"`
}

// extractOptions are `masx extract`'s inputs.
type extractOptions struct {
	*App
	Path       string // a saved page, or - for standard input
	PageURL    string // where the page came from; resolves relative links
	MinChars   int    // 0 means MASX_MIN_TEXT_CHARS
	NoFallback bool
	JSON       bool
}

func newExtractCmd(app *App, runF func(context.Context, *extractOptions) error) *cobra.Command {
	opts := &extractOptions{App: app}
	cmd := &cobra.Command{
		Use:   "extract FILE.html|- [--url URL] [--json]",
		Short: "Extract the article (title, text, author, date…) from a saved HTML page",
		Long: `extract reads a saved web page (FILE, or standard input for -) and prints the
article in it: title, body text, author, publication date, image, site name,
a language hint and which extractor found it (trafilatura, or readability
as the fallback when trafilatura's text is shorter than --min-chars).

Pages that are not UTF-8 are decoded by their <meta> declaration or by
sniffing. --url, the address the page came from, resolves relative links and
images. Input larger than MASX_MAX_PAGE_BYTES is refused.

Exit codes: 0 article found, 1 no article in the page, 2 missing or
unreadable file, bad --url, or a page too large or too malformed to parse.`,
		Example: `  masx extract saved/article.html --url https://example.com/news/1
  curl -s https://example.com/news/1 | masx extract - --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.MinChars < 0 {
				return Usagef("--min-chars %d: want a number of characters ≥ 0 (0 means MASX_MIN_TEXT_CHARS)", opts.MinChars)
			}
			opts.Path = args[0]
			return runOr(cmd.Context(), opts, runF, extractRun)
		},
	}
	cmd.Flags().StringVar(&opts.PageURL, "url", "", "URL the page was fetched from (resolves relative links)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"title","text","author","date","image","site","language","url","method"}`)
	cmd.Flags().IntVar(&opts.MinChars, "min-chars", 0, "text shorter than this makes readability try too (default MASX_MIN_TEXT_CHARS)")
	cmd.Flags().BoolVar(&opts.NoFallback, "no-fallback", false, "use trafilatura only")
	return cmd
}

func extractRun(_ context.Context, opts *extractOptions) error {
	maxBytes := opts.Settings.MaxPageBytes
	page, err := readPage(opts.Stdin, opts.Path, maxBytes)
	if err != nil {
		return err
	}
	minChars := opts.MinChars
	if minChars == 0 {
		minChars = opts.Settings.MinTextChars
	}
	a, err := extract.Extract(page, opts.PageURL, extract.Options{
		MinChars:   minChars,
		MaxBytes:   maxBytes,
		NoFallback: opts.NoFallback,
		Logger:     opts.Logger,
	})
	switch {
	case errors.Is(err, extract.ErrBadURL), errors.Is(err, extract.ErrTooLarge), errors.Is(err, extract.ErrMalformed):
		return AsUsage(fmt.Errorf("extracting %s: %w", opts.Path, err))
	case err != nil:
		return fmt.Errorf("extracting %s: %w", opts.Path, err)
	}
	out := extractOutput{
		Title: a.Title, Text: a.Text, Author: a.Author, Date: formatArticleDate(a.Date),
		Image: a.Image, Site: a.Site, Language: a.Language, URL: a.URL, Method: a.Method,
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	return writeArticle(opts.Stdout, out)
}

// readPage reads FILE or stdin ("-"), at most max+1 bytes so that Extract
// can refuse an oversized page without reading all of it.
func readPage(stdin io.Reader, path string, max int) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, Usagef("page file %s does not exist", path)
			}
			return nil, AsUsage(fmt.Errorf("opening page file: %w", err))
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, AsUsage(fmt.Errorf("reading page %s: %w", path, err))
	}
	return b, nil
}

// formatArticleDate prints a day when that is all the page gave (midnight
// UTC), the full time otherwise, and "" for no date.
func formatArticleDate(t time.Time) string {
	switch {
	case t.IsZero():
		return ""
	case t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0:
		return t.Format(time.DateOnly)
	default:
		return t.Format(time.RFC3339)
	}
}

func writeArticle(w io.Writer, o extractOutput) error {
	var b strings.Builder
	for _, f := range []struct{ name, value string }{
		{"Title", o.Title}, {"Author", o.Author}, {"Date", o.Date}, {"Site", o.Site},
		{"Image", o.Image}, {"URL", o.URL}, {"Language", o.Language}, {"Method", o.Method},
	} {
		if f.value != "" {
			fmt.Fprintf(&b, "%-9s %s\n", f.name+":", f.value)
		}
	}
	b.WriteString("\n")
	b.WriteString(o.Text)
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
