package tokenizer

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// unkPenalty is what an unknown character costs below the lowest piece
// score (tokenizers' K_UNK_PENALTY, from SentencePiece's kUnkPenalty).
const unkPenalty = 10.0

// maxUnigramPieceBytes bounds a vocabulary piece, so a hostile file cannot
// make the trie deep; real pieces are a few dozen bytes.
const maxUnigramPieceBytes = 1 << 10

// unigram is the SentencePiece unigram model as tokenizers runs it: the
// Viterbi segmentation of a word's UTF-8 bytes over every vocabulary piece,
// each scored by its log probability. A character no piece of its own length
// covers gets an unknown-token edge scored minScore-10; consecutive unknown
// tokens are fused into one (fuse_unk is always on in tokenizers). With
// byte_fallback an unknown piece becomes its <0xNN> byte tokens when all of
// them exist.
type unigram struct {
	pieces []string
	scores []float64
	ids    map[string]int64 // piece → id; the last of duplicate pieces wins, as in tokenizers
	trie   byteTrie

	minScore     float64
	unkID        int64
	byteFallback bool
	byteIDs      [256]int64 // id of "<0xNN>", -1 when absent
	byteTokens   [256]string

	// cache keeps the segmentation of words shorter than bpeCacheMaxWord
	// bytes, up to bpeCacheSize words, as tokenizers' Unigram caches them
	// (the BPE model's cache type). Words with an unknown token are not
	// cached: its value is the word's own text.
	cache *bpeCache
}

// lattice holds the Viterbi buffers of one word; it lives in scratch so
// encoding allocates nothing per token.
type lattice struct {
	score  []float64
	start  []int32 // -1: no path ends here yet
	id     []int32
	runeAt []int32 // byte offset → rune index (valid at rune boundaries)
	segs   []latticeSeg
	cached []bpeTok // a word's tokens on their way into the cache
}

// latticeSeg is one token of the best path, in bytes; unk marks a run of
// fused unknown characters.
type latticeSeg struct {
	lo, hi int32
	id     int32
	unk    bool
}

func (l *lattice) reset(n int) {
	l.score = slices.Grow(l.score[:0], n+1)[:n+1]
	l.start = slices.Grow(l.start[:0], n+1)[:n+1]
	l.id = slices.Grow(l.id[:0], n+1)[:n+1]
	l.runeAt = slices.Grow(l.runeAt[:0], n+1)[:n+1]
	for i := range l.start {
		l.start[i] = -1
	}
	l.score[0] = 0
}

func (u *unigram) tokenID(s string) (int64, bool) {
	id, ok := u.ids[s]
	return id, ok
}

func (u *unigram) tokenOf(id int64) (string, bool) {
	if id < 0 || id >= int64(len(u.pieces)) {
		return "", false
	}
	return u.pieces[id], true
}

func (u *unigram) vocabSize() int { return len(u.pieces) }

// tokenize appends the best segmentation of word.
func (u *unigram) tokenize(dst []token, word []rune, sc *scratch) []token {
	if len(word) == 0 {
		return dst
	}
	lat := &sc.lat
	b := sc.word[:0]
	for _, r := range word {
		b = utf8.AppendRune(b, r)
	}
	sc.word = b
	n := len(b)
	cacheable := n < bpeCacheMaxWord
	if cacheable {
		if toks, ok := u.cache.get(b); ok {
			for _, t := range toks {
				dst = append(dst, token{id: int64(t.id), value: u.pieces[t.id], lo: int(t.lo), hi: int(t.hi)})
			}
			return dst
		}
	}
	mark := len(dst)
	lat.reset(n)
	ri := int32(0)
	for i := 0; i < n; {
		lat.runeAt[i] = ri
		_, size := utf8.DecodeRune(b[i:])
		i += size
		ri++
	}
	lat.runeAt[n] = ri
	u.viterbi(lat, b)
	lat.segs = u.bestPath(lat.segs[:0], lat, n)
	unk := false
	for i := len(lat.segs) - 1; i >= 0; i-- {
		dst = u.emit(dst, lat.segs[i], b, lat.runeAt)
		unk = unk || lat.segs[i].unk
	}
	if cacheable && !unk {
		lat.cached = lat.cached[:0]
		for _, t := range dst[mark:] {
			lat.cached = append(lat.cached, bpeTok{id: int32(t.id), lo: int32(t.lo), hi: int32(t.hi)})
		}
		u.cache.put(b, lat.cached)
	}
	if n > latticeKeepBytes {
		// A huge word (a hostile 1 MB run without spaces) would otherwise
		// pin 20 bytes of lattice per byte in the pool.
		*lat = lattice{}
		sc.word = nil
	}
	return dst
}

