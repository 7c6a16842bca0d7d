package api

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/store/sqlite"
)

func TestAPIKeyCompareIsOverDigests(t *testing.T) {
	want := digest("right-key")
	require.True(t, keyMatches(want, "right-key"))
	// Every wrong key, whatever its length, goes through the same
	// 32-byte comparison: the digest of anything is 32 bytes.
	for _, k := range []string{"", "r", "right-ke", "right-key ", "Right-key", strings.Repeat("x", 1<<16)} {
		require.False(t, keyMatches(want, k), "%.20q", k)
		d := digest(k)
		require.Len(t, d[:], len(want))
	}

	s := &Server{key: &want}
	for _, c := range []struct {
		hdr, val string
		ok       bool
	}{
		{"X-API-Key", "right-key", true},
		{"Authorization", "Bearer right-key", true},
		{"Authorization", "BEARER  right-key ", true},
		{"Authorization", "Basic right-key", false},
		{"X-API-Key", "", false},
		{"X-API-Key", "wrong", false},
	} {
		r, _ := http.NewRequest("GET", "/", nil)
		r.Header.Set(c.hdr, c.val)
		require.Equal(t, c.ok, s.authorized(r), "%s: %q", c.hdr, c.val)
	}
	r, _ := http.NewRequest("GET", "/", nil)
	require.True(t, (&Server{}).authorized(r), "no key configured: open")
}

func TestAPIServerHasTimeouts(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	defer st.Close()
	j, err := jobs.New(ctx, jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true}), jobs.Config{}, jobs.Deps{Store: st})
	require.NoError(t, err)
	defer j.Stop(ctx)
	s, err := New(Config{Addr: "127.0.0.1:0"}, Deps{Store: st, Jobs: j})
	require.NoError(t, err)
	require.NoError(t, s.Start(ctx))
	defer s.Stop(ctx)
	require.Equal(t, readHeaderTimeout, s.srv.ReadHeaderTimeout)
	require.Equal(t, DefaultRequestTimeout, s.srv.ReadTimeout)
	require.Equal(t, DefaultRequestTimeout+writeMargin, s.srv.WriteTimeout)
	require.Equal(t, idleTimeout, s.srv.IdleTimeout)
	require.Error(t, s.Start(ctx), "Start twice")
}
