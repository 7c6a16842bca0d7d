package translate_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/translate"
)

func TestServerURLRefusesWhatIsNotHTTP(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "127.0.0.1:2737", "ftp://host/", "http://", "::bad"} {
		_, err := translate.ServerURL(raw, "apertium", "an APY server", "http://127.0.0.1:2737")
		require.Error(t, err, raw)
		require.Contains(t, err.Error(), fmt.Sprintf("%q", raw))
	}
	u, err := translate.ServerURL(" http://127.0.0.1:2737 ", "apertium", "an APY server", "x")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:2737", u.Host)
}

func TestListingCachesForTTLAndNotErrors(t *testing.T) {
	t.Parallel()
	calls := 0
	fetch := func(context.Context) ([]string, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("server down")
		}
		return []string{"es"}, nil
	}
	l := translate.Listing[[]string]{TTL: time.Hour}
	_, err := l.Get(t.Context(), fetch)
	require.ErrorContains(t, err, "server down")
	for range 3 {
		v, err := l.Get(t.Context(), fetch)
		require.NoError(t, err)
		require.Equal(t, []string{"es"}, v)
	}
	require.Equal(t, 2, calls, "a failure is not cached; a success is, for TTL")

	expired := translate.Listing[[]string]{TTL: time.Nanosecond}
	calls = 1
	_, _ = expired.Get(t.Context(), fetch)
	time.Sleep(time.Millisecond)
	_, _ = expired.Get(t.Context(), fetch)
	require.Equal(t, 3, calls, "past TTL the list is fetched again")
}

func TestServerCallSortsStatuses(t *testing.T) {
	t.Parallel()
	// A loopback server answering each path with its status: a protocol
	// test double for the status mapping only.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte(`{"v":"x"}`))
		case "/unsupported":
			http.Error(w, `{"msg":"pair missing"}`, http.StatusBadRequest)
		case "/bad":
			http.Error(w, `{"msg":"no"}`, http.StatusBadRequest)
		case "/busy":
			http.Error(w, `{"msg":"slow down"}`, http.StatusTooManyRequests)
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("x", 100)))
		case "/notjson":
			_, _ = w.Write([]byte("<html>"))
		}
	}))
	defer srv.Close()
	base, err := url.Parse(srv.URL)
	require.NoError(t, err)
	c := translate.ServerCall{
		Client: srv.Client(), Base: base, Server: "the test server's", MaxResponse: 64,
		Message: func(b []byte) string {
			return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(b)), `{"msg":"`), `"}`)
		},
		Unsupported: func(msg string) bool { return msg == "pair missing" },
	}
	var v struct{ V string }
	require.NoError(t, c.Do(t.Context(), http.MethodGet, "/ok", nil, "", &v))
	require.Equal(t, "x", v.V)
	err = c.Do(t.Context(), http.MethodGet, "/unsupported", nil, "", &v)
	require.ErrorIs(t, err, translate.ErrUnsupported)
	require.ErrorContains(t, err, "pair missing")
	require.ErrorIs(t, c.Do(t.Context(), http.MethodGet, "/bad", nil, "", &v), translate.ErrRejected)
	err = c.Do(t.Context(), http.MethodGet, "/busy", nil, "", &v)
	require.Error(t, err)
	require.NotErrorIs(t, err, translate.ErrRejected, "429 is retried")
	require.ErrorContains(t, c.Do(t.Context(), http.MethodGet, "/big", nil, "", &v), "answer over 64 bytes")
	require.ErrorContains(t, c.Do(t.Context(), http.MethodGet, "/notjson", nil, "", &v), "not the test server's JSON")
}
