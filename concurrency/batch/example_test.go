package batch_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/masx-ai/masx/concurrency/batch"
)

// A batcher in front of a function that handles many strings per call.
func ExampleBatcher() {
	upper := func(_ context.Context, in []string) ([]string, error) {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ToUpper(s)
		}
		return out, nil
	}
	b, err := batch.New(upper, batch.Config[string]{MaxBatchSize: 8, MaxDelay: 5 * time.Millisecond})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	_ = b.Start(ctx)
	defer b.Stop(ctx) // drains

	one, _ := b.Submit(ctx, "flashpoint")
	fmt.Println(one)
	many, errs := b.InferMany(ctx, []string{"kyiv", "gaza", "taipei"})
	fmt.Println(many, errs)
	// Output:
	// FLASHPOINT
	// [KYIV GAZA TAIPEI] [<nil> <nil> <nil>]
}
