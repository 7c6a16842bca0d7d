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
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	if mod == nil {
		return shared.enc, shared.m
	}
	// Derived encoders share the tokenizer but count their own metrics.
	enc, err := shared.enc.Derive(mod)
	if err != nil {
		t.Fatal(err)
	}
	m, err := enc.Load(context.Background(), cpu)
	if err != nil {
		t.Fatal(err)
	}
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
	if len(got) != len(want) {
		t.Fatalf("%s: %d dimensions; want %d", what, len(got), len(want))
	}
	for k := range got {
		if d := math.Abs(float64(got[k] - want[k])); d > tol {
			t.Fatalf("%s: dimension %d = %v; want %v (diff %g > %g)", what, k, got[k], want[k], d, tol)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &golden); err != nil {
		t.Fatal(err)
	}
	in := make([]embed.Tokens, len(golden.IDs))
	for i, ids := range golden.IDs {
		in[i] = embed.Tokens{IDs: ids}
	}
	batch, err := m.Infer(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		assertClose(t, "batched golden "+string(rune('0'+i)), batch[i], golden.Embeddings[i], 1e-4)
	}
	// Empty-text ids ([CLS] [SEP]) match the tokenizer's encoding of "".
	if got := enc.Tokenize("").IDs; len(got) != 2 || got[0] != golden.IDs[1][0] || got[1] != golden.IDs[1][1] {
		t.Errorf("Tokenize(\"\") = %v; want %v", got, golden.IDs[1])
	}
}

func TestAloneEqualsBatched(t *testing.T) {
	enc, m := tinyEncoder(t, nil)
	in := enc.TokenizeAll(texts)
	batch, err := m.Infer(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(batch), len(texts))
	}
	for i := range in {
		alone, err := m.Infer(context.Background(), in[i:i+1])
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, texts[i], batch[i], alone[0], 1e-5)
		var norm float64
		for _, v := range batch[i] {
			norm += float64(v) * float64(v)
		}
		if math.Abs(norm-1) > 1e-5 {
			t.Errorf("%q: |v|² = %v; want 1", texts[i], norm)
		}
	}
	// Empty and whitespace-only texts share the [CLS] [SEP] embedding.
	ws, _ := m.Infer(context.Background(), enc.TokenizeAll([]string{"   \n\t"}))
	assertClose(t, "whitespace vs empty", ws[0], batch[1], 0)
}

