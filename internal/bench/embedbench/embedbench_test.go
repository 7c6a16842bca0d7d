package embedbench_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/masx-ai/masx/internal/bench/embedbench"
	"github.com/masx-ai/masx/model/onnx/onnxtest"
	"github.com/masx-ai/masx/nlp/embed"
)

// envEmbed is the embed.Config the environment names (MASX_ORT_LIB, …).
func envEmbed(t *testing.T) embed.Config {
	s := onnxtest.Settings(t)
	return embed.Config{ORTLib: s.ResolvedORTLib(), Threads: s.ResolvedORTThreads()}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// A short run on the tiny model: every number is produced and plausible.
// (Throughput targets are checked by running `masx bench embed`, not here.)
func TestRunTiny(t *testing.T) {
	dir := onnxtest.Tiny(t)
	ecfg := envEmbed(t)
	ecfg.MaxBatchSize = 8
	rep, err := embedbench.Run(context.Background(), embedbench.Config{
		Embed: ecfg, ModelDir: dir, Duration: 300 * time.Millisecond, Callers: 16, SeqLen: 24,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{
		"unbatched": rep.UnbatchedItemsPerSec, "batched": rep.BatchedItemsPerSec, "raw": rep.RawItemsPerSec,
		"runtime": rep.RuntimeItemsPerSec, "mixed": rep.MixedItemsPerSec, "mixed unsorted": rep.MixedUnsortedItemsPerSec,
	} {
		if v <= 0 {
			t.Errorf("%s throughput = %v; want > 0", name, v)
		}
	}
	if rep.RuntimeMeanBatch != 8 {
		t.Errorf("runtime mean batch = %v; want 8 (full batches handed over)", rep.RuntimeMeanBatch)
	}
	if rep.BatchedMeanBatch <= 1 {
		t.Errorf("batched mean batch = %v; want > 1 with 16 callers", rep.BatchedMeanBatch)
	}
	if rep.PaddingEfficiency <= rep.PaddingEfficiencyUnsorted || rep.PaddingEfficiency > 1 {
		t.Errorf("padding efficiency bucketed %v, unsorted %v; want bucketed higher, ≤ 1", rep.PaddingEfficiency, rep.PaddingEfficiencyUnsorted)
	}
	if rep.Provider != "cpu" || rep.SeqLen != 24 || rep.BatchSize != 8 || rep.ORTVersion == "" || !strings.HasPrefix(rep.Model, "tiny") {
		t.Errorf("report header = %+v", rep)
	}
}

func TestRunBadConfig(t *testing.T) {
	if _, err := embedbench.Run(context.Background(), embedbench.Config{}); err == nil || !strings.Contains(err.Error(), "ORTLib") {
		t.Errorf("Run(no library) = %v; want an error naming ORTLib", err)
	}
	ecfg := envEmbed(t)
	if _, err := embedbench.Run(context.Background(), embedbench.Config{Embed: ecfg}); err == nil || !strings.Contains(err.Error(), "CacheDir") {
		t.Errorf("Run(no model, no cache) = %v; want an error naming CacheDir", err)
	}
	if _, err := embedbench.Run(context.Background(), embedbench.Config{Embed: ecfg, CacheDir: t.TempDir(), SeqLen: 2}); err == nil || !strings.Contains(err.Error(), "SeqLen") {
		t.Errorf("Run(SeqLen 2) = %v; want an error naming SeqLen", err)
	}
	dir := onnxtest.Tiny(t)
	if _, err := embedbench.Run(context.Background(), embedbench.Config{Embed: ecfg, ModelDir: dir, SeqLen: 4096}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("Run(SeqLen 4096) = %v; want an error about the model's limit", err)
	}
}
