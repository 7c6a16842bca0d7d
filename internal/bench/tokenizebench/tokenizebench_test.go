package tokenizebench

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const repo = "../../.."

func TestParagraphsAndBatches(t *testing.T) {
	t.Parallel()
	texts, err := Paragraphs(filepath.Join(repo, CorpusPath), MinRunesDefault)
	require.NoError(t, err)
	require.Greater(t, len(texts), 500, "news paragraphs in the corpus")
	b := Batches(texts, 256)
	require.Len(t, b, (len(texts)+255)/256)
	for _, x := range b {
		require.Len(t, x, 256)
	}
	require.Equal(t, b, Batches(texts, 256), "the same mix every run")
	require.NotEqual(t, texts[:256], b[0], "shuffled")

	_, err = Paragraphs(filepath.Join(t.TempDir(), "none.jsonl"), 1)
	require.Error(t, err)
}

func TestRunSkipsMissingFamilies(t *testing.T) {
	t.Parallel()
	rep, err := Run(context.Background(), Config{
		RepoRoot: repo, CacheDir: t.TempDir(), Duration: time.Millisecond, BatchSize: 32,
		Families: []Family{
			{Name: "minilm", File: "repo:model/tokenizer/testdata/minilm_tokenizer.json"},
			{Name: "absent", File: "cache:npm/none/tokenizer.json"},
		},
	})
	require.NoError(t, err)
	require.Len(t, rep.Results, 2)
	require.Empty(t, rep.Results[0].Skipped)
	require.Positive(t, rep.Results[0].MBPerSec)
	require.NotEmpty(t, rep.Results[1].Skipped)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Run(ctx, Config{RepoRoot: repo, Duration: time.Millisecond})
	require.ErrorIs(t, err, context.Canceled)
}
