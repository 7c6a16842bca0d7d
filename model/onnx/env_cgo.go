//go:build cgo

package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// defaultEnv is the process's one ONNX Runtime environment. onnxruntime_go
// keeps the library handle and the OrtEnv in package globals, so there can
// be only one, loaded from one library path; this guards it.
var defaultEnv environment

type environment struct {
	mu      sync.Mutex
	lib     string // set once Init succeeded
	version string
}

// Init loads the ONNX Runtime shared library at lib and creates the
// process's environment. It is safe to call from many goroutines and many
// times: the first success wins and later calls with the same path return
// nil. A different path after a success is an error, since one process
// cannot hold two ONNX Runtimes. Failures are not remembered, so a later
// call may try again. Errors wrap [ErrUnavailable].
func Init(lib string) error {
	if lib == "" {
		return fmt.Errorf("%w: no library path given", ErrUnavailable)
	}
	abs, err := filepath.Abs(lib)
	if err != nil {
		return fmt.Errorf("%w: resolving %s: %w", ErrUnavailable, lib, err)
	}
	defaultEnv.mu.Lock()
	defer defaultEnv.mu.Unlock()
	if defaultEnv.lib != "" {
		if defaultEnv.lib != abs {
			return fmt.Errorf("%w: ONNX Runtime is already loaded from %s; cannot also load %s", ErrUnavailable, defaultEnv.lib, abs)
		}
		return nil
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: library %s not found", ErrUnavailable, abs)
	case err != nil:
		return fmt.Errorf("%w: reading %s: %w", ErrUnavailable, abs, err)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%w: library %s is not a regular file", ErrUnavailable, abs)
	}
	if ort.IsInitialized() {
		// Someone initialised onnxruntime_go behind our back; we cannot know
		// from which library.
		return fmt.Errorf("%w: onnxruntime_go was initialised outside package onnx", ErrUnavailable)
	}
	ort.SetSharedLibraryPath(abs)
	// Fatal level: ONNX Runtime's warnings (node placement, unused
	// initialisers) are noise on a CLI, and every error it logs also comes
	// back as a Go error that our callers report with context.
	if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
		return fmt.Errorf("%w: loading %s: %w", ErrUnavailable, abs, err)
	}
	defaultEnv.lib = abs
	defaultEnv.version = ort.GetVersion()
	return nil
}

// Available reports whether [Init] has succeeded in this process.
func Available() bool {
	defaultEnv.mu.Lock()
	defer defaultEnv.mu.Unlock()
	return defaultEnv.lib != ""
}

// Version is the loaded ONNX Runtime's version, or "" before [Init].
func Version() string {
	defaultEnv.mu.Lock()
	defer defaultEnv.mu.Unlock()
	return defaultEnv.version
}

func ready() error {
	if !Available() {
		return fmt.Errorf("%w: onnx.Init has not been called", ErrUnavailable)
	}
	return nil
}

// Probe initialises ONNX Runtime from the library at lib (see [Init]) and
// reports on it. Providers lists "cpu", and "cuda" when the CUDA execution
// provider's libraries load (it does not touch a GPU).
func Probe(lib string) Info {
	info := Info{Library: lib}
	if err := Init(lib); err != nil {
		info.Err = err.Error()
		return info
	}
	defaultEnv.mu.Lock()
	info.Library, info.Version = defaultEnv.lib, defaultEnv.version
	defaultEnv.mu.Unlock()
	info.Available = true
	info.Providers = []string{ProviderCPU}
	if cudaLoads(0) == nil {
		info.Providers = append(info.Providers, ProviderCUDA)
	}
	return info
}

// cudaLoads appends the CUDA provider to throwaway session options: it
// fails when libonnxruntime_providers_cuda.so or the CUDA libraries it
// links cannot be loaded.
func cudaLoads(deviceID int) error {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return err
	}
	defer so.Destroy()
	return appendCUDA(so, deviceID)
}

func appendCUDA(so *ort.SessionOptions, deviceID int) error {
	co, err := ort.NewCUDAProviderOptions()
	if err != nil {
		return fmt.Errorf("creating CUDA provider options: %w", err)
	}
	defer co.Destroy()
	if err := co.Update(map[string]string{"device_id": fmt.Sprint(deviceID)}); err != nil {
		return fmt.Errorf("setting CUDA device_id %d: %w", deviceID, err)
	}
	if err := so.AppendExecutionProviderCUDA(co); err != nil {
		return fmt.Errorf("appending the CUDA execution provider: %w", err)
	}
	return nil
}
