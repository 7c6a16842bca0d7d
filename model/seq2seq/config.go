package seq2seq

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/model/onnx"
)

// Defaults for GenerationConfig fields that neither the call, the model's
// generation_config.json nor its config.json sets: Hugging Face
// transformers' GenerationConfig defaults.
const (
	MaxLengthDefault     = 20
	NumBeamsDefault      = 1
	LengthPenaltyDefault = 1.0
)

// maxJSONBytes bounds config.json and generation_config.json: real ones are
// a few kB; a larger file is hostile or not a config.
const maxJSONBytes = 4 << 20

// Early-stopping modes of beam search (Hugging Face's early_stopping,
// which is true, false or "never").
const (
	EarlyStopHeuristic = "false" // stop when no running beam can beat the worst finished one (estimated)
	EarlyStopOn        = "true"  // stop as soon as NumBeams hypotheses are finished
	EarlyStopNever     = "never" // stop when no running beam can beat the worst finished one (exact bound)
)

// GenerationConfig is what Generate does, with Hugging Face's names and
// meanings. Lengths count decoder tokens with the decoder start token
// included, as transformers does: MaxLength 20 allows 19 generated tokens.
// A negative token id means "none".
type GenerationConfig struct {
	// MaxLength bounds the decoder sequence (start token included).
	// Default MaxLengthDefault; MaxNewTokens overrides it.
	MaxLength int `json:"max_length"`
	// MaxNewTokens, when positive, sets MaxLength to 1 + MaxNewTokens.
	MaxNewTokens int `json:"max_new_tokens"`
	// MinLength: EOS is banned while the sequence is shorter.
	MinLength int `json:"min_length"`
	// MinNewTokens: EOS is banned before this many tokens are generated.
	MinNewTokens int `json:"min_new_tokens"`
	// NumBeams is 1 for greedy search, more for beam search.
	NumBeams int `json:"num_beams"`
	// LengthPenalty is the exponent of the length a finished beam's
	// log-probability sum is divided by. Default 1.0.
	LengthPenalty float64 `json:"length_penalty"`
	// EarlyStopping is EarlyStopHeuristic (default; also ""), EarlyStopOn
	// or EarlyStopNever.
	EarlyStopping string `json:"early_stopping"`
	// NoRepeatNgramSize bans any n-gram of this size from occurring twice.
	NoRepeatNgramSize int `json:"no_repeat_ngram_size"`
	// RepetitionPenalty divides positive (multiplies negative) scores of
	// tokens already in the sequence. 1.0 (default) is off; so is 0.
	RepetitionPenalty float64 `json:"repetition_penalty"`
	// BadWordsIDs are token sequences never generated: single tokens are
	// banned always, longer ones when the sequence ends in their prefix.
	BadWordsIDs [][]int64 `json:"bad_words_ids"`
	// ForcedBOSTokenID is forced as the first generated token (NLLB's
	// target language, BART's <s>).
	ForcedBOSTokenID int64 `json:"forced_bos_token_id"`
	// ForcedEOSTokenID is forced when MaxLength is reached.
	ForcedEOSTokenID int64 `json:"forced_eos_token_id"`
	// DecoderStartTokenID starts every decoder sequence. Required.
	DecoderStartTokenID int64 `json:"decoder_start_token_id"`
	// EOSTokenID ends a sequence. Required.
	EOSTokenID int64 `json:"eos_token_id"`
	// PadTokenID pads sources. Required.
	PadTokenID int64 `json:"pad_token_id"`
}

// maxLength is the effective bound on the decoder sequence.
func (g GenerationConfig) maxLength() int {
	if g.MaxNewTokens > 0 {
		return 1 + g.MaxNewTokens
	}
	return g.MaxLength
}

