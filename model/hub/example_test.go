package hub_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/masx-ai/masx/model/hub"
	"github.com/masx-ai/masx/model/hub/hubtest"
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

func ExampleClient_Pull() {
	// A local server with the Hub's API stands in for huggingface.co.
	srv := hubtest.New(map[string]map[string][]byte{"acme/tiny": {
		"onnx/model.onnx": bytes.Repeat([]byte{1}, 4096),
		"tokenizer.json":  []byte(`{}`),
		"config.json":     []byte(`{"max_position_embeddings":512}`),
		"README.md":       []byte("not part of the layout"),
	}})
	defer srv.Close()
	models, err := os.MkdirTemp("", "models")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(models)

	client, err := hub.New(hub.Config{Endpoint: srv.URL})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.CloseIdleConnections()
	for range 2 { // the second pull finds everything in place
		res, err := client.Pull(context.Background(), models, "acme/tiny", hub.PullOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, f := range res.Files {
			fmt.Println(f.Action, f.Path, f.Size)
		}
		fmt.Println("max length", res.Model.MaxLength, "fp16", res.Model.HasFP16())
	}
	// Output:
	// downloaded onnx/model.onnx 4096
	// downloaded tokenizer.json 2
	// downloaded config.json 31
	// max length 512 fp16 false
	// present onnx/model.onnx 4096
	// present tokenizer.json 2
	// present config.json 31
	// max length 512 fp16 false
}
