package tokenizer

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// decoder turns token strings back into text, as tokenizers' Decoder
// trait does: decodeChain rewrites the list of tokens (each decoder of a
// Sequence feeds the next), and the final list is joined without separator.
// Several decoders look at a token's index (the first token loses its
// leading space, the last its end-of-word suffix), so they work on the whole
// list rather than token by token. Implementations are immutable.
type decoder interface {
	decodeChain(tokens []string) []string
}

// decodeTokens runs d over tokens and joins the result.
func decodeTokens(d decoder, tokens []string) string {
	return strings.Join(d.decodeChain(tokens), "")
}

// byteLevelDecoder maps GPT-2's printable stand-ins back to bytes and reads
// the bytes as UTF-8, each invalid sequence becoming U+FFFD (Rust's
// from_utf8_lossy). A token with any character outside the table is taken
// as its own UTF-8 bytes, as tokenizers does for added tokens.
type byteLevelDecoder struct{}

func (byteLevelDecoder) decodeChain(tokens []string) []string {
	var buf []byte
	for _, tok := range tokens {
		mark := len(buf)
		ok := true
		for _, r := range tok {
			b, in := byteOfLevelRune(r)
			if !in {
				ok = false
				break
			}
			buf = append(buf, b)
		}
		if !ok {
			buf = append(buf[:mark], tok...)
		}
	}
	return []string{lossyUTF8(buf)}
}

// byteOfLevelRune inverts the GPT-2 bytes_to_unicode table: printable
// Latin-1 bytes stand for themselves, the other 68 bytes for U+0100 upwards
// in byte order.
func byteOfLevelRune(r rune) (byte, bool) {
	switch {
	case r >= '!' && r <= '~', r >= 0xA1 && r <= 0xAC, r >= 0xAE && r <= 0xFF:
		return byte(r), true
	case r >= 0x100 && r < 0x100+68:
		n := int(r - 0x100)
		// The unprintable bytes in order: 0x00-0x20, 0x7F-0xA0, 0xAD.
		switch {
		case n <= 0x20:
			return byte(n), true
		case n <= 0x20+34:
			return byte(0x7F + n - 0x21), true
		default:
			return 0xAD, true
		}
	}
	return 0, false
}

// lossyUTF8 is Rust's String::from_utf8_lossy: each maximal prefix of a
// valid sequence that cannot be completed becomes one U+FFFD (Go's decoder
// would give one per byte, so this cannot be strings.ToValidUTF8 either,
// which merges runs).
func lossyUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + 8)
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError || size > 1 {
			sb.Write(b[i : i+size])
			i += size
			continue
		}
		sb.WriteRune(utf8.RuneError)
		i += invalidPrefixLen(b[i:])
	}
	return sb.String()
}

// invalidPrefixLen is the length of the maximal subpart of an ill-formed
// sequence starting at b[0] (Unicode §3.9, U+FFFD substitution): the lead
// byte and the continuation bytes that were still acceptable after it.
func invalidPrefixLen(b []byte) int {
	c := b[0]
	var need int
	lo, hi := byte(0x80), byte(0xBF)
	switch {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c >= 0xE1 && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for k := 0; k < need && n < len(b); k++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		n++
		lo, hi = 0x80, 0xBF
	}
	return n
}

// metaspaceDecoder turns the replacement character (▁) back into spaces;
// in the first token it is dropped unless the prepend scheme is "never".
type metaspaceDecoder struct {
	replacement rune
	stripFirst  bool
}

func (m metaspaceDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		if !strings.ContainsRune(tok, m.replacement) {
			out[i] = tok
			continue
		}
		if i == 0 && m.stripFirst {
			out[i] = strings.ReplaceAll(tok, string(m.replacement), "")
		} else {
			out[i] = strings.ReplaceAll(tok, string(m.replacement), " ")
		}
	}
	return out
}

// wordPieceDecoder glues "##" continuations to the previous token and puts a
// space before every other token but the first; cleanup undoes BERT's
// spaces before punctuation and contractions, token by token.
type wordPieceDecoder struct {
	prefix  string
	cleanup bool
}

func (w wordPieceDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		if i != 0 {
			if strings.HasPrefix(tok, w.prefix) {
				tok = strings.Replace(tok, w.prefix, "", 1)
			} else {
				tok = " " + tok
			}
		}
		if w.cleanup {
			tok = cleanupSpaces(tok)
		}
		out[i] = tok
	}
	return out
}

