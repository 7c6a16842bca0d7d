package batch

import (
	"context"
	"sync"
	"sync/atomic"
)

// slots counts queued plus in-flight items against QueueMax. The fast path
// is one CAS; only callers that must wait (the Block policy on a full
// queue) take the mutex. golang.org/x/sync/semaphore takes a mutex on every
// acquire, which showed up as the top cost with 64 submitters.
type slots struct {
	max   int64
	used  atomic.Int64
	nwait atomic.Int64 // callers waiting for room

	mu    sync.Mutex
	space chan struct{} // closed and replaced when room frees up
}

func newSlots(n int) *slots {
	return &slots{max: int64(n), space: make(chan struct{})}
}

func (s *slots) tryAcquire() bool {
	for {
		u := s.used.Load()
		if u >= s.max {
			return false
		}
		if s.used.CompareAndSwap(u, u+1) {
			return true
		}
	}
}

// acquire waits for a slot until ctx or stop ends. It returns which one
// ended: ctx's error, or errStop.
func (s *slots) acquire(ctx context.Context, stop <-chan struct{}) error {
	for {
		s.mu.Lock()
		s.nwait.Add(1)
		ch := s.space
		s.mu.Unlock()
		// Registering before the re-check pairs with release reading nwait
		// after freeing: either we see the room or release sees us.
		if s.tryAcquire() {
			s.nwait.Add(-1)
			return nil
		}
		select {
		case <-ch:
			s.nwait.Add(-1)
		case <-ctx.Done():
			s.nwait.Add(-1)
			return ctx.Err()
		case <-stop:
			s.nwait.Add(-1)
			return errStop
		}
	}
}

func (s *slots) release(n int) {
	s.used.Add(-int64(n))
	if s.nwait.Load() == 0 {
		return
	}
	s.mu.Lock()
	close(s.space)
	s.space = make(chan struct{})
	s.mu.Unlock()
}
