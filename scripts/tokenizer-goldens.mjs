// tokenizer-goldens.mjs writes the texts and the golden encodings that
// model/tokenizer is proven exact against. The reference is the official
// Hugging Face tokenizers library (npm tokenizers@0.23.2, Rust inside), used
// here only as a test oracle: the Go code never calls it.
//
//   node scripts/tokenizer-goldens.mjs corpus
//       builds model/tokenizer/testdata/corpus.jsonl from the language-id
//       test paragraphs (34 languages), their sentences, and hostile cases.
//   node scripts/tokenizer-goldens.mjs golden --tokenizer FILE --out OUT.jsonl.gz [--pairs N] [--limit N]
//       encodes every corpus text with FILE and writes one JSON row per text:
//       {text, ids, tokens, offsets, type_ids, special_mask, plain_ids,
//        decoded, decoded_skip}; with --pairs N, N more rows carry "pair".
//   node scripts/tokenizer-goldens.mjs golden ... --truncate N [--strategy S] [--stride K]
//       [--direction Left|Right] [--pad N|longest] [--pad-multiple M] [--pad-direction Left|Right]
//       the same with truncation (S: LongestFirst, OnlyFirst, OnlySecond) and
//       padding set; each row also carries attention_mask, overflowing (the
//       windows truncation cut off, each with ids, tokens, offsets, type_ids,
//       special_mask, attention_mask) and the settings ("truncation",
//       "padding"), so the Go test configures itself from the row. Rows the
//       reference refuses (a text too short for OnlyFirst/OnlySecond) carry
//       "error" instead.
//   node scripts/tokenizer-goldens.mjs added
//       the MiniLM tokenizer with the added tokens of
//       model/tokenizer/testdata/added_tokens.json (special, normalized,
//       lstrip, rstrip, single_word in many combinations) spliced in, encoded
//       on texts written for them plus 300 corpus texts and 60 pairs:
//       model/tokenizer/testdata/minilm_added_tokens.jsonl.gz (the Go test
//       splices the same file).
//   node scripts/tokenizer-goldens.mjs decoders
//       writes model/tokenizer/testdata/decoders/<name>.json, small tokenizers
//       over one vocabulary whose tokens exercise every decoder (byte-level
//       stand-ins, <0xNN> byte tokens, ▁, </w>, ##), and next to each
//       <name>_decode.jsonl.gz: the reference's decoding (with and without
//       special tokens) of every id, every ordered pair of ids and 400
//       seeded random sequences.
//
// The library is installed by scripts/setup.sh into $MASX_NPM_CACHE
// (default ~/.cache/masx/npm/tok) with --ignore-scripts. Offsets from the
// library are in Unicode code points, the unit Go's runes give.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import zlib from 'node:zlib';

const npmDir = process.env.MASX_NPM_CACHE || path.join(os.homedir(), '.cache/masx/npm/tok');
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const corpusPath = path.join(repo, 'model/tokenizer/testdata/corpus.jsonl');

