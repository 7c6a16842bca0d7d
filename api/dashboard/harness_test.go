package dashboard

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/api"
	"github.com/masx-ai/masx/etl/jobs"
	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/store"
	"github.com/masx-ai/masx/store/sqlite"
)

// harness is the API with the dashboard over a real SQLite store and an
// insert-only Jobs (no workers: submitted runs stay queued, so a full
// queue is reproducible), served on loopback.
type harness struct {
	t    testing.TB
	st   *sqlite.Store
	jobs *jobs.Jobs
	srv  *api.Server
	dash *Dashboard
	url  string
	c    *http.Client
}

type harnessOptions struct {
	key      string
	queueMax int
	cfg      Config
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "masx.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	h := &harness{t: t, st: st}
	h.jobs, err = jobs.New(ctx, jobs.NewDriver(riversqlite.New(st.WriterDB()), jobs.DriverOptions{PollOnly: true}),
		jobs.Config{QueueMax: o.queueMax}, jobs.Deps{Store: st})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, h.jobs.Stop(context.Background())) })
	h.srv, err = api.New(api.Config{Addr: "127.0.0.1:0", APIKey: o.key}, api.Deps{Store: st, Jobs: h.jobs,
		UI: func(s *api.Server) (http.Handler, error) {
			d, err := New(o.cfg, Deps{Store: st, Server: s})
			h.dash = d
			return d, err
		}})
	require.NoError(t, err)
	hs := httptest.NewServer(h.srv.Handler())
	t.Cleanup(hs.Close)
	h.url = hs.URL
	// No redirects followed: the tests look at them.
	h.c = &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(h.c.CloseIdleConnections)
	return h
}

type answer struct {
	code   int
	header http.Header
	body   string
}

// do sends a request; hdr is alternating header names and values ("Host"
// sets the request's host).
func (h *harness) do(method, path string, body io.Reader, hdr ...string) answer {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, body)
	require.NoError(h.t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := h.c.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return answer{resp.StatusCode, resp.Header, string(raw)}
}

// form posts url-encoded fields.
func (h *harness) form(path string, fields url.Values, hdr ...string) answer {
	h.t.Helper()
	return h.do("POST", path, strings.NewReader(fields.Encode()), append([]string{"Content-Type", "application/x-www-form-urlencoded"}, hdr...)...)
}

var (
	csrfField  = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	tokenField = regexp.MustCompile(`name="token" value="([^"]+)"`)
)

// field returns the first submatch of re in body, failing without one.
func field(t testing.TB, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	require.NotNil(t, m, "no %s in %.2000s", re, body)
	return m[1]
}

// seed describes a stored run for tests.
type seed struct {
	runID      string
	fpID       string
	title      string // first article's title
	summary    string // first cluster's summary
	articles   int    // ok articles, spread over clusters
	clusters   int
	dim        int
	failed     int // articles per failing status
	finished   bool
	seenPrefix string
}

// seedRun stores a run with one flashpoint: ok articles with vectors in
// clusters (every tenth unclustered), clusters with summaries, and failed
// articles of three statuses with reasons.
func seedRun(t testing.TB, st store.Store, s seed) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, st.CreateRun(ctx, news.Run{ID: s.runID, Input: "test"}))
	require.NoError(t, st.UpsertFlashpoints(ctx, s.runID, []news.Flashpoint{{ID: s.fpID, Title: "Flashpoint " + s.fpID, Description: "what it is about"}}))
	arts, cs := seedArticles(s)
	for i := 0; i < len(arts); i += 500 {
		require.NoError(t, st.PutArticles(ctx, arts[i:min(i+500, len(arts))]))
	}
	require.NoError(t, st.ReplaceClusters(ctx, s.runID, s.fpID, cs))
	if s.finished {
		_, err := st.FinishFlashpoint(ctx, s.runID, s.fpID, news.RunCompleted, "")
		require.NoError(t, err)
	}
}

// seedArticles builds seedRun's articles and clusters: each cluster's
// vectors lie around their own centre, so a projection separates them.
func seedArticles(s seed) ([]news.Article, []news.Cluster) {
	r := rand.New(rand.NewPCG(1, 2))
	centres := make([][]float32, s.clusters)
	for c := range centres {
		centres[c] = make([]float32, s.dim)
		for j := range centres[c] {
			centres[c][j] = float32(r.NormFloat64())
		}
	}
	cs := make([]news.Cluster, s.clusters)
	for c := range cs {
		cs[c] = news.Cluster{RunID: s.runID, FlashpointID: s.fpID, ClusterID: c, Summary: fmt.Sprintf("Summary of story %d.", c),
			TopDomains: []string{fmt.Sprintf("site%d.example", c)}, Languages: []string{"en", "de"}}
	}
	if s.summary != "" && len(cs) > 0 {
		cs[0].Summary = s.summary
	}
	var arts []news.Article
	langs := []string{"en", "de", "fr", "ar"}
	for i := range s.articles {
		c := i % max(1, s.clusters)
		if i%10 == 9 || s.clusters == 0 {
			c = -1
		}
		v := make([]float32, s.dim)
		for j := range v {
			base := float32(0)
			if c >= 0 {
				base = centres[c][j]
			}
			v[j] = base + 0.1*float32(r.NormFloat64())
		}
		title := fmt.Sprintf("Article %d", i)
		if i == 0 && s.title != "" {
			title = s.title
		}
		prefix := orDefault(s.seenPrefix, "2025-06-1")
		a := news.Article{Feed: news.Feed{FlashpointID: s.fpID, URL: fmt.Sprintf("https://news%d.example/a/%d", i%7, i), Title: title,
			Domain: fmt.Sprintf("news%d.example", i%7), Language: langs[i%len(langs)], SeenDate: fmt.Sprintf("%s%dT08:00:00Z", prefix, i%3)},
			RunID: s.runID, Status: news.StatusOK, Summary: "summary " + title, Embedding: v, ClusterID: c,
			Translated: langs[i%len(langs)] != "en", DetectedLang: langs[i%len(langs)], ResolvedBy: "http"}
		arts = append(arts, a)
		if c >= 0 {
			cs[c].ArticleCount++
			cs[c].URLs = append(cs[c].URLs, a.URL)
		}
	}
	for k, st := range []news.Status{news.StatusDroppedShort, news.StatusFetchFailed, news.StatusBlocked} {
		for i := range s.failed {
			arts = append(arts, news.Article{Feed: news.Feed{FlashpointID: s.fpID, URL: fmt.Sprintf("https://bad%d.example/%d", k, i),
				Title: fmt.Sprintf("Lost %s %d", st, i), Domain: fmt.Sprintf("bad%d.example", k)},
				RunID: s.runID, Status: st, Error: fmt.Sprintf("reason for %s", st), ClusterID: -1})
		}
	}
	return arts, cs
}

func orDefault(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
