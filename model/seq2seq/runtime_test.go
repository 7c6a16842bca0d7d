package seq2seq

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/concurrency/batch"
	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/inference"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var cpuDev = inference.CPUDevice("test")

func startGenerator(t *testing.T, dev device.Config, cfg RuntimeConfig) (*Generator, *inference.Runtime) {
	t.Helper()
	rt, err := inference.New(inference.Config{Device: dev, Logger: quiet})
	require.NoError(t, err)
	cfg.Load.Threads = 1
	g, err := Register(rt, cfg)
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, rt.Stop(context.Background())) })
	return g, rt
}

// Requests from many callers are batched together and decode exactly as
// the model does on its own.
func TestGeneratorBatchesAcrossCallers(t *testing.T) {
	dir := familyDir(t, "nllb")
	m := loadModel(t, dir, Options{})
	g, _ := startGenerator(t, cpuDev, RuntimeConfig{Dir: dir, MaxDelay: 20 * time.Millisecond})
	for _, c := range readCases(t, dir) {
		if c.Name != "greedy" && c.Name != "beam4" {
			continue
		}
		gc := c.config(t, m)
		want := generateAll(t, m, c.requests(gc))
		got, errs := g.GenerateMany(context.Background(), c.requests(gc))
		for i := range got {
			require.NoError(t, errs[i])
			require.Equal(t, want[i], got[i], "case %s row %d", c.Name, i)
		}
		one, err := g.Generate(context.Background(), c.requests(gc)[2])
		require.NoError(t, err)
		require.Equal(t, want[2], one)
	}
	met := g.Metrics()
	require.Greater(t, met.AvgBatchOccupancy, 1.5, "rows per decoder run: %+v", met)
	require.Positive(t, met.Tokens)
	require.Positive(t, met.EncoderSeconds)
	require.Positive(t, met.DecoderSeconds)
	require.Positive(t, met.TokensPerSecond)

	// Bad input fails alone.
	_, errs := g.GenerateMany(context.Background(), []Request{{IDs: []int64{5, 2}}, {IDs: []int64{999}}})
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], ErrInvalidInput)
}

// A caller that gives up returns at once; its request leaves the batch
// before the next decoding step, which frees the batcher's slot.
func TestGeneratorCancelFreesSlot(t *testing.T) {
	dir := familyDir(t, "marian")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps atomic.Int64
	g, _ := startGenerator(t, cpuDev, RuntimeConfig{Dir: dir, QueueMax: 1, MaxDelay: batch.NoDelay,
		Load: Options{StepHook: func(n int) {
			steps.Add(1)
			if n == 3 {
				cancel() // the caller gives up during the third step
			}
		}}})
	gc := g.Defaults()
	gc.NumBeams, gc.MaxNewTokens, gc.MinNewTokens = 1, 60, 60
	_, err := g.Generate(ctx, Request{IDs: []int64{5, 6, 7, 0}, Config: &gc})
	require.ErrorIs(t, err, context.Canceled)

	// QueueMax 1: this waits for the slot, which the cancelled request
	// frees after three steps instead of sixty.
	short := gc
	short.MaxNewTokens, short.MinNewTokens = 2, 0
	res, err := g.Generate(context.Background(), Request{IDs: []int64{5, 6, 7, 0}, Config: &short})
	require.NoError(t, err)
	require.Len(t, res.IDs, 2)
	require.EqualValues(t, 3+2, g.Metrics().DecodeSteps, "decoder runs: 3 before the cancel, 2 for the next request")
}

func TestGeneratorQueueFull(t *testing.T) {
	dir := familyDir(t, "marian")
	running, release := make(chan struct{}), make(chan struct{})
	var once atomic.Bool
	g, rt := startGenerator(t, cpuDev, RuntimeConfig{Dir: dir, QueueMax: 1, Policy: batch.Reject, MaxDelay: batch.NoDelay,
		Load: Options{StepHook: func(int) {
			if once.CompareAndSwap(false, true) {
				close(running)
				<-release
			}
		}}})
	gc := g.Defaults()
	gc.NumBeams, gc.MaxNewTokens = 1, 4
	done := make(chan error, 1)
	go func() {
		_, err := g.Generate(context.Background(), Request{IDs: []int64{5, 6, 0}, Config: &gc})
		done <- err
	}()
	<-running
	_, err := g.Generate(context.Background(), Request{IDs: []int64{5, 6, 0}, Config: &gc})
	require.ErrorIs(t, err, batch.ErrQueueFull)
	close(release)
	require.NoError(t, <-done)
	require.Equal(t, 0, rt.QueueDepth())
}

