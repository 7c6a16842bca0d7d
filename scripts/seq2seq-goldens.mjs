#!/usr/bin/env node
// scripts/seq2seq-goldens.mjs — greedy-decoding goldens for masx's seq2seq
// engine, from an independent implementation: transformers.js
// (@huggingface/transformers, with onnxruntime-node), run offline on the
// model folders model/testmodel/gen_seq2seq_models.py writes.
//
//   node scripts/seq2seq-goldens.mjs NAME=DIR... > model/seq2seq/testdata/goldens.json
//
// with NAME marian, nllb and bart and DIR the folders `go test
// ./model/seq2seq` generates: $MASX_CACHE_DIR/testmodels/s2s-NAME-tiny-HASH
// (TestGreedyMatchesTransformersJS names the HASH it expects).
//
// transformers.js is a test ORACLE only: masx never runs it. Install it with
// scripts/setup.sh (npm, --ignore-scripts, under $MASX_CACHE_DIR/npm/transformers)
// or point MASX_TRANSFORMERS_JS at its node_modules/@huggingface/transformers.
//
// For every greedy case in DIR/cases.json (num_beams 1) it runs
// model.generate() with the case's generation parameters and records the
// ids after the decoder start token. transformers.js has no real beam
// search, so beam cases are skipped here; the generator's numpy reference
// (references.json) covers them.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { pathToFileURL } from 'node:url';

const cache = process.env.MASX_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'masx');
const lib = process.env.MASX_TRANSFORMERS_JS ||
  path.join(cache, 'npm', 'transformers', 'node_modules', '@huggingface', 'transformers', 'dist', 'transformers.node.mjs');
const { env, AutoModelForSeq2SeqLM, Tensor } = await import(pathToFileURL(lib).href);

env.allowRemoteModels = false;
env.allowLocalModels = true;

const out = { oracle: 'transformers.js (@huggingface/transformers 4.3.1)', models: {} };
for (const arg of process.argv.slice(2)) {
  const eq = arg.indexOf('=');
  if (eq < 1) { console.error(`usage: seq2seq-goldens.mjs NAME=DIR..., got ${arg}`); process.exit(2); }
  const name = arg.slice(0, eq);
  const dir = path.resolve(arg.slice(eq + 1));
  env.localModelPath = path.dirname(dir) + path.sep;
  const model = await AutoModelForSeq2SeqLM.from_pretrained(path.basename(dir), { dtype: 'fp32', local_files_only: true });
  const cases = JSON.parse(fs.readFileSync(path.join(dir, 'cases.json'), 'utf8'));
  const res = [];
  for (const c of cases) {
    if (c.params.num_beams !== 1) continue;
    const width = Math.max(...c.srcs.map((s) => s.length));
    const ids = [], mask = [];
    for (const s of c.srcs) {
      for (let i = 0; i < width; i++) {
        ids.push(BigInt(i < s.length ? s[i] : c.params.pad_token_id));
        mask.push(BigInt(i < s.length ? 1 : 0));
      }
    }
    const dims = [c.srcs.length, width];
    const seqs = await model.generate({
      inputs: new Tensor('int64', BigInt64Array.from(ids), dims),
      attention_mask: new Tensor('int64', BigInt64Array.from(mask), dims),
      do_sample: false,
      ...c.params,
    });
    const rows = seqs.tolist().map((r) => {
      const ids = r.map(Number).slice(1); // drop the decoder start token
      const eos = ids.indexOf(c.params.eos_token_id);
      return eos >= 0 ? ids.slice(0, eos + 1) : ids; // rows that ended early are padded
    });
    res.push({ name: c.name, results: rows });
  }
  out.models[name] = { folder: path.basename(dir), cases: res };
  await model.dispose();
}
// One line per id list, so that a changed golden shows as one changed line.
const text = JSON.stringify(out, null, 1).replace(/\[[\d,\s-]*\]/g, (m) => m.replace(/\s+/g, ''));
process.stdout.write(text + '\n');
