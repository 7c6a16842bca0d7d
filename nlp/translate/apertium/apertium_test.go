package apertium_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/nlp/translate"
	"github.com/masx-ai/masx/nlp/translate/apertium"
	"github.com/masx-ai/masx/nlp/translate/apertium/apytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const spanish = "El gobierno anunció un alto el fuego en Sudán. " +
	"Los observadores llegaron a la ciudad el lunes por la mañana.\n\n" +
	"El gato es negro y la casa es grande."

// TestApertiumSpanishToEnglish runs a real APY server with Debian's
// apertium-eng-spa pair.
func TestApertiumSpanishToEnglish(t *testing.T) {
	srv := apytest.Start(t)
	// A small chunk limit makes the three sentences three chunks in one
	// batch of concurrent requests, put back in order.
	tr, err := apertium.New(apertium.Config{URL: srv.URL, MaxChars: 70})
	require.NoError(t, err)
	require.Equal(t, "apertium", tr.Name())
	res, err := translate.One(context.Background(), tr, spanish, "es")
	require.NoError(t, err)
	require.NoError(t, res.Err)
	require.True(t, res.Translated)
	low := strings.ToLower(res.Text)
	for _, w := range []string{"government", "announced", "sudan", "observers", "monday", "cat", "black", "house"} {
		require.Contains(t, low, w, "English text %q", res.Text)
	}
	require.Less(t, strings.Index(low, "government"), strings.Index(low, "monday"), "chunks in order")
	require.Less(t, strings.Index(low, "monday"), strings.Index(low, "cat"), "chunks in order")
	require.Contains(t, res.Text, "\n\n", "the paragraph break survives")

	langs, err := tr.Languages(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"es"}, langs, "apertium-eng-spa offers spa→eng only into English")
}

func TestApertiumUnsupportedPair(t *testing.T) {
	srv := apytest.Start(t)
	tr, err := apertium.New(apertium.Config{URL: srv.URL})
	require.NoError(t, err)
	res, err := tr.Translate(context.Background(), []translate.Request{
		{Text: "Le cessez-le-feu tient depuis lundi.", Source: "fr"},
		{Text: "La tregua se mantiene desde el lunes.", Source: "es"},
	})
	require.NoError(t, err)
	require.False(t, res[0].Translated)
	require.EqualError(t, res[0].Err, "unsupported language pair fr→en")
	require.Equal(t, "Le cessez-le-feu tient depuis lundi.", res[0].Text)
	require.True(t, res[1].Translated, "the other language of the batch is still translated")
	require.Contains(t, strings.ToLower(res[1].Text), "monday")
}

// TestApertiumServerKilledMidRun kills the real server after its third
// translation request: every text still comes back, translated or with
// the reason, none lost.
func TestApertiumServerKilledMidRun(t *testing.T) {
	srv := apytest.Start(t)
	var requests atomic.Int32
	client := &http.Client{Timeout: 10 * time.Second, Transport: killAfter{next: http.DefaultTransport.(*http.Transport).Clone(), n: &requests, after: 3, kill: srv.Kill}}
	tr, err := apertium.New(apertium.Config{URL: srv.URL, BatchSize: 1, Retries: 2, RetryInitial: time.Millisecond, RetryMax: 5 * time.Millisecond, Client: client})
	require.NoError(t, err)
	reqs := make([]translate.Request, 8)
	for i := range reqs {
		reqs[i] = translate.Request{Text: "El gato es negro.", Source: "es"}
	}
	res, err := tr.Translate(context.Background(), reqs)
	require.NoError(t, err)
	require.Len(t, res, len(reqs))
	var ok, failed int
	for i, r := range res {
		if r.Translated {
			ok++
			require.Contains(t, strings.ToLower(r.Text), "cat", "text %d", i)
			continue
		}
		failed++
		require.Equal(t, reqs[i].Text, r.Text, "an untranslated text is kept")
		require.ErrorContains(t, r.Err, "apertium: translating from spa|eng: after 3 tries", "text %d", i)
	}
	require.Equal(t, 2, ok, "requests 2 and 3 (after /listPairs) were answered before the kill")
	require.Equal(t, 6, failed)
}

// killAfter kills the server once `after` requests have been answered: a
// real crash at a chosen moment.
type killAfter struct {
	next  http.RoundTripper
	n     *atomic.Int32
	after int32
	kill  func()
}

func (k killAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.next.RoundTrip(r)
	if k.n.Add(1) == k.after {
		k.kill()
	}
	return resp, err
}

func TestApertiumBadConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "127.0.0.1:2737", "http://"} {
		_, err := apertium.New(apertium.Config{URL: u})
		require.ErrorContains(t, err, "want an http(s) URL", "%q", u)
	}
	_, err := apertium.New(apertium.Config{URL: "http://127.0.0.1:1", BatchSize: -1})
	require.ErrorContains(t, err, "want ≥ 0")
}

func TestApertiumCancelled(t *testing.T) {
	srv := apytest.Start(t)
	tr, err := apertium.New(apertium.Config{URL: srv.URL})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = tr.Translate(ctx, []translate.Request{{Text: "Hola.", Source: "es"}})
	require.ErrorIs(t, err, context.Canceled)
}

// BenchmarkApertium measures a real APY through the backend against one
// plain form POST of the same text, side by side (the shared build
// machines are too loaded for absolute figures): one Spanish article of
// about 2,100 characters per operation, chunked at the default limit.
// Reported as characters per second.
func BenchmarkApertium(b *testing.B) {
	srv := apytest.Start(b)
	text := strings.Repeat(spanish+" ", 12)
	ctx := context.Background()
	chars := float64(len([]rune(text)))
	b.Run("direct", func(b *testing.B) {
		form := url.Values{"langpair": {"spa|eng"}, "q": {text}, "markUnknown": {"no"}}
		for b.Loop() {
			resp, err := http.PostForm(srv.URL+"/translate", form)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatal(resp.Status)
			}
		}
		b.ReportMetric(chars*float64(b.N)/b.Elapsed().Seconds(), "chars/s")
	})
	b.Run("backend", func(b *testing.B) {
		tr, err := apertium.New(apertium.Config{URL: srv.URL})
		require.NoError(b, err)
		for b.Loop() {
			res, err := translate.One(ctx, tr, text, "es")
			if err != nil || !res.Translated {
				b.Fatalf("translate: %v %v", err, res.Err)
			}
		}
		b.ReportMetric(chars*float64(b.N)/b.Elapsed().Seconds(), "chars/s")
	})
	http.DefaultClient.CloseIdleConnections()
}
