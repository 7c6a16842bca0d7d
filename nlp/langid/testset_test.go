package langid_test

import (
	"bufio"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// sample is one labelled line of testdata/paragraphs/*.jsonl.
type sample struct {
	Lang string `json:"lang"`
	Text string `json:"text"`
}

// longChars splits the test set: paragraphs of at least this many
// characters are "long" (the accuracy gate), the rest "short".
const longChars = 200

// coreLanguages are the 20 languages masx must tell apart; the test set
// has 35 paragraphs of each.
var coreLanguages = []string{"ar", "de", "en", "es", "fa", "fr", "he", "hi", "id", "it", "ja", "ko", "nl", "pl", "pt", "ru", "tr", "uk", "ur", "zh"}

func readJSONL(tb testing.TB, path string) []sample {
	tb.Helper()
	f, err := os.Open(path)
	require.NoError(tb, err)
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var s sample
		require.NoError(tb, json.Unmarshal(sc.Bytes(), &s), "%s:%d", path, line)
		require.True(tb, s.Lang != "" && s.Text != "", "%s:%d: empty lang or text", path, line)
		out = append(out, s)
	}
	require.NoError(tb, sc.Err())
	return out
}

// loadParagraphs returns the labelled test set, every language's file in
// name order.
func loadParagraphs(tb testing.TB) []sample {
	tb.Helper()
	files, err := filepath.Glob("testdata/paragraphs/*.jsonl")
	require.NoError(tb, err)
	require.NotEmpty(tb, files, "no test set under testdata/paragraphs")
	var out []sample
	for _, f := range files {
		for _, s := range readJSONL(tb, f) {
			require.Equal(tb, strings.TrimSuffix(filepath.Base(f), ".jsonl"), s.Lang, "%s: a sample's label", f)
			out = append(out, s)
		}
	}
	return out
}

func isLong(s sample) bool { return utf8.RuneCountInString(s.Text) >= longChars }

// loadArticles joins each language's paragraphs into texts of at least
// 1000 characters: the input masx gives Detect (the start of an article).
func loadArticles(tb testing.TB) []sample {
	tb.Helper()
	by := map[string][]string{}
	for _, s := range loadParagraphs(tb) {
		if isLong(s) {
			by[s.Lang] = append(by[s.Lang], s.Text)
		}
	}
	var out []sample
	for _, lang := range slices.Sorted(maps.Keys(by)) {
		var b strings.Builder
		for _, p := range by[lang] {
			b.WriteString(p)
			b.WriteString("\n\n")
			if utf8.RuneCountInString(b.String()) >= 1000 {
				out = append(out, sample{Lang: lang, Text: b.String()})
				b.Reset()
			}
		}
	}
	return out
}