// latticeKeepBytes is the longest word whose lattice buffers are kept for
// the next call.
const latticeKeepBytes = 1 << 16

// viterbi fills the best path ending at every rune boundary: start by
// start, every piece that is a prefix of the rest (shortest first), keeping
// the first best candidate of each end, exactly as tokenizers'
// encode_optimized does so that ties break the same way.
func (u *unigram) viterbi(lat *lattice, b []byte) {
	n := len(b)
	unkScore := u.minScore - unkPenalty
	for start := 0; start < n; {
		base := lat.score[start]
		_, mblen := utf8.DecodeRune(b[start:])
		single := false
		node := int32(0)
		for j := start; j < n; j++ {
			node = u.trie.child(node, b[j])
			if node < 0 {
				break
			}
			id := u.trie.value[node]
			if id < 0 {
				continue
			}
			end := j + 1
			cand := u.scores[id] + base
			if lat.start[end] < 0 || cand > lat.score[end] {
				lat.score[end], lat.start[end], lat.id[end] = cand, int32(start), id
			}
			if end-start == mblen {
				single = true
			}
		}
		if !single {
			end := start + mblen
			cand := unkScore + base
			if lat.start[end] < 0 || cand > lat.score[end] {
				lat.score[end], lat.start[end], lat.id[end] = cand, int32(start), int32(u.unkID)
			}
		}
		start += mblen
	}
}

// bestPath walks the best path back from the end, fusing consecutive
// unknown tokens; the segments come out last first.
func (u *unigram) bestPath(segs []latticeSeg, lat *lattice, n int) []latticeSeg {
	for end := int32(n); end > 0; {
		start, id := lat.start[end], lat.id[end]
		if start < 0 { // unreachable with an unk id; keeps a bad lattice from looping
			break
		}
		if int64(id) == u.unkID {
			if k := len(segs) - 1; k >= 0 && segs[k].unk {
				segs[k].lo = start
			} else {
				segs = append(segs, latticeSeg{lo: start, hi: end, id: id, unk: true})
			}
		} else {
			segs = append(segs, latticeSeg{lo: start, hi: end, id: id})
		}
		end = start
	}
	return segs
}

// emit appends the tokens of one segment. A piece is its own token. A run
// of unknown characters is looked up as a whole (it may be a piece), else
// becomes its byte tokens with byte_fallback, else the unknown token, whose
// value is the text it covers, as tokenizers reports it.
func (u *unigram) emit(dst []token, s latticeSeg, b []byte, runeAt []int32) []token {
	lo, hi := int(runeAt[s.lo]), int(runeAt[s.hi])
	if !s.unk {
		id := int64(s.id)
		return append(dst, token{id: id, value: u.pieces[id], lo: lo, hi: hi})
	}
	text := b[s.lo:s.hi]
	if id, ok := u.ids[string(text)]; ok {
		return append(dst, token{id: id, value: u.pieces[id], lo: lo, hi: hi})
	}
	if u.byteFallback {
		all := true
		for _, c := range text {
			if u.byteIDs[c] < 0 {
				all = false
				break
			}
		}
		if all {
			for _, c := range text {
				dst = append(dst, token{id: u.byteIDs[c], value: u.byteTokens[c], lo: lo, hi: hi})
			}
			return dst
		}
	}
	return append(dst, token{id: u.unkID, value: string(text), lo: lo, hi: hi})
}

// byteTrie is a byte-wise trie over the vocabulary pieces. Nodes with many
// children (the root, the node after "▁") index them by a 256-entry table;
// the others keep them sorted in one shared edge array, searched linearly.
type byteTrie struct {
	dense   []int32  // 256 entries per dense node: child per byte, -1 when none
	denseOf []int32  // per node: start of its table in dense, -1 when sparse
	first   []int32  // per node: index of its first edge
	count   []uint16 // per node: number of edges
	labels  []byte   // per edge
	next    []int32  // per edge: child node
	value   []int32  // per node: piece id ending here, -1 when none
}

