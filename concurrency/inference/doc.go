// Package inference is the seed's InferenceRuntime: one per process, it
// hosts every model masx runs (an embedder now; a translator and a
// summarizer later), each behind its own micro-batcher, all sharing the
// process's device decision and executors. Batches therefore form across
// articles and flashpoints instead of per call site, and nothing creates a
// pool of its own.
//
// Models are registered with a Loader before Start and called through a
// typed *Handle, so call sites stay type-safe although one Runtime holds
// models of different input and output types:
//
//	rt, _ := inference.New(inference.Config{Device: dev, Executors: executors})
//	emb, _ := inference.Register(rt, "embedder", loadEmbedder, inference.ModelConfig[Tokens]{...})
//	_ = rt.Start(ctx)
//	vec, err := emb.Infer(ctx, tokens)
//	_ = rt.Stop(ctx) // drains
//
// # Device routing and fallback
//
// On cuda, Start loads each model for the GPU behind a batcher with one
// batch in flight (one CUDA stream): the seed's GPU worker. If that load
// fails, the model is loaded on the CPU instead and the reason is logged —
// unless the device was forced (device.Options.ForceGPU), in which case Start
// fails with an error wrapping device.ErrForcedGPUUnavailable. On cpu, models
// are loaded for the CPU behind a batcher whose batches run on the shared
// CPU pool (executor.Executors.CPU).
//
// At run time, a GPU batch that fails with an error wrapping ErrDevice is
// retried on a CPU model that is loaded the first time it is needed, and the
// fallback is counted (gpu_fallbacks). Other errors — bad input, a
// cancelled context — reach the caller.
//
// # Callers never hold a CPU slot
//
// CPU batches run on the shared CPU pool. A caller that held a slot of
// that pool while it waited for its result could, with every slot held so,
// wait for ever: the batch would never get a slot. Infer and InferMany
// therefore refuse a context that holds a CPU slot with an error wrapping
// executor.ErrWaitCycle (see the executor package's rule). Call models from
// goroutines that hold no slot, as the pipeline's stage goroutines do.
//
// # Metrics
//
// Metrics returns the seed's keys (total_requests, total_gpu_requests,
// total_cpu_requests, requests_per_second, queue_depth, is_started,
// execution_path, and gpu_worker.total_inferences/avg_batch_time/
// queue_size). With Config.Registerer set, Start registers Prometheus
// collectors for the runtime and for every batcher.
package inference
