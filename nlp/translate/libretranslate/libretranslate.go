// Package libretranslate translates through a LibreTranslate server
// (https://libretranslate.com's API, self-hosted or not).
//
// POST /translate takes JSON {q, source, target, format, api_key}; q is an
// array for a batch, and the answer's translatedText is then an array in
// the same order. GET /languages lists each source language with the
// targets it translates into. Errors come back as {"error": "…"} with a
// 4xx or 5xx status: 400 for a bad request or an unsupported language,
// 403 for a bad or missing API key, 429 for too many requests, 500 when
// the model failed.
package libretranslate

import (
	"bytes"
	"context"
	"encoding/json"
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
	// MaxCharsDefault is the chunk limit. LibreTranslate's models
	// (Argos/OpenNMT) translate sentence by sentence, so chunk size only
	// bounds the request; 500 × BatchSizeDefault stays under the 5,000
	// characters a request that public instances allow (char_limit).
	MaxCharsDefault = 500
	// BatchSizeDefault is how many chunks go in one request's q array.
	BatchSizeDefault = 8
	// TimeoutDefault bounds one request; CPU-only servers translate a
	// few hundred characters a second, so a full batch may take seconds.
	TimeoutDefault = 60 * time.Second
	// LanguagesTTLDefault is how long the server's language list is
	// trusted.
	LanguagesTTLDefault = 10 * time.Minute
	maxResponseBytes    = 8 << 20
)

// Name is the backend's name in stored results.
const Name = "libretranslate"

// Config configures a LibreTranslate backend. Zero fields take the
// defaults.
type Config struct {
	// URL is the server's base URL (http://127.0.0.1:5000). Required.
	URL string
	// APIKey is sent as api_key when set (servers started with
	// --api-keys require one).
	APIKey string
	// MaxChars, BatchSize and the retry fields tune the chunking and
	// retries (translate.ChunkConfig); defaults MaxCharsDefault,
	// BatchSizeDefault and translate's retry defaults.
	MaxChars, BatchSize, Retries int
	RetryInitial, RetryMax       time.Duration
	// Timeout bounds one request. Default TimeoutDefault.
	Timeout time.Duration
	// LanguagesTTL is how long a fetched language list is used. Default
	// LanguagesTTLDefault.
	LanguagesTTL time.Duration
	// Client makes the requests. Default: a client with Timeout.
	Client *http.Client
}

// New returns the LibreTranslate Translator.
func New(cfg Config) (*translate.Chunked, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("libretranslate: URL %q: want an http(s) URL of a LibreTranslate server, like http://127.0.0.1:5000", cfg.URL)
	}
	if cfg.MaxChars < 0 || cfg.BatchSize < 0 || cfg.Timeout < 0 || cfg.LanguagesTTL < 0 {
		return nil, fmt.Errorf("libretranslate: Config MaxChars %d, BatchSize %d, Timeout %s, LanguagesTTL %s: want ≥ 0", cfg.MaxChars, cfg.BatchSize, cfg.Timeout, cfg.LanguagesTTL)
	}
	e := &engine{base: u, key: cfg.APIKey, client: cfg.Client, ttl: cfg.LanguagesTTL}
	if e.ttl == 0 {
		e.ttl = LanguagesTTLDefault
	}
	if e.client == nil {
		t := cfg.Timeout
		if t == 0 {
			t = TimeoutDefault
		}
		e.client = &http.Client{Timeout: t}
	}
	mc, bs := cfg.MaxChars, cfg.BatchSize
	if mc == 0 {
		mc = MaxCharsDefault
	}
	if bs == 0 {
		bs = BatchSizeDefault
	}
	return translate.NewChunked(e, translate.ChunkConfig{MaxChars: mc, BatchSize: bs, Retries: cfg.Retries,
		RetryInitial: cfg.RetryInitial, RetryMax: cfg.RetryMax})
}

// Language is one entry of GET /languages.
type Language struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets,omitempty"` // absent on old servers: every pair through English
}

type engine struct {
	base   *url.URL
	key    string
	client *http.Client
	ttl    time.Duration

	mu      sync.Mutex
	langs   []Language
	fetched time.Time
}

func (e *engine) Name() string { return Name }

