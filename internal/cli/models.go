package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/model/hub"
)

func newModelsCmd(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "Download and list ONNX models (Hugging Face layout)",
		Long: `Download and list ONNX models. Models live in MASX_MODELS_DIR
(default <cache>/models) as <org>/<name>/ with onnx/model.onnx, tokenizer.json
and, when the repository has them, onnx/model_fp16.onnx and the config files.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return Usagef("models needs a subcommand: pull or list")
		},
	}
	cmd.AddCommand(newModelsPullCmd(app, nil), newModelsListCmd(app, nil))
	return cmd
}

// modelsPullOptions are `masx models pull`'s inputs.
type modelsPullOptions struct {
	*App
	RepoID   string // <org>/<name>
	Revision string
	JSON     bool
}

func newModelsPullCmd(app *App, runF func(context.Context, *modelsPullOptions) error) *cobra.Command {
	opts := &modelsPullOptions{App: app}
	cmd := &cobra.Command{
		Use:   "pull <org>/<name> [--revision R]",
		Short: "Download a model's ONNX export from the Hugging Face Hub",
		Long: `Download onnx/model.onnx, tokenizer.json and, when present,
onnx/model_fp16.onnx, config.json, tokenizer_config.json,
sentence_bert_config.json and 1_Pooling/config.json of a Hub repository into
MASX_MODELS_DIR/<org>/<name>.

Files are checked against the Hub's size and sha256 and written atomically;
an interrupted pull resumes where it stopped when run again, and files
already present are not downloaded again. MASX_HF_ENDPOINT selects a mirror;
HF_TOKEN authorizes private or gated repositories.`,
		Example: `  masx models pull sentence-transformers/all-MiniLM-L6-v2
  masx models pull Xenova/all-MiniLM-L6-v2 --revision main --json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return Usagef("models pull needs one repository id (<org>/<name>); got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.RepoID = args[0]
			return runOr(cmd.Context(), opts, runF, modelsPullRun)
		},
	}
	cmd.Flags().StringVar(&opts.Revision, "revision", hub.DefaultRevision, "branch, tag or commit to download")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

func modelsPullRun(ctx context.Context, opts *modelsPullOptions) error {
	s := opts.Settings
	client, err := hub.New(hubConfig(s, opts.Logger))
	if err != nil {
		return AsUsage(fmt.Errorf("MASX_HF_ENDPOINT: %w", err))
	}
	defer client.CloseIdleConnections()
	res, err := client.Pull(ctx, s.ResolvedModelsDir(), opts.RepoID, hub.PullOptions{
		Revision: opts.Revision,
		Progress: func(f hub.FileResult) {
			if !opts.JSON {
				fmt.Fprintf(opts.Stderr, "%-10s %-26s %s\n", f.Action, f.Path, byteSize(f.Size))
			}
		},
	})
	if err != nil {
		for _, input := range []error{hub.ErrInvalidRepoID, hub.ErrInvalidRevision, hub.ErrRepoNotFound, hub.ErrMissingFile} {
			if errors.Is(err, input) {
				return AsUsage(err)
			}
		}
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, res)
	}
	commit := res.Commit
	if len(commit) > 12 {
		commit = commit[:12]
	}
	fmt.Fprintf(opts.Stdout, "%s@%s (%s) -> %s\n", res.RepoID, res.Revision, commit, res.Path)
	return nil
}

// modelsListOptions are `masx models list`'s inputs.
type modelsListOptions struct {
	*App
	JSON bool
}

func newModelsListCmd(app *App, runF func(context.Context, *modelsListOptions) error) *cobra.Command {
	opts := &modelsListOptions{App: app}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List installed models",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runOr(cmd.Context(), opts, runF, modelsListRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	return cmd
}

func modelsListRun(_ context.Context, opts *modelsListOptions) error {
	dir := opts.Settings.ResolvedModelsDir()
	list, err := hub.List(dir)
	if err != nil {
		return err
	}
	if list == nil {
		list = []hub.Installed{}
	}
	if opts.JSON {
		return writeJSON(opts.Stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(opts.Stdout, "no models in %s (masx models pull <org>/<name>)\n", dir)
		return nil
	}
	return writeModels(opts.Stdout, list)
}

// writeModels prints installed models as a table, then what is wrong with
// each incomplete one.
func writeModels(w io.Writer, list []hub.Installed) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tFP16\tSIZE\tFILES\tSTATUS\tPATH")
	for _, m := range list {
		status := "ok"
		switch {
		case m.Partial:
			status = "partial (pull again to resume)"
		case m.Error != "":
			status = "incomplete"
		}
		fp16 := "no"
		if m.HasFP16 {
			fp16 = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", m.RepoID, fp16, byteSize(m.Size), len(m.Files), status, m.Path)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range list {
		if m.Error != "" {
			fmt.Fprintf(w, "%s: %s\n", m.RepoID, strings.TrimSpace(m.Error))
		}
	}
	return nil
}

// byteSize formats a size in decimal units (kB, MB, GB), as the Hub shows them.
func byteSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTP"[exp])
}
