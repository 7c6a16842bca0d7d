package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// ErrUnavailable means ONNX Runtime cannot be used in this process: the
// shared library is missing or does not load, or masx was built without
// cgo. Errors wrapping it say what is missing and how to install it.
var ErrUnavailable = errors.New("ONNX Runtime unavailable (install it with scripts/setup.sh --minimal)")

// ErrInvalidModel means a model file is missing, unreadable, not an ONNX
// model, or lacks the inputs and outputs a caller needs. The error names
// the path.
var ErrInvalidModel = errors.New("invalid ONNX model")

// ErrCUDA marks failures of the CUDA execution provider: appending it to a
// session that requires it, or a Run on a CUDA session. Callers that can
// run the same work on the CPU branch on it.
var ErrCUDA = errors.New("CUDA execution failed")

// ErrClosed is returned by [Session.Run] after [Session.Close].
var ErrClosed = errors.New("onnx: session closed")

// Providers as reported by [Session.Provider] and [Info].Providers.
const (
	ProviderCPU  = "cpu"
	ProviderCUDA = "cuda"
)

// Info describes the ONNX Runtime this process can use; `masx doctor`
// prints it.
type Info struct {
	Available bool     `json:"available"`
	Version   string   `json:"version,omitempty"`
	Library   string   `json:"library"`
	Providers []string `json:"providers,omitempty"` // "cpu", and "cuda" when the CUDA provider loads
	Err       string   `json:"error,omitempty"`
}

// Options configure a session. The zero value runs on the CPU with one
// intra-op thread per CPU.
type Options struct {
	// Threads is the number of intra-op threads. Zero means
	// runtime.NumCPU().
	Threads int
	// CUDA appends the CUDA execution provider. Default false (CPU only).
	CUDA bool
	// DeviceID is the CUDA device index. Default 0.
	DeviceID int
	// RequireCUDA turns a failure to append the CUDA provider into an error
	// wrapping [ErrCUDA] instead of a CPU fallback. Default false.
	RequireCUDA bool
	// Spin lets idle intra-op threads spin-wait for work instead of
	// sleeping. Default false: masx runs ONNX Runtime beside crawling and
	// extraction, and spinning threads burn the cores those need (and, on
	// a shared machine, cores other processes need).
	Spin bool
	// Outputs names the outputs Run computes, in order. Empty means every
	// output of the model. Naming fewer lets ONNX Runtime skip work.
	Outputs []string
	// Logf receives the reason for a CPU fallback. Nil means no logging.
	Logf func(format string, args ...any)
}

func (o Options) validate() error {
	if o.Threads < 0 {
		return fmt.Errorf("onnx: Options.Threads = %d, want ≥ 0", o.Threads)
	}
	if o.DeviceID < 0 {
		return fmt.Errorf("onnx: Options.DeviceID = %d, want ≥ 0", o.DeviceID)
	}
	if o.RequireCUDA && !o.CUDA {
		return errors.New("onnx: Options.RequireCUDA is set without Options.CUDA")
	}
	return nil
}

// TensorInfo describes one model input or output.
type TensorInfo struct {
	Name string
	// Dims has -1 for dynamic axes (batch, sequence).
	Dims []int64
	// Type is the element type: "int64", "int32", "float32", "float16", …
	Type string
}

// Int64Input is a tensor fed to the model input Name. When the model wants
// int32 the values are narrowed (token ids and masks fit).
type Int64Input struct {
	Name  string
	Shape []int64
	Data  []int64
}

// Float32Output receives the model output Name. Set Shape to the expected
// shape and Data to a buffer of at least that many elements (Run allocates
// it when shorter) to have ONNX Runtime write in place. With a nil Shape,
// Run lets ONNX Runtime allocate and copies the result (float32 outputs
// only).
type Float32Output struct {
	Name  string
	Shape []int64
	Data  []float32
}

func elements(shape []int64) (int64, error) {
	n := int64(1)
	for i, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("dimension %d of shape %v is %d, want ≥ 0", i, shape, d)
		}
		if d > 0 && n > math.MaxInt32*int64(64)/d {
			return 0, fmt.Errorf("shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// ModelFile picks the ONNX file of a Hugging Face-shaped model folder:
// onnx/model_fp16.onnx when fp16 is wanted and the folder has one, else
// onnx/model.onnx, else model.onnx at the top. Callers want fp16 only on a
// GPU: ONNX Runtime's CPU kernels lack float16 for most operators.
func ModelFile(dir string, fp16 bool) (string, error) {
	candidates := []string{filepath.Join(dir, "onnx", "model.onnx"), filepath.Join(dir, "model.onnx")}
	if fp16 {
		candidates = append([]string{filepath.Join(dir, "onnx", "model_fp16.onnx")}, candidates...)
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c, nil
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("%w: opening model folder %s: %w", ErrInvalidModel, dir, err)
	}
	return "", fmt.Errorf("%w: model folder %s has no onnx/model.onnx", ErrInvalidModel, dir)
}

// halfToFloat widens IEEE 754 binary16 values (little endian) to float32.
func halfToFloat(dst []float32, src []byte) {
	for i := range dst {
		h := uint32(src[2*i]) | uint32(src[2*i+1])<<8
		sign := (h >> 15) << 31
		exp := (h >> 10) & 0x1f
		mant := h & 0x3ff
		var bits uint32
		switch {
		case exp == 0x1f: // inf, NaN
			bits = sign | 0xff<<23 | mant<<13
		case exp != 0: // normal
			bits = sign | (exp+127-15)<<23 | mant<<13
		case mant == 0: // ±0
			bits = sign
		default: // subnormal: normalise
			e := uint32(127 - 15 + 1)
			for mant&0x400 == 0 {
				mant <<= 1
				e--
			}
			bits = sign | e<<23 | (mant&0x3ff)<<13
		}
		dst[i] = math.Float32frombits(bits)
	}
}
