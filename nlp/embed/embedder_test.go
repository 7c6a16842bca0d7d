package embed_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/onnx"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/nlp/embed"
)

// vectorizer is nlp/vectorize's Vectorizer, restated so this test does not
// depend on that package.
type vectorizer interface {
	Vectorize(ctx context.Context, texts []string) ([][]float32, error)
	Dim() int
	Name() string
}

var _ vectorizer = (*embed.Embedder)(nil)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func startEmbedder(t *testing.T, dev device.Config, mod func(*embed.Config)) (*embed.Embedder, *inference.Runtime) {
	t.Helper()
	onnxtest.RequireORT(t)
	rt, err := inference.New(inference.Config{Device: dev, Logger: quiet})
	require.NoError(t, err)
	var e *embed.Embedder
	if mod == nil {
		enc, _ := tinyEncoder(t, nil)
		e, err = enc.Register(rt)
	} else {
		shared, _ := tinyEncoder(t, nil)
		var enc *embed.Encoder
		if enc, err = shared.Derive(mod); err == nil {
			e, err = enc.Register(rt)
		}
	}
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	t.Cleanup(func() {
		require.NoError(t, rt.Stop(context.Background()), "Stop")
	})
	return e, rt
}

func TestEmbedderMatchesModel(t *testing.T) {
	e, _ := startEmbedder(t, cpu, nil)
	require.Equal(t, 32, e.Dim(), "Dim")
	require.NotEmpty(t, e.Name(), "Name")
	require.Equal(t, device.CPU, e.Path(), "Path")
	got, err := e.Embed(context.Background(), texts)
	require.NoError(t, err)
	_, m := tinyEncoder(t, nil)
	for i, text := range texts {
		alone, err := m.Infer(context.Background(), []embed.Tokens{e.Encoder().Tokenize(text)})
		require.NoError(t, err)
		assertClose(t, text, got[i], alone[0], 1e-5)
	}
	one, err := e.EmbedOne(context.Background(), texts[2])
	require.NoError(t, err)
	assertClose(t, "EmbedOne", one, got[2], 1e-5)
	v, err := e.Vectorize(context.Background(), texts[:1])
	require.NoError(t, err, "Vectorize")
	require.Len(t, v, 1, "Vectorize")
	empty, err := e.Embed(context.Background(), nil)
	require.NoError(t, err, "Embed(nil)")
	require.Empty(t, empty, "Embed(nil)")
}

// Many goroutines embedding at once share batches and get exactly the
// vectors they would get alone.
func TestEmbedderConcurrent(t *testing.T) {
	e, _ := startEmbedder(t, cpu, nil)
	want, err := e.Embed(context.Background(), texts)
	require.NoError(t, err)
	before := e.Metrics()
	const callers = 48
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := g % len(texts)
			var got [][]float32
			var err error
			if g%2 == 0 {
				var v []float32
				v, err = e.EmbedOne(context.Background(), texts[i])
				got = [][]float32{v}
			} else {
				got, err = e.Embed(context.Background(), texts[i:i+1])
			}
			if err != nil {
				errs <- err
				return
			}
			for k := range got[0] {
				if d := got[0][k] - want[i][k]; d > 1e-5 || d < -1e-5 {
					errs <- fmt.Errorf("caller %d: dimension %d = %v; want %v", g, k, got[0][k], want[i][k])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "concurrent Embed")
	}
	after := e.Metrics()
	items, batches := after.Items-before.Items, after.Batches-before.Batches
	require.EqualValues(t, callers, items, "texts run")
	require.Less(t, batches, int64(callers), "%d texts ran in %d batches; want fewer batches", items, batches)
	require.True(t, after.PaddingEfficiency > 0 && after.PaddingEfficiency <= 1, "PaddingEfficiency = %v; want in (0, 1]", after.PaddingEfficiency)
}

