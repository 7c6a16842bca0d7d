// Package executor holds the process's shared, bounded pools: the seed's
// cpu_executors (run_in_thread/map_threads on a thread pool of MAX_THREADS,
// run_in_process/map_processes on a process pool of MAX_PROCS).
//
// # Why goroutines replace the process pool
//
// The seed needs a process pool because CPython's GIL lets only one thread
// run Python code at a time: CPU-bound work on its thread pool would
// serialise, so it pays for pickling arguments and results across process
// boundaries to get parallelism. Go has no such lock. Goroutines run
// CPU-bound Go code on every core at once, share memory without copying,
// and cost a few hundred bytes to start, so both of masx's pools are
// goroutine pools and Run returns a typed value instead of a pickled one.
//
// The CPU pool is still bounded, for two reasons that have nothing to do
// with a GIL. Without a bound, a burst of CPU-heavy tasks (parsing,
// clustering, CPU inference) would each take a core's share and all finish
// late, oversubscribing the cores instead of finishing some early. And the
// bound leaves cores for the I/O side (fetching, rendering, the database),
// whose tasks mostly wait but need a core promptly when they wake. The I/O
// pool is bounded by MAX_THREADS for the seed's reason: a blocking call
// (a cgo call, a client without a context) pins an OS thread, and the
// bound caps how many can pile up.
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
// Measured with the benchmarks in bench_test.go, medians of 5 interleaved
// rounds at GOMAXPROCS=2 on a shared 2-vCPU VM that other builds kept at a
// load average above 20, so read the ratios more than the absolute numbers:
//
//	go test -c -o /tmp/exec.test ./concurrency/executor/
//	for i in 1 2 3 4 5; do /tmp/exec.test -test.run '^$' -test.bench . -test.benchmem -test.benchtime 0.5s; done
//
//	BenchmarkRun                          2.3 µs/op   296 B   5 allocs
//	BenchmarkGoroutineBaseline            1.3 µs/op   168 B   3 allocs  (go func + channel)
//	BenchmarkRunParallel                  3.3 µs/op   (2 callers contending)
//	BenchmarkMap, 1000 items              169 ns/item, 14 allocs per call
//	BenchmarkMapGoroutinePerItemBaseline  1.3 µs/item (goroutine per item + semaphore)
//	BenchmarkMapWorkersBaseline            87 ns/item (bare workers, no pool)
//
// So Run adds about 1 µs to the goroutine hand-off it needs anyway (a
// context for cancellation, the slot, the counters, the panic guard); a CPU
// profile puts its own CPU time near 1.1 µs per call, the rest being the
// wait for a loaded scheduler. Use it for work of tens of microseconds or
// more, not for a single hash. Map costs about 2× the leanest possible
// fan-out per item and about 8× less than a goroutine per item, because it
// starts at most min(len(items), limit) goroutines, the caller's included,
// and takes a free slot without blocking.
package executor
