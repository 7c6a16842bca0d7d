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

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	s, err := onnx.Open(context.Background(), path, opts)
	require.NoError(t, err, "Open(%s)", path)
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
	require.NoError(t, s.Run(context.Background(), in, []*onnx.Float32Output{out}), "Run")
	return out.Data
}

func TestInitMissingLibrary(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	err := onnx.Init(missing)
	require.ErrorIs(t, err, onnx.ErrUnavailable, "Init(%s)", missing)
	for _, want := range []string{missing, "scripts/setup.sh"} {
		require.ErrorContains(t, err, want, "the error mentions it")
	}
	require.ErrorIs(t, onnx.Init(""), onnx.ErrUnavailable, `Init("")`)
	info := onnx.Probe(missing)
	require.False(t, info.Available, "Probe(missing) = %+v; want unavailable", info)
	require.NotEmpty(t, info.Err, "Probe(missing) = %+v; want an error", info)
	require.Equal(t, missing, info.Library, "Probe(missing).Library")
}

func TestInitNotALibrary(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "libonnxruntime.so")
	require.NoError(t, os.WriteFile(bogus, []byte("not an ELF file"), 0o644))
	s := onnxtest.Settings(t)
	if onnx.Available() {
		// Once loaded, any other path is refused before dlopen.
		err := onnx.Init(bogus)
		require.ErrorIs(t, err, onnx.ErrUnavailable, "Init(other path) after success")
		require.ErrorContains(t, err, "already loaded", "Init(other path) after success")
		return
	}
	err := onnx.Init(bogus)
	require.ErrorIs(t, err, onnx.ErrUnavailable, "Init(%s)", bogus)
	require.ErrorContains(t, err, bogus, "Init names the file")
	// A failure is not remembered: the real library still loads.
	if _, err := os.Stat(s.ResolvedORTLib()); err == nil {
		require.NoError(t, onnx.Init(s.ResolvedORTLib()), "Init(real) after a failed Init")
	}
}

func TestProbe(t *testing.T) {
	s := onnxtest.RequireORT(t)
	info := onnx.Probe(s.ResolvedORTLib())
	require.True(t, info.Available, "Probe = %+v; want available", info)
	require.Empty(t, info.Err, "Probe error")
	require.Equal(t, "1.29.0", info.Version, "Version: the version scripts/setup.sh installs")
	require.NotEmpty(t, info.Providers, "Providers")
	require.Equal(t, onnx.ProviderCPU, info.Providers[0], "Providers = %v; want cpu first", info.Providers)
	require.Equal(t, info.Version, onnx.Version(), "Version() after Probe")
	require.True(t, onnx.Available(), "Available() after Probe")
	// Same path again is fine; a second library is refused.
	require.NoError(t, onnx.Init(s.ResolvedORTLib()), "second Init with the same path")
	other := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	err := onnx.Init(other)
	require.ErrorIs(t, err, onnx.ErrUnavailable, "Init(other)")
	require.ErrorContains(t, err, "already loaded", "Init(other)")
}

func TestOpenBadModels(t *testing.T) {
	onnxtest.RequireORT(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.onnx")
	require.NoError(t, os.WriteFile(garbage, []byte("this is not protobuf"), 0o644))
	for name, path := range map[string]string{
		"missing": filepath.Join(dir, "nope.onnx"),
		"garbage": garbage,
		"folder":  dir,
	} {
		t.Run(name, func(t *testing.T) {
			s, err := onnx.Open(context.Background(), path, onnx.Options{})
			require.ErrorIs(t, err, onnx.ErrInvalidModel, "Open(%s) = %v", path, s)
			require.ErrorContains(t, err, path, "Open names the path")
		})
	}
	tiny := onnxtest.Tiny(t)
	path := filepath.Join(tiny, "onnx", "model.onnx")
	_, err := onnx.Open(context.Background(), path, onnx.Options{Outputs: []string{"pooler_output"}})
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "Open with unknown output")
	require.ErrorContains(t, err, "pooler_output", "Open with unknown output names it")
	_, err = onnx.Open(context.Background(), path, onnx.Options{Threads: -1})
	require.ErrorContains(t, err, "Threads", "Open with Threads -1")
	_, err = onnx.Open(context.Background(), path, onnx.Options{RequireCUDA: true})
	require.ErrorContains(t, err, "RequireCUDA", "Open with RequireCUDA and no CUDA")
}

func TestModelFile(t *testing.T) {
	dir := t.TempDir()
	_, err := onnx.ModelFile(dir, false)
	require.ErrorIs(t, err, onnx.ErrInvalidModel, "ModelFile(empty folder)")
	require.ErrorContains(t, err, dir, "ModelFile(empty folder) names it")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "onnx"), 0o755))
	fp32 := filepath.Join(dir, "onnx", "model.onnx")
	fp16 := filepath.Join(dir, "onnx", "model_fp16.onnx")
	os.WriteFile(fp32, nil, 0o644)
	got, _ := onnx.ModelFile(dir, true)
	require.Equal(t, fp32, got, "ModelFile(fp16, no fp16 file)")
	os.WriteFile(fp16, nil, 0o644)
	got, _ = onnx.ModelFile(dir, true)
	require.Equal(t, fp16, got, "ModelFile(fp16)")
	got, _ = onnx.ModelFile(dir, false)
	require.Equal(t, fp32, got, "ModelFile(fp32)")
}

