//go:build cgo

package seq2seq

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/masx-ai/masx/concurrency/panics"
	"github.com/masx-ai/masx/model/onnx"
)

// Package onnx's Session feeds only integer tensors; a decoder also takes
// float hidden states, float caches and a bool branch flag, and its
// outputs must come back as tensors that can be fed in again without a
// copy. So this package runs onnxruntime_go sessions itself, in the
// environment onnx.Init set up.

type ortSession struct {
	path string
	s    *ort.DynamicAdvancedSession
	ins  []string
	outs []string
	in   map[string]onnx.TensorInfo
	out  map[string]onnx.TensorInfo
}

func newSessionOptions(opts Options, cuda bool) (*ort.SessionOptions, error) {
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fmt.Errorf("creating session options: %w", err)
	}
	threads := opts.Threads
	if threads == 0 {
		threads = runtime.NumCPU()
	}
	steps := []error{
		so.SetIntraOpNumThreads(threads),
		so.SetInterOpNumThreads(1),
		// Idle intra-op threads sleep: masx runs ONNX Runtime beside
		// crawling and extraction (see onnx.Options.Spin).
		so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"),
	}
	if cuda {
		co, err := ort.NewCUDAProviderOptions()
		if err == nil {
			err = co.Update(map[string]string{"device_id": fmt.Sprint(opts.DeviceID)})
			if err == nil {
				err = so.AppendExecutionProviderCUDA(co)
			}
			co.Destroy()
		}
		steps = append(steps, err)
	}
	if err := errors.Join(steps...); err != nil {
		so.Destroy()
		return nil, err
	}
	return so, nil
}

// openSession loads path with every input and output, after onnx.Describe
// read its signature.
func openSession(path string, opts Options, cuda bool) (*ortSession, error) {
	ins, outs, err := onnx.Describe(path)
	if err != nil {
		return nil, err
	}
	s := &ortSession{path: path, in: map[string]onnx.TensorInfo{}, out: map[string]onnx.TensorInfo{}}
	for _, t := range ins {
		s.ins = append(s.ins, t.Name)
		s.in[t.Name] = t
	}
	for _, t := range outs {
		s.outs = append(s.outs, t.Name)
		s.out[t.Name] = t
	}
	so, err := newSessionOptions(opts, cuda)
	if err != nil {
		return nil, fmt.Errorf("%w: loading %s: %w", onnx.ErrCUDA, path, err)
	}
	defer so.Destroy()
	if s.s, err = ort.NewDynamicAdvancedSession(path, s.ins, s.outs, so); err != nil {
		return nil, fmt.Errorf("%w: loading %s: %w", onnx.ErrInvalidModel, path, err)
	}
	return s, nil
}

// run feeds inputs by name; outputs[i] is the caller's tensor for
// s.outs[i], or nil to let ONNX Runtime allocate it (then set on return).
func (s *ortSession) run(ctx context.Context, feeds map[string]ort.Value, outputs []ort.Value) (err error) {
	ins := make([]ort.Value, len(s.ins))
	for i, name := range s.ins {
		if ins[i] = feeds[name]; ins[i] == nil {
			return fmt.Errorf("running %s: no value for input %q", s.path, name)
		}
	}
	defer func() {
		if r := recover(); r != nil {
			pe := panics.New(r)
			err = fmt.Errorf("running %s: session %w\n%s", s.path, pe, pe.Stack)
		}
	}()
	if err := onnx.RunTerminable(ctx, s.path, func(ro *ort.RunOptions) error { return s.s.RunWithOptions(ins, outputs, ro) }); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("running %s: %w", s.path, ctxErr)
		}
		return fmt.Errorf("running %s: %w", s.path, err)
	}
	return nil
}

func (s *ortSession) close() {
	if s != nil && s.s != nil {
		_ = s.s.Destroy()
	}
}

// ortBackend holds a model's sessions and the shapes read from them.
type ortBackend struct {
	files                                Files
	enc, merged, dec, decPast            *ortSession
	layers, heads, headDim, d, vocabSize int
	provider                             string
	m                                    *Model

	mu     sync.RWMutex // runs hold it shared, close exclusively
	closed bool
}

