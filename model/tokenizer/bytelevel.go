package tokenizer

import (
	"encoding/json"
	"fmt"
)

// Byte-level components (GPT-2, RoBERTa, BART, Llama 3, Qwen): text is
// turned into its UTF-8 bytes, each byte shown as one printable rune, so a
// vocabulary of 256 base symbols covers any text.

// byteRune maps a byte to its printable rune, GPT-2's bytes_to_unicode:
// the printable Latin-1 bytes (! to ~, ¡ to ¬, ® to ÿ) stand for
// themselves; the other 68 bytes take U+0100 onwards, in byte order.
var byteRune = func() (t [256]rune) {
	next := rune(256)
	for b := range 256 {
		switch {
		case b >= '!' && b <= '~', b >= 0xA1 && b <= 0xAC, b >= 0xAE && b <= 0xFF:
			t[b] = rune(b)
		default:
			t[b] = next
			next++
		}
	}
	return t
}()

// spaceRune is the byte-level rune of ' ' ("Ġ").
var spaceRune = byteRune[' ']

// toByteLevel replaces every rune by the byte-level runes of its UTF-8
// bytes: the first replaces the rune, the others are inserted after it, so
// each keeps the original rune's range (tokenizers' rule).
func toByteLevel(s *normalized) {
	ws := [1]normalized{*s}
	toByteLevelAll(ws[:])
	*s = ws[0]
}

// toByteLevelAll converts every piece of ws to byte-level runes. ASCII
// pieces map one to one and are rewritten in place; the others share one
// new rune array and one alignment array, so a text costs two allocations
// however many words it has.
func toByteLevelAll(ws []normalized) {
	var buf [4]byte
	total := 0
	for i := range ws {
		if !isASCII(ws[i].runes) {
			for _, r := range ws[i].runes {
				total += encodeRune(buf[:], r)
			}
		}
	}
	var runes []rune
	var align []span
	if total > 0 {
		runes = make([]rune, 0, total)
		align = make([]span, 0, total)
	}
	for i := range ws {
		s := &ws[i]
		if isASCII(s.runes) {
			for j, r := range s.runes {
				s.runes[j] = byteRune[r]
			}
			continue
		}
		start := len(runes)
		for j, r := range s.runes {
			a := s.at(j)
			for _, b := range buf[:encodeRune(buf[:], r)] {
				runes = append(runes, byteRune[b])
				align = append(align, a)
			}
		}
		end := len(runes)
		s.runes, s.align = runes[start:end:end], align[start:end:end]
	}
}

func isASCII(rs []rune) bool {
	for _, r := range rs {
		if r >= 0x80 || r < 0 {
			return false
		}
	}
	return true
}

// encodeRune is utf8.EncodeRune, except that surrogate halves (which Go
// strings never hold, but a []rune may) are encoded as U+FFFD like Go does.
func encodeRune(p []byte, r rune) int {
	switch {
	case r < 0x80:
		p[0] = byte(r)
		return 1
	case r < 0x800:
		p[0], p[1] = 0xC0|byte(r>>6), 0x80|byte(r)&0x3F
		return 2
	case r > 0x10FFFF, r >= 0xD800 && r <= 0xDFFF:
		r = 0xFFFD
		fallthrough
	case r < 0x10000:
		p[0], p[1], p[2] = 0xE0|byte(r>>12), 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F
		return 3
	default:
		p[0], p[1], p[2], p[3] = 0xF0|byte(r>>18), 0x80|byte(r>>12)&0x3F, 0x80|byte(r>>6)&0x3F, 0x80|byte(r)&0x3F
		return 4
	}
}

// byteLevelNormalizer is the ByteLevel normalizer: the whole text to
// byte-level runes.
type byteLevelNormalizer struct{}

func (byteLevelNormalizer) normalize(s *normalized) { toByteLevel(s) }

// byteLevelPreTokenizer is tokenizers' ByteLevel pre-tokenizer: an optional
// space before text that does not start with one, the GPT-2 regex split
// (use_regex), then every piece to byte-level runes. Its trim_offsets only
// matters in the post-processor.
type byteLevelPreTokenizer struct {
	addPrefixSpace bool
	split          *regexSplit // nil without use_regex
}

func (p byteLevelPreTokenizer) preTokenize(dst []normalized, s normalized) []normalized {
	mark := len(dst)
	dst = p.cut(dst, s)
	toByteLevelAll(dst[mark:])
	return dst
}

// preTokenizeAll is preTokenize over every piece of a Sequence stage at
// once, so that the byte-level runes of a whole text share two arrays.
func (p byteLevelPreTokenizer) preTokenizeAll(dst, pieces []normalized) []normalized {
	mark := len(dst)
	for _, s := range pieces {
		dst = p.cut(dst, s)
	}
	toByteLevelAll(dst[mark:])
	return dst
}

