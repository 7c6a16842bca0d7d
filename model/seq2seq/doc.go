// Package seq2seq generates token ids with encoder-decoder transformers
// (Marian/OPUS-MT, NLLB-200, M2M100, BART) exported to ONNX in the Optimum
// layout that the Xenova/… repositories use, on ONNX Runtime.
//
// It works on token ids: text goes through the model's tokenizer first
// (model/tokenizer), and the generated ids through its decoder after.
//
// # Files
//
// [Load] reads a model folder: config.json, generation_config.json (or the
// fallbacks: config.json's own keys, then its
// task_specific_params.summarization, as older BART files keep them), and
// onnx/encoder_model.onnx with either onnx/decoder_model_merged.onnx (one
// decoder with a use_cache_branch input) or the pair
// onnx/decoder_model.onnx + onnx/decoder_with_past_model.onnx. The
// _quantized (dynamic int8) and _fp16 variants are chosen by
// [Options].Variant; by default _quantized on the CPU when present, _fp16 on
// CUDA with [Options].FP16, fp32 otherwise. Sessions load by path, so
// external-data files (*.onnx_data) are found. Every file's inputs and
// outputs are checked against the Optimum names and against config.json
// before anything runs; a model that does not match is an error wrapping
// onnx.ErrInvalidModel that names the file and the tensor.
//
// # Generation
//
// Greedy and beam search follow Hugging Face transformers: the same logits
// processors in the same order (repetition penalty, no-repeat n-gram, bad
// words, min length, min new tokens, forced BOS, forced EOS) and the same
// beam scoring (beam.go documents the formula). Lengths count the decoder
// start token, as transformers' max_length does.
//
// The decoder runs with a KV cache: the self-attention cache grows by one
// position a step, and the cross-attention keys and values come from step 0
// (a merged decoder's cached branch returns empty ones). The first step
// feeds zero-length past tensors. Cache outputs are written by ONNX Runtime
// into buffers that the next step feeds back, without copies.
//
// A batch decodes in lockstep: sources are padded to the longest and
// masked; rows that finish (EOS, max length, cancelled, past their
// deadline) leave the batch and the caches are gathered down to the rows
// left, as CTranslate2 does. Beam search gathers the caches every step to
// follow the surviving beams, as transformers' cache reordering does.
//
// # How it is checked
//
// No real weights can be downloaded where masx is built, so the tests run
// generated models (model/testmodel, gen_seq2seq_models.py) with the exact
// Optimum names, one per family shape (Marian, NLLB/M2M100, BART), with
// both decoder layouts, against two independent references:
// transformers.js (scripts/seq2seq-goldens.mjs, committed goldens) for
// greedy search, and the generator's numpy implementation of the model and
// of transformers' beam search for beam search. The KV cache is checked
// against full recomputation (logits within 1e-4), and every source
// against itself inside a batch of mixed lengths.
//
// # Through the inference runtime
//
// [Register] puts a model behind the process's inference runtime
// (concurrency/inference), so requests from many articles form batches,
// sorted by length and bounded in tokens, with GPU→CPU fallback and
// queue bounds; see [Generator].
package seq2seq
