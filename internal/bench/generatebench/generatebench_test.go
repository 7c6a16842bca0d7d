package generatebench_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/masx-ai/masx/internal/bench/generatebench"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/model/testmodel"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A short run on the tiny Marian-shaped model (with int8 files): every
// number is produced, and every sentence generates exactly Tokens tokens.
// (Throughput targets are checked by running `masx bench generate`.)
func TestRunTiny(t *testing.T) {
	s := onnxtest.RequireORT(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spec := testmodel.Seq2SeqSpec{Family: "marian", Layout: "merged", Quantize: true}
	if err := testmodel.Check(ctx, ""); err != nil {
		onnxtest.Missing(t, "the test model generator", err)
	}
	dir, err := testmodel.EnsureSeq2Seq(ctx, s.ResolvedCacheDir(), spec)
	require.NoError(t, err)
	rep, err := generatebench.Run(ctx, generatebench.Config{ORTLib: s.ResolvedORTLib(), Threads: 1, ModelDir: dir,
		Tokens: 6, SrcLen: 5, Batch: 3, Beams: 2})
	require.NoError(t, err)
	for name, m := range map[string]generatebench.Measurement{"nocache": rep.NoCache, "cache": rep.Cache,
		"batched": rep.Batched, "beam": rep.Beam4, "runtime": rep.Runtime, "int8 batched": *rep.Int8Batched} {
		require.Equal(t, int64(6*m.Sentences), m.Tokens, "%s: tokens", name)
		require.Positive(t, m.TokensPerSec, name)
		require.EqualValues(t, 6, m.DecodeSteps, "%s: decoder runs", name)
	}
	require.Equal(t, 3.0, rep.Batched.MeanRows)
	require.Equal(t, 6.0, rep.Beam4.MeanRows, "3 sentences × 2 beams")
	require.Positive(t, rep.CacheSpeedup)
	require.Positive(t, rep.BatchSpeedup)

	_, err = generatebench.Run(ctx, generatebench.Config{ModelDir: dir})
	require.ErrorContains(t, err, "ORTLib is empty")
	_, err = generatebench.Run(ctx, generatebench.Config{ORTLib: s.ResolvedORTLib(), ModelDir: dir, Beams: 1})
	require.ErrorContains(t, err, "Beams 1")
}
