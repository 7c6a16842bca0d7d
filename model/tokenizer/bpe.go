package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"
)

// bpe is tokenizers' BPE model: a word starts as one symbol per character
// (with continuing_subword_prefix before every character but the first and
// end_of_word_suffix after the last), unknown characters become their UTF-8
// bytes as <0xXX> tokens (byte_fallback) or the unknown token (fused into
// one when fuse_unk), and then the pair of adjacent symbols with the lowest
// merge rank is merged, leftmost first, until no pair has a merge.
//
// The merge loop is tokenizers' own (a priority queue ordered by rank then
// position, stale entries skipped), so ties and chains resolve exactly as
// the reference resolves them. Results for words shorter than
// bpeCacheMaxWord bytes are cached, up to bpeCacheSize words, as tokenizers
// caches them: the cache never evicts, it stops growing when full.
type bpe struct {
	vocab
	merges mergeTable
	lookup strTable // the vocab again, for the model's hot lookups

	// Single-character ids without prefix or suffix, the common case: a
	// table for runes below len(small), a map above. -1: not in the vocab.
	small []int32
	large map[rune]int32

	prefix, suffix string
	unk            string
	unkID          int64 // -1: no unknown token, unknown characters vanish
	byteFallback   bool
	byteIDs        [256]int32 // id of <0xXX>, -1 when missing
	fuseUnk        bool
	ignoreMerges   bool

	cache *bpeCache
}

// bpeCacheSize and bpeCacheMaxWord are tokenizers' DEFAULT_CACHE_CAPACITY
// and MAX_LENGTH: at most 10,000 words, each shorter than 256 bytes.
const (
	bpeCacheSize    = 10_000
	bpeCacheMaxWord = 256
)

// bpeTok is a cached token: an id and a rune range of the word.
type bpeTok struct{ id, lo, hi int32 }

// bpeCache is a bounded word -> tokens cache shared by all goroutines.
type bpeCache struct {
	mu sync.RWMutex
	m  map[string][]bpeTok
}

func (c *bpeCache) get(word []byte) ([]bpeTok, bool) {
	c.mu.RLock()
	v, ok := c.m[string(word)]
	c.mu.RUnlock()
	return v, ok
}

func (c *bpeCache) put(word []byte, toks []bpeTok) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= bpeCacheSize {
		return
	}
	if _, ok := c.m[string(word)]; ok {
		return
	}
	c.m[string(word)] = append([]bpeTok(nil), toks...)
}

// bpeSym is a symbol of a word being merged: a token id, the rune range it
// covers, and its neighbours in the linked list (-1: none). hi == -1 marks a
// symbol merged into its left neighbour.
type bpeSym struct {
	id         int32
	lo, hi     int32
	prev, next int32
}

// bpeMerge is a candidate merge of the symbol at pos with its next one.
type bpeMerge struct {
	rank  uint32
	pos   int32
	newID int32
}

func (a bpeMerge) less(b bpeMerge) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos)
}

// bpeScratch holds the per-call buffers of the BPE model.
type bpeScratch struct {
	syms []bpeSym
	heap []bpeMerge
	toks []bpeTok
}

