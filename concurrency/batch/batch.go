package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/masx-ai/masx/concurrency/panics"
	"github.com/masx-ai/masx/concurrency/startstop"
)

// Defaults, the seed's values.
const (
	MaxBatchSizeDefault         = 32
	MaxDelayDefault             = 50 * time.Millisecond
	QueueMaxDefault             = 1000
	MaxConcurrentBatchesDefault = 1
)

// Policy says what Submit does when the queue is full.
type Policy int

const (
	// Block waits for room while the caller's context allows.
	Block Policy = iota
	// Reject returns ErrQueueFull at once.
	Reject
)

func (p Policy) String() string {
	switch p {
	case Block:
		return "block"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// Sentinel errors callers branch on.
var (
	// ErrQueueFull: the queue holds QueueMax items and the policy is Reject
	// (HTTP 429 at the API).
	ErrQueueFull = errors.New("batch: queue full")
	// ErrClosed: the batcher is stopping or stopped; also Start after
	// Stop.
	ErrClosed = errors.New("batch: closed")
	// ErrNotStarted: Submit before Start.
	ErrNotStarted = errors.New("batch: not started")
	// ErrResultCount: the batch function returned the wrong number of
	// results; every item of that batch fails with a *ResultCountError.
	ErrResultCount = errors.New("batch: wrong result count")
)

// ResultCountError reports a batch function that returned Got results for
// Want inputs.
type ResultCountError struct{ Got, Want int }

func (e *ResultCountError) Error() string {
	return fmt.Sprintf("batch: batch function returned %d results for %d inputs", e.Got, e.Want)
}

// Is makes errors.Is(err, ErrResultCount) true.
func (e *ResultCountError) Is(target error) bool { return target == ErrResultCount }

// PanicError carries a panic recovered from the batch function, with the
// stack of the goroutine that panicked. It is masx's one panic type,
// [panics.Error], under the name this package has always used, so
// errors.As with a *batch.PanicError, a *executor.PanicError or a
// *panics.Error finds the same panic.
type PanicError = panics.Error

// ItemErrors lets a batch function fail single items: return it with the
// full result slice and one error slot per input (nil where the item
// succeeded). An ItemErrors of the wrong length fails the whole batch.
type ItemErrors struct{ Errs []error }

func (e *ItemErrors) Error() string {
	n, first := 0, error(nil)
	for _, err := range e.Errs {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	if n == 0 {
		return "batch: no item failed"
	}
	return fmt.Sprintf("batch: %d of %d items failed, first: %v", n, len(e.Errs), first)
}

// Unwrap exposes the item errors to errors.Is and errors.As.
func (e *ItemErrors) Unwrap() []error { return e.Errs }

// JoinItemErrors returns nil when every entry of errs is nil, else an
// *ItemErrors holding them.
func JoinItemErrors(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return &ItemErrors{Errs: errs}
		}
	}
	return nil
}

// Func processes one batch. It MUST return len(in) results or an error;
// see ItemErrors for per-item failures. The context is cancelled when Stop's
// context ends before the batch finishes.
type Func[In, Out any] func(ctx context.Context, in []In) ([]Out, error)

// Config configures a Batcher. Zero fields take the documented defaults.
type Config[In any] struct {
	// Name labels metrics and errors. Default "batch".
	Name string
	// MaxBatchSize is the most items in one batch. Default 32 (BATCH_SIZE).
	MaxBatchSize int
	// MaxDelay is how long the oldest queued item may wait before its batch
	// is flushed even if not full. Default 50ms (BATCH_DELAY_MS). Use
	// NoDelay to flush as soon as a worker is free.
	MaxDelay time.Duration
	// QueueMax bounds queued plus in-flight items. Default 1000
	// (BATCH_QUEUE_MAX).
	QueueMax int
	// Policy applies when the queue is full. Default Block.
	Policy Policy
	// MaxConcurrentBatches is how many batches run at once. Default 1, as
	// one GPU stream runs one batch at a time.
	MaxConcurrentBatches int
	// Cost, when set, weighs each item (e.g. its token count); a batch then
	// also stops growing at MaxBatchCost. An item costlier than
	// MaxBatchCost still runs, alone.
	Cost func(In) int
	// MaxBatchCost bounds the summed Cost of a batch. Required when Cost is
	// set.
	MaxBatchCost int
	// SortKey, when set, groups items with close keys (e.g. sequence
	// length) into the same batch, so padding stays small. The oldest item
	// is always in the next batch, so sorting never starves anything.
	SortKey func(In) int
}

// NoDelay as MaxDelay flushes whatever is queued as soon as a batch slot is
// free: batches still form from items that arrive while a batch runs.
const NoDelay = time.Duration(-1)

func (c *Config[In]) withDefaults() (Config[In], error) {
	out := *c
	if out.Name == "" {
		out.Name = "batch"
	}
	switch {
	case out.MaxBatchSize < 0:
		return out, fmt.Errorf("batch %s: MaxBatchSize %d: want ≥ 1", out.Name, out.MaxBatchSize)
	case out.MaxBatchSize == 0:
		out.MaxBatchSize = MaxBatchSizeDefault
	}
	switch {
	case out.MaxDelay == NoDelay:
		out.MaxDelay = 0
	case out.MaxDelay < 0:
		return out, fmt.Errorf("batch %s: MaxDelay %v: want ≥ 0 or NoDelay", out.Name, out.MaxDelay)
	case out.MaxDelay == 0:
		out.MaxDelay = MaxDelayDefault
	}
	switch {
	case out.QueueMax < 0:
		return out, fmt.Errorf("batch %s: QueueMax %d: want ≥ 1", out.Name, out.QueueMax)
	case out.QueueMax == 0:
		out.QueueMax = QueueMaxDefault
	}
	switch {
	case out.MaxConcurrentBatches < 0:
		return out, fmt.Errorf("batch %s: MaxConcurrentBatches %d: want ≥ 1", out.Name, out.MaxConcurrentBatches)
	case out.MaxConcurrentBatches == 0:
		out.MaxConcurrentBatches = MaxConcurrentBatchesDefault
	}
	if out.Policy != Block && out.Policy != Reject {
		return out, fmt.Errorf("batch %s: Policy %v: want Block or Reject", out.Name, out.Policy)
	}
	if out.Cost != nil && out.MaxBatchCost <= 0 {
		return out, fmt.Errorf("batch %s: MaxBatchCost %d: want ≥ 1 when Cost is set", out.Name, out.MaxBatchCost)
	}
	return out, nil
}

// request states, guarded by Batcher.mu until the request is dispatched,
// then owned by the batch goroutine.
const (
	stateQueued = iota
	stateDispatched
	stateDone
)

type request[In, Out any] struct {
	in    In
	ctx   context.Context
	enq   time.Time
	cost  int
	key   int
	state int
	// delivered guards done: the batch goroutine and an aborting Stop may
	// race to answer an in-flight request.
	delivered atomic.Bool
	out       Out
	err       error
	done      chan struct{}
}

func (r *request[In, Out]) deliver(out Out, err error) bool {
	if !r.delivered.CompareAndSwap(false, true) {
		return false
	}
	r.out, r.err = out, err
	close(r.done)
	return true
}

// Batcher groups single calls into batches for a batch function: the
// seed's GPUWorker, independent of any model. Create it with New, call
// Start, then Submit or InferMany from any number of goroutines, and Stop it
// to drain.
type Batcher[In, Out any] struct {
	fn  Func[In, Out]
	cfg Config[In]
	sem *slots
	m   *metrics

	life startstop.Lifecycle

	kick        chan struct{}   // wakes the dispatcher; capacity 1
	closingCtx  context.Context // cancelled when Stop begins
	closeSignal context.CancelFunc
	doneCh      chan struct{} // closed when the dispatcher exits

	baseCtx   context.Context // parent of batch contexts
	abortBase context.CancelCauseFunc

	mu          sync.Mutex
	started     bool                // set by Start: Submit accepts items
	closing     bool                // set by Stop: Submit refuses items
	pending     []*request[In, Out] // FIFO: pending[0] is the oldest
	pendingCost int
	enqueued    int64 // items that entered the queue; requests = this + refused
	busy        int
	inflight    map[*[]*request[In, Out]]struct{}
	wg          sync.WaitGroup // batch goroutines
}

// New validates cfg and returns a Batcher that is not yet started.
func New[In, Out any](fn Func[In, Out], cfg Config[In]) (*Batcher[In, Out], error) {
	if fn == nil {
		return nil, errors.New("batch: nil batch function")
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	b := &Batcher[In, Out]{
		fn:       fn,
		cfg:      c,
		sem:      newSlots(c.QueueMax),
		m:        newMetrics(c.Name),
		kick:     make(chan struct{}, 1),
		doneCh:   make(chan struct{}),
		inflight: map[*[]*request[In, Out]]struct{}{},
	}
	b.closingCtx, b.closeSignal = context.WithCancel(context.Background())
	return b, nil
}

// Config returns the effective configuration, defaults applied.
func (b *Batcher[In, Out]) Config() Config[In] { return b.cfg }

// Start launches the dispatcher goroutine. Values of ctx (not its
// cancellation) reach batch contexts; stop the batcher with Stop. Start
// follows the lifecycle contract of package startstop: a second Start is a
// no-op, and Start after Stop fails with ErrClosed (and
// startstop.ErrStopped).
func (b *Batcher[In, Out]) Start(ctx context.Context) error {
	err := b.life.Start(func() error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.started = true
		b.baseCtx, b.abortBase = context.WithCancelCause(context.WithoutCancel(ctx))
		go b.dispatch()
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w: %w", b.cfg.Name, ErrClosed, err)
	}
	return nil
}

// Submit queues one item and waits for its result. If ctx ends while the
// item is still queued, the item is removed before dispatch and Submit
// returns ctx's error; if it ends while the item's batch runs, Submit
// returns at once and the result is discarded.
func (b *Batcher[In, Out]) Submit(ctx context.Context, in In) (Out, error) {
	var zero Out
	r, err := b.admit(ctx, in, nil)
	if err != nil {
		return zero, err
	}
	if err := b.enqueue(r); err != nil {
		return zero, err
	}
	return b.wait(ctx, r)
}

// InferMany submits every item and returns results in input order with one
// error slot per item (nil where it succeeded), as the seed's
// gather(return_exceptions=True). Under the Reject policy, items that find
// the queue full get ErrQueueFull individually.
func (b *Batcher[In, Out]) InferMany(ctx context.Context, ins []In) ([]Out, []error) {
	outs := make([]Out, len(ins))
	errs := make([]error, len(ins))
	reqs := make([]*request[In, Out], len(ins))
	group := make([]*request[In, Out], 0, min(len(ins), b.cfg.MaxBatchSize))
	flush := func() {
		if len(group) == 0 {
			return
		}
		if err := b.enqueueMany(group); err != nil {
			var zero Out
			for _, r := range group {
				r.state = stateDone
				r.deliver(zero, err)
			}
		}
		group = group[:0]
	}
	for i, in := range ins {
		// Hand over what we hold before we might block, so our own
		// admitted-but-unsent items can never be what we wait for.
		r, err := b.admit(ctx, in, flush)
		if err != nil {
			errs[i] = err
			continue
		}
		reqs[i] = r
		group = append(group, r)
		if len(group) == cap(group) {
			flush()
		}
	}
	flush()
	for i, r := range reqs {
		if r != nil {
			outs[i], errs[i] = b.wait(ctx, r)
		}
	}
	return outs, errs
}

// admit takes a queue slot for one item, according to the policy. Under
// Block, beforeBlock (if set) runs before the call would wait.
func (b *Batcher[In, Out]) admit(ctx context.Context, in In, beforeBlock func()) (*request[In, Out], error) {
	if err := ctx.Err(); err != nil {
		b.m.requests.Add(1)
		b.m.cancelled.Add(1)
		return nil, err
	}
	if !b.sem.tryAcquire() {
		if b.cfg.Policy == Reject {
			b.m.requests.Add(1)
			b.m.rejected.Add(1)
			return nil, fmt.Errorf("%s: %w (%d queued or in flight)", b.cfg.Name, ErrQueueFull, b.cfg.QueueMax)
		}
		if beforeBlock != nil {
			beforeBlock()
		}
		if err := b.acquireSlow(ctx); err != nil {
			b.m.requests.Add(1)
			return nil, err
		}
	}
	r := &request[In, Out]{in: in, ctx: ctx, done: make(chan struct{})}
	if b.cfg.Cost != nil {
		r.cost = b.cfg.Cost(in)
	}
	if b.cfg.SortKey != nil {
		r.key = b.cfg.SortKey(in)
	}
	return r, nil
}

// errStop is slots.acquire's answer when Stop began.
var errStop = errors.New("stop")

// acquireSlow waits for a slot until ctx ends or Stop begins.
func (b *Batcher[In, Out]) acquireSlow(ctx context.Context) error {
	err := b.sem.acquire(ctx, b.closingCtx.Done())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errStop):
		return fmt.Errorf("%s: %w", b.cfg.Name, ErrClosed)
	default:
		b.m.cancelled.Add(1)
		return err
	}
}

