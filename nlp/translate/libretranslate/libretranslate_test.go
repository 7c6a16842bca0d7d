package libretranslate_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/nlp/translate"
	"github.com/masx-ai/masx/nlp/translate/libretranslate"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// protocolDouble is a PROTOCOL TEST DOUBLE of a LibreTranslate server:
// no LibreTranslate server can be installed on the machines masx is built
// on, so this loopback server implements the documented request and
// response shapes (POST /translate with q as a string or an array, GET
// /languages, {"error": …} bodies) and the documented error cases (400
// for a bad request or an unsupported language, 403 for a bad API key,
// 429 when rate limited, 500 when translation failed). Its "translation"
// is a fixed Spanish→English word table, enough to see that each chunk
// was translated and put back in its place; it proves the protocol, not
// translation quality (the Apertium tests run a real server).
type protocolDouble struct {
	key string

	mu       sync.Mutex
	requests []map[string]any
	fail     []int // statuses to answer next, one per /translate request
}

var words = map[string]string{"el": "the", "gato": "cat", "es": "is", "negro": "black", "perro": "dog", "blanco": "white", "y": "and"}

func (d *protocolDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/languages":
		_, _ = w.Write([]byte(`[{"code":"en","name":"English","targets":["en","es","fr"]},` +
			`{"code":"es","name":"Spanish","targets":["en","es"]},` +
			`{"code":"fr","name":"French","targets":["es"]},` +
			`{"code":"zh-Hans","name":"Chinese","targets":["en"]}]`))
	case r.Method == http.MethodPost && r.URL.Path == "/translate":
		d.translate(w, r)
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"Not Found"}`))
	}
}

func (d *protocolDouble) translate(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"Invalid request: could not parse JSON"}`))
		return
	}
	d.mu.Lock()
	d.requests = append(d.requests, body)
	var status int
	if len(d.fail) > 0 {
		status, d.fail = d.fail[0], d.fail[1:]
	}
	d.mu.Unlock()
	errorOut := func(code int, msg string) {
		w.WriteHeader(code)
		b, _ := json.Marshal(map[string]string{"error": msg})
		_, _ = w.Write(b)
	}
	switch {
	case status != 0:
		errorOut(status, http.StatusText(status))
		return
	case d.key != "" && body["api_key"] != d.key:
		errorOut(http.StatusForbidden, "Invalid API key")
		return
	case body["q"] == nil:
		errorOut(http.StatusBadRequest, "Invalid request: missing q parameter")
		return
	case body["source"] != "es" || body["target"] != "en":
		errorOut(http.StatusBadRequest, body["source"].(string)+" is not supported")
		return
	case body["format"] != "text":
		errorOut(http.StatusBadRequest, "Invalid request: format")
		return
	}
	tr := func(s string) string {
		f := strings.Fields(s)
		for i, x := range f {
			core := strings.TrimRight(strings.ToLower(x), ".,")
			if en, ok := words[core]; ok {
				f[i] = en + x[len(core):]
			}
		}
		return strings.Join(f, " ")
	}
	var out any
	switch q := body["q"].(type) {
	case string:
		out = tr(q)
	case []any:
		arr := make([]string, len(q))
		for i, s := range q {
			arr[i] = tr(s.(string))
		}
		out = arr
	}
	b, _ := json.Marshal(map[string]any{"translatedText": out})
	_, _ = w.Write(b)
}

func start(t *testing.T, d *protocolDouble) string {
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestLibreTranslateBatchesAndReassembles(t *testing.T) {
	d := &protocolDouble{key: "secret"}
	tr, err := libretranslate.New(libretranslate.Config{URL: start(t, d), APIKey: "secret", MaxChars: 20, BatchSize: 2})
	require.NoError(t, err)
	res, err := tr.Translate(context.Background(), []translate.Request{
		{Text: "El gato es negro. El perro es blanco.\n\nEl gato y el perro.", Source: "es"},
		{Text: "Le chat est noir.", Source: "fr"},
		{Text: "猫是黑色的。", Source: "zh"},
	})
	require.NoError(t, err)
	require.True(t, res[0].Translated)
	require.Equal(t, "the cat is black. the dog is white.\n\nthe cat and the dog.", res[0].Text)
	require.False(t, res[1].Translated, "French has no →en target on this server")
	require.EqualError(t, res[1].Err, "unsupported language pair fr→en")
	// zh is listed (as zh-Hans) but the double translates only es: the
	// server's own 400 "is not supported" becomes the unsupported reason.
	require.ErrorIs(t, res[2].Err, translate.ErrUnsupported)

	d.mu.Lock()
	first := d.requests[0]
	d.mu.Unlock()
	require.Equal(t, []any{"El gato es negro.", "El perro es blanco."}, first["q"], "q is an array of chunks, BatchSize per request")
	require.Equal(t, "secret", first["api_key"])
	require.Equal(t, "text", first["format"])
	require.Equal(t, "en", first["target"])

	langs, err := tr.Languages(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{"es", "zh-Hans"}, langs)
}

func TestLibreTranslateErrors(t *testing.T) {
	fast := func(url, key string) translate.Translator {
		tr, err := libretranslate.New(libretranslate.Config{URL: url, APIKey: key, Retries: 2, RetryInitial: time.Millisecond, RetryMax: 2 * time.Millisecond})
		require.NoError(t, err)
		return tr
	}
	// A bad API key is rejected once, not retried.
	d := &protocolDouble{key: "secret"}
	res, err := translate.One(context.Background(), fast(start(t, d), "wrong"), "El gato.", "es")
	require.NoError(t, err)
	require.False(t, res.Translated)
	require.ErrorIs(t, res.Err, translate.ErrRejected)
	require.ErrorContains(t, res.Err, "Invalid API key")
	require.Len(t, d.requests, 1)

	// 500 and 429 are retried; success on the third try.
	d = &protocolDouble{fail: []int{500, 429}}
	res, err = translate.One(context.Background(), fast(start(t, d), ""), "El gato.", "es")
	require.NoError(t, err)
	require.True(t, res.Translated)
	require.Equal(t, "the cat.", res.Text)

	// A server that keeps failing: the reason names it, the text is kept.
	d = &protocolDouble{fail: []int{500, 500, 500}}
	res, err = translate.One(context.Background(), fast(start(t, d), ""), "El gato.", "es")
	require.NoError(t, err)
	require.False(t, res.Translated)
	require.Equal(t, "El gato.", res.Text)
	require.ErrorContains(t, res.Err, "after 3 tries")
	require.ErrorContains(t, res.Err, "500 Internal Server Error")

	// A server that is gone.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	res, err = translate.One(context.Background(), fast(url, ""), "El gato.", "es")
	require.NoError(t, err)
	require.False(t, res.Translated)
	require.ErrorContains(t, res.Err, "listing languages")

	_, err = libretranslate.New(libretranslate.Config{URL: "localhost:5000"})
	require.ErrorContains(t, err, "want an http(s) URL")
}
