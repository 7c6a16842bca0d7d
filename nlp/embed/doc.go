// Package embed turns texts into sentence embeddings with an ONNX encoder
// (BERT family, e.g. all-MiniLM-L6-v2) behind the process's inference
// runtime, so texts from every article and flashpoint share batches.
//
// # Pipeline
//
// [Encoder] tokenizes each text with the model folder's tokenizer.json,
// truncated to the model's limit (Config.MaxLength, else
// sentence_bert_config.json's max_seq_length, else 256; never above
// max_position_embeddings). Truncation is counted in [Metrics], never an
// error. An empty or whitespace-only text becomes [CLS] [SEP] and embeds as
// a valid unit vector, the same for all such texts (as sentence-transformers
// does), so callers need no special case.
//
// [Model] runs one batch: it pads the batch only to its own longest text,
// feeds input_ids, attention_mask and (when the model takes it)
// token_type_ids, pools last_hidden_state over the real tokens only (mean
// by default; cls and max on request) and L2-normalises. Without a
// request, pooling and normalisation come from the folder as
// sentence-transformers reads it: modules.json names the Pooling module's
// folder (its config.json says mean, cls or max) and whether a Normalize
// module follows; a folder without modules.json is read from
// 1_Pooling/config.json and normalised. A module masx does not run (a
// Dense layer, say) or a pooling mode it does not have is an error, never
// a silent approximation. A prompt such as e5's "query: " is put before
// every text (Config.Prefix, or a prompt of
// config_sentence_transformers.json). Padding never enters pooling, so a text embeds the same
// alone or in any batch: the tests hold that to 1e-5 and check every vector
// against a numpy evaluation of the same graph.
//
// [Embedder] registers the model on an inference.Runtime. The runtime's
// batcher weighs each text by its token count and bounds batches by
// Config.MaxBatchSize texts and a token budget, and groups texts of like
// length (SortKey); Embed also hands a call's texts over shortest first.
// Padding efficiency (real tokens / padded tokens) is in [Metrics].
//
// # Batch sizes
//
// On a CPU, batching pays for short texts and not for long ones, and the
// activations of big batches fall out of cache, hence the CPU token budget
// [MaxBatchTokensCPU]. On a GPU the budget is BATCH_SIZE × the maximum
// length, because big batches are what pays there. `masx bench embed`
// measures both, and the runtime's overhead against calling ONNX Runtime
// directly (docs/performance.md).
package embed
