package render

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStartWithoutChromium(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-chromium")
	p, err := New(Config{ChromiumPath: missing})
	require.NoError(t, err)
	err = p.Start(context.Background())
	require.ErrorIs(t, err, ErrNoChromium, "Start")
	require.ErrorIs(t, err, fs.ErrNotExist, "Start: want ErrNoChromium wrapping fs.ErrNotExist")
	require.NoError(t, p.Stop(context.Background()), "Stop after a failed Start")
}
