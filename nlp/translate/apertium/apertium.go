// Package apertium translates through an Apertium APY server
// (apertium-apy, packaged by Debian with pairs such as apertium-eng-spa).
//
// APY answers GET or form-POST /translate?langpair=spa|eng&q=…; this
// backend always POSTs a form (a long q does not fit a URL) with
// markUnknown=no, so words the dictionaries lack come through as they are
// instead of starred. GET /listPairs says which pairs the server has;
// pairs use ISO 639-3 codes (spa, eng, hbs), which translate.ISO6393 maps
// from the ISO 639-1 codes masx detects. APY has no batch call, so a batch
// is that many requests at once.
//
// APY listens on every interface and has no option to bind one address:
// run it where only masx can reach it (a container network, a firewall,
// or a private network namespace as the tests do, apytest).
package apertium

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/masx-ai/masx/nlp/translate"
)

// Defaults.
const (
	// MaxCharsDefault is the chunk limit. Apertium is rule-based and has
	// no context window; chunks only bound one request's size and cost,
	// and let a batch spread a long article over concurrent requests.
	MaxCharsDefault = 2000
	// BatchSizeDefault is how many requests a batch makes at once.
	BatchSizeDefault = 4
	// TimeoutDefault bounds one HTTP request. APY translates about 14k
	// characters a second (docs/performance.md), so a chunk takes well
	// under a second; the rest is headroom for a loaded server.
	TimeoutDefault = 30 * time.Second
	// PairsTTLDefault is how long the server's pair list is trusted.
	PairsTTLDefault = 10 * time.Minute
	// maxResponseBytes caps an answer: a chunk's translation is a few
	// kilobytes; anything far larger is not APY.
	maxResponseBytes = 4 << 20
)

// Config configures an Apertium backend. Zero fields take the defaults.
type Config struct {
	// URL is the server's base URL (http://127.0.0.1:2737). Required.
	URL string
	// MaxChars, BatchSize and the retry fields tune the chunking and
	// retries (translate.ChunkConfig); defaults MaxCharsDefault,
	// BatchSizeDefault, translate.RetriesDefault,
	// translate.RetryInitialDefault and translate.RetryMaxDefault.
	MaxChars, BatchSize, Retries int
	RetryInitial, RetryMax       time.Duration
	// Timeout bounds one request. Default TimeoutDefault.
	Timeout time.Duration
	// PairsTTL is how long a fetched pair list is used. Default
	// PairsTTLDefault.
	PairsTTL time.Duration
	// Client makes the requests. Default: a client with Timeout.
	Client *http.Client
}

// Name is the backend's name in stored results.
const Name = "apertium"

// New returns the Apertium Translator.
func New(cfg Config) (*translate.Chunked, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	return translate.NewChunked(e, translate.ChunkConfig{
		MaxChars: e.maxChars, BatchSize: e.batch, Retries: cfg.Retries,
		RetryInitial: cfg.RetryInitial, RetryMax: cfg.RetryMax,
	})
}

// Pair is one translation direction the server offers, in its codes.
type Pair struct {
	Source string `json:"sourceLanguage"`
	Target string `json:"targetLanguage"`
}

// engine is the translate.Engine over one APY server.
type engine struct {
	call     translate.ServerCall
	maxChars int
	batch    int
	pairs    translate.Listing[[]Pair]
}

func newEngine(cfg Config) (*engine, error) {
	u, err := translate.ServerURL(cfg.URL, "apertium", "an APY server", "http://127.0.0.1:2737")
	if err != nil {
		return nil, err
	}
	if cfg.MaxChars < 0 || cfg.BatchSize < 0 || cfg.Timeout < 0 || cfg.PairsTTL < 0 {
		return nil, fmt.Errorf("apertium: Config MaxChars %d, BatchSize %d, Timeout %s, PairsTTL %s: want ≥ 0", cfg.MaxChars, cfg.BatchSize, cfg.Timeout, cfg.PairsTTL)
	}
	e := &engine{
		call: translate.ServerCall{
			Client: translate.HTTPClient(cfg.Client, cfg.Timeout, TimeoutDefault), Base: u,
			Server: "APY's", MaxResponse: maxResponseBytes, Message: apyMessage,
			Unsupported: func(msg string) bool { return strings.Contains(msg, "pair is not installed") },
		},
		maxChars: cmp.Or(cfg.MaxChars, MaxCharsDefault),
		batch:    cmp.Or(cfg.BatchSize, BatchSizeDefault),
	}
	e.pairs.TTL = cmp.Or(cfg.PairsTTL, PairsTTLDefault)
	return e, nil
}

