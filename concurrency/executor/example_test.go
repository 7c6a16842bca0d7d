package executor_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/masx-ai/masx/concurrency/executor"
)

// main makes one set of executors, hands it down, and shuts it down last.
// The zero Config takes the defaults.
func ExampleNew() {
	ex, err := executor.New(executor.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := ex.Shutdown(ctx); err != nil {
			fmt.Println(err)
		}
	}()
	fmt.Println(ex.IO.Name(), ex.IO.Limit(), ex.CPU.Name(), ex.CPU.Limit())
	// Output: io 20 cpu 4
}

// Run is run_in_thread / run_in_process: one function on a pool, waited for.
func ExampleRun() {
	p := executor.NewPool("cpu", 4)
	defer p.Shutdown(context.Background())

	n, err := executor.Run(context.Background(), p, func(ctx context.Context) (int, error) {
		return strconv.Atoi("42")
	})
	fmt.Println(n, err)
	// Output: 42 <nil>
}

// Map is map_threads / map_processes with gather(return_exceptions=True):
// results in input order and one error per item.
func ExampleMap() {
	p := executor.NewPool("cpu", 4)
	defer p.Shutdown(context.Background())

	in := []string{"1", "two", "3"}
	out, errs := executor.Map(context.Background(), p, in, func(_ context.Context, s string) (int, error) {
		return strconv.Atoi(s)
	})
	for i := range in {
		fmt.Println(in[i], out[i], errs[i] != nil)
	}
	// Output:
	// 1 1 false
	// two 0 true
	// 3 3 false
}

// With FailFast the first error cancels the items not yet started.
func ExampleFailFast() {
	p := executor.NewPool("io", 1) // one at a time, so the order is fixed
	defer p.Shutdown(context.Background())

	_, errs := executor.Map(context.Background(), p, []string{"a", "", "c"}, func(_ context.Context, s string) (string, error) {
		if s == "" {
			return "", errors.New("empty name")
		}
		return strings.ToUpper(s), nil
	}, executor.FailFast())
	for _, err := range errs {
		fmt.Println(err == nil, errors.Is(err, executor.ErrFailFast))
	}
	// Output:
	// true false
	// false false
	// false true
}

// A panic comes back as an error that keeps the stack.
func ExamplePanicError() {
	p := executor.NewPool("cpu", 1)
	defer p.Shutdown(context.Background())

	_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) {
		var m map[string]int
		//lint:ignore SA5000 the example panics on purpose
		m["x"]++
		return 0, nil
	})
	var pe *executor.PanicError
	fmt.Println(errors.As(err, &pe), len(pe.Stack) > 0)
	fmt.Println(err)
	// Output:
	// true true
	// executor: task panicked: assignment to entry in nil map
}

// Shutdown drains accepted work, then refuses more.
func ExamplePool_Shutdown() {
	p := executor.NewPool("io", 2)
	done := make(chan string, 1)
	go func() {
		s, _ := executor.Run(context.Background(), p, func(context.Context) (string, error) { return "finished", nil })
		done <- s
	}()
	fmt.Println(<-done)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Println(p.Shutdown(ctx))

	_, err := executor.Run(context.Background(), p, func(context.Context) (int, error) { return 0, nil })
	fmt.Println(errors.Is(err, executor.ErrClosed))
	// Output:
	// finished
	// <nil>
	// true
}

// Stats are what the Prometheus collector exports.
func ExamplePool_Stats() {
	p := executor.NewPool("cpu", 2)
	defer p.Shutdown(context.Background())
	_, _ = executor.Map(context.Background(), p, []int{1, 0, 2}, func(_ context.Context, d int) (int, error) {
		if d == 0 {
			return 0, errors.New("division by zero")
		}
		return 10 / d, nil
	})
	s := p.Stats()
	fmt.Printf("submitted=%d completed=%d failed=%d running=%d\n", s.Submitted, s.Completed, s.Failed, s.Running)
	// Output: submitted=3 completed=2 failed=1 running=0
}
