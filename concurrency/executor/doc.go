// Package executor holds the process's shared, bounded pools: the seed's
// cpu_executors (run_in_thread/map_threads on a thread pool of MAX_THREADS,
// run_in_process/map_processes on a process pool of MAX_PROCS).
//
// # Two goroutine pools
//
// Both pools run tasks on goroutines: CPU-bound Go code runs on every core
// at once and shares memory without copying, so Run returns a typed value.
// (docs/design.md says why this replaces the seed's process pool.)
//
// The CPU pool is bounded for two reasons. Without a bound, a burst of
// CPU-heavy tasks (parsing, clustering, CPU inference) would each take a
// core's share and all finish late, oversubscribing the cores instead of
// finishing some early. And the bound leaves cores for the I/O side
// (fetching, rendering, the database), whose tasks mostly wait but need a
// core promptly when they wake. The I/O pool is bounded by MAX_THREADS
// because a blocking call that ignores contexts (a cgo call, a client
// without one) pins an OS thread, and the bound caps how many can pile up.
//
// # Semantics
//
// [Run] waits for a slot, runs the function on a goroutine the pool owns,
// and waits for its result or for the caller's context. [Map] runs a
// function over a slice and returns results and errors in input order, one
// error per item: the seed's gather(return_exceptions=True), with
// [FailFast] for the first-error-cancels-the-rest behaviour. Panics come
// back as [*PanicError] with the stack. [Pool.Shutdown] refuses new work,
// drains what was accepted, and cancels what is left when its context ends;
// it always waits for every goroutine the pool started.
//
// # The rule: never wait for a pool while holding its slot
//
// A task must not wait for work that needs a slot of a pool while it holds
// a slot of that pool, or of a pool ordered after it. A task that does
// deadlocks the pool as soon as every slot is held by such a waiter: the
// work they wait for can never start. The pipeline hung exactly so when a
// neural model was configured (analyze tasks on the CPU pool waited for
// model batches that run on the CPU pool). [New] orders the shared pools
// io → cpu, because an I/O task may wait for CPU work (a fetch waits for
// its extraction), so a CPU task must never wait for an I/O slot.
//
// The rule is enforced, not only written down. Run and Map mark their
// task's context with the slot it holds and refuse, with a
// [*WaitCycleError] wrapping [ErrWaitCycle], a call whose context already
// holds a slot of the same pool or of one ordered after it. Code that hands
// work to a pool from another goroutine, where the context chain is broken
// (the inference runtime's batchers), calls [CheckWait] before it waits. In
// test binaries each slot records the stack that took it, and the error
// prints both stacks. What to do instead: make the call from a goroutine
// that holds no slot (the pipeline's stage goroutines call models between
// their CPU steps), or do the work inline in the task that already holds
// the slot.
//
// # Costs
//
// Run adds a context, a slot, counters and a panic guard to the goroutine
// hand-off it needs anyway, so use it for work of tens of microseconds or
// more, not for a single hash. Map starts at most min(len(items), limit)
// goroutines, the caller's included, and takes a free slot without
// blocking, so it costs far less per item than a goroutine per item. The
// benchmarks in bench_test.go measure both; their latest figures are in
// docs/performance.md.
package executor
