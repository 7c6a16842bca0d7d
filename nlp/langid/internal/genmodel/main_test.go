package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
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
	require.NoError(t, err)
	want := gunzip(t, "../../model.bin.gz")
	require.True(t, bytes.Equal(got, want), "regenerated model (%d bytes) differs from the committed one (%d bytes); run go generate ./nlp/langid", len(got), len(want))
}

func TestQuantise(t *testing.T) {
	for _, tc := range []struct {
		lp   float64
		want uint8
	}{{0, 1}, {-0.01, 1}, {-1, 16}, {-15.9, 254}, {-40, 255}} {
		require.Equal(t, tc.want, quantise(tc.lp), "quantise(%v)", tc.lp)
	}
}

func TestPack(t *testing.T) {
	k, ok := pack("abc")
	require.True(t, ok, "pack(abc) refused it")
	require.Equal(t, uint64('a')<<42|uint64('b')<<21|uint64('c'), k, "pack(abc) = %x", k)
	_, ok = pack("\U0010FFFF")
	require.True(t, ok, "pack rejected the largest rune")
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	b, err := io.ReadAll(zr)
	require.NoError(t, err)
	return b
}
