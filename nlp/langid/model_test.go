package langid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/masx-ai/masx/nlp/langid/internal/fold"
)

// TestFitReference measures, per script scored by the n-gram model, the
// median cost per letter of the test paragraphs under their own language
// and checks typicalCost still matches (it must be updated when the model
// is regenerated).
func TestFitReference(t *testing.T) {
	m, err := sharedModel()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/paragraphs/*.jsonl")
	if err != nil || len(files) == 0 {
		t.Fatal("no test set", err)
	}
	costs := map[script][]float64{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var s struct{ Lang, Text string }
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if utf8.RuneCountInString(s.Text) < 200 {
				continue
			}
			for sc, tb := range m.tables {
				col := slices.Index(tb.langs, s.Lang)
				if col < 0 {
					continue
				}
				c, letters := ownCost(tb, sc, col, s.Text)
				costs[sc] = append(costs[sc], c/float64(letters))
			}
		}
		fh.Close()
	}
	for sc, want := range typicalCost {
		got := costs[sc]
		if len(got) == 0 {
			t.Errorf("%s: no test paragraphs", scriptInfo[sc].iso)
			continue
		}
		slices.Sort(got)
		med := got[len(got)/2]
		t.Logf("%s: median %.2f nats/letter over %d paragraphs (min %.2f, max %.2f); typicalCost %.2f", scriptInfo[sc].iso, med, len(got), got[0], got[len(got)-1], want)
		if math.Abs(med-want) > 0.15 {
			t.Errorf("%s: measured median %.2f, typicalCost says %.2f", scriptInfo[sc].iso, med, want)
		}
		if worst := got[len(got)-1]; worst > want+fitMargin {
			t.Errorf("%s: a paragraph costs %.2f nats/letter, past the full-confidence bound %.2f", scriptInfo[sc].iso, worst, want+fitMargin)
		}
	}
}

// ownCost scores text under one column of tb, in nats.
func ownCost(tb *table, s script, col int, text string) (float64, int) {
	costs := []int{0}
	var word []rune
	letters := 0
	for _, r := range text + " " {
		if scriptOf(r) == s {
			word = append(word, fold.Rune(unicode.ToLower(r)))
			continue
		}
		if len(word) > 0 {
			letters += tb.score(word, []int{col}, []int{0}, costs)
			word = word[:0]
		}
	}
	return float64(costs[0]) / quantScale, letters
}

func TestEmbeddedModel(t *testing.T) {
	m, err := sharedModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range []script{scriptLatin, scriptCyrillic, scriptArabic, scriptDevanagari} {
		tb := m.tables[sc]
		if tb == nil {
			t.Fatalf("no table for %s", scriptInfo[sc].iso)
		}
		for _, l := range tb.langs {
			if len(l) != 2 {
				t.Errorf("%s: language code %q", scriptInfo[sc].iso, l)
			}
		}
		// Every letter of the script's first language is in the table.
		if _, ok := tb.index.get(key1('a')); sc == scriptLatin && !ok {
			t.Error("latin table lacks the unigram a")
		}
	}
}

func TestParseModelRejectsCorrupt(t *testing.T) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	cases := map[string][]byte{
		"empty":          nil,
		"not gzip":       []byte("MASXLID1 definitely not gzip"),
		"bad magic":      gz([]byte("NOTMAGIC\x01")),
		"header only":    gz([]byte(modelMagic)),
		"truncated":      modelData[:len(modelData)/3],
		"too many rows":  gz(append([]byte(modelMagic+"\x01\x05latin\x01\x02en"), 0xff, 0xff, 0xff, 0xff, 0x0f)),
		"unknown group":  gz([]byte(modelMagic + "\x01\x05greek\x01\x02el\x01\x01\x05")),
		"zero languages": gz([]byte(modelMagic + "\x01\x05latin\x00")),
		"repeated key":   gz([]byte(modelMagic + "\x01\x05latin\x01\x02en\x02\x61\x05\x00\x05")),
	}
	for name, data := range cases {
		if _, err := parseModel(data); err == nil {
			t.Errorf("%s: parseModel accepted it", name)
		} else if !strings.Contains(err.Error(), "langid model") {
			t.Errorf("%s: error %q does not say what was being read", name, err)
		}
	}
	if _, err := parseModel(modelData); err != nil {
		t.Fatalf("embedded model: %v", err)
	}
}

func FuzzParseModel(f *testing.F) {
	f.Add([]byte{})
	f.Add(modelData[:200])
	f.Add([]byte(modelMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		parseModel(data) // must not panic or allocate without bound
	})
}

func TestIndex(t *testing.T) {
	x := newIndex(100)
	for k := uint64(1); k <= 100; k++ {
		x.put(k*7919, uint32(k))
	}
	for k := uint64(1); k <= 100; k++ {
		if off, ok := x.get(k * 7919); !ok || off != uint32(k) {
			t.Fatalf("get(%d) = %d, %v", k*7919, off, ok)
		}
	}
	if _, ok := x.get(3); ok {
		t.Fatal("found a key never put")
	}
}

// BenchmarkParseModel is the one-off cost of the first New or Default in
// a process.
func BenchmarkParseModel(b *testing.B) {
	for b.Loop() {
		if _, err := parseModel(modelData); err != nil {
			b.Fatal(err)
		}
	}
}
