package cluster

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

// The O(n²) loops fan out to goroutines; none may outlive a call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// countdownCtx reports cancellation from its n-th Err call on, so a test
// can cancel at a chosen point deep inside a loop without timing games.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func cancelAfter(n int64) *countdownCtx {
	c := &countdownCtx{Context: context.Background()}
	c.left.Store(n)
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// gaussian returns n×d standard normal values from a fixed seed.
func gaussian(n, d int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	x := make([][]float64, n)
	for i := range x {
		x[i] = make([]float64, d)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	return x
}

// blobs64 is GaussianBlobs in float64.
func blobs64(n, d, centers int, spread float64, seed uint64) ([][]float64, []int) {
	p, truth := GaussianBlobs(n, d, centers, spread, seed)
	x := make([][]float64, n)
	for i, r := range p {
		x[i] = make([]float64, d)
		for j, v := range r {
			x[i][j] = float64(v)
		}
	}
	return x, truth
}
