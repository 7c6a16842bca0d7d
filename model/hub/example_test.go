package hub_test

import (
	"errors"
	"fmt"

	"github.com/masx-ai/masx/model/hub"
)

func ExampleDir() {
	dir, err := hub.Dir("/var/cache/masx/models", "sentence-transformers/all-MiniLM-L6-v2")
	fmt.Println(dir, err)
	_, err = hub.Dir("/var/cache/masx/models", "../../etc/passwd")
	fmt.Println(errors.Is(err, hub.ErrInvalidRepoID))
	// Output:
	// /var/cache/masx/models/sentence-transformers/all-MiniLM-L6-v2 <nil>
	// true
}

func ExampleLayout() {
	for _, f := range hub.Layout() {
		fmt.Println(f.Path, f.Required)
	}
	// Output:
	// onnx/model.onnx true
	// tokenizer.json true
	// onnx/model_fp16.onnx false
	// config.json false
	// tokenizer_config.json false
	// sentence_bert_config.json false
	// 1_Pooling/config.json false
}