func openBackend(ctx context.Context, files Files, mc modelConfig, opts Options, m *Model) (*ortBackend, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	be := &ortBackend{files: files, m: m, provider: onnx.ProviderCPU}
	err := be.open(files, opts, opts.CUDA)
	if err != nil && opts.CUDA && errors.Is(err, onnx.ErrCUDA) && !opts.RequireCUDA {
		// All sessions on one device: those already on the GPU are
		// reopened on the CPU.
		if opts.Logf != nil {
			opts.Logf("seq2seq: %s runs on the CPU: %v", files.Encoder, err)
		}
		be.close()
		be.closed = false
		err = be.open(files, opts, false)
	} else if err == nil && opts.CUDA {
		be.provider = onnx.ProviderCUDA
	}
	if err != nil {
		be.close()
		return nil, err
	}
	sigs := []*signature{}
	for _, s := range []*ortSession{be.enc, be.merged, be.dec, be.decPast} {
		if s != nil {
			sigs = append(sigs, &signature{path: s.path, in: s.in, out: s.out})
		}
	}
	shape, err := validate(sigs[0], sigs[1:], mc)
	be.layers, be.heads, be.headDim, be.d, be.vocabSize = shape.layers, shape.heads, shape.headDim, shape.d, shape.vocab
	if err != nil {
		be.close()
		return nil, err
	}
	return be, nil
}

// open loads every file of files on one device.
func (be *ortBackend) open(files Files, opts Options, cuda bool) error {
	paths := []struct {
		dst  **ortSession
		path string
	}{{&be.enc, files.Encoder}, {&be.merged, files.Merged}, {&be.dec, files.Decoder}, {&be.decPast, files.DecoderWithPast}}
	for _, p := range paths {
		*p.dst = nil
	}
	for _, p := range paths {
		if p.path == "" {
			continue
		}
		s, err := openSession(p.path, opts, cuda)
		if err != nil {
			return err
		}
		*p.dst = s
	}
	return nil
}

func (be *ortBackend) vocab() int { return be.vocabSize }

func (be *ortBackend) close() error {
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.closed {
		return nil
	}
	be.closed = true
	for _, s := range []*ortSession{be.enc, be.merged, be.dec, be.decPast} {
		s.close()
	}
	return nil
}

// sessions returns the session step 0 and every recompute step run
// (first) and the one cached steps run.
func (be *ortBackend) sessions() (first, cached *ortSession) {
	if be.merged != nil {
		return be.merged, be.merged
	}
	return be.dec, be.decPast
}

func newFloat(shape ort.Shape) (*ort.Tensor[float32], error) {
	return ort.NewTensor(shape, make([]float32, shape.FlattenedSize()))
}

// start runs the encoder over srcs (padded to the longest with the pad id,
// masked) and returns the decoder state.
func (be *ortBackend) start(ctx context.Context, srcs [][]int64, recompute bool) (stepper, error) {
	be.mu.RLock()
	if be.closed {
		be.mu.RUnlock()
		return nil, onnx.ErrClosed
	}
	rows, S := len(srcs), 0
	for _, s := range srcs {
		S = max(S, len(s))
	}
	ids, mask := make([]int64, rows*S), make([]int64, rows*S)
	for r, s := range srcs {
		for j := range S {
			if j < len(s) {
				ids[r*S+j], mask[r*S+j] = s[j], 1
			} else {
				ids[r*S+j] = be.m.defaults.PadTokenID
			}
		}
	}
	st := &ortState{be: be, rows: rows, S: S, recompute: recompute}
	fail := func(err error) (stepper, error) {
		st.close()
		return nil, err
	}
	var err error
	shape := ort.NewShape(int64(rows), int64(S))
	if st.ids, err = ort.NewTensor(shape, ids); err != nil {
		return fail(err)
	}
	if st.mask, err = ort.NewTensor(shape.Clone(), mask); err != nil {
		return fail(err)
	}
	if st.hidden, err = newFloat(ort.NewShape(int64(rows), int64(S), int64(be.d))); err != nil {
		return fail(err)
	}
	outs := make([]ort.Value, len(be.enc.outs))
	for i, name := range be.enc.outs {
		if name == "last_hidden_state" {
			outs[i] = st.hidden
		}
	}
	t0 := time.Now()
	err = be.enc.run(ctx, map[string]ort.Value{"input_ids": st.ids, "attention_mask": st.mask}, outs)
	be.m.m.encodeNs.Add(int64(time.Since(t0)))
	for i, v := range outs {
		if v != nil && be.enc.outs[i] != "last_hidden_state" {
			_ = v.Destroy()
		}
	}
	if err != nil {
		return fail(be.deviceErr(err))
	}
	_ = st.ids.Destroy()
	st.ids = nil
	return st, nil
}

