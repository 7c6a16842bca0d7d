package inference

import (
	"context"
	"errors"

	"github.com/masx-ai/masx/concurrency/device"
)

// Model is one loaded model on one device: the unit the Runtime batches in
// front of. Implementations MUST be safe for use by one batch at a time per
// Runtime worker (the Runtime never calls Infer concurrently unless the
// model's MaxConcurrentBatches is above 1) and MUST return exactly len(in)
// results on success.
//
// To fail single items rather than the whole batch, return a
// *batch.ItemErrors holding one error slot per input (nil for items that
// succeeded) together with the full result slice.
//
// An error that wraps [ErrDevice] tells the Runtime that the accelerator
// failed (out of memory, lost device, CUDA error); the Runtime then retries
// the batch's items on a CPU model. Any other error reaches the caller.
type Model[In, Out any] interface {
	Infer(ctx context.Context, in []In) ([]Out, error)
	Close() error
}

// Loader loads a model for dev. The Runtime calls it once at Start for the
// selected device, and again with a CPU device config, lazily, the first
// time a GPU batch fails with [ErrDevice].
type Loader[In, Out any] func(ctx context.Context, dev device.Config) (Model[In, Out], error)

// ErrDevice marks errors caused by the accelerator rather than the input.
var ErrDevice = errors.New("device error")