// Validate checks the config against a vocabulary of vocab tokens and a
// decoder that holds maxPos positions (0: unknown).
func (g GenerationConfig) Validate(vocab, maxPos int) error {
	id := func(name string, v int64, optional bool) error {
		if optional && v < 0 {
			return nil
		}
		if v < 0 || (vocab > 0 && v >= int64(vocab)) {
			return fmt.Errorf("%w: %s = %d, want a token id in [0, %d)", ErrInvalidConfig, name, v, vocab)
		}
		return nil
	}
	errs := []error{
		id("decoder_start_token_id", g.DecoderStartTokenID, false),
		id("eos_token_id", g.EOSTokenID, false),
		id("pad_token_id", g.PadTokenID, false),
		id("forced_bos_token_id", g.ForcedBOSTokenID, true),
		id("forced_eos_token_id", g.ForcedEOSTokenID, true),
	}
	for i, w := range g.BadWordsIDs {
		if len(w) == 0 {
			errs = append(errs, fmt.Errorf("%w: bad_words_ids[%d] is empty", ErrInvalidConfig, i))
		}
		for _, t := range w {
			errs = append(errs, id(fmt.Sprintf("bad_words_ids[%d]", i), t, false))
		}
	}
	ml := g.maxLength()
	switch {
	case ml < 2:
		errs = append(errs, fmt.Errorf("%w: max_length %d (max_new_tokens %d): want ≥ 2", ErrInvalidConfig, g.MaxLength, g.MaxNewTokens))
	case maxPos > 0 && ml > maxPos:
		errs = append(errs, fmt.Errorf("%w: max_length %d exceeds the decoder's %d positions", ErrInvalidConfig, ml, maxPos))
	}
	if g.NumBeams < 1 || g.NumBeams > 64 {
		errs = append(errs, fmt.Errorf("%w: num_beams %d: want 1..64", ErrInvalidConfig, g.NumBeams))
	}
	if g.MinLength < 0 || g.MinNewTokens < 0 || g.NoRepeatNgramSize < 0 || g.MaxNewTokens < 0 {
		errs = append(errs, fmt.Errorf("%w: min_length %d, min_new_tokens %d, no_repeat_ngram_size %d, max_new_tokens %d: want ≥ 0",
			ErrInvalidConfig, g.MinLength, g.MinNewTokens, g.NoRepeatNgramSize, g.MaxNewTokens))
	}
	if g.RepetitionPenalty < 0 {
		errs = append(errs, fmt.Errorf("%w: repetition_penalty %g: want > 0 (0: off)", ErrInvalidConfig, g.RepetitionPenalty))
	}
	switch g.EarlyStopping {
	case "", EarlyStopHeuristic, EarlyStopOn, EarlyStopNever:
	default:
		errs = append(errs, fmt.Errorf("%w: early_stopping %q: want false, true or never", ErrInvalidConfig, g.EarlyStopping))
	}
	return errors.Join(errs...)
}

// ErrInvalidConfig marks a generation setting out of range, from a model
// file or a caller.
var ErrInvalidConfig = errors.New("invalid generation config")

// rawGen mirrors generation_config.json (and the same keys in config.json
// and its task_specific_params.summarization). Pointers tell "absent"
// from zero; early_stopping is a bool or "never"; eos_token_id may be a
// list (the first id is used, as transformers' finalize does).
type rawGen struct {
	MaxLength           *int            `json:"max_length"`
	MaxNewTokens        *int            `json:"max_new_tokens"`
	MinLength           *int            `json:"min_length"`
	MinNewTokens        *int            `json:"min_new_tokens"`
	NumBeams            *int            `json:"num_beams"`
	LengthPenalty       *float64        `json:"length_penalty"`
	EarlyStopping       json.RawMessage `json:"early_stopping"`
	NoRepeatNgramSize   *int            `json:"no_repeat_ngram_size"`
	RepetitionPenalty   *float64        `json:"repetition_penalty"`
	BadWordsIDs         [][]int64       `json:"bad_words_ids"`
	ForcedBOSTokenID    *int64          `json:"forced_bos_token_id"`
	ForcedEOSTokenID    json.RawMessage `json:"forced_eos_token_id"`
	DecoderStartTokenID *int64          `json:"decoder_start_token_id"`
	EOSTokenID          json.RawMessage `json:"eos_token_id"`
	PadTokenID          *int64          `json:"pad_token_id"`
}

// modelConfig is the part of config.json the engine reads.
type modelConfig struct {
	rawGen
	ModelType             string                     `json:"model_type"`
	IsEncoderDecoder      *bool                      `json:"is_encoder_decoder"`
	DModel                int                        `json:"d_model"`
	DecoderLayers         int                        `json:"decoder_layers"`
	DecoderHeads          int                        `json:"decoder_attention_heads"`
	VocabSize             int                        `json:"vocab_size"`
	MaxPositionEmbeddings int                        `json:"max_position_embeddings"`
	TaskSpecificParams    map[string]json.RawMessage `json:"task_specific_params"`
}

// firstID reads an id that may be a number, null or a list of numbers.
func firstID(name string, raw json.RawMessage) (*int64, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one int64
	if err := json.Unmarshal(raw, &one); err == nil {
		return &one, nil
	}
	var many []int64
	if err := json.Unmarshal(raw, &many); err != nil || len(many) == 0 {
		return nil, fmt.Errorf("%w: %s = %s, want an id or a non-empty list of ids", ErrInvalidConfig, name, raw)
	}
	return &many[0], nil
}

