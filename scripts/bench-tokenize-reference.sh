#!/usr/bin/env bash
# bench-tokenize-reference.sh times masx's tokenizer (masx bench tokenize)
# and the official Rust tokenizers library (npm tokenizers@0.23.2, its node
# binding) in the same run, on the same 256-text batches of news paragraphs
# and the same tokenizer.json files, both on one thread, and prints the
# throughput of each and the ratio masx / Rust per family.
#
#   scripts/bench-tokenize-reference.sh [DURATION]   (default 3s per family and side)
#
# The Rust side runs with RAYON_NUM_THREADS=1 and TOKENIZERS_PARALLELISM=false
# and calls Tokenizer.encodeBatch(batch, {addSpecialTokens: true}) once per
# batch (the binding's batch call: one crossing into Rust per 256 texts, so
# JavaScript overhead is small), truncation and padding off, as masx's
# EncodeBatch runs. The Go side runs with GOMAXPROCS 1. Families whose file
# is missing are skipped on both sides (scripts/setup.sh fills the cache).
#
# Both sides report wall-clock rates and rates per CPU-second of the whole
# process (every thread: GC, the binding's worker thread); on a shared,
# busy machine the CPU-second ratio is the one to quote.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-3s}"
npm_dir="${MASX_NPM_CACHE:-${MASX_CACHE_DIR:-$HOME/.cache/masx}/npm/tok}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/masx" ./cmd/masx
"$tmp/masx" bench tokenize --list >"$tmp/families.tsv"
"$tmp/masx" bench tokenize --dump-batches >"$tmp/batches.jsonl"
echo "masx (Go, GOMAXPROCS 1), $duration per family..." >&2
"$tmp/masx" bench tokenize --json --duration "$duration" >"$tmp/go.json"

echo "Rust tokenizers (RAYON_NUM_THREADS=1), $duration per family..." >&2
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false NPM_DIR="$npm_dir" DURATION="$duration" \
  node --input-type=module - "$tmp/families.tsv" "$tmp/batches.jsonl" "$tmp/go.json" <<'JS'
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
const [familiesPath, batchesPath, goPath] = process.argv.slice(2);
const require = createRequire(path.join(process.env.NPM_DIR, 'package.json'));
const { Tokenizer } = require('tokenizers');
const d = process.env.DURATION;
const seconds = d.endsWith('ms') ? Number(d.slice(0, -2)) / 1000 : d.endsWith('m') ? Number(d.slice(0, -1)) * 60 : Number(d.replace(/s$/, ''));
const batches = fs.readFileSync(batchesPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
console.error(`load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`);
const go = Object.fromEntries(JSON.parse(fs.readFileSync(goPath, 'utf8')).results.map((r) => [r.family, r]));
const rows = [];
for (const line of fs.readFileSync(familiesPath, 'utf8').trim().split('\n')) {
  const [name, file] = line.split('\t');
  if (!fs.existsSync(file)) { rows.push({ name, skipped: true }); continue; }
  const tok = Tokenizer.fromFile(file);
  tok.disableTruncation();
  tok.disablePadding();
  await tok.encodeBatch(batches[0], { addSpecialTokens: true });
  let texts = 0, bytes = 0, tokens = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  do {
    for (const b of batches) {
      const encs = await tok.encodeBatch(b, { addSpecialTokens: true });
      for (const e of encs) tokens += e.getLength();
      texts += b.length;
      for (const s of b) bytes += Buffer.byteLength(s);
    }
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  } while (elapsed < seconds);
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  rows.push({ name, texts: texts / elapsed, mb: bytes / 1e6 / elapsed, cpuTexts: texts / cpu, cpuMB: bytes / 1e6 / cpu });
}
const pad = (s, n) => String(s).padEnd(n);
console.log(pad('FAMILY', 26) + pad('MASX TEXTS/S', 14) + pad('RUST TEXTS/S', 14) + pad('RATIO', 8) +
  pad('MASX TEXTS/CPU-S', 18) + pad('RUST TEXTS/CPU-S', 18) + pad('MASX MB/CPU-S', 15) + pad('RUST MB/CPU-S', 15) + 'MASX/RUST (CPU)');
for (const r of rows) {
  const g = go[r.name];
  if (r.skipped || !g || g.skipped) { console.log(pad(r.name, 26) + 'skipped (tokenizer.json missing)'); continue; }
  console.log(pad(r.name, 26) + pad(g.texts_per_sec.toFixed(0), 14) + pad(r.texts.toFixed(0), 14) +
    pad((g.texts_per_sec / r.texts).toFixed(2) + 'x', 8) + pad(g.texts_per_cpu_sec.toFixed(0), 18) + pad(r.cpuTexts.toFixed(0), 18) +
    pad(g.mb_per_cpu_sec.toFixed(2), 15) + pad(r.cpuMB.toFixed(2), 15) + (g.texts_per_cpu_sec / r.cpuTexts).toFixed(2) + 'x');
}
JS
