// Package storetest is the conformance suite every store driver runs, so
// SQLite and PostgreSQL keep one behaviour: round trips of every field,
// idempotent and status-safe upserts, cluster replacement, the run
// lifecycle and its job-mode tracking (flashpoint states, a run finished
// exactly once by concurrent workers), sentinels, concurrent writers,
// cancellation and a 10,000-article batch. A driver's test calls Run with a
// function that opens a fresh, empty store; benchmarks call
// BenchPutArticles.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
)

// Open returns a fresh, empty store for one test and arranges (t.Cleanup)
// for it to be closed; closing it twice must be harmless.
type Open func(t *testing.T) store.Store

// Option adjusts Run.
type Option func(*options)

type options struct{ skip map[string]bool }

// Skip leaves out the named subtests (a driver variant that only differs
// where those tests do not reach).
func Skip(names ...string) Option {
	return func(o *options) {
		for _, n := range names {
			o.skip[n] = true
		}
	}
}

// Run runs the conformance suite against the stores open returns. Subtests
// run in parallel, each with its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store, opts ...Option) {
	o := options{skip: map[string]bool{}}
	for _, f := range opts {
		f(&o)
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"RunLifecycle", testRunLifecycle},
		{"QueuedRun", testQueuedRun},
		{"ResumeRunAttempts", testResumeAttempts},
		{"FlashpointStatesKeepCompleted", testFlashpointStates},
		{"FinishFlashpoint", testFinishFlashpoint},
		{"FinishFlashpointWhileQueued", testFinishWhileQueued},
		{"SettleRun", testSettleRun},
		{"FinishFlashpointRejects", testFinishRejects},
		{"FinishFlashpointConcurrent", testFinishConcurrent},
		{"UnfinishedFlashpoints", testUnfinished},
		{"AdmitFlashpointsBound", testAdmitBound},
		{"AdmitFlashpointsConcurrentExact", testAdmitConcurrent},
		{"WithdrawRun", testWithdraw},
		{"LatestRunAndRuns", testLatestRun},
		{"Flashpoints", testFlashpoints},
		{"ArticleRoundTrip", testArticleRoundTrip},
		{"TextCleaning", testTextCleaning},
		{"PutArticlesIdempotent", testIdempotent},
		{"TerminalNotOverwritten", testTerminal},
		{"StatusesForRerun", testStatuses},
		{"CountByStatus", testCount},
		{"ArticleQuery", testArticleQuery},
		{"ReplaceClusters", testClusters},
		{"MissingReferences", testMissing},
		{"InvalidInput", testInvalid},
		{"ConcurrentWriters", testConcurrent},
		{"Cancellation", testCancel},
		{"LargeBatch", testLargeBatch},
		{"Closed", testClosed},
	} {
		if o.skip[tc.name] {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// Articles returns n deterministic articles of one flashpoint, each with a
// dim-dimensional embedding and four text fields of about textBytes bytes.
// Benchmarks and the large-batch test use it.
func Articles(runID, flashpointID string, n, dim, textBytes int) []news.Article {
	text := strings.Repeat("Lorem ipsum dolor sit amet, ünïcödé 東京 ", textBytes/45+1)[:textBytes]
	as := make([]news.Article, n)
	for i := range as {
		emb := make([]float32, dim)
		for j := range emb {
			emb[j] = float32(i*dim+j) / 7
		}
		as[i] = news.Article{
			Feed: news.Feed{
				ID: fmt.Sprintf("feed-%d", i), FlashpointID: flashpointID,
				URL:   fmt.Sprintf("https://news%d.example/%s/article/%d", i%17, flashpointID, i),
				Title: fmt.Sprintf("Headline %d", i), Domain: fmt.Sprintf("news%d.example", i%17),
				Language: "en", SeenDate: "20250101T000000Z",
			},
			RunID: runID, Status: news.StatusOK, ResolvedBy: "http", DetectedLang: "en", LangConfidence: 0.99,
			RawText: text, RawTextEN: text, ProcessedText: text, Summary: text[:textBytes/4],
			Embedding: emb, ClusterID: i % 7, Timings: map[string]float64{"fetch": float64(i), "summary": 1.5},
		}
	}
	return as
}

// BenchPutArticles writes a fresh batch of n articles (768-dimensional
// embeddings, 2 KB texts) per iteration, each into a new run, and reports
// articles/s of wall time and, where the OS tells, CPU ms per 1,000
// articles (user+system of the whole process, database work included for
// an embedded database; a server's is not). serverCPU, when not nil,
// reads a database server's CPU time, reported per 1,000 articles too.
func BenchPutArticles(b *testing.B, s store.Store, n int, serverCPU func() (time.Duration, bool)) {
	ctx := context.Background()
	b.ReportAllocs()
	var wall, cpu, srv time.Duration
	cpuOK, srvOK := true, serverCPU != nil
	for i := range b.N {
		// Each iteration's batch is built with the timer stopped and
		// dropped after, so memory stays at one batch whatever b.N is.
		b.StopTimer()
		run := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), i)
		require.NoError(b, s.CreateRun(ctx, news.Run{ID: run}))
		require.NoError(b, s.UpsertFlashpoints(ctx, run, []news.Flashpoint{{ID: "fp", Title: "bench"}}))
		batch := Articles(run, "fp", n, 768, 2048)
		c0, ok0 := cpuTime()
		var s0 time.Duration
		if srvOK {
			s0, srvOK = serverCPU()
		}
		start := time.Now()
		b.StartTimer()
		if err := s.PutArticles(ctx, batch); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		wall += time.Since(start)
		c1, ok1 := cpuTime()
		cpuOK = cpuOK && ok0 && ok1
		cpu += c1 - c0
		if srvOK {
			var s1 time.Duration
			s1, srvOK = serverCPU()
			srv += s1 - s0
		}
	}
	per1k := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(n*b.N) * 1000 }
	b.ReportMetric(float64(n*b.N)/wall.Seconds(), "articles/s")
	if cpuOK {
		b.ReportMetric(per1k(cpu), "cpu-ms/1k-articles")
	}
	if srvOK {
		b.ReportMetric(per1k(srv), "server-cpu-ms/1k-articles")
	}
}