func TestRunShapesAndDeterminism(t *testing.T) {
	s := tinySession(t, onnx.Options{Threads: 1})
	require.Equal(t, onnx.ProviderCPU, s.Provider(), "Provider")
	require.Empty(t, s.FallbackReason(), "FallbackReason")
	var inNames []string
	for _, in := range s.Inputs() {
		inNames = append(inNames, in.Name+":"+in.Type)
	}
	require.Equal(t, "input_ids:int64,attention_mask:int64,token_type_ids:int64", strings.Join(inNames, ","), "Inputs")
	outs := s.Outputs()
	require.Len(t, outs, 1, "Outputs")
	require.Equal(t, "last_hidden_state", outs[0].Name, "output name")
	require.Equal(t, "float32", outs[0].Type, "output type")
	require.Equal(t, []int64{-1, -1, hidden}, outs[0].Dims, "output dims")
	a := run(t, s, []int64{101, 7592, 2088, 102})
	b := run(t, s, []int64{101, 7592, 2088, 102})
	require.Len(t, a, 4*hidden, "values")
	for i := range a {
		require.True(t, a[i] == b[i] && !math.IsNaN(float64(a[i])) && !math.IsInf(float64(a[i]), 0),
			"value %d: %v then %v; want equal finite values", i, a[i], b[i])
	}
	// Different tokens give different states.
	c := run(t, s, []int64{101, 4248, 2088, 102})
	require.NotEqual(t, a[hidden], c[hidden], "changing token 1 left its hidden state unchanged")
}

// Padded positions must not change real tokens' states: the generated
// model masks padded keys.
func TestPaddingDoesNotLeak(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	short := []int64{101, 7592, 102}
	alone := run(t, s, short)
	batch := run(t, s, short, []int64{101, 2023, 2003, 1037, 2936, 6251, 102})
	for i := range alone {
		require.InDelta(t, alone[i], batch[i], 1e-5, "value %d: alone, then padded in a batch", i)
	}
}

func TestRunAllocatesOutput(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	want := run(t, s, []int64{101, 7592, 102})
	out := &onnx.Float32Output{Name: "last_hidden_state"}
	require.NoError(t, s.Run(context.Background(), tokens([]int64{101, 7592, 102}), []*onnx.Float32Output{out}))
	require.Equal(t, []int64{1, 3, hidden}, out.Shape, "allocated Shape")
	for i := range want {
		require.Equal(t, want[i], out.Data[i], "value %d", i)
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
			require.ErrorContains(t, err, c.want, "Run")
			require.NotErrorIs(t, err, onnx.ErrCUDA, "CPU session error wraps ErrCUDA")
		})
	}
}

func TestRunCanceled(t *testing.T) {
	s := tinySession(t, onnx.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := []*onnx.Float32Output{{Name: "last_hidden_state", Shape: []int64{1, 2, hidden}}}
	require.ErrorIs(t, s.Run(ctx, tokens([]int64{101, 102}), out), context.Canceled, "Run(canceled ctx)")
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
	require.ErrorIs(t, s.Run(ctx, tokens(rows...), out), context.Canceled, "Run with a context canceled during the run")
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
		require.NoError(t, err, "concurrent run")
	}

	// Close while runs are in flight: runs either finish or see ErrClosed.
	started := make(chan struct{})
	var once sync.Once
	var wg2 sync.WaitGroup
	closeErrs := make(chan error, 4)
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
					closeErrs <- err
					return
				}
			}
		}()
	}
	<-started
	require.NoError(t, s.Close(), "Close")
	wg2.Wait()
	close(closeErrs)
	for err := range closeErrs {
		require.NoError(t, err, "Run during Close")
	}
	require.NoError(t, s.Close(), "second Close")
}

func TestFP16Variant(t *testing.T) {
	onnxtest.RequireORT(t)
	dir := onnxtest.Model(t, testmodel.Spec{Preset: "tiny", FP16: true})
	path, err := onnx.ModelFile(dir, true)
	require.NoError(t, err, "ModelFile(fp16)")
	require.Equal(t, "model_fp16.onnx", filepath.Base(path), "ModelFile(fp16)")
	s16, err := onnx.Open(context.Background(), path, onnx.Options{})
	require.NoError(t, err)
	defer s16.Close()
	require.Equal(t, "float16", s16.Outputs()[0].Type, "fp16 output type")
	s32, err := onnx.Open(context.Background(), filepath.Join(dir, "onnx", "model.onnx"), onnx.Options{})
	require.NoError(t, err)
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
	require.True(t, worst > 0 && worst <= 0.05, "largest |fp32 - fp16| = %g; want in (0, 0.05]", worst)
}
