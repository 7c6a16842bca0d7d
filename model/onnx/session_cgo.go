//go:build cgo

package onnx

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/masx-ai/masx/concurrency/panics"
)

// Session is one loaded model on one device. It is safe for concurrent use;
// Close waits for runs in flight.
type Session struct {
	path     string
	provider string
	fallback string
	inputs   []TensorInfo
	outputs  []TensorInfo // the outputs Run computes, in order

	mu     sync.RWMutex // Run holds it shared, Close exclusively
	closed bool
	s      *ort.DynamicAdvancedSession
}

// Open loads the ONNX model at path. [Init] must have succeeded first
// (errors wrap [ErrUnavailable] otherwise). A missing, unreadable or
// malformed file is an error wrapping [ErrInvalidModel] that names the path.
func Open(ctx context.Context, path string, opts Options) (*Session, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := ready(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%w: opening %s: %w", ErrInvalidModel, path, err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidModel, path)
	}
	ins, outs, err := describe(path)
	if err != nil {
		return nil, err
	}
	s := &Session{path: path, provider: ProviderCPU, inputs: ins}
	all := make(map[string]TensorInfo, len(outs))
	for _, o := range outs {
		all[o.Name] = o
	}
	if len(opts.Outputs) == 0 {
		s.outputs = outs
	}
	for _, name := range opts.Outputs {
		o, ok := all[name]
		if !ok {
			return nil, fmt.Errorf("%w: %s has no output %q (it has %v)", ErrInvalidModel, path, name, names(outs))
		}
		s.outputs = append(s.outputs, o)
	}
	for _, o := range s.outputs {
		if o.Type != "float32" && o.Type != "float16" {
			return nil, fmt.Errorf("%w: %s output %q is %s; only float32 and float16 outputs are supported", ErrInvalidModel, path, o.Name, o.Type)
		}
	}
	for _, in := range s.inputs {
		if in.Type != "int64" && in.Type != "int32" {
			return nil, fmt.Errorf("%w: %s input %q is %s; only int64 and int32 inputs are supported", ErrInvalidModel, path, in.Name, in.Type)
		}
	}

	if opts.CUDA {
		s.s, err = s.create(opts, true)
		if err == nil {
			s.provider = ProviderCUDA
			return s, nil
		}
		if opts.RequireCUDA {
			return nil, fmt.Errorf("%w: loading %s on CUDA device %d: %w", ErrCUDA, path, opts.DeviceID, err)
		}
		s.fallback = err.Error()
		if opts.Logf != nil {
			opts.Logf("onnx: %s runs on the CPU: %s", path, s.fallback)
		}
	}
	if s.s, err = s.create(opts, false); err != nil {
		return nil, fmt.Errorf("%w: loading %s: %w", ErrInvalidModel, path, err)
	}
	return s, nil
}

func (s *Session) create(opts Options, cuda bool) (*ort.DynamicAdvancedSession, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("creating session options: %w", err)
	}
	defer so.Destroy()
	threads := opts.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return nil, fmt.Errorf("setting %d intra-op threads: %w", threads, err)
	}
	// One graph at a time per Run: parallelism comes from intra-op threads
	// and from concurrent Runs, not from running branches side by side.
	if err := so.SetInterOpNumThreads(1); err != nil {
		return nil, fmt.Errorf("setting inter-op threads: %w", err)
	}
	spin := "0"
	if opts.Spin {
		spin = "1"
	}
	if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", spin); err != nil {
		return nil, fmt.Errorf("setting intra-op spinning: %w", err)
	}
	if cuda {
		if err := appendCUDA(so, opts.DeviceID); err != nil {
			return nil, err
		}
	}
	return ort.NewDynamicAdvancedSession(s.path, names(s.inputs), names(s.outputs), so)
}

// Path is the model file.
func (s *Session) Path() string { return s.path }

// Provider is where the session runs: [ProviderCPU] or [ProviderCUDA].
func (s *Session) Provider() string { return s.provider }

// FallbackReason says why a session asked to use CUDA runs on the CPU, or
// is "".
func (s *Session) FallbackReason() string { return s.fallback }

// Inputs describes the model's inputs; Run needs one tensor for each.
func (s *Session) Inputs() []TensorInfo { return append([]TensorInfo(nil), s.inputs...) }

// Outputs describes the outputs Run computes, in order.
func (s *Session) Outputs() []TensorInfo { return append([]TensorInfo(nil), s.outputs...) }

