//go:build !cgo

package onnx

import (
	"context"
	"fmt"
)

// Without cgo there is no way to load ONNX Runtime: every entry point
// reports ErrUnavailable, and the rest of masx falls back.

var errNoCgo = fmt.Errorf("%w: masx was built without cgo (CGO_ENABLED=0)", ErrUnavailable)

// Init reports that ONNX Runtime cannot be loaded without cgo.
func Init(lib string) error { return errNoCgo }

// Available is always false without cgo.
func Available() bool { return false }

// Version is always "" without cgo.
func Version() string { return "" }

// Probe reports that ONNX Runtime cannot be loaded without cgo.
func Probe(lib string) Info { return Info{Library: lib, Err: errNoCgo.Error()} }

// Describe reports that ONNX Runtime cannot be loaded without cgo.
func Describe(path string) (inputs, outputs []TensorInfo, err error) { return nil, nil, errNoCgo }

// Session is never created without cgo.
type Session struct{}

// Open reports that ONNX Runtime cannot be loaded without cgo.
func Open(ctx context.Context, path string, opts Options) (*Session, error) {
	return nil, errNoCgo
}

func (s *Session) Path() string           { return "" }
func (s *Session) Provider() string       { return ProviderCPU }
func (s *Session) FallbackReason() string { return "" }
func (s *Session) Inputs() []TensorInfo   { return nil }
func (s *Session) Outputs() []TensorInfo  { return nil }
func (s *Session) Close() error           { return nil }
func (s *Session) Run(ctx context.Context, inputs []Int64Input, outputs []*Float32Output) error {
	return errNoCgo
}
