package tokenizer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goldenCase is one row of a golden file written by
// scripts/tokenizer-goldens.mjs from the official tokenizers library.
type goldenCase struct {
	Text        string   `json:"text"`
	Pair        *string  `json:"pair,omitempty"`
	IDs         []int64  `json:"ids"`
	Tokens      []string `json:"tokens"`
	Offsets     [][2]int `json:"offsets"`
	TypeIDs     []int64  `json:"type_ids"`
	SpecialMask []int64  `json:"special_mask"`
	PlainIDs    []int64  `json:"plain_ids"`
	Decoded     string   `json:"decoded"`
	DecodedSkip string   `json:"decoded_skip"`
	// Unknown marks ids the reference has no token for (it drops them;
	// Decode reports them).
	Unknown bool `json:"unknown,omitempty"`
}

// readGoldenFile reads a .jsonl or .jsonl.gz golden file.
func readGoldenFile(t testing.TB, path string) []goldenCase {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var sc *bufio.Scanner
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(f)
		require.NoError(t, err, "golden %s", path)
		defer zr.Close()
		sc = bufio.NewScanner(zr)
	} else {
		sc = bufio.NewScanner(f)
	}
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	var rows []goldenCase
	for sc.Scan() {
		var r goldenCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "%s line %d", path, len(rows)+1)
		rows = append(rows, r)
	}
	require.NoError(t, sc.Err())
	return rows
}

// oracleCache is where scripts/setup.sh installs the npm tokenizer oracle
// and the real tokenizer.json files (too large to commit).
func oracleCache() string {
	if d := os.Getenv("MASX_NPM_CACHE"); d != "" {
		return d
	}
	base := os.Getenv("MASX_CACHE_DIR")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache", "masx")
	}
	return filepath.Join(base, "npm", "tok")
}

// cachedFile returns a file under the oracle cache. It skips the test when
// the file is missing, or fails it when CI=true (setup.sh installs it there).
func cachedFile(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(oracleCache(), rel)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing (CI=true, so this fails instead of skipping): %v", p, err)
		}
		t.Skipf("skipping: %s is missing (run scripts/setup.sh): %v", p, err)
	}
	return p
}

// compareGolden encodes every row with tok and reports the rows whose ids,
// tokens, offsets, type ids, special-token mask or plain (no special
// tokens) ids differ from the reference, the first ten in full. Rows with a
// pair are encoded as pairs.
func compareGolden(t *testing.T, tok *Tokenizer, rows []goldenCase) {
	t.Helper()
	bad := 0
	var first []string
	for i, r := range rows {
		diff := goldenDiff(tok, r)
		if diff == "" {
			continue
		}
		bad++
		if bad <= 10 {
			first = append(first, fmt.Sprintf("row %d %q: %s", i, clip(r.Text, 120), diff))
		}
	}
	require.Zero(t, bad, "golden rows that differ, of %d:\n%s", len(rows), strings.Join(first, "\n"))
}

// goldenDiff says how tok's encoding of r differs from the reference, or
// returns "" when it is exact.
func goldenDiff(tok *Tokenizer, r goldenCase) string {
	var e, plain Encoding
	if r.Pair != nil {
		return "pair rows need EncodePair (not yet compared)"
	}
	e = tok.Encode(r.Text, true)
	plain = tok.Encode(r.Text, false)
	switch {
	case !slices.Equal(e.IDs, r.IDs):
		return fmt.Sprintf("\n got ids %v\nwant ids %v\n got tokens %q\nwant tokens %q", clipS(e.IDs), clipS(r.IDs), clipS(e.Tokens), clipS(r.Tokens))
	case !slices.Equal(e.Tokens, r.Tokens):
		return fmt.Sprintf("\n got tokens %q\nwant tokens %q", clipS(e.Tokens), clipS(r.Tokens))
	case !slices.Equal(e.Offsets, r.Offsets):
		return fmt.Sprintf("\n got offsets %v\nwant offsets %v\n tokens %q", clipS(e.Offsets), clipS(r.Offsets), clipS(r.Tokens))
	case r.TypeIDs != nil && !slices.Equal(e.TypeIDs, r.TypeIDs):
		return fmt.Sprintf("\n got type ids %v\nwant type ids %v", clipS(e.TypeIDs), clipS(r.TypeIDs))
	case r.SpecialMask != nil && !slices.Equal(e.SpecialTokensMask, r.SpecialMask):
		return fmt.Sprintf("\n got special mask %v\nwant special mask %v", clipS(e.SpecialTokensMask), clipS(r.SpecialMask))
	case r.PlainIDs != nil && !slices.Equal(plain.IDs, r.PlainIDs):
		return fmt.Sprintf("\n got plain ids %v\nwant plain ids %v", clipS(plain.IDs), clipS(r.PlainIDs))
	}
	return ""
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// clipS keeps long token lists readable in failure reports.
func clipS[T any](s []T) []T {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}