type bundle struct {
	ctx context.Context
	s   store.Store
	run string
	fp  string
}

// setup creates a run with two flashpoints, "fp-1" and "fp-2".
func setup(t *testing.T, s store.Store) bundle {
	t.Helper()
	ctx := t.Context()
	run := "run-" + strings.ReplaceAll(t.Name(), "/", "-")
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: run, Input: "test.jsonl", Flashpoints: 2}))
	require.NoError(t, s.UpsertFlashpoints(ctx, run, []news.Flashpoint{{ID: "fp-1", Title: "one"}, {ID: "fp-2", Title: "two"}}))
	return bundle{ctx: ctx, s: s, run: run, fp: "fp-1"}
}

func (b bundle) article(url string, st news.Status) news.Article {
	return news.Article{Feed: news.Feed{FlashpointID: b.fp, URL: url, Title: "t " + url}, RunID: b.run, Status: st}
}

func testRunLifecycle(t *testing.T, s store.Store) {
	ctx := t.Context()
	before := time.Now().Add(-time.Millisecond)
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r1", Input: "feeds.jsonl", Flashpoints: 3, Articles: 40}))
	r, err := s.GetRun(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, r.State, "empty state; want running")
	require.Equal(t, "feeds.jsonl", r.Input)
	require.Equal(t, 3, r.Flashpoints)
	require.Equal(t, 40, r.Articles)
	require.True(t, r.StartedAt.After(before) && !r.StartedAt.After(time.Now()), "started %v; want now", r.StartedAt)
	require.True(t, r.FinishedAt.IsZero())
	require.Equal(t, time.UTC, r.StartedAt.Location())
	require.Equal(t, 1, r.Attempt, "a new run is on attempt 1")

	require.ErrorIs(t, s.CreateRun(ctx, news.Run{ID: "r1"}), store.ErrExists)

	start := time.Date(2025, 3, 1, 12, 30, 45, 123456789, time.FixedZone("X", 3600))
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r2", StartedAt: start}))
	r2, err := s.GetRun(ctx, "r2")
	require.NoError(t, err)
	require.True(t, r2.StartedAt.Equal(start.Truncate(time.Microsecond)), "started %v; want %v to the microsecond", r2.StartedAt, start)

	require.NoError(t, s.FinishRun(ctx, "r1", news.RunFailed, "boom: ✗"))
	r, err = s.GetRun(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, news.RunFailed, r.State)
	require.Equal(t, "boom: ✗", r.Error)
	require.False(t, r.FinishedAt.IsZero())
	require.False(t, r.FinishedAt.Before(r.StartedAt))

	r, err = s.ResumeRun(ctx, "r1", news.RunRunning)
	require.NoError(t, err)
	require.Equal(t, news.RunRunning, r.State)
	require.Equal(t, 2, r.Attempt)
	require.Empty(t, r.Error)
	require.True(t, r.FinishedAt.IsZero())
	got, err := s.GetRun(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, r, got)

	require.NoError(t, s.FinishRun(ctx, "r1", news.RunCompleted, ""))
	r, err = s.GetRun(ctx, "r1")
	require.NoError(t, err)
	require.Equal(t, news.RunCompleted, r.State)
	require.Empty(t, r.Error)

	require.ErrorIs(t, s.FinishRun(ctx, "r1", news.RunRunning, ""), store.ErrInvalid)
	require.ErrorIs(t, s.FinishRun(ctx, "r1", "exploded", ""), store.ErrInvalid)
	require.ErrorIs(t, s.FinishRun(ctx, "nope", news.RunCompleted, ""), store.ErrNotFound)
	_, err = s.ResumeRun(ctx, "nope", news.RunRunning)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.GetRun(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, `"nope"`, "error names the run")
}

func testLatestRun(t *testing.T, s store.Store) {
	ctx := t.Context()
	_, err := s.LatestRun(ctx)
	require.ErrorIs(t, err, store.ErrNotFound)
	runs, err := s.Runs(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, runs)

	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		id  string
		off time.Duration
	}{{"b", 2 * time.Hour}, {"a", time.Hour}, {"c", 3 * time.Hour}, {"tie", 3 * time.Hour}} {
		require.NoError(t, s.CreateRun(ctx, news.Run{ID: r.id, StartedAt: base.Add(r.off)}))
	}
	latest, err := s.LatestRun(ctx)
	require.NoError(t, err)
	require.Equal(t, "tie", latest.ID, "same start time: the one created last wins")
	runs, err = s.Runs(ctx, 0)
	require.NoError(t, err)
	var ids []string
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	require.Equal(t, []string{"tie", "c", "b", "a"}, ids)
	runs, err = s.Runs(ctx, 2)
	require.NoError(t, err)
	require.Len(t, runs, 2)
}

