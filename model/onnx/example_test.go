package onnx_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/masx-ai/masx/model/onnx"
)

// ModelFile picks the fp16 variant only when asked and present.
func ExampleModelFile() {
	dir, _ := os.MkdirTemp("", "model")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "onnx"), 0o755)
	os.WriteFile(filepath.Join(dir, "onnx", "model.onnx"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "onnx", "model_fp16.onnx"), nil, 0o644)

	cpu, _ := onnx.ModelFile(dir, false)
	gpu, _ := onnx.ModelFile(dir, true)
	fmt.Println(filepath.Base(cpu), filepath.Base(gpu))
	// Output: model.onnx model_fp16.onnx
}

// Load ONNX Runtime once, open a BERT-shaped model and run one padded
// sequence through it.
func ExampleSession_Run() {
	if err := onnx.Init("/opt/onnxruntime/lib/libonnxruntime.so.1"); err != nil {
		fmt.Println(err) // wraps onnx.ErrUnavailable: install with scripts/setup.sh
		return
	}
	s, err := onnx.Open(context.Background(), "model/onnx/model.onnx", onnx.Options{
		Threads: 4,
		Outputs: []string{"last_hidden_state"},
	})
	if err != nil {
		fmt.Println(err) // wraps onnx.ErrInvalidModel and names the path
		return
	}
	defer s.Close()
	shape := []int64{1, 4} // batch 1, 4 positions, the last one padding
	out := &onnx.Float32Output{Name: "last_hidden_state", Shape: []int64{1, 4, 384}}
	err = s.Run(context.Background(), []onnx.Int64Input{
		{Name: "input_ids", Shape: shape, Data: []int64{101, 7592, 102, 0}},
		{Name: "attention_mask", Shape: shape, Data: []int64{1, 1, 1, 0}},
		{Name: "token_type_ids", Shape: shape, Data: []int64{0, 0, 0, 0}},
	}, []*onnx.Float32Output{out})
	fmt.Println(len(out.Data), err)
}
