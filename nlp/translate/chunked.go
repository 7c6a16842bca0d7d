package translate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// Engine is the part of a backend that talks to its server or model; a
// [Chunked] around it is the Translator.
type Engine interface {
	// Name identifies the backend ("apertium").
	Name() string
	// Pair returns the engine's own code for translating src (ISO 639-1)
	// into English, or an error: one matching ErrUnsupported when the
	// engine has no such pair.
	Pair(ctx context.Context, src string) (string, error)
	// Batch translates texts from the language Pair named by code into
	// English: one output per input, in order.
	Batch(ctx context.Context, code string, texts []string) ([]string, error)
}

// ErrRejected marks a request the server refused as such (a bad API key,
// a malformed or oversized request): retrying it would fail again, so
// Chunked does not.
var ErrRejected = errors.New("request rejected by the server")

// Chunked defaults.
const (
	// ChunkCharsDefault is the chunk limit in characters. The original
	// split at about 400 characters for NLLB, whose encoder takes 1,024
	// tokens and translates best a sentence or two at a time.
	ChunkCharsDefault = 400
	// BatchSizeDefault is how many chunks go in one Engine.Batch call.
	BatchSizeDefault = 16
	// RetriesDefault is how many times a failed batch is tried again.
	RetriesDefault = 3
	// RetryInitialDefault and RetryMaxDefault bound the exponential
	// backoff between tries (randomised ±50 %, doubling).
	RetryInitialDefault = 500 * time.Millisecond
	RetryMaxDefault     = 10 * time.Second
)

// ChunkConfig tunes a Chunked. Zero fields take the documented defaults.
type ChunkConfig struct {
	// MaxChars is the longest chunk, in characters. Default
	// ChunkCharsDefault.
	MaxChars int
	// BatchSize is the most chunks per Engine.Batch call. Default
	// BatchSizeDefault.
	BatchSize int
	// Retries is how many times a failed call is tried again; negative
	// means never. Default RetriesDefault.
	Retries int
	// RetryInitial and RetryMax bound the wait between tries. Defaults
	// RetryInitialDefault and RetryMaxDefault.
	RetryInitial, RetryMax time.Duration
}

func (c ChunkConfig) withDefaults() (ChunkConfig, error) {
	if c.MaxChars < 0 || c.BatchSize < 0 || c.RetryInitial < 0 || c.RetryMax < 0 {
		return c, fmt.Errorf("translate: ChunkConfig %+v: want MaxChars, BatchSize and the retry waits ≥ 0", c)
	}
	if c.MaxChars == 0 {
		c.MaxChars = ChunkCharsDefault
	}
	if c.BatchSize == 0 {
		c.BatchSize = BatchSizeDefault
	}
	switch {
	case c.Retries == 0:
		c.Retries = RetriesDefault
	case c.Retries < 0:
		c.Retries = 0
	}
	if c.RetryInitial == 0 {
		c.RetryInitial = RetryInitialDefault
	}
	if c.RetryMax == 0 {
		c.RetryMax = RetryMaxDefault
	}
	return c, nil
}

// Chunked is the Translator over an Engine: it chunks, batches, retries
// and reassembles. It is safe for concurrent use when the Engine is.
type Chunked struct {
	e   Engine
	cfg ChunkConfig
}

// NewChunked returns the Translator over e.
func NewChunked(e Engine, cfg ChunkConfig) (*Chunked, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Chunked{e: e, cfg: c}, nil
}

// Name is the engine's name.
func (c *Chunked) Name() string { return c.e.Name() }

// Engine returns the engine, for callers that ask it more (its pairs).
func (c *Chunked) Engine() Engine { return c.e }

// Config returns the effective configuration.
func (c *Chunked) Config() ChunkConfig { return c.cfg }