// deviceErr marks run failures on a CUDA session with onnx.ErrCUDA, so the
// inference runtime retries the batch on the CPU.
func (be *ortBackend) deviceErr(err error) error {
	if be.provider == onnx.ProviderCUDA && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", onnx.ErrCUDA, err)
	}
	return err
}

// ortState is one batch's decoder state: the encoder's output and mask,
// and the caches, all with one row per live sequence.
type ortState struct {
	be        *ortBackend
	rows, S   int
	recompute bool
	steps     int
	ids       *ort.Tensor[int64]
	mask      *ort.Tensor[int64]
	hidden    *ort.Tensor[float32]
	cross     []*ort.Tensor[float32] // per layer: key, value [rows, heads, S, head_dim]; nil before step 0
	self      []*ort.Tensor[float32] // per layer: key, value [rows, heads, past, head_dim]
	past      int
	logits    []float32
}

func (st *ortState) close() {
	for _, t := range append(append([]*ort.Tensor[float32]{st.hidden}, st.cross...), st.self...) {
		if t != nil {
			_ = t.Destroy()
		}
	}
	for _, t := range []*ort.Tensor[int64]{st.ids, st.mask} {
		if t != nil {
			_ = t.Destroy()
		}
	}
	st.cross, st.self, st.hidden, st.ids, st.mask = nil, nil, nil, nil, nil
	if st.be != nil {
		st.be.mu.RUnlock()
		st.be = nil
	}
}

func (st *ortState) kvShape(length int) ort.Shape {
	return ort.NewShape(int64(st.rows), int64(st.be.heads), int64(length), int64(st.be.headDim))
}

// step runs the decoder once; see stepper.
func (st *ortState) step(ctx context.Context, seqs [][]int64) ([]float32, error) {
	be := st.be
	if len(seqs) != st.rows {
		return nil, fmt.Errorf("seq2seq: step with %d sequences for %d rows", len(seqs), st.rows)
	}
	cached := !st.recompute && st.steps > 0
	T := 1
	if st.recompute {
		T = len(seqs[0])
	}
	ids := make([]int64, 0, st.rows*T)
	for _, s := range seqs {
		ids = append(ids, s[len(s)-T:]...)
	}
	idT, err := ort.NewTensor(ort.NewShape(int64(st.rows), int64(T)), ids)
	if err != nil {
		return nil, err
	}
	defer idT.Destroy()
	first, withPast := be.sessions()
	sess := first
	if cached {
		sess = withPast
	}
	feeds := map[string]ort.Value{"input_ids": idT, "encoder_attention_mask": st.mask, "encoder_hidden_states": st.hidden}
	var temps []ort.Value
	defer func() {
		for _, v := range temps {
			_ = v.Destroy()
		}
	}()
	if _, ok := sess.in["use_cache_branch"]; ok {
		flag, err := ort.NewTensor(ort.NewShape(1), []bool{cached})
		if err != nil {
			return nil, err
		}
		temps = append(temps, flag)
		feeds["use_cache_branch"] = flag
	}
	if _, ok := sess.in["past_key_values.0.decoder.key"]; ok {
		for l := range be.layers {
			for k, kind := range []string{"key", "value"} {
				var dec, enc ort.Value
				if cached {
					dec, enc = st.self[2*l+k], st.cross[2*l+k]
				} else {
					// The no-cache branch ignores them: zero-length pasts.
					z, err := ort.NewTensor(st.kvShape(0), []float32{})
					if err != nil {
						return nil, err
					}
					temps = append(temps, z)
					dec, enc = z, z
				}
				feeds[fmt.Sprintf("past_key_values.%d.decoder.%s", l, kind)] = dec
				feeds[fmt.Sprintf("past_key_values.%d.encoder.%s", l, kind)] = enc
			}
		}
	}
	outs, err := st.outputs(sess, T, cached)
	if err != nil {
		return nil, err
	}
	err = sess.run(ctx, feeds, outs)
	if err != nil {
		for _, v := range outs {
			if v != nil {
				_ = v.Destroy()
			}
		}
		return nil, be.deviceErr(err)
	}
	return st.take(sess, outs, T, cached)
}

