package render

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestStartWithoutChromium(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "no-chromium")
	p, err := New(Config{ChromiumPath: missing})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background())
	if !errors.Is(err, ErrNoChromium) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Start = %v; want ErrNoChromium wrapping fs.ErrNotExist", err)
	}
	if err := p.Stop(context.Background()); err != nil {
		t.Errorf("Stop after a failed Start = %v; want nil", err)
	}
}
