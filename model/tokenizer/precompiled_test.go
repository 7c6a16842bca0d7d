package tokenizer

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"github.com/stretchr/testify/require"
)

// xlmrCharsmap reads the nmt_nfkc charsmap of the generated XLM-R-shaped
// file (scripts/gen-spm-tokenizers.py takes it from spm_train's model).
func xlmrCharsmap(t testing.TB) *precompiled {
	t.Helper()
	data, err := os.ReadFile("testdata/xlmr_tokenizer.json")
	require.NoError(t, err)
	var f struct {
		Normalizer struct {
			Normalizers []json.RawMessage `json:"normalizers"`
		} `json:"normalizer"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	n, err := parsePrecompiled(f.Normalizer.Normalizers[0])
	require.NoError(t, err)
	return n.(*precompiled)
}

func normalizeText(n normalizer, text string) (string, [][2]int) {
	s := newNormalized([]rune(text), 0)
	n.normalize(&s)
	var ranges [][2]int
	for i := range s.runes {
		a, b := s.origRange(i, i+1)
		ranges = append(ranges, [2]int{a, b})
	}
	return string(s.runes), ranges
}

// TestPrecompiledNFKC checks the nmt_nfkc rules through the trie, with the
// original range of every output character. The goldens prove the same
// against tokenizers on the corpus; these are the cases worth reading.
func TestPrecompiledNFKC(t *testing.T) {
	t.Parallel()
	p := xlmrCharsmap(t)
	for _, tc := range []struct {
		in, out string
		ranges  [][2]int
	}{
		{"abc", "abc", [][2]int{{0, 1}, {1, 2}, {2, 3}}},
		// A ligature becomes two characters: the second is an insertion.
		{"ﬁx", "fix", [][2]int{{0, 1}, {0, 1}, {1, 2}}},
		{"ＡＢ", "AB", [][2]int{{0, 1}, {1, 2}}},
		// One character becomes three.
		{"㈱", "(株)", [][2]int{{0, 1}, {0, 1}, {0, 1}}},
		// A short grapheme cluster is looked up whole: e + combining acute
		// composes to é, which takes the range of the e.
		{"e\u0301!", "é!", [][2]int{{0, 1}, {2, 3}}},
		// nmt_nfkc maps the tab to a space.
		{"a\tb", "a b", [][2]int{{0, 1}, {1, 2}, {2, 3}}},
	} {
		got, ranges := normalizeText(p, tc.in)
		require.Equal(t, tc.out, got, "%q", tc.in)
		require.Equal(t, tc.ranges, ranges, "%q", tc.in)
	}
}

func charsmapJSON(data []byte) []byte {
	b, _ := json.Marshal(map[string]any{"type": "Precompiled", "precompiled_charsmap": base64.StdEncoding.EncodeToString(data)})
	return b
}

// TestPrecompiledHostile: a charsmap that cannot be read is refused with an
// error saying why, never a panic.
func TestPrecompiledHostile(t *testing.T) {
	t.Parallel()
	le := func(vals ...uint32) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
		return b
	}
	for name, tc := range map[string]struct {
		raw string
		msg string
	}{
		"null":          {`{"type":"Precompiled","precompiled_charsmap":null}`, "missing or null"},
		"missing":       {`{"type":"Precompiled"}`, "missing or null"},
		"not base64":    {`{"type":"Precompiled","precompiled_charsmap":"@@@"}`, "base64"},
		"empty":         {string(charsmapJSON(nil)), "want at least the 4-byte trie size"},
		"short size":    {string(charsmapJSON([]byte{1, 0})), "want at least the 4-byte trie size"},
		"size too big":  {string(charsmapJSON(le(400, 1, 2))), "trie size 400 bytes but only 8 bytes follow"},
		"huge size":     {string(charsmapJSON(le(0xFFFFFFFF))), "trie size 4294967295"},
		"empty trie":    {string(charsmapJSON(le(0))), "empty trie"},
		"bad utf8 blob": {string(charsmapJSON(append(le(4, 0), 0xff, 0xfe))), "not valid UTF-8"},
		"not a string":  {`{"type":"Precompiled","precompiled_charsmap":7}`, "Precompiled normalizer"},
	} {
		_, err := parseNormalizer(json.RawMessage(tc.raw))
		require.ErrorIs(t, err, ErrInvalid, name)
		require.ErrorContains(t, err, tc.msg, name)
		if name != "not a string" {
			require.ErrorIs(t, err, ErrCharsmap, name)
		}
	}
}

// TestPrecompiledDamagedTrie: a readable charsmap whose trie points
// anywhere (offsets past the array, values past the blob) normalizes every
// text without panicking and yields valid text.
func TestPrecompiledDamagedTrie(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"abc", "ﬁ ＡＢ ㈱", "e\u0301\u0302", "👩‍👩‍👧‍👦", "\x00a\x00", "中文 العربية", ""}
	for trial := 0; trial < 200; trial++ {
		units := make([]uint32, 1+rng.IntN(300))
		for i := range units {
			units[i] = rng.Uint32()
			if rng.IntN(3) == 0 { // plausible labels so lookups go deeper
				units[i] = units[i]&^0x800000FF | uint32('a'+rng.IntN(4))
			}
		}
		var data []byte
		data = binary.LittleEndian.AppendUint32(data, uint32(4*len(units)))
		for _, u := range units {
			data = binary.LittleEndian.AppendUint32(data, u)
		}
		data = append(data, "x\x00yz\x00é\x00"...)
		p, err := newPrecompiled(data)
		require.NoError(t, err)
		for _, text := range texts {
			out, ranges := normalizeText(p, text)
			require.Len(t, ranges, len([]rune(out)))
			for _, r := range ranges {
				require.True(t, r[0] >= 0 && r[0] <= r[1] && r[1] <= len([]rune(text)), "trial %d %q: range %v", trial, text, r)
			}
		}
	}
}

// segmentedNormalize is Precompiled without the grapheme hints: every
// cluster comes from the full segmentation. It is the oracle the hinted
// path must equal.
func segmentedNormalize(p *precompiled, s *normalized) {
	var text []byte
	for _, r := range s.runes {
		text = utf8.AppendRune(text, r)
	}
	var changes []change
	modified := false
	state := -1
	for rest := text; len(rest) > 0; {
		var g []byte
		var mod bool
		g, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
		changes, mod = p.cluster(changes, g)
		modified = modified || mod
	}
	if modified {
		s.transform(changes, 0)
	}
}

// TestPrecompiledHintsMatchSegmentation: the shortcut that skips the
// grapheme segmentation for characters that are clusters of their own
// changes nothing, on the corpus and on random mixes of letters, marks,
// joiners, Hangul jamo, CR LF, prepend characters and emoji.
func TestPrecompiledHintsMatchSegmentation(t *testing.T) {
	t.Parallel()
	p := xlmrCharsmap(t)
	var texts []string
	for _, r := range readGoldenFile(t, "testdata/xlmr_golden.jsonl.gz") {
		texts = append(texts, r.Text)
	}
	alphabet := []rune("aeﬁＡ① \r\n\t\u0301\u0302\u0903\u093f\u094d\u0915\u0937\u0600\u0627\u064b\u200c\u200d\u0e33\u0e01\u1100\u1161\u11a8\uac00\u3099\u30ab\uff76\uff9e\U0001F469\U0001F3FD\U0001F1FA\u2764\ufe0f")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		w := make([]rune, 1+rng.IntN(12))
		for i := range w {
			w[i] = alphabet[rng.IntN(len(alphabet))]
		}
		texts = append(texts, string(w))
	}
	for _, text := range texts {
		a := newNormalized([]rune(text), 0)
		b := newNormalized([]rune(text), 0)
		p.normalize(&a)
		segmentedNormalize(p, &b)
		require.Equal(t, string(b.runes), string(a.runes), "%q", text)
		for i := range a.runes {
			require.Equal(t, b.at(i), a.at(i), "%q: rune %d", text, i)
		}
	}
}