// outputs prepares the output tensors whose shapes are known, so ONNX
// Runtime writes into memory the next step reads (no copy); the rest (the
// empty cross-attention presents of a merged decoder's cached branch) it
// allocates.
func (st *ortState) outputs(sess *ortSession, T int, cached bool) ([]ort.Value, error) {
	be := st.be
	V := be.vocabSize
	if cap(st.logits) < st.rows*T*V {
		st.logits = make([]float32, st.rows*T*V)
	}
	outs := make([]ort.Value, len(sess.outs))
	for i, name := range sess.outs {
		var err error
		switch {
		case name == "logits":
			outs[i], err = ort.NewTensor(ort.NewShape(int64(st.rows), int64(T), int64(V)), st.logits[:st.rows*T*V])
		case strings.HasSuffix(name, "decoder.key") || strings.HasSuffix(name, "decoder.value"):
			if st.recompute {
				continue // thrown away: let ONNX Runtime allocate
			}
			outs[i], err = newFloat(st.kvShape(st.past + 1))
		case !cached && !st.recompute:
			outs[i], err = newFloat(st.kvShape(st.S)) // cross-attention K/V, kept from step 0
		}
		if err != nil {
			return outs, err
		}
	}
	return outs, nil
}

// take keeps the new caches and returns the last position's logits.
func (st *ortState) take(sess *ortSession, outs []ort.Value, T int, cached bool) ([]float32, error) {
	be := st.be
	V := be.vocabSize
	newSelf := make([]*ort.Tensor[float32], 2*be.layers)
	var newCross []*ort.Tensor[float32]
	if !cached && !st.recompute {
		newCross = make([]*ort.Tensor[float32], 2*be.layers)
	}
	for i, name := range sess.outs {
		v := outs[i]
		var l, k int
		if n, _ := fmt.Sscanf(name, "present.%d.", &l); n != 1 || st.recompute || l >= be.layers {
			_ = v.Destroy() // the logits' data lives on in st.logits
			continue
		}
		if strings.HasSuffix(name, ".value") {
			k = 1
		}
		t, _ := v.(*ort.Tensor[float32])
		switch {
		case strings.Contains(name, ".decoder."):
			newSelf[2*l+k] = t
		case newCross != nil:
			newCross[2*l+k] = t
		default:
			_ = v.Destroy() // empty: the merged decoder's cached branch
		}
	}
	if !st.recompute {
		for i, t := range newSelf {
			if t == nil {
				return nil, fmt.Errorf("%w: %s returned no present for cache slot %d", onnx.ErrInvalidModel, sess.path, i)
			}
		}
		for _, t := range st.self {
			_ = t.Destroy()
		}
		st.self = newSelf
		st.past++
		if newCross != nil {
			st.cross = newCross
		}
	}
	st.steps++
	if T == 1 {
		return st.logits[:st.rows*V], nil
	}
	out := make([]float32, st.rows*V)
	for r := range st.rows {
		copy(out[r*V:(r+1)*V], st.logits[(r*T+T-1)*V:(r*T+T)*V])
	}
	return out, nil
}

// keep gathers every per-row tensor down to rows idx.
func (st *ortState) keep(idx []int) error {
	return st.gatherRows(idx, true)
}

// reorder gathers the self-attention cache only; see stepper.
func (st *ortState) reorder(idx []int) error {
	if len(idx) != st.rows {
		return fmt.Errorf("seq2seq: reorder %d rows of %d", len(idx), st.rows)
	}
	return st.gatherRows(idx, false)
}

func (st *ortState) gatherRows(idx []int, all bool) error {
	if err := checkIdx(idx, st.rows); err != nil {
		return err
	}
	var err error
	sets := [][]*ort.Tensor[float32]{st.self}
	if all {
		if st.mask, err = gather(st.mask, idx); err != nil {
			return err
		}
		if st.hidden, err = gather(st.hidden, idx); err != nil {
			return err
		}
		sets = append(sets, st.cross)
	}
	for _, ts := range sets {
		for i := range ts {
			if ts[i], err = gather(ts[i], idx); err != nil {
				return err
			}
		}
	}
	st.rows = len(idx)
	return nil
}

// gather returns a tensor whose row i (first axis) is t's row idx[i], and
// destroys t.
func gather[T float32 | int64](t *ort.Tensor[T], idx []int) (*ort.Tensor[T], error) {
	shape := t.GetShape()
	per := int(shape.FlattenedSize() / shape[0])
	src := t.GetData()
	data := make([]T, len(idx)*per)
	for i, r := range idx {
		copy(data[i*per:(i+1)*per], src[r*per:(r+1)*per])
	}
	ns := shape.Clone()
	ns[0] = int64(len(idx))
	out, err := ort.NewTensor(ns, data)
	if err != nil {
		return t, err
	}
	_ = t.Destroy()
	return out, nil
}