func (b *Batcher[In, Out]) enqueue(r *request[In, Out]) error {
	b.mu.Lock()
	if err := b.refuseLocked(); err != nil {
		b.mu.Unlock()
		b.sem.release(1)
		return err
	}
	r.enq = time.Now()
	b.enqueued++
	b.pending = append(b.pending, r)
	b.pendingCost += r.cost
	n := len(b.pending)
	b.mu.Unlock()
	// Wake the dispatcher only when its plan changes: a first item arms the
	// delay timer, a full batch flushes. Everything between is free.
	if n == 1 || n == b.cfg.MaxBatchSize || b.cfg.Cost != nil || b.cfg.MaxDelay == 0 {
		b.wake()
	}
	return nil
}

func (b *Batcher[In, Out]) enqueueMany(rs []*request[In, Out]) error {
	b.mu.Lock()
	if err := b.refuseLocked(); err != nil {
		b.mu.Unlock()
		b.sem.release(len(rs))
		return err
	}
	now := time.Now()
	b.enqueued += int64(len(rs))
	for _, r := range rs {
		r.enq = now
		b.pendingCost += r.cost
	}
	b.pending = append(b.pending, rs...)
	b.mu.Unlock()
	b.wake()
	return nil
}

func (b *Batcher[In, Out]) refuseLocked() error {
	if !b.started {
		return fmt.Errorf("%s: %w", b.cfg.Name, ErrNotStarted)
	}
	if b.closing {
		return fmt.Errorf("%s: %w", b.cfg.Name, ErrClosed)
	}
	return nil
}

