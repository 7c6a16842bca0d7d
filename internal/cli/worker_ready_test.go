package cli

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/internal/bench/scalebench"
)

// A worker says on stdout, in one line, when it takes jobs: what `masx
// bench scale` waits for before it times a run.
func TestWorkerPrintsReadyOnStdout(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr lockedBuffer
	exit := make(chan int, 1)
	db := "sqlite://" + filepath.Join(t.TempDir(), "masx.db")
	go func() {
		exit <- run(ctx, []string{"worker", "--db", db, "--concurrency", "1", "--method", "http"}, &stdout, &stderr)
	}()
	require.Eventually(t, func() bool { return stdout.String() == scalebench.ReadyLine+"\n" }, time.Minute, 10*time.Millisecond,
		"no ready line on stdout")
	require.Contains(t, stderr.String(), "masx worker: 1 job(s) at once")
	cancel()
	select {
	case code := <-exit:
		require.Equal(t, ExitOK, code, stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("the worker did not stop")
	}
	require.Equal(t, scalebench.ReadyLine+"\n", stdout.String(), "nothing else on stdout")
}