func (h *bpeScratch) push(m bpeMerge) {
	h.heap = append(h.heap, m)
	q := h.heap
	for i := len(q) - 1; i > 0; {
		p := (i - 1) / 2
		if !q[i].less(q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
}

func (h *bpeScratch) pop() bpeMerge {
	q := h.heap
	top := q[0]
	n := len(q) - 1
	q[0] = q[n]
	q = q[:n]
	for i := 0; ; {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q[r].less(q[l]) {
			m = r
		}
		if !q[m].less(q[i]) {
			break
		}
		q[i], q[m] = q[m], q[i]
		i = m
	}
	h.heap = q
	return top
}

func (b *bpe) tokenize(dst []token, word []rune, sc *scratch) []token {
	n := len(word)
	if n == 0 {
		return dst
	}
	sc.word = sc.word[:0]
	for _, r := range word {
		sc.word = utf8.AppendRune(sc.word, r)
	}
	if b.ignoreMerges {
		if id, ok := b.lookup.get(sc.word); ok {
			return append(dst, token{id: id, value: b.tokens[id], lo: 0, hi: n})
		}
	}
	cacheable := b.cache != nil && len(sc.word) < bpeCacheMaxWord
	if cacheable {
		if toks, ok := b.cache.get(sc.word); ok {
			return b.emit(dst, toks)
		}
	}
	bs := &sc.bpe
	b.symbols(bs, word, sc)
	b.mergeAll(bs)
	bs.toks = bs.toks[:0]
	for i := range bs.syms {
		if s := bs.syms[i]; s.hi >= 0 {
			bs.toks = append(bs.toks, bpeTok{s.id, s.lo, s.hi})
		}
	}
	if cacheable {
		b.cache.put(sc.word, bs.toks)
	}
	return b.emit(dst, bs.toks)
}

func (b *bpe) emit(dst []token, toks []bpeTok) []token {
	for _, t := range toks {
		dst = append(dst, token{id: int64(t.id), value: b.tokens[t.id], lo: int(t.lo), hi: int(t.hi)})
	}
	return dst
}

// charID is the id of the initial symbol for rune i of word (prefix and
// suffix applied), or -1.
func (b *bpe) charID(word []rune, i int, sc *scratch) int32 {
	r := word[i]
	plain := (i == 0 || b.prefix == "") && (i < len(word)-1 || b.suffix == "")
	if plain {
		if r >= 0 && int(r) < len(b.small) {
			return b.small[r]
		}
		if id, ok := b.large[r]; ok {
			return id
		}
		return -1
	}
	sc.key = b.charKey(sc.key[:0], word, i)
	if id, ok := b.lookup.get(sc.key); ok {
		return int32(id)
	}
	return -1
}

// charKey is the vocabulary key of rune i of word: the rune with the
// continuing prefix (not on the first) and the end-of-word suffix (on the
// last).
func (b *bpe) charKey(dst []byte, word []rune, i int) []byte {
	if i > 0 {
		dst = append(dst, b.prefix...)
	}
	dst = utf8.AppendRune(dst, word[i])
	if i == len(word)-1 {
		dst = append(dst, b.suffix...)
	}
	return dst
}

// symbols builds the initial symbols of word as tokenizers' merge_word
// does, including its order of a pending unknown token and byte-fallback
// tokens.
func (b *bpe) symbols(bs *bpeScratch, word []rune, sc *scratch) {
	bs.syms = bs.syms[:0]
	add := func(id, lo, hi int32) {
		k := int32(len(bs.syms))
		bs.syms = append(bs.syms, bpeSym{id: id, lo: lo, hi: hi, prev: k - 1, next: k + 1})
	}
	unkLo, unkHi := int32(-1), int32(-1)
	flushUnk := func() {
		if unkLo >= 0 {
			add(int32(b.unkID), unkLo, unkHi)
			unkLo = -1
		}
	}
	for i := range word {
		lo, hi := int32(i), int32(i+1)
		if id := b.charID(word, i, sc); id >= 0 {
			flushUnk()
			add(id, lo, hi)
			continue
		}
		if b.byteFallback && b.addBytes(bs, word, i, sc) {
			continue
		}
		if b.unkID < 0 {
			continue
		}
		switch {
		case unkLo >= 0 && b.fuseUnk:
			unkHi = hi
		default:
			flushUnk()
			unkLo, unkHi = lo, hi
		}
	}
	flushUnk()
	if k := len(bs.syms); k > 0 {
		bs.syms[k-1].next = -1
	}
}

// addBytes adds the <0xXX> tokens of rune i's key, or nothing when one of
// them is missing from the vocabulary.
func (b *bpe) addBytes(bs *bpeScratch, word []rune, i int, sc *scratch) bool {
	sc.key = b.charKey(sc.key[:0], word, i)
	for _, c := range sc.key {
		if b.byteIDs[c] < 0 {
			return false
		}
	}
	for _, c := range sc.key {
		k := int32(len(bs.syms))
		bs.syms = append(bs.syms, bpeSym{id: b.byteIDs[c], lo: int32(i), hi: int32(i + 1), prev: k - 1, next: k + 1})
	}
	return true
}

// mergeAll is tokenizers' Word::merge_all without dropout.
func (b *bpe) mergeAll(bs *bpeScratch) {
	syms := bs.syms
	bs.heap = bs.heap[:0]
	for i := 0; i+1 < len(syms); i++ {
		if rank, id, ok := b.merges.get(syms[i].id, syms[i+1].id); ok {
			bs.push(bpeMerge{rank: rank, pos: int32(i), newID: id})
		}
	}
	for len(bs.heap) > 0 {
		top := bs.pop()
		cur := &syms[top.pos]
		if cur.hi < 0 || cur.next < 0 {
			continue
		}
		rpos := cur.next
		right := syms[rpos]
		// A stale entry: one side changed since it was queued.
		if _, id, ok := b.merges.get(cur.id, right.id); !ok || id != top.newID {
			continue
		}
		cur.id, cur.hi, cur.next = top.newID, right.hi, right.next
		syms[rpos].hi = -1
		if right.next >= 0 {
			syms[right.next].prev = top.pos
		}
		if cur.prev >= 0 {
			if rank, id, ok := b.merges.get(syms[cur.prev].id, cur.id); ok {
				bs.push(bpeMerge{rank: rank, pos: cur.prev, newID: id})
			}
		}
		if cur.next >= 0 {
			if rank, id, ok := b.merges.get(cur.id, syms[cur.next].id); ok {
				bs.push(bpeMerge{rank: rank, pos: top.pos, newID: id})
			}
		}
	}
}

// bpeJSON holds the options of the BPE model section; the vocab and the
// merges are read by jsonVocab and jsonStrings.
type bpeJSON struct {
	Dropout      *float64 `json:"dropout"`
	Unk          *string  `json:"unk_token"`
	Prefix       *string  `json:"continuing_subword_prefix"`
	Suffix       *string  `json:"end_of_word_suffix"`
	FuseUnk      bool     `json:"fuse_unk"`
	ByteFallback bool     `json:"byte_fallback"`
	IgnoreMerges bool     `json:"ignore_merges"`
}

// parseBPE reads a BPE model section. Dropout (random merges skipped at
// training time) is refused: encodings would not be reproducible.
func parseBPE(raw json.RawMessage) (model, error) {
	var c bpeJSON
	var vocabRaw, mergesRaw []byte
	small := []byte{'{'}
	err := jsonFields(raw, func(key string, val []byte) error {
		switch key {
		case "vocab":
			vocabRaw = val
		case "merges":
			mergesRaw = val
		default:
			if len(small) > 1 {
				small = append(small, ',')
			}
			small = append(strconv.AppendQuote(small, key), ':')
			small = append(small, val...)
		}
		return nil
	})
	if err == nil {
		err = json.Unmarshal(append(small, '}'), &c)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: BPE model: %v", ErrInvalid, err)
	}
	if c.Dropout != nil && *c.Dropout != 0 {
		return nil, fmt.Errorf("%w: BPE model dropout %g (only null or 0: dropout makes encodings random)", ErrUnsupported, *c.Dropout)
	}
	var vm map[string]int64
	if vocabRaw != nil {
		if vm, err = jsonVocab(vocabRaw); err != nil {
			return nil, fmt.Errorf("%w: BPE vocab: %v", ErrInvalid, err)
		}
	}
	if len(vm) == 0 {
		return nil, fmt.Errorf("%w: BPE model has an empty vocab", ErrInvalid)
	}
	v, err := newVocab(vm)
	if err != nil {
		return nil, err
	}
	b := &bpe{vocab: v, unkID: -1, fuseUnk: c.FuseUnk, byteFallback: c.ByteFallback, ignoreMerges: c.IgnoreMerges,
		cache: &bpeCache{m: make(map[string][]bpeTok)}}
	if c.Prefix != nil {
		b.prefix = *c.Prefix
	}
	if c.Suffix != nil {
		b.suffix = *c.Suffix
	}
	if c.Unk != nil {
		id, ok := v.ids[*c.Unk]
		if !ok {
			return nil, fmt.Errorf("%w: BPE unk_token %q is not in the vocab", ErrInvalid, *c.Unk)
		}
		b.unk, b.unkID = *c.Unk, id
	}
	b.indexChars()
	b.lookup = newStrTable(v.ids, v.tokens)
	if b.merges, err = b.readMerges(mergesRaw); err != nil {
		return nil, err
	}
	return b, nil
}

// indexChars fills the single-rune and byte-fallback tables.
func (b *bpe) indexChars() {
	b.small = make([]int32, 0x800)
	for i := range b.small {
		b.small[i] = -1
	}
	b.large = map[rune]int32{}
	for tok, id := range b.ids {
		r, size := utf8.DecodeRuneInString(tok)
		if size != len(tok) || (r == utf8.RuneError && size <= 1) {
			continue
		}
		if int(r) < len(b.small) {
			b.small[r] = int32(id)
		} else {
			b.large[r] = int32(id)
		}
	}
	for i := range b.byteIDs {
		b.byteIDs[i] = -1
		if id, ok := b.ids[fmt.Sprintf("<0x%02X>", i)]; ok {
			b.byteIDs[i] = int32(id)
		}
	}
}

// readMerges reads the merges in either format: ["a b", …] (split on the
// one space; "#version" lines skipped) or [["a", "b"], …]. A later
// duplicate of a pair replaces the earlier one, as in tokenizers.
//
// Resolving 500,000 merges is three vocabulary lookups each, most of the
// load time of a large file, so the list is cut into one part per CPU and
// the parts are resolved in parallel; the map is then filled in order.
func (b *bpe) readMerges(raw []byte) (mergeTable, error) {
	if isNull(raw) {
		return newMergeTable(0), nil
	}
	starts, pairs, err := jsonElems(raw)
	if err != nil {
		return mergeTable{}, fmt.Errorf("%w: BPE merges: %v", ErrInvalid, err)
	}
	// resolved[i] is merge i: its pair, its merged token, or a "#version"
	// line to skip.
	type merge struct {
		pair uint64
		id   uint32
		skip bool
	}
	resolved := make([]merge, len(starts))
	parts := min(runtime.GOMAXPROCS(0), 8, len(starts)/10_000+1)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for w := range parts {
		lo, hi := len(starts)*w/parts, len(starts)*(w+1)/parts
		wg.Go(func() {
			var bufA, bufB, key []byte
			for i := lo; i < hi; i++ {
				l, r, err := jsonMergeElem(raw, starts[i], pairs, &bufA, &bufB)
				if err == nil && !pairs {
					if bytes.HasPrefix(l, []byte("#version")) {
						resolved[i].skip = true
						continue
					}
					var ok bool
					if l, r, ok = bytes.Cut(l, []byte{' '}); !ok || bytes.IndexByte(r, ' ') >= 0 {
						err = fmt.Errorf("%q is not two tokens separated by one space", l)
					}
				}
				if err == nil {
					resolved[i].pair, resolved[i].id, key, err = b.resolveMerge(l, r, key)
				}
				if err != nil {
					errs[w] = fmt.Errorf("merge %d: %w", i+1, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return mergeTable{}, fmt.Errorf("%w: BPE merges: %v", ErrInvalid, err)
		}
	}
	m := newMergeTable(len(resolved))
	rank := uint64(0)
	for _, r := range resolved {
		if r.skip {
			continue
		}
		m.put(r.pair, rank<<32|uint64(r.id))
		rank++
	}
	return m, nil
}

// resolveMerge looks up the two tokens of a merge and their concatenation
// (the right one without its continuing_subword_prefix).
func (b *bpe) resolveMerge(l, r, key []byte) (uint64, uint32, []byte, error) {
	a, ok := b.lookup.get(l)
	if !ok {
		return 0, 0, key, fmt.Errorf("token %q is not in the vocab", l)
	}
	c, ok := b.lookup.get(r)
	if !ok {
		return 0, 0, key, fmt.Errorf("token %q is not in the vocab", r)
	}
	right, ok := bytes.CutPrefix(r, []byte(b.prefix))
	if !ok {
		return 0, 0, key, fmt.Errorf("token %q lacks the continuing_subword_prefix %q", r, b.prefix)
	}
	key = append(append(key[:0], l...), right...)
	id, ok := b.lookup.get(key)
	if !ok {
		return 0, 0, key, fmt.Errorf("merged token %q is not in the vocab", key)
	}
	return uint64(a)<<32 | uint64(c), uint32(id), key, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
