// Package hub stores models the way Hugging Face ONNX exports lay them out
// and downloads them from the Hugging Face Hub (or a mirror speaking its
// HTTP API).
//
// # Layout
//
// A model folder holds onnx/model.onnx and tokenizer.json (required), and
// when the repository has them onnx/model_fp16.onnx, config.json,
// tokenizer_config.json, sentence_bert_config.json and 1_Pooling/config.json.
// Installed models live at <MASX_MODELS_DIR>/<org>/<name>. Open checks a
// folder and reports which files exist (errors name the missing path), List
// walks a models directory, Resolve accepts either a repository id or a
// folder. Repository ids are validated strictly (ValidateRepoID) before they
// touch a path or a URL: they come from users and config files.
//
// # Download
//
// Client.Pull asks for the file list (GET /api/models/<repo>/revision/<rev>
// ?blobs=true, which carries sizes and LFS sha256), then fetches each layout
// file from /<repo>/resolve/<commit>/<path>, pinning every file to the
// listed commit. LFS files redirect to a CDN; the checksum and size headers
// (X-Linked-Etag, X-Linked-Size) are read from the redirect, and Go's client
// does not forward the token to the other host.
//
// Downloads go to <file>.part, resume with a Range request after a dropped
// connection, a stall or a killed process, are checked against the Hub's
// size and sha256, synced and renamed: a file under its final name is
// always complete, and a checksum mismatch leaves nothing behind.
// Transient failures (network errors, 408, 429 with Retry-After, 5xx,
// stalls) are retried with exponential backoff (cenkalti/backoff); a round
// of tries that moved the file forward earns another round, so a flaky link
// still finishes a multi-gigabyte file. A per-folder flock keeps two pulls
// of the same model apart. Files are bounded by Config.MaxFileSize and the
// file list by 32 MiB.
//
// Cost: a finished download is hashed once from disk (so resumed bytes are
// checked too), and a pull of an up-to-date model reads every file once to
// check it; only the file list crosses the network.
package hub
