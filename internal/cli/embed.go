package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/nlp/embed"
)

// embedOutput is one line of `masx embed --json`.
type embedOutput struct {
	Index     int       `json:"index"`
	Tokens    int       `json:"tokens"`
	Truncated bool      `json:"truncated"`
	Vector    []float32 `json:"vector"`
}

// embedOptions are `masx embed`'s inputs.
type embedOptions struct {
	*App
	Texts     []string // the texts; with FromStdin, read one per line instead
	FromStdin bool
	Model     string // folder or installed repo id; default MASX_EMBED_MODEL
	MaxLength int    // tokens kept per text; 0 is the model's
	JSON      bool
}

func newEmbedCmd(app *App, runF func(context.Context, *embedOptions) error) *cobra.Command {
	opts := &embedOptions{App: app}
	cmd := &cobra.Command{
		Use:   "embed [--model DIR|ORG/NAME] [--json] TEXT...|-",
		Short: "Embed texts with an ONNX sentence model",
		Long: `Embed texts with an ONNX sentence model (BERT family, e.g.
all-MiniLM-L6-v2): tokenize, run the model through the inference runtime (on
the GPU when one is usable), mean-pool over real tokens and L2-normalise.

Prints one vector per text, in order: space-separated numbers, or with --json
one JSON object per line ({"index","tokens","truncated","vector"}). "-" reads
standard input, one text per line. Texts longer than the model's limit
(--max-length, else the folder's max_seq_length, else 256 tokens) are
truncated; an empty text embeds as [CLS] [SEP].

--model is a model folder or an installed repository id (masx models pull);
it defaults to MASX_EMBED_MODEL. Needs ONNX Runtime (scripts/setup.sh).`,
		Example: `  masx embed --model sentence-transformers/all-MiniLM-L6-v2 "Troops crossed the border"
  masx embed --model ./models/minilm --json "first text" "second text"
  masx embed --json - < headlines.txt`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return Usagef("embed needs at least one TEXT argument (or - for standard input)")
			}
			if opts.MaxLength < 0 {
				return Usagef("--max-length %d: want a positive number of tokens", opts.MaxLength)
			}
			opts.Texts, opts.FromStdin = args, len(args) == 1 && args[0] == "-"
			return runOr(cmd.Context(), opts, runF, embedRun)
		},
	}
	cmd.Flags().StringVar(&opts.Model, "model", "", "model folder or installed repository id (default MASX_EMBED_MODEL)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print one JSON object per text")
	cmd.Flags().IntVar(&opts.MaxLength, "max-length", 0, "tokens kept per text, [CLS] and [SEP] included (default: the model's)")
	return cmd
}

func embedRun(ctx context.Context, opts *embedOptions) error {
	texts := opts.Texts
	if opts.FromStdin {
		var err error
		if texts, err = readLines(opts.Stdin); err != nil {
			return err
		}
	}
	e, stop, err := startEmbedder(ctx, opts.App, opts.Model, opts.MaxLength)
	if err != nil {
		return err
	}
	defer stop()
	vecs, err := e.Embed(ctx, texts)
	if err != nil {
		return err
	}
	return writeEmbeddings(opts.Stdout, e.Encoder(), texts, vecs, opts.JSON)
}

// writeEmbeddings prints one vector per text: space-separated numbers, or
// JSON lines with the token counts.
func writeEmbeddings(out io.Writer, enc *embed.Encoder, texts []string, vecs [][]float32, asJSON bool) error {
	w := bufio.NewWriter(out)
	jw := json.NewEncoder(w)
	for i, v := range vecs {
		if asJSON {
			t := enc.Tokenize(texts[i]) // cheap next to the model; gives the counts
			if err := jw.Encode(embedOutput{Index: i, Tokens: t.Len(), Truncated: t.Truncated, Vector: v}); err != nil {
				return fmt.Errorf("writing result: %w", err)
			}
			continue
		}
		for k, x := range v {
			if k > 0 {
				w.WriteByte(' ')
			}
			w.WriteString(strconv.FormatFloat(float64(x), 'g', 7, 32))
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("writing result: %w", err)
	}
	return nil
}

// readLines reads standard input, one text per line.
func readLines(stdin io.Reader) ([]string, error) {
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var texts []string
	for sc.Scan() {
		texts = append(texts, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading standard input: %w", err)
	}
	if len(texts) == 0 {
		return nil, Usagef("standard input holds no text")
	}
	return texts, nil
}

// resolveEmbedModel finds the model folder named by --model or
// MASX_EMBED_MODEL. Bad names and incomplete folders are usage errors.
func resolveEmbedModel(s *config.Settings, model string) (string, error) {
	if model == "" {
		model = s.EmbedModel
	}
	if model == "" {
		return "", Usagef("no model: give --model DIR|ORG/NAME or set MASX_EMBED_MODEL")
	}
	m, err := hub.Resolve(s.ResolvedModelsDir(), model)
	if err != nil {
		return "", AsUsage(err)
	}
	return m.Dir, nil
}

// startEmbedder registers the model on a runtime for the detected device
// and starts it. stop drains the runtime.
func startEmbedder(ctx context.Context, app *App, model string, maxLength int) (*embed.Embedder, func(), error) {
	s := app.Settings
	dir, err := resolveEmbedModel(s, model)
	if err != nil {
		return nil, nil, err
	}
	if err := onnx.Init(s.ResolvedORTLib()); err != nil {
		return nil, nil, err
	}
	dev, err := detectDevice(s)
	if err != nil {
		return nil, nil, err
	}
	rtc := runtimeConfig(s, dev, nil)
	rtc.Logger = app.Logger
	rt, err := inference.New(rtc)
	if err != nil {
		return nil, nil, err
	}
	ecfg := embedConfig(s, dir)
	ecfg.MaxLength = maxLength
	ecfg.Logf = func(f string, a ...any) { app.Logger.Warn(fmt.Sprintf(f, a...)) }
	e, err := embed.Register(rt, ecfg)
	if err != nil {
		return nil, nil, modelInputError(err)
	}
	if err := rt.Start(ctx); err != nil {
		return nil, nil, modelInputError(err)
	}
	return e, func() { _ = rt.Stop(ctx) }, nil
}

// modelInputError marks errors caused by the model the user named as
// usage errors (exit 2).
func modelInputError(err error) error {
	if errors.Is(err, onnx.ErrInvalidModel) && !strings.Contains(err.Error(), "CUDA") {
		return AsUsage(err)
	}
	return err
}