// faultModel stands in for a GPU that fails (out of memory, lost device):
// a fault that cannot be caused on a machine without one. It fails its
// first batch with a device error and passes later ones to the real model.
type faultModel struct {
	inference.Model[Request, Result]
	failed atomic.Bool
}

func (f *faultModel) Infer(ctx context.Context, in []Request) ([]Result, error) {
	if f.failed.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("cudaErrorIllegalAddress: %w", inference.ErrDevice)
	}
	return f.Model.Infer(ctx, in)
}

func TestGeneratorGPUFaultFallsBackToCPU(t *testing.T) {
	dir := familyDir(t, "bart")
	m := loadModel(t, dir, Options{})
	gpu := device.Config{Type: device.CUDA, Name: "test GPU", Reason: "test"}
	g, rt := startGenerator(t, gpu, RuntimeConfig{Dir: dir, wrap: func(dev device.Config, im inference.Model[Request, Result]) inference.Model[Request, Result] {
		if dev.UseGPU() {
			return &faultModel{Model: im}
		}
		return im
	}})
	require.Equal(t, device.CUDA, g.Path())
	c := readCases(t, dir)[0]
	gc := c.config(t, m)
	want := generateAll(t, m, c.requests(gc))
	got, errs := g.GenerateMany(context.Background(), c.requests(gc))
	for i := range got {
		require.NoError(t, errs[i])
		require.Equal(t, want[i], got[i])
	}
	require.EqualValues(t, 1, rt.Metrics()["gpu_fallbacks"])
}

func TestGeneratorPrometheus(t *testing.T) {
	dir := familyDir(t, "marian")
	g, _ := startGenerator(t, cpuDev, RuntimeConfig{Dir: dir, Name: "opus-test"})
	gc := g.Defaults()
	gc.NumBeams, gc.MaxNewTokens, gc.MinNewTokens = 1, 5, 5
	_, err := g.Generate(context.Background(), Request{IDs: []int64{5, 6, 0}, Config: &gc})
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(g))
	fams, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "model" {
					require.Equal(t, "opus-test", l.GetValue())
				}
			}
			got[f.GetName()] += m.GetCounter().GetValue()
		}
	}
	require.Equal(t, 5.0, got["masx_seq2seq_tokens_generated_total"])
	require.Equal(t, 5.0, got["masx_seq2seq_decode_steps_total"])
	require.Positive(t, got["masx_seq2seq_seconds_total"])
}

// The concurrency rule: a task that holds the CPU pool's only slot cannot
// wait for a generation, whose batches need a slot of that pool; the call
// is refused at once. From an I/O task, or a goroutine with no slot, it
// runs, and its CPU batches run on the shared pool.
func TestGeneratorRefusesCallsHoldingACPUSlot(t *testing.T) {
	dir := familyDir(t, "marian")
	ex, err := executor.New(executor.Config{MaxThreads: 2, MaxProcs: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, ex.Shutdown(context.Background())) }()
	rt, err := inference.New(inference.Config{Device: cpuDev, Executors: ex, Logger: quiet})
	require.NoError(t, err)
	g, err := Register(rt, RuntimeConfig{Dir: dir, Load: Options{Threads: 1}})
	require.NoError(t, err)
	require.NoError(t, rt.Start(context.Background()))
	defer func() { require.NoError(t, rt.Stop(context.Background())) }()
	gc := g.Defaults()
	gc.NumBeams, gc.MaxNewTokens = 2, 4
	req := Request{IDs: []int64{5, 6, 0}, Config: &gc}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = executor.Run(ctx, ex.CPU, func(ctx context.Context) (Result, error) { return g.Generate(ctx, req) })
	require.ErrorIs(t, err, executor.ErrWaitCycle)
	require.NoError(t, ctx.Err(), "refused at once, not after a hang")

	res, err := executor.Run(ctx, ex.IO, func(ctx context.Context) (Result, error) { return g.Generate(ctx, req) })
	require.NoError(t, err)
	require.Len(t, res.IDs, 4)
}
