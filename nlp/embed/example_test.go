package embed_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
	"github.com/masx-ai/masx/nlp/embed"
)

// Register a sentence model on the process's runtime, start it, and embed
// texts from any goroutine; texts from concurrent callers share batches.
func ExampleRegister() {
	dev, err := device.Detect(device.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rt, err := inference.New(inference.Config{Device: dev})
	if err != nil {
		fmt.Println(err)
		return
	}
	e, err := embed.Register(rt, embed.Config{
		Dir:    "models/sentence-transformers/all-MiniLM-L6-v2",
		ORTLib: "/opt/onnxruntime/lib/libonnxruntime.so.1",
		FP16:   dev.UseGPU(),
	})
	if err != nil {
		fmt.Println(err) // wraps onnx.ErrInvalidModel for a bad folder
		return
	}
	ctx := context.Background()
	if err := rt.Start(ctx); err != nil {
		fmt.Println(err) // wraps onnx.ErrUnavailable without ONNX Runtime
		return
	}
	defer rt.Stop(ctx)
	vecs, err := e.Embed(ctx, []string{"Troops crossed the border.", "Talks resumed in Geneva."})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(vecs), e.Dim(), e.Path())
}

// Texts are tokenized before they are queued, so the batcher can weigh
// them in tokens; long texts are truncated and an empty text keeps its
// special tokens.
func ExampleEncoder_Tokenize() {
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "tokenizer.json"), []byte(`{
	  "added_tokens": [{"id": 0, "content": "[PAD]", "special": true}, {"id": 1, "content": "[UNK]", "special": true},
	                   {"id": 2, "content": "[CLS]", "special": true}, {"id": 3, "content": "[SEP]", "special": true}],
	  "normalizer": {"type": "BertNormalizer", "lowercase": true},
	  "pre_tokenizer": {"type": "BertPreTokenizer"},
	  "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
	  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
	            "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "talks": 4, "resumed": 5, "in": 6, "geneva": 7}}}`), 0o644)

	enc, err := embed.NewEncoder(embed.Config{Dir: dir, MaxLength: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{"Talks resumed in Geneva", ""} {
		t := enc.Tokenize(text)
		fmt.Println(t.IDs, t.Truncated)
	}
	fmt.Printf("%+v\n", enc.Metrics())
	// Output:
	// [2 4 5 3] true
	// [2 3] false
	// {Texts:2 Truncated:1 Batches:0 Items:0 RealTokens:0 PaddedTokens:0 PaddingEfficiency:0 InferSeconds:0}
}