func (e *engine) Name() string { return Name }

// Pairs returns the server's pairs, fetched at most once per PairsTTL.
func (e *engine) Pairs(ctx context.Context) ([]Pair, error) {
	return e.pairs.Get(ctx, func(ctx context.Context) ([]Pair, error) {
		var body struct {
			ResponseData []Pair `json:"responseData"`
		}
		if err := e.call.Do(ctx, http.MethodGet, "/listPairs", nil, "", &body); err != nil {
			return nil, fmt.Errorf("listing pairs: %w", err)
		}
		if body.ResponseData == nil {
			body.ResponseData = []Pair{}
		}
		return body.ResponseData, nil
	})
}

// Pair finds the server's pair from src into English: its source is
// src's ISO 639-3 code (or src itself, or hbs for Serbian, Croatian and
// Bosnian), its target eng, en or a variety of them (eng_US), plain eng
// preferred.
func (e *engine) Pair(ctx context.Context, src string) (string, error) {
	pairs, err := e.Pairs(ctx)
	if err != nil {
		return "", err
	}
	sources := []string{src}
	if c3, ok := translate.ISO6393(src); ok {
		sources = append(sources, c3)
	}
	if src == "sr" || src == "hr" || src == "bs" {
		sources = append(sources, "hbs")
	}
	best, rank := "", 0
	for _, p := range pairs {
		if !slices.Contains(sources, baseCode(p.Source)) {
			continue
		}
		r := 0
		switch {
		case p.Target == "eng" || p.Target == "en":
			r = 2
		case baseCode(p.Target) == "eng" || baseCode(p.Target) == "en":
			r = 1
		}
		if r > rank {
			best, rank = p.Source+"|"+p.Target, r
		}
	}
	if best == "" {
		return "", translate.Unsupported(src)
	}
	return best, nil
}

// Languages lists the ISO 639-1 codes (or the server's codes where none
// maps) the server translates into English.
func (e *engine) Languages(ctx context.Context) ([]string, error) {
	pairs, err := e.Pairs(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range pairs {
		if t := baseCode(p.Target); t != "eng" && t != "en" {
			continue
		}
		code := baseCode(p.Source)
		if c1, ok := translate.ISO6391(code); ok {
			code = c1
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out, nil
}

// baseCode drops a variety suffix: "eng_US" → "eng".
func baseCode(c string) string {
	if i := strings.IndexByte(c, '_'); i >= 0 {
		return c[:i]
	}
	return c
}

// Batch translates texts with the pair code ("spa|eng"), one request per
// text, all at once.
func (e *engine) Batch(ctx context.Context, code string, texts []string) ([]string, error) {
	out := make([]string, len(texts))
	errs := make([]error, len(texts))
	var wg sync.WaitGroup
	for i, t := range texts {
		wg.Go(func() { out[i], errs[i] = e.translate(ctx, code, t) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

func (e *engine) translate(ctx context.Context, code, text string) (string, error) {
	form := url.Values{"langpair": {code}, "q": {text}, "markUnknown": {"no"}}
	var body struct {
		ResponseData struct {
			TranslatedText *string `json:"translatedText"`
		} `json:"responseData"`
	}
	if err := e.call.Do(ctx, http.MethodPost, "/translate", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded", &body); err != nil {
		return "", err
	}
	if body.ResponseData.TranslatedText == nil {
		return "", fmt.Errorf("%w: answer without responseData.translatedText", translate.ErrRejected)
	}
	return *body.ResponseData.TranslatedText, nil
}

// apyError is APY's error body.
type apyError struct {
	Status      string `json:"status"`
	Code        int    `json:"code"`
	Message     string `json:"message"`
	Explanation string `json:"explanation"`
}

// apyMessage is the explanation in APY's error body.
func apyMessage(b []byte) string {
	var ae apyError
	_ = json.Unmarshal(b, &ae)
	return ae.Explanation
}
