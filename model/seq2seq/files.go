package seq2seq

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/model/onnx"
)

// Variants of the ONNX files of an Optimum export.
const (
	VariantAuto      = ""          // Options.Variant default: see chooseVariant
	VariantFP32      = "fp32"      // encoder_model.onnx, …
	VariantQuantized = "quantized" // encoder_model_quantized.onnx, … (dynamic int8)
	VariantFP16      = "fp16"      // encoder_model_fp16.onnx, …
)

// Decoder layouts.
const (
	LayoutAuto   = ""       // merged when present, else the pair
	LayoutMerged = "merged" // decoder_model_merged.onnx, with use_cache_branch
	LayoutPair   = "pair"   // decoder_model.onnx + decoder_with_past_model.onnx
)

// Files are the ONNX files a Model loads.
type Files struct {
	Variant string
	Layout  string
	Encoder string
	// Merged is set for LayoutMerged; Decoder and DecoderWithPast for
	// LayoutPair.
	Merged, Decoder, DecoderWithPast string
}

func suffix(variant string) string {
	if variant == VariantFP32 {
		return ""
	}
	return "_" + variant
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// filesFor finds the files of variant in dir with layout (LayoutAuto:
// merged first), or says what is missing.
func filesFor(dir, variant, layout string) (Files, error) {
	p := func(name string) string { return filepath.Join(dir, "onnx", name+suffix(variant)+".onnx") }
	f := Files{Variant: variant, Encoder: p("encoder_model")}
	if !isFile(f.Encoder) {
		return f, fmt.Errorf("%w: %s has no %s", onnx.ErrInvalidModel, dir, filepath.Join("onnx", filepath.Base(f.Encoder)))
	}
	if layout != LayoutPair && isFile(p("decoder_model_merged")) {
		f.Layout, f.Merged = LayoutMerged, p("decoder_model_merged")
		return f, nil
	}
	if layout != LayoutMerged && isFile(p("decoder_model")) && isFile(p("decoder_with_past_model")) {
		f.Layout, f.Decoder, f.DecoderWithPast = LayoutPair, p("decoder_model"), p("decoder_with_past_model")
		return f, nil
	}
	want := map[string]string{
		LayoutAuto:   "decoder_model_merged%[1]s.onnx or decoder_model%[1]s.onnx + decoder_with_past_model%[1]s.onnx",
		LayoutMerged: "decoder_model_merged%[1]s.onnx",
		LayoutPair:   "decoder_model%[1]s.onnx + decoder_with_past_model%[1]s.onnx",
	}[layout]
	return f, fmt.Errorf("%w: %s has no %s", onnx.ErrInvalidModel, filepath.Join(dir, "onnx"), fmt.Sprintf(want, suffix(variant)))
}

// chooseVariant applies the variant rule: an explicit variant must exist;
// otherwise _fp16 on CUDA when fp16 is wanted, _quantized on the CPU when
// present, fp32 otherwise (falling back to fp32 when the preferred one is
// absent).
func chooseVariant(dir, variant, layout string, cuda, fp16 bool) (Files, error) {
	switch variant {
	case VariantFP32, VariantQuantized, VariantFP16:
		return filesFor(dir, variant, layout)
	case VariantAuto:
	default:
		return Files{}, fmt.Errorf("seq2seq: Options.Variant = %q, want fp32, quantized, fp16 or empty", variant)
	}
	var prefer []string
	switch {
	case cuda && fp16:
		prefer = []string{VariantFP16}
	case !cuda:
		prefer = []string{VariantQuantized}
	}
	for _, v := range prefer {
		if f, err := filesFor(dir, v, layout); err == nil {
			return f, nil
		}
	}
	return filesFor(dir, VariantFP32, layout)
}
