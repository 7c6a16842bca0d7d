package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/masx-ai/masx/news"
	"github.com/masx-ai/masx/nlp/vectorize"
)

func TestSyntheticOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		opts SyntheticOptions
		want string
	}{
		{SyntheticOptions{Articles: -1}, "SyntheticOptions.Articles = -1"},
		{SyntheticOptions{Flashpoints: -2}, "SyntheticOptions.Flashpoints = -2"},
		{SyntheticOptions{Topics: -3}, "SyntheticOptions.Topics = -3"},
		{SyntheticOptions{PageBytes: -4}, "SyntheticOptions.PageBytes = -4"},
		{SyntheticOptions{Latency: -time.Second}, "SyntheticOptions.Latency = -1s"},
		{SyntheticOptions{Articles: MaxSyntheticArticles + 1}, "want ≤ 10000000"},
		{SyntheticOptions{Articles: 5, Flashpoints: 6}, "Flashpoints = 6: want ≤ Articles (5)"},
		{SyntheticOptions{Articles: 10, Flashpoints: 3, Topics: 4}, "3 × 4 > 10"},
		{SyntheticOptions{PageBytes: MaxSyntheticPageBytes + 1}, "PageBytes = 4194305"},
	} {
		if _, err := Synthetic(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v; want an error containing %q", tc.opts, err, tc.want)
		}
	}
	s, err := Synthetic(SyntheticOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Options(); o.Articles != DefaultSyntheticArticles || o.Flashpoints != 1 || o.Topics != DefaultSyntheticTopics || o.PageBytes != DefaultSyntheticPageBytes {
		t.Errorf("defaults: %+v", o)
	}
}

// render returns synthetic page i as served.
func render(t testing.TB, s *SyntheticSite, path string) (int, []byte) {
	t.Helper()
	var w bufferWriter
	req, _ := http.NewRequest("GET", "http://synthetic.test"+path, nil)
	s.ServeHTTP(&w, req)
	return w.status(), w.buf.Bytes()
}

// bufferWriter is a minimal http.ResponseWriter that keeps the body.
type bufferWriter struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (w *bufferWriter) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *bufferWriter) WriteHeader(code int) { w.code = code }
func (w *bufferWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	return w.buf.Write(p)
}
func (w *bufferWriter) status() int { return w.code }

func TestSyntheticDeterministic(t *testing.T) {
	opts := SyntheticOptions{Articles: 500, Flashpoints: 3, Topics: 4, Seed: 42, PageBytes: 16 << 10}
	a, _ := Synthetic(opts)
	b, _ := Synthetic(opts)
	opts.Seed = 43
	other, _ := Synthetic(opts)
	for _, i := range []int{0, 1, 166, 167, 333, 499} {
		path := a.articlePath(i)
		ca, pa := render(t, a, path)
		_, pb := render(t, b, path)
		_, po := render(t, other, path)
		if ca != 200 || !bytes.Equal(pa, pb) {
			t.Errorf("article %d: status %d, equal %v; want identical pages from identical options", i, ca, bytes.Equal(pa, pb))
		}
		if bytes.Equal(pa, po) {
			t.Errorf("article %d is the same under another seed", i)
		}
		// Again, after other pages: nothing depends on request order.
		if _, again := render(t, a, path); !bytes.Equal(pa, again) {
			t.Errorf("article %d changed on a second request", i)
		}
	}
}

