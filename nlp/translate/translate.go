// Package translate is the pipeline's translation stage seam. A Translator
// turns text in a source language into English.
//
// No translation model can be downloaded on the machines masx is built on,
// so the default backend, Keep, does not translate: it returns the text as
// it is and says so, the article is stored with translated=false, and the
// pipeline clusters non-English articles by their own vectors. Nothing
// pretends to translate. A neural backend (NLLB or Marian through the
// inference runtime) plugs in behind the same interface.
package translate

import (
	"context"
	"errors"
	"fmt"
)

// Translator translates text into English.
type Translator interface {
	// Name identifies the backend in stored results and logs.
	Name() string
	// Translate returns the English text and whether it is a real
	// translation. src is an ISO 639-1 code or "und".
	Translate(ctx context.Context, text, src string) (english string, translated bool, err error)
}

// Keep is the default backend: it keeps the text and reports that it did
// not translate.
type Keep struct{}

// Name returns "none".
func (Keep) Name() string { return "none" }

// Translate returns text unchanged with translated=false; English input is
// reported as needing no translation (translated=true would claim work that
// was not done, so it is false there too).
func (Keep) Translate(ctx context.Context, text, _ string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	return text, false, nil
}

// ErrUnknownBackend is returned by ByName for a backend that does not exist.
var ErrUnknownBackend = errors.New("unknown translation backend")

// ByName returns the named backend: "" or "none" give Keep.
func ByName(name string) (Translator, error) {
	switch name {
	case "", "none":
		return Keep{}, nil
	}
	return nil, fmt.Errorf("%w %q: want none", ErrUnknownBackend, name)
}
