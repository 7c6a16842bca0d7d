package fetch

import (
	"context"
	"sync"
	"time"
)

// hostGates enforces politeness per host: at most limit requests in flight
// and at least delay between the starts of two requests. Start times are
// handed out in the order callers got a slot, so waiting is fair and needs
// no background goroutine.
type hostGates struct {
	limit int
	delay time.Duration

	mu      sync.Mutex
	gates   map[string]*gate
	sweepAt int
}

type gate struct {
	sem   chan struct{} // one token per request in flight
	next  time.Time     // earliest start of the next request; guarded by hostGates.mu
	users int           // callers holding or waiting for this gate; guarded by hostGates.mu
}

const minSweep = 256

func newHostGates(limit int, delay time.Duration) *hostGates {
	return &hostGates{limit: limit, delay: delay, gates: map[string]*gate{}, sweepAt: minSweep}
}

// acquire waits for host's turn and returns the function that ends it. It
// returns the context's cause if ctx ends first.
func (h *hostGates) acquire(ctx context.Context, host string) (release func(), err error) {
	h.mu.Lock()
	g := h.gates[host]
	if g == nil {
		h.sweepLocked()
		g = &gate{sem: make(chan struct{}, h.limit)}
		h.gates[host] = g
	}
	g.users++
	h.mu.Unlock()

	select {
	case g.sem <- struct{}{}:
	case <-ctx.Done():
		h.leave(host, g)
		return nil, context.Cause(ctx)
	}
	if h.delay > 0 {
		h.mu.Lock()
		now := time.Now()
		start := g.next
		if start.Before(now) {
			start = now
		}
		g.next = start.Add(h.delay)
		h.mu.Unlock()
		if wait := start.Sub(now); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				<-g.sem
				h.leave(host, g)
				return nil, context.Cause(ctx)
			}
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			<-g.sem
			h.leave(host, g)
		})
	}, nil
}

func (h *hostGates) leave(host string, g *gate) {
	h.mu.Lock()
	defer h.mu.Unlock()
	g.users--
	if g.users == 0 && !g.next.After(time.Now()) {
		delete(h.gates, host)
	}
}

// sweepLocked drops idle gates whose delay has passed; a gate left behind by
// leave because its delay was still running would otherwise stay forever.
func (h *hostGates) sweepLocked() {
	if len(h.gates) < h.sweepAt {
		return
	}
	now := time.Now()
	for host, g := range h.gates {
		if g.users == 0 && !g.next.After(now) {
			delete(h.gates, host)
		}
	}
	h.sweepAt = max(minSweep, 2*len(h.gates))
}

// size reports how many hosts have a gate (for tests).
func (h *hostGates) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.gates)
}
