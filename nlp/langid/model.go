package langid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
)

//go:generate go run ./internal/genmodel -o model.bin.gz

// modelData is written by internal/genmodel; see its doc for the format
// and where the statistics come from.
//
//go:embed model.bin.gz
var modelData []byte

const (
	modelMagic = "MASXLID1"
	// quantScale is the number of score units per nat (genmodel writes
	// q = round(-ln p × 16)).
	quantScale = 16
	// backoffPenalty is added, per step, when an n-gram is missing and the
	// next lower order is used: 1.5 nats, about what a seen but rare
	// n-gram costs over a common one.
	backoffPenalty = 24
	// unseenCost is the cost of a letter the language has never been seen
	// with, even as a unigram: 20 nats, above every stored cost (≤ 255).
	unseenCost = 320
)

// table holds the n-gram costs of one script's languages.
type table struct {
	langs []string
	index index   // n-gram key → row offset in rows
	rows  []uint8 // len(langs) costs per n-gram; 0 = not seen
}

// index is an open-addressing hash table from n-gram key to row offset:
// at least half empty, linear probing, key 0 (no n-gram packs to it) marks
// an empty slot. Lookups are a third of Detect's time; this flat layout
// needs one multiply and usually one probe where a Go map does more.
type index struct {
	keys  []uint64
	offs  []uint32
	shift uint8
}

func newIndex(n int) index {
	size, shift := 2, uint8(63)
	for size < 2*n {
		size *= 2
		shift--
	}
	return index{keys: make([]uint64, size), offs: make([]uint32, size), shift: shift}
}

func (x *index) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> x.shift) }

func (x *index) put(k uint64, off uint32) {
	mask := len(x.keys) - 1
	for i := x.slot(k); ; i = (i + 1) & mask {
		if x.keys[i] == 0 || x.keys[i] == k {
			x.keys[i], x.offs[i] = k, off
			return
		}
	}
}

func (x *index) get(k uint64) (uint32, bool) {
	mask := len(x.keys) - 1
	for i := x.slot(k); ; i = (i + 1) & mask {
		switch x.keys[i] {
		case k:
			return x.offs[i], true
		case 0:
			return 0, false
		}
	}
}

// model is the parsed model.bin.gz. It is immutable once built and shared
// by every Detector.
type model struct {
	tables map[script]*table
}

// sharedModel parses the embedded model once per process: about 12 MB of
// tables, the bulk of the package's 13.8 MB RSS (docs/performance.md).
var sharedModel = sync.OnceValues(func() (*model, error) {
	return parseModel(modelData)
})

var groupScripts = map[string]script{
	"latin":      scriptLatin,
	"cyrillic":   scriptCyrillic,
	"arabic":     scriptArabic,
	"devanagari": scriptDevanagari,
}

func parseModel(data []byte) (*model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("reading langid model: %w", err)
	}
	r := bufio.NewReader(zr)
	head := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != modelMagic {
		return nil, errors.New("reading langid model: bad header")
	}
	nGroups, err := binary.ReadUvarint(r)
	if err != nil || nGroups > 16 {
		return nil, fmt.Errorf("reading langid model: group count: %v", err)
	}
	m := &model{tables: map[script]*table{}}
	for range nGroups {
		name, err := readString(r)
		if err != nil {
			return nil, fmt.Errorf("reading langid model: %w", err)
		}
		sc, ok := groupScripts[name]
		if !ok {
			return nil, fmt.Errorf("reading langid model: unknown group %q", name)
		}
		t, err := readTable(r)
		if err != nil {
			return nil, fmt.Errorf("reading langid model group %s: %w", name, err)
		}
		m.tables[sc] = t
	}
	return m, nil
}

func readTable(r *bufio.Reader) (*table, error) {
	nLangs, err := binary.ReadUvarint(r)
	if err != nil || nLangs == 0 || nLangs > 64 {
		return nil, fmt.Errorf("language count %d: %v", nLangs, err)
	}
	t := &table{}
	for range nLangs {
		code, err := readString(r)
		if err != nil {
			return nil, err
		}
		t.langs = append(t.langs, code)
	}
	n, err := binary.ReadUvarint(r)
	if err != nil || n == 0 || n > 1<<20 {
		return nil, fmt.Errorf("entry count %d: %v", n, err)
	}
	t.index = newIndex(int(n))
	t.rows = make([]uint8, int(n)*int(nLangs))
	var key uint64
	for i := range int(n) {
		d, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if d == 0 && i > 0 || key+d < key {
			return nil, fmt.Errorf("entry %d: keys not increasing", i)
		}
		key += d
		if key == 0 {
			return nil, fmt.Errorf("entry %d: zero key", i)
		}
		off := i * int(nLangs)
		if _, err := io.ReadFull(r, t.rows[off:off+int(nLangs)]); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		t.index.put(key, uint32(off))
	}
	return t, nil
}

func readString(r *bufio.Reader) (string, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 64 {
		return "", fmt.Errorf("string length %d: %v", n, err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return string(b), nil
}

// key packs up to three runes (each < 2^21) the way genmodel does.
func key1(a rune) uint64       { return uint64(a) }
func key2(a, b rune) uint64    { return uint64(a)<<21 | uint64(b) }
func key3(a, b, c rune) uint64 { return uint64(a)<<42 | uint64(b)<<21 | uint64(c) }

// score adds, for each column in cols, the cost in score units of word
// under that language's character model to costs, and returns the number
// of letters scored. The model is a chain: P(c1) · P(c2|c1) · ∏ P(ci|ci-2 ci-1),
// backing off to a lower order with backoffPenalty when an n-gram is
// missing, and to unseenCost when even the letter is.
//
// costs is indexed like cols; only the indices in active are scored.
func (t *table) score(word []rune, cols []int, active []int, costs []int) int {
	nl := len(t.langs)
	for i, c := range word {
		var tri, bi, uni []uint8
		if i >= 2 {
			if off, ok := t.index.get(key3(word[i-2], word[i-1], c)); ok {
				tri = t.rows[off : off+uint32(nl)]
			}
		}
		for _, j := range active {
			col := cols[j]
			if tri != nil && tri[col] != 0 {
				costs[j] += int(tri[col])
				continue
			}
			pen := 0
			if i >= 2 {
				pen = backoffPenalty
			}
			if bi == nil && i >= 1 {
				if off, ok := t.index.get(key2(word[i-1], c)); ok {
					bi = t.rows[off : off+uint32(nl)]
				} else {
					bi = noRow
				}
			}
			if i >= 1 {
				if bi[col] != 0 {
					costs[j] += int(bi[col]) + pen
					continue
				}
				pen += backoffPenalty
			}
			if uni == nil {
				if off, ok := t.index.get(key1(c)); ok {
					uni = t.rows[off : off+uint32(nl)]
				} else {
					uni = noRow
				}
			}
			if uni[col] != 0 {
				costs[j] += int(uni[col]) + pen
			} else {
				costs[j] += unseenCost
			}
		}
	}
	return len(word)
}

// noRow stands for an n-gram no language has; it is never written.
var noRow = make([]uint8, 64)
