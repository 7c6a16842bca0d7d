package record_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"testing/quick"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/internal/record"
)

func TestEmbeddingBits(t *testing.T) {
	t.Parallel()
	roundTrip := func(bits []uint32) bool {
		v := make([]float32, len(bits))
		for i, b := range bits {
			v[i] = math.Float32frombits(b)
		}
		got, err := record.DecodeEmbedding(record.EncodeEmbedding(v))
		if err != nil || len(got) != len(v) {
			return false
		}
		for i := range v {
			if math.Float32bits(got[i]) != bits[i] {
				return false
			}
		}
		return true
	}
	require.NoError(t, quick.Check(roundTrip, nil))
	require.True(t, roundTrip([]uint32{0x7fc00001, 0x80000000, 0x00000001, 0x7f800000}), "NaN payload, -0, subnormal, +Inf")
	require.Equal(t, []byte{0, 0, 0x80, 0x3f}, record.EncodeEmbedding([]float32{1}), "little-endian IEEE 754")
	require.Nil(t, record.EncodeEmbedding(nil))
	v, err := record.DecodeEmbedding(nil)
	require.NoError(t, err)
	require.Nil(t, v)
	_, err = record.DecodeEmbedding([]byte{1, 2, 3})
	require.ErrorContains(t, err, "3 bytes")
}

func TestLists(t *testing.T) {
	t.Parallel()
	require.Equal(t, "[]", record.EncodeList(nil))
	require.Equal(t, `["a","\"b\""]`, record.EncodeList([]string{"a", `"b"`}))
	for _, in := range []string{"", "null", "[]"} {
		l, err := record.DecodeList([]byte(in))
		require.NoError(t, err)
		require.Nil(t, l, in)
	}
	_, err := record.DecodeList([]byte(`{"a":1}`))
	require.Error(t, err)
	m, err := record.EncodeTimings(map[string]float64{"b": 1e-7, "a": 123456.789})
	require.NoError(t, err)
	require.Equal(t, `{"a":123456.789,"b":1e-7}`, string(m), "sorted keys, shortest exact floats")
}

func TestClean(t *testing.T) {
	t.Parallel()
	s := "valid ünï 東京"
	require.Equal(t, s, record.Clean(s))
	require.Equal(t, "a\uFFFDb", record.Clean("a\xffb"))
	require.Equal(t, "ab", record.Clean("a\x00b"))
	l := []string{"ok", "x\x00"}
	got := record.CleanList(l)
	require.Equal(t, []string{"ok", "x"}, got)
	require.Equal(t, "x\x00", l[1], "input not modified")
	clean := []string{"a"}
	require.Equal(t, &clean[0], &record.CleanList(clean)[0], "clean list not copied")
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "abc", "\x00", "\xff\xfe", "a\x00\xffb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := record.Clean(s)
		if !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
			t.Fatalf("Clean(%q) = %q: not valid UTF-8 without NUL", s, c)
		}
		if record.Clean(c) != c {
			t.Fatalf("Clean not idempotent on %q", s)
		}
		if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 && c != s {
			t.Fatalf("Clean changed clean text %q", s)
		}
	})
}

// The SQL list of non-terminal statuses must agree with news.Status.Terminal,
// or the upsert guard and the rerun skip would disagree.
func TestNonTerminalMatchesNews(t *testing.T) {
	t.Parallel()
	for _, s := range news.Statuses() {
		require.Equal(t, !s.Terminal(), slices.Contains(record.NonTerminal, s), "status %q", s)
	}
	require.Equal(t, "('pending','cancelled','retry_later')", record.NonTerminalSQL())
}

func TestArticlesMerge(t *testing.T) {
	t.Parallel()
	a := func(url string, st news.Status, sum string) news.Article {
		return news.Article{Feed: news.Feed{FlashpointID: "f", URL: url}, RunID: "r", Status: st, Summary: sum}
	}
	got, err := record.Articles([]news.Article{
		a("u1", news.StatusPending, "1"), a("u2", "", "2"), a("u1", news.StatusOK, "3"),
		a("u1", news.StatusCancelled, "4"), a("u2", news.StatusFailed, "5"), a("u2", news.StatusOK, "6"),
	})
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, "u1", got[0].URL, "first place kept")
	require.Equal(t, "3", got[0].Summary, "ok not replaced by a later cancelled")
	require.Equal(t, "6", got[1].Summary, "terminal over terminal applies")

	_, err = record.Articles([]news.Article{a("u", "weird", "")})
	require.ErrorIs(t, err, store.ErrInvalid)
	require.ErrorContains(t, err, `"weird"`)
}

