// Package onnx runs ONNX models through ONNX Runtime (the C library, loaded
// with dlopen by github.com/yalue/onnxruntime_go), on the CPU or on a CUDA
// GPU.
//
// Why ONNX Runtime: it is the one engine that runs the same exported
// Hugging Face graph on a CPU and on a GPU from Go. On a GPU a session run
// of a big batch costs little more than a run of one item, so callers batch
// (see concurrency/inference) rather than calling a session per item
// (docs/performance.md has the figures).
//
// # One environment per process
//
// onnxruntime_go keeps the library handle and the OrtEnv in package globals,
// so there is exactly one environment per process, loaded from one library
// path: [Init] sets it up (the first success wins; failures are not cached,
// so a later call may try again, for example after scripts/setup.sh ran).
// [Available] says whether it is up and [Probe] reports on it for
// `masx doctor`. masx still runs where the library is missing: every entry
// point returns an error wrapping [ErrUnavailable] that says how to install
// it, and callers fall back (TF-IDF vectors instead of neural embeddings).
//
// # Sessions
//
// A [Session] is one model on one device. It is safe for concurrent use:
// ONNX Runtime allows concurrent Run calls on one session, so one session
// per model per device is shared by every caller. Intra-op threads come from
// [Options].Threads. With [Options].CUDA the CUDA
// execution provider is appended; when that fails the session runs on the
// CPU and says why ([Session.FallbackReason]), unless [Options].RequireCUDA
// makes it an error. Run failures on a CUDA session wrap [ErrCUDA] so the
// inference runtime can retry the batch on the CPU.
//
// Run feeds int64 (or int32) token tensors and receives float32 tensors;
// float16 outputs of fp16 model variants are widened to float32, so callers
// never see half floats. Output buffers are passed in by the caller and
// filled in place, so a float32 output costs no copy. A context that ends
// during Run terminates the run (OrtRunOptions terminate flag).
//
// The package always compiles: without cgo every call returns
// [ErrUnavailable].
package onnx
