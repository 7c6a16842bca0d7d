package tokenizer

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
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
}

// lattice holds the Viterbi buffers of one word; it lives in scratch so
// encoding allocates nothing per token.
type lattice struct {
	score  []float64
	start  []int32 // -1: no path ends here yet
	id     []int32
	runeAt []int32 // byte offset → rune index (valid at rune boundaries)
	segs   []latticeSeg
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
	for i := len(lat.segs) - 1; i >= 0; i-- {
		dst = u.emit(dst, lat.segs[i], b, lat.runeAt)
	}
	return dst
}

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
// Keys must be non-empty; a later duplicate overwrites an earlier one.
func buildByteTrie(keys []string, vals []int32) byteTrie {
	// Build with a map-based tree, then flatten breadth first.
	type tmp struct {
		kids  map[byte]int32
		value int32
	}
	nodes := []tmp{{value: -1}}
	for i, k := range keys {
		cur := int32(0)
		for j := 0; j < len(k); j++ {
			if nodes[cur].kids == nil {
				nodes[cur].kids = map[byte]int32{}
			}
			nx, ok := nodes[cur].kids[k[j]]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, tmp{value: -1})
				nodes[cur].kids[k[j]] = nx
			}
			cur = nx
		}
		nodes[cur].value = vals[i]
	}
	t := byteTrie{
		denseOf: make([]int32, len(nodes)),
		first:   make([]int32, len(nodes)),
		count:   make([]uint16, len(nodes)),
		value:   make([]int32, len(nodes)),
	}
	for i, nd := range nodes {
		t.value[i] = nd.value
		t.first[i] = int32(len(t.labels))
		t.count[i] = uint16(len(nd.kids))
		t.denseOf[i] = -1
		if i == 0 || len(nd.kids) >= denseMin {
			t.denseOf[i] = int32(len(t.dense))
			for range 256 {
				t.dense = append(t.dense, -1)
			}
			for c, kid := range nd.kids {
				t.dense[t.denseOf[i]+int32(c)] = kid
			}
		}
		labels := make([]byte, 0, len(nd.kids))
		for c := range nd.kids {
			labels = append(labels, c)
		}
		slices.Sort(labels)
		for _, c := range labels {
			t.labels = append(t.labels, c)
			t.next = append(t.next, nd.kids[c])
		}
	}
	return t
}

// parseUnigram reads a "Unigram" model section.
func parseUnigram(raw json.RawMessage) (model, error) {
	var c struct {
		Vocab        [][2]json.RawMessage `json:"vocab"`
		UnkID        *int64               `json:"unk_id"`
		ByteFallback bool                 `json:"byte_fallback"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("%w: Unigram model: %v", ErrInvalid, err)
	}
	if len(c.Vocab) == 0 {
		return nil, fmt.Errorf("%w: Unigram model has an empty vocab", ErrInvalid)
	}
	if len(c.Vocab) >= maxVocabID {
		return nil, fmt.Errorf("%w: Unigram vocab has %d pieces, more than %d", ErrInvalid, len(c.Vocab), maxVocabID)
	}
	// Encode cannot fail, so a model that would fail on an unknown
	// character (tokenizers' MissingUnkId) is refused here.
	if c.UnkID == nil {
		return nil, fmt.Errorf("%w: Unigram model without unk_id (texts with characters outside the vocabulary could not be encoded)", ErrUnsupported)
	}
	if *c.UnkID < 0 || *c.UnkID >= int64(len(c.Vocab)) {
		return nil, fmt.Errorf("%w: Unigram unk_id %d is outside the vocab of %d pieces", ErrInvalid, *c.UnkID, len(c.Vocab))
	}
	u := &unigram{
		pieces:       make([]string, len(c.Vocab)),
		scores:       make([]float64, len(c.Vocab)),
		ids:          make(map[string]int64, len(c.Vocab)),
		minScore:     math.Inf(1),
		unkID:        *c.UnkID,
		byteFallback: c.ByteFallback,
	}
	for i, e := range c.Vocab {
		if err := json.Unmarshal(e[0], &u.pieces[i]); err != nil {
			return nil, fmt.Errorf("%w: Unigram vocab entry %d piece: %v", ErrInvalid, i, err)
		}
		if err := json.Unmarshal(e[1], &u.scores[i]); err != nil {
			return nil, fmt.Errorf("%w: Unigram vocab entry %d (%q) score: %v", ErrInvalid, i, u.pieces[i], err)
		}
		if len(u.pieces[i]) > maxUnigramPieceBytes {
			return nil, fmt.Errorf("%w: Unigram vocab entry %d is %d bytes long (at most %d)", ErrInvalid, i, len(u.pieces[i]), maxUnigramPieceBytes)
		}
		u.ids[u.pieces[i]] = int64(i)
		u.minScore = min(u.minScore, u.scores[i])
	}
	// The trie holds every non-empty piece, with the id the lookup table
	// gives it (tokenizers resolves trie matches through token_to_ids).
	keys := make([]string, 0, len(u.pieces))
	vals := make([]int32, 0, len(u.pieces))
	for _, p := range u.pieces {
		if p != "" {
			keys = append(keys, p)
			vals = append(vals, int32(u.ids[p]))
		}
	}
	u.trie = buildByteTrie(keys, vals)
	for i := range u.byteIDs {
		u.byteTokens[i] = fmt.Sprintf("<0x%02X>", i)
		u.byteIDs[i] = -1
		if id, ok := u.ids[u.byteTokens[i]]; ok {
			u.byteIDs[i] = id
		}
	}
	return u, nil
}
