package input

import (
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// feedServer serves the RSS and Atom fixtures, a 404, an endless body and
// a handler that hangs until the client gives up.
func feedServer(t *testing.T) (*httptest.Server, *http.Client, chan struct{}) {
	t.Helper()
	rss, err := os.ReadFile(filepath.Join("testdata", "rss.xml"))
	require.NoError(t, err)
	atom, err := os.ReadFile(filepath.Join("testdata", "atom.xml"))
	require.NoError(t, err)
	hanging := make(chan struct{}, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/rss", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "masx-test" {
			http.Error(w, "want the configured User-Agent", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(rss)
	})
	mux.HandleFunc("/atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		w.Write(atom)
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<rss version="2.0"><channel><title>` + strings.Repeat("x", 1<<20) + `</title></channel></rss>`))
	})
	mux.HandleFunc("/bomb", func(w http.ResponseWriter, r *http.Request) {
		// 64 MiB of feed in ~64 KB of gzip: a compression bomb.
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		zw.Write([]byte(`<rss version="2.0"><channel><title>`))
		zeros := make([]byte, 1<<20)
		for range 64 {
			if _, err := zw.Write(zeros); err != nil {
				return
			}
		}
		zw.Close()
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		hanging <- struct{}{}
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		srv.Close()
	})
	return srv, client, hanging
}

func TestFromFeedHTTP(t *testing.T) {
	t.Parallel()
	srv, client, hanging := feedServer(t)
	opts := Options{HTTPClient: client, UserAgent: "masx-test"}

	res, err := FromFeed(t.Context(), srv.URL+"/rss", "Red Sea", opts)
	require.NoError(t, err)
	checkInvariants(t, res)
	require.Equal(t, srv.URL+"/rss", res.File)
	require.Len(t, res.Flashpoints, 1)
	fp := res.Flashpoints[0]
	require.Equal(t, "Red Sea", fp.Title, "the name given wins over the feed title")
	require.Equal(t, FlashpointID("Red Sea"), fp.ID)
	require.Len(t, fp.Feeds, 3)
	require.Equal(t, "https://news.example.org/red-sea/reroute", fp.Feeds[1].URL, "relative link resolved against the channel link")
	require.Equal(t, 1, res.NumDuplicates)
	require.Equal(t, 1, res.NumInvalid)

	res, err = FromFeed(t.Context(), srv.URL+"/atom", "", opts)
	require.NoError(t, err)
	require.Equal(t, "Sahel : le fil", res.Flashpoints[0].Title, "the feed's title by default")
	require.Len(t, res.Flashpoints[0].Feeds, 2)

	_, err = FromFeed(t.Context(), srv.URL+"/missing", "", opts)
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "fetching "+srv.URL+"/missing: bad input: HTTP 404 Not Found")

	_, err = FromFeed(t.Context(), srv.URL+"/big", "", Options{HTTPClient: client, MaxBytes: 4096})
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "larger than 4096 bytes")

	// A fetched feed has its own cap, far below the file cap, counted
	// after decompression.
	_, err = FromFeed(t.Context(), srv.URL+"/bomb", "", opts)
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "fetching "+srv.URL+"/bomb: bad input: the feed is larger than 16777216 bytes after decompression (Options.MaxFeedBytes)")
	_, err = FromFeed(t.Context(), srv.URL+"/big", "", Options{HTTPClient: client, MaxFeedBytes: 4096})
	require.ErrorContains(t, err, "larger than 4096 bytes after decompression")

	_, err = FromFeed(t.Context(), srv.URL+"/rss", "", Options{})
	require.ErrorIs(t, err, ErrRemoteDisabled)
	require.ErrorIs(t, err, ErrInput)

	_, err = FromFeed(t.Context(), "ftp://example.org/feed.xml", "", opts)
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "want an http(s) URL or a file path")

	// Cancelling while the body is being read ends the read with ctx's
	// error, not an input error.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := FromFeed(ctx, srv.URL+"/hang", "", opts)
		done <- err
	}()
	<-hanging
	cancel()
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, ErrInput)

	// A server that cannot be reached is the input's fault.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	_, err = FromFeed(t.Context(), deadURL+"/rss", "", opts)
	require.ErrorIs(t, err, ErrInput)
}

func TestFromFeedLocalFile(t *testing.T) {
	t.Parallel()
	res, err := FromFeed(t.Context(), filepath.Join("testdata", "atom.xml"), "Sahel", Options{})
	require.NoError(t, err)
	require.Equal(t, "Sahel", res.Flashpoints[0].Title)
	require.Equal(t, FormatFeed, res.Format)

	// A local feed whose name says nothing: the format is still a feed.
	path := filepath.Join(t.TempDir(), "feed.txt")
	data, err := os.ReadFile(filepath.Join("testdata", "rss.xml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	res, err = FromFeed(t.Context(), path, "", Options{})
	require.NoError(t, err)
	require.Equal(t, "World news: Red Sea", res.Flashpoints[0].Title)

	_, err = FromFeed(t.Context(), filepath.Join("testdata", "flashpoints.jsonl"), "", Options{})
	require.ErrorIs(t, err, ErrInput)
	require.ErrorContains(t, err, "parsing the feed") // gofeed takes { for a JSON Feed
}

func TestHTMLText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"plain text":                                   "plain text",
		"AT&amp;T &lt;wins&gt;":                        "AT&T <wins>",
		"<p>one</p><p>two</p>":                         "\none\n\ntwo\n",
		"a<script>var x = '<p>';</script>b":            "ab",
		"<style>p{}</style><b>bold</b> <i>it</i>":      "bold it",
		"<table><tr><td>a</td><td>b</td></tr></table>": "\n a  b \n",
		"unclosed <b":                                  "unclosed ",
	} {
		require.Equal(t, want, htmlText(in), in)
	}
}
