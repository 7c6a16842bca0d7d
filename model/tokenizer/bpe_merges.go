package tokenizer

import (
	"hash/maphash"
	"math/bits"
)

// mergeTable maps a pair of token ids to its merge (rank and merged id). It
// is an open-addressing hash table with linear probing at most half full:
// a lookup is one multiply and, almost always, one cache line, where Go's
// map touches a control word and a slot group. Merge lookups are most of
// the BPE model's time.
type mergeTable struct {
	slots []mergeSlot // length a power of two
	shift uint8       // 64 - log2(len(slots))
}

// mergeSlot holds key+1 (0: empty) and rank<<32 | merged id.
type mergeSlot struct{ key, val uint64 }

func newMergeTable(n int) mergeTable {
	size := 1 << bits.Len(uint(2*n+1))
	return mergeTable{slots: make([]mergeSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func (t *mergeTable) index(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> t.shift }

// put sets the merge of pair k, replacing an earlier one.
func (t *mergeTable) put(k, v uint64) {
	mask := uint64(len(t.slots) - 1)
	for i := t.index(k + 1); ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.key == 0 || s.key == k+1 {
			s.key, s.val = k+1, v
			return
		}
	}
}

// get returns the merge of the pair (a, b).
func (t *mergeTable) get(a, b int32) (rank uint32, id int32, ok bool) {
	k := pairKey(a, b) + 1
	mask := uint64(len(t.slots) - 1)
	for i := t.index(k); ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.key == k {
			return uint32(s.val >> 32), int32(uint32(s.val)), true
		}
		if s.key == 0 {
			return 0, 0, false
		}
	}
}

// strTable maps token strings to ids for the BPE model's own lookups (the
// three per merge at load, the whole-word one of ignore_merges), faster
// than the vocab's Go map: a slot is 8 bytes (a hash tag and the id), so
// the table of a 262,144-token vocabulary is 4 MB, probes are short, and
// the string is compared only when the tag matches.
type strTable struct {
	slots []uint64 // tag<<32 | id+1; 0: empty
	shift uint8
	seed  maphash.Seed
	keys  []string         // token by id (the vocab's table)
	extra map[string]int64 // tokens sharing an id with another token
}

func newStrTable(ids map[string]int64, keys []string) strTable {
	size := 1 << bits.Len(uint(len(ids)+len(ids)/2)) // at most two thirds full
	t := strTable{slots: make([]uint64, size), shift: uint8(64 - bits.TrailingZeros(uint(size))),
		seed: maphash.MakeSeed(), keys: keys}
	mask := uint64(size - 1)
	for k, id := range ids {
		if keys[id] != k {
			if t.extra == nil {
				t.extra = map[string]int64{}
			}
			t.extra[k] = id
			continue
		}
		h := maphash.String(t.seed, k)
		for i := h >> t.shift; ; i = (i + 1) & mask {
			if t.slots[i] == 0 {
				t.slots[i] = h<<32 | uint64(id+1)
				break
			}
		}
	}
	return t
}

func (t *strTable) get(key []byte) (int64, bool) {
	h := maphash.Bytes(t.seed, key)
	mask := uint64(len(t.slots) - 1)
	for i := h >> t.shift; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			break
		}
		if s>>32 == h&0xFFFFFFFF {
			if id := int64(uint32(s)) - 1; t.keys[id] == string(key) {
				return id, true
			}
		}
	}
	if t.extra != nil {
		id, ok := t.extra[string(key)]
		return id, ok
	}
	return 0, false
}
