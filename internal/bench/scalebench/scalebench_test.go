package scalebench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseWorkerCounts(t *testing.T) {
	got, err := ParseWorkerCounts("1, 2,4", 4)
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 4}, got)
	for _, c := range []struct {
		list  string
		total int
		want  string
	}{
		{"3", 4, "--workers 3 does not divide --concurrency 4"},
		{"1,x", 4, "want positive whole numbers"},
		{"0", 4, "want positive whole numbers"},
		{"1", 0, "--concurrency 0"},
	} {
		_, err := ParseWorkerCounts(c.list, c.total)
		require.ErrorContains(t, err, c.want, "%q of %d", c.list, c.total)
	}
}

func TestLineWatch(t *testing.T) {
	seen := make(chan struct{})
	l := &lineWatch{want: ReadyLine, seen: seen}
	for _, chunk := range []string{"not ", "ready\nre", "ady", "\r\n", "ready\n"} {
		_, err := l.Write([]byte(chunk))
		require.NoError(t, err)
	}
	select {
	case <-seen:
	default:
		t.Fatal("a line reading ready, split over writes, was not seen")
	}
}

// fakeWorker writes a script that stands in for `masx worker`.
func fakeWorker(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "masx")
	require.NoError(t, os.WriteFile(path, []byte("#!/bin/sh\n"+body+"\n"), 0o700))
	return path
}

func TestWorkerReadiness(t *testing.T) {
	ctx := context.Background()
	w, err := startWorker(ctx, fakeWorker(t, `echo "masx worker: 1 job(s) at once" >&2; echo ready; exec sleep 60`), "postgres://x", 1)
	require.NoError(t, err)
	require.NoError(t, w.waitReady(ctx, time.After(time.Minute)))
	done := make(chan struct{})
	go func() { w.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("SIGTERM did not stop the worker")
	}

	w, err = startWorker(ctx, fakeWorker(t, `echo "masx: opening the store: connection refused" >&2; exit 1`), "postgres://x", 1)
	require.NoError(t, err)
	err = w.waitReady(ctx, time.After(time.Minute))
	require.ErrorContains(t, err, "exited before it was ready: masx: opening the store: connection refused")
	w.stop()

	w, err = startWorker(ctx, fakeWorker(t, `exec sleep 60`), "postgres://x", 1)
	require.NoError(t, err)
	require.ErrorContains(t, w.waitReady(ctx, time.After(50*time.Millisecond)), "not ready in time")
	w.stop()
}
