package cli

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBenchGenerateFlags(t *testing.T) {
	o, err := parse(t, newBenchGenerateCmd, "--model", "m", "--tokens", "32", "--batch", "8", "--beams", "5", "--src-len", "12", "--skip-int8", "--json")
	require.NoError(t, err)
	require.Equal(t, "m", o.Model)
	require.Equal(t, 32, o.Tokens)
	require.Equal(t, 8, o.Batch)
	require.Equal(t, 5, o.Beams)
	require.Equal(t, 12, o.SrcLen)
	require.True(t, o.SkipInt8)
	require.True(t, o.JSON)

	o, err = parse(t, newBenchGenerateCmd)
	require.NoError(t, err)
	require.Equal(t, 64, o.Tokens, "default tokens")
	require.Equal(t, 32, o.Batch, "default batch")

	_, err = parse(t, newBenchGenerateCmd, "--beams", "1")
	require.ErrorContains(t, err, "--beams 1")
	require.ErrorIs(t, err, ErrUsage, "exit code 2 for a usage error")
}
