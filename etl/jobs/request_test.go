package jobs

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/etl/demo"
	"github.com/masx-ai/masx/etl/input"
	"github.com/masx-ai/masx/etl/pipeline"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

func TestNewRunID(t *testing.T) {
	t.Parallel()
	a, b := NewRunID(), NewRunID()
	require.Regexp(t, regexp.MustCompile(`^run-\d{8}-\d{6}-[0-9a-f]{8}$`), a)
	require.NotEqual(t, a, b)
	require.True(t, ValidRunID(a), "a new ID is one the API accepts")
	for id, want := range map[string]bool{
		"r1": true, "run-2025.06_01": true, strings.Repeat("r", 128): true,
		"": false, "-r": false, "../etc": false, "a b": false, strings.Repeat("r", 129): false,
	} {
		require.Equal(t, want, ValidRunID(id), "ValidRunID(%q)", id)
	}
}

func TestParseMASXDate(t *testing.T) {
	t.Parallel()
	d, err := ParseMASXDate("2025-06-01")
	require.NoError(t, err)
	require.Equal(t, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), d)
	for _, bad := range []string{"", "2025-13-01", "2025-02-30", "yesterday", "20250601", "1969-12-31", "0001-01-01"} {
		_, err := ParseMASXDate(bad)
		require.ErrorIs(t, err, input.ErrInput, bad)
		require.ErrorContains(t, err, `date "`+bad+`": want YYYY-MM-DD, a calendar date from 1970 on`)
	}
}

func TestKeepFlashpoints(t *testing.T) {
	t.Parallel()
	w := func(id string) pipeline.Work { return pipeline.Work{Flashpoint: news.Flashpoint{ID: id}} }
	works := []pipeline.Work{w("a"), w("b"), w("c")}
	got, err := KeepFlashpoints(works, nil)
	require.NoError(t, err)
	require.Equal(t, works, got)
	got, err = KeepFlashpoints(works, []string{"c", "a"})
	require.NoError(t, err)
	require.Equal(t, []pipeline.Work{w("a"), w("c")}, got, "input order")
	require.Equal(t, []pipeline.Work{w("a"), w("b"), w("c")}, works, "the input is left alone")
	_, err = KeepFlashpoints(works, []string{"a", "zz"})
	require.ErrorIs(t, err, input.ErrInput)
	require.ErrorContains(t, err, `flashpoint ID "zz" is not in this input`)
}

// Ctrl-C while `masx run` waits cancels the run: the process's jobs stop
// at once, their in-flight articles stored cancelled, the run recorded
// cancelled; submitting the ID again resumes it to completion.
func TestWaitOrCancelCancelsTheRun(t *testing.T) {
	st := openSQLite(t)
	s := newSite(t, demo.SyntheticOptions{Articles: 12, Flashpoints: 2, Topics: 2, Latency: 300 * time.Millisecond})
	p := newPipeline(t, st)
	j := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: p})
	ctx := context.Background()
	require.NoError(t, j.Start(ctx))
	_, err := j.Submit(ctx, news.Run{ID: "w"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)

	wctx, interrupt := context.WithCancel(ctx)
	go func() {
		// Interrupt once some articles are stored, as a user would.
		for {
			n, _ := st.CountByStatus(ctx, "w")
			if n[news.StatusOK] > 0 {
				interrupt()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	r, err := j.WaitOrCancel(wctx, "w", 20*time.Millisecond)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, news.RunCancelled, r.State)
	stored, err := st.GetRun(ctx, "w")
	require.NoError(t, err)
	require.Equal(t, news.RunCancelled, stored.State)
	require.Contains(t, stored.Error, "interrupted: context canceled")
	require.ErrorIs(t, j.Start(ctx), ErrClosed, "the process's jobs are stopped")
	arts, err := st.Articles(ctx, store.ArticleQuery{RunID: "w", OmitText: true})
	require.NoError(t, err)
	for _, a := range arts {
		require.Contains(t, []news.Status{news.StatusOK, news.StatusCancelled}, a.Status, a.URL)
	}

	j2 := newJobs(t, Config{Workers: 2}, Deps{Store: st, Pipeline: p})
	require.NoError(t, j2.Start(ctx))
	sub, err := j2.Submit(ctx, news.Run{ID: "w"}, pipeline.Slice(s.works()), SubmitOptions{})
	require.NoError(t, err)
	require.Equal(t, 2, sub.Run.Attempt)
	r, err = j2.WaitOrCancel(ctx, "w", 20*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, r.State, r.Error)
	checkOnce(t, st, "w", s)
}
