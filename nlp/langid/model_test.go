package langid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/nlp/langid/internal/fold"
)

// TestFitReference measures, per script scored by the n-gram model, the
// median cost per letter of the test paragraphs under their own language
// and checks typicalCost still matches (it must be updated when the model
// is regenerated).
func TestFitReference(t *testing.T) {
	m, err := sharedModel()
	require.NoError(t, err)
	files, err := filepath.Glob("testdata/paragraphs/*.jsonl")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no test set")
	costs := map[script][]float64{}
	for _, f := range files {
		fh, err := os.Open(f)
		require.NoError(t, err)
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var s struct{ Lang, Text string }
			require.NoError(t, json.Unmarshal(sc.Bytes(), &s))
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
		require.NotEmpty(t, got, "%s: no test paragraphs", scriptInfo[sc].iso)
		slices.Sort(got)
		med := got[len(got)/2]
		t.Logf("%s: median %.2f nats/letter over %d paragraphs (min %.2f, max %.2f); typicalCost %.2f", scriptInfo[sc].iso, med, len(got), got[0], got[len(got)-1], want)
		require.InDelta(t, want, med, 0.15, "%s: measured median against typicalCost", scriptInfo[sc].iso)
		require.LessOrEqual(t, got[len(got)-1], want+fitMargin, "%s: a paragraph's nats/letter past the full-confidence bound", scriptInfo[sc].iso)
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
	require.NoError(t, err)
	for _, sc := range []script{scriptLatin, scriptCyrillic, scriptArabic, scriptDevanagari} {
		tb := m.tables[sc]
		require.NotNil(t, tb, "no table for %s", scriptInfo[sc].iso)
		for _, l := range tb.langs {
			require.Len(t, l, 2, "%s: language code %q", scriptInfo[sc].iso, l)
		}
		// Every letter of the script's first language is in the table.
		if sc == scriptLatin {
			_, ok := tb.index.get(key1('a'))
			require.True(t, ok, "latin table lacks the unigram a")
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
		_, err := parseModel(data)
		require.Error(t, err, "%s: parseModel accepted it", name)
		require.ErrorContains(t, err, "langid model", "%s: the error says what was being read", name)
	}
	_, err := parseModel(modelData)
	require.NoError(t, err, "embedded model")
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
		off, ok := x.get(k * 7919)
		require.True(t, ok, "get(%d) found nothing", k*7919)
		require.Equal(t, uint32(k), off, "get(%d)", k*7919)
	}
	_, ok := x.get(3)
	require.False(t, ok, "found a key never put")
}

// BenchmarkParseModel is the one-off cost of the first New or Default in
// a process.
func BenchmarkParseModel(b *testing.B) {
	for b.Loop() {
		if _, err := parseModel(modelData); err != nil {
			b.Fatal(err) // not require: it calls b.Helper, which costs inside the timed loop
		}
	}
}
