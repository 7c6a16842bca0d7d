package tokenizer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
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
	// Truncation and Padding are the settings the row was encoded with
	// (script flags --truncate, --pad); absent: neither.
	Truncation *goldenTrunc `json:"truncation,omitempty"`
	Padding    *goldenPad   `json:"padding,omitempty"`
	// AttentionMask and Overflowing come with the settings.
	AttentionMask    []int64          `json:"attention_mask,omitempty"`
	Overflowing      []goldenEncoding `json:"overflowing,omitempty"`
	PlainOverflowing [][]int64        `json:"plain_overflowing,omitempty"`
	// Error is the reference's refusal (a pair too short for the strategy).
	Error string `json:"error,omitempty"`
	// Unknown marks ids the reference has no token for (it drops them;
	// Decode reports them).
	Unknown bool `json:"unknown,omitempty"`
}

type goldenTrunc struct {
	MaxLength int    `json:"max_length"`
	Strategy  string `json:"strategy"`
	Stride    int    `json:"stride"`
	Direction string `json:"direction"`
}

type goldenPad struct {
	MaxLength  *int   `json:"max_length"`
	Direction  string `json:"direction"`
	MultipleOf int    `json:"pad_to_multiple_of"`
}

// goldenEncoding is one overflowing window of a golden row.
type goldenEncoding struct {
	IDs           []int64  `json:"ids"`
	Tokens        []string `json:"tokens"`
	Offsets       [][2]int `json:"offsets"`
	TypeIDs       []int64  `json:"type_ids"`
	SpecialMask   []int64  `json:"special_mask"`
	AttentionMask []int64  `json:"attention_mask"`
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
// returns "" when it is exact: ids, tokens, offsets, type ids, special
// mask, plain ids, and, where the row has them, the attention mask and the
// overflowing windows (rows written with truncation or padding configure a
// copy of tok from the row), and the decoded text with and without special
// tokens. Rows with a pair are encoded with EncodePair.
func goldenDiff(tok *Tokenizer, r goldenCase) string {
	tok, err := goldenConfigure(tok, r)
	if err != nil {
		return err.Error()
	}
	if r.Error != "" && r.Pair == nil {
		// The reference refuses OnlySecond for a single text; Encode cannot
		// fail and documents that it cuts as LongestFirst instead.
		return ""
	}
	e, err := goldenEncode(tok, r, true)
	if r.Error != "" {
		if !errors.Is(err, ErrTruncation) {
			return fmt.Sprintf("the reference refuses this row (%s); got error %v, want ErrTruncation", r.Error, err)
		}
		return ""
	}
	if err != nil {
		return err.Error()
	}
	plain, err := goldenEncode(tok, r, false)
	if err != nil {
		return err.Error()
	}
	want := goldenEncoding{IDs: r.IDs, Tokens: r.Tokens, Offsets: r.Offsets, TypeIDs: r.TypeIDs, SpecialMask: r.SpecialMask, AttentionMask: r.AttentionMask}
	if d := encodingDiff(e, want); d != "" {
		return d
	}
	if r.PlainIDs != nil && !slices.Equal(plain.IDs, r.PlainIDs) {
		return fmt.Sprintf("\n got plain ids %v\nwant plain ids %v", clipS(plain.IDs), clipS(r.PlainIDs))
	}
	if r.Truncation != nil || r.Padding != nil {
		if len(e.Overflowing) != len(r.Overflowing) {
			return fmt.Sprintf("got %d overflowing windows, want %d", len(e.Overflowing), len(r.Overflowing))
		}
		for i, o := range r.Overflowing {
			if d := encodingDiff(e.Overflowing[i], o); d != "" {
				return fmt.Sprintf("overflowing %d: %s", i, d)
			}
		}
		if len(plain.Overflowing) != len(r.PlainOverflowing) {
			return fmt.Sprintf("without special tokens: got %d overflowing windows, want %d", len(plain.Overflowing), len(r.PlainOverflowing))
		}
		for i, ids := range r.PlainOverflowing {
			if !slices.Equal(plain.Overflowing[i].IDs, ids) {
				return fmt.Sprintf("without special tokens, overflowing %d:\n got ids %v\nwant ids %v", i, clipS(plain.Overflowing[i].IDs), clipS(ids))
			}
		}
	}
	for _, skip := range []bool{false, true} {
		if d := decodedDiff(tok, r, skip); d != "" {
			return d
		}
	}
	return ""
}

// decodedDiff compares Decode of the row's ids with the reference's
// decoded text, with or without special tokens.
func decodedDiff(tok *Tokenizer, r goldenCase, skip bool) string {
	want := r.Decoded
	if skip {
		want = r.DecodedSkip
	}
	got, err := tok.Decode(r.IDs, skip)
	if err != nil {
		return fmt.Sprintf("Decode(skip=%v): %v", skip, err)
	}
	if got != want {
		return fmt.Sprintf("Decode(skip=%v)\n got %q\nwant %q", skip, clip(got, 200), clip(want, 200))
	}
	return ""
}

// goldenConfigure returns tok with the row's truncation and padding, or
// with neither.
func goldenConfigure(tok *Tokenizer, r goldenCase) (*Tokenizer, error) {
	tok = tok.WithTruncation(0).WithoutPadding()
	if tr := r.Truncation; tr != nil {
		st, err := ParseTruncationStrategy(tr.Strategy)
		if err != nil {
			return nil, err
		}
		d, err := parseDirection(tr.Direction)
		if err != nil {
			return nil, err
		}
		if tok, err = tok.WithTruncationConfig(Truncation{MaxLength: tr.MaxLength, Strategy: st, Stride: tr.Stride, Direction: d}); err != nil {
			return nil, err
		}
	}
	if p := r.Padding; p != nil {
		d, err := parseDirection(p.Direction)
		if err != nil {
			return nil, err
		}
		// The script leaves the pad token to the reference's default,
		// "[PAD]" with id 0 (masx's own default prefers the vocabulary's).
		pad := Padding{Strategy: PadLongest, Direction: d, MultipleOf: p.MultipleOf, PadToken: "[PAD]"}
		if p.MaxLength != nil {
			pad.Strategy, pad.Length = PadFixed, *p.MaxLength
		}
		tok = tok.WithPadding(pad)
	}
	return tok, nil
}

func goldenEncode(tok *Tokenizer, r goldenCase, addSpecial bool) (Encoding, error) {
	if r.Pair != nil {
		return tok.EncodePair(r.Text, *r.Pair, addSpecial)
	}
	return tok.Encode(r.Text, addSpecial), nil
}

func encodingDiff(e Encoding, w goldenEncoding) string {
	switch {
	case !slices.Equal(e.IDs, w.IDs):
		return fmt.Sprintf("\n got ids %v\nwant ids %v\n got tokens %q\nwant tokens %q", clipS(e.IDs), clipS(w.IDs), clipS(e.Tokens), clipS(w.Tokens))
	case !slices.Equal(e.Tokens, w.Tokens):
		return fmt.Sprintf("\n got tokens %q\nwant tokens %q", clipS(e.Tokens), clipS(w.Tokens))
	case !slices.Equal(e.Offsets, w.Offsets):
		return fmt.Sprintf("\n got offsets %v\nwant offsets %v\n tokens %q", clipS(e.Offsets), clipS(w.Offsets), clipS(w.Tokens))
	case w.TypeIDs != nil && !slices.Equal(e.TypeIDs, w.TypeIDs):
		return fmt.Sprintf("\n got type ids %v\nwant type ids %v", clipS(e.TypeIDs), clipS(w.TypeIDs))
	case w.SpecialMask != nil && !slices.Equal(e.SpecialTokensMask, w.SpecialMask):
		return fmt.Sprintf("\n got special mask %v\nwant special mask %v", clipS(e.SpecialTokensMask), clipS(w.SpecialMask))
	case w.AttentionMask != nil && !slices.Equal(e.AttentionMask, w.AttentionMask):
		return fmt.Sprintf("\n got attention mask %v\nwant attention mask %v", clipS(e.AttentionMask), clipS(w.AttentionMask))
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
