package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/masx-ai/masx/concurrency/executor"
	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/news"
)

// StallAfterDefault is how long a Watchdog waits without progress, while
// work is pending, before it reports a stall (MASX_STALL_AFTER).
const StallAfterDefault = 2 * time.Minute

// minWatchdogInterval keeps a tiny StallAfter (tests) from sampling in a
// near busy loop.
const minWatchdogInterval = 10 * time.Millisecond

// ErrWatchdogStopped is returned by Start after Stop.
var ErrWatchdogStopped = errors.New("pipeline: watchdog stopped")

// WatchdogConfig configures a Watchdog. Zero fields take the documented
// defaults.
type WatchdogConfig struct {
	// Progress is what the watchdog watches: the Progress the pipeline
	// counts into. Required.
	Progress *Progress
	// StallAfter is how long the pipeline may go without progress, while
	// work is pending, before it counts as stalled. 0 means
	// StallAfterDefault (2m); negative is an error. To switch the watchdog
	// off, do not start one (MASX_STALL_AFTER=0 does that).
	StallAfter time.Duration
	// Interval is how often Progress is sampled, so a stall is reported
	// between StallAfter and StallAfter+Interval after the last progress.
	// 0 means StallAfter/4, never under 10ms; negative is an error.
	Interval time.Duration
	// Pools are the executors whose running and queued tasks the stall
	// warning reports, e.g. the shared I/O and CPU pools.
	Pools []*executor.Pool
	// ModelQueue, when set, returns the items waiting for a model batch
	// ((*inference.Runtime).QueueDepth); the warning reports it.
	ModelQueue func() int
	// Logger receives the stall warning and the recovery line. Default
	// slog.Default(): a watchdog that logs nowhere would be no use.
	Logger *slog.Logger
	// Registerer, when set, receives masx_pipeline_stalled and
	// masx_pipeline_stalls_total.
	Registerer prometheus.Registerer
}

// Watchdog makes a hung pipeline visible. It samples Progress every
// Interval; when nothing was fetched, analysed or stored and no flashpoint
// finished for StallAfter while a flashpoint is in progress, it logs one
// warning naming the stuck stage and the waiting tasks of every pool, and
// sets the gauge masx_pipeline_stalled to 1. When progress resumes the
// gauge goes back to 0 and one line says so. A process with no flashpoint
// in progress is idle and never stalls.
//
// The watchdog watches the whole process: one stuck flashpoint while
// others keep finishing is not a stall (MASX_JOB_TIMEOUT bounds that one).
//
// Start runs it, Stop ends it, by the lifecycle contract of package
// startstop: Stop before Start is safe and makes a later Start fail, and a
// second Stop is a no-op.
type Watchdog struct {
	cfg     WatchdogConfig
	stalled prometheus.Gauge
	stalls  prometheus.Counter

	life startstop.Lifecycle
	quit chan struct{} // closed by stop
	done chan struct{} // closed when the loop has returned
}

// NewWatchdog checks cfg, fills its defaults and registers the metrics.
func NewWatchdog(cfg WatchdogConfig) (*Watchdog, error) {
	switch {
	case cfg.Progress == nil:
		return nil, errors.New("pipeline: WatchdogConfig.Progress is required")
	case cfg.StallAfter < 0:
		return nil, fmt.Errorf("pipeline: WatchdogConfig.StallAfter = %s: want ≥ 0", cfg.StallAfter)
	case cfg.Interval < 0:
		return nil, fmt.Errorf("pipeline: WatchdogConfig.Interval = %s: want ≥ 0", cfg.Interval)
	}
	if cfg.StallAfter == 0 {
		cfg.StallAfter = StallAfterDefault
	}
	if cfg.Interval == 0 {
		cfg.Interval = max(cfg.StallAfter/4, minWatchdogInterval)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	w := &Watchdog{
		cfg: cfg,
		stalled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "masx_pipeline_stalled",
			Help: "1 while the pipeline has made no progress for MASX_STALL_AFTER with work pending, else 0.",
		}),
		stalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "masx_pipeline_stalls_total", Help: "Stalls the pipeline watchdog reported.",
		}),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	if cfg.Registerer != nil {
		for _, c := range []prometheus.Collector{w.stalled, w.stalls} {
			if err := cfg.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("pipeline: registering watchdog metrics: %w", err)
			}
		}
	}
	return w, nil
}

