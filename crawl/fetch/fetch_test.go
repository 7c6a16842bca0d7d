package fetch

import (
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/masx-ai/masx/crawl/netguard"
)

func TestFetchPage(t *testing.T) {
	t.Parallel()
	var gotUA, gotAE atomic.Value
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotAE.Store(r.Header.Get("Accept-Encoding"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Test", "yes")
		_, _ = io.WriteString(w, simplePage)
	})
	f := newFetcher(t, Config{UserAgent: "masx-test/1.0"}, s)
	p, err := f.Fetch(context.Background(), s.URL+"/news/1#comments")
	require.NoError(t, err)
	require.Equal(t, s.URL+"/news/1#comments", p.URL)
	require.Equal(t, s.URL+"/news/1", p.FinalURL)
	require.Equal(t, 200, p.Status)
	require.Equal(t, "text/html", p.ContentType)
	require.Equal(t, "utf-8", p.Charset)
	require.Equal(t, simplePage, string(p.HTML))
	require.Equal(t, "yes", p.Header.Get("X-Test"))
	require.Equal(t, 1, p.Attempts)
	require.Zero(t, p.Redirects)
	require.Positive(t, p.Duration)
	require.Equal(t, "masx-test/1.0", gotUA.Load())
	require.Equal(t, "gzip, deflate", gotAE.Load())
	require.Equal(t, 1, s.hitsOf("/robots.txt"), "robots.txt is asked for by default")

	st := f.Stats()
	require.Equal(t, Stats{Fetches: 1, Succeeded: 1, Attempts: 1, RobotsFetches: 1, Bytes: int64(len(simplePage))}, st)
}

func TestCompressedBodies(t *testing.T) {
	t.Parallel()
	encoders := map[string]func(io.Writer) io.WriteCloser{
		"gzip":        func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"deflate":     func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) },
		"raw-deflate": func(w io.Writer) io.WriteCloser { fw, _ := flate.NewWriter(w, 5); return fw },
	}
	for name, enc := range encoders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Content-Encoding", strings.TrimPrefix(name, "raw-"))
				zw := enc(w)
				_, _ = io.WriteString(zw, simplePage)
				_ = zw.Close()
			})
			f := newFetcher(t, Config{IgnoreRobots: true}, s)
			p, err := f.Fetch(context.Background(), s.URL)
			require.NoError(t, err)
			require.Equal(t, simplePage, string(p.HTML))
		})
	}
}

// bombHandler streams a gzip (or zlib) body of size zero bytes, generated
// as it is sent, and records how much it managed to write before the client
// hung up.
func bombHandler(encoding string, size int64, written *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Encoding", encoding)
		var zw io.WriteCloser
		if encoding == "gzip" {
			zw, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		} else {
			zw, _ = zlib.NewWriterLevel(w, zlib.BestSpeed)
		}
		zeros := make([]byte, 64<<10)
		for n := int64(0); n < size; n += int64(len(zeros)) {
			if _, err := zw.Write(zeros); err != nil {
				return // the client went away
			}
			written.Add(int64(len(zeros)))
			if r.Context().Err() != nil {
				return
			}
		}
		_ = zw.Close()
	}
}

func TestCompressionBombStopsAtTheCap(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"gzip", "deflate"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			var written atomic.Int64
			const bomb = 1 << 30 // 1 GiB of zeros, about 1 MB compressed
			s := newSite(t, bombHandler(enc, bomb, &written))
			f := newFetcher(t, Config{IgnoreRobots: true, MaxBytes: 2 << 20}, s)
			_, err := f.Fetch(context.Background(), s.URL)
			require.ErrorIs(t, err, ErrTooLarge)
			require.Contains(t, err.Error(), "more than 2097152 bytes after decompression")
			require.Equal(t, 1, s.total(), "a size refusal is not retried")
			f.Close()
			s.Close() // waits for the handler, which stops once the client is gone
			require.Less(t, written.Load(), int64(bomb), "the server was stopped long before the end of the bomb")
		})
	}
}