// cleanupReplacer is tokenizers' wordpiece cleanup, applied in its order.
var cleanupPairs = [][2]string{
	{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
	{" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
}

func cleanupSpaces(s string) string {
	if !strings.Contains(s, " ") {
		return s
	}
	for _, p := range cleanupPairs {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}

// bpeDecoder replaces the end-of-word suffix (</w>) with a space, or with
// nothing in the last token.
type bpeDecoder struct{ suffix string }

func (b bpeDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		rep := " "
		if i == len(tokens)-1 {
			rep = ""
		}
		out[i] = strings.ReplaceAll(tok, b.suffix, rep)
	}
	return out
}

// byteFallbackDecoder turns runs of <0xNN> tokens into the bytes they
// stand for. A run that is not valid UTF-8 becomes one U+FFFD per byte, as
// tokenizers does (not per maximal subpart).
type byteFallbackDecoder struct{}

func (byteFallbackDecoder) decodeChain(tokens []string) []string {
	out := make([]string, 0, len(tokens))
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			out = append(out, string(run))
		} else {
			for range run {
				out = append(out, "\uFFFD")
			}
		}
		run = run[:0]
	}
	for _, tok := range tokens {
		if b, ok := fallbackByte(tok); ok {
			run = append(run, b)
			continue
		}
		flush()
		out = append(out, tok)
	}
	flush()
	return out
}

// fallbackByte parses "<0xNN>" as Rust's u8::from_str_radix(_, 16) would
// (a leading '+' is accepted, either case of hex digit).
func fallbackByte(tok string) (byte, bool) {
	if len(tok) != 6 || !strings.HasPrefix(tok, "<0x") || tok[5] != '>' {
		return 0, false
	}
	digits := tok[3:5]
	if digits[0] == '+' {
		digits = digits[1:]
	}
	v, err := strconv.ParseUint(digits, 16, 8)
	if err != nil {
		return 0, false
	}
	return byte(v), true
}

// fuseDecoder joins every token into one.
type fuseDecoder struct{}

func (fuseDecoder) decodeChain(tokens []string) []string {
	return []string{strings.Join(tokens, "")}
}

// stripDecoder removes up to start leading and stop trailing occurrences of
// content from each token.
type stripDecoder struct {
	content     rune
	start, stop int
}

func (s stripDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		runes := []rune(tok)
		lo := 0
		for j := 0; j < s.start && j < len(runes) && runes[j] == s.content; j++ {
			lo = j + 1
		}
		hi := len(runes)
		for j := 0; j < s.stop && len(runes)-j-1 >= 0 && runes[len(runes)-j-1] == s.content; j++ {
			hi = len(runes) - j - 1
		}
		// tokenizers panics when the cuts cross (a token of nothing but
		// content); nothing is left of such a token.
		if lo >= hi {
			out[i] = ""
			continue
		}
		out[i] = string(runes[lo:hi])
	}
	return out
}

// replaceDecoder replaces a literal string or a regex (regexp2, as the
// Replace normalizer and Split compile them) in each token.
type replaceDecoder struct {
	literal string
	re      *regexp2.Regexp
	content string
}

func (r replaceDecoder) decodeChain(tokens []string) []string {
	out := make([]string, len(tokens))
	for i, tok := range tokens {
		switch {
		case r.re != nil:
			out[i] = r.replaceRegex(tok)
		case r.literal != "":
			out[i] = strings.ReplaceAll(tok, r.literal, r.content)
		default:
			out[i] = tok
		}
	}
	return out
}

// replaceRegex replaces every match in tok; a search that fails (its
// deadline) keeps the matches found before it.
func (r replaceDecoder) replaceRegex(tok string) string {
	ms, _ := r.re.FindAllStringIndex(tok, -1)
	if len(ms) == 0 {
		return tok
	}
	var sb strings.Builder
	last := 0
	for _, m := range ms {
		sb.WriteString(tok[last:m[0]])
		sb.WriteString(r.content)
		last = m[1]
	}
	sb.WriteString(tok[last:])
	return sb.String()
}

type sequenceDecoder []decoder

func (q sequenceDecoder) decodeChain(tokens []string) []string {
	for _, d := range q {
		tokens = d.decodeChain(tokens)
	}
	return tokens
}

// maxDecoderDepth bounds nested Sequence decoders in a hostile file.
const maxDecoderDepth = 16

// parseDecoder reads tokenizer.json's "decoder" section; null means none
// (Decode then joins tokens with spaces, as tokenizers does).
func parseDecoder(raw json.RawMessage) (decoder, error) {
	return parseDecoderDepth(raw, 0)
}

