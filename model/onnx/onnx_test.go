package onnx_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/model/testmodel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const hidden = 32 // the tiny model's hidden size

func tinySession(t *testing.T, opts onnx.Options) *onnx.Session {
	t.Helper()
	dir := onnxtest.Tiny(t)
	path, err := onnx.ModelFile(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := onnx.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// tokens builds the three BERT inputs for one batch of id rows, padding
// with 0 and masking the padding.
func tokens(rows ...[]int64) []onnx.Int64Input {
	seq := 0
	for _, r := range rows {
		seq = max(seq, len(r))
	}
	shape := []int64{int64(len(rows)), int64(seq)}
	ids := make([]int64, len(rows)*seq)
	mask := make([]int64, len(rows)*seq)
	for i, r := range rows {
		copy(ids[i*seq:], r)
		for j := range r {
			mask[i*seq+j] = 1
		}
	}
	return []onnx.Int64Input{
		{Name: "input_ids", Shape: shape, Data: ids},
		{Name: "attention_mask", Shape: shape, Data: mask},
		{Name: "token_type_ids", Shape: shape, Data: make([]int64, len(ids))},
	}
}

func run(t *testing.T, s *onnx.Session, rows ...[]int64) []float32 {
	t.Helper()
	in := tokens(rows...)
	out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{in[0].Shape[0], in[0].Shape[1], hidden}}
	if err := s.Run(context.Background(), in, []*onnx.Float32Output{out}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	return out.Data
}

func TestInitMissingLibrary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	err := onnx.Init(missing)
	if !errors.Is(err, onnx.ErrUnavailable) {
		t.Fatalf("Init(%s) = %v; want ErrUnavailable", missing, err)
	}
	for _, want := range []string{missing, "scripts/setup.sh"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if err := onnx.Init(""); !errors.Is(err, onnx.ErrUnavailable) {
		t.Errorf("Init(\"\") = %v; want ErrUnavailable", err)
	}
	info := onnx.Probe(missing)
	if info.Available || info.Err == "" || info.Library != missing {
		t.Errorf("Probe(missing) = %+v; want unavailable with an error", info)
	}
}

func TestInitNotALibrary(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "libonnxruntime.so")
	if err := os.WriteFile(bogus, []byte("not an ELF file"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := onnxtest.Settings(t)
	if onnx.Available() {
		// Once loaded, any other path is refused before dlopen.
		if err := onnx.Init(bogus); !errors.Is(err, onnx.ErrUnavailable) || !strings.Contains(err.Error(), "already loaded") {
			t.Fatalf("Init(other path) after success = %v; want 'already loaded'", err)
		}
		return
	}
	err := onnx.Init(bogus)
	if !errors.Is(err, onnx.ErrUnavailable) || !strings.Contains(err.Error(), bogus) {
		t.Fatalf("Init(%s) = %v; want ErrUnavailable naming the file", bogus, err)
	}
	// A failure is not remembered: the real library still loads.
	if _, err := os.Stat(s.ResolvedORTLib()); err == nil {
		if err := onnx.Init(s.ResolvedORTLib()); err != nil {
			t.Fatalf("Init(real) after a failed Init: %v", err)
		}
	}
}

func TestProbe(t *testing.T) {
	s := onnxtest.RequireORT(t)
	info := onnx.Probe(s.ResolvedORTLib())
	if !info.Available || info.Err != "" {
		t.Fatalf("Probe = %+v; want available", info)
	}
	if info.Version != "1.29.0" {
		t.Errorf("Version = %q; want 1.29.0 (the version scripts/setup.sh installs)", info.Version)
	}
	if len(info.Providers) == 0 || info.Providers[0] != onnx.ProviderCPU {
		t.Errorf("Providers = %v; want cpu first", info.Providers)
	}
	if onnx.Version() != info.Version || !onnx.Available() {
		t.Errorf("Version() = %q, Available() = %v after Probe", onnx.Version(), onnx.Available())
	}
	// Same path again is fine; a second library is refused.
	if err := onnx.Init(s.ResolvedORTLib()); err != nil {
		t.Errorf("second Init with the same path: %v", err)
	}
	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	if err := onnx.Init(other); !errors.Is(err, onnx.ErrUnavailable) || !strings.Contains(err.Error(), "already loaded") {
		t.Errorf("Init(other) = %v; want 'already loaded'", err)
	}
}

func TestOpenBadModels(t *testing.T) {
	onnxtest.RequireORT(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	if err := os.WriteFile(garbage, []byte("this is not protobuf"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"missing": filepath.Join(dir, "nope.onnx"),
		"garbage": garbage,
		"folder":  dir,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := onnx.Open(context.Background(), path, onnx.Options{})
			if !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open(%s) = %v, %v; want ErrInvalidModel naming the path", path, s, err)
			}
		})
	}
	tiny := onnxtest.Tiny(t)
	path := filepath.Join(tiny, "onnx", "model.onnx")
	_, err := onnx.Open(context.Background(), path, onnx.Options{Outputs: []string{"pooler_output"}})
	if !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), "pooler_output") {
		t.Errorf("Open with unknown output = %v; want ErrInvalidModel naming it", err)
	}
	if _, err := onnx.Open(context.Background(), path, onnx.Options{Threads: -1}); err == nil || !strings.Contains(err.Error(), "Threads") {
		t.Errorf("Open with Threads -1 = %v; want an error naming Threads", err)
	}
	if _, err := onnx.Open(context.Background(), path, onnx.Options{RequireCUDA: true}); err == nil || !strings.Contains(err.Error(), "RequireCUDA") {
		t.Errorf("Open with RequireCUDA and no CUDA = %v; want an error naming RequireCUDA", err)
	}
}

func TestModelFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := onnx.ModelFile(dir, false); !errors.Is(err, onnx.ErrInvalidModel) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("ModelFile(empty folder) = %v; want ErrInvalidModel naming it", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "onnx"), 0o755); err != nil {
		t.Fatal(err)
	}
	fp32 := filepath.Join(dir, "onnx", "model.onnx")
	fp16 := filepath.Join(dir, "onnx", "model_fp16.onnx")
	os.WriteFile(fp32, nil, 0o644)
	if got, _ := onnx.ModelFile(dir, true); got != fp32 {
		t.Errorf("ModelFile(fp16, no fp16 file) = %s; want %s", got, fp32)
	}
	os.WriteFile(fp16, nil, 0o644)
	if got, _ := onnx.ModelFile(dir, true); got != fp16 {
		t.Errorf("ModelFile(fp16) = %s; want %s", got, fp16)
	}
	if got, _ := onnx.ModelFile(dir, false); got != fp32 {
		t.Errorf("ModelFile(fp32) = %s; want %s", got, fp32)
	}
}

func TestRunShapesAndDeterminism(t *testing.T) {
	s := tinySession(t, onnx.Options{Threads: 1})
	if s.Provider() != onnx.ProviderCPU || s.FallbackReason() != "" {
		t.Errorf("Provider = %s, fallback %q; want cpu, none", s.Provider(), s.FallbackReason())
	}
	var inNames []string
	for _, in := range s.Inputs() {
		inNames = append(inNames, in.Name+":"+in.Type)
	}
	if got := strings.Join(inNames, ","); got != "input_ids:int64,attention_mask:int64,token_type_ids:int64" {
		t.Errorf("Inputs = %s", got)
	}
	outs := s.Outputs()
	if len(outs) != 1 || outs[0].Name != "last_hidden_state" || outs[0].Type != "float32" ||
		len(outs[0].Dims) != 3 || outs[0].Dims[0] != -1 || outs[0].Dims[1] != -1 || outs[0].Dims[2] != hidden {
		t.Errorf("Outputs = %+v; want last_hidden_state float32 [-1 -1 %d]", outs, hidden)
	}
	a := run(t, s, []int64{101, 7592, 2088, 102})
	b := run(t, s, []int64{101, 7592, 2088, 102})
	if len(a) != 4*hidden {
		t.Fatalf("got %d values; want %d", len(a), 4*hidden)
	}
	for i := range a {
		if a[i] != b[i] || math.IsNaN(float64(a[i])) || math.IsInf(float64(a[i]), 0) {
			t.Fatalf("value %d: %v then %v; want equal finite values", i, a[i], b[i])
		}
	}
	// Different tokens give different states.
	c := run(t, s, []int64{101, 4248, 2088, 102})
	if a[hidden] == c[hidden] {
		t.Errorf("changing token 1 left its hidden state unchanged")
	}
}

