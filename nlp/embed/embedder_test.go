package embed_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Stop(context.Background()); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return e, rt
}

func TestEmbedderMatchesModel(t *testing.T) {
	e, _ := startEmbedder(t, cpu, nil)
	if e.Dim() != 32 || e.Name() == "" || e.Path() != device.CPU {
		t.Errorf("Dim %d Name %q Path %s", e.Dim(), e.Name(), e.Path())
	}
	got, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	_, m := tinyEncoder(t, nil)
	for i, text := range texts {
		alone, err := m.Infer(context.Background(), []embed.Tokens{e.Encoder().Tokenize(text)})
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, text, got[i], alone[0], 1e-5)
	}
	one, err := e.EmbedOne(context.Background(), texts[2])
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "EmbedOne", one, got[2], 1e-5)
	v, err := e.Vectorize(context.Background(), texts[:1])
	if err != nil || len(v) != 1 {
		t.Fatalf("Vectorize = %v, %v", v, err)
	}
	empty, err := e.Embed(context.Background(), nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("Embed(nil) = %v, %v; want empty", empty, err)
	}
}

// Many goroutines embedding at once share batches and get exactly the
// vectors they would get alone.
func TestEmbedderConcurrent(t *testing.T) {
	e, _ := startEmbedder(t, cpu, nil)
	want, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
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
		t.Fatal(err)
	}
	after := e.Metrics()
	items, batches := after.Items-before.Items, after.Batches-before.Batches
	if items != callers || batches >= callers {
		t.Errorf("%d texts ran in %d batches; want %d texts in fewer batches", items, batches, callers)
	}
	if after.PaddingEfficiency <= 0 || after.PaddingEfficiency > 1 {
		t.Errorf("PaddingEfficiency = %v; want in (0, 1]", after.PaddingEfficiency)
	}
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
		if _, err := e.Embed(context.Background(), burst); err != nil {
			t.Fatal(err)
		}
		eff[unsorted] = e.Metrics().PaddingEfficiency
	}
	if eff[false] < 0.9 || eff[false] <= eff[true] {
		t.Errorf("padding efficiency bucketed %.3f, unsorted %.3f; want bucketed ≥ 0.9 and above unsorted", eff[false], eff[true])
	}
}

func TestEmbedderErrors(t *testing.T) {
	e, rt := startEmbedder(t, cpu, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Embed(ctx, texts); !errors.Is(err, context.Canceled) {
		t.Errorf("Embed(canceled) = %v; want context.Canceled", err)
	}
	if err := rt.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), texts); !errors.Is(err, inference.ErrStopped) {
		t.Errorf("Embed after Stop = %v; want inference.ErrStopped", err)
	}

	rt2, err := inference.New(inference.Config{Device: cpu, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := tinyEncoder(t, nil)
	e2, err := enc.Register(rt2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e2.Embed(context.Background(), texts); !errors.Is(err, inference.ErrNotStarted) {
		t.Errorf("Embed before Start = %v; want inference.ErrNotStarted", err)
	}
	if _, err := enc.Register(rt2); !errors.Is(err, inference.ErrDuplicateModel) {
		t.Errorf("second Register of one model = %v; want ErrDuplicateModel", err)
	}
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
	if e.Path() != device.CPU {
		t.Errorf("Path = %s; want cpu after the CUDA provider failed to load", e.Path())
	}
	if _, err := e.Embed(context.Background(), texts); err != nil {
		t.Errorf("Embed after fallback: %v", err)
	}

	rt, err := inference.New(inference.Config{Device: device.Config{Type: device.CUDA, ForceGPU: true}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := tinyEncoder(t, nil)
	if _, err := enc.Register(rt); err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(context.Background()); !errors.Is(err, inference.ErrDevice) {
		t.Errorf("Start(cuda, forced) = %v; want inference.ErrDevice", err)
	}
	rt.Stop(context.Background())
}
