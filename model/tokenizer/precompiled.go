package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// maxCharsmapBytes bounds a precompiled charsmap; SentencePiece's nmt_nfkc
// map is about 240 KB.
const maxCharsmapBytes = 16 << 20

// ErrCharsmap marks a precompiled_charsmap that cannot be read.
var ErrCharsmap = errors.New("bad precompiled_charsmap")

// precompiled is SentencePiece's precompiled normalizer, read from the
// model's charsmap: a little-endian uint32 byte size of a darts-clone double
// array trie, the trie's 32-bit units, then a blob of NUL-terminated
// replacement strings that the trie's values point into. It is applied as
// tokenizers (spm_precompiled) applies it: text is cut into extended
// grapheme clusters; a cluster shorter than 6 bytes is first looked up
// whole (the shortest trie key that prefixes it decides), otherwise, or when
// that finds nothing, each character is looked up alone.
type precompiled struct {
	units      []uint32
	normalized []byte
	bufs       *sync.Pool // of *precompiledBuf
	// asciiMapped marks the ASCII bytes the trie has a rule for; the others
	// are left as they are without a lookup.
	asciiMapped [128]bool
	hints       *graphemeHints
}

type precompiledBuf struct {
	text    []byte
	changes []change
}

// darts-clone unit fields.
func unitHasLeaf(u uint32) bool  { return (u>>8)&1 == 1 }
func unitValue(u uint32) uint32  { return u & (1<<31 - 1) }
func unitLabel(u uint32) uint32  { return u & (1<<31 | 0xFF) }
func unitOffset(u uint32) uint32 { return (u >> 10) << ((u & (1 << 9)) >> 6) }

// newPrecompiled parses a decoded charsmap.
func newPrecompiled(data []byte) (*precompiled, error) {
	if len(data) < 4 {
		return nil, fmt.Errorf("%w: %d bytes, want at least the 4-byte trie size", ErrCharsmap, len(data))
	}
	size := binary.LittleEndian.Uint32(data)
	// spm_precompiled reads size/4 units; a size that is not a multiple of
	// 4 drops the remainder the same way.
	nunits := uint64(size / 4)
	if nunits*4 > uint64(len(data)-4) {
		return nil, fmt.Errorf("%w: trie size %d bytes but only %d bytes follow the header", ErrCharsmap, size, len(data)-4)
	}
	if nunits == 0 {
		return nil, fmt.Errorf("%w: empty trie", ErrCharsmap)
	}
	p := &precompiled{units: make([]uint32, nunits)}
	for i := range p.units {
		p.units[i] = binary.LittleEndian.Uint32(data[4+4*i:])
	}
	p.normalized = data[4+4*nunits:]
	if !utf8.Valid(p.normalized) {
		return nil, fmt.Errorf("%w: the replacement strings are not valid UTF-8", ErrCharsmap)
	}
	p.bufs = &sync.Pool{New: func() any { return new(precompiledBuf) }}
	for c := range p.asciiMapped {
		_, p.asciiMapped[c] = p.lookup([]byte{byte(c)})
	}
	p.hints = newGraphemeHints()
	return p, nil
}

// lookup returns the replacement of the shortest trie key that is a prefix
// of key (the first common-prefix-search result, as spm_precompiled takes
// it). A NUL byte ends the key. Out-of-range positions in a damaged trie
// count as no match rather than a panic.
func (p *precompiled) lookup(key []byte) ([]byte, bool) {
	units := p.units
	pos := unitOffset(units[0])
	for _, c := range key {
		if c == 0 {
			return nil, false
		}
		pos ^= uint32(c)
		if pos >= uint32(len(units)) {
			return nil, false
		}
		u := units[pos]
		if unitLabel(u) != uint32(c) {
			return nil, false
		}
		pos ^= unitOffset(u)
		if unitHasLeaf(u) {
			if pos >= uint32(len(units)) {
				return nil, false
			}
			return p.replacement(unitValue(units[pos]))
		}
	}
	return nil, false
}

// replacement is the NUL-terminated string at index of the blob.
func (p *precompiled) replacement(index uint32) ([]byte, bool) {
	if uint64(index) > uint64(len(p.normalized)) {
		return nil, false
	}
	rest := p.normalized[index:]
	for i, c := range rest {
		if c == 0 {
			return rest[:i], true
		}
	}
	return rest, true
}

func (p *precompiled) normalize(s *normalized) {
	buf := p.bufs.Get().(*precompiledBuf)
	defer p.bufs.Put(buf)
	text := buf.text[:0]
	for _, r := range s.runes {
		text = utf8.AppendRune(text, r)
	}
	buf.text = text
	changes := buf.changes[:0]
	modified := false
	state := -1
	for rest := text; len(rest) > 0; {
		// Most characters are a grapheme cluster of their own, which the
		// hints tell without running the segmentation.
		if r, size := utf8.DecodeRune(rest); p.hints.alone(r, rest[size:]) {
			switch {
			case r < utf8.RuneSelf && !p.asciiMapped[r]:
				changes = append(changes, change{r: r})
			default:
				if repl, ok := p.lookup(rest[:size]); ok {
					modified = true
					changes = replaceChanges(changes, 1, repl)
				} else {
					changes = append(changes, change{r: r})
				}
			}
			rest = rest[size:]
			state = -1
			continue
		}
		var g []byte
		var mod bool
		g, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
		changes, mod = p.cluster(changes, g)
		modified = modified || mod
	}
	buf.changes = changes
	if modified {
		s.transform(changes, 0)
	}
	if cap(buf.text) > precompiledKeepBytes {
		// Do not pin a huge text's buffers in the pool.
		buf.text, buf.changes = nil, nil
	}
}