func TestSizeCap(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("<p>filler paragraph</p>\n", 1000) // 24 KB
	var bodyWritten atomic.Int64
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/chunked" {
			// No Content-Length: the cap must trip while reading.
			for i := 0; i < 100 && r.Context().Err() == nil; i++ {
				n, err := io.WriteString(w, big)
				bodyWritten.Add(int64(n))
				if err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		_, _ = io.WriteString(w, big)
	})
	f := newFetcher(t, Config{IgnoreRobots: true, MaxBytes: 10 << 10}, s)

	_, err := f.Fetch(context.Background(), s.URL+"/declared")
	require.ErrorIs(t, err, ErrTooLarge)
	require.Contains(t, err.Error(), "Content-Length 24000, limit 10240 bytes")

	_, err = f.Fetch(context.Background(), s.URL+"/chunked")
	require.ErrorIs(t, err, ErrTooLarge)

	f2 := newFetcher(t, Config{IgnoreRobots: true, MaxBytes: int64(len(big))}, s)
	p, err := f2.Fetch(context.Background(), s.URL+"/declared")
	require.NoError(t, err, "a body of exactly MaxBytes is accepted")
	require.Len(t, p.HTML, len(big))
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusFound)
		case r.URL.Path == "/loop/b":
			http.Redirect(w, r, "a", http.StatusMovedPermanently) // relative
		case strings.HasPrefix(r.URL.Path, "/chain/"):
			n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/chain/"))
			if n > 0 {
				http.Redirect(w, r, fmt.Sprintf("/chain/%d#frag", n-1), http.StatusTemporaryRedirect)
				return
			}
			htmlHandler(simplePage)(w, r)
		case r.URL.Path == "/no-location":
			w.WriteHeader(http.StatusFound)
		}
	})
	f := newFetcher(t, Config{IgnoreRobots: true}, s)

	p, err := f.Fetch(context.Background(), s.URL+"/chain/3")
	require.NoError(t, err)
	require.Equal(t, s.URL+"/chain/0", p.FinalURL)
	require.Equal(t, 3, p.Redirects)

	p, err = f.Fetch(context.Background(), s.URL+"/chain/10")
	require.NoError(t, err, "exactly MaxRedirects hops are followed")
	require.Equal(t, 10, p.Redirects)

	_, err = f.Fetch(context.Background(), s.URL+"/loop/a")
	require.ErrorIs(t, err, ErrTooManyRedirects)
	require.Equal(t, 11, s.hitsOf("/loop/a")+s.hitsOf("/loop/b"), "the first request plus ten hops, not retried")

	_, err = f.Fetch(context.Background(), s.URL+"/no-location")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 302, se.Code)

	none := newFetcher(t, Config{IgnoreRobots: true, MaxRedirects: -1}, s)
	_, err = none.Fetch(context.Background(), s.URL+"/chain/1")
	require.ErrorIs(t, err, ErrTooManyRedirects)
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write([]byte("%PDF-1.7"))
		case "/bad-type":
			w.Header().Set("Content-Type", "text/html; charset")
			_, _ = io.WriteString(w, simplePage)
		case "/rss":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			_, _ = io.WriteString(w, `<?xml version="1.0"?><rss><channel><title>t</title></channel></rss>`)
		case "/xhtml":
			w.Header().Set("Content-Type", "application/xhtml+xml")
			_, _ = io.WriteString(w, simplePage)
		case "/untyped-html":
			w.Header()["Content-Type"] = nil // stop net/http from sniffing for us
			_, _ = io.WriteString(w, simplePage)
		case "/untyped-png":
			w.Header()["Content-Type"] = nil
			_, _ = w.Write(png)
		}
	})
	f := newFetcher(t, Config{IgnoreRobots: true}, s)
	ctx := context.Background()

	_, err := f.Fetch(ctx, s.URL+"/pdf")
	require.ErrorIs(t, err, ErrContentType)
	require.Contains(t, err.Error(), "application/pdf")
	require.Equal(t, 1, s.hitsOf("/pdf"), "not retried")

	_, err = f.Fetch(ctx, s.URL+"/bad-type")
	require.ErrorIs(t, err, ErrContentType)

	_, err = f.Fetch(ctx, s.URL+"/untyped-png")
	require.ErrorIs(t, err, ErrContentType)
	require.Contains(t, err.Error(), "image/png")

	for path, want := range map[string]string{
		"/rss": "application/rss+xml", "/xhtml": "application/xhtml+xml", "/untyped-html": "text/html",
	} {
		p, err := f.Fetch(ctx, s.URL+path)
		require.NoError(t, err, path)
		require.Equal(t, want, p.ContentType, path)
	}
}