// parseDecoderDepth stays one switch over the decoder types, each case a
// few lines of defaults, so the supported list reads in one place.
func parseDecoderDepth(raw json.RawMessage, depth int) (decoder, error) {
	if isNull(raw) {
		return nil, nil
	}
	if depth > maxDecoderDepth {
		return nil, fmt.Errorf("%w: decoder Sequence nested deeper than %d", ErrInvalid, maxDecoderDepth)
	}
	var c struct {
		Type           string            `json:"type"`
		Replacement    *string           `json:"replacement"`
		PrependScheme  *string           `json:"prepend_scheme"`
		AddPrefixSpace *bool             `json:"add_prefix_space"`
		Prefix         *string           `json:"prefix"`
		Cleanup        *bool             `json:"cleanup"`
		Suffix         *string           `json:"suffix"`
		Content        *string           `json:"content"`
		Start          int               `json:"start"`
		Stop           int               `json:"stop"`
		Pattern        json.RawMessage   `json:"pattern"`
		Decoders       []json.RawMessage `json:"decoders"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: decoder: %v", ErrInvalid, err)
	}
	switch c.Type {
	case "ByteLevel":
		return byteLevelDecoder{}, nil
	case "Metaspace":
		return parseMetaspaceDecoder(c.Replacement, c.PrependScheme, c.AddPrefixSpace)
	case "WordPiece":
		w := wordPieceDecoder{prefix: "##", cleanup: true}
		if c.Prefix != nil {
			w.prefix = *c.Prefix
		}
		if c.Cleanup != nil {
			w.cleanup = *c.Cleanup
		}
		return w, nil
	case "BPEDecoder":
		b := bpeDecoder{suffix: "</w>"}
		if c.Suffix != nil {
			b.suffix = *c.Suffix
		}
		return b, nil
	case "ByteFallback":
		return byteFallbackDecoder{}, nil
	case "Fuse":
		return fuseDecoder{}, nil
	case "Strip":
		if c.Content == nil || utf8.RuneCountInString(*c.Content) != 1 {
			return nil, fmt.Errorf("%w: Strip decoder content %v, want one character", ErrInvalid, c.Content)
		}
		if c.Start < 0 || c.Stop < 0 {
			return nil, fmt.Errorf("%w: Strip decoder start %d, stop %d, want >= 0", ErrInvalid, c.Start, c.Stop)
		}
		r, _ := utf8.DecodeRuneInString(*c.Content)
		return stripDecoder{content: r, start: c.Start, stop: c.Stop}, nil
	case "Replace":
		lit, re, err := parsePattern(c.Pattern, "Replace decoder")
		if err != nil {
			return nil, err
		}
		if c.Content == nil {
			return nil, fmt.Errorf("%w: Replace decoder has no content", ErrInvalid)
		}
		return replaceDecoder{literal: lit, re: re, content: *c.Content}, nil
	case "Sequence":
		seq := make(sequenceDecoder, 0, len(c.Decoders))
		for i, sub := range c.Decoders {
			d, err := parseDecoderDepth(sub, depth+1)
			if err != nil {
				return nil, fmt.Errorf("decoder Sequence[%d]: %w", i, err)
			}
			if d != nil {
				seq = append(seq, d)
			}
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: decoder type %q (supported: ByteLevel, Metaspace, WordPiece, BPEDecoder, ByteFallback, Fuse, Strip, Replace, Sequence)",
		ErrUnsupported, c.Type)
}

func parseMetaspaceDecoder(replacement, scheme *string, addPrefixSpace *bool) (decoder, error) {
	m := metaspaceDecoder{replacement: '▁', stripFirst: true}
	if replacement != nil {
		if utf8.RuneCountInString(*replacement) != 1 {
			return nil, fmt.Errorf("%w: Metaspace decoder replacement %q, want one character", ErrInvalid, *replacement)
		}
		m.replacement, _ = utf8.DecodeRuneInString(*replacement)
	}
	if addPrefixSpace != nil && !*addPrefixSpace && (scheme == nil || *scheme != "never") {
		// tokenizers refuses the file: the default scheme is "always".
		return nil, fmt.Errorf("%w: Metaspace decoder add_prefix_space false does not match prepend_scheme %v", ErrInvalid, scheme)
	}
	switch {
	case scheme != nil:
		switch *scheme {
		case "always", "first":
		case "never":
			m.stripFirst = false
		default:
			return nil, fmt.Errorf("%w: Metaspace decoder prepend_scheme %q (want first, always or never)", ErrInvalid, *scheme)
		}
	case addPrefixSpace != nil:
		m.stripFirst = *addPrefixSpace
	}
	return m, nil
}
