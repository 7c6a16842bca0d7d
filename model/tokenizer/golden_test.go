package tokenizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type goldenRow struct {
	Text    string   `json:"text"`
	IDs     []int64  `json:"ids"`
	Tokens  []string `json:"tokens"`
	Offsets [][2]int `json:"offsets"`
}

func readGolden(t testing.TB) []goldenRow {
	t.Helper()
	f, err := os.Open("testdata/minilm_tokenizer_golden.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var rows []goldenRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r goldenRow
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "golden line %d", len(rows)+1)
		rows = append(rows, r)
	}
	require.NoError(t, sc.Err())
	return rows
}

// loadMiniLM loads the MiniLM tokenizer with truncation and padding off, as
// the golden file was produced.
func loadMiniLM(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Load("testdata/minilm_tokenizer.json")
	require.NoError(t, err)
	return tok.WithTruncation(0).WithoutPadding()
}

func TestGoldenMiniLM(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	rows := readGolden(t)
	require.Len(t, rows, 483, "golden rows")
	// Every row is compared; the report shows how many differ and the
	// first ten.
	bad := 0
	var first []string
	for i, r := range rows {
		e := tok.Encode(r.Text, true)
		if slices.Equal(e.IDs, r.IDs) && slices.Equal(e.Tokens, r.Tokens) && slices.Equal(e.Offsets, r.Offsets) {
			continue
		}
		bad++
		if bad > 10 {
			continue
		}
		first = append(first, fmt.Sprintf("row %d %q:\n got ids %v\nwant ids %v\n got tokens %q\nwant tokens %q\n got offsets %v\nwant offsets %v",
			i, r.Text, e.IDs, r.IDs, e.Tokens, r.Tokens, e.Offsets, r.Offsets))
	}
	require.Zero(t, bad, "golden rows that differ, of %d:\n%s", len(rows), strings.Join(first, "\n"))
}

// TestGoldenPairsAndTruncation compares the golden files of pairs,
// truncation (every strategy, both directions, with stride and the
// overflowing windows) and padding written by scripts/tokenizer-goldens.mjs
// (*_trunc_*), and the MiniLM golden with its 300 pairs, each with its
// family's tokenizer configured from the rows.
func TestGoldenPairsAndTruncation(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*_trunc_*golden.jsonl.gz")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 10)
	files = append(files, "testdata/minilm_golden.jsonl.gz")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			tok, err := Load(goldenTokenizerFile(t, f))
			require.NoError(t, err)
			compareGolden(t, tok, readGoldenFile(t, f))
		})
	}
}
