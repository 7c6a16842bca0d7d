// Package tokenizer reads Hugging Face tokenizer.json files and encodes text
// the way the Rust `tokenizers` library does, in pure Go (no cgo, no Rust
// library), so masx can feed ONNX sentence models without a native
// tokenizer.
//
// # Why pure Go
//
// The usual Go route (hugot) needs the Rust tokenizers library for speed,
// which cannot be built on these machines, and its pure-Go fallback is slow.
// Embedding models only need the BERT WordPiece pipeline, which is small
// enough to reproduce exactly.
//
// # Exactness
//
// The tests hold this package to the reference: for all 483 texts of
// testdata/minilm_tokenizer_golden.jsonl (edge cases plus news paragraphs in
// many scripts, produced by Python tokenizers with the MiniLM
// tokenizer.json) ids, tokens and offsets are identical. What that takes:
//
//   - Offsets are character offsets into the input, counted in runes as
//     Python counts characters, mapped back through every normalization
//     (removed control characters, NFD plus accent stripping, spaces put
//     around CJK ideographs, İ lowercasing to two runes).
//   - Each normalized rune carries the original range of the rune it came
//     from, updated by tokenizers' own rule for transformations (replace,
//     insert after, remove after), so even odd cases such as reordered
//     combining marks align as the reference aligns them.
//   - Character classes follow tokenizers, not Go's defaults: punctuation is
//     Unicode P* plus every ASCII symbol ("$", "+", "^", "`"); "control"
//     is Cc, Cf and Co (zero-width spaces and soft hyphens vanish); the CJK
//     ranges are tokenizers' (including its start of extension E at
//     U+2B920).
//
// # Pipeline and extension points
//
// Encode runs: added tokens ([CLS], [MASK], …) are cut out of the raw text,
// each other part is normalized, then pre-tokenized into words, each word
// goes through the model, then truncation, the post-processor's special
// tokens, and padding. Each stage is an internal interface (normalizer,
// preTokenizer, model) chosen from the file's "type" fields:
//
//   - normalizers: BertNormalizer, Sequence, NFD, NFKD, NFC, NFKC,
//     Lowercase, StripAccents, Strip, Prepend, Replace;
//   - pre-tokenizers: BertPreTokenizer, Whitespace, WhitespaceSplit,
//     Punctuation, Digits, Split, Sequence;
//   - models: WordPiece;
//   - post-processors: TemplateProcessing, BertProcessing.
//
// The model interface is the seam for the next kinds: BPE (BART, RoBERTa)
// and Unigram (NLLB, Marian, T5) plug in as further model implementations,
// with their ByteLevel/Metaspace pre-tokenizers and the Precompiled
// normalizer. Until then FromJSON refuses such files with ErrUnsupported
// naming the component. Regex patterns use Go's RE2 syntax, a subset of the
// Oniguruma syntax tokenizers accepts; look-around patterns are refused.
//
// # Truncation and padding
//
// tokenizer.json's own truncation and padding sections are honoured (the
// MiniLM file truncates and pads to 128). WithTruncation, WithPadding and
// WithoutPadding return configured copies; for batches of varied length
// prefer PadLongest over a fixed length so padding does not eat the batch.
//
// # Concurrency and cost
//
// A Tokenizer is immutable and safe for concurrent use; per-call buffers
// come from a pool. EncodeBatch runs on the calling goroutine, so callers
// parallelize through the shared executors.
//
// Text without control characters, CJK ideographs or decomposable
// characters is never copied or realigned: normalization steps that would
// not change it are skipped. BenchmarkEncode measures the throughput
// (docs/performance.md).
package tokenizer