// apply copies the keys r sets onto g.
func (r rawGen) apply(g *GenerationConfig) error {
	setInt := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setInt(&g.MaxLength, r.MaxLength)
	setInt(&g.MaxNewTokens, r.MaxNewTokens)
	setInt(&g.MinLength, r.MinLength)
	setInt(&g.MinNewTokens, r.MinNewTokens)
	setInt(&g.NumBeams, r.NumBeams)
	setInt(&g.NoRepeatNgramSize, r.NoRepeatNgramSize)
	if r.LengthPenalty != nil {
		g.LengthPenalty = *r.LengthPenalty
	}
	if r.RepetitionPenalty != nil {
		g.RepetitionPenalty = *r.RepetitionPenalty
	}
	if r.BadWordsIDs != nil {
		g.BadWordsIDs = r.BadWordsIDs
	}
	for _, p := range []struct {
		dst *int64
		v   *int64
	}{{&g.ForcedBOSTokenID, r.ForcedBOSTokenID}, {&g.DecoderStartTokenID, r.DecoderStartTokenID}, {&g.PadTokenID, r.PadTokenID}} {
		if p.v != nil {
			*p.dst = *p.v
		}
	}
	for _, p := range []struct {
		name string
		dst  *int64
		raw  json.RawMessage
	}{{"forced_eos_token_id", &g.ForcedEOSTokenID, r.ForcedEOSTokenID}, {"eos_token_id", &g.EOSTokenID, r.EOSTokenID}} {
		v, err := firstID(p.name, p.raw)
		if err != nil {
			return err
		}
		if v != nil {
			*p.dst = *v
		}
	}
	switch s := string(r.EarlyStopping); s {
	case "", "null":
	case "true", "false":
		g.EarlyStopping = s
	case `"never"`:
		g.EarlyStopping = EarlyStopNever
	default:
		return fmt.Errorf("%w: early_stopping = %s, want true, false or \"never\"", ErrInvalidConfig, s)
	}
	return nil
}

func readJSON(path string, v any) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%w: %w", onnx.ErrInvalidModel, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJSONBytes+1))
	if err != nil {
		return false, fmt.Errorf("%w: reading %s: %w", onnx.ErrInvalidModel, path, err)
	}
	if len(data) > maxJSONBytes {
		return false, fmt.Errorf("%w: %s is over %d bytes", onnx.ErrInvalidModel, path, maxJSONBytes)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%w: parsing %s: %w", onnx.ErrInvalidModel, path, err)
	}
	return true, nil
}

// loadFolderConfig reads config.json (required) and the generation
// defaults: generation_config.json when present, else config.json's own
// keys overlaid with task_specific_params.summarization (older BART
// files), else transformers' defaults.
func loadFolderConfig(dir string) (modelConfig, GenerationConfig, error) {
	g := GenerationConfig{
		MaxLength: MaxLengthDefault, NumBeams: NumBeamsDefault, LengthPenalty: LengthPenaltyDefault,
		RepetitionPenalty: 1, EarlyStopping: EarlyStopHeuristic,
		ForcedBOSTokenID: -1, ForcedEOSTokenID: -1, DecoderStartTokenID: -1, EOSTokenID: -1, PadTokenID: -1,
	}
	var mc modelConfig
	path := filepath.Join(dir, "config.json")
	ok, err := readJSON(path, &mc)
	if err != nil {
		return mc, g, err
	}
	if !ok {
		return mc, g, fmt.Errorf("%w: %s is missing", onnx.ErrInvalidModel, path)
	}
	if mc.IsEncoderDecoder != nil && !*mc.IsEncoderDecoder {
		return mc, g, fmt.Errorf("%w: %s says is_encoder_decoder false; want a seq2seq model", onnx.ErrInvalidModel, path)
	}
	if err := mc.rawGen.apply(&g); err != nil {
		return mc, g, fmt.Errorf("%s: %w", path, err)
	}
	var gen rawGen
	genPath := filepath.Join(dir, "generation_config.json")
	ok, err = readJSON(genPath, &gen)
	if err != nil {
		return mc, g, err
	}
	if ok {
		if err := gen.apply(&g); err != nil {
			return mc, g, fmt.Errorf("%s: %w", genPath, err)
		}
		return mc, g, nil
	}
	if raw, found := mc.TaskSpecificParams["summarization"]; found {
		var sum rawGen
		if err := json.Unmarshal(raw, &sum); err != nil {
			return mc, g, fmt.Errorf("%w: %s task_specific_params.summarization: %w", onnx.ErrInvalidModel, path, err)
		}
		if err := sum.apply(&g); err != nil {
			return mc, g, fmt.Errorf("%s task_specific_params.summarization: %w", path, err)
		}
	}
	return mc, g, nil
}
