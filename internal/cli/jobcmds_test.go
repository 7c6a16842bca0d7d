package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/config"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store/sqlite"
)

// The job commands (run, worker, serve, status) are tested here without
// cobra: their options are filled by hand and their run functions called
// directly; cobra is only used to check that flags land in the options.

// testApp is an App with the default settings, its data in a temporary
// folder, that records its output.
func jobTestApp(t *testing.T) (*App, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	s := config.Defaults()
	s.DataDir, s.DBURL = t.TempDir(), ""
	return &App{Settings: s, Logger: slog.New(slog.DiscardHandler), Stdout: &out, Stderr: &errb}, &out, &errb
}

// parseJob runs cmd on args and returns what it handed to its run function.
func parseJob[O any](t *testing.T, newCmd func(*App, func(context.Context, *O) error) *cobra.Command, args ...string) O {
	t.Helper()
	var got *O
	cmd := newCmd(&App{}, func(_ context.Context, o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	require.NoError(t, cmd.ExecuteContext(context.Background()))
	require.NotNil(t, got, "the run function was not called")
	return *got
}

func TestJobCommandFlagsFillOptions(t *testing.T) {
	t.Parallel()
	r := parseJob(t, newCmdRun, "--source", "masx", "--date", "2025-06-01", "--flashpoint-ids", "a,b",
		"--db", "postgres://x", "--run-id", "r1", "--method", "http", "--workers", "0", "--detach", "--json")
	require.Equal(t, "masx", r.Source)
	require.Equal(t, "2025-06-01", r.Date)
	require.Equal(t, []string{"a", "b"}, r.FlashpointIDs)
	require.Equal(t, "postgres://x", r.DB)
	require.Equal(t, "r1", r.RunID)
	require.Equal(t, "http", r.Method)
	require.True(t, r.WorkersSet, "--workers 0 was given")
	require.Zero(t, r.Workers)
	require.True(t, r.Detach)
	require.True(t, r.JSON)
	require.Equal(t, "auto", parseJob(t, newCmdRun, "--input", "x.jsonl").Format)
	require.False(t, parseJob(t, newCmdRun, "--input", "x.jsonl").WorkersSet)

	w := parseJob(t, newCmdWorker, "--db", "postgres://x", "--queues", "q1,q2", "--concurrency", "3")
	require.Equal(t, []string{"q1", "q2"}, w.Queues)
	require.Equal(t, 3, w.Concurrency)
	require.True(t, w.ConcurrencySet)
	require.False(t, parseJob(t, newCmdWorker).ConcurrencySet)

	s := parseJob(t, newCmdServe, "--workers", "0", "--insecure", "--drain-delay", "2s", "--method", "http")
	require.True(t, s.WorkersSet)
	require.True(t, s.Insecure)
	require.Equal(t, 2*time.Second, s.DrainDelay)
	require.False(t, parseJob(t, newCmdServe).WorkersSet)

	st := parseJob(t, newCmdStatus, "r9", "--json", "--watch", "1s", "--db", "sqlite://x.db")
	require.Equal(t, "r9", st.RunID)
	require.True(t, st.JSON)
	require.Equal(t, time.Second, st.Watch)
	require.Empty(t, parseJob(t, newCmdStatus).RunID, "the latest run")
}

// Bad options are usage errors found before anything is built: no store
// is opened, no runtime started.
func TestJobCommandsRefuseBadOptions(t *testing.T) {
	t.Parallel()
	app, _, _ := jobTestApp(t)
	ctx := context.Background()
	runs := []struct {
		opts runOptions
		want string
	}{
		{runOptions{}, "exactly one of --input"},
		{runOptions{Input: "a", Feed: "b"}, "exactly one of --input"},
		{runOptions{Feed: "http://x/rss"}, "--feed needs --flashpoint"},
		{runOptions{Source: "gdelt"}, `--source "gdelt": want masx`},
		{runOptions{Source: "masx", Date: "2025-02-30"}, `--date: bad input: date "2025-02-30": want YYYY-MM-DD`},
		{runOptions{Input: "a", Date: "2025-06-01"}, "go with --source masx"},
		{runOptions{Input: "a", FlashpointIDs: []string{"x"}}, "go with --source masx"},
		{runOptions{Input: "a", Workers: -1, WorkersSet: true}, "--workers -1"},
		{runOptions{Input: "a", Method: "pigeon", Format: "auto"}, "pigeon"},
		{runOptions{Input: "a", Method: "http", Format: "yaml"}, "yaml"},
	}
	for _, c := range runs {
		c.opts.App = app
		err := runRun(ctx, &c.opts)
		require.ErrorIs(t, err, ErrUsage, "%+v", c.opts)
		require.ErrorContains(t, err, c.want)
	}

	for _, o := range []workerOptions{
		{Concurrency: 0, ConcurrencySet: true},
		{Concurrency: -2, ConcurrencySet: true},
		{Concurrency: 1, ConcurrencySet: true, Method: "pigeon"},
	} {
		o.App = app
		require.ErrorIs(t, workerRun(ctx, &o), ErrUsage, "%+v", o)
	}

	lan := *app
	s := *app.Settings
	s.Listen = "0.0.0.0:0"
	lan.Settings = &s
	for _, o := range []serveOptions{
		{App: app, Workers: -1, WorkersSet: true},
		{App: app, DrainDelay: -time.Second},
		{App: app, Method: "pigeon"},
		{App: &lan, Method: "http"}, // no API key on a non-loopback address
	} {
		require.ErrorIs(t, serveRun(ctx, &o), ErrUsage, "%+v", o)
	}
}

func TestStatusRunShowsARun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "masx.db")
	st, err := sqlite.Open(ctx, path, nil)
	require.NoError(t, err)
	require.NoError(t, st.CreateRun(ctx, news.Run{ID: "done", Input: "test"}))
	require.NoError(t, st.FinishRun(ctx, "done", news.RunCompleted, ""))
	require.NoError(t, st.Close())

	app, out, _ := jobTestApp(t)
	// A finished run is shown once, even when watched.
	require.NoError(t, statusRun(ctx, &statusOptions{App: app, DB: "sqlite://" + path, Watch: time.Hour}))
	require.Contains(t, out.String(), "done (completed, attempt 1)")

	out.Reset()
	require.NoError(t, statusRun(ctx, &statusOptions{App: app, DB: "sqlite://" + path, JSON: true}))
	var got struct {
		Run news.Run `json:"run"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	require.Equal(t, "done", got.Run.ID)

	err = statusRun(ctx, &statusOptions{App: app, DB: "sqlite://" + path, RunID: "nope"})
	require.True(t, errors.Is(err, ErrUsage), "a missing run is a usage error: %v", err)
}
