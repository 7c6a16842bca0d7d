package seq2seq

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/masx-ai/masx/model/onnx"
)

// maxLayers bounds the decoder layers a model file may declare (NLLB-3.3B
// has 24); a larger count is hostile.
const maxLayers = 128

// signature is one ONNX file's inputs and outputs.
type signature struct {
	path    string
	in, out map[string]onnx.TensorInfo
}

// shapeInfo is what the engine needs to know about a model's tensors.
type shapeInfo struct{ layers, heads, headDim, d, vocab int }

func invalid(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", onnx.ErrInvalidModel, path, fmt.Sprintf(format, args...))
}

func pastNames(layers int, sides ...string) []string {
	var out []string
	for l := range layers {
		for _, side := range sides {
			for _, kind := range []string{"key", "value"} {
				out = append(out, fmt.Sprintf("%d.%s.%s", l, side, kind))
			}
		}
	}
	return out
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// exactly checks that got holds the names want (all of them) plus only
// names in optional.
func exactly(path, what string, got map[string]onnx.TensorInfo, want, optional []string) error {
	var missing, extra []string
	for _, n := range want {
		if _, ok := got[n]; !ok {
			missing = append(missing, n)
		}
	}
	for n := range got {
		if !slices.Contains(want, n) && !slices.Contains(optional, n) {
			extra = append(extra, n)
		}
	}
	slices.Sort(extra)
	switch {
	case len(missing) > 0:
		return invalid(path, "%s %v missing (want the Optimum names %v)", what, missing, want)
	case len(extra) > 0:
		return invalid(path, "unexpected %s %v", what, extra)
	}
	return nil
}

func contains(path, what string, got map[string]onnx.TensorInfo, want []string) error {
	for _, n := range want {
		if _, ok := got[n]; !ok {
			return invalid(path, "%s %q missing", what, n)
		}
	}
	return nil
}

func checkType(path string, t onnx.TensorInfo, want string, rank int) error {
	ok := t.Type == want || (want == "bool" && strings.Contains(strings.ToLower(t.Type), "bool"))
	if !ok {
		if t.Type == "float16" {
			return invalid(path, "%q is float16: only float32 inputs and outputs are supported (use the fp32 or _quantized files)", t.Name)
		}
		return invalid(path, "%q is %s, want %s", t.Name, t.Type, want)
	}
	if len(t.Dims) != rank {
		return invalid(path, "%q has dims %v, want rank %d", t.Name, t.Dims, rank)
	}
	return nil
}

// dim settles one size from a static dimension (>0) and the config value;
// both set must agree.
func dim(path, what string, static int64, cfg int, cur *int) error {
	v := int(static)
	if static <= 0 {
		v = cfg
	}
	if static > 0 && cfg > 0 && int(static) != cfg {
		return invalid(path, "%s is %d in the model but %d in config.json", what, static, cfg)
	}
	if v <= 0 {
		return nil
	}
	if *cur > 0 && *cur != v {
		return invalid(path, "%s is %d here but %d elsewhere", what, v, *cur)
	}
	*cur = v
	return nil
}

// validate checks the encoder and the decoder files (the merged one, or
// the pair decoder + decoder-with-past) against the Optimum signature and
// reads the model's sizes.
func validate(enc *signature, decs []*signature, mc modelConfig) (shapeInfo, error) {
	var sh shapeInfo
	if err := exactly(enc.path, "input", enc.in, []string{"input_ids", "attention_mask"}, nil); err != nil {
		return sh, err
	}
	if err := contains(enc.path, "output", enc.out, []string{"last_hidden_state"}); err != nil {
		return sh, err
	}
	lhs := enc.out["last_hidden_state"]
	errs := []error{checkType(enc.path, enc.in["input_ids"], "int64", 2), checkType(enc.path, enc.in["attention_mask"], "int64", 2),
		checkType(enc.path, lhs, "float32", 3)}
	if err := errors.Join(errs...); err != nil {
		return sh, err
	}
	if err := dim(enc.path, "d_model", lhs.Dims[2], mc.DModel, &sh.d); err != nil {
		return sh, err
	}
	if sh.d <= 0 {
		return sh, invalid(enc.path, "d_model unknown: last_hidden_state %v is dynamic and config.json has no d_model", lhs.Dims)
	}
	if len(decs) == 0 || len(decs) > 2 {
		return sh, fmt.Errorf("seq2seq: %d decoder files", len(decs))
	}
	first := decs[0]
	for sh.layers < maxLayers {
		if _, ok := first.out[fmt.Sprintf("present.%d.decoder.key", sh.layers)]; !ok {
			break
		}
		sh.layers++
	}
	if sh.layers == 0 || sh.layers == maxLayers {
		return sh, invalid(first.path, "%d present.{i}.decoder.key outputs: want 1 to %d layers", sh.layers, maxLayers-1)
	}
	if mc.DecoderLayers > 0 && mc.DecoderLayers != sh.layers {
		return sh, invalid(first.path, "%d decoder layers, config.json says %d", sh.layers, mc.DecoderLayers)
	}
	base := []string{"encoder_attention_mask", "input_ids", "encoder_hidden_states"}
	past := prefixed("past_key_values.", pastNames(sh.layers, "decoder", "encoder"))
	presentAll := append([]string{"logits"}, prefixed("present.", pastNames(sh.layers, "decoder", "encoder"))...)
	presentDec := append([]string{"logits"}, prefixed("present.", pastNames(sh.layers, "decoder"))...)
	type rule struct {
		s        *signature
		in, opt  []string
		out      []string
		withPast bool
	}
	var rules []rule
	if len(decs) == 1 {
		rules = []rule{{s: first, in: append(append(slices.Clone(base), past...), "use_cache_branch"), out: presentAll, withPast: true}}
	} else {
		rules = []rule{
			{s: first, in: base, out: presentAll},
			{s: decs[1], in: append([]string{"encoder_attention_mask", "input_ids"}, past...), opt: []string{"encoder_hidden_states"}, out: presentDec, withPast: true},
		}
	}
	heads, headDim := mc.DecoderHeads, 0
	if heads > 0 && mc.DModel%heads == 0 {
		headDim = mc.DModel / heads
	}
	for _, r := range rules {
		if err := exactly(r.s.path, "input", r.s.in, r.in, r.opt); err != nil {
			return sh, err
		}
		if err := contains(r.s.path, "output", r.s.out, r.out); err != nil {
			return sh, err
		}
		if err := sh.checkDecoder(r.s, r.withPast, mc, heads, headDim); err != nil {
			return sh, err
		}
	}
	if sh.heads <= 0 || sh.headDim <= 0 || sh.vocab <= 0 {
		return sh, invalid(first.path, "heads %d, head_dim %d, vocabulary %d: dynamic in the model and absent from config.json", sh.heads, sh.headDim, sh.vocab)
	}
	return sh, nil
}

// checkDecoder checks one decoder file's tensor types and reads heads,
// head_dim and the vocabulary from its static dimensions.
func (sh *shapeInfo) checkDecoder(s *signature, withPast bool, mc modelConfig, heads, headDim int) error {
	var errs []error
	for _, n := range []string{"encoder_attention_mask", "input_ids"} {
		errs = append(errs, checkType(s.path, s.in[n], "int64", 2))
	}
	if t, ok := s.in["encoder_hidden_states"]; ok {
		errs = append(errs, checkType(s.path, t, "float32", 3))
	}
	if t, ok := s.in["use_cache_branch"]; ok {
		errs = append(errs, checkType(s.path, t, "bool", 1))
	}
	logits := s.out["logits"]
	errs = append(errs, checkType(s.path, logits, "float32", 3))
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := dim(s.path, "the vocabulary (logits' last dimension)", logits.Dims[2], mc.VocabSize, &sh.vocab); err != nil {
		return err
	}
	var kv []onnx.TensorInfo
	for name, t := range s.out {
		if strings.HasPrefix(name, "present.") {
			kv = append(kv, t)
		}
	}
	if withPast {
		for name, t := range s.in {
			if strings.HasPrefix(name, "past_key_values.") {
				kv = append(kv, t)
			}
		}
	}
	for _, t := range kv {
		if err := checkType(s.path, t, "float32", 4); err != nil {
			return err
		}
		if err := dim(s.path, fmt.Sprintf("heads (dimension 1 of %q)", t.Name), t.Dims[1], heads, &sh.heads); err != nil {
			return err
		}
		if err := dim(s.path, fmt.Sprintf("head_dim (dimension 3 of %q)", t.Name), t.Dims[3], headDim, &sh.headDim); err != nil {
			return err
		}
	}
	return nil
}