// Translate translates each request, grouped by source language. English
// and empty texts come back unchanged with no reason; a language the
// engine lacks, or a batch that failed every try, leaves its texts
// unchanged with the reason. It returns an error only when ctx ends.
func (c *Chunked) Translate(ctx context.Context, reqs []Request) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Result, len(reqs))
	var order []string
	groups := map[string][]int{}
	for i, r := range reqs {
		out[i] = Result{Text: r.Text}
		if r.Source == English || strings.TrimSpace(r.Text) == "" {
			continue
		}
		if _, ok := groups[r.Source]; !ok {
			order = append(order, r.Source)
		}
		groups[r.Source] = append(groups[r.Source], i)
	}
	for _, src := range order {
		idx := groups[src]
		var code string
		err := c.retry(ctx, func() (err error) { code, err = c.pair(ctx, src); return err })
		if err == nil {
			err = c.translateGroup(ctx, code, reqs, idx, out)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			for _, i := range idx {
				out[i].Err = err
			}
		}
	}
	return out, nil
}

// pair asks the engine for src's code; "und" is never a pair.
func (c *Chunked) pair(ctx context.Context, src string) (string, error) {
	if src == "" || src == Undetermined {
		return "", Unsupported(src)
	}
	code, err := c.e.Pair(ctx, src)
	if err != nil && !errors.Is(err, ErrUnsupported) {
		err = fmt.Errorf("%s: looking up the %s→%s pair: %w", c.e.Name(), src, English, err)
	}
	return code, err
}

// chunkRef is one chunk of one request.
type chunkRef struct{ req, piece int }

// translateGroup translates the requests idx, all from the language code,
// into out. A batch that fails every try marks its requests failed and
// their remaining chunks are skipped; the others go on.
func (c *Chunked) translateGroup(ctx context.Context, code string, reqs []Request, idx []int, out []Result) error {
	pieces := map[int][]Piece{}
	var refs []chunkRef
	for _, i := range idx {
		ps := Chunk(reqs[i].Text, c.cfg.MaxChars)
		pieces[i] = ps
		for k := range ps {
			refs = append(refs, chunkRef{i, k})
		}
	}
	failed := map[int]error{}
	for len(refs) > 0 {
		var batch []chunkRef
		var texts []string
		for len(refs) > 0 && len(batch) < c.cfg.BatchSize {
			r := refs[0]
			refs = refs[1:]
			if failed[r.req] == nil {
				batch = append(batch, r)
				texts = append(texts, pieces[r.req][r.piece].Text)
			}
		}
		if len(batch) == 0 {
			continue
		}
		var got []string
		err := c.retry(ctx, func() (err error) {
			got, err = c.e.Batch(ctx, code, texts)
			if err == nil && len(got) != len(texts) {
				err = fmt.Errorf("%w: %d translations for %d texts", ErrRejected, len(got), len(texts))
			}
			return err
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		for j, r := range batch {
			if err != nil {
				failed[r.req] = fmt.Errorf("%s: translating from %s: %w", c.e.Name(), code, err)
				continue
			}
			pieces[r.req][r.piece].Text = got[j]
		}
	}
	for _, i := range idx {
		if err := failed[i]; err != nil {
			out[i].Err = err
			continue
		}
		out[i] = Result{Text: Join(pieces[i]), Translated: true}
	}
	return nil
}

// retry runs op with exponential backoff until it succeeds, fails for
// good (ErrUnsupported, ErrRejected, ctx ended) or runs out of tries.
func (c *Chunked) retry(ctx context.Context, op func() error) error {
	tries := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		tries++
		err := op()
		switch {
		case err == nil:
			return struct{}{}, nil
		case ctx.Err() != nil:
			return struct{}{}, backoff.Permanent(context.Cause(ctx))
		case errors.Is(err, ErrUnsupported), errors.Is(err, ErrRejected):
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.RetryInitial,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.cfg.RetryMax,
	}), backoff.WithMaxTries(uint(c.cfg.Retries+1)))
	if err != nil && tries > 1 && ctx.Err() == nil {
		err = fmt.Errorf("after %d tries: %w", tries, err)
	}
	return err
}

// ErrNoLanguageList: the engine cannot say which languages it offers.
var ErrNoLanguageList = errors.New("the backend cannot list its languages")

// Languages asks the engine which source languages it translates into
// English, when it can say (Describer); ErrNoLanguageList otherwise.
func (c *Chunked) Languages(ctx context.Context) ([]string, error) {
	if d, ok := c.e.(Describer); ok {
		return d.Languages(ctx)
	}
	return nil, fmt.Errorf("%s: %w", c.e.Name(), ErrNoLanguageList)
}
