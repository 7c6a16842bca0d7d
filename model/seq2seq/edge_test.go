package seq2seq

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/model/onnx"
)

// A request whose caller gives up leaves the batch before the next step;
// its batch mates go on and decode as they would alone.
func TestCancelLeavesBatchBetweenSteps(t *testing.T) {
	dir := familyDir(t, "nllb")
	for _, beams := range []int{1, 3} {
		done := make(chan struct{})
		var hooks []int
		m := loadModel(t, dir, Options{StepHook: func(steps int) {
			hooks = append(hooks, steps)
			if steps == 3 {
				close(done)
			}
		}})
		g := m.Defaults()
		g.NumBeams, g.MaxNewTokens, g.MinNewTokens = beams, 40, 40 // EOS banned: only the cancel ends it early
		short := g
		short.MaxNewTokens, short.MinNewTokens = 3, 0
		src := []int64{5, 6, 7, 2}
		out, errs, err := m.Generate(context.Background(), []Request{{IDs: src, Config: &g, Done: done}})
		require.NoError(t, err)
		require.ErrorIs(t, errs[0], context.Canceled)
		require.Nil(t, out[0].IDs)
		require.Equal(t, []int{1, 2, 3}, hooks, "beams %d: steps run before the cancelled row left", beams)
		require.EqualValues(t, 3, m.Metrics().DecodeSteps, "decoder runs")

		// In a batch: the cancelled row leaves, the other finishes.
		done2 := make(chan struct{})
		m2 := loadModel(t, dir, Options{StepHook: func(steps int) {
			if steps == 2 {
				close(done2)
			}
		}})
		alone := generateAll(t, m, []Request{{IDs: src, Config: &short}})
		out, errs, err = m2.Generate(context.Background(), []Request{{IDs: src, Config: &short}, {IDs: []int64{9, 10, 11, 12, 2}, Config: &short, Done: done2}})
		require.NoError(t, err)
		require.NoError(t, errs[0])
		require.ErrorIs(t, errs[1], context.Canceled)
		require.Equal(t, alone[0].IDs, out[0].IDs)
	}
}

func TestDeadlineAndContext(t *testing.T) {
	m := loadModel(t, familyDir(t, "marian"), Options{})
	g := m.Defaults()
	g.NumBeams, g.MaxNewTokens = 1, 8
	out, errs, err := m.Generate(context.Background(), []Request{
		{IDs: []int64{5, 6, 0}, Config: &g, Deadline: time.Now().Add(-time.Second)},
		{IDs: []int64{5, 6, 0}, Config: &g},
	})
	require.NoError(t, err)
	require.ErrorIs(t, errs[0], context.DeadlineExceeded)
	require.NoError(t, errs[1])
	require.Len(t, out[1].IDs, 8)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = m.Generate(ctx, []Request{{IDs: []int64{5, 6, 0}, Config: &g}})
	require.ErrorIs(t, err, context.Canceled)
}

func TestInvalidInput(t *testing.T) {
	m := loadModel(t, familyDir(t, "bart"), Options{})
	g := m.Defaults()
	bad := g
	bad.NumBeams = 0
	badID := g
	badID.ForcedBOSTokenID = 100000
	long := make([]int64, 200)
	cases := []struct {
		req  Request
		want error
		msg  string
	}{
		{Request{}, ErrInvalidInput, "no source ids"},
		{Request{IDs: []int64{5, -1}}, ErrInvalidInput, "source id -1 at 1"},
		{Request{IDs: []int64{5, 128}}, ErrInvalidInput, "outside the vocabulary [0, 128)"},
		{Request{IDs: long}, ErrInvalidInput, "200 source ids, the encoder takes at most 128"},
		{Request{IDs: []int64{5}, Config: &bad}, ErrInvalidConfig, "num_beams 0"},
		{Request{IDs: []int64{5}, Config: &badID}, ErrInvalidConfig, "forced_bos_token_id = 100000"},
	}
	reqs := make([]Request, len(cases))
	for i, c := range cases {
		reqs[i] = c.req
	}
	_, errs, err := m.Generate(context.Background(), reqs)
	require.NoError(t, err)
	for i, c := range cases {
		require.ErrorIs(t, errs[i], c.want, "case %d", i)
		require.ErrorContains(t, errs[i], c.msg, "case %d", i)
	}
}

