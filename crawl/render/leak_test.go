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
	if !waitFor(10*time.Second, func() bool {
		pages, contexts, err = p.OpenPages(context.Background())
		return err == nil && pages == 0 && contexts == 0 && p.Stats().Active == 0
	}) {
		t.Errorf("OpenPages = %d pages, %d browser contexts, %v, %d active; want 0, 0, nil, 0", pages, contexts, err, p.Stats().Active)
	}
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
	if _, err := p.Render(ctx, s.URL+"/article"); err != nil {
		t.Fatal(err)
	}
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
					t.Errorf("%s: unexpected error %v", j.path, err)
				}
				mu.Lock()
				outcomes[key]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("outcomes: %v; up to %d renderer processes during the batch", outcomes, maxProcs.Load())
	if maxProcs.Load() == 0 {
		t.Errorf("saw no renderer process during the batch; the process count cannot be trusted")
	}
	if outcomes["ok"] == 0 || outcomes["canceled"] == 0 {
		t.Errorf("want both successes and cancellations; got %v", outcomes)
	}

	requireNoPages(t, p)
	if n := p.IdlePages(); n > p.cfg.MaxPages {
		t.Errorf("IdlePages = %d; want ≤ MaxPages (%d)", n, p.cfg.MaxPages)
	}
	p.closeIdle()
	var procs int
	if !waitFor(10*time.Second, func() bool { procs = p.RendererProcesses(); return procs <= baseline }) {
		t.Errorf("renderer processes: %d after the batch, %d at rest before it", procs, baseline)
	}
	st := p.Stats()
	if st.Active != 0 || st.Queued != 0 || st.Total != n+1 || st.CleanupFailures != 0 || st.Restarts != 0 {
		t.Errorf("stats after the batch: %+v; want nothing active or queued, %d total, no cleanup failure or restart", st, n+1)
	}
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
	if _, err := p.Render(ctx, s.URL+"/article"); err != nil {
		t.Fatal(err)
	}
	if n := p.RendererProcesses(); n < 1 {
		t.Errorf("RendererProcesses = %d after a render; want ≥ 1", n)
	}
	old := p.Stats().BrowserPID
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", old)); err != nil || !strings.HasPrefix(exe, "/usr/lib/chromium/") {
		t.Errorf("BrowserPID %d runs %q (%v); want the browser binary, not a wrapper", old, exe, err)
	}
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
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := <-errs; !errors.Is(err, ErrBrowserLost) {
			t.Errorf("in-flight render: err = %v; want ErrBrowserLost", err)
		}
	}

	for i := range 5 {
		res, err := p.Render(ctx, s.URL+"/article")
		if err != nil {
			t.Fatalf("render %d after the kill: %v", i, err)
		}
		if res.Title != "Static article" {
			t.Errorf("title %q", res.Title)
		}
	}
	st := p.Stats()
	if st.Restarts != 1 || st.BrowserPID == old || st.BrowserPID == 0 {
		t.Errorf("stats %+v; want one restart and a new browser pid (old %d)", st, old)
	}
	left := func() []int { return slices.Sorted(maps.Keys(procsUsing(oldDir, []session{oldSess}, ""))) }
	if !waitFor(3*time.Second, func() bool { return len(left()) == 0 }) {
		t.Errorf("processes of the killed browser remain: %v", left())
	}
	requireNoPages(t, p)
}