func TestArticleQuery(t *testing.T) {
	t.Parallel()
	q, args, err := record.ArticleQuery(record.Dollar, store.ArticleQuery{
		RunID: "r", FlashpointID: "f", URL: "u", Statuses: []news.Status{news.StatusOK, news.StatusFailed}, Limit: 5, Offset: 10, OmitText: true,
	})
	require.NoError(t, err)
	require.Contains(t, q, "WHERE run_id = $1 AND flashpoint_id = $2 AND url = $3 AND status IN ($4, $5) ORDER BY seq LIMIT $6 OFFSET $7")
	require.Contains(t, q, "'' AS raw_text,")
	require.Equal(t, []any{"r", "f", "u", "ok", "failed", 5, 10}, args)

	q, args, err = record.ArticleQuery(record.Question, store.ArticleQuery{RunID: "r", Offset: 3})
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(q, "WHERE run_id = ? ORDER BY seq LIMIT -1 OFFSET ?"), q)
	require.Equal(t, []any{"r", 3}, args)
	require.NotContains(t, q, "''")
}

func TestRunDefaults(t *testing.T) {
	t.Parallel()
	now := record.Now()
	r, err := record.Run(news.Run{ID: "x"}, now)
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, r.State)
	require.Equal(t, now, r.StartedAt)
	require.True(t, r.FinishedAt.IsZero())
	require.Equal(t, 1, r.Attempt)
	r, err = record.Run(news.Run{ID: "x", State: news.RunQueued, Attempt: 7, FinishedAt: now}, now)
	require.NoError(t, err)
	require.Equal(t, news.RunQueued, r.State)
	require.Equal(t, 1, r.Attempt, "a new run is on its first attempt")
	require.True(t, r.FinishedAt.IsZero(), "a new run is unfinished")
	for _, st := range []news.RunState{news.RunCompleted, news.RunFailed, news.RunCancelled, "weird"} {
		_, err = record.Run(news.Run{ID: "x", State: st}, now)
		require.ErrorIs(t, err, store.ErrInvalid, "created %s", st)
		require.ErrorContains(t, err, string(st), "error names the state")
	}
	_, err = record.Run(news.Run{ID: "x", Articles: -1}, now)
	require.ErrorIs(t, err, store.ErrInvalid)
}

func TestStateChecks(t *testing.T) {
	t.Parallel()
	require.NoError(t, record.ResumeState("r", news.RunRunning))
	require.NoError(t, record.ResumeState("r", news.RunQueued))
	for _, st := range []news.RunState{"", news.RunCompleted, news.RunFailed, news.RunCancelled, "x"} {
		require.ErrorIs(t, record.ResumeState("r", st), store.ErrInvalid, "resume %q", st)
		require.ErrorIs(t, record.FinishState("r", news.RunState("x"+st)), store.ErrInvalid)
	}
	require.ErrorIs(t, record.ResumeState("", news.RunRunning), store.ErrInvalid)
	for _, st := range []news.RunState{news.RunCompleted, news.RunFailed, news.RunCancelled} {
		require.NoError(t, record.FinishState("r", st))
		require.NoError(t, record.FlashpointFinishState("r", "f", st))
	}
	for _, st := range []news.RunState{"", news.RunRunning, news.RunQueued, "x"} {
		require.ErrorIs(t, record.FinishState("r", st), store.ErrInvalid)
		err := record.FlashpointFinishState("r", "f", st)
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorContains(t, err, `"f"`, "error names the flashpoint")
	}
	require.ErrorIs(t, record.FlashpointFinishState("r", "", news.RunCompleted), store.ErrInvalid)
	require.ErrorIs(t, record.FlashpointFinishState("", "f", news.RunCompleted), store.ErrInvalid)
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	st, msg := record.Outcome(3, 0, "", "", "")
	require.Equal(t, news.RunCompleted, st)
	require.Empty(t, msg)
	st, msg = record.Outcome(0, 0, "", "", "")
	require.Equal(t, news.RunCompleted, st, "no flashpoints: nothing failed")
	require.Empty(t, msg)
	st, msg = record.Outcome(5, 2, "fp-2", "fetch: boom", news.RunFailed)
	require.Equal(t, news.RunFailed, st)
	require.Equal(t, "2 of 5 flashpoint(s) did not complete; fp-2: fetch: boom", msg)
	_, msg = record.Outcome(1, 1, "fp", "", news.RunCancelled)
	require.Equal(t, "1 of 1 flashpoint(s) did not complete; fp: cancelled", msg, "no error: the state stands in")
}

func TestTimeText(t *testing.T) {
	t.Parallel()
	ts := record.Now()
	s := record.FormatTime(ts)
	require.Len(t, s, len(record.TimeLayout))
	back, err := record.Time(s)
	require.NoError(t, err)
	require.True(t, back.Equal(ts))
	_, err = record.Time(42)
	require.Error(t, err)
	z, err := record.Time(nil)
	require.NoError(t, err)
	require.True(t, z.IsZero())
}