func TestCharsetsConvertToUTF8(t *testing.T) {
	t.Parallel()
	const (
		ru = "Министерство иностранных дел России заявило, что переговоры продолжатся на следующей неделе."
		ja = "東京電力は月曜日、福島第一原子力発電所の処理水の海洋放出を予定通り進めると発表した。"
		zh = "外交部发言人在周一的例行记者会上表示，中方愿同各方一道，推动政治解决危机，维护地区和平稳定。双方就共同关心的国际和地区问题深入交换了意见。"
	)
	enc := func(e encoding.Encoding, s string) []byte {
		b, err := e.NewEncoder().Bytes([]byte(s))
		require.NoError(t, err)
		return b
	}
	pages := map[string]struct {
		contentType string
		body        []byte
	}{
		"/cp1251-header": {"text/html; charset=windows-1251",
			enc(charmap.Windows1251, "<html><head><title>Новости</title></head><body><p>"+ru+"</p></body></html>")},
		"/sjis-meta": {"text/html",
			enc(japanese.ShiftJIS, `<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><title>ニュース</title></head><body><p>`+ja+`</p></body></html>`)},
		"/gbk-sniffed": {"text/html",
			enc(simplifiedchinese.GBK, "<html><head><title>新闻</title></head><body><p>"+zh+"</p><p>"+zh+"</p></body></html>")},
		"/gbk-meta": {"text/html",
			enc(simplifiedchinese.GBK, `<html><head><meta charset="gbk"><title>新闻</title></head><body><p>`+zh+`</p></body></html>`)},
	}
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		pg := pages[r.URL.Path]
		w.Header().Set("Content-Type", pg.contentType)
		_, _ = w.Write(pg.body)
	})
	f := newFetcher(t, Config{IgnoreRobots: true}, s)
	cases := []struct{ path, charset, text string }{
		{"/cp1251-header", "windows-1251", ru},
		{"/sjis-meta", "shift_jis", ja},
		{"/gbk-sniffed", "gb18030", zh},
		{"/gbk-meta", "gbk", zh},
	}
	for _, c := range cases {
		p, err := f.Fetch(context.Background(), s.URL+c.path)
		require.NoError(t, err, c.path)
		require.Equal(t, c.charset, p.Charset, c.path)
		require.Contains(t, string(p.HTML), c.text, c.path)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		header func() string
	}{
		{"429 with seconds", http.StatusTooManyRequests, func() string { return "1" }},
		// An HTTP date has whole seconds: two seconds ahead is at least
		// one second away once truncated.
		{"503 with an HTTP date", http.StatusServiceUnavailable, func() string {
			return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					w.Header().Set("Retry-After", c.header())
					w.WriteHeader(c.status)
					return
				}
				htmlHandler(simplePage)(w, r)
			})
			// BackoffMax far below the Retry-After: only the header can
			// explain a one-second wait.
			f := newFetcher(t, Config{IgnoreRobots: true, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond}, s)
			p, err := f.Fetch(context.Background(), s.URL+"/p")
			require.NoError(t, err)
			require.Equal(t, 2, p.Attempts)
			times := s.timesOf("/p")
			require.Len(t, times, 2)
			require.GreaterOrEqual(t, times[1].Sub(times[0]), 990*time.Millisecond,
				"the server saw the retry %v after the refusal", times[1].Sub(times[0]))
		})
	}
}

