package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
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

func newEmbedCmd(app *App) *cobra.Command {
	var (
		model     string
		asJSON    bool
		maxLength int
	)
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
			if maxLength < 0 {
				return Usagef("--max-length %d: want a positive number of tokens", maxLength)
			}
			texts := args
			if len(args) == 1 && args[0] == "-" {
				var err error
				if texts, err = readLines(cmd); err != nil {
					return err
				}
			}
			e, stop, err := startEmbedder(cmd, app, model, maxLength)
			if err != nil {
				return err
			}
			defer stop()
			vecs, err := e.Embed(cmd.Context(), texts)
			if err != nil {
				return err
			}
			enc := e.Encoder()
			w := bufio.NewWriter(app.Stdout)
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
		},
	}
	cmd.Flags().StringVar(&model, "model", "", "model folder or installed repository id (default MASX_EMBED_MODEL)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per text")
	cmd.Flags().IntVar(&maxLength, "max-length", 0, "tokens kept per text, [CLS] and [SEP] included (default: the model's)")
	return cmd
}

// readLines reads standard input, one text per line.
func readLines(cmd *cobra.Command) ([]string, error) {
	sc := bufio.NewScanner(cmd.InOrStdin())
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
func startEmbedder(cmd *cobra.Command, app *App, model string, maxLength int) (*embed.Embedder, func(), error) {
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
	if err := rt.Start(cmd.Context()); err != nil {
		return nil, nil, modelInputError(err)
	}
	return e, func() { _ = rt.Stop(cmd.Context()) }, nil
}

// modelInputError marks errors caused by the model the user named as
// usage errors (exit 2).
func modelInputError(err error) error {
	if errors.Is(err, onnx.ErrInvalidModel) && !strings.Contains(err.Error(), "CUDA") {
		return AsUsage(err)
	}
	return err
}
