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
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	base     *url.URL
	client   *http.Client
	maxChars int
	batch    int
	ttl      time.Duration

	mu      sync.Mutex
	pairs   []Pair
	fetched time.Time
}

func newEngine(cfg Config) (*engine, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("apertium: URL %q: want an http(s) URL of an APY server, like http://127.0.0.1:2737", cfg.URL)
	}
	if cfg.MaxChars < 0 || cfg.BatchSize < 0 || cfg.Timeout < 0 || cfg.PairsTTL < 0 {
		return nil, fmt.Errorf("apertium: Config MaxChars %d, BatchSize %d, Timeout %s, PairsTTL %s: want ≥ 0", cfg.MaxChars, cfg.BatchSize, cfg.Timeout, cfg.PairsTTL)
	}
	e := &engine{base: u, client: cfg.Client, maxChars: cfg.MaxChars, batch: cfg.BatchSize, ttl: cfg.PairsTTL}
	if e.maxChars == 0 {
		e.maxChars = MaxCharsDefault
	}
	if e.batch == 0 {
		e.batch = BatchSizeDefault
	}
	if e.ttl == 0 {
		e.ttl = PairsTTLDefault
	}
	if e.client == nil {
		t := cfg.Timeout
		if t == 0 {
			t = TimeoutDefault
		}
		e.client = &http.Client{Timeout: t}
	}
	return e, nil
}

func (e *engine) Name() string { return Name }

// Pairs returns the server's pairs, fetched at most once per PairsTTL.
func (e *engine) Pairs(ctx context.Context) ([]Pair, error) {
	e.mu.Lock()
	if e.pairs != nil && time.Since(e.fetched) < e.ttl {
		p := e.pairs
		e.mu.Unlock()
		return p, nil
	}
	e.mu.Unlock()
	var body struct {
		ResponseData []Pair `json:"responseData"`
	}
	if err := e.call(ctx, http.MethodGet, "/listPairs", nil, &body); err != nil {
		return nil, fmt.Errorf("listing pairs: %w", err)
	}
	if body.ResponseData == nil {
		body.ResponseData = []Pair{}
	}
	e.mu.Lock()
	e.pairs, e.fetched = body.ResponseData, time.Now()
	e.mu.Unlock()
	return body.ResponseData, nil
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
	if err := e.call(ctx, http.MethodPost, "/translate", form, &body); err != nil {
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

// call makes one request and decodes the JSON answer into v. A 400 for a
// pair the server lacks matches translate.ErrUnsupported; other 4xx
// answers translate.ErrRejected (not retried); 5xx and transport errors
// are plain (retried).
func (e *engine) call(ctx context.Context, method, path string, form url.Values, v any) error {
	u := e.base.JoinPath(path)
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, u.Path, err)
	}
	if len(b) > maxResponseBytes {
		return fmt.Errorf("%w: %s %s: answer over %d bytes", translate.ErrRejected, method, u.Path, maxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		var ae apyError
		_ = json.Unmarshal(b, &ae)
		msg := ae.Explanation
		if msg == "" {
			msg = strings.TrimSpace(string(b[:min(len(b), 200)]))
		}
		err := fmt.Errorf("%s %s: %s: %s", method, u.Path, resp.Status, msg)
		switch {
		case resp.StatusCode == http.StatusBadRequest && strings.Contains(msg, "pair is not installed"):
			return fmt.Errorf("%w (%v)", translate.ErrUnsupported, err)
		case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusRequestTimeout:
			return fmt.Errorf("%w: %v", translate.ErrRejected, err)
		}
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s %s: answer is not APY's JSON: %v", translate.ErrRejected, method, u.Path, err)
	}
	return nil
}