func testFlashpoints(t *testing.T, s store.Store) {
	ctx := t.Context()
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: "r"}))
	fps := []news.Flashpoint{
		{ID: "6f1c1f1e-0000-4000-8000-000000000001", Title: "Straße von Hormus — تنگه هرمز", Description: "naval 🚢",
			Entities: []string{"Iran", "ایران", `quote " and \ back`}, Domains: []string{"security", "energy"},
			Feeds: []news.Feed{{URL: "https://x.example/a", Title: "ignored here"}}},
		{ID: "fp-b", Title: "B"},
	}
	require.NoError(t, s.UpsertFlashpoints(ctx, "r", fps))
	got, err := s.Flashpoints(ctx, "r")
	require.NoError(t, err)
	want := slices.Clone(fps)
	want[0].Feeds = nil
	require.Equal(t, want, got)

	// Update one, add one: order stays first-insertion order.
	require.NoError(t, s.UpsertFlashpoints(ctx, "r", []news.Flashpoint{{ID: "fp-c", Title: "C"}, {ID: "fp-b", Title: "B2", Domains: []string{"d"}}}))
	got, err = s.Flashpoints(ctx, "r")
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, []string{fps[0].ID, "fp-b", "fp-c"}, []string{got[0].ID, got[1].ID, got[2].ID})
	require.Equal(t, news.Flashpoint{ID: "fp-b", Title: "B2", Domains: []string{"d"}}, got[1])

	// A repeated ID in one call: the last values win.
	require.NoError(t, s.UpsertFlashpoints(ctx, "r", []news.Flashpoint{{ID: "fp-d", Title: "first"}, {ID: "fp-d", Title: "last"}}))
	got, err = s.Flashpoints(ctx, "r")
	require.NoError(t, err)
	require.Equal(t, "last", got[3].Title)

	require.ErrorIs(t, s.UpsertFlashpoints(ctx, "missing", []news.Flashpoint{{ID: "x"}}), store.ErrNotFound)
	require.ErrorIs(t, s.UpsertFlashpoints(ctx, "missing", nil), store.ErrNotFound)
	none, err := s.Flashpoints(ctx, "missing")
	require.NoError(t, err)
	require.Empty(t, none)
}

// weird holds float32s whose bits must survive storage.
var weird = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32,
	float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xffa5a5a5),
	0.1, 1.0 / 3, 3.4e-39,
}

func fullArticle(run, fp string) news.Article {
	return news.Article{
		Feed: news.Feed{
			ID: "feed-42", FlashpointID: fp, URL: "https://例え.jp/ニュース?q=1&x=ü#frag", Title: "标题 — Überschrift 🌍",
			SeenDate: "20250301T101500Z", Domain: "例え.jp", Language: "Japanese", SourceCountry: "Japan",
			Description: "multi\nline\ttext with 'quotes' and \"double\" and \\", Image: "https://img.example/a.png",
		},
		RunID: run, Status: news.StatusOK, Error: "", ResolvedBy: "browser", FinalURL: "https://例え.jp/final",
		DetectedLang: "ja", LangConfidence: 0.987654321012345, RawText: "原文 " + strings.Repeat("テキスト", 300),
		RawTextEN: "English text", Translated: true, Translator: "apertium", TextUsed: news.TextTranslation,
		CompressedText: "compressed", ProcessedText: "processed",
		Summary: "A summary. مرحبا", Embedding: weird, ClusterID: -1,
		Timings: map[string]float64{"fetch": 12.5, "translate": 1e-7, "summarize": 123456.789, "ünï": 0},
	}
}

// requireSameArticle compares every field; embeddings bit for bit; times
// are checked by the caller.
func requireSameArticle(t *testing.T, want, got news.Article) {
	t.Helper()
	require.Equal(t, len(want.Embedding), len(got.Embedding), "embedding length")
	for i := range want.Embedding {
		require.Equal(t, math.Float32bits(want.Embedding[i]), math.Float32bits(got.Embedding[i]), "embedding[%d]: got %v; want %v", i, got.Embedding[i], want.Embedding[i])
	}
	want.Embedding, got.Embedding = nil, nil
	want.CreatedAt, want.UpdatedAt = got.CreatedAt, got.UpdatedAt
	require.Equal(t, want, got)
}

