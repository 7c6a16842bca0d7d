//go:build !cgo

package seq2seq

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/model/onnx"
)

// Without cgo ONNX Runtime cannot load: Load fails (onnx.Init already
// reports onnx.ErrUnavailable first).

type ortBackend struct {
	vocabSize int
	provider  string
}

func openBackend(ctx context.Context, files Files, mc modelConfig, opts Options, m *Model) (*ortBackend, error) {
	return nil, fmt.Errorf("%w: masx was built without cgo", onnx.ErrUnavailable)
}

func (be *ortBackend) vocab() int   { return be.vocabSize }
func (be *ortBackend) close() error { return nil }
func (be *ortBackend) start(ctx context.Context, srcs [][]int64, recompute bool) (stepper, error) {
	return nil, fmt.Errorf("%w: masx was built without cgo", onnx.ErrUnavailable)
}