// denseMin is the fan-out from which a node gets a direct table.
const denseMin = 8

// child returns the child of node along c, or -1.
func (t *byteTrie) child(node int32, c byte) int32 {
	if d := t.denseOf[node]; d >= 0 {
		return t.dense[d+int32(c)]
	}
	f := t.first[node]
	labels := t.labels[f : f+int32(t.count[node])]
	for i, l := range labels {
		if l == c {
			return t.next[f+int32(i)]
		}
		if l > c {
			break
		}
	}
	return -1
}

// buildByteTrie builds the trie of keys, each ending node holding vals[i].
// Keys must be non-empty; of duplicate keys the later one's value is kept.
// Keys are sorted and inserted in order, so nodes are created depth first
// with the children of each node in increasing byte order: the edge array
// is then filled without any per-node map (a 250,000-piece vocabulary
// builds in a fraction of a second).
func buildByteTrie(keys []string, vals []int32) byteTrie {
	order := make([]int32, len(keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := strings.Compare(keys[a], keys[b]); c != 0 {
			return c
		}
		return int(a - b) // stable: the later duplicate is inserted last
	})
	total := 1
	for _, k := range keys {
		total += len(k)
	}
	parent := append(make([]int32, 0, total), -1)
	label := append(make([]byte, 0, total), 0)
	value := append(make([]int32, 0, total), -1)
	path := []int32{0} // path[d]: node of the previous key's prefix of length d
	prev := ""
	for _, i := range order {
		k := keys[i]
		lcp := 0
		for lcp < len(k) && lcp < len(prev) && k[lcp] == prev[lcp] {
			lcp++
		}
		path = path[:lcp+1]
		for j := lcp; j < len(k); j++ {
			n := int32(len(parent))
			parent = append(parent, path[j])
			label = append(label, k[j])
			value = append(value, -1)
			path = append(path, n)
		}
		value[path[len(k)]] = vals[i]
		prev = k
	}
	nn := len(parent)
	t := byteTrie{
		denseOf: make([]int32, nn),
		first:   make([]int32, nn),
		count:   make([]uint16, nn),
		value:   value,
		labels:  make([]byte, nn-1),
		next:    make([]int32, nn-1),
	}
	for n := 1; n < nn; n++ {
		t.count[parent[n]]++ // at most 256 children: fits
	}
	pos := make([]int32, nn)
	sum, ndense := int32(0), int32(0)
	for n := range nn {
		t.first[n], pos[n] = sum, sum
		sum += int32(t.count[n])
		t.denseOf[n] = -1
		if n == 0 || t.count[n] >= denseMin {
			t.denseOf[n] = ndense * 256
			ndense++
		}
	}
	t.dense = make([]int32, ndense*256)
	for i := range t.dense {
		t.dense[i] = -1
	}
	for n := 1; n < nn; n++ {
		p := parent[n]
		e := pos[p]
		pos[p]++
		t.labels[e], t.next[e] = label[n], int32(n)
		if d := t.denseOf[p]; d >= 0 {
			t.dense[d+int32(label[n])] = int32(n)
		}
	}
	return t
}