func (b *Batcher[In, Out]) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *Batcher[In, Out]) wait(ctx context.Context, r *request[In, Out]) (Out, error) {
	select {
	case <-r.done:
		return r.out, r.err
	case <-ctx.Done():
	}
	if r.delivered.Load() {
		<-r.done
		return r.out, r.err
	}
	b.mu.Lock()
	if i := slices.Index(b.pending, r); r.state == stateQueued && i >= 0 {
		b.pending = slices.Delete(b.pending, i, i+1)
		b.pendingCost -= r.cost
		r.state = stateDone
		b.mu.Unlock()
		b.sem.release(1)
		b.m.cancelled.Add(1)
		var zero Out
		r.deliver(zero, ctx.Err())
		return zero, ctx.Err()
	}
	dispatched := r.state == stateDispatched
	b.mu.Unlock()
	// Dispatched: the batch owns the slot and releases it when it ends.
	if dispatched {
		b.m.cancelled.Add(1)
	}
	var zero Out
	return zero, ctx.Err()
}

// dispatch is the one goroutine that forms batches. It sleeps on channels
// and one timer: an idle batcher costs no CPU.
func (b *Batcher[In, Out]) dispatch() {
	defer close(b.doneCh)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		b.m.wakeups.Add(1)
		b.mu.Lock()
		now := time.Now()
		for b.busy < b.cfg.MaxConcurrentBatches {
			reason, ok := b.readyLocked(now)
			if !ok {
				break
			}
			batch := b.takeLocked(now)
			if len(batch) == 0 {
				continue // everything taken was cancelled
			}
			b.busy++
			b.m.flush(reason)
			b.inflight[&batch] = struct{}{}
			b.wg.Add(1)
			go b.run(&batch)
		}
		wait := time.Duration(-1)
		if len(b.pending) > 0 && b.busy < b.cfg.MaxConcurrentBatches {
			wait = b.pending[0].enq.Add(b.cfg.MaxDelay).Sub(now)
		}
		exit := b.closing && len(b.pending) == 0 && b.busy == 0
		b.mu.Unlock()
		if exit {
			return
		}
		if wait >= 0 {
			timer.Reset(max(wait, 0))
		}
		select {
		case <-b.kick:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// readyLocked says whether a batch should go out now, and why.
func (b *Batcher[In, Out]) readyLocked(now time.Time) (flushReason, bool) {
	n := len(b.pending)
	switch {
	case n == 0:
		return 0, false
	case n >= b.cfg.MaxBatchSize:
		return flushSize, true
	case b.cfg.Cost != nil && b.pendingCost >= b.cfg.MaxBatchCost:
		return flushCost, true
	case b.closing:
		return flushDrain, true
	case now.Sub(b.pending[0].enq) >= b.cfg.MaxDelay:
		return flushDelay, true
	}
	return 0, false
}

// takeLocked removes the next batch from pending. Items whose context ended
// while queued are answered with their context's error and skipped.
func (b *Batcher[In, Out]) takeLocked(now time.Time) []*request[In, Out] {
	var picked []*request[In, Out]
	if b.cfg.SortKey == nil {
		n, cost := 0, 0
		for n < len(b.pending) && n < b.cfg.MaxBatchSize {
			c := b.pending[n].cost
			if b.cfg.Cost != nil && n > 0 && cost+c > b.cfg.MaxBatchCost {
				break
			}
			cost += c
			n++
		}
		picked = slices.Clone(b.pending[:n])
		b.pending = slices.Delete(b.pending, 0, n)
		b.pendingCost -= cost
	} else {
		picked = b.takeSortedLocked()
	}
	live := picked[:0]
	var dead []*request[In, Out]
	for _, r := range picked {
		if err := expired(r.ctx, now); err != nil {
			r.state = stateDone
			dead = append(dead, r)
			continue
		}
		r.state = stateDispatched
		live = append(live, r)
	}
	for _, r := range dead {
		var zero Out
		r.deliver(zero, expired(r.ctx, now))
		b.sem.release(1)
		b.m.cancelled.Add(1)
	}
	return live
}

// takeSortedLocked builds the batch around the oldest item from the items
// whose sort keys are nearest to it, so similar lengths share a batch.
func (b *Batcher[In, Out]) takeSortedLocked() []*request[In, Out] {
	order := slices.Clone(b.pending)
	slices.SortStableFunc(order, func(x, y *request[In, Out]) int { return x.key - y.key })
	oldest := b.pending[0]
	at := slices.Index(order, oldest)
	lo, hi := at, at+1 // window [lo, hi)
	cost := oldest.cost
	for hi-lo < b.cfg.MaxBatchSize {
		var next int
		switch {
		case lo > 0 && hi < len(order):
			if oldest.key-order[lo-1].key <= order[hi].key-oldest.key {
				next = lo - 1
			} else {
				next = hi
			}
		case lo > 0:
			next = lo - 1
		case hi < len(order):
			next = hi
		default:
			next = -1
		}
		if next < 0 {
			break
		}
		if b.cfg.Cost != nil && cost+order[next].cost > b.cfg.MaxBatchCost {
			break
		}
		cost += order[next].cost
		if next < lo {
			lo = next
		} else {
			hi++
		}
	}
	picked := slices.Clone(order[lo:hi])
	take := make(map[*request[In, Out]]struct{}, len(picked))
	for _, r := range picked {
		take[r] = struct{}{}
	}
	b.pending = slices.DeleteFunc(b.pending, func(r *request[In, Out]) bool { _, ok := take[r]; return ok })
	b.pendingCost -= cost
	return picked
}

func expired(ctx context.Context, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !now.Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// run executes one batch and answers its items.
func (b *Batcher[In, Out]) run(batchp *[]*request[In, Out]) {
	batch := *batchp
	defer func() {
		b.sem.release(len(batch))
		b.mu.Lock()
		b.busy--
		delete(b.inflight, batchp)
		b.mu.Unlock()
		b.wake()
		b.wg.Done()
	}()
	ins := make([]In, len(batch))
	start := time.Now()
	for i, r := range batch {
		ins[i] = r.in
		b.m.queueWait.Observe(start.Sub(r.enq).Seconds())
	}
	outs, err := b.call(ins)
	b.m.observeBatch(len(batch), time.Since(start))

	var itemErrs *ItemErrors
	switch {
	case err == nil && len(outs) != len(batch):
		err = fmt.Errorf("%s: %w", b.cfg.Name, &ResultCountError{Got: len(outs), Want: len(batch)})
	case errors.As(err, &itemErrs) && len(itemErrs.Errs) == len(batch) && len(outs) == len(batch):
		for i, r := range batch {
			if e := itemErrs.Errs[i]; e != nil {
				b.m.failed.Add(1)
				var zero Out
				r.deliver(zero, e)
			} else {
				r.deliver(outs[i], nil)
			}
		}
		return
	}
	if err != nil {
		if itemErrs != nil {
			err = fmt.Errorf("%s: %d per-item errors and %d results for %d inputs: %w",
				b.cfg.Name, len(itemErrs.Errs), len(outs), len(batch), ErrResultCount)
		}
		var zero Out
		for _, r := range batch {
			r.deliver(zero, err)
		}
		b.m.failed.Add(int64(len(batch)))
		return
	}
	for i, r := range batch {
		r.deliver(outs[i], nil)
	}
}

// call runs the batch function, turning a panic into a *PanicError so one
// bad batch fails its items, not the process.
func (b *Batcher[In, Out]) call(ins []In) (outs []Out, err error) {
	defer func() {
		if v := recover(); v != nil {
			b.m.panics.Add(1)
			outs, err = nil, fmt.Errorf("%s: batch: batch function %w", b.cfg.Name, panics.New(v))
		}
	}()
	return b.fn(b.baseCtx, ins)
}

// Stop refuses new items with ErrClosed, flushes what is queued at once
// (MaxDelay does not apply any more) and waits for the batches to finish.
// It follows the lifecycle contract of package startstop: if ctx ends
// first, Stop fails everything still queued or in flight with ErrClosed,
// cancels the batch context (cause ErrClosed), waits for the batch
// goroutines to return, and returns ctx's error. Stop before Start, and
// any number of Stop calls, are safe.
func (b *Batcher[In, Out]) Stop(ctx context.Context) error {
	return b.life.Stop(ctx, b.stop)
}

// stop is Stop's work, run once; abort ends when a Stop's ctx does.
func (b *Batcher[In, Out]) stop(abort context.Context) error {
	b.mu.Lock()
	b.closing = true
	b.mu.Unlock()
	b.closeSignal()
	b.wake()
	select {
	case <-b.doneCh:
	case <-abort.Done():
		b.failRest()
		<-b.doneCh
	}
	b.wg.Wait()
	b.abortBase(ErrClosed)
	return nil
}

// failRest answers every queued and in-flight item with ErrClosed and
// cancels the batch context, so the batches end and the dispatcher with
// them.
func (b *Batcher[In, Out]) failRest() {
	b.mu.Lock()
	rest := b.pending
	for _, r := range rest {
		r.state = stateDone
	}
	b.pending, b.pendingCost = nil, 0
	var flying []*request[In, Out]
	for bp := range b.inflight {
		flying = append(flying, *bp...)
	}
	b.mu.Unlock()
	closed := fmt.Errorf("%s: %w", b.cfg.Name, ErrClosed)
	var zero Out
	for _, r := range rest {
		r.deliver(zero, closed)
		b.sem.release(1)
	}
	for _, r := range flying {
		r.deliver(zero, closed)
	}
	b.abortBase(ErrClosed)
	b.wake()
}

// Stats is a snapshot of a Batcher's counters.
type Stats struct {
	Name         string
	Requests     int64 // items submitted, admitted or not
	Batches      int64
	Items        int64 // items that reached the batch function
	Rejected     int64 // ErrQueueFull
	Cancelled    int64 // context ended before a result
	Failed       int64 // items answered with an error by the batch
	Panics       int64
	QueueDepth   int // queued, not yet dispatched
	InFlight     int // batches running
	AvgBatchSize float64
	AvgBatchTime time.Duration
	Flushes      map[string]int64 // by trigger: size, cost, delay, drain
}

// Stats returns a snapshot of the counters.
func (b *Batcher[In, Out]) Stats() Stats {
	b.mu.Lock()
	depth, busy, enq := len(b.pending), b.busy, b.enqueued
	b.mu.Unlock()
	s := b.m.snapshot(depth, busy)
	s.Requests += enq
	return s
}

// QueueDepth is the number of queued, not yet dispatched, items.
func (b *Batcher[In, Out]) QueueDepth() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.pending)
}

// Wakeups counts how often the dispatcher goroutine has woken up. It exists
// to show that an idle batcher sleeps: the count stays still while nothing
// is submitted.
func (b *Batcher[In, Out]) Wakeups() int64 { return b.m.wakeups.Load() }