// Run runs the model once. inputs holds one tensor per model input (any
// order, matched by name); outputs one entry per output in [Session.Outputs]
// order (matched by name too). It is safe to call from many goroutines.
// When ctx ends during the run, ONNX Runtime is told to stop and Run
// returns ctx's error. Failures on a CUDA session wrap [ErrCUDA].
func (s *Session) Run(ctx context.Context, inputs []Int64Input, outputs []*Float32Output) (err error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer func() {
		// ONNX Runtime is foreign code behind a thin binding; a panic in
		// the binding must not take the process down with the caller's
		// batch. The error wraps a *panics.Error and carries the stack.
		if r := recover(); r != nil {
			pe := panics.New(r)
			err = fmt.Errorf("running %s: session %w\n%s", s.path, pe, pe.Stack)
		}
	}()

	vals, err := s.inputValues(inputs)
	defer destroy(vals)
	if err != nil {
		return err
	}
	outVals, half, err := s.outputValues(outputs)
	defer destroy(outVals)
	if err != nil {
		return err
	}

	if err := RunTerminable(ctx, s.path, func(ro *ort.RunOptions) error { return s.s.RunWithOptions(vals, outVals, ro) }); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("running %s: %w", s.path, ctxErr)
		}
		if s.provider == ProviderCUDA {
			return fmt.Errorf("%w: running %s: %w", ErrCUDA, s.path, err)
		}
		return fmt.Errorf("running %s: %w", s.path, err)
	}
	for i, o := range outputs {
		switch v := outVals[i].(type) {
		case *ort.Tensor[float32]:
			if o.Shape == nil { // allocated by ONNX Runtime
				o.Shape = v.GetShape()
				o.Data = append(o.Data[:0], v.GetData()...)
			}
		case *ort.CustomDataTensor:
			halfToFloat(o.Data[:len(half[i])/2], half[i])
		default:
			return fmt.Errorf("running %s: output %q has type %T, want float32 or float16", s.path, o.Name, outVals[i])
		}
	}
	return nil
}

func (s *Session) inputValues(inputs []Int64Input) ([]ort.Value, error) {
	if len(inputs) != len(s.inputs) {
		return nil, fmt.Errorf("running %s: got %d inputs %v, the model takes %d: %v", s.path, len(inputs), inputNames(inputs), len(s.inputs), names(s.inputs))
	}
	vals := make([]ort.Value, len(s.inputs))
	for _, in := range inputs {
		idx := -1
		for i, info := range s.inputs {
			if info.Name == in.Name {
				idx = i
			}
		}
		if idx < 0 {
			return vals, fmt.Errorf("running %s: unknown input %q; the model takes %v", s.path, in.Name, names(s.inputs))
		}
		if vals[idx] != nil {
			return vals, fmt.Errorf("running %s: input %q given twice", s.path, in.Name)
		}
		n, err := elements(in.Shape)
		if err != nil {
			return vals, fmt.Errorf("running %s: input %q: %w", s.path, in.Name, err)
		}
		if int64(len(in.Data)) < n {
			return vals, fmt.Errorf("running %s: input %q has %d values, shape %v needs %d", s.path, in.Name, len(in.Data), in.Shape, n)
		}
		var v ort.Value
		if s.inputs[idx].Type == "int32" {
			d := make([]int32, n)
			for i := range d {
				d[i] = int32(in.Data[i])
			}
			v, err = ort.NewTensor(ort.Shape(in.Shape), d)
		} else {
			v, err = ort.NewTensor(ort.Shape(in.Shape), in.Data)
		}
		if err != nil {
			return vals, fmt.Errorf("running %s: input %q: %w", s.path, in.Name, err)
		}
		vals[idx] = v
	}
	return vals, nil
}

func (s *Session) outputValues(outputs []*Float32Output) (vals []ort.Value, half [][]byte, err error) {
	if len(outputs) != len(s.outputs) {
		return nil, nil, fmt.Errorf("running %s: got %d outputs, the session computes %d: %v", s.path, len(outputs), len(s.outputs), names(s.outputs))
	}
	vals = make([]ort.Value, len(outputs))
	half = make([][]byte, len(outputs))
	for i, o := range outputs {
		info := s.outputs[i]
		if o == nil || o.Name != info.Name {
			return vals, nil, fmt.Errorf("running %s: output %d must be %q", s.path, i, info.Name)
		}
		if o.Shape == nil {
			if info.Type != "float32" {
				return vals, nil, fmt.Errorf("running %s: output %q is %s: give its Shape", s.path, o.Name, info.Type)
			}
			continue // ONNX Runtime allocates it
		}
		n, err := elements(o.Shape)
		if err != nil {
			return vals, nil, fmt.Errorf("running %s: output %q: %w", s.path, o.Name, err)
		}
		if int64(cap(o.Data)) < n {
			o.Data = make([]float32, n)
		}
		o.Data = o.Data[:n]
		if info.Type == "float16" {
			half[i] = make([]byte, 2*n)
			vals[i], err = ort.NewCustomDataTensor(ort.Shape(o.Shape), half[i], ort.TensorElementDataTypeFloat16)
		} else {
			vals[i], err = ort.NewTensor(ort.Shape(o.Shape), o.Data)
		}
		if err != nil {
			return vals, nil, fmt.Errorf("running %s: output %q: %w", s.path, o.Name, err)
		}
	}
	return vals, half, nil
}