// parseUnigram reads a "Unigram" model section. The vocabulary (250,000
// pieces for XLM-R) is read by hand rather than through encoding/json, for
// load time; the options through unmarshalSmall.
func parseUnigram(raw json.RawMessage) (model, error) {
	var c struct {
		UnkID        *int64 `json:"unk_id"`
		ByteFallback bool   `json:"byte_fallback"`
	}
	if err := unmarshalSmall(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Unigram model: %v", ErrInvalid, err)
	}
	vocabRaw, err := modelVocab(raw, "Unigram")
	if err != nil {
		return nil, err
	}
	pieces, scores, err := jsonUnigramVocab(vocabRaw)
	if err != nil {
		return nil, fmt.Errorf("%w: Unigram vocab: %v", ErrInvalid, err)
	}
	if len(pieces) == 0 {
		return nil, fmt.Errorf("%w: Unigram model has an empty vocab", ErrInvalid)
	}
	// Encode cannot fail, so a model that would fail on an unknown
	// character (tokenizers' MissingUnkId) is refused here.
	if c.UnkID == nil {
		return nil, fmt.Errorf("%w: Unigram model without unk_id (texts with characters outside the vocabulary could not be encoded)", ErrUnsupported)
	}
	if *c.UnkID < 0 || *c.UnkID >= int64(len(pieces)) {
		return nil, fmt.Errorf("%w: Unigram unk_id %d is outside the vocab of %d pieces", ErrInvalid, *c.UnkID, len(pieces))
	}
	u := &unigram{
		pieces:       pieces,
		scores:       scores,
		ids:          make(map[string]int64, len(pieces)),
		minScore:     math.Inf(1),
		unkID:        *c.UnkID,
		byteFallback: c.ByteFallback,
		cache:        &bpeCache{m: make(map[string][]bpeTok)},
	}
	// The trie holds every non-empty piece with its id; of duplicate pieces
	// the later one is kept, the id tokenizers' token_to_ids gives it. It
	// is built while the lookup map is filled (the two take about as long
	// on a 250,000-piece vocabulary).
	keys := make([]string, 0, len(pieces))
	vals := make([]int32, 0, len(pieces))
	for i, p := range pieces {
		u.minScore = min(u.minScore, scores[i])
		if p != "" {
			keys = append(keys, p)
			vals = append(vals, int32(i))
		}
	}
	var wg sync.WaitGroup
	wg.Go(func() { u.trie = buildByteTrie(keys, vals) })
	for i, p := range pieces {
		u.ids[p] = int64(i)
	}
	wg.Wait()
	for i := range u.byteIDs {
		u.byteTokens[i] = fmt.Sprintf("<0x%02X>", i)
		u.byteIDs[i] = -1
		if id, ok := u.ids[u.byteTokens[i]]; ok {
			u.byteIDs[i] = id
		}
	}
	return u, nil
}

// jsonUnigramVocab reads [["piece", score], …].
func jsonUnigramVocab(data []byte) (pieces []string, scores []float64, err error) {
	starts, arrays, err := jsonElems(data)
	if err != nil {
		return nil, nil, err
	}
	if len(starts) > 0 && !arrays {
		return nil, nil, fmt.Errorf("entries must be [piece, score] arrays")
	}
	if len(starts) >= maxVocabID {
		return nil, nil, fmt.Errorf("%d pieces, more than %d", len(starts), maxVocabID)
	}
	pieces = make([]string, len(starts))
	scores = make([]float64, len(starts))
	// All pieces share one backing string: one allocation, not 250,000.
	arena := make([]byte, 0, len(data))
	ends := make([]int, len(starts))
	var buf []byte
	for n, i := range starts {
		i = jsonSpace(data, i+1)
		if i >= len(data) || data[i] != '"' {
			return nil, nil, fmt.Errorf("entry %d: piece string expected at byte %d", n, i)
		}
		end, esc, err := jsonString(data, i)
		if err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", n, err)
		}
		piece := data[i+1 : end-1]
		if esc {
			if buf, err = jsonUnquote(buf[:0], data[i:end]); err != nil {
				return nil, nil, fmt.Errorf("entry %d: %w", n, err)
			}
			piece = buf
		}
		if !utf8.Valid(piece) {
			return nil, nil, fmt.Errorf("entry %d: piece is not valid UTF-8", n)
		}
		if len(piece) > maxUnigramPieceBytes {
			return nil, nil, fmt.Errorf("entry %d is %d bytes long (at most %d)", n, len(piece), maxUnigramPieceBytes)
		}
		arena = append(arena, piece...)
		ends[n] = len(arena)
		if i = jsonSpace(data, end); i >= len(data) || data[i] != ',' {
			return nil, nil, fmt.Errorf("entry %d (%q): ',' and a score expected at byte %d", n, piece, i)
		}
		i = jsonSpace(data, i+1)
		j := i
		for j < len(data) && strings.IndexByte("+-.0123456789eE", data[j]) >= 0 {
			j++
		}
		if scores[n], err = strconv.ParseFloat(string(data[i:j]), 64); err != nil {
			return nil, nil, fmt.Errorf("entry %d (%q): score: %v", n, piece, err)
		}
		if i = jsonSpace(data, j); i >= len(data) || data[i] != ']' {
			return nil, nil, fmt.Errorf("entry %d (%q): ']' expected after the score at byte %d", n, piece, i)
		}
	}
	all := string(arena)
	for n, end := range ends {
		start := 0
		if n > 0 {
			start = ends[n-1]
		}
		pieces[n] = all[start:end]
	}
	return pieces, scores, nil
}
