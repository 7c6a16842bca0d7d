// Package batch is a generic micro-batcher: the seed's GPU worker with the
// model taken out. Callers submit single items from many goroutines; one
// dispatcher goroutine groups them and calls a batch function, so a model
// that costs about the same for 1 or 32 inputs (a GPU, or ONNX Runtime on a
// few cores) runs once per batch instead of once per item.
//
// # Flushing
//
// A batch goes out when MaxBatchSize items wait, when their summed Cost
// reaches MaxBatchCost, or when the oldest item has waited MaxDelay. While
// every batch slot (MaxConcurrentBatches, default 1) is busy, items keep
// collecting, so under load batches fill up by themselves and latency stays
// near one model call. The dispatcher sleeps on a channel and one timer:
// there is no polling, and an idle batcher uses no CPU.
//
// With SortKey set, a batch is built around the oldest waiting item from the
// items whose keys are nearest to it, so texts of similar length share a
// batch and padding stays small, yet nothing starves.
//
// # Queue and cancellation
//
// QueueMax counts queued plus in-flight items. When it is reached, the Block
// policy waits while the caller's context allows and the Reject policy
// returns ErrQueueFull at once. An item whose context ends while it is
// queued is removed before dispatch and its caller gets the context's error;
// an item whose deadline passed by the time its batch forms is dropped the
// same way and never reaches the model.
//
// # Failures
//
// A batch function that returns the wrong number of results fails every
// item of the batch with a *ResultCountError; one that panics fails its
// batch with a *PanicError carrying the stack, and the process lives on. A
// function can fail single items by returning *ItemErrors.
//
// # Shutdown
//
// Stop refuses new items with ErrClosed, flushes what is queued without
// waiting for MaxDelay, and waits for in-flight batches: it drains. If Stop's
// context ends first, what is left fails with ErrClosed, the batch context
// is cancelled, and Stop still waits for the batch goroutines before it
// returns the context's error: the lifecycle contract of package
// startstop.
//
// # Cost
//
// `masx bench batch` and BenchmarkSubmit measure the batcher's overhead
// against direct calls, its gain on a simulated accelerator and its idle
// CPU; the figures are in docs/performance.md.
package batch