function readJSONL(p) {
  return fs.readFileSync(p, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

// clean mimics reading hostile bytes as UTF-8: lone surrogates become U+FFFD,
// as Go's strings.ToValidUTF8 / json decoding would make them.
function clean(s) {
  return Buffer.from(s, 'utf8').toString('utf8');
}

function hostile() {
  const t = [];
  const specials = ['<s>', '</s>', '<unk>', '<pad>', '<|begin_of_text|>', '<|endoftext|>', '[CLS]', '[SEP]', '<mask>', '<bos>', '<eos>', 'fra_Latn', '__en__', '<start_of_turn>'];
  for (const sp of specials) {
    t.push(`before ${sp} after`, `${sp}glued${sp}`, ` ${sp} `, `${sp}`);
  }
  t.push(
    '', ' ', '  ', '\t', '\n', '\r\n', ' \t \n ', '   leading spaces', 'trailing spaces   ', 'a    b\t\tc\n\nd',
    '👩‍👩‍👧‍👦 family', '👍🏽 thumbs 👍🏿', '🇺🇦🇵🇸🇮🇱 flags', '🚀🚀🚀', '❤️‍🔥 heart on fire',
    'e\u0301\u0302 combining', 'Zalgo: Z\u0351\u0352\u0353a\u0354\u0355l\u0356g\u0357o', 'ﬁ ﬂ ﬃ ligatures', 'ＡＢＣ１２３ full-width ＡＢＣ',
    'ﾊﾝｶｸ half-width katakana', 'مَرْحَبًا بِالْعَالَم', 'שָׁלוֹם עוֹלָם', '中华人民共和国外交部发言人', 'ภาษาไทยไม่มีช่องว่างระหว่างคำ',
    'हिन्दी में समाचार', 'Ελληνικά νέα', 'Қазақ тілі', 'ქართული ენა', 'Հայերեն', 'አማርኛ', 'ᐃᓄᒃᑎᑐᑦ', '한국어 뉴스 속보',
    'control\u0000nul', 'bell\u0007char', '\u0001\u0002\u0003\u001f', 'del\u007fchar', 'zero\u200bwidth\u200cjoin\u200d',
    'bom\ufeffinside', 'soft\u00adhyphen', 'rtl\u202emark\u202c', 'line\u2028sep\u2029para', 'nbsp\u00a0here', 'ideographic\u3000space',
    clean('lone \ud800 surrogate'), clean('tail \udfff'), '\ufffd replacement',
    'a'.repeat(10000), 'ab'.repeat(5000), 'é'.repeat(3000), '中'.repeat(3000), '🚀'.repeat(2000), '9'.repeat(10000),
    ' '.repeat(500), '\n'.repeat(200), '\t '.repeat(300), '...!!!???', "don't won't it's I'm we'll they've", 'CamelCaseWordsAndURLs https://example.org/a?b=c&d=e#f',
    'Numbers 1234567890 3.14159 1,000,000 -42 +7 1e10', 'email@example.com @user #hashtag $100 €50 £20 ¥1000', '(parentheses) [brackets] {braces} <angles>',
    '"quotes" \'single\' «guillemets» „low“ ‘curly’', 'x^2 + y_1 = z*3 / 4 % 5', 'TAB\tSEPARATED\tVALUES', 'MiXeD CaSe ÀÉÎÕÜ àéîõü',
    'Ǆǅǆ Ǉǈǉ titlecase', 'İstanbul ıi Iİ', 'straße STRASSE ß ẞ', 'Å Å Å angstrom forms', 'ｶﾞ ｷﾞ composed', '①②③ ⅠⅡⅢ ㈱',
  );
  return t;
}

function buildCorpus() {
  const dir = path.join(repo, 'nlp/langid/testdata');
  const rows = [];
  for (const f of fs.readdirSync(path.join(dir, 'paragraphs')).sort()) {
    rows.push(...readJSONL(path.join(dir, 'paragraphs', f)));
  }
  rows.push(...readJSONL(path.join(dir, 'other.jsonl')));
  const texts = [];
  const seen = new Set();
  const add = (s, lang) => {
    if (seen.has(s)) return;
    seen.add(s);
    texts.push({ lang, text: s });
  };
  for (const r of rows) add(r.text, r.lang);
  // Sentences and short fragments of every paragraph: most news input the
  // tokenizers see in windows is sentence-sized.
  for (const r of rows) {
    const parts = r.text.split(/(?<=[.!?。！？؟।])\s*/u).filter((s) => s.length > 0);
    for (const s of parts.slice(0, 2)) add(s, r.lang);
  }
  for (const s of hostile()) add(s, 'hostile');
  const out = texts.map((t) => JSON.stringify(t)).join('\n') + '\n';
  fs.writeFileSync(corpusPath, out);
  console.log(`corpus: ${texts.length} texts, ${new Set(texts.map((t) => t.lang)).size} languages/kinds -> ${corpusPath}`);
}

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

const addedTexts = [
  '<ent>', ' <ent> ', 'a <ent> b', 'a<ent>b', 'a  <ent>  b', '<e', '<entity>', '<e<ent>', 'x [NUM]  y', '[NUM][NUM]', '[NUM]\n\tz',
  'Mr. Smith', 'mr. smith', 'MR. SMITH', 'Mr.Smith', 'hello Mr. ', 'Mrs. Mr.', 'yes', 'yesterday', 'yes!', 'eyes yes', 'Yes yes',
  'New York', 'new york city', 'New Yorker', 'NewYork', 'Newton', 'NEW YORK', '##xyz', 'abc##xyz', 'ab', 'cab', 'ab c', ' ab',
  'x  ab', 'x ab!', 'AB', 'a spaced b', ' spaced ', 'a  spaced  b', '北京', '去北京了', '北 京', 'Éclair', 'eclair', ' éclair ',
  'un Éclair au café', '<SPECIAL_RAW>', 'a<SPECIAL_RAW>b', '<SPECIAL_RAW> x', 'x <SPECIAL_RAW>   y', 'hello world', 'say hello',
  'HELLO', 'don\'t', 'DON\'T stop', 'dont', '[MASK]', 'a [MASK]', 'a   [MASK] b', '[MASK][MASK]', 'Mr. <ent> [NUM] yes New York ab',
  '', ' ', '\u00a0<ent>\u00a0', 'ｙｅｓ', 'Ｍｒ.',
];

async function addedGolden() {
  const require = createRequire(path.join(npmDir, 'package.json'));
  const { Tokenizer } = require('tokenizers');
  const base = JSON.parse(fs.readFileSync(path.join(repo, 'model/tokenizer/testdata/minilm_tokenizer.json'), 'utf8'));
  base.added_tokens = JSON.parse(fs.readFileSync(path.join(repo, 'model/tokenizer/testdata/added_tokens.json'), 'utf8'));
  base.truncation = null;
  base.padding = null;
  const tmp = path.join(os.tmpdir(), `masx-added-${process.pid}.json`);
  fs.writeFileSync(tmp, JSON.stringify(base));
  const tok = Tokenizer.fromFile(tmp);
  fs.unlinkSync(tmp);
  const texts = [...addedTexts, ...readJSONL(corpusPath).map((r) => r.text).slice(0, 300)];
  const lines = [];
  const row = async (text, pair) => {
    const e = await tok.encode(text, pair ?? null, { addSpecialTokens: true });
    const p = await tok.encode(text, pair ?? null, { addSpecialTokens: false });
    const ids = e.getIds();
    const r = {
      text, ids, tokens: e.getTokens(), offsets: e.getOffsets(), type_ids: e.getTypeIds(), special_mask: e.getSpecialTokensMask(),
      plain_ids: p.getIds(), decoded: await tok.decode(ids, false), decoded_skip: await tok.decode(ids, true),
    };
    if (pair != null) r.pair = pair;
    lines.push(JSON.stringify(r));
  };
  for (const t of texts) await row(t);
  for (let i = 0; i < 60; i++) await row(addedTexts[i % addedTexts.length], addedTexts[(i * 7 + 3) % addedTexts.length]);
  const out = path.join(repo, 'model/tokenizer/testdata/minilm_added_tokens.jsonl.gz');
  fs.writeFileSync(out, zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
  console.log(`added: ${lines.length} rows -> ${out}`);
}

async function golden() {
  const require = createRequire(path.join(npmDir, 'package.json'));
  const { Tokenizer } = require('tokenizers');
  const file = arg('--tokenizer');
  const outPath = arg('--out');
  if (!file || !outPath) throw new Error('golden needs --tokenizer FILE --out OUT.jsonl.gz');
  const limit = Number(arg('--limit', '0'));
  const pairs = Number(arg('--pairs', '0'));
  const tok = Tokenizer.fromFile(file);
  // By default the goldens are the untruncated, unpadded encodings.
  tok.disablePadding();
  tok.disableTruncation();
  const settings = {};
  if (arg('--truncate')) {
    settings.truncation = {
      max_length: Number(arg('--truncate')),
      strategy: arg('--strategy', 'LongestFirst'),
      stride: Number(arg('--stride', '0')),
      direction: arg('--direction', 'Right'),
    };
    const t = settings.truncation;
    // The binding wants lower-case directions.
    tok.setTruncation(t.max_length, { strategy: t.strategy, stride: t.stride, direction: t.direction.toLowerCase() });
  }
  if (arg('--pad')) {
    const p = arg('--pad');
    settings.padding = { direction: arg('--pad-direction', 'Right') };
    if (p !== 'longest') settings.padding.max_length = Number(p);
    if (arg('--pad-multiple')) settings.padding.pad_to_multiple_of = Number(arg('--pad-multiple'));
    tok.setPadding({
      maxLength: settings.padding.max_length,
      direction: settings.padding.direction.toLowerCase(),
      padToMultipleOf: settings.padding.pad_to_multiple_of,
    });
  }
  const encFields = (e) => ({
    ids: e.getIds(),
    tokens: e.getTokens(),
    offsets: e.getOffsets(),
    type_ids: e.getTypeIds(),
    special_mask: e.getSpecialTokensMask(),
    attention_mask: e.getAttentionMask(),
  });
  let texts = readJSONL(corpusPath).map((r) => r.text);
  if (limit > 0) texts = texts.slice(0, limit);
  const lines = [];
  const row = async (text, pair) => {
    let e, p;
    try {
      e = await tok.encode(text, pair ?? null, { addSpecialTokens: true });
      p = await tok.encode(text, pair ?? null, { addSpecialTokens: false });
    } catch (err) {
      const r = { text, error: String(err.message || err), ...settings };
      if (pair != null) r.pair = pair;
      lines.push(JSON.stringify(r));
      return;
    }
    const ids = e.getIds();
    const r = {
      text,
      ids,
      tokens: e.getTokens(),
      offsets: e.getOffsets(),
      type_ids: e.getTypeIds(),
      special_mask: e.getSpecialTokensMask(),
      plain_ids: p.getIds(),
      decoded: await tok.decode(ids, false),
      decoded_skip: await tok.decode(ids, true),
    };
    if (pair != null) r.pair = pair;
    if (settings.truncation || settings.padding) {
      Object.assign(r, settings);
      r.attention_mask = e.getAttentionMask();
      r.overflowing = e.getOverflowing().map(encFields);
      r.plain_overflowing = p.getOverflowing().map((o) => o.getIds());
    }
    lines.push(JSON.stringify(r));
  };
  for (const t of texts) await row(t);
  for (let i = 0; i < pairs && i + 1 < texts.length; i++) await row(texts[i], texts[(i * 7 + 1) % texts.length]);
  fs.writeFileSync(outPath, zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
  console.log(`golden: ${lines.length} rows from ${file} -> ${outPath}`);
}

// decoderVocab is the vocabulary of the decoder fixtures: the tokens each
// decoder rewrites, plus plain ones around them.
const decoderVocab = [
  '[UNK]', '▁Hello', '▁world', '▁', '▁▁x', 'x▁y', '<0xE4>', '<0xB8>', '<0xAD>', '<0xFF>', '<0x41>', '<0x0A>',
  '<0x+F>', '<0xzz>', '<0xf0>', '<0x9F>', '<0x9A>', '<0x80>', 'ab</w>', 'cd</w>', 'e</w>f', '##ing', '##', 'Ġhello',
  'Ċ', 'Ã¤', 'ä', 'ä¸Ń', 'ð٤', 'ĸ', '中', ' ', '.', "'", "n't", 's', 'do', 'not', "'s", '?', ',', 'aab', 'baa',
  'aaa', 'a', '_', '__x', 'xx',
];

function decoderFixtures() {
  const dir = path.join(repo, 'model/tokenizer/testdata/decoders');
  fs.mkdirSync(dir, { recursive: true });
  const vocab = Object.fromEntries(decoderVocab.map((t, i) => [t, i]));
  const n = decoderVocab.length;
  const added = [
    { id: n, content: '[CLS]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    { id: n + 1, content: '<mask>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
    { id: n + 2, content: '▁Hello', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
  ];
  const ms = (extra) => ({ type: 'Metaspace', replacement: '▁', split: true, ...extra });
  const decoders = {
    none: null,
    bytelevel: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    metaspace_first: ms({ prepend_scheme: 'first' }),
    metaspace_always: ms({ prepend_scheme: 'always' }),
    metaspace_never: ms({ prepend_scheme: 'never' }),
    metaspace_legacy: { type: 'Metaspace', replacement: '▁', add_prefix_space: true },
    metaspace_legacy_never: { type: 'Metaspace', replacement: '▁', add_prefix_space: false, prepend_scheme: 'never' },
    metaspace_underscore: { type: 'Metaspace', replacement: '_', prepend_scheme: 'always', split: false },
    wordpiece: { type: 'WordPiece', prefix: '##', cleanup: true },
    wordpiece_nocleanup: { type: 'WordPiece', prefix: '##', cleanup: false },
    bpe: { type: 'BPEDecoder', suffix: '</w>' },
    bytefallback: { type: 'ByteFallback' },
    fuse: { type: 'Fuse' },
    // Strip is kept off cuts that cross (a token of nothing but the content,
    // shorter than start+stop): the reference panics there.
    strip: { type: 'Strip', content: 'b', start: 2, stop: 1 },
    replace_string: { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
    replace_regex: { type: 'Replace', pattern: { Regex: 'a+|x' }, content: '-' },
    llama2: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    bytelevel_fallback: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }] },
  };
  const require = createRequire(path.join(npmDir, 'package.json'));
  const { Tokenizer } = require('tokenizers');
  let seed = 12345;
  const rnd = (k) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % k;
  };
  const seqs = [];
  const total = n + added.length;
  for (let i = 0; i < total; i++) seqs.push([i]);
  for (let i = 0; i < total; i++) for (let j = 0; j < total; j++) seqs.push([i, j]);
  for (let k = 0; k < 400; k++) {
    const len = 1 + rnd(8);
    const s = [];
    for (let i = 0; i < len; i++) s.push(rnd(total));
    seqs.push(s);
  }
  return (async () => {
    for (const [name, dec] of Object.entries(decoders)) {
      const file = path.join(dir, `${name}.json`);
      const tj = {
        version: '1.0', truncation: null, padding: null, added_tokens: added, normalizer: null,
        pre_tokenizer: { type: 'WhitespaceSplit' }, post_processor: null, decoder: dec,
        model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
      };
      fs.writeFileSync(file, JSON.stringify(tj, null, 1) + '\n');
      const tok = Tokenizer.fromFile(file);
      const lines = [];
      // The reference drops ids it has no token for (here the special
      // "▁Hello" whose content is already in the vocabulary takes the
      // vocabulary's id, leaving its file id unused); masx reports them, so
      // they are listed apart and left out of the sequences.
      const unknown = new Set();
      for (let i = 0; i < total; i++) if (tok.idToToken(i) == null) unknown.add(i);
      for (const id of unknown) lines.push(JSON.stringify({ ids: [id], unknown: true }));
      for (const ids of seqs) {
        if (ids.some((id) => unknown.has(id))) continue;
        lines.push(JSON.stringify({ ids, decoded: await tok.decode(ids, false), decoded_skip: await tok.decode(ids, true) }));
      }
      fs.writeFileSync(path.join(dir, `${name}_decode.jsonl.gz`), zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
      console.log(`decoders: ${name}: ${lines.length} rows`);
    }
  })();
}

const cmd = process.argv[2];
if (cmd === 'corpus') buildCorpus();
else if (cmd === 'golden') await golden();
else if (cmd === 'decoders') await decoderFixtures();
else if (cmd === 'added') await addedGolden();
else {
  console.error('usage: tokenizer-goldens.mjs corpus | decoders | added | golden --tokenizer FILE --out OUT.jsonl.gz [--pairs N] [--limit N]');
  process.exit(2);
}