func testArticleRoundTrip(t *testing.T, s store.Store) {
	b := setup(t, s)
	a := fullArticle(b.run, b.fp)
	before := time.Now().Add(-time.Millisecond)
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{a, {Feed: news.Feed{FlashpointID: b.fp, URL: "https://bare.example/"}, RunID: b.run}}))
	after := time.Now().Add(time.Millisecond)
	got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, got, 2)
	requireSameArticle(t, a, got[0])
	for _, ts := range []time.Time{got[0].CreatedAt, got[0].UpdatedAt} {
		require.True(t, ts.After(before) && ts.Before(after), "time %v; want between %v and %v", ts, before, after)
		require.Equal(t, time.UTC, ts.Location())
	}

	// A bare article: defaults and nils come back as given.
	bare := got[1]
	require.Equal(t, news.StatusPending, bare.Status, "empty status; want pending")
	require.Nil(t, bare.Embedding)
	require.Nil(t, bare.Timings)
	require.False(t, bare.Translated)
	require.Empty(t, bare.Translator)
	require.Empty(t, bare.TranslationError)
	require.Empty(t, bare.TextUsed)

	// An untranslated article keeps its translator and the reason.
	un := b.article("https://untranslated.example/", news.StatusOK)
	un.DetectedLang, un.Translator, un.TextUsed = "fr", "apertium", news.TextOriginal
	un.TranslationError = "unsupported language pair fr→en"
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{un}))
	gotUn, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, URL: un.URL, OmitText: true})
	require.NoError(t, err)
	require.Len(t, gotUn, 1)
	require.False(t, gotUn[0].Translated)
	require.Equal(t, "apertium", gotUn[0].Translator)
	require.Equal(t, "unsupported language pair fr→en", gotUn[0].TranslationError, "the reason is no big text: OmitText keeps it")
	require.Equal(t, news.TextOriginal, gotUn[0].TextUsed)
	require.Equal(t, 0, bare.ClusterID)

	// Empty (non-nil) embedding and timings read back as nil.
	e := b.article("https://empty.example/", news.StatusOK)
	e.Embedding, e.Timings = []float32{}, map[string]float64{}
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{e}))
	got, err = s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, URL: e.URL})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Nil(t, got[0].Embedding)
	require.Nil(t, got[0].Timings)
}

func testTextCleaning(t *testing.T, s store.Store) {
	b := setup(t, s)
	a := b.article("https://dirty.example/", news.StatusOK)
	a.Title = "bad \xff\xfe bytes"
	a.RawText = "nul\x00inside"
	a.Timings = map[string]float64{"k\x00": 1}
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{a}))
	got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "bad \uFFFD bytes", got[0].Title, "invalid UTF-8 becomes U+FFFD")
	require.Equal(t, "nulinside", got[0].RawText, "NUL removed")
	require.Equal(t, map[string]float64{"k": 1}, got[0].Timings)

	require.NoError(t, s.UpsertFlashpoints(b.ctx, b.run, []news.Flashpoint{{ID: "fp-1", Title: "t\x00", Entities: []string{"\xc3"}}}))
	fps, err := s.Flashpoints(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, "t", fps[0].Title)
	require.Equal(t, []string{"\uFFFD"}, fps[0].Entities)
}

func testIdempotent(t *testing.T, s store.Store) {
	b := setup(t, s)
	batch := []news.Article{b.article("https://a.example/1", news.StatusPending), b.article("https://a.example/2", news.StatusPending)}
	require.NoError(t, s.PutArticles(b.ctx, batch))
	first, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, first, 2)

	batch[0].Status, batch[0].Summary, batch[0].Embedding = news.StatusOK, "now done", []float32{1, 2}
	require.NoError(t, s.PutArticles(b.ctx, batch))
	require.NoError(t, s.PutArticles(b.ctx, batch))
	got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, got, 2, "same (run, flashpoint, url) written three times; want one row each")
	require.Equal(t, news.StatusOK, got[0].Status)
	require.Equal(t, "now done", got[0].Summary)
	require.Equal(t, []float32{1, 2}, got[0].Embedding)
	require.True(t, got[0].CreatedAt.Equal(first[0].CreatedAt), "created_at kept on update")
	require.False(t, got[0].UpdatedAt.Before(first[0].UpdatedAt))

	// Same URL under another flashpoint or run is another row.
	other := batch[0]
	other.FlashpointID = "fp-2"
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{other}))
	n, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, map[news.Status]int{news.StatusOK: 2, news.StatusPending: 1}, n)

	// Repeated key inside one batch: one row, later entry wins.
	dup := []news.Article{b.article("https://d.example/", news.StatusFailed), b.article("https://d.example/", news.StatusOK)}
	dup[1].Summary = "second"
	require.NoError(t, s.PutArticles(b.ctx, dup))
	got, err = s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, URL: "https://d.example/"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "second", got[0].Summary)
}

func testTerminal(t *testing.T, s store.Store) {
	b := setup(t, s)
	done := b.article("https://t.example/1", news.StatusOK)
	done.Summary = "kept"
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{done}))
	for _, st := range []news.Status{news.StatusPending, news.StatusCancelled, ""} {
		again := b.article(done.URL, st)
		again.Summary = "lost"
		require.NoError(t, s.PutArticles(b.ctx, []news.Article{again}))
		got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, URL: done.URL})
		require.NoError(t, err)
		require.Equal(t, news.StatusOK, got[0].Status, "terminal ok overwritten by %q", st)
		require.Equal(t, "kept", got[0].Summary, "row changed by a %q write", st)
	}

	// Terminal over terminal and terminal over pending do apply.
	failed := b.article(done.URL, news.StatusFailed)
	failed.Error = "summary failed"
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{failed}))
	got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, URL: done.URL})
	require.NoError(t, err)
	require.Equal(t, news.StatusFailed, got[0].Status)
	require.Equal(t, "summary failed", got[0].Error)

	p := b.article("https://t.example/2", news.StatusPending)
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{p}))
	p.Status = news.StatusCancelled
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{p}))
	p.Status = news.StatusDroppedShort
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{p}))
	st, err := s.ArticleStatuses(b.ctx, b.run, b.fp)
	require.NoError(t, err)
	require.Equal(t, news.StatusDroppedShort, st[p.URL])

	// Within one batch the same rule holds, in order.
	ok, pend := b.article("https://t.example/3", news.StatusOK), b.article("https://t.example/3", news.StatusPending)
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{ok, pend}))
	ok4, pend4 := b.article("https://t.example/4", news.StatusOK), b.article("https://t.example/4", news.StatusPending)
	require.NoError(t, s.PutArticles(b.ctx, []news.Article{pend4, ok4}))
	st, err = s.ArticleStatuses(b.ctx, b.run, b.fp)
	require.NoError(t, err)
	require.Equal(t, news.StatusOK, st[ok.URL], "[ok, pending] in one batch")
	require.Equal(t, news.StatusOK, st[ok4.URL], "[pending, ok] in one batch")
}

