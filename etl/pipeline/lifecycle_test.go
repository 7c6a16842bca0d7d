package pipeline_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
	"github.com/masx-ai/masx/etl/pipeline"
)

// TestWatchdogLifecycleContract checks Start and Stop against the contract
// of package startstop. The watchdog takes no work, so its cases stop it
// while it samples.
func TestWatchdogLifecycleContract(t *testing.T) {
	startstoptest.Check(t, startstoptest.Harness[*pipeline.Watchdog]{
		New: func(t *testing.T) *pipeline.Watchdog {
			wd, err := pipeline.NewWatchdog(pipeline.WatchdogConfig{
				Progress: &pipeline.Progress{}, StallAfter: time.Millisecond, Interval: time.Millisecond,
				Logger: slog.New(slog.DiscardHandler),
			})
			if err != nil {
				t.Fatal(err)
			}
			return wd
		},
		Closed: []error{pipeline.ErrWatchdogStopped, startstop.ErrStopped},
		Stress: 10,
	})
}
