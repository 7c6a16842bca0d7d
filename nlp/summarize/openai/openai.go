// Package openai writes cluster summaries with a language model behind an
// OpenAI-compatible chat-completions endpoint: llama.cpp's server, vLLM,
// Ollama, or any server speaking that API.
//
// It POSTs {base}/chat/completions with {model, messages, max_tokens,
// temperature: 0} and reads choices[0].message.content; errors come back
// as {"error": {"message": …}}. The base URL is what those servers
// document as their OpenAI base (http://127.0.0.1:8080/v1 for llama.cpp,
// http://127.0.0.1:11434/v1 for Ollama). The prompt is a template whose
// {{articles}} is replaced by the cluster's article summaries, one per
// line. Temperature 0 keeps a rerun's summaries the same where the server
// allows.
package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Defaults.
const (
	// PromptDefault is the prompt template; Placeholder marks where the
	// articles go.
	PromptDefault = "These are summaries of news articles that report one story. " +
		"Write one summary of the story in 3 to 5 sentences of plain English. " +
		"Keep to the facts the articles report; add nothing.\n\nArticles:\n" + Placeholder
	Placeholder = "{{articles}}"
	// MaxTokensDefault bounds the answer: five sentences are about 150
	// tokens.
	MaxTokensDefault = 300
	// MaxInputCharsDefault caps the articles put in the prompt, about
	// 3,000 tokens, inside the 4,096-token context of small local models.
	MaxInputCharsDefault = 12000
	// TimeoutDefault bounds one request: a CPU-only llama.cpp writes a
	// few tokens a second.
	TimeoutDefault = 2 * time.Minute
	// RetriesDefault is how many times a failed request is tried again
	// (5xx, 429, transport errors; never other 4xx).
	RetriesDefault      = 2
	retryInitialDefault = time.Second
	maxResponseBytes    = 4 << 20
)

// Name is the summarizer's name.
const Name = "openai"

// ErrRejected: the server refused the request (bad key, unknown model);
// it is not retried.
var ErrRejected = errors.New("request rejected by the server")

// Config configures a Summarizer. Zero fields take the defaults.
type Config struct {
	// BaseURL is the OpenAI base URL of the server. Required.
	BaseURL string
	// APIKey is sent as a Bearer token when set.
	APIKey string
	// Model is the model name sent; empty sends none (llama.cpp serves
	// the one it loaded).
	Model string
	// Prompt is the template; it must contain Placeholder. Default
	// PromptDefault.
	Prompt string
	// MaxTokens bounds the answer. Default MaxTokensDefault.
	MaxTokens int
	// MaxInputChars caps the articles' text in the prompt. Default
	// MaxInputCharsDefault.
	MaxInputChars int
	// Timeout bounds one request. Default TimeoutDefault.
	Timeout time.Duration
	// Retries is how many times a failed request is tried again; negative
	// means never. Default RetriesDefault.
	Retries int
	// RetryInitial is the first wait between tries, doubling. Default 1s.
	RetryInitial time.Duration
	// Client makes the requests. Default: a client with Timeout.
	Client *http.Client
}

// Summarizer writes cluster summaries through a chat-completions server.
// It is safe for concurrent use.
type Summarizer struct {
	cfg Config
	url string
}

// New checks cfg and returns the Summarizer.
func New(cfg Config) (*Summarizer, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.BaseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("openai summarizer: base URL %q: want the http(s) OpenAI base URL of a chat-completions server, like http://127.0.0.1:8080/v1", cfg.BaseURL)
	}
	if cfg.Prompt == "" {
		cfg.Prompt = PromptDefault
	}
	if !strings.Contains(cfg.Prompt, Placeholder) {
		return nil, fmt.Errorf("openai summarizer: prompt %q: want a template containing %s, where the articles go", cfg.Prompt, Placeholder)
	}
	if cfg.MaxTokens < 0 || cfg.MaxInputChars < 0 || cfg.Timeout < 0 || cfg.RetryInitial < 0 {
		return nil, fmt.Errorf("openai summarizer: MaxTokens %d, MaxInputChars %d, Timeout %s, RetryInitial %s: want ≥ 0", cfg.MaxTokens, cfg.MaxInputChars, cfg.Timeout, cfg.RetryInitial)
	}
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.MaxTokens, MaxTokensDefault)
	def(&cfg.MaxInputChars, MaxInputCharsDefault)
	switch {
	case cfg.Retries == 0:
		cfg.Retries = RetriesDefault
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = TimeoutDefault
	}
	if cfg.RetryInitial == 0 {
		cfg.RetryInitial = retryInitialDefault
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	return &Summarizer{cfg: cfg, url: u.JoinPath("chat/completions").String()}, nil
}