func testStatuses(t *testing.T, s store.Store) {
	b := setup(t, s)
	in := map[string]news.Status{
		"https://s.example/ok": news.StatusOK, "https://s.example/p": news.StatusPending,
		"https://s.example/c": news.StatusCancelled, "https://s.example/f": news.StatusFetchFailed,
	}
	var batch []news.Article
	for u, st := range in {
		batch = append(batch, b.article(u, st))
	}
	other := b.article("https://s.example/other-fp", news.StatusOK)
	other.FlashpointID = "fp-2"
	require.NoError(t, s.PutArticles(b.ctx, append(batch, other)))
	got, err := s.ArticleStatuses(b.ctx, b.run, b.fp)
	require.NoError(t, err)
	require.Equal(t, in, got)
	var redo []string
	for u, st := range got {
		if !st.Terminal() {
			redo = append(redo, u)
		}
	}
	slices.Sort(redo)
	require.Equal(t, []string{"https://s.example/c", "https://s.example/p"}, redo, "a rerun redoes pending and cancelled")
	empty, err := s.ArticleStatuses(b.ctx, b.run, "fp-none")
	require.NoError(t, err)
	require.Empty(t, empty)
}

func testCount(t *testing.T, s store.Store) {
	b := setup(t, s)
	want := map[news.Status]int{news.StatusOK: 5, news.StatusDroppedShort: 2, news.StatusBlocked: 1, news.StatusPending: 3}
	var batch []news.Article
	for st, n := range want {
		for i := range n {
			a := b.article(fmt.Sprintf("https://c.example/%s/%d", st, i), st)
			if i%2 == 1 {
				a.FlashpointID = "fp-2"
			}
			batch = append(batch, a)
		}
	}
	require.NoError(t, s.PutArticles(b.ctx, batch))
	got, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, want, got)
	none, err := s.CountByStatus(b.ctx, "other-run")
	require.NoError(t, err)
	require.Empty(t, none)
}

func testArticleQuery(t *testing.T, s store.Store) {
	b := setup(t, s)
	var batch []news.Article
	for i := range 10 {
		a := b.article(fmt.Sprintf("https://q.example/%02d", 9-i), news.StatusOK) // insertion order ≠ URL order
		if i%3 == 0 {
			a.Status = news.StatusFailed
		}
		if i >= 8 {
			a.FlashpointID = "fp-2"
		}
		a.RawText, a.Summary = "raw", "sum"
		batch = append(batch, a)
	}
	require.NoError(t, s.PutArticles(b.ctx, batch))
	urls := func(as []news.Article) []string {
		var u []string
		for _, a := range as {
			u = append(u, a.URL)
		}
		return u
	}
	all, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run})
	require.NoError(t, err)
	require.Equal(t, urls(batch), urls(all), "insertion order")

	fp1, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, FlashpointID: b.fp})
	require.NoError(t, err)
	require.Len(t, fp1, 8)

	failed, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, Statuses: []news.Status{news.StatusFailed, news.StatusBlocked}})
	require.NoError(t, err)
	require.Equal(t, []string{"https://q.example/09", "https://q.example/06", "https://q.example/03", "https://q.example/00"}, urls(failed))

	page, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, Limit: 3, Offset: 2})
	require.NoError(t, err)
	require.Equal(t, urls(batch[2:5]), urls(page))
	tail, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, Offset: 8})
	require.NoError(t, err)
	require.Equal(t, urls(batch[8:]), urls(tail))

	lean, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, OmitText: true, Limit: 1})
	require.NoError(t, err)
	require.Empty(t, lean[0].RawText)
	require.Equal(t, "sum", lean[0].Summary)

	none, err := s.Articles(b.ctx, store.ArticleQuery{RunID: "no-such-run"})
	require.NoError(t, err)
	require.Empty(t, none)

	for _, q := range []store.ArticleQuery{
		{}, {RunID: b.run, Limit: -1}, {RunID: b.run, Offset: -2}, {RunID: b.run, Statuses: []news.Status{"bogus"}},
	} {
		_, err := s.Articles(b.ctx, q)
		require.ErrorIs(t, err, store.ErrInvalid, "query %+v", q)
	}
}

