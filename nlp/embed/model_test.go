package embed_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/model/testmodel"
	"github.com/masx-ai/masx/nlp/embed"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if shared.m != nil {
			shared.m.Close()
		}
	}))
}

var cpu = device.Config{Type: device.CPU, Name: "cpu"}

// shared is the default tiny encoder and CPU model, loaded once: the
// tokenizer alone takes a second to load under -race.
var shared struct {
	once sync.Once
	enc  *embed.Encoder
	m    *embed.Model
	err  error
}

// envConfig is the Config for the model folder dir with the ONNX Runtime
// library and thread count the environment names (MASX_ORT_LIB, …).
func envConfig(t testing.TB, dir string) embed.Config {
	t.Helper()
	s := onnxtest.Settings(t)
	return embed.Config{Dir: dir, ORTLib: s.ResolvedORTLib(), Threads: s.ResolvedORTThreads(), FP16: s.FP16}
}

func tinyEncoder(t *testing.T, mod func(*embed.Config)) (*embed.Encoder, *embed.Model) {
	t.Helper()
	dir := onnxtest.Tiny(t)
	shared.once.Do(func() {
		shared.enc, shared.err = embed.NewEncoder(envConfig(t, dir))
		if shared.err == nil {
			shared.m, shared.err = shared.enc.Load(context.Background(), cpu)
		}
	})
	require.NoError(t, shared.err)
	if mod == nil {
		return shared.enc, shared.m
	}
	// Derived encoders share the tokenizer but count their own metrics.
	enc, err := shared.enc.Derive(mod)
	require.NoError(t, err)
	m, err := enc.Load(context.Background(), cpu)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return enc, m
}

var texts = []string{
	"Hello, world!",
	"",
	"The quick brown fox jumps over the lazy dog.",
	"Troops massed near the border on Tuesday, officials said, as talks stalled for a third day.",
	"ok",
}

func assertClose(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	require.Len(t, got, len(want), "%s: dimensions", what)
	for k := range got {
		require.InDelta(t, want[k], got[k], tol, "%s: dimension %d", what, k)
	}
}

