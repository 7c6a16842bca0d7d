package render

import (
	"context"
	"os"
	"testing"

	"github.com/masx-ai/masx/concurrency/startstop"
	"github.com/masx-ai/masx/concurrency/startstop/startstoptest"
)

// heldPool is a pool with a test site whose /held pages never finish
// loading until the client leaves.
type heldPool struct {
	*Pool
	site *site
}

// TestLifecycleContract checks Start and Stop against the contract of
// package startstop. Each case that starts the pool starts one browser,
// so the stress case is kept small.
func TestLifecycleContract(t *testing.T) {
	chromium := chromiumPath(t)
	startstoptest.Check(t, startstoptest.Harness[heldPool]{
		New: func(t *testing.T) heldPool {
			s := newSite(t)
			p, err := New(Config{ChromiumPath: chromium, Guard: guardFor(s.Server), Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			return heldPool{Pool: p, site: s}
		},
		Busy: func(t *testing.T, c heldPool) {
			go func() { _, _ = c.Render(context.Background(), c.site.URL+"/held") }()
			<-c.site.held
		},
		Idle: func(t *testing.T, c heldPool) {
			if st := c.Stats(); st.Active != 0 || st.Queued != 0 || st.BrowserPID != 0 {
				t.Errorf("after Stop: %+v; want no page, no queue, no browser", st)
			}
			if pids := c.processes(""); len(pids) > 0 {
				t.Errorf("Stop left Chromium processes %v", pids)
			}
			if _, err := os.Stat(c.UserDataDir()); !os.IsNotExist(err) {
				t.Errorf("Stop left the user-data dir %s (stat: %v)", c.UserDataDir(), err)
			}
		},
		Closed: []error{ErrClosed, startstop.ErrStopped},
		Stress: 3,
	})
}
