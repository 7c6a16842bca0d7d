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
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
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
	u, err := translate.ServerURL(cfg.URL, "libretranslate", "a LibreTranslate server", "http://127.0.0.1:5000")
	if err != nil {
		return nil, err
	}
	if cfg.MaxChars < 0 || cfg.BatchSize < 0 || cfg.Timeout < 0 || cfg.LanguagesTTL < 0 {
		return nil, fmt.Errorf("libretranslate: Config MaxChars %d, BatchSize %d, Timeout %s, LanguagesTTL %s: want ≥ 0", cfg.MaxChars, cfg.BatchSize, cfg.Timeout, cfg.LanguagesTTL)
	}
	e := &engine{key: cfg.APIKey, call: translate.ServerCall{
		Client: translate.HTTPClient(cfg.Client, cfg.Timeout, TimeoutDefault), Base: u,
		Server: "LibreTranslate's", MaxResponse: maxResponseBytes, Message: errorMessage,
		Unsupported: func(msg string) bool { return strings.Contains(msg, "is not supported") },
	}}
	e.langs.TTL = cmp.Or(cfg.LanguagesTTL, LanguagesTTLDefault)
	return translate.NewChunked(e, translate.ChunkConfig{
		MaxChars: cmp.Or(cfg.MaxChars, MaxCharsDefault), BatchSize: cmp.Or(cfg.BatchSize, BatchSizeDefault),
		Retries: cfg.Retries, RetryInitial: cfg.RetryInitial, RetryMax: cfg.RetryMax})
}

// Language is one entry of GET /languages.
type Language struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Targets []string `json:"targets,omitempty"` // absent on old servers: every pair through English
}

type engine struct {
	key   string
	call  translate.ServerCall
	langs translate.Listing[[]Language]
}

func (e *engine) Name() string { return Name }

// languages returns GET /languages, fetched at most once per TTL.
func (e *engine) languages(ctx context.Context) ([]Language, error) {
	return e.langs.Get(ctx, func(ctx context.Context) ([]Language, error) {
		var ls []Language
		if err := e.call.Do(ctx, http.MethodGet, "/languages", nil, "", &ls); err != nil {
			return nil, fmt.Errorf("listing languages: %w", err)
		}
		if ls == nil {
			ls = []Language{}
		}
		return ls, nil
	})
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
	if err := e.call.Do(ctx, http.MethodPost, "/translate", bytes.NewReader(body), "application/json", &ans); err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(ans.TranslatedText, &out); err != nil {
		return nil, fmt.Errorf("%w: translatedText is not an array of %d strings: %v", translate.ErrRejected, len(texts), err)
	}
	return out, nil
}

// errorMessage is the message of LibreTranslate's {"error": …} body.
func errorMessage(b []byte) string {
	var ae struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &ae)
	return ae.Error
}