// Padded positions must not change real tokens' states: the generated
// model masks padded keys.
func TestPaddingDoesNotLeak(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	short := []int64{101, 7592, 102}
	alone := run(t, s, short)
	batch := run(t, s, short, []int64{101, 2023, 2003, 1037, 2936, 6251, 102})
	for i := range alone {
		if d := math.Abs(float64(alone[i] - batch[i])); d > 1e-5 {
			t.Fatalf("value %d: alone %v, padded in a batch %v (diff %g)", i, alone[i], batch[i], d)
		}
	}
}

func TestRunAllocatesOutput(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	want := run(t, s, []int64{101, 7592, 102})
	out := &onnx.Float32Output{Name: "last_hidden_state"}
	if err := s.Run(context.Background(), tokens([]int64{101, 7592, 102}), []*onnx.Float32Output{out}); err != nil {
		t.Fatal(err)
	}
	if len(out.Shape) != 3 || out.Shape[0] != 1 || out.Shape[1] != 3 || out.Shape[2] != hidden {
		t.Fatalf("allocated Shape = %v; want [1 3 %d]", out.Shape, hidden)
	}
	for i := range want {
		if out.Data[i] != want[i] {
			t.Fatalf("value %d = %v; want %v", i, out.Data[i], want[i])
		}
	}
}

func TestRunBadInput(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	out := func() []*onnx.Float32Output {
		return []*onnx.Float32Output{{Name: "last_hidden_state", Shape: []int64{1, 2, hidden}}}
	}
	good := tokens([]int64{101, 102})
	cases := map[string]struct {
		in   []onnx.Int64Input
		out  []*onnx.Float32Output
		want string
	}{
		"missing input": {good[:2], out(), "got 2 inputs"},
		"unknown input": {append(good[:2:2], onnx.Int64Input{Name: "position_ids", Shape: []int64{1, 2}, Data: []int64{0, 1}}), out(), `unknown input "position_ids"`},
		"short data":    {append(good[:2:2], onnx.Int64Input{Name: "token_type_ids", Shape: []int64{1, 2}, Data: []int64{0}}), out(), "needs 2"},
		"negative dim":  {append(good[:2:2], onnx.Int64Input{Name: "token_type_ids", Shape: []int64{1, -2}}), out(), "want ≥ 0"},
		"output name":   {good, []*onnx.Float32Output{{Name: "pooler_output"}}, `must be "last_hidden_state"`},
		"output count":  {good, nil, "got 0 outputs"},
		"id out of range": {append([]onnx.Int64Input{{Name: "input_ids", Shape: []int64{1, 2}, Data: []int64{101, 999999}}}, good[1:]...),
			out(), "running"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			err := s.Run(context.Background(), c.in, c.out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Run = %v; want an error containing %q", err, c.want)
			}
			if errors.Is(err, onnx.ErrCUDA) {
				t.Errorf("CPU session error wraps ErrCUDA: %v", err)
			}
		})
	}
}

func TestRunCanceled(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := []*onnx.Float32Output{{Name: "last_hidden_state", Shape: []int64{1, 2, hidden}}}
	if err := s.Run(ctx, tokens([]int64{101, 102}), out); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run(canceled ctx) = %v; want context.Canceled", err)
	}
}