func TestRetryAfterPastTheDeadlineGivesUpAtOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	f := newFetcher(t, Config{IgnoreRobots: true, Timeout: 5 * time.Second}, s)
	start := time.Now()
	_, err := f.Fetch(context.Background(), s.URL)
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 503, se.Code)
	require.Equal(t, 120*time.Second, se.RetryAfter)
	require.Equal(t, 1, s.total())
	require.Less(t, time.Since(start), 4*time.Second, "no wait was started that the deadline would cut")
}

func TestServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flaky":
			switch n.Add(1) {
			case 1:
				w.WriteHeader(http.StatusInternalServerError)
			case 2:
				w.WriteHeader(http.StatusBadGateway)
			default:
				htmlHandler(simplePage)(w, r)
			}
		case "/down":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/missing":
			http.NotFound(w, r)
		case "/reset":
			// A connection cut before any response: a network error.
			if n.Add(1) == 1 {
				conn, _, err := w.(http.Hijacker).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
			htmlHandler(simplePage)(w, r)
		}
	})
	ctx := context.Background()

	f := newFetcher(t, Config{IgnoreRobots: true}, s)
	p, err := f.Fetch(ctx, s.URL+"/flaky")
	require.NoError(t, err)
	require.Equal(t, 3, p.Attempts)
	require.Equal(t, int64(2), f.Stats().Retries)

	_, err = f.Fetch(ctx, s.URL+"/missing")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 404, se.Code)
	require.Equal(t, 1, s.hitsOf("/missing"), "404 is not retried")

	two := newFetcher(t, Config{IgnoreRobots: true, Retries: 2}, s)
	_, err = two.Fetch(ctx, s.URL+"/down")
	require.ErrorAs(t, err, &se)
	require.Equal(t, 503, se.Code)
	require.Contains(t, err.Error(), "after 3 attempts")
	require.Equal(t, 3, s.hitsOf("/down"))

	none := newFetcher(t, Config{IgnoreRobots: true, Retries: -1}, s)
	_, err = none.Fetch(ctx, s.URL+"/down")
	require.ErrorAs(t, err, &se)
	require.Equal(t, 4, s.hitsOf("/down"), "Retries -1 means one attempt")

	// A fresh fetcher, so the cut connection is a new one: net/http itself
	// silently retries requests that fail on a reused idle connection.
	n.Store(0)
	p, err = newFetcher(t, Config{IgnoreRobots: true}, s).Fetch(ctx, s.URL+"/reset")
	require.NoError(t, err, "a cut connection is retried")
	require.Equal(t, 2, p.Attempts)
}

func TestHostConcurrencyIsNeverExceeded(t *testing.T) {
	t.Parallel()
	const limit = 2
	var inflight, peak atomic.Int32
	reached := make(chan struct{})
	var once sync.Once
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if n >= limit {
			once.Do(func() { close(reached) })
		}
		// The first request holds its slot until a second one is in flight,
		// proving requests do overlap; every request then lingers a little
		// so a broken limit would show as a higher peak.
		select {
		case <-reached:
		case <-r.Context().Done():
			return
		}
		time.Sleep(2 * time.Millisecond)
		htmlHandler(simplePage)(w, r)
	})
	f := newFetcher(t, Config{IgnoreRobots: true, HostConcurrency: limit}, s)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), fmt.Sprintf("%s/p/%d", s.URL, i))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(limit), peak.Load())
}

