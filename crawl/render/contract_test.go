package render

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

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
			require.NoError(t, err)
			return heldPool{Pool: p, site: s}
		},
		Busy: func(t *testing.T, c heldPool) {
			go func() { _, _ = c.Render(context.Background(), c.site.URL+"/held") }()
			<-c.site.held
		},
		Idle: func(t *testing.T, c heldPool) {
			st := c.Stats()
			require.Zero(t, st.Active, "after Stop: %+v; want no page", st)
			require.Zero(t, st.Queued, "after Stop: %+v; want no queue", st)
			require.Zero(t, st.BrowserPID, "after Stop: %+v; want no browser", st)
			require.Empty(t, c.processes(""), "Stop left Chromium processes")
			_, err := os.Stat(c.UserDataDir())
			require.ErrorIs(t, err, os.ErrNotExist, "Stop left the user-data dir %s", c.UserDataDir())
		},
		Closed: []error{ErrClosed, startstop.ErrStopped},
		Stress: 3,
	})
}
