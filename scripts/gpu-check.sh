#!/usr/bin/env bash
# scripts/gpu-check.sh — run `masx bench embed` on a CUDA GPU and on the CPU
# of the same machine, side by side, and keep the JSON of each run.
#
# Self-contained for the lent GPU machine (no Go, no network there):
#
#   MASX_BIN    prebuilt masx binary (default ./masx)
#   ORT_DIR     folder with libonnxruntime.so.1, libonnxruntime_providers_cuda.so
#               and libonnxruntime_providers_shared.so
#               (default ~/.cache/masx/onnxruntime/1.29.0)
#   MODEL_DIR   MiniLM-shaped model folder; default: generated here with the
#               first python3 that has onnx and numpy (fp32 and fp16 files)
#   OUT         where the JSON goes (default ./gpu-check-out)
#   BENCH_ARGS  extra `masx bench embed` flags (default: --duration 4s)
#   CPU_THREADS MASX_ORT_THREADS for the CPU run (default: nproc)
#
# Runs, each with the same texts (seq 128 unless BENCH_ARGS says otherwise):
#   cuda-fp16       BATCH_SIZE=64, 64 callers (the CPU run's shape, fp16 file)
#   cuda-fp32       the same with the fp32 file (MASX_FP16=0)
#   cuda-fp16-b256  BATCH_SIZE=256 with 512 callers, so batches can fill
#   cpu             MASX_FORCE_CPU=1, BATCH_SIZE=32, 64 callers
# then `masx bench generate` on CUDA and on the CPU (see below).
# Writes $OUT/embed-<run>.json (and .log) and prints one summary line per
# run. Exits non-zero if a CUDA run failed or did not really run on CUDA
# (MASX_FORCE_GPU=1 makes masx fail rather than fall back).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
MASX_BIN=${MASX_BIN:-./masx}
ORT_DIR=${ORT_DIR:-${MASX_CACHE_DIR:-$HOME/.cache/masx}/onnxruntime/1.29.0}
OUT=${OUT:-./gpu-check-out}
BENCH_ARGS=${BENCH_ARGS:---duration 4s}
say() { printf 'gpu-check: %s\n' "$*" >&2; }
die() { printf 'gpu-check: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$MASX_BIN" ] || die "no masx binary at $MASX_BIN (set MASX_BIN)"
for f in libonnxruntime.so.1 libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  [ -f "$ORT_DIR/$f" ] || die "$ORT_DIR/$f missing (set ORT_DIR; scripts/setup.sh --gpu fetches the providers)"
done
mkdir -p "$OUT"

# CUDA, cuDNN and cuBLAS as installed on the lent machine (see GPU.md); any
# folder that exists is added, the rest are skipped.
SP=/opt/torch/.venv/lib/python3.12/site-packages/nvidia
for d in "$SP/cu13/lib" "$SP/cudnn/lib" "$SP/cublas/lib" /usr/local/cuda-13.0/targets/x86_64-linux/lib /usr/local/nvidia/lib64 "$ORT_DIR"; do
  [ -d "$d" ] && LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export LD_LIBRARY_PATH
export MASX_ORT_LIB="$ORT_DIR/libonnxruntime.so.1"
export MASX_CACHE_DIR=${MASX_CACHE_DIR:-$OUT/cache}

if [ -z "${MODEL_DIR:-}" ]; then
  py=""
  for p in /usr/bin/python3 python3 /opt/torch/.venv/bin/python; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import onnx, numpy' 2>/dev/null; then py=$p; break; fi
  done
  [ -n "$py" ] || die "no python3 with onnx and numpy to generate the model (set MODEL_DIR)"
  MODEL_DIR="$OUT/minilm-shaped"
  if [ ! -f "$MODEL_DIR/onnx/model_fp16.onnx" ]; then
    say "generating the MiniLM-shaped model with $py"
    "$py" "$root/model/testmodel/gen_test_models.py" --preset minilm --fp16 \
      --tokenizer "$root/model/testmodel/tokenizer.json" --out "$MODEL_DIR" >/dev/null
  fi
fi

summary() { # summary NAME FILE
  python3 - "$1" "$2" <<'PY' 2>/dev/null || sed -n '1,200p' "$2"
import json, sys
r = json.load(open(sys.argv[2]))
keys = ["provider", "fp16", "batch_size", "unbatched_items_per_sec", "batched_items_per_sec", "speedup",
        "raw_items_per_sec", "runtime_items_per_sec", "runtime_overhead_pct", "padding_efficiency",
        "padding_efficiency_unsorted"]
print(sys.argv[1] + ": " + ", ".join("%s=%s" % (k, r.get(k)) for k in keys))
PY
}

run() { # run NAME ENV... -- ARGS...
  local name=$1; shift
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  say "running $name"
  if ! env "${envs[@]}" "$MASX_BIN" bench embed --model "$MODEL_DIR" --json "$@" $BENCH_ARGS >"$OUT/embed-$name.json" 2>"$OUT/embed-$name.log"; then
    tail -n 20 "$OUT/embed-$name.log" >&2
    return 1
  fi
  summary "$name" "$OUT/embed-$name.json"
}

status=0
run cuda-fp16 MASX_FORCE_GPU=1 MASX_FP16=1 BATCH_SIZE=64 -- --callers 64 || status=1
run cuda-fp32 MASX_FORCE_GPU=1 MASX_FP16=0 BATCH_SIZE=64 -- --callers 64 || status=1
run cuda-fp16-b256 MASX_FORCE_GPU=1 MASX_FP16=1 BATCH_SIZE=256 -- --callers 512 || status=1
run cpu MASX_FORCE_CPU=1 BATCH_SIZE=32 MASX_ORT_THREADS="${CPU_THREADS:-$(nproc)}" -- --callers 64 || status=1
# Seq2seq generation, `masx bench generate`, on CUDA and on the CPU. The
# OPUS-MT-shaped model (fp32 and _quantized files, about 1 GB) is generated
# into MASX_CACHE_DIR on first use with /usr/bin/python3's onnx; set
# GEN_MODEL_DIR to reuse one, GEN_ARGS for extra flags, SKIP_GENERATE=1 to
# leave this out. Writes $OUT/generate-<run>.json.
gen() { # gen NAME ENV...
  local name=$1; shift
  say "running generate-$name"
  if ! env "$@" "$MASX_BIN" bench generate --json ${GEN_MODEL_DIR:+--model "$GEN_MODEL_DIR"} ${GEN_ARGS:-} \
      >"$OUT/generate-$name.json" 2>"$OUT/generate-$name.log"; then
    tail -n 20 "$OUT/generate-$name.log" >&2
    return 1
  fi
  python3 - "$name" "$OUT/generate-$name.json" <<'PY' 2>/dev/null || sed -n '1,80p' "$OUT/generate-$name.json"
import json, sys
r = json.load(open(sys.argv[2]))
keys = ["provider", "tokens_per_sec_nocache", "tokens_per_sec_cache", "tokens_per_sec_batched", "tokens_per_sec_beam4",
        "cache_speedup", "batch_speedup", "runtime_overhead_pct", "int8_vs_fp32_batched"]
print("generate-" + sys.argv[1] + ": " + ", ".join("%s=%s" % (k, r.get(k)) for k in keys))
PY
}
if [ "${SKIP_GENERATE:-0}" != 1 ]; then
  gen cuda MASX_FORCE_GPU=1 MASX_FP16=0 || status=1
  gen cpu MASX_FORCE_CPU=1 MASX_ORT_THREADS="${CPU_THREADS:-$(nproc)}" || status=1
  [ -s "$OUT/generate-cuda.json" ] && ! grep -q '"provider": *"cuda"' "$OUT/generate-cuda.json" && { say "generate-cuda did not run on CUDA"; status=1; }
fi

for f in "$OUT"/embed-cuda-*.json; do
  [ -s "$f" ] && ! grep -q '"provider": *"cuda"' "$f" && { say "$f did not run on CUDA"; status=1; }
done
exit $status
