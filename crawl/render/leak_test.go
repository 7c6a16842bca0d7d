package render

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitFor polls cond (a cheap query of the browser or /proc) until it holds
// or the limit passes; Chromium reaps processes on its own schedule.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// requireNoPages waits until every page is closed and no render is active:
// pages close on the pool's goroutines after Render returns.
func requireNoPages(t *testing.T, p *Pool) {
	t.Helper()
	var pages, contexts int
	var err error
	closed := waitFor(10*time.Second, func() bool {
		pages, contexts, err = p.OpenPages(context.Background())
		return err == nil && pages == 0 && contexts == 0 && p.Stats().Active == 0
	})
	require.True(t, closed, "OpenPages = %d pages, %d browser contexts, %v, %d active; want 0, 0, nil, 0", pages, contexts, err, p.Stats().Active)
}

// TestNoLeaksUnderCancellation runs 200 renders, many of them cancelled by
// their caller at random moments (queued, creating the page, navigating,
// waiting, reading), and checks that no page, browser context or renderer
// process is left behind.
func TestNoLeaksUnderCancellation(t *testing.T) {
	s := newSite(t)
	p := startPool(t, Config{Guard: guardFor(s.Server), IdleWindow: 100 * time.Millisecond, StableWindow: 300 * time.Millisecond})
	ctx := context.Background()

	// Warm up, then take the baseline of renderer processes.
	_, err := p.Render(ctx, s.URL+"/article")
	require.NoError(t, err)
	// Idle pages (kept for reuse) hold renderers; count without them.
	p.closeIdle()
	var baseline int
	waitFor(5*time.Second, func() bool { baseline = p.RendererProcesses(); return baseline <= 2 })
	t.Logf("renderer processes at rest: %d", baseline)

	paths := []string{"/article", "/js-article", "/slow?ms=300", "/hang", "/dialog", "/popup"}
	const n, workers = 200, 8
	rng := rand.New(rand.NewPCG(1, 2))
	type job struct {
		path   string
		cancel time.Duration // 0: never
	}
	jobs := make(chan job, n)
	for range n {
		j := job{path: paths[rng.IntN(len(paths))]}
		if rng.IntN(4) > 0 { // three in four are cancelled
			j.cancel = time.Duration(rng.IntN(700)) * time.Millisecond
		}
		jobs <- j
	}
	close(jobs)

	var mu sync.Mutex
	var maxProcs atomic.Int64 // renderers seen while the batch ran
	outcomes := map[string]int{}
	var unexpected []string // errors of no expected kind; reported below, off the workers
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				rctx, cancel := context.WithCancel(ctx)
				if j.path == "/hang" {
					// Never loads: end it by cancellation or a short deadline.
					rctx, cancel = context.WithTimeout(ctx, 800*time.Millisecond)
				}
				var timer *time.Timer
				if j.cancel > 0 {
					timer = time.AfterFunc(j.cancel, cancel)
				}
				_, err := p.Render(rctx, s.URL+j.path)
				cancel()
				if timer != nil {
					timer.Stop()
				}
				if n := p.RendererProcesses(); n > int(maxProcs.Load()) {
					maxProcs.Store(int64(n))
				}
				key := "ok"
				switch {
				case err == nil:
				case errors.Is(err, context.Canceled):
					key = "canceled"
				case errors.Is(err, context.DeadlineExceeded):
					key = "deadline"
				default:
					key = "other"
				}
				mu.Lock()
				outcomes[key]++
				if key == "other" {
					unexpected = append(unexpected, fmt.Sprintf("%s: %v", j.path, err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("outcomes: %v; up to %d renderer processes during the batch", outcomes, maxProcs.Load())
	require.Empty(t, unexpected, "renders that failed with an unexpected error")
	require.NotZero(t, maxProcs.Load(), "saw no renderer process during the batch; the process count cannot be trusted")
	require.True(t, outcomes["ok"] > 0 && outcomes["canceled"] > 0, "want both successes and cancellations; got %v", outcomes)

	requireNoPages(t, p)
	require.LessOrEqual(t, p.IdlePages(), p.cfg.MaxPages, "IdlePages: want ≤ MaxPages")
	p.closeIdle()
	var procs int
	rested := waitFor(10*time.Second, func() bool { procs = p.RendererProcesses(); return procs <= baseline })
	require.True(t, rested, "renderer processes: %d after the batch, %d at rest before it", procs, baseline)
	st := p.Stats()
	require.Zero(t, st.Active, "stats after the batch: %+v; want nothing active", st)
	require.Zero(t, st.Queued, "stats after the batch: %+v; want nothing queued", st)
	require.Equal(t, int64(n+1), st.Total, "stats after the batch: %+v; want %d total", st, n+1)
	require.Zero(t, st.CleanupFailures, "stats after the batch: %+v; want no cleanup failure", st)
	require.Zero(t, st.Restarts, "stats after the batch: %+v; want no restart", st)
}

// TestBrowserKilled kills Chromium while five renders are in flight: they
// fail with ErrBrowserLost, the next renders get a new browser, and nothing
// of the old one is left. It runs on both of Debian's binaries: the headless
// shell gives its children no --user-data-dir, so only their session tells
// them apart, and its /usr/bin script does not exec.
func TestBrowserKilled(t *testing.T) {
	for _, bin := range []string{HeadlessShellPath, DefaultChromiumPath} {
		t.Run(bin, func(t *testing.T) { testBrowserKilled(t, bin) })
	}
}

func testBrowserKilled(t *testing.T, bin string) {
	s := newSite(t)
	p := startPool(t, Config{ChromiumPath: bin, Guard: guardFor(s.Server)})
	ctx := context.Background()
	_, err := p.Render(ctx, s.URL+"/article")
	require.NoError(t, err)
	require.GreaterOrEqual(t, p.RendererProcesses(), 1, "RendererProcesses after a render")
	old := p.Stats().BrowserPID
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", old))
	require.NoError(t, err, "BrowserPID %d", old)
	require.True(t, strings.HasPrefix(exe, "/usr/lib/chromium/"), "BrowserPID %d runs %q; want the browser binary, not a wrapper", old, exe)
	p.mu.Lock()
	oldDir, oldSess := p.browser.dir, p.browser.sess
	p.mu.Unlock()

	errs := make(chan error, 5)
	for range 5 {
		go func() {
			_, err := p.Render(ctx, s.URL+"/held")
			errs <- err
		}()
	}
	for range 5 {
		<-s.held // all five pages are waiting for their document
	}
	require.NoError(t, syscall.Kill(old, syscall.SIGKILL))
	for range 5 {
		require.ErrorIs(t, <-errs, ErrBrowserLost, "in-flight render")
	}

	for i := range 5 {
		res, err := p.Render(ctx, s.URL+"/article")
		require.NoError(t, err, "render %d after the kill", i)
		require.Equal(t, "Static article", res.Title, "title")
	}
	st := p.Stats()
	require.Equal(t, int64(1), st.Restarts, "stats %+v; want one restart", st)
	require.NotZero(t, st.BrowserPID, "stats %+v; want a new browser pid", st)
	require.NotEqual(t, old, st.BrowserPID, "stats %+v; want a new browser pid", st)
	left := func() []int { return slices.Sorted(maps.Keys(procsUsing(oldDir, []session{oldSess}, ""))) }
	gone := waitFor(3*time.Second, func() bool { return len(left()) == 0 })
	require.True(t, gone, "processes of the killed browser remain: %v", left())
	requireNoPages(t, p)
}