// Start begins sampling. ctx is not kept: the watchdog runs until Stop, so
// it still watches while a cancelled run drains. A second Start is a no-op;
// Start after Stop returns ErrWatchdogStopped (and startstop.ErrStopped).
func (w *Watchdog) Start(ctx context.Context) error {
	err := w.life.Start(func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		go w.loop()
		return nil
	})
	if errors.Is(err, startstop.ErrStopped) {
		return fmt.Errorf("%w: %w", ErrWatchdogStopped, err)
	}
	return err
}

// Stop ends sampling and returns once the sampling goroutine is gone. A
// sample in progress is never cut short: it only reads counters, so Stop
// waits for it even when ctx ends first, and then returns ctx's error, as
// the contract of package startstop says. Stop may be called more than
// once, and before Start.
func (w *Watchdog) Stop(ctx context.Context) error {
	return w.life.Stop(ctx, func(context.Context) error {
		close(w.quit)
		<-w.done
		return nil
	})
}

// progressKey is what counts as progress: any article moving out of a
// stage, or a flashpoint finishing.
type progressKey struct{ fetched, analyzed, stored, flashpointsDone int64 }

func (w *Watchdog) loop() {
	defer close(w.done)
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	s := w.cfg.Progress.Snapshot()
	last := progressKey{s.Fetched, s.Analyzed, s.Stored, s.FlashpointsDone}
	lastProgress := time.Now()
	stalled := false
	for {
		select {
		case <-w.quit:
			return
		case now := <-t.C:
			s := w.cfg.Progress.Snapshot()
			key := progressKey{s.Fetched, s.Analyzed, s.Stored, s.FlashpointsDone}
			// Pending work is a flashpoint in progress. Idle time restarts
			// the clock, so work that arrives after a quiet hour gets its
			// full StallAfter before anything is said.
			if key != last || s.FlashpointsStarted <= s.FlashpointsDone {
				if stalled {
					stalled = false
					w.stalled.Set(0)
					w.cfg.Logger.Info("pipeline progressing again", "stalled_for", now.Sub(lastProgress).Round(time.Millisecond))
				}
				last, lastProgress = key, now
				continue
			}
			if stalled || now.Sub(lastProgress) < w.cfg.StallAfter {
				continue // one warning per stall
			}
			stalled = true
			w.stalled.Set(1)
			w.stalls.Inc()
			w.cfg.Logger.Warn("pipeline stalled", w.stallAttrs(s, now.Sub(lastProgress))...)
		}
	}
}

// stallAttrs describes a stall: where it is stuck, for how long, the
// counters, and what waits in each pool and for the models.
func (w *Watchdog) stallAttrs(s Snapshot, d time.Duration) []any {
	attrs := []any{
		"stage", stuckStage(s),
		"for", d.Round(time.Millisecond),
		"stall_after", w.cfg.StallAfter,
		"flashpoints_in_progress", s.FlashpointsStarted - s.FlashpointsDone,
		"total", s.Total, "fetched", s.Fetched, "analyzed", s.Analyzed, "stored", s.Stored,
		"in_fetch", s.Fetching, "in_analyze", s.Analyzing,
	}
	for _, p := range w.cfg.Pools {
		st := p.Stats()
		attrs = append(attrs, st.Name+"_running", st.Running, st.Name+"_queued", st.Queued)
	}
	if w.cfg.ModelQueue != nil {
		attrs = append(attrs, "model_queue", w.cfg.ModelQueue())
	}
	return attrs
}

// stuckStage names the downstream-most stage that holds work: a stuck
// stage holds back those before it (backpressure), so the furthest one
// with articles inside is where to look.
//
//   - analyze, fetch: articles are inside that stage.
//   - store: no article is in a stage, yet some accepted ones have not
//     reached the store: they wait behind the writer.
//   - cluster: every accepted article reached the store; the flashpoint is
//     at its end (the last write, vectors, clustering, cluster summaries)
//     or reading what an earlier attempt stored.
func stuckStage(s Snapshot) string {
	// Dropped feeds (duplicate, invalid) are stored without being counted
	// in Total, and only they get those statuses.
	dropped := s.ByStatus[news.StatusDuplicate] + s.ByStatus[news.StatusInvalid]
	switch {
	case s.Analyzing > 0:
		return "analyze"
	case s.Fetching > 0:
		return "fetch"
	case s.Total > s.Stored-dropped:
		return "store"
	default:
		return "cluster"
	}
}
