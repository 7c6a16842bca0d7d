package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/masx-ai/masx/internal/bench/tokenizebench"
)

func TestBenchTokenize(t *testing.T) {
	t.Parallel()
	code, out, errOut := runCLI(t, "bench", "tokenize", "--repo", "../..", "--only", "minilm", "--duration", "1ms", "--batch", "64", "--json")
	require.Equal(t, ExitOK, code, errOut)
	var rep tokenizebench.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Len(t, rep.Results, 1)
	r := rep.Results[0]
	require.Equal(t, "wordpiece-minilm", r.Family)
	require.Empty(t, r.Skipped)
	require.Positive(t, r.Texts)
	require.Zero(t, r.Texts%64, "whole batches")
	require.Positive(t, r.TextsPerSec)
	require.Positive(t, r.Tokens)

	code, out, errOut = runCLI(t, "bench", "tokenize", "--repo", "../..", "--list")
	require.Equal(t, ExitOK, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), len(tokenizebench.Families()))
	require.Contains(t, out, "wordpiece-minilm\t../../model/tokenizer/testdata/minilm_tokenizer.json")

	code, out, errOut = runCLI(t, "bench", "tokenize", "--repo", "../..", "--dump-batches", "--batch", "100")
	require.Equal(t, ExitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Greater(t, len(lines), 5)
	var batch []string
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &batch))
	require.Len(t, batch, 100)

	code, _, errOut = runCLI(t, "bench", "tokenize", "--batch", "0")
	require.Equal(t, ExitUsage, code)
	require.Contains(t, errOut, "--batch 0")
}