func TestSyntheticPages(t *testing.T) {
	s, _ := Synthetic(SyntheticOptions{Articles: 300, Flashpoints: 2, Topics: 3, Seed: 7, PageBytes: 20000})
	fps := s.Flashpoints("http://synthetic.test/")
	if len(fps) != 2 || len(fps[0].Feeds)+len(fps[1].Feeds) != 300 {
		t.Fatalf("got %d flashpoints; want 2 holding 300 feeds", len(fps))
	}
	labels := map[string]int{}
	for f, fp := range fps {
		themesSeen := map[string]bool{}
		for _, feed := range fp.Feeds {
			if feed.FlashpointID != fp.ID {
				t.Fatalf("feed %s in flashpoint %s says %s", feed.URL, fp.ID, feed.FlashpointID)
			}
			label, ok := s.Label(feed.URL)
			if !ok || !strings.HasPrefix(label, fmt.Sprintf("fp%d-", f)) {
				t.Fatalf("label of %s: %q, %v", feed.URL, label, ok)
			}
			labels[label]++
			themesSeen[label[strings.Index(label[4:], "-")+5:]] = true
			code, raw := render(t, s, strings.TrimPrefix(feed.URL, "http://synthetic.test"))
			if code != 200 {
				t.Fatalf("%s: status %d", feed.URL, code)
			}
			p := parsePage(t, raw)
			if p.h1 != feed.Title || !strings.HasPrefix(p.title, feed.Title+" | ") {
				t.Errorf("%s: h1 %q; want the feed title %q", feed.URL, p.h1, feed.Title)
			}
			if n := runes(p.body); n < 1500 || n > 8000 {
				t.Errorf("%s: %d characters of article text; want 1500–8000", feed.URL, n)
			}
			if len(raw) < 20000 || len(raw) > 20000+200 {
				t.Errorf("%s: page has %d bytes; want about PageBytes (20000)", feed.URL, len(raw))
			}
			if !p.hasConsent || !p.hasNav || !p.hasFooter || len(p.relatedHref) == 0 {
				t.Errorf("%s lacks boilerplate", feed.URL)
			}
		}
		if len(themesSeen) != 3 {
			t.Errorf("flashpoint %d uses %d themes; want 3 different ones", f, len(themesSeen))
		}
	}
	if len(labels) != 6 {
		t.Errorf("got %d labels; want 2 × 3", len(labels))
	}
	for l, n := range labels {
		if n < 49 || n > 51 {
			t.Errorf("topic %s has %d articles; want 50 ± 1", l, n)
		}
	}
	// Small PageBytes never cuts a page.
	small, _ := Synthetic(SyntheticOptions{Articles: 10, PageBytes: 100})
	_, raw := render(t, small, small.articlePath(3))
	if !bytes.HasSuffix(raw, []byte("</html>\n")) || runes(parsePage(t, raw).body) < 1500 {
		t.Error("a small PageBytes cut the page")
	}
}

func TestSyntheticRoutes(t *testing.T) {
	s, _ := Synthetic(SyntheticOptions{Articles: 100, Flashpoints: 2, Topics: 2})
	for path, want := range map[string]int{
		"/robots.txt":   200,
		"/":             200,
		"/news/0/0":     200,
		"/news/1/99":    200,
		"/news/0/99":    404, // article 99 is in flashpoint 1
		"/news/0/100":   404,
		"/news/0/-1":    404,
		"/news/0/007":   404,
		"/news/0/x":     404,
		"/img/5.png":    200,
		"/img/500.png":  404,
		"/img/5.jpg":    404,
		"/static/x.css": 404,
	} {
		if code, _ := render(t, s, path); code != want {
			t.Errorf("%s: got %d; want %d", path, code, want)
		}
	}
	if _, err := s.Feed("http://x", 100); err == nil {
		t.Error("Feed(100) of a 100-article site succeeded")
	}
	if f, err := s.Feed("http://x/", 99); err != nil || f.URL != "http://x/news/1/99" {
		t.Errorf("Feed(99): %v, %v", f.URL, err)
	}
	for _, u := range []string{"http://x/news/0/99", "http://x/other/1/99", "http://x/news/1", "http://x/news/1/100"} {
		if _, ok := s.Label(u); ok {
			t.Errorf("Label(%s) found a label", u)
		}
	}
}

func TestSyntheticLatencyOverHTTP(t *testing.T) {
	t.Parallel()
	const lat = 50 * time.Millisecond
	s, _ := Synthetic(SyntheticOptions{Articles: 20, Latency: lat})
	srv, err := Serve(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := testClient(t)
	start := time.Now()
	resp, body, err := get(t, c, s.ArticleURL(srv.URL, 7))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < lat {
		t.Errorf("answered after %s; want at least the latency %s", took, lat)
	}
	if resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
		t.Errorf("got %s with %d of %d bytes", resp.Status, len(body), resp.ContentLength)
	}
}