func testClusters(t *testing.T, s store.Store) {
	b := setup(t, s)
	cs := []news.Cluster{
		{ClusterID: 2, Summary: "second — ثانية", ArticleCount: 4, TopDomains: []string{"a.example", "b.example"},
			Languages: []string{"en", "ar"}, URLs: []string{"https://a.example/1", "https://b.example/2?x=\"y\""}, Images: []string{"https://i.example/1.jpg"}},
		{ClusterID: 0, Summary: "zeroth", ArticleCount: 2},
		{RunID: b.run, FlashpointID: b.fp, ClusterID: 1, Summary: "first", ArticleCount: 3, URLs: []string{"u"}},
	}
	require.NoError(t, s.ReplaceClusters(b.ctx, b.run, b.fp, cs))
	require.NoError(t, s.ReplaceClusters(b.ctx, b.run, "fp-2", []news.Cluster{{ClusterID: 0, Summary: "other fp"}}))
	before := time.Now().Add(-time.Minute)
	got, err := s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run, FlashpointID: b.fp})
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, id := range []int{0, 1, 2} {
		require.Equal(t, id, got[i].ClusterID, "ordered by cluster ID")
		require.Equal(t, b.run, got[i].RunID)
		require.Equal(t, b.fp, got[i].FlashpointID)
		require.True(t, got[i].CreatedAt.After(before))
	}
	want := cs[0]
	want.RunID, want.FlashpointID, want.CreatedAt = b.run, b.fp, got[2].CreatedAt
	require.Equal(t, want, got[2])
	require.Nil(t, got[0].TopDomains, "empty list reads back nil")

	require.NoError(t, s.ReplaceClusters(b.ctx, b.run, b.fp, []news.Cluster{{ClusterID: 7, Summary: "only", ArticleCount: 9}}))
	got, err = s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run, FlashpointID: b.fp})
	require.NoError(t, err)
	require.Len(t, got, 1, "replace drops the old set")
	require.Equal(t, 7, got[0].ClusterID)
	all, err := s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, all, 2, "the other flashpoint keeps its clusters")
	require.Equal(t, "fp-1", all[0].FlashpointID)
	require.Equal(t, "other fp", all[1].Summary)

	require.NoError(t, s.ReplaceClusters(b.ctx, b.run, b.fp, nil))
	got, err = s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run, FlashpointID: b.fp})
	require.NoError(t, err)
	require.Empty(t, got)

	require.ErrorIs(t, s.ReplaceClusters(b.ctx, b.run, b.fp, []news.Cluster{{ClusterID: 1}, {ClusterID: 1}}), store.ErrInvalid)
	require.ErrorIs(t, s.ReplaceClusters(b.ctx, b.run, b.fp, []news.Cluster{{RunID: "other", ClusterID: 1}}), store.ErrInvalid)
	require.ErrorIs(t, s.ReplaceClusters(b.ctx, b.run, b.fp, []news.Cluster{{FlashpointID: "fp-2", ClusterID: 1}}), store.ErrInvalid)
	require.ErrorIs(t, s.ReplaceClusters(b.ctx, b.run, b.fp, []news.Cluster{{ClusterID: 1, ArticleCount: -1}}), store.ErrInvalid)
	require.ErrorIs(t, s.ReplaceClusters(b.ctx, b.run, "fp-missing", []news.Cluster{{ClusterID: 1}}), store.ErrNotFound)
	_, err = s.Clusters(b.ctx, store.ClusterQuery{})
	require.ErrorIs(t, err, store.ErrInvalid)
	all, err = s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, all, 1, "failed replacements changed nothing")
}

func testMissing(t *testing.T, s store.Store) {
	b := setup(t, s)
	good := b.article("https://m.example/good", news.StatusOK)
	bad := good
	bad.URL, bad.FlashpointID = "https://m.example/bad", "fp-missing"
	err := s.PutArticles(b.ctx, []news.Article{good, bad})
	require.ErrorIs(t, err, store.ErrNotFound)
	require.ErrorContains(t, err, "fp-missing", "error names the missing flashpoint")
	bad.RunID, bad.FlashpointID = "run-missing", b.fp
	require.ErrorIs(t, s.PutArticles(b.ctx, []news.Article{good, bad}), store.ErrNotFound)
	n, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Empty(t, n, "a failed batch writes nothing")
}

// tooBig does not fit a 32-bit cluster ID column.
var tooBig int64 = math.MaxInt32 + 1

func testInvalid(t *testing.T, s store.Store) {
	b := setup(t, s)
	ok := b.article("https://i.example/", news.StatusOK)
	mut := func(f func(a *news.Article)) []news.Article {
		a := ok
		f(&a)
		return []news.Article{ok, a}
	}
	for name, batch := range map[string][]news.Article{
		"no URL":         mut(func(a *news.Article) { a.URL = "" }),
		"no run":         mut(func(a *news.Article) { a.RunID = "" }),
		"no flashpoint":  mut(func(a *news.Article) { a.FlashpointID = "" }),
		"unknown status": mut(func(a *news.Article) { a.Status = "done" }),
		"NaN confidence": mut(func(a *news.Article) { a.LangConfidence = math.NaN() }),
		"Inf timing":     mut(func(a *news.Article) { a.Timings = map[string]float64{"x": math.Inf(1)} }),
		"huge URL":       mut(func(a *news.Article) { a.URL = "https://x.example/" + strings.Repeat("a", 40<<10) }),
		"bad URL bytes":  mut(func(a *news.Article) { a.URL = "https://x.example/\xff" }),
		"cluster range":  mut(func(a *news.Article) { a.ClusterID = int(tooBig) }),
	} {
		err := s.PutArticles(b.ctx, batch)
		require.ErrorIs(t, err, store.ErrInvalid, name)
	}
	n, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Empty(t, n, "rejected batches write nothing")

	require.ErrorIs(t, s.CreateRun(b.ctx, news.Run{}), store.ErrInvalid)
	require.ErrorIs(t, s.CreateRun(b.ctx, news.Run{ID: "x", State: "weird"}), store.ErrInvalid)
	for _, st := range []news.RunState{news.RunCompleted, news.RunFailed, news.RunCancelled} {
		require.ErrorIs(t, s.CreateRun(b.ctx, news.Run{ID: "x", State: st}), store.ErrInvalid, "created %s", st)
	}
	require.ErrorIs(t, s.CreateRun(b.ctx, news.Run{ID: strings.Repeat("r", 300)}), store.ErrInvalid)
	require.ErrorIs(t, s.UpsertFlashpoints(b.ctx, b.run, []news.Flashpoint{{Title: "no id"}}), store.ErrInvalid)
	require.NoError(t, s.PutArticles(b.ctx, nil), "empty batch is a no-op")
}

