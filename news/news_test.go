package news_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
)

func TestRunStateFinished(t *testing.T) {
	t.Parallel()
	for s, want := range map[news.RunState]bool{
		news.RunQueued: false, news.RunRunning: false, "": false, "paused": false,
		news.RunCompleted: true, news.RunFailed: true, news.RunCancelled: true,
	} {
		require.Equal(t, want, s.Finished(), "RunState(%q).Finished()", s)
	}
}

func TestStatuses(t *testing.T) {
	t.Parallel()
	all := news.Statuses()
	require.Len(t, all, 13)
	seen := map[news.Status]bool{}
	for _, s := range all {
		require.False(t, seen[s], "%q listed twice", s)
		seen[s] = true
		require.True(t, s.Known(), "%q", s)
	}
	require.False(t, news.Status("").Known())
	require.False(t, news.Status("bogus").Known())
	// Only pending, cancelled and retry_later are not terminal: a rerun
	// redoes them.
	for _, s := range all {
		require.Equal(t, s != news.StatusPending && s != news.StatusCancelled && s != news.StatusRetryLater, s.Terminal(), "%q", s)
	}
	// The list is the caller's: changing it changes no later answer.
	all[0] = "changed"
	require.Equal(t, news.StatusOK, news.Statuses()[0])
}
