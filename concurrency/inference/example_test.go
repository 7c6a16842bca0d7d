package inference_test

import (
	"context"
	"fmt"

	"github.com/masx-ai/masx/concurrency/device"
	"github.com/masx-ai/masx/concurrency/inference"
)

// lengthModel "embeds" a text as its length: enough to show the wiring.
type lengthModel struct{}

func (lengthModel) Infer(_ context.Context, in []string) ([]int, error) {
	out := make([]int, len(in))
	for i, s := range in {
		out[i] = len(s)
	}
	return out, nil
}
func (lengthModel) Close() error { return nil }

func ExampleRegister() {
	ctx := context.Background()
	rt, _ := inference.New(inference.Config{Device: inference.CPUDevice("example")})
	lengths, _ := inference.Register(rt, "length", func(_ context.Context, dev device.Config) (inference.Model[string, int], error) {
		return lengthModel{}, nil // a real loader opens an ONNX session for dev
	}, inference.ModelConfig[string]{})
	if err := rt.Start(ctx); err != nil {
		fmt.Println(err)
		return
	}
	defer rt.Stop(ctx)

	n, _ := lengths.Infer(ctx, "ceasefire")
	fmt.Println(n, lengths.Path(), rt.Metrics()["execution_path"])
	// Output: 9 cpu cpu
}