// The numpy evaluation of the same graph, written by the generator, is
// the oracle: it checks the ONNX graph, the padding, the pooling and the
// normalisation at once.
func TestMatchesNumpyGolden(t *testing.T) {
	enc, m := tinyEncoder(t, nil)
	var golden struct {
		IDs        [][]int64   `json:"ids"`
		Embeddings [][]float32 `json:"embeddings"`
	}
	data, err := os.ReadFile(filepath.Join(enc.Config().Dir, "golden.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &golden))
	in := make([]embed.Tokens, len(golden.IDs))
	for i, ids := range golden.IDs {
		in[i] = embed.Tokens{IDs: ids}
	}
	batch, err := m.Infer(context.Background(), in)
	require.NoError(t, err)
	for i := range in {
		assertClose(t, "batched golden "+string(rune('0'+i)), batch[i], golden.Embeddings[i], 1e-4)
	}
	// Empty-text ids ([CLS] [SEP]) match the tokenizer's encoding of "".
	require.Equal(t, golden.IDs[1][:2], enc.Tokenize("").IDs, `Tokenize("")`)
}

func TestAloneEqualsBatched(t *testing.T) {
	enc, m := tinyEncoder(t, nil)
	in := enc.TokenizeAll(texts)
	batch, err := m.Infer(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, batch, len(texts), "vectors, one per text")
	for i := range in {
		alone, err := m.Infer(context.Background(), in[i:i+1])
		require.NoError(t, err)
		assertClose(t, texts[i], batch[i], alone[0], 1e-5)
		var norm float64
		for _, v := range batch[i] {
			norm += float64(v) * float64(v)
		}
		require.InDelta(t, 1, norm, 1e-5, "%q: |v|²", texts[i])
	}
	// Empty and whitespace-only texts share the [CLS] [SEP] embedding.
	ws, _ := m.Infer(context.Background(), enc.TokenizeAll([]string{"   \n\t"}))
	assertClose(t, "whitespace vs empty", ws[0], batch[1], 0)
}

func TestTruncationAndMetrics(t *testing.T) {
	enc, m := tinyEncoder(t, func(c *embed.Config) { c.MaxLength = 16 })
	require.Equal(t, 16, enc.MaxLength(), "MaxLength")
	long := strings.Repeat("border talks stalled again ", 40)
	in := enc.TokenizeAll([]string{long, "short text"})
	require.Equal(t, 16, in[0].Len(), "length of the long text")
	require.True(t, in[0].Truncated, "the long text: want truncated")
	require.False(t, in[1].Truncated, "the short text: want not truncated")
	_, err := m.Infer(context.Background(), in)
	require.NoError(t, err)
	got := enc.Metrics()
	real := int64(in[0].Len() + in[1].Len())
	want := embed.Metrics{Texts: 2, Truncated: 1, Batches: 1, Items: 2, RealTokens: real, PaddedTokens: 32,
		PaddingEfficiency: float64(real) / 32}
	got.InferSeconds = 0
	require.Equal(t, want, got, "Metrics")
}

func TestMaxLengthFromFolder(t *testing.T) {
	enc, _ := tinyEncoder(t, nil)
	require.Equal(t, 256, enc.MaxLength(), "MaxLength: want 256 from sentence_bert_config.json")
	// Capped by max_position_embeddings (512 in the tiny model).
	enc2, err := enc.Derive(func(c *embed.Config) { c.MaxLength = 4096 })
	require.NoError(t, err)
	_, err = enc.Derive(func(c *embed.Config) { c.Dir = t.TempDir() })
	require.ErrorContains(t, err, "Dir", "Derive(new Dir)")
	long := enc2.Tokenize(strings.Repeat("word ", 1000))
	require.Equal(t, 512, long.Len(), "tokens the derived encoder keeps")
	require.True(t, long.Truncated, "the derived encoder's long text: want truncated")
	require.Equal(t, 512, enc2.MaxLength(), "MaxLength(4096): want the model's position limit")
	require.Equal(t, 32, enc.Config().Dim, "Dim")
	require.Equal(t, filepath.Base(enc.Config().Dir), enc.Name(), "Name")
}

func TestConcurrentInfer(t *testing.T) {
	enc, m := tinyEncoder(t, nil)
	in := enc.TokenizeAll(texts)
	want, err := m.Infer(context.Background(), in)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo := g % len(in)
			got, err := m.Infer(context.Background(), in[lo:])
			if err != nil {
				errs <- err
				return
			}
			for i := range got {
				for k := range got[i] {
					if math.Abs(float64(got[i][k]-want[lo+i][k])) > 1e-5 {
						errs <- errors.New("concurrent batch result differs")
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "concurrent Infer")
	}
}

func TestInferEdges(t *testing.T) {
	_, m := tinyEncoder(t, nil)
	out, err := m.Infer(context.Background(), nil)
	require.NoError(t, err, "Infer(nil)")
	require.Empty(t, out, "Infer(nil)")
	out, err = m.Infer(context.Background(), []embed.Tokens{{}})
	require.NoError(t, err, "Infer(no tokens)")
	require.Len(t, out, 1, "Infer(no tokens): want one zero vector")
	require.Equal(t, make([]float32, 32), out[0], "Infer(no tokens): want zeros")
	_, err = m.Infer(context.Background(), []embed.Tokens{{IDs: []int64{101, 102}, TypeIDs: []int64{0}}})
	require.Error(t, err, "Infer with mismatched type ids: no error")
	_, err = m.Infer(context.Background(), []embed.Tokens{{IDs: []int64{101, 50000, 102}}})
	require.Error(t, err, "Infer with an id past the vocabulary: no error")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = m.Infer(ctx, []embed.Tokens{{IDs: []int64{101, 102}}})
	require.ErrorIs(t, err, context.Canceled, "Infer(canceled)")
	require.Equal(t, 32, m.Dim(), "Dim")
	require.Equal(t, onnx.ProviderCPU, m.Provider(), "Provider")
	require.Equal(t, "model.onnx", filepath.Base(m.Path()), "Path")
}

func TestBadFolders(t *testing.T) {
	onnxtest.RequireORT(t)
	tiny := onnxtest.Tiny(t)
	empty := t.TempDir()
	_, err := embed.NewEncoder(embed.Config{Dir: filepath.Join(empty, "nope")})
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "NewEncoder(missing)")
	require.ErrorContains(t, err, "nope", "NewEncoder(missing) names it")
	_, err = embed.NewEncoder(embed.Config{Dir: empty})
	require.ErrorContains(t, err, "tokenizer.json", "NewEncoder(no tokenizer.json)")
	_, err = embed.NewEncoder(embed.Config{})
	require.ErrorContains(t, err, "Config.Dir", "NewEncoder(no Dir)")
	_, err = embed.NewEncoder(embed.Config{Dir: tiny, MaxLength: -1})
	require.ErrorContains(t, err, "MaxLength", "NewEncoder(MaxLength -1)")
	// A folder with a tokenizer but no model loads the encoder, not the model.
	noModel := t.TempDir()
	tok, _ := os.ReadFile(filepath.Join(tiny, "tokenizer.json"))
	os.WriteFile(filepath.Join(noModel, "tokenizer.json"), tok, 0o644)
	enc, err := embed.NewEncoder(embed.Config{Dir: noModel})
	require.NoError(t, err)
	_, err = enc.Load(context.Background(), cpu)
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "Load(no model.onnx)")
	require.ErrorContains(t, err, noModel, "Load(no model.onnx) names the folder")
	// A tokenizer larger than the model's vocabulary is refused up front.
	small := t.TempDir()
	os.WriteFile(filepath.Join(small, "tokenizer.json"), tok, 0o644)
	os.WriteFile(filepath.Join(small, "config.json"), []byte(`{"vocab_size": 1000, "hidden_size": 32}`), 0o644)
	_, err = embed.NewEncoder(embed.Config{Dir: small})
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "NewEncoder(vocab mismatch)")
	require.ErrorContains(t, err, "vocab_size", "NewEncoder(vocab mismatch)")
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "tokenizer.json"), tok, 0o644)
	os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"vocab_size": `), 0o644)
	_, err = embed.NewEncoder(embed.Config{Dir: bad})
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "NewEncoder(bad config.json)")
	require.ErrorContains(t, err, "config.json", "NewEncoder(bad config.json)")
}

func TestUnavailableRuntime(t *testing.T) {
	onnxtest.RequireORT(t)
	tiny := onnxtest.Tiny(t)
	enc, err := embed.NewEncoder(embed.Config{Dir: tiny, ORTLib: filepath.Join(t.TempDir(), "libonnxruntime.so.1")})
	require.NoError(t, err)
	// The process already loaded the real library, so another path is
	// refused; before that, the missing file is. Both are ErrUnavailable.
	_, err = enc.Load(context.Background(), cpu)
	require.ErrorIs(t, err, onnx.ErrUnavailable, "Load(missing library)")
}

// On a machine without the CUDA provider, loading for a GPU fails with
// inference.ErrDevice, so the runtime can load the CPU model instead.
func TestCUDALoadFails(t *testing.T) {
	s := onnxtest.RequireORT(t)
	for _, p := range onnx.Probe(s.ResolvedORTLib()).Providers {
		if p == onnx.ProviderCUDA {
			t.Skip("the CUDA provider loads here; its failure cannot be caused")
		}
	}
	dir := onnxtest.Model(t, testmodel.Spec{Preset: "tiny", FP16: true})
	cfg := envConfig(t, dir)
	cfg.FP16 = true
	enc, err := embed.NewEncoder(cfg)
	require.NoError(t, err)
	_, err = enc.Load(context.Background(), device.Config{Type: device.CUDA, ID: 0})
	require.ErrorIs(t, err, inference.ErrDevice, "Load(cuda)")
	require.ErrorIs(t, err, onnx.ErrCUDA, "Load(cuda)")
	require.ErrorContains(t, err, "model_fp16.onnx", "Load(cuda)")
}

// CLS and max pooling reduce the same token states the session returns.
func TestPoolingModes(t *testing.T) {
	dir := onnxtest.Tiny(t)
	sess, err := onnx.Open(context.Background(), filepath.Join(dir, "onnx", "model.onnx"), onnx.Options{})
	require.NoError(t, err)
	defer sess.Close()
	ids := []int64{101, 7592, 1010, 2088, 999, 102}
	shape := []int64{1, int64(len(ids))}
	out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{1, int64(len(ids)), 32}}
	err = sess.Run(context.Background(), []onnx.Int64Input{
		{Name: "input_ids", Shape: shape, Data: ids},
		{Name: "attention_mask", Shape: shape, Data: []int64{1, 1, 1, 1, 1, 1}},
		{Name: "token_type_ids", Shape: shape, Data: make([]int64, len(ids))},
	}, []*onnx.Float32Output{out})
	require.NoError(t, err)
	unit := func(v []float64) []float32 {
		var n float64
		for _, x := range v {
			n += x * x
		}
		r := make([]float32, len(v))
		for i, x := range v {
			r[i] = float32(x / math.Sqrt(n))
		}
		return r
	}
	cls, mx := make([]float64, 32), make([]float64, 32)
	for k := range 32 {
		cls[k] = float64(out.Data[k])
		mx[k] = math.Inf(-1)
		for j := range ids {
			mx[k] = max(mx[k], float64(out.Data[j*32+k]))
		}
	}
	for mode, want := range map[string][]float32{embed.PoolCLS: unit(cls), embed.PoolMax: unit(mx)} {
		_, m := tinyEncoder(t, func(c *embed.Config) { c.Pooling = mode })
		// Batched with a longer text, so padding is present too.
		got, err := m.Infer(context.Background(), []embed.Tokens{{IDs: ids}, {IDs: append(append([]int64{101}, ids[1:5]...), ids[1:]...)}})
		require.NoError(t, err)
		assertClose(t, mode, got[0], want, 1e-5)
	}
	_, err = embed.NewEncoder(embed.Config{Dir: dir, Pooling: "lasttoken"})
	require.ErrorContains(t, err, "Pooling", "NewEncoder(Pooling lasttoken)")
}
