package tokenizer

import "math/bits"

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