func TestSyntheticJSONLStreams(t *testing.T) {
	s, _ := Synthetic(SyntheticOptions{Articles: 1001, Flashpoints: 3, Topics: 5, Seed: 3})
	var b bytes.Buffer
	if err := s.WriteJSONL(&b, "http://synthetic.test"); err != nil {
		t.Fatal(err)
	}
	want := s.Flashpoints("http://synthetic.test")
	sc := bufio.NewScanner(&b)
	sc.Buffer(nil, 16<<20)
	k := 0
	for sc.Scan() {
		var fp news.Flashpoint
		if err := json.Unmarshal(sc.Bytes(), &fp); err != nil {
			t.Fatalf("line %d: %v", k, err)
		}
		if !equalJSON(t, fp, want[k]) {
			t.Errorf("line %d differs from Flashpoints()[%d]", k, k)
		}
		k++
	}
	if k != 3 {
		t.Errorf("got %d lines; want 3", k)
	}
	// The same bytes as the bundled writer would produce.
	var viaSlice bytes.Buffer
	WriteJSONL(&viaSlice, want)
	var again bytes.Buffer
	s.WriteJSONL(&again, "http://synthetic.test")
	if !bytes.Equal(again.Bytes(), viaSlice.Bytes()) {
		t.Error("streamed JSONL differs from WriteJSONL(Flashpoints())")
	}
	if err := s.WriteJSONL(failWriter{}, "http://x"); err == nil {
		t.Error("WriteJSONL to a failing writer returned nil")
	}
}

// TestSyntheticMemoryFlat checks that neither building a huge site nor
// serving many of its pages keeps memory per article.
func TestSyntheticMemoryFlat(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	s, err := Synthetic(SyntheticOptions{Articles: MaxSyntheticArticles, Flashpoints: 100, Topics: 8, PageBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if grown := int64(heap()) - int64(before); grown > 64<<10 {
		t.Errorf("a 10-million-article site costs %d bytes; want < 64 KiB", grown)
	}
	var w bufferWriter
	serve := func(from, n int) {
		for i := from; i < from+n; i++ {
			w.buf.Reset()
			req, _ := http.NewRequest("GET", "http://synthetic.test"+s.articlePath(i*7919%MaxSyntheticArticles), nil)
			s.ServeHTTP(&w, req)
			if w.buf.Len() < 4096 {
				t.Fatalf("page %d has %d bytes", i, w.buf.Len())
			}
		}
	}
	serve(0, 200)
	after200 := heap()
	serve(200, 2000)
	after2200 := heap()
	if grown := int64(after2200) - int64(after200); grown > 256<<10 {
		t.Errorf("serving 2,000 more pages grew the heap by %d bytes; want < 256 KiB", grown)
	}
	runtime.KeepAlive(s)
}

// TestSyntheticTopicsSeparate checks that the generated topics cluster:
// TF-IDF/LSA vectors (nlp/vectorize) and k-means with k = Topics.
func TestSyntheticTopicsSeparate(t *testing.T) {
	s, _ := Synthetic(SyntheticOptions{Articles: 120, Topics: 4, Seed: 11})
	var texts []string
	for i := 0; i < 120; i++ {
		h, tp := s.head(i)
		var b strings.Builder
		b.WriteString(h.title)
		s.paragraphs(i, &tp, func(p string) { b.WriteString("\n" + p) })
		texts = append(texts, b.String())
	}
	vz, _ := vectorize.NewTFIDF(vectorize.Options{})
	vecs, err := vz.Vectorize(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	assign := kmeans(vecs, 4)
	var arts []news.Article
	for i := range texts {
		f, _ := s.Feed("http://synthetic.test", i)
		arts = append(arts, news.Article{Feed: f, Status: news.StatusOK, ClusterID: assign[i]})
	}
	arts = append(arts, news.Article{Feed: news.Feed{URL: "http://x/failed"}, Status: news.StatusFetchFailed})
	sc, err := s.Score(arts)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(sc)
	if sc.Purity < 0.95 || sc.ARI < 0.9 {
		t.Errorf("%s; want purity ≥ 0.95, ARI ≥ 0.9", sc)
	}
	arts[0].URL = "http://x/nope"
	if _, err := s.Score(arts); !errors.Is(err, ErrUnknownURL) {
		t.Errorf("got %v; want ErrUnknownURL", err)
	}
}
