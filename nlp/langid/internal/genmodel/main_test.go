package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"
)

// TestCommittedModelIsCurrent regenerates the model from the lingua-go
// version in go.mod and compares it, decompressed, with the committed
// ../../model.bin.gz: a changed generator or dependency must come with a
// regenerated model (go generate ./nlp/langid).
func TestCommittedModelIsCurrent(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("reads about 60 lingua-go model files; skipped with -short and -race")
	}
	got, err := build("", defaultMinLogP)
	if err != nil {
		t.Fatal(err)
	}
	want := gunzip(t, "../../model.bin.gz")
	if !bytes.Equal(got, want) {
		t.Fatalf("regenerated model (%d bytes) differs from the committed one (%d bytes); run go generate ./nlp/langid", len(got), len(want))
	}
}

func TestQuantise(t *testing.T) {
	for _, tc := range []struct {
		lp   float64
		want uint8
	}{{0, 1}, {-0.01, 1}, {-1, 16}, {-15.9, 254}, {-40, 255}} {
		if got := quantise(tc.lp); got != tc.want {
			t.Errorf("quantise(%v) = %d, want %d", tc.lp, got, tc.want)
		}
	}
}

func TestPack(t *testing.T) {
	k, ok := pack("abc")
	if !ok || k != uint64('a')<<42|uint64('b')<<21|uint64('c') {
		t.Errorf("pack(abc) = %x, %v", k, ok)
	}
	if _, ok := pack("\U0010FFFF"); !ok {
		t.Error("pack rejected the largest rune")
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