// Older BART files keep their generation defaults in config.json's
// task_specific_params.summarization; Marian's come from
// generation_config.json.
func TestGenerationDefaults(t *testing.T) {
	bart := loadModel(t, familyDir(t, "bart"), Options{}).Defaults()
	require.Equal(t, 4, bart.NumBeams)
	require.Equal(t, 2.0, bart.LengthPenalty)
	require.Equal(t, 5, bart.MinLength)
	require.Equal(t, 40, bart.MaxLength)
	require.Equal(t, 3, bart.NoRepeatNgramSize)
	require.Equal(t, EarlyStopOn, bart.EarlyStopping)
	require.EqualValues(t, 0, bart.ForcedBOSTokenID)
	require.EqualValues(t, 2, bart.ForcedEOSTokenID)
	require.EqualValues(t, 2, bart.DecoderStartTokenID)

	marian := loadModel(t, familyDir(t, "marian"), Options{}).Defaults()
	require.Equal(t, [][]int64{{127}}, marian.BadWordsIDs)
	require.EqualValues(t, 127, marian.DecoderStartTokenID)
	require.EqualValues(t, 0, marian.EOSTokenID)
	require.EqualValues(t, -1, marian.ForcedBOSTokenID)
	require.Equal(t, 4, marian.NumBeams)
	require.Equal(t, 64, marian.MaxLength)
}

func copyModel(t *testing.T, src string, files ...string) string {
	t.Helper()
	dst := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dst, "onnx"), 0o755))
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, f), data, 0o644))
	}
	return dst
}