func TestHostsAreLimitedSeparately(t *testing.T) {
	t.Parallel()
	bIn := make(chan struct{})
	a := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		select { // A answers only once B's request is in flight too
		case <-bIn:
		case <-r.Context().Done():
			return
		}
		htmlHandler(simplePage)(w, r)
	})
	b := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		close(bIn)
		htmlHandler(simplePage)(w, r)
	})
	f := newFetcher(t, Config{IgnoreRobots: true, HostConcurrency: 1, Timeout: 5 * time.Second}, a, b)
	var wg sync.WaitGroup
	var errA error
	wg.Go(func() { _, errA = f.Fetch(context.Background(), a.URL) })
	_, errB := f.Fetch(context.Background(), b.URL)
	wg.Wait()
	require.NoError(t, errA)
	require.NoError(t, errB)
}

func TestHostDelayIsRespected(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	const delay = 150 * time.Millisecond
	f := newFetcher(t, Config{IgnoreRobots: true, HostConcurrency: 5, HostDelay: delay}, s)
	// Warm one connection first, so no measured request pays for a dial
	// that would shift its arrival.
	_, err := f.Fetch(context.Background(), s.URL+"/warm")
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.Fetch(context.Background(), s.URL+"/p") })
	}
	wg.Wait()
	require.NoError(t, errors.Join(errs...))
	times := s.timesOf("/p")
	require.Len(t, times, 5)
	// The server sees arrivals, which scheduling on a loaded machine can
	// delay by tens of milliseconds; a late arrival shortens the gap after
	// it. The span of all five shrinks only by the first one's lateness,
	// and no gap can collapse to the near zero of an unpaced burst.
	span := times[len(times)-1].Sub(times[0])
	require.GreaterOrEqual(t, span, 4*delay-40*time.Millisecond, "five requests spanned %v", span)
	for i := 1; i < len(times); i++ {
		require.GreaterOrEqual(t, times[i].Sub(times[i-1]), delay/3,
			"requests %d and %d started %v apart", i-1, i, times[i].Sub(times[i-1]))
	}
}

func TestDeadlineCoversTheWholeRequest(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/slow-headers" {
			<-r.Context().Done()
			return
		}
		// Trickle: one byte every 20 ms, forever, so no per-read timeout
		// would ever fire.
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			case <-r.Context().Done():
				return
			}
		}
	})
	f := newFetcher(t, Config{IgnoreRobots: true, Timeout: 300 * time.Millisecond}, s)
	for _, path := range []string{"/trickle", "/slow-headers"} {
		start := time.Now()
		_, err := f.Fetch(context.Background(), s.URL+path)
		require.ErrorIs(t, err, ErrTimeout, path)
		require.ErrorIs(t, err, context.DeadlineExceeded, path)
		require.Less(t, time.Since(start), 3*time.Second, path)
		require.Equal(t, 1, s.hitsOf(path), "a timed-out fetch is not retried: %s", path)
	}
}

func TestCancellation(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 4)
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hang":
			arrived <- struct{}{}
			<-r.Context().Done()
		case "/unavailable":
			arrived <- struct{}{}
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	f := newFetcher(t, Config{IgnoreRobots: true, HostConcurrency: 1, Timeout: time.Minute}, s)

	for _, path := range []string{"/hang", "/unavailable"} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := f.Fetch(ctx, s.URL+path)
			done <- err
		}()
		<-arrived // in the handler, or in the 30 s Retry-After wait after it
		cancel()
		err := <-done
		require.ErrorIs(t, err, context.Canceled, path)
	}

	// Waiting for the host's only slot, held by a hanging request.
	hold, release := context.WithCancel(context.Background())
	held := make(chan error, 1)
	go func() {
		_, err := f.Fetch(hold, s.URL+"/hang")
		held <- err
	}()
	<-arrived
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Fetch(ctx, s.URL+"/hang")
	require.ErrorIs(t, err, context.Canceled)
	release()
	require.ErrorIs(t, <-held, context.Canceled)
}

