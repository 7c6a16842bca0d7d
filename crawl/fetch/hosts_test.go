package fetch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHostGatesForgetIdleHosts(t *testing.T) {
	t.Parallel()
	h := newHostGates(2, 0)
	rel, err := h.acquire(context.Background(), "a:80")
	require.NoError(t, err)
	require.Equal(t, 1, h.size())
	rel()
	rel() // a second call does nothing
	require.Zero(t, h.size(), "without a delay an idle host is dropped at once")

	// With a delay, an idle host is kept until its delay has passed and is
	// then swept when the table grows.
	h = newHostGates(1, time.Microsecond)
	for i := range minSweep + 10 {
		rel, err := h.acquire(context.Background(), fmt.Sprintf("h%d:80", i))
		require.NoError(t, err)
		rel()
	}
	require.Less(t, h.size(), minSweep, "the sweep dropped hosts whose delay had passed")
}

func TestHostGateWaitIsCancellable(t *testing.T) {
	t.Parallel()
	h := newHostGates(1, time.Hour)
	rel, err := h.acquire(context.Background(), "a:80")
	require.NoError(t, err)
	rel()
	// The next start is an hour away: only the context can end the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = h.acquire(ctx, "a:80")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	// The slot was given back: with a fresh gate set the semaphore is free.
	require.Len(t, h.gates["a:80"].sem, 0)
}
