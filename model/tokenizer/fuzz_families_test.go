package tokenizer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// fuzzFamily is one tokenizer of FuzzFamilies with the reference's decoded
// text of each of its golden texts.
type fuzzFamily struct {
	name    string
	tok     *Tokenizer
	decoded map[string]string // golden text → reference decode of its ids, special tokens kept
}

// fuzzFamilies loads every family whose golden is committed and whose
// tokenizer is at hand (the npm ones come from the oracle cache; absent
// there, they are left out rather than skipping the whole target).
func fuzzFamilies(f *testing.F) []fuzzFamily {
	f.Helper()
	var out []fuzzFamily
	for _, g := range goldenFiles(f) {
		base := filepath.Base(g)
		if strings.Contains(base, "_trunc_") {
			continue
		}
		family := strings.TrimSuffix(base, "_golden.jsonl.gz")
		src, ok := goldenSources()[family]
		if !ok {
			src = filepath.Join("testdata", family+"_tokenizer.json")
		}
		if rel, ok := strings.CutPrefix(src, "cache:"); ok {
			src = filepath.Join(oracleCache(), rel)
		}
		if _, err := os.Stat(src); err != nil {
			if os.Getenv("CI") == "true" {
				f.Fatalf("fuzz family %s: %v", family, err)
			}
			continue
		}
		tok, err := Load(src)
		require.NoError(f, err)
		ff := fuzzFamily{name: family, tok: tok.WithTruncation(0).WithoutPadding(), decoded: map[string]string{}}
		for _, r := range readGoldenFile(f, g) {
			if r.Pair == nil {
				ff.decoded[r.Text] = r.Decoded
			}
		}
		out = append(out, ff)
	}
	require.NotEmpty(f, out)
	return out
}

// FuzzFamilies runs every tokenizer family on any input: Encode never
// panics; offsets are within the text and monotone (starts and ends never
// go back) over the text's tokens; the decoded ids come back as the stream
// decodes them, never ending in a split UTF-8 sequence; and on the golden
// texts decode(encode(x)) is the reference's decoded text. `go test` runs
// the seeds (a sample of the golden texts); explore with
// go test -fuzz FuzzFamilies ./model/tokenizer/.
func FuzzFamilies(f *testing.F) {
	fams := fuzzFamilies(f)
	// The seeds are a sample of the golden texts: the short ones (the
	// hostile cases) and every tenth paragraph. Every golden text is
	// already held to the reference by compareGolden (ids) and
	// TestDecodeGoldens (decoding); the sample keeps `go test -race` of the
	// package within its time on a busy machine.
	seen := map[string]bool{}
	for _, r := range readGoldenFile(f, "testdata/minilm_golden.jsonl.gz") {
		if r.Pair != nil || seen[r.Text] {
			continue
		}
		seen[r.Text] = true
		if utf8.RuneCountInString(r.Text) < 80 || len(seen)%10 == 0 {
			f.Add(r.Text)
		}
	}
	for _, s := range []string{"\xff\xfe\xfd", "\xe4\xb8", "🚀\u200d🔥", "<s></s><pad>", "▁▁ ▁", "<0xE4><0xB8>", "</w>", "##"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		n := utf8.RuneCountInString(text)
		for _, ff := range fams {
			e := ff.tok.Encode(text, true)
			require.Len(t, e.Offsets, e.Len(), "%s: Encode(%q)", ff.name, text)
			last := [2]int{}
			for i, o := range e.Offsets {
				require.True(t, 0 <= o[0] && o[0] <= o[1] && o[1] <= n,
					"%s: Encode(%q): token %d %q has offsets %v outside [0, %d]", ff.name, text, i, e.Tokens[i], o, n)
				if e.SpecialTokensMask[i] == 1 {
					continue
				}
				require.True(t, o[0] >= last[0] && o[1] >= last[1],
					"%s: Encode(%q): token %d %q offsets %v go back from %v", ff.name, text, i, e.Tokens[i], o, last)
				last = o
			}
			got, err := ff.tok.Decode(e.IDs, false)
			require.NoError(t, err, "%s: Decode(Encode(%q))", ff.name, text)
			if want, ok := ff.decoded[text]; ok {
				require.Equal(t, want, got, "%s: decode(encode(%q)) against the reference", ff.name, text)
			}
			s := ff.tok.NewStream(false)
			var sb strings.Builder
			for _, id := range e.IDs {
				piece, err := s.Step(id)
				require.NoError(t, err, "%s: stream of %q", ff.name, text)
				sb.WriteString(piece)
			}
			rest, err := s.Finish()
			require.NoError(t, err)
			sb.WriteString(rest)
			require.Equal(t, got, sb.String(), "%s: streamed decode of %q", ff.name, text)
		}
	})
}