// languages returns GET /languages, fetched at most once per TTL.
func (e *engine) languages(ctx context.Context) ([]Language, error) {
	e.mu.Lock()
	if e.langs != nil && time.Since(e.fetched) < e.ttl {
		l := e.langs
		e.mu.Unlock()
		return l, nil
	}
	e.mu.Unlock()
	var ls []Language
	if err := e.call(ctx, http.MethodGet, "/languages", nil, &ls); err != nil {
		return nil, fmt.Errorf("listing languages: %w", err)
	}
	if ls == nil {
		ls = []Language{}
	}
	e.mu.Lock()
	e.langs, e.fetched = ls, time.Now()
	e.mu.Unlock()
	return ls, nil
}

// candidates are the codes a server may use for src: itself, and for
// Chinese the script-tagged codes newer servers list.
func candidates(src string) []string {
	c := []string{strings.ToLower(src)}
	if strings.EqualFold(src, "zh") {
		c = append(c, "zh-hans")
	}
	return c
}

// Pair returns the server's code for src when it translates src into
// English.
func (e *engine) Pair(ctx context.Context, src string) (string, error) {
	ls, err := e.languages(ctx)
	if err != nil {
		return "", err
	}
	for _, want := range candidates(src) {
		for _, l := range ls {
			if strings.ToLower(l.Code) != want {
				continue
			}
			if l.Targets != nil && !slices.ContainsFunc(l.Targets, func(t string) bool { return strings.EqualFold(t, translate.English) }) {
				return "", translate.Unsupported(src)
			}
			return l.Code, nil
		}
	}
	return "", translate.Unsupported(src)
}

// Languages lists the codes the server translates into English.
func (e *engine) Languages(ctx context.Context) ([]string, error) {
	ls, err := e.languages(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, l := range ls {
		if strings.EqualFold(l.Code, translate.English) {
			continue
		}
		if l.Targets == nil || slices.ContainsFunc(l.Targets, func(t string) bool { return strings.EqualFold(t, translate.English) }) {
			out = append(out, l.Code)
		}
	}
	slices.Sort(out)
	return out, nil
}

// request is POST /translate's body.
type request struct {
	Q      []string `json:"q"`
	Source string   `json:"source"`
	Target string   `json:"target"`
	Format string   `json:"format"`
	APIKey string   `json:"api_key,omitempty"`
}

// Batch translates texts in one request, q as an array.
func (e *engine) Batch(ctx context.Context, code string, texts []string) ([]string, error) {
	body, err := json.Marshal(request{Q: texts, Source: code, Target: translate.English, Format: "text", APIKey: e.key})
	if err != nil {
		return nil, err
	}
	var ans struct {
		TranslatedText json.RawMessage `json:"translatedText"`
	}
	if err := e.call(ctx, http.MethodPost, "/translate", body, &ans); err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(ans.TranslatedText, &out); err != nil {
		return nil, fmt.Errorf("%w: translatedText is not an array of %d strings: %v", translate.ErrRejected, len(texts), err)
	}
	return out, nil
}

// call makes one request and decodes the JSON answer into v. Statuses
// map as the package comment says: 400 naming an unsupported language
// matches translate.ErrUnsupported, other 4xx but 408 and 429 match
// translate.ErrRejected (not retried), the rest are retried.
func (e *engine) call(ctx context.Context, method, path string, body []byte, v any) error {
	u := e.base.JoinPath(path)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
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
		return statusError(method, u.Path, resp, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%w: %s %s: answer is not LibreTranslate's JSON: %v", translate.ErrRejected, method, u.Path, err)
	}
	return nil
}

func statusError(method, path string, resp *http.Response, b []byte) error {
	var ae struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &ae)
	msg := ae.Error
	if msg == "" {
		msg = strings.TrimSpace(string(b[:min(len(b), 200)]))
	}
	err := fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, msg)
	code := resp.StatusCode
	switch {
	case code == http.StatusBadRequest && strings.Contains(msg, "is not supported"):
		return fmt.Errorf("%w (%w)", translate.ErrUnsupported, err)
	case code >= 400 && code < 500 && code != http.StatusTooManyRequests && code != http.StatusRequestTimeout:
		return fmt.Errorf("%w: %w", translate.ErrRejected, err)
	}
	return err
}