// Close releases the session after runs in flight finish. Later calls do
// nothing; Run returns [ErrClosed].
func (s *Session) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.s.Destroy(); err != nil {
		return fmt.Errorf("closing %s: %w", s.path, err)
	}
	return nil
}

func destroy(vals []ort.Value) {
	for _, v := range vals {
		if v != nil {
			_ = v.Destroy() // only fails on double destroy
		}
	}
}

func tensorInfo(i ort.InputOutputInfo) TensorInfo {
	t := TensorInfo{Name: i.Name, Dims: []int64(i.Dimensions.Clone())}
	switch i.DataType {
	case ort.TensorElementDataTypeFloat:
		t.Type = "float32"
	case ort.TensorElementDataTypeFloat16:
		t.Type = "float16"
	case ort.TensorElementDataTypeInt64:
		t.Type = "int64"
	case ort.TensorElementDataTypeInt32:
		t.Type = "int32"
	default:
		t.Type = ort.TensorElementDataType(i.DataType).String()
	}
	if i.OrtValueType != ort.ONNXTypeTensor {
		t.Type = i.OrtValueType.String()
	}
	return t
}

// Describe lists the inputs and outputs of the ONNX model at path without
// keeping a session. It costs one model load on the CPU.
func Describe(path string) (inputs, outputs []TensorInfo, err error) {
	if err := ready(); err != nil {
		return nil, nil, err
	}
	st, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, nil, fmt.Errorf("%w: opening %s: %w", ErrInvalidModel, path, err)
	case !st.Mode().IsRegular():
		return nil, nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidModel, path)
	}
	return describe(path)
}

// describe loads the model once, unoptimised on one thread (reading the
// signature needs no graph optimisation, which is most of a load's cost).
func describe(path string) (inputs, outputs []TensorInfo, err error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, nil, fmt.Errorf("creating session options: %w", err)
	}
	defer so.Destroy()
	if err := so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelDisableAll); err != nil {
		return nil, nil, fmt.Errorf("disabling graph optimisation: %w", err)
	}
	if err := so.SetIntraOpNumThreads(1); err != nil {
		return nil, nil, fmt.Errorf("setting 1 intra-op thread: %w", err)
	}
	ins, outs, err := ort.GetInputOutputInfoWithOptions(path, so)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: loading %s: %w", ErrInvalidModel, path, err)
	}
	for _, in := range ins {
		inputs = append(inputs, tensorInfo(in))
	}
	for _, o := range outs {
		outputs = append(outputs, tensorInfo(o))
	}
	return inputs, outputs, nil
}

func names(ts []TensorInfo) []string {
	r := make([]string, len(ts))
	for i, t := range ts {
		r[i] = t.Name
	}
	return r
}

func inputNames(ins []Int64Input) []string {
	r := make([]string, len(ins))
	for i, t := range ins {
		r[i] = t.Name
	}
	return r
}

// RunTerminable calls run with ONNX Runtime run options that the end of ctx
// terminates, so a long Run stops within one kernel instead of finishing;
// with a ctx that cannot end, run gets nil options. It waits for a
// Terminate in flight before destroying the options. path names the model
// in errors. Sessions here and in model/seq2seq run through it.
func RunTerminable(ctx context.Context, path string, run func(*ort.RunOptions) error) error {
	if ctx.Done() == nil {
		return run(nil)
	}
	ro, err := ort.NewRunOptions()
	if err != nil {
		return fmt.Errorf("running %s: creating run options: %w", path, err)
	}
	defer ro.Destroy()
	terminated := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(terminated)
		_ = ro.Terminate() // fails only on destroyed options, which cannot happen before we wait below
	})
	defer func() {
		if !stop() {
			<-terminated // Terminate is running: let it finish before ro.Destroy
		}
	}()
	return run(ro)
}