// cluster appends the changes of one grapheme cluster g, as spm_precompiled
// normalizes it: a cluster under 6 bytes is looked up whole; otherwise, or
// when it has no rule, each character is looked up alone. It reports
// whether anything was replaced.
func (p *precompiled) cluster(changes []change, g []byte) ([]change, bool) {
	if len(g) < 6 {
		if repl, ok := p.lookup(g); ok {
			return replaceChanges(changes, utf8.RuneCount(g), repl), true
		}
	}
	modified := false
	for len(g) > 0 {
		r, size := utf8.DecodeRune(g)
		if repl, ok := p.lookup(g[:size]); ok {
			modified = true
			changes = replaceChanges(changes, 1, repl)
		} else {
			changes = append(changes, change{r: r})
		}
		g = g[size:]
	}
	return changes, modified
}

// precompiledKeepBytes is the largest text whose buffers are pooled.
const precompiledKeepBytes = 1 << 16

// replaceChanges appends the change list of oldCount characters becoming
// repl, the way tokenizers' Precompiled describes it: the characters map one
// to one, extra ones are insertions at the end, and fewer ones charge the
// removal to the last change so far (which, when repl is empty, is the one
// before it; with none before, the removal is not recorded at all).
func replaceChanges(changes []change, oldCount int, repl []byte) []change {
	newCount := 0
	for len(repl) > 0 {
		r, size := utf8.DecodeRune(repl)
		changes = append(changes, change{r: r})
		repl = repl[size:]
		newCount++
	}
	diff := newCount - oldCount
	switch {
	case diff > 0:
		for i := len(changes) - diff; i < len(changes); i++ {
			changes[i].n = 1
		}
	case diff < 0 && len(changes) > 0:
		changes[len(changes)-1].n += int32(diff)
	}
	return changes
}

// parsePrecompiled reads a "Precompiled" normalizer section.
func parsePrecompiled(raw json.RawMessage) (normalizer, error) {
	var c struct {
		Charsmap *string `json:"precompiled_charsmap"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Precompiled normalizer: %v", ErrInvalid, err)
	}
	if c.Charsmap == nil {
		return nil, fmt.Errorf("%w: Precompiled normalizer: %w: precompiled_charsmap is missing or null", ErrInvalid, ErrCharsmap)
	}
	if base64.StdEncoding.DecodedLen(len(*c.Charsmap)) > maxCharsmapBytes {
		return nil, fmt.Errorf("%w: Precompiled normalizer: %w: larger than %d bytes", ErrInvalid, ErrCharsmap, maxCharsmapBytes)
	}
	data, err := base64.StdEncoding.DecodeString(*c.Charsmap)
	if err != nil {
		return nil, fmt.Errorf("%w: Precompiled normalizer: %w: base64: %v", ErrInvalid, ErrCharsmap, err)
	}
	p, err := newPrecompiled(data)
	if err != nil {
		return nil, fmt.Errorf("%w: Precompiled normalizer: %w", ErrInvalid, err)
	}
	return p, nil
}

// graphemeHints tells, for characters of the Basic Multilingual Plane,
// which ones may join the character before them into one grapheme cluster
// (marks of every kind, ZWJ and ZWNJ, Hangul vowels and trailing
// consonants, Thai and Lao AM) and which ones may join the character after
// them (CR, the Prepend characters, Hangul, and the joining ones again, for
// the Indic conjunct and emoji rules). Both sets are supersets of what the
// Unicode rules need: a character in neither position is certainly a
// cluster of its own, and anything else goes through the full segmentation.
type graphemeHints struct {
	joinsPrev, joinsNext [1 << 16 / 64]uint64
}

func newGraphemeHints() *graphemeHints {
	h := &graphemeHints{}
	set := func(bits *[1 << 16 / 64]uint64, lo, hi rune) {
		for r := lo; r <= hi && r < 1<<16; r++ {
			bits[r/64] |= 1 << (r % 64)
		}
	}
	for _, t := range []*unicode.RangeTable{unicode.Mn, unicode.Me, unicode.Mc, unicode.Other_Grapheme_Extend} {
		for _, rg := range t.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				set(&h.joinsPrev, r, r)
			}
		}
	}
	for _, rg := range [][2]rune{{0x200C, 0x200D}, {0x0E33, 0x0E33}, {0x0EB3, 0x0EB3}, {0x1160, 0x11FF}, {0xD7B0, 0xD7FF}} {
		set(&h.joinsPrev, rg[0], rg[1])
	}
	h.joinsNext = h.joinsPrev
	for _, rg := range [][2]rune{{'\r', '\r'}, {0x0600, 0x0605}, {0x06DD, 0x06DD}, {0x070F, 0x070F}, {0x0890, 0x0891},
		{0x08E2, 0x08E2}, {0x0D4E, 0x0D4E}, {0x1100, 0x11FF}, {0xA960, 0xA97F}, {0xAC00, 0xD7A3}, {0xD7B0, 0xD7FF}} {
		set(&h.joinsNext, rg[0], rg[1])
	}
	return h
}

// alone reports that r, followed by the text next, is certainly a
// grapheme cluster of its own.
func (h *graphemeHints) alone(r rune, next []byte) bool {
	if r >= 1<<16 || h.joinsNext[r/64]&(1<<(r%64)) != 0 {
		return false
	}
	if len(next) == 0 {
		return true
	}
	if c := next[0]; c < utf8.RuneSelf {
		return true
	}
	r2, _ := utf8.DecodeRune(next)
	return r2 < 1<<16 && h.joinsPrev[r2/64]&(1<<(r2%64)) == 0
}