func TestClosedAndBadInput(t *testing.T) {
	t.Parallel()
	s := newSite(t, htmlHandler(simplePage))
	f := newFetcher(t, Config{IgnoreRobots: true}, s)
	for _, raw := range []string{"", "/relative/path", "news.example.com/a", "http://", "http://[::1", strings.Repeat("a", 9000)} {
		_, err := f.Fetch(context.Background(), raw)
		require.ErrorIs(t, err, ErrBadURL, "%.40q", raw)
	}
	_, err := f.Fetch(context.Background(), "ftp://example.com/file")
	require.ErrorIs(t, err, ErrBlocked)

	f.Close()
	_, err = f.Fetch(context.Background(), s.URL)
	require.ErrorIs(t, err, ErrClosed)
	require.Zero(t, s.total())
}

func TestConfig(t *testing.T) {
	t.Parallel()
	_, err := New(Config{MaxBytes: -1, HostConcurrency: -2, Timeout: -time.Second, BackoffBase: time.Second, BackoffMax: time.Millisecond})
	require.Error(t, err)
	for _, field := range []string{"Config.MaxBytes = -1", "Config.HostConcurrency = -2", "Config.Timeout = -1s", "Config.BackoffMax = 1ms"} {
		require.Contains(t, err.Error(), field)
	}

	f, err := New(Config{})
	require.NoError(t, err)
	defer f.Close()
	c := f.Config()
	require.Equal(t, DefaultTimeout, c.Timeout)
	require.Equal(t, int64(DefaultMaxBytes), c.MaxBytes)
	require.Equal(t, DefaultMaxRedirects, c.MaxRedirects)
	require.Equal(t, DefaultRetries, c.Retries)
	require.Equal(t, DefaultHostConcurrency, c.HostConcurrency)
	require.Equal(t, DefaultHostDelay, c.HostDelay)
	require.False(t, c.IgnoreRobots)
	require.NotNil(t, f.Guard())
	require.False(t, f.Guard().AllowPrivate)

	// Negative means none where none is useful.
	f2, err := New(Config{Timeout: 7 * time.Second, MaxBytes: 1000, Retries: -1, HostConcurrency: 4,
		HostDelay: -1, IgnoreRobots: true, UserAgent: "probe/2", AllowPrivate: true})
	require.NoError(t, err)
	defer f2.Close()
	require.Zero(t, f2.Config().Retries)
	require.Zero(t, f2.Config().HostDelay)
	require.True(t, f2.Guard().AllowPrivate)
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 17 ", 17 * time.Second, true},
		{"-5", 0, false},
		{"99999999", 24 * time.Hour, true},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // in the past: now
		{"Saturday, 01-Mar-25 12:01:00 GMT", time.Minute, true},
		{"soon", 0, false},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		require.Equal(t, c.ok, ok, c.in)
		require.Equal(t, c.want, got, c.in)
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	require.True(t, retryable(&StatusError{Code: 429}))
	require.True(t, retryable(&StatusError{Code: 503}))
	require.False(t, retryable(&StatusError{Code: 403}))
	require.True(t, retryable(io.ErrUnexpectedEOF))
	require.False(t, retryable(fmt.Errorf("x: %w", ErrTooLarge)))
	require.False(t, retryable(&netguard.BlockedError{Reason: netguard.ReasonLoopback}))
	require.False(t, retryable(context.Canceled))
	require.False(t, retryable(errors.Join(errors.New("decoding"), ErrContentEncoding)))
}

func TestCorruptEncodingIsNotRetried(t *testing.T) {
	t.Parallel()
	s := newSite(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/corrupt":
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = io.WriteString(w, "this is not gzip at all")
		case "/brotli":
			w.Header().Set("Content-Encoding", "br")
			_, _ = io.WriteString(w, "\x0b\x02\x80hello\x03")
		}
	})
	f := newFetcher(t, Config{IgnoreRobots: true}, s)
	for _, path := range []string{"/corrupt", "/brotli"} {
		_, err := f.Fetch(context.Background(), s.URL+path)
		require.ErrorIs(t, err, ErrContentEncoding, path)
		require.Equal(t, 1, s.hitsOf(path), path)
	}
}