func TestTruncationAndMetrics(t *testing.T) {
	enc, m := tinyEncoder(t, func(c *embed.Config) { c.MaxLength = 16 })
	if enc.MaxLength() != 16 {
		t.Fatalf("MaxLength = %d; want 16", enc.MaxLength())
	}
	long := strings.Repeat("border talks stalled again ", 40)
	in := enc.TokenizeAll([]string{long, "short text"})
	if in[0].Len() != 16 || !in[0].Truncated || in[1].Truncated {
		t.Fatalf("lengths %d, %d truncated %v, %v; want 16 (truncated) and short", in[0].Len(), in[1].Len(), in[0].Truncated, in[1].Truncated)
	}
	if _, err := m.Infer(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	got := enc.Metrics()
	real := int64(in[0].Len() + in[1].Len())
	want := embed.Metrics{Texts: 2, Truncated: 1, Batches: 1, Items: 2, RealTokens: real, PaddedTokens: 32,
		PaddingEfficiency: float64(real) / 32}
	got.InferSeconds = 0
	if got != want {
		t.Errorf("Metrics = %+v; want %+v", got, want)
	}
}

func TestMaxLengthFromFolder(t *testing.T) {
	enc, _ := tinyEncoder(t, nil)
	if enc.MaxLength() != 256 {
		t.Errorf("MaxLength = %d; want 256 from sentence_bert_config.json", enc.MaxLength())
	}
	// Capped by max_position_embeddings (512 in the tiny model).
	enc2, err := enc.Derive(func(c *embed.Config) { c.MaxLength = 4096 })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Derive(func(c *embed.Config) { c.Dir = t.TempDir() }); err == nil || !strings.Contains(err.Error(), "Dir") {
		t.Errorf("Derive(new Dir) = %v; want an error naming Dir", err)
	}
	long := enc2.Tokenize(strings.Repeat("word ", 1000))
	if long.Len() != 512 || !long.Truncated {
		t.Errorf("derived encoder keeps %d tokens; want 512", long.Len())
	}
	if enc2.MaxLength() != 512 {
		t.Errorf("MaxLength(4096) = %d; want 512, the model's position limit", enc2.MaxLength())
	}
	if enc.Config().Dim != 32 || enc.Name() != filepath.Base(enc.Config().Dir) {
		t.Errorf("Dim = %d, Name = %s", enc.Config().Dim, enc.Name())
	}
}

func TestConcurrentInfer(t *testing.T) {
	enc, m := tinyEncoder(t, nil)
	in := enc.TokenizeAll(texts)
	want, err := m.Infer(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatal(err)
	}
}

func TestInferEdges(t *testing.T) {
	_, m := tinyEncoder(t, nil)
	out, err := m.Infer(context.Background(), nil)
	if err != nil || len(out) != 0 {
		t.Errorf("Infer(nil) = %v, %v; want empty", out, err)
	}
	out, err = m.Infer(context.Background(), []embed.Tokens{{}})
	if err != nil || len(out) != 1 || len(out[0]) != 32 {
		t.Fatalf("Infer(no tokens) = %v, %v; want one zero vector", out, err)
	}
	for _, v := range out[0] {
		if v != 0 {
			t.Fatalf("Infer(no tokens) = %v; want zeros", out[0])
		}
	}
	if _, err := m.Infer(context.Background(), []embed.Tokens{{IDs: []int64{101, 102}, TypeIDs: []int64{0}}}); err == nil {
		t.Error("Infer with mismatched type ids: no error")
	}
	if _, err := m.Infer(context.Background(), []embed.Tokens{{IDs: []int64{101, 50000, 102}}}); err == nil {
		t.Error("Infer with an id past the vocabulary: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Infer(ctx, []embed.Tokens{{IDs: []int64{101, 102}}}); !errors.Is(err, context.Canceled) {
		t.Errorf("Infer(canceled) = %v; want context.Canceled", err)
	}
	if m.Dim() != 32 || m.Provider() != onnx.ProviderCPU || filepath.Base(m.Path()) != "model.onnx" {
		t.Errorf("Dim %d Provider %s Path %s", m.Dim(), m.Provider(), m.Path())
	}
}

func TestBadFolders(t *testing.T) {
	onnxtest.RequireORT(t)
	tiny := onnxtest.Tiny(t)
	empty := t.TempDir()
	if _, err := embed.NewEncoder(embed.Config{Dir: filepath.Join(empty, "nope")}); !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), "nope") {
		t.Errorf("NewEncoder(missing) = %v; want ErrInvalidModel naming it", err)
	}
	if _, err := embed.NewEncoder(embed.Config{Dir: empty}); err == nil || !strings.Contains(err.Error(), "tokenizer.json") {
		t.Errorf("NewEncoder(no tokenizer.json) = %v; want an error naming tokenizer.json", err)
	}
	if _, err := embed.NewEncoder(embed.Config{}); err == nil || !strings.Contains(err.Error(), "Config.Dir") {
		t.Errorf("NewEncoder(no Dir) = %v; want an error naming Config.Dir", err)
	}
	if _, err := embed.NewEncoder(embed.Config{Dir: tiny, MaxLength: -1}); err == nil || !strings.Contains(err.Error(), "MaxLength") {
		t.Errorf("NewEncoder(MaxLength -1) = %v; want an error naming MaxLength", err)
	}
	// A folder with a tokenizer but no model loads the encoder, not the model.
	noModel := t.TempDir()
	tok, _ := os.ReadFile(filepath.Join(tiny, "tokenizer.json"))
	os.WriteFile(filepath.Join(noModel, "tokenizer.json"), tok, 0o644)
	enc, err := embed.NewEncoder(embed.Config{Dir: noModel})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Load(context.Background(), cpu); !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), noModel) {
		t.Errorf("Load(no model.onnx) = %v; want ErrInvalidModel naming the folder", err)
	}
	// A tokenizer larger than the model's vocabulary is refused up front.
	small := t.TempDir()
	os.WriteFile(filepath.Join(small, "tokenizer.json"), tok, 0o644)
	os.WriteFile(filepath.Join(small, "config.json"), []byte(`{"vocab_size": 1000, "hidden_size": 32}`), 0o644)
	if _, err := embed.NewEncoder(embed.Config{Dir: small}); !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), "vocab_size") {
		t.Errorf("NewEncoder(vocab mismatch) = %v; want ErrInvalidModel naming vocab_size", err)
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "tokenizer.json"), tok, 0o644)
	os.WriteFile(filepath.Join(bad, "config.json"), []byte(`{"vocab_size": `), 0o644)
	if _, err := embed.NewEncoder(embed.Config{Dir: bad}); !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), "config.json") {
		t.Errorf("NewEncoder(bad config.json) = %v; want ErrInvalidModel naming config.json", err)
	}
}

func TestUnavailableRuntime(t *testing.T) {
	onnxtest.RequireORT(t)
	tiny := onnxtest.Tiny(t)
	enc, err := embed.NewEncoder(embed.Config{Dir: tiny, ORTLib: filepath.Join(t.TempDir(), "libonnxruntime.so.1")})
	if err != nil {
		t.Fatal(err)
	}
	// The process already loaded the real library, so another path is
	// refused; before that, the missing file is. Both are ErrUnavailable.
	if _, err := enc.Load(context.Background(), cpu); !errors.Is(err, onnx.ErrUnavailable) {
		t.Errorf("Load(missing library) = %v; want ErrUnavailable", err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	_, err = enc.Load(context.Background(), device.Config{Type: device.CUDA, ID: 0})
	if !errors.Is(err, inference.ErrDevice) || !errors.Is(err, onnx.ErrCUDA) || !strings.Contains(err.Error(), "model_fp16.onnx") {
		t.Errorf("Load(cuda) = %v; want inference.ErrDevice and onnx.ErrCUDA naming model_fp16.onnx", err)
	}
}

// CLS and max pooling reduce the same token states the session returns.
func TestPoolingModes(t *testing.T) {
	dir := onnxtest.Tiny(t)
	sess, err := onnx.Open(context.Background(), filepath.Join(dir, "onnx", "model.onnx"), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	ids := []int64{101, 7592, 1010, 2088, 999, 102}
	shape := []int64{1, int64(len(ids))}
	out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{1, int64(len(ids)), 32}}
	err = sess.Run(context.Background(), []onnx.Int64Input{
		{Name: "input_ids", Shape: shape, Data: ids},
		{Name: "attention_mask", Shape: shape, Data: []int64{1, 1, 1, 1, 1, 1}},
		{Name: "token_type_ids", Shape: shape, Data: make([]int64, len(ids))},
	}, []*onnx.Float32Output{out})
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, mode, got[0], want, 1e-5)
	}
	if _, err := embed.NewEncoder(embed.Config{Dir: dir, Pooling: "lasttoken"}); err == nil || !strings.Contains(err.Error(), "Pooling") {
		t.Errorf("NewEncoder(Pooling lasttoken) = %v; want an error naming Pooling", err)
	}
}