func testConcurrent(t *testing.T, s store.Store) {
	b := setup(t, s)
	const writers, rounds, per = 8, 6, 20
	fps := make([]news.Flashpoint, writers)
	for w := range fps {
		fps[w] = news.Flashpoint{ID: fmt.Sprintf("cw-%d", w), Title: "w"}
	}
	require.NoError(t, s.UpsertFlashpoints(b.ctx, b.run, fps))
	var g errgroup.Group
	for w := range writers {
		g.Go(func() error {
			fp := fps[w].ID
			for r := range rounds {
				batch := Articles(b.run, fp, per, 16, 64)
				for i := range batch {
					batch[i].URL = fmt.Sprintf("https://cw.example/%d/%d/%d", w, r, i)
				}
				if err := s.PutArticles(b.ctx, batch); err != nil {
					return fmt.Errorf("writer %d round %d: %w", w, r, err)
				}
				if err := s.ReplaceClusters(b.ctx, b.run, fp, []news.Cluster{{ClusterID: r, ArticleCount: per}}); err != nil {
					return fmt.Errorf("writer %d round %d clusters: %w", w, r, err)
				}
				if err := s.UpsertFlashpoints(b.ctx, b.run, []news.Flashpoint{{ID: fp, Title: fmt.Sprint(r)}}); err != nil {
					return fmt.Errorf("writer %d round %d flashpoint: %w", w, r, err)
				}
				st, err := s.ArticleStatuses(b.ctx, b.run, fp)
				if err != nil {
					return fmt.Errorf("writer %d round %d statuses: %w", w, r, err)
				}
				if len(st) != (r+1)*per {
					return fmt.Errorf("writer %d round %d: read %d articles after writing %d", w, r, len(st), (r+1)*per)
				}
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	n, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, map[news.Status]int{news.StatusOK: writers * rounds * per}, n)
	cs, err := s.Clusters(b.ctx, store.ClusterQuery{RunID: b.run})
	require.NoError(t, err)
	require.Len(t, cs, writers, "one cluster set per flashpoint survives")
}

func testCancel(t *testing.T, s store.Store) {
	b := setup(t, s)
	cctx, cancel := context.WithCancel(b.ctx)
	cancel()
	a := b.article("https://x.example/cancelled", news.StatusOK)
	calls := map[string]error{
		"CreateRun":         s.CreateRun(cctx, news.Run{ID: "c"}),
		"FinishRun":         s.FinishRun(cctx, b.run, news.RunCompleted, ""),
		"UpsertFlashpoints": s.UpsertFlashpoints(cctx, b.run, []news.Flashpoint{{ID: "c"}}),
		"AdmitFlashpoints":  s.AdmitFlashpoints(cctx, b.run, []news.Flashpoint{{ID: "c"}}, 10),
		"WithdrawRun":       s.WithdrawRun(cctx, b.run),
		"PutArticles":       s.PutArticles(cctx, []news.Article{a}),
		"ReplaceClusters":   s.ReplaceClusters(cctx, b.run, b.fp, nil),
		"Ping":              s.Ping(cctx),
	}
	_, calls["GetRun"] = s.GetRun(cctx, b.run)
	_, calls["ResumeRun"] = s.ResumeRun(cctx, b.run, news.RunQueued)
	_, calls["FinishFlashpoint"] = s.FinishFlashpoint(cctx, b.run, b.fp, news.RunCompleted, "")
	_, calls["SettleRun"] = s.SettleRun(cctx, b.run)
	_, calls["FlashpointStates"] = s.FlashpointStates(cctx, b.run)
	_, calls["UnfinishedFlashpoints"] = s.UnfinishedFlashpoints(cctx)
	_, calls["LatestRun"] = s.LatestRun(cctx)
	_, calls["Runs"] = s.Runs(cctx, 0)
	_, calls["Flashpoints"] = s.Flashpoints(cctx, b.run)
	_, calls["ArticleStatuses"] = s.ArticleStatuses(cctx, b.run, b.fp)
	_, calls["Articles"] = s.Articles(cctx, store.ArticleQuery{RunID: b.run})
	_, calls["CountByStatus"] = s.CountByStatus(cctx, b.run)
	_, calls["Clusters"] = s.Clusters(cctx, store.ClusterQuery{RunID: b.run})
	for name, err := range calls {
		require.ErrorIs(t, err, context.Canceled, name)
	}
	_, err := s.GetRun(b.ctx, "c")
	require.ErrorIs(t, err, store.ErrNotFound, "cancelled CreateRun wrote nothing")

	deadline, stop := context.WithDeadline(b.ctx, time.Now().Add(-time.Second))
	defer stop()
	require.ErrorIs(t, s.PutArticles(deadline, []news.Article{a}), context.DeadlineExceeded)

	// Cancelled while writing: all or nothing, and the store stays usable.
	const n = 2000
	for round := range 3 {
		fp := fmt.Sprintf("cancel-%d", round)
		require.NoError(t, s.UpsertFlashpoints(b.ctx, b.run, []news.Flashpoint{{ID: fp}}))
		batch := Articles(b.run, fp, n, 64, 256)
		wctx, wcancel := context.WithCancel(b.ctx)
		started := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-started
			wcancel()
		}()
		close(started)
		err := s.PutArticles(wctx, batch)
		wg.Wait()
		st, serr := s.ArticleStatuses(b.ctx, b.run, fp)
		require.NoError(t, serr)
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
			require.Empty(t, st, "round %d: cancelled batch left %d rows; want none", round, len(st))
		} else {
			require.Len(t, st, n, "round %d: finished batch", round)
		}
		require.NoError(t, s.PutArticles(b.ctx, batch[:10]), "store usable after a cancelled write")
	}
}

func testLargeBatch(t *testing.T, s store.Store) {
	if testing.Short() {
		t.Skip("10,000-article batch skipped in -short mode")
	}
	b := setup(t, s)
	n, dim, text := 10_000, 768, 1024
	if raceEnabled {
		dim, text = 128, 128
	}
	batch := Articles(b.run, b.fp, n, dim, text)
	payload := dim*4 + 4*text + text/4 + 200 // bytes of embedding, text and short fields per article
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	require.NoError(t, s.PutArticles(b.ctx, batch))
	took := time.Since(start)
	runtime.ReadMemStats(&m1)
	perArticle := float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)
	t.Logf("PutArticles: %d articles (%d B payload each) in %v (%.0f articles/s), %.0f B allocated per article",
		n, payload, took.Round(time.Millisecond), float64(n)/took.Seconds(), perArticle)
	// Allocation per article must stay proportional to the article plus a
	// fixed per-row cost: a driver that re-encodes the whole batch per row,
	// or grows one buffer holding all of it, fails this.
	require.Less(t, perArticle, float64(4*payload+16<<10), "allocation per article")

	cnt, err := s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, map[news.Status]int{news.StatusOK: n}, cnt)
	got, err := s.Articles(b.ctx, store.ArticleQuery{RunID: b.run, OmitText: true, Offset: n - 1})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, batch[n-1].URL, got[0].URL)
	require.Equal(t, batch[n-1].Embedding, got[0].Embedding)

	// Rewriting stored keys updates in place.
	for i := range 1000 {
		batch[i].Status = news.StatusFailed
	}
	require.NoError(t, s.PutArticles(b.ctx, batch[:1000]))
	cnt, err = s.CountByStatus(b.ctx, b.run)
	require.NoError(t, err)
	require.Equal(t, map[news.Status]int{news.StatusOK: n - 1000, news.StatusFailed: 1000}, cnt)
}