// Name returns "openai".
func (s *Summarizer) Name() string { return Name }

// Prompt fills the template with docs, one per line, cut to
// MaxInputChars.
func (s *Summarizer) Prompt(docs []string) string {
	var b strings.Builder
	left := s.cfg.MaxInputChars
	for _, d := range docs {
		d = strings.Join(strings.Fields(d), " ")
		if d == "" || left <= 0 {
			continue
		}
		if r := []rune(d); len(r) > left {
			d = string(r[:left])
		}
		left -= len([]rune(d))
		b.WriteString("- " + d + "\n")
	}
	return strings.Replace(s.cfg.Prompt, Placeholder, strings.TrimRight(b.String(), "\n"), 1)
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string    `json:"model,omitempty"`
	Messages    []message `json:"messages"`
	MaxTokens   int       `json:"max_tokens"`
	Temperature float64   `json:"temperature"`
}

type chatResponse struct {
	Choices []struct {
		Message      message `json:"message"`
		FinishReason string  `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// SummarizeCluster returns the model's summary of the articles docs.
func (s *Summarizer) SummarizeCluster(ctx context.Context, docs []string) (string, error) {
	body, err := json.Marshal(chatRequest{
		Model: s.cfg.Model, MaxTokens: s.cfg.MaxTokens,
		Messages: []message{
			{Role: "system", Content: "You summarize news precisely and neutrally."},
			{Role: "user", Content: s.Prompt(docs)},
		},
	})
	if err != nil {
		return "", err
	}
	tries := 0
	out, err := backoff.Retry(ctx, func() (string, error) {
		tries++
		out, err := s.call(ctx, body)
		switch {
		case err == nil:
			return out, nil
		case ctx.Err() != nil:
			return "", backoff.Permanent(context.Cause(ctx))
		case errors.Is(err, ErrRejected):
			return "", backoff.Permanent(err)
		}
		return "", err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval: s.cfg.RetryInitial, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: 30 * time.Second,
	}), backoff.WithMaxTries(uint(s.cfg.Retries+1)))
	if err != nil {
		if tries > 1 && ctx.Err() == nil {
			err = fmt.Errorf("after %d tries: %w", tries, err)
		}
		return "", fmt.Errorf("openai summarizer: %w", err)
	}
	return out, nil
}

func (s *Summarizer) call(ctx context.Context, body []byte) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading the answer: %w", err)
	}
	if len(b) > maxResponseBytes {
		return "", fmt.Errorf("%w: answer over %d bytes", ErrRejected, maxResponseBytes)
	}
	var cr chatResponse
	jerr := json.Unmarshal(b, &cr)
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(b[:min(len(b), 200)]))
		if jerr == nil && cr.Error != nil {
			msg = cr.Error.Message
		}
		err := fmt.Errorf("POST %s: %s: %s", s.url, resp.Status, msg)
		if c := resp.StatusCode; c >= 400 && c < 500 && c != http.StatusTooManyRequests && c != http.StatusRequestTimeout {
			return "", fmt.Errorf("%w: %w", ErrRejected, err)
		}
		return "", err
	}
	if jerr != nil {
		return "", fmt.Errorf("%w: answer is not chat-completions JSON: %v", ErrRejected, jerr)
	}
	if len(cr.Choices) == 0 || strings.TrimSpace(cr.Choices[0].Message.Content) == "" {
		return "", fmt.Errorf("%w: answer has no choices[0].message.content", ErrRejected)
	}
	return strings.TrimSpace(cr.Choices[0].Message.Content), nil
}
