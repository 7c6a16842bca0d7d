package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"testing"
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
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []goldenRow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r goldenRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("golden line %d: %v", len(rows)+1, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// loadMiniLM loads the MiniLM tokenizer with truncation and padding off, as
// the golden file was produced.
func loadMiniLM(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := Load("testdata/minilm_tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	return tok.WithTruncation(0).WithoutPadding()
}

func TestGoldenMiniLM(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	rows := readGolden(t)
	if len(rows) != 483 {
		t.Fatalf("golden rows = %d; want 483", len(rows))
	}
	bad := 0
	for i, r := range rows {
		e := tok.Encode(r.Text, true)
		if slices.Equal(e.IDs, r.IDs) && slices.Equal(e.Tokens, r.Tokens) && slices.Equal(e.Offsets, r.Offsets) {
			continue
		}
		bad++
		if bad > 10 {
			continue
		}
		t.Errorf("row %d %q:\n got ids %v\nwant ids %v\n got tokens %q\nwant tokens %q\n got offsets %v\nwant offsets %v",
			i, r.Text, e.IDs, r.IDs, e.Tokens, r.Tokens, e.Offsets, r.Offsets)
	}
	if bad > 0 {
		t.Errorf("%d of %d golden rows differ", bad, len(rows))
	}
}
