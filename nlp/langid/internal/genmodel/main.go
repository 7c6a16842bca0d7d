// Command genmodel writes nlp/langid/model.bin.gz: the character n-gram
// tables the langid detector scores text with.
//
// The statistics are not trained here. They are read from the unigram,
// bigram and trigram models that github.com/pemistahl/lingua-go (Apache-2.0,
// pinned in go.mod) publishes inside its module, converted from conditional
// probabilities to quantised negative log-probabilities, and written in a
// compact format of our own. Only the small serialization package of
// lingua-go is imported here, so neither masx nor the langid package links
// lingua-go's 124 MB of embedded models.
//
// Run it through `go generate ./nlp/langid`; the output is deterministic
// for a given lingua-go version and flag set.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"

	"github.com/masx-ai/masx/nlp/langid/internal/fold"
)

// Format (all integers unsigned varints unless noted):
//
//	"MASXLID1"
//	nGroups
//	per group: name, nLangs, nLangs × code, nEntries,
//	           nEntries × (key delta, nLangs × uint8 q)
//
// Strings are a length then bytes. Keys pack up to three lowercase runes,
// 21 bits each, first rune highest; unigrams and bigrams have zero high
// runes. q = round(-ln p × quantScale), clamped to 1…255; 0 means the
// language has no such n-gram.
const (
	magic      = "MASXLID1"
	quantScale = 16.0
	// defaultMinLogP drops trigrams rarer than e^-12 given their first two
	// letters: about 2 % of them, which cost about as much as backing off does.
	defaultMinLogP = -12
)

// groups lists, per script, the languages whose n-grams are written. A
// script that only one reported language is written in (Hebrew, Hangul,
// Greek…) needs no table: the script decides.
//
// The 20 languages masx must tell apart come first; the others are there
// so that, say, Swedish is reported as sv instead of a confident de. Malay
// (ms) is left out on purpose: its standard written form is so close to
// Indonesian that including it turned 5 of 35 Indonesian test paragraphs
// into ms; Malay text is reported as id.
var groups = []struct {
	name  string
	langs []string
}{
	{"latin", []string{
		"en", "de", "fr", "es", "it", "pt", "nl", "pl", "tr", "id",
		"af", "az", "ca", "cs", "cy", "da", "et", "eu", "fi", "ga", "hr", "hu", "is",
		"lt", "lv", "nb", "ro", "sk", "sl", "so", "sq", "sv", "sw", "tl", "vi",
	}},
	{"cyrillic", []string{"ru", "uk", "be", "bg", "kk", "mk", "mn", "sr"}},
	{"arabic", []string{"ar", "fa", "ur"}},
	{"devanagari", []string{"hi", "mr"}},
}

func main() {
	src := flag.String("src", "", "lingua-go language-models directory (default: found with 'go list -m')")
	out := flag.String("o", "model.bin.gz", "output file")
	minLogP := flag.Float64("min-logp", defaultMinLogP, "drop trigrams whose ln P is below this (they score like unseen ones)")
	flag.Parse()
	if err := run(*src, *out, *minLogP); err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}

func run(src, out string, minLogP float64) error {
	data, err := build(src, minLogP)
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	if _, err := zw.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// build encodes the model, uncompressed. src "" means the language-models
// directory of the lingua-go module in go.mod.
func build(src string, minLogP float64) ([]byte, error) {
	if src == "" {
		dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pemistahl/lingua-go").Output()
		if err != nil {
			return nil, fmt.Errorf("locating lingua-go: %w", err)
		}
		src = filepath.Join(strings.TrimSpace(string(dir)), "language-models")
	}
	var buf bytes.Buffer
	buf.WriteString(magic)
	putUvarint(&buf, uint64(len(groups)))
	for _, g := range groups {
		tables := make([]map[uint64]uint8, len(g.langs))
		for i, code := range g.langs {
			t, err := loadLanguage(src, code, minLogP)
			if err != nil {
				return nil, err
			}
			tables[i] = t
		}
		keys := map[uint64]struct{}{}
		for _, t := range tables {
			for k := range t {
				keys[k] = struct{}{}
			}
		}
		sorted := make([]uint64, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		slices.Sort(sorted)

		putString(&buf, g.name)
		putUvarint(&buf, uint64(len(g.langs)))
		for _, code := range g.langs {
			putString(&buf, code)
		}
		putUvarint(&buf, uint64(len(sorted)))
		var prev uint64
		for _, k := range sorted {
			putUvarint(&buf, k-prev)
			prev = k
			for _, t := range tables {
				buf.WriteByte(t[k])
			}
		}
		fmt.Fprintf(os.Stderr, "genmodel: %s: %d languages, %d n-grams\n", g.name, len(g.langs), len(sorted))
	}
	return buf.Bytes(), nil
}

// loadLanguage reads one language's unigram, bigram and trigram models.
func loadLanguage(src, code string, minLogP float64) (map[uint64]uint8, error) {
	t := map[uint64]uint8{}
	for n, name := range []string{"unigrams", "bigrams", "trigrams"} {
		path := filepath.Join(src, code, name+".pb.bin.zip")
		m, err := readModel(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		for _, set := range m.NgramSets {
			lp := math.Log(set.Probability)
			if n == 2 && lp < minLogP {
				continue
			}
			q := quantise(lp)
			for _, s := range set.Ngrams {
				if utf8.RuneCountInString(s) != n+1 {
					return nil, fmt.Errorf("%s: n-gram %q is not %d runes", path, s, n+1)
				}
				k, ok := pack(normalise(s))
				if !ok {
					continue
				}
				// Lowercasing and folding can merge entries; keep the
				// likelier one.
				if old, seen := t[k]; !seen || q < old {
					t[k] = q
				}
			}
		}
	}
	return t, nil
}

func readModel(path string) (*serialization.SerializableLanguageModel, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, errors.New("expected one file in the archive")
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(bufio.NewReader(rc))
	if err != nil {
		return nil, err
	}
	var m serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// normalise lowercases and folds an n-gram the way langid treats text.
func normalise(s string) string {
	return strings.Map(func(r rune) rune { return fold.Rune(unicode.ToLower(r)) }, s)
}

func quantise(lp float64) uint8 {
	q := math.Round(-lp * quantScale)
	return uint8(min(max(q, 1), 255))
}

// pack must agree with key in the langid package.
func pack(s string) (uint64, bool) {
	var k uint64
	for _, r := range s {
		if r >= 1<<21 {
			return 0, false
		}
		k = k<<21 | uint64(r)
	}
	return k, true
}

func putUvarint(w *bytes.Buffer, v uint64) {
	var b [binary.MaxVarintLen64]byte
	w.Write(b[:binary.PutUvarint(b[:], v)])
}

func putString(w *bytes.Buffer, s string) {
	putUvarint(w, uint64(len(s)))
	w.WriteString(s)
}
