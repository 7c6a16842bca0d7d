// Package translate is the pipeline's translation stage seam. A Translator
// turns batches of texts, each with its source language, into English.
//
// Backends live beside this package: nlp/translate/apertium (an Apertium
// APY server), nlp/translate/libretranslate (a LibreTranslate server) and,
// behind the same interface, the ONNX seq2seq models (NLLB, M2M100,
// Marian), whose language codes are in this package ([FLORES200],
// [M2M100]). The default backend, [Keep], does not translate: it returns
// the text as it is and says why, the article is stored with
// translated=false, and the pipeline clusters it by its own text. Nothing
// pretends to translate.
//
// A backend never drops a text. A text it cannot translate comes back
// unchanged with Translated false and the reason in Err: a language pair
// the backend lacks ([ErrUnsupported], "unsupported language pair fr→en"),
// or a server that kept failing after its retries. Translate itself fails
// only when ctx ends or the batch is malformed.
//
// Servers are reached through [Chunked], which every HTTP backend shares:
// long texts are split at sentence boundaries into chunks under the
// backend's limit, the chunks of many texts are sent in batches, failed
// batches are retried with exponential backoff, and the chunks are put back
// together in order.
package translate

import (
	"context"
	"errors"
	"fmt"
)

// Request is one text to translate into English.
type Request struct {
	Text string
	// Source is the text's language: an ISO 639-1 code as nlp/langid
	// reports it ("fr", "zh"), or "und" when unknown.
	Source string
}

// Result is what became of one Request.
type Result struct {
	// Text is the English text when Translated, the input unchanged
	// otherwise.
	Text string
	// Translated reports a real translation.
	Translated bool
	// Err says why the text was not translated (nil for English input,
	// which needs none, and for empty text). errors.Is(Err,
	// ErrUnsupported) tells a missing language pair from a failure.
	Err error
}

// Reason is Err's message, or "" when there is none: what the store keeps.
func (r Result) Reason() string {
	if r.Err == nil {
		return ""
	}
	return r.Err.Error()
}

// Translator translates texts into English.
type Translator interface {
	// Name identifies the backend in stored results and logs
	// ("none", "apertium", "libretranslate", "onnx").
	Name() string
	// Translate returns one Result per request, in order. A text that
	// cannot be translated is a Result with Err set, never an error
	// here: the error is only for ctx ending (ctx's error) or a request
	// the backend cannot take at all.
	Translate(ctx context.Context, reqs []Request) ([]Result, error)
}

// Describer is implemented by backends that can say what they offer: the
// source languages they translate into English, as ISO 639-1 codes (or
// the server's own codes where no ISO 639-1 code exists). masx doctor
// shows it.
type Describer interface {
	Languages(ctx context.Context) ([]string, error)
}

// Sentinel errors callers branch on.
var (
	// ErrUnsupported: the backend has no pair from the text's language to
	// English.
	ErrUnsupported = errors.New("unsupported language pair")
	// ErrUnknownBackend: ByName was given a backend that does not exist.
	ErrUnknownBackend = errors.New("unknown translation backend")
	// ErrNotConfigured is Keep's reason: no translator is configured.
	ErrNotConfigured = errors.New("no translator configured")
)

// UnsupportedError names the pair a backend lacks. It matches
// ErrUnsupported.
type UnsupportedError struct {
	Source string // the text's language, as the request gave it
	Target string // "en"
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s %s→%s", ErrUnsupported, e.Source, e.Target)
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// Unsupported returns the error for a missing src→English pair.
func Unsupported(src string) error {
	if src == "" {
		src = Undetermined
	}
	return &UnsupportedError{Source: src, Target: English}
}

// Language codes with a meaning of their own.
const (
	English      = "en"
	Undetermined = "und"
)

// Keep is the default backend: it keeps the text and reports that it did
// not translate.
type Keep struct{}

// Name returns "none".
func (Keep) Name() string { return "none" }

// Translate returns every text unchanged with Translated false; a
// non-English text gets ErrNotConfigured as its reason.
func (Keep) Translate(ctx context.Context, reqs []Request) ([]Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]Result, len(reqs))
	for i, r := range reqs {
		out[i] = Result{Text: r.Text}
		if r.Source != English && r.Text != "" {
			out[i].Err = ErrNotConfigured
		}
	}
	return out, nil
}

// ByName returns the named backend that needs no configuration: "" or
// "none" give Keep. Backends with a Config are built by their own
// packages.
func ByName(name string) (Translator, error) {
	switch name {
	case "", "none":
		return Keep{}, nil
	}
	return nil, fmt.Errorf("%w %q: want none", ErrUnknownBackend, name)
}

// One translates a single text: a convenience over Translate.
func One(ctx context.Context, t Translator, text, src string) (Result, error) {
	res, err := t.Translate(ctx, []Request{{Text: text, Source: src}})
	if err != nil {
		return Result{}, err
	}
	if len(res) != 1 {
		return Result{}, fmt.Errorf("translate: %s returned %d results for 1 text", t.Name(), len(res))
	}
	return res[0], nil
}