func testClosed(t *testing.T, s store.Store) {
	ctx := t.Context()
	require.NoError(t, s.Ping(ctx))
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "second Close")
	require.ErrorIs(t, s.Ping(ctx), store.ErrClosed)
	require.ErrorIs(t, s.CreateRun(ctx, news.Run{ID: "x"}), store.ErrClosed)
	_, err := s.GetRun(ctx, "x")
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.Articles(ctx, store.ArticleQuery{RunID: "x"})
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.FinishFlashpoint(ctx, "x", "f", news.RunCompleted, "")
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.SettleRun(ctx, "x")
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.FlashpointStates(ctx, "x")
	require.ErrorIs(t, err, store.ErrClosed)
	_, err = s.UnfinishedFlashpoints(ctx)
	require.ErrorIs(t, err, store.ErrClosed)
	require.ErrorIs(t, s.AdmitFlashpoints(ctx, "x", []news.Flashpoint{{ID: "f"}}, 1), store.ErrClosed)
	require.ErrorIs(t, s.WithdrawRun(ctx, "x"), store.ErrClosed)
	if !errors.Is(s.PutArticles(ctx, []news.Article{{Feed: news.Feed{FlashpointID: "f", URL: "u"}, RunID: "x"}}), store.ErrClosed) {
		t.Fatal("PutArticles after Close: want ErrClosed")
	}
}

// FillUntilFull writes batches of articles (8 per batch, about 32 KiB of
// text each) to a new run until a write fails, so a test can fill a small
// disk. It returns how many articles were committed, the run's ID, the
// flashpoint's and the failure; it gives up (failing t) after 64 MiB.
func FillUntilFull(t *testing.T, s store.Store) (committed int, runID, flashpointID string, err error) {
	t.Helper()
	ctx := t.Context()
	runID, flashpointID = "fill", "fp"
	require.NoError(t, s.CreateRun(ctx, news.Run{ID: runID}))
	require.NoError(t, s.UpsertFlashpoints(ctx, runID, []news.Flashpoint{{ID: flashpointID}}))
	const per = 8
	for round := range 64 << 20 / (per * 32 << 10) {
		batch := Articles(runID, flashpointID, per, 16, 8<<10)
		for i := range batch {
			batch[i].URL = fmt.Sprintf("https://fill.example/%d/%d", round, i)
		}
		if err := s.PutArticles(ctx, batch); err != nil {
			return committed, runID, flashpointID, err
		}
		committed += per
	}
	t.Fatalf("wrote %d articles without filling the disk", committed)
	return
}