// cut applies the prefix space and the regex split.
func (p byteLevelPreTokenizer) cut(dst []normalized, s normalized) []normalized {
	if p.addPrefixSpace && len(s.runes) > 0 && s.runes[0] != ' ' {
		prependNormalizer(" ").normalize(&s)
	}
	if p.split != nil {
		return p.split.preTokenize(dst, s)
	}
	if len(s.runes) > 0 {
		dst = append(dst, s)
	}
	return dst
}

// byteLevelJSON holds the options ByteLevel shares as normalizer,
// pre-tokenizer, post-processor and decoder. Missing options take
// tokenizers' defaults (add_prefix_space, trim_offsets and use_regex true).
type byteLevelJSON struct {
	AddPrefixSpace *bool `json:"add_prefix_space"`
	TrimOffsets    *bool `json:"trim_offsets"`
	UseRegex       *bool `json:"use_regex"`
}

func parseByteLevelJSON(raw json.RawMessage, what string) (prefix, trim, regex bool, err error) {
	var c byteLevelJSON
	if err := json.Unmarshal(raw, &c); err != nil {
		return false, false, false, fmt.Errorf("%w: ByteLevel %s: %v", ErrInvalid, what, err)
	}
	def := func(b *bool) bool { return b == nil || *b }
	return def(c.AddPrefixSpace), def(c.TrimOffsets), def(c.UseRegex), nil
}

func parseByteLevelPreTokenizer(raw json.RawMessage) (preTokenizer, error) {
	prefix, _, useRegex, err := parseByteLevelJSON(raw, "pre_tokenizer")
	if err != nil {
		return nil, err
	}
	p := byteLevelPreTokenizer{addPrefixSpace: prefix}
	if useRegex {
		re, fast, err := compileSplitRegex(gpt2Pattern, "ByteLevel pre_tokenizer")
		if err != nil {
			return nil, err
		}
		p.split = &regexSplit{re: re, fast: fast, behavior: behaviorIsolated}
	}
	return p, nil
}

// offsetTrim is the offset trimming of the ByteLevel and RobertaProcessing
// post-processors (trim_offsets): a token's leading and trailing spaces
// ("Ġ" or whitespace) are taken out of its offsets; with add_prefix_space
// the single leading space of the first token is kept, as tokenizers keeps
// it.
type offsetTrim struct {
	addPrefixSpace bool
}

// apply trims the offsets of the sequence tokens toks (no special tokens).
func (o *offsetTrim) apply(toks []piece) {
	if o == nil {
		return
	}
	isSpace := func(r rune) bool { return r == spaceRune || isWhitespace(r) }
	for i := range toks {
		p := &toks[i]
		lead, trail, total := 0, 0, 0
		counting := true
		for _, r := range p.value {
			total++
			if counting && isSpace(r) {
				lead++
			} else {
				counting = false
			}
			if isSpace(r) {
				trail++
			} else {
				trail = 0
			}
		}
		if lead == 0 && trail == 0 {
			continue
		}
		if lead > 0 {
			if (i == 0 || p.from == 0) && o.addPrefixSpace && lead == 1 {
				lead = 0
			}
			p.from = min(p.from+lead, p.to)
		}
		if trail > 0 && p.to >= trail {
			p.to = max(p.to-trail, p.from)
		}
	}
}

// parseOffsetTrim reads the offset trimming a post_processor asks for:
// ByteLevel and RobertaProcessing with trim_offsets, also inside a
// Sequence. It returns nil when offsets are left alone.
func parseOffsetTrim(raw json.RawMessage) (*offsetTrim, error) {
	if isNull(raw) {
		return nil, nil
	}
	var head struct {
		Type       string            `json:"type"`
		Processors []json.RawMessage `json:"processors"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("%w: post_processor: %v", ErrInvalid, err)
	}
	switch head.Type {
	case "ByteLevel", "RobertaProcessing":
		prefix, trim, _, err := parseByteLevelJSON(raw, "post_processor")
		if err != nil || !trim {
			return nil, err
		}
		return &offsetTrim{addPrefixSpace: prefix}, nil
	case "Sequence":
		var found *offsetTrim
		for i, p := range head.Processors {
			t, err := parseOffsetTrim(p)
			if err != nil {
				return nil, fmt.Errorf("post_processor %d of Sequence: %w", i, err)
			}
			if t != nil && found != nil && *t != *found {
				return nil, fmt.Errorf("%w: post_processor Sequence with two different offset trims", ErrUnsupported)
			}
			if t != nil {
				found = t
			}
		}
		return found, nil
	}
	return nil, nil
}