// With bucketing, a burst of texts of two very different lengths is split
// into batches of like lengths; without it, they mix.
func TestEmbedderBucketing(t *testing.T) {
	burst := make([]string, 0, 64)
	for i := range 32 {
		burst = append(burst, fmt.Sprintf("short %d", i))
		burst = append(burst, fmt.Sprintf("a much longer text about border talks that stalled again on day %d while troops gathered near the crossing and officials said more talks were planned", i))
	}
	eff := map[bool]float64{}
	for _, unsorted := range []bool{false, true} {
		e, _ := startEmbedder(t, cpu, func(c *embed.Config) {
			c.Unsorted = unsorted
			c.MaxBatchSize = 16
			c.MaxDelay = 50 * time.Millisecond
		})
		_, err := e.Embed(context.Background(), burst)
		require.NoError(t, err)
		eff[unsorted] = e.Metrics().PaddingEfficiency
	}
	require.GreaterOrEqual(t, eff[false], 0.9, "padding efficiency bucketed")
	require.Greater(t, eff[false], eff[true], "padding efficiency bucketed against unsorted")
}

func TestEmbedderErrors(t *testing.T) {
	e, rt := startEmbedder(t, cpu, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Embed(ctx, texts)
	require.ErrorIs(t, err, context.Canceled, "Embed(canceled)")
	require.NoError(t, rt.Stop(context.Background()))
	_, err = e.Embed(context.Background(), texts)
	require.ErrorIs(t, err, inference.ErrStopped, "Embed after Stop")

	rt2, err := inference.New(inference.Config{Device: cpu, Logger: quiet})
	require.NoError(t, err)
	enc, _ := tinyEncoder(t, nil)
	e2, err := enc.Register(rt2)
	require.NoError(t, err)
	_, err = e2.Embed(context.Background(), texts)
	require.ErrorIs(t, err, inference.ErrNotStarted, "Embed before Start")
	_, err = enc.Register(rt2)
	require.ErrorIs(t, err, inference.ErrDuplicateModel, "second Register of one model")
	rt2.Stop(context.Background())
}

// A runtime configured for a GPU whose CUDA provider does not load runs the
// model on the CPU and says so; with ForceGPU it refuses to start.
func TestEmbedderGPUFallback(t *testing.T) {
	s := onnxtest.RequireORT(t)
	for _, p := range onnx.Probe(s.ResolvedORTLib()).Providers {
		if p == onnx.ProviderCUDA {
			t.Skip("the CUDA provider loads here; its failure cannot be caused")
		}
	}
	e, _ := startEmbedder(t, device.Config{Type: device.CUDA, Name: "gpu"}, nil)
	require.Equal(t, device.CPU, e.Path(), "Path: want cpu after the CUDA provider failed to load")
	_, err := e.Embed(context.Background(), texts)
	require.NoError(t, err, "Embed after fallback")

	rt, err := inference.New(inference.Config{Device: device.Config{Type: device.CUDA, ForceGPU: true}, Logger: quiet})
	require.NoError(t, err)
	enc, _ := tinyEncoder(t, nil)
	_, err = enc.Register(rt)
	require.NoError(t, err)
	require.ErrorIs(t, rt.Start(context.Background()), inference.ErrDevice, "Start(cuda, forced)")
	rt.Stop(context.Background())
}

// A model without a Normalize module embeds raw pooled vectors, but
// Vectorize keeps the Vectorizer contract: unit vectors, same direction.
func TestVectorizeIsUnitWithoutNormalize(t *testing.T) {
	raw, _ := startEmbedder(t, cpu, func(c *embed.Config) { c.Normalize = embed.NormalizeOff })
	unit, _ := startEmbedder(t, cpu, nil)
	got, err := raw.Embed(context.Background(), texts[2:3])
	require.NoError(t, err)
	var n float64
	for _, x := range got[0] {
		n += float64(x) * float64(x)
	}
	require.Greater(t, math.Abs(math.Sqrt(n)-1), 1e-3, "Embed without Normalize: the raw vector")
	v, err := raw.Vectorize(context.Background(), texts[2:3])
	require.NoError(t, err)
	want, err := unit.Vectorize(context.Background(), texts[2:3])
	require.NoError(t, err)
	assertClose(t, "Vectorize", v[0], want[0], 1e-5)
}
