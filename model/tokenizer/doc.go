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
// tokenizer.json) ids, tokens and offsets are identical. So are ids,
// tokens, offsets, type ids and special-token masks, with and without
// special tokens, on all 2,045 texts of testdata/corpus.jsonl (34
// languages and hostile cases) for Llama 3, Qwen 3 and Gemma 3 and for the
// BART and mpnet shapes scripts/gen-bpe-tokenizers.py builds, against the
// official library (scripts/tokenizer-goldens.mjs). What that takes:
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
//     Lowercase, StripAccents, Strip, Prepend, Replace, ByteLevel,
//     Precompiled (SentencePiece's charsmap);
//   - pre-tokenizers: BertPreTokenizer, Whitespace, WhitespaceSplit,
//     Punctuation, Digits, Split, ByteLevel, Metaspace, Sequence;
//   - models: WordPiece, BPE (byte-level as in GPT-2, BART, Llama 3 and
//     Qwen, SentencePiece-style with byte_fallback as in Gemma), Unigram
//     (XLM-R, Marian, T5), WordLevel;
//   - post-processors: TemplateProcessing, BertProcessing,
//     RobertaProcessing, ByteLevel (trim_offsets), Sequence.
//
// FromJSON refuses other components with ErrUnsupported naming the
// component (BPE dropout too: it makes encodings random).
//
// # Byte-level BPE and its regex
//
// The BPE merge loop is tokenizers' own (lowest rank first, leftmost on
// ties), over a per-call symbol list and heap, with results of short words
// cached (bounded, as tokenizers bounds it), so encoding does not allocate
// per token. Split regexes are compiled with github.com/dlclark/regexp2
// (Oniguruma's look-around and Unicode classes, which Go's RE2 lacks: the
// GPT-4/Llama 3 pattern needs `\s+(?!\S)`); the GPT-2, Llama 3 and Qwen
// patterns are recognised and run by a hand-written matcher, proven equal
// to regexp2 by test and about three times as fast (split.go says why,
// docs/performance.md has the figures).
//
// Large files load in well under a second: the vocabulary and merges are
// read by a byte scanner rather than encoding/json (jsonscan.go).
//
// # SentencePiece models
//
// Unigram is tokenizers' Viterbi over a byte trie of the pieces (unknown
// characters cost the lowest score minus 10, consecutive ones are fused,
// byte_fallback gives <0xNN> tokens), with its lattice in the per-call
// scratch. Precompiled reads the darts-clone double-array trie and the
// replacement strings SentencePiece stores in precompiled_charsmap and
// applies them as tokenizers does, not as SentencePiece does: a grapheme
// cluster under 6 bytes is looked up whole (its shortest matching prefix
// replaces all of it), otherwise each character alone. It is not NFKC: the
// charsmap is the model's own. scripts/gen-spm-tokenizers.py builds the
// XLM-R, Marian and NLLB shapes from spm_train models, and its cross-check
// (testdata/spm_crosscheck.md) lists where tokenizers, and so this package,
// differ from SentencePiece itself.
//
// # Truncation and padding
//
// tokenizer.json's own truncation and padding sections are honoured (the
// MiniLM file truncates and pads to 128). WithTruncation, WithPadding and
// WithoutPadding return configured copies; for batches of varied length
// prefer PadLongest over a fixed length so padding does not eat the batch.
//
// Pairs (EncodePair) use the post-processor's pair template. Truncation
// follows tokenizers exactly: LongestFirst, OnlyFirst or OnlySecond for
// pairs, either direction, and a stride, with what is cut off returned as
// overlapping windows in Encoding.Overflowing (how a long article is
// covered); tokenization itself stops at the word that reaches the maximum
// length, as the reference does, which decides what the windows hold.
//
// # Decoding
//
// Decode turns ids back into text through the file's decoder (ByteLevel,
// Metaspace, WordPiece, BPEDecoder, ByteFallback, Fuse, Strip, Replace,
// Sequence), with or without special tokens, as tokenizers' decode does;
// ids it does not know are an error (ErrUnknownID), where tokenizers drops
// them. NewStream decodes during generation one id at a time, never
// returning part of a UTF-8 sequence; its pieces add up to Decode's text.
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
