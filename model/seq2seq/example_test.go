package seq2seq_test

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/model/seq2seq"
)

// Translate token ids with an NLLB export: force the target language as
// the first generated token, greedy, at most 64 new tokens.
func ExampleModel_Generate() {
	m, err := seq2seq.Load(context.Background(), "Xenova/nllb-200-distilled-600M", seq2seq.Options{
		ORTLib: "/opt/onnxruntime/lib/libonnxruntime.so.1",
	})
	if err != nil {
		fmt.Println(err) // wraps onnx.ErrUnavailable or onnx.ErrInvalidModel
		return
	}
	defer m.Close()
	g := m.Defaults()
	g.ForcedBOSTokenID = 256047 // eng_Latn
	g.NumBeams, g.MaxNewTokens = 1, 64
	src := []int64{256057, 9394, 248, 2} // fra_Latn "Bonjour", </s>: from the tokenizer
	out, errs, err := m.Generate(context.Background(), []seq2seq.Request{{IDs: src, Config: &g}})
	if err != nil || errs[0] != nil {
		fmt.Println(err, errs[0])
		return
	}
	fmt.Println(out[0].IDs) // decode with the tokenizer
}

// Serve a model through the process's inference runtime, so requests from
// every article share batches.
func ExampleRegister() {
	rt, _ := inference.New(inference.Config{})
	gen, err := seq2seq.Register(rt, seq2seq.RuntimeConfig{Dir: "Xenova/opus-mt-fr-en"})
	if err != nil {
		fmt.Println(err) // the folder's config.json is missing or invalid
		return
	}
	if err := rt.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Stop(context.Background())
	res, err := gen.Generate(context.Background(), seq2seq.Request{IDs: []int64{1, 2, 0}})
	fmt.Println(res.IDs, err)
}

// Beam search with BART-CNN's settings.
func ExampleGenerationConfig() {
	g := seq2seq.GenerationConfig{
		NumBeams: 4, LengthPenalty: 2.0, MinLength: 56, MaxLength: 142, NoRepeatNgramSize: 3,
		EarlyStopping: seq2seq.EarlyStopOn, RepetitionPenalty: 1,
		DecoderStartTokenID: 2, EOSTokenID: 2, PadTokenID: 1, ForcedBOSTokenID: 0, ForcedEOSTokenID: 2,
	}
	fmt.Println(g.Validate(50264, 1024))
	g.NumBeams = 0
	fmt.Println(g.Validate(50264, 1024))
	// Output:
	// <nil>
	// invalid generation config: num_beams 0: want 1..64
}
