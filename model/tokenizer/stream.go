package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// ErrStreamPrefix marks a stream whose decoder rewrote text it had
// already returned (tokenizers' DecodeStreamError::InvalidPrefix): the
// decoders of tokenizer.json files never do, but a Replace decoder with a
// pattern spanning tokens could.
var ErrStreamPrefix = errors.New("decode stream: decoder changed text already returned")

// Stream decodes ids one at a time during generation, as tokenizers'
// DecodeStream does: each Step returns the text the new id adds, and never
// a piece of a UTF-8 sequence: while the decoded text ends in an incomplete
// sequence (U+FFFD) the text is held back until a later id completes it.
//
// The stream decodes a small window (the ids since the last returned text
// plus the one before, whose text is the window's prefix), so a step costs
// the same however long the generation: decoders that treat the first token
// differently (Metaspace drops its space, WordPiece its ## handling) see
// the same context as in a full Decode.
//
// The concatenation of every Step's text and Finish's equals Decode of all
// the ids. For that, with a ByteFallback decoder a run of <0xNN> byte
// tokens is returned only once a token that is not a byte follows it (or at
// Finish), since the reference turns a whole run into U+FFFD when it ends
// invalid. A decoder that rewrites earlier text when a token follows it
// (a BPEDecoder suffix inside a token rather than at its end) gives
// ErrStreamPrefix, as tokenizers' DecodeStream does. A Stream is not safe for concurrent use; the Tokenizer is.
type Stream struct {
	t           *Tokenizer
	skipSpecial bool
	ids         []int64 // the window
	prefix      string  // decoded text of ids[:prefixIndex]
	prefixIndex int
	tokens      []string
	holdBytes   bool // the decoder has ByteFallback
}

// NewStream starts a stream decoder; skipSpecial drops special tokens as
// Decode does.
func (t *Tokenizer) NewStream(skipSpecial bool) *Stream {
	return &Stream{t: t, skipSpecial: skipSpecial, holdBytes: hasByteFallback(t.decoder)}
}

// Step adds id and returns the new text, "" while it is held back. An id
// with no token gives an error wrapping ErrUnknownID and leaves the stream
// as it was.
func (s *Stream) Step(id int64) (string, error) {
	if _, ok := s.t.Token(id); !ok {
		return "", fmt.Errorf("decode stream: %w: id %d is not in the vocabulary of %d tokens nor an added token",
			ErrUnknownID, id, s.t.VocabSize())
	}
	s.ids = append(s.ids, id)
	if s.holdBytes {
		if tok, _ := s.t.Token(id); isFallbackByte(tok) {
			// ByteFallback reads a run of <0xNN> tokens as one: if the run
			// turns out invalid, every byte of it becomes U+FFFD, even
			// those that formed whole characters so far. Nothing of a run
			// is returned before it ends, so no text is ever taken back.
			return "", nil
		}
	}
	text, err := s.decode(s.ids)
	if err != nil {
		return "", err
	}
	if len(text) <= len(s.prefix) || strings.HasSuffix(text, "\uFFFD") {
		return "", nil
	}
	if !strings.HasPrefix(text, s.prefix) {
		return "", fmt.Errorf("%w: window decodes to %q, which does not start with %q", ErrStreamPrefix, text, s.prefix)
	}
	out := text[len(s.prefix):]
	// Slide the window: keep the ids from the old prefix on; they become the
	// prefix of the next window.
	newIndex := len(s.ids) - s.prefixIndex
	s.ids = append(s.ids[:0], s.ids[s.prefixIndex:]...)
	if s.prefix, err = s.decode(s.ids); err != nil {
		return "", err
	}
	s.prefixIndex = newIndex
	return out, nil
}

// Finish returns the text still held back: an incomplete UTF-8 sequence at
// the end of the ids, which Decode renders as U+FFFD. Call it once, when
// generation ends: a later Step that completed the sequence would contradict
// the U+FFFD already returned.
func (s *Stream) Finish() (string, error) {
	text, err := s.decode(s.ids)
	if err != nil {
		return "", err
	}
	if len(text) <= len(s.prefix) {
		return "", nil
	}
	if !strings.HasPrefix(text, s.prefix) {
		return "", fmt.Errorf("%w: window decodes to %q, which does not start with %q", ErrStreamPrefix, text, s.prefix)
	}
	out := text[len(s.prefix):]
	s.prefix = text
	s.prefixIndex = len(s.ids)
	return out, nil
}

func (s *Stream) decode(ids []int64) (string, error) {
	var err error
	s.tokens, err = s.t.decodeTokens(s.tokens[:0], ids, s.skipSpecial)
	if err != nil {
		return "", err
	}
	text := s.t.joinTokens(s.tokens)
	clear(s.tokens)
	return text, nil
}

func hasByteFallback(d decoder) bool {
	switch d := d.(type) {
	case byteFallbackDecoder:
		return true
	case sequenceDecoder:
		for _, sub := range d {
			if hasByteFallback(sub) {
				return true
			}
		}
	}
	return false
}

func isFallbackByte(tok string) bool {
	_, ok := fallbackByte(tok)
	return ok
}