// Model files that do not match the Optimum signature or config.json are
// refused with the file and the tensor named.
func TestHostileModelFiles(t *testing.T) {
	src := familyDir(t, "nllb")
	base := []string{"config.json", "generation_config.json", "onnx/encoder_model.onnx"}
	ctx := context.Background()
	load := func(dir string, opts Options) error {
		m, err := Load(ctx, dir, opts)
		if err == nil {
			m.Close()
		}
		return err
	}

	// Only the pair: auto picks it; merged forced fails naming the file.
	dir := copyModel(t, src, append(base, "onnx/decoder_model.onnx", "onnx/decoder_with_past_model.onnx")...)
	m, err := Load(ctx, dir, Options{})
	require.NoError(t, err)
	require.Equal(t, LayoutPair, m.Files().Layout)
	m.Close()
	err = load(dir, Options{Layout: LayoutMerged})
	require.ErrorIs(t, err, onnx.ErrInvalidModel)
	require.ErrorContains(t, err, "decoder_model_merged.onnx")

	// A plain decoder under the merged name: no use_cache_branch, no pasts.
	dir = copyModel(t, src, base...)
	data, _ := os.ReadFile(filepath.Join(src, "onnx/decoder_model.onnx"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "onnx/decoder_model_merged.onnx"), data, 0o644))
	err = load(dir, Options{})
	require.ErrorIs(t, err, onnx.ErrInvalidModel)
	require.ErrorContains(t, err, "use_cache_branch")

	// The encoder and decoder swapped.
	dir = copyModel(t, src, "config.json", "onnx/decoder_model_merged.onnx")
	data, _ = os.ReadFile(filepath.Join(src, "onnx/decoder_model.onnx"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "onnx/encoder_model.onnx"), data, 0o644))
	err = load(dir, Options{})
	require.ErrorIs(t, err, onnx.ErrInvalidModel)
	require.ErrorContains(t, err, "encoder_model.onnx")

	// config.json disagreeing with the graph.
	dir = copyModel(t, src, append(base, "onnx/decoder_model_merged.onnx")...)
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"decoder_layers": 2`, `"decoder_layers": 3`, 1)), 0o644))
	err = load(dir, Options{})
	require.ErrorIs(t, err, onnx.ErrInvalidModel)
	require.ErrorContains(t, err, "2 decoder layers, config.json says 3")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"d_model": 32`, `"d_model": 48`, 1)), 0o644))
	require.ErrorContains(t, load(dir, Options{}), "d_model is 32 in the model but 48 in config.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"vocab_size": 128`, `"vocab_size": 100`, 1)), 0o644))
	require.ErrorContains(t, load(dir, Options{}), "the vocabulary (logits' last dimension) is 128 in the model but 100 in config.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"decoder_attention_heads": 4`, `"decoder_attention_heads": 8`, 1)), 0o644))
	require.ErrorContains(t, load(dir, Options{}), "is 4 in the model but 8 in config.json")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"is_encoder_decoder": true`, `"is_encoder_decoder": false`, 1)), 0o644))
	require.ErrorContains(t, load(dir, Options{}), "is_encoder_decoder false")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(cfg), `"eos_token_id": 2`, `"eos_token_id": "two"`, 1)), 0o644))
	require.ErrorContains(t, load(dir, Options{}), "eos_token_id")

	// Not ONNX at all; a truncated config; no config.
	dir = copyModel(t, src, append(base, "onnx/decoder_model_merged.onnx")...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "onnx/encoder_model.onnx"), []byte("<html>not a model</html>"), 0o644))
	require.ErrorIs(t, load(dir, Options{}), onnx.ErrInvalidModel)
	dir = copyModel(t, src, append(base, "onnx/decoder_model_merged.onnx")...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), cfg[:len(cfg)/2], 0o644))
	require.ErrorIs(t, load(dir, Options{}), onnx.ErrInvalidModel)
	require.NoError(t, os.Remove(filepath.Join(dir, "config.json")))
	err = load(dir, Options{})
	require.ErrorIs(t, err, onnx.ErrInvalidModel)
	require.ErrorContains(t, err, "config.json is missing")
	require.ErrorIs(t, load(filepath.Join(dir, "nope"), Options{}), onnx.ErrInvalidModel)
}

func TestVariantChoice(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "onnx"), 0o755))
	touch := func(names ...string) {
		for _, n := range names {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "onnx", n+".onnx"), nil, 0o644))
		}
	}
	touch("encoder_model", "decoder_model_merged")
	f, err := chooseVariant(dir, VariantAuto, LayoutAuto, false, false)
	require.NoError(t, err)
	require.Equal(t, VariantFP32, f.Variant, "no _quantized files: fp32")
	touch("encoder_model_quantized", "decoder_model_merged_quantized", "encoder_model_fp16", "decoder_model_merged_fp16")
	for _, c := range []struct {
		cuda, fp16 bool
		want       string
	}{{false, false, VariantQuantized}, {false, true, VariantQuantized}, {true, true, VariantFP16}, {true, false, VariantFP32}} {
		f, err := chooseVariant(dir, VariantAuto, LayoutAuto, c.cuda, c.fp16)
		require.NoError(t, err)
		require.Equal(t, c.want, f.Variant, "cuda %v fp16 %v", c.cuda, c.fp16)
		require.True(t, strings.HasSuffix(f.Merged, "decoder_model_merged"+suffix(c.want)+".onnx"), f.Merged)
	}
	f, err = chooseVariant(dir, VariantFP32, LayoutAuto, false, false)
	require.NoError(t, err)
	require.Equal(t, VariantFP32, f.Variant, "forced fp32 on the CPU")
	_, err = chooseVariant(dir, "int4", LayoutAuto, false, false)
	require.ErrorContains(t, err, `"int4"`)
	_, err = chooseVariant(dir, VariantFP32, LayoutPair, false, false)
	require.True(t, errors.Is(err, onnx.ErrInvalidModel))
}

// Any id sequence through Generate fails cleanly or generates; never a
// panic.
func FuzzGenerate(f *testing.F) {
	f.Add([]byte{5, 6, 7, 2}, uint8(1), uint8(4))
	f.Add([]byte{}, uint8(2), uint8(1))
	f.Add([]byte{255, 0, 127, 128}, uint8(3), uint8(9))
	m := loadModel(f, familyDir(f, "marian"), Options{})
	f.Fuzz(func(t *testing.T, raw []byte, beams, n uint8) {
		ids := make([]int64, len(raw))
		for i, b := range raw {
			ids[i] = int64(b) - 8 // some negative, some past the vocabulary
		}
		g := m.Defaults()
		g.NumBeams, g.MaxNewTokens = int(beams%5), int(n%12)
		out, errs, err := m.Generate(context.Background(), []Request{{IDs: ids, Config: &g}})
		require.NoError(t, err)
		if errs[0] == nil {
			require.LessOrEqual(t, len(out[0].IDs), max(g.maxLength(), 1))
		} else {
			require.True(t, errors.Is(errs[0], ErrInvalidInput) || errors.Is(errs[0], ErrInvalidConfig), "%v", errs[0])
		}
	})
}

// An _fp16 export that cannot run falls back to the fp32 files when the
// variant was not forced.
func TestFP16FallsBackToFP32(t *testing.T) {
	src := familyDir(t, "nllb")
	dir := copyModel(t, src, "config.json", "generation_config.json", "onnx/encoder_model.onnx", "onnx/decoder_model_merged.onnx")
	for _, f := range []string{"encoder_model_fp16.onnx", "decoder_model_merged_fp16.onnx"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "onnx", f), []byte("not onnx"), 0o644))
	}
	var logged []string
	m, err := Load(context.Background(), dir, Options{CUDA: true, FP16: true, Threads: 1,
		Logf: func(f string, a ...any) { logged = append(logged, f) }})
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, VariantFP32, m.Files().Variant)
	require.NotEmpty(t, logged)
	_, err = Load(context.Background(), dir, Options{Variant: VariantFP16, Threads: 1})
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "a forced variant does not fall back")
}