// lateCancel reports no error when Run first checks it, but its Done
// channel is already closed, so the cancellation arrives while ONNX Runtime
// runs: only the run-options terminate flag can stop the run then.
type lateCancel struct {
	context.Context
	mu     sync.Mutex
	checks int
	done   chan struct{}
}

func (c *lateCancel) Done() <-chan struct{} { return c.done }
func (c *lateCancel) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	if c.checks == 1 {
		return nil
	}
	return context.Canceled
}

func TestRunTerminatedMidRun(t *testing.T) {
	s := tinySession(t, onnx.Options{Threads: 1})
	// A batch big enough to run for a long while (64 × 512 tokens).
	rows := make([][]int64, 64)
	for i := range rows {
		rows[i] = make([]int64, 512)
		for j := range rows[i] {
			rows[i][j] = int64(1000 + j)
		}
	}
	ctx := &lateCancel{Context: context.Background(), done: make(chan struct{})}
	close(ctx.done)
	out := []*onnx.Float32Output{{Name: "last_hidden_state", Shape: []int64{64, 512, hidden}}}
	if err := s.Run(ctx, tokens(rows...), out); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a context canceled during the run = %v; want context.Canceled", err)
	}
}

func TestConcurrentRunsAndClose(t *testing.T) {
	s := tinySession(t, onnx.Options{Threads: 2})
	inputs := [][]int64{{101, 7592, 102}, {101, 2023, 2003, 102}, {101, 1037, 2936, 6251, 2007, 102}}
	want := make([][]float32, len(inputs))
	for i, in := range inputs {
		want[i] = run(t, s, in)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 10 {
				i := (g + k) % len(inputs)
				in := tokens(inputs[i])
				out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{1, int64(len(inputs[i])), hidden}}
				if err := s.Run(context.Background(), in, []*onnx.Float32Output{out}); err != nil {
					errs <- err
					return
				}
				for j := range out.Data {
					if out.Data[j] != want[i][j] {
						errs <- errors.New("concurrent run gave a different result than a lone run")
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

	// Close while runs are in flight: runs either finish or see ErrClosed.
	started := make(chan struct{})
	var once sync.Once
	var wg2 sync.WaitGroup
	for range 4 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			for {
				once.Do(func() { close(started) })
				out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{1, 3, hidden}}
				err := s.Run(context.Background(), tokens(inputs[0]), []*onnx.Float32Output{out})
				if errors.Is(err, onnx.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Run during Close: %v", err)
					return
				}
			}
		}()
	}
	<-started
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg2.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestFP16Variant(t *testing.T) {
	onnxtest.RequireORT(t)
	dir := onnxtest.Model(t, testmodel.Spec{Preset: "tiny", FP16: true})
	path, err := onnx.ModelFile(dir, true)
	if err != nil || filepath.Base(path) != "model_fp16.onnx" {
		t.Fatalf("ModelFile(fp16) = %s, %v; want model_fp16.onnx", path, err)
	}
	s16, err := onnx.Open(context.Background(), path, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s16.Close()
	if got := s16.Outputs()[0].Type; got != "float16" {
		t.Fatalf("fp16 output type = %s; want float16", got)
	}
	s32, err := onnx.Open(context.Background(), filepath.Join(dir, "onnx", "model.onnx"), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s32.Close()
	// Same seed, same weights rounded to half precision: the widened fp16
	// states track the fp32 ones closely (LayerNorm keeps them near unit
	// scale, so an absolute tolerance fits).
	ids := []int64{101, 7592, 1010, 2088, 999, 102}
	a, b := run(t, s32, ids), run(t, s16, ids)
	var worst float64
	for i := range a {
		worst = max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if worst > 0.05 || worst == 0 {
		t.Errorf("largest |fp32 - fp16| = %g; want in (0, 0.05]", worst)
	}
}
