// bench-spm-reference.mjs times the official tokenizers library (npm
// tokenizers@0.23.2, Rust inside) on the SentencePiece-family files of
// model/tokenizer/testdata, on the texts BenchmarkEncodeXLMR & co. use (the
// corpus paragraphs of 200 to 4,999 characters), so the Go benchmarks' CPU
// time per pass compares like with like. Run single-threaded:
//
//   RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \
//     node scripts/bench-spm-reference.mjs [FILE.json ...]
//
// It prints, per file, CPU ms and wall ms per pass over the texts (one
// encodeBatch call; the CPU time includes the node binding's own work).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

const npmDir = process.env.MASX_NPM_CACHE || path.join(os.homedir(), '.cache/masx/npm/tok');
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const td = path.join(repo, 'model/tokenizer/testdata');
const require = createRequire(path.join(npmDir, 'package.json'));
const { Tokenizer } = require('tokenizers');

const rows = zlib.gunzipSync(fs.readFileSync(path.join(td, 'xlmr_golden.jsonl.gz'))).toString('utf8')
  .split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
const texts = rows.map((r) => r.text).filter((t) => { const n = [...t].length; return n >= 200 && n < 5000; });
let files = process.argv.slice(2);
if (files.length === 0) files = ['xlmr', 'marian', 'nllb'].map((n) => path.join(td, `${n}_tokenizer.json`));
const passes = Number(process.env.PASSES || 10);
for (const f of files) {
  const tok = Tokenizer.fromFile(f);
  await tok.encodeBatch(texts); // warm up
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  for (let i = 0; i < passes; i++) await tok.encodeBatch(texts);
  const c = process.cpuUsage(c0);
  const wall = (performance.now() - w0) / passes;
  const cpu = (c.user + c.system) / 1000 / passes;
  console.log(`${path.basename(f)}: ${texts.length} texts, ${cpu.toFixed(1)} cpu-ms/pass, ${wall.toFixed(1)} wall-ms/pass`);
}
