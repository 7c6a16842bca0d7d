#!/usr/bin/python3
"""gen-spm-tokenizers.py builds the SentencePiece-family tokenizer.json files
that model/tokenizer is proven exact on, their goldens, and the cross-check
against SentencePiece itself. Run it with Debian's python3 (it needs
python3-sentencepiece and python3-protobuf) from the repository root:

    /usr/bin/python3 scripts/gen-spm-tokenizers.py [--only xlmr,marian,nllb,unigram_bytefallback,wordlevel] [--no-goldens]

No public model of these families ships as an npm package, so each is built
from real components, the way Hugging Face's own converters
(transformers/convert_slow_tokenizer.py: XLMRobertaConverter, NllbConverter,
SpmConverter) build a tokenizer.json from a SentencePiece model:

 1. Training text: every paragraph of nlp/langid/testdata (34 languages,
    written for the repo), one per line.
 2. spm_train (Debian sentencepiece) with deterministic flags: no input
    shuffling, one thread, a fixed random seed, vocabulary size 8000,
    character coverage 0.9995 (rare characters stay unknown, so the unknown
    path is exercised). The pieces are the same on every run; only the
    model_prefix recorded in the proto differs, and it is not used.
      - xlmr:   --model_type=unigram --normalization_rule_name=nmt_nfkc
      - marian: --model_type=unigram --normalization_rule_name=identity,
                ids as Marian's vocabularies have them (</s>=0, <unk>=1,
                no <s>), so the model has no charsmap (precompiled_charsmap
                empty, as the brief's "null" shape) and <pad> is appended.
      - nllb:   --model_type=bpe --normalization_rule_name=nmt_nfkc
 3. Conversion, reading the model proto with sentencepiece_model_pb2:
      - xlmr: Unigram model over [<s>, <pad>, </s>, <unk>] + pieces[3:] +
        [<mask>] (fairseq's id shift of 1), unk_id 3; normalizer
        Sequence[Precompiled(charsmap), Strip(right), Replace(" {2,}", "▁")];
        Metaspace pre-tokenizer and decoder (prepend_scheme always);
        TemplateProcessing "<s> $A </s>" ("<s> $A </s> </s> $B </s>" for
        pairs); special added tokens, <mask> with lstrip as XLM-R has it.
      - marian: Unigram over the pieces + [<pad>], unk_id 1; normalizer
        Sequence[Strip(right), Replace(" {2,}", "▁")] (SpmConverter's branch
        for a model without charsmap); Metaspace; TemplateProcessing
        "$A </s>" (Marian appends </s>).
      - nllb: BPE over [<s>, <pad>, </s>, <unk>] + pieces[3:], merges
        extracted as transformers' SentencePieceExtractor does (every split
        of a piece into two vocabulary pieces, ordered by the piece's score),
        unk_token <unk>, fuse_unk; the same normalizer as xlmr; Metaspace;
        TemplateProcessing "fra_Latn $A </s>" with language codes added as
        special tokens after the vocabulary, as NLLB's file has them.
 4. Goldens: scripts/tokenizer-goldens.mjs (the official tokenizers library)
    encodes the 2,045 corpus texts with each file.
 5. Cross-check: SentencePiece's own ids (spm_encode --output_format=id for
    texts without line breaks, which spm_encode reads one per line; the same
    library through python3-sentencepiece for the others) are compared with
    the Rust library's ids without special tokens, mapped back to spm ids.
    The differences are written to model/tokenizer/testdata/spm_crosscheck.md.
"""

import argparse
import base64
import gzip
import json
import os
import subprocess
import sys
import tempfile

from sentencepiece import sentencepiece_model_pb2 as pb
import sentencepiece as spm

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
TESTDATA = os.path.join(REPO, 'model/tokenizer/testdata')
LANGID = os.path.join(REPO, 'nlp/langid/testdata')
VOCAB_SIZE = 8000
NLLB_LANGS = ['ara_Arab', 'deu_Latn', 'eng_Latn', 'fra_Latn', 'hin_Deva', 'rus_Cyrl', 'spa_Latn', 'zho_Hans']


def training_text(path):
    """Step 1: one paragraph per line, in file order."""
    files = sorted(os.listdir(os.path.join(LANGID, 'paragraphs')))
    paths = [os.path.join(LANGID, 'paragraphs', f) for f in files] + [os.path.join(LANGID, 'other.jsonl')]
    with open(path, 'w', encoding='utf-8') as out:
        for p in paths:
            with open(p, encoding='utf-8') as f:
                for line in f:
                    if line.strip():
                        text = json.loads(line)['text'].replace('\r', ' ').replace('\n', ' ')
                        out.write(text + '\n')


def train(text, prefix, model_type, rule, extra=()):
    """Step 2: spm_train with deterministic flags."""
    cmd = ['spm_train', f'--input={text}', f'--model_prefix={prefix}', f'--model_type={model_type}',
           f'--vocab_size={VOCAB_SIZE}', f'--normalization_rule_name={rule}',
           '--input_sentence_size=1000000', '--shuffle_input_sentence=false', '--num_threads=1',
           '--random_seed=1', '--character_coverage=0.9995', '--minloglevel=2', *extra]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    m = pb.ModelProto()
    with open(prefix + '.model', 'rb') as f:
        m.ParseFromString(f.read())
    return m


def added(id_, content, lstrip=False):
    return {'id': id_, 'content': content, 'single_word': False, 'lstrip': lstrip, 'rstrip': False,
            'normalized': False, 'special': True}


def spm_normalizer(proto):
    """SpmConverter.normalizer: Precompiled when the model has a charsmap."""
    seq = [{'type': 'Strip', 'strip_left': False, 'strip_right': True},
           {'type': 'Replace', 'pattern': {'Regex': ' {2,}'}, 'content': '▁'}]
    cm = proto.normalizer_spec.precompiled_charsmap
    if cm:
        seq.insert(0, {'type': 'Precompiled', 'precompiled_charsmap': base64.b64encode(cm).decode('ascii')})
    return {'type': 'Sequence', 'normalizers': seq}


def metaspace():
    return {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True}


def template(single, pair, specials):
    def parse(s):
        out = []
        for item in s.split():
            name, _, tid = item.partition(':')
            tid = int(tid or 0)
            if name in ('$A', '$B'):
                out.append({'Sequence': {'id': name[1:], 'type_id': tid}})
            else:
                out.append({'SpecialToken': {'id': name, 'type_id': tid}})
        return out
    return {'type': 'TemplateProcessing', 'single': parse(single), 'pair': parse(pair),
            'special_tokens': {t: {'id': t, 'ids': [i], 'tokens': [t]} for t, i in specials}}


def tokenizer_json(added_tokens, normalizer, model, post):
    return {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added_tokens,
            'normalizer': normalizer, 'pre_tokenizer': metaspace(), 'post_processor': post,
            'decoder': metaspace(), 'model': model}


def convert_xlmr(proto):
    """Step 3, XLMRobertaConverter."""
    vocab = [['<s>', 0.0], ['<pad>', 0.0], ['</s>', 0.0], ['<unk>', 0.0]]
    vocab += [[p.piece, p.score] for p in proto.pieces[3:]]
    vocab.append(['<mask>', 0.0])
    mask = len(vocab) - 1
    toks = [added(0, '<s>'), added(1, '<pad>'), added(2, '</s>'), added(3, '<unk>'), added(mask, '<mask>', lstrip=True)]
    post = template('<s>:0 $A:0 </s>:0', '<s>:0 $A:0 </s>:0 </s>:0 $B:0 </s>:0', [('<s>', 0), ('</s>', 2)])
    model = {'type': 'Unigram', 'unk_id': 3, 'vocab': vocab, 'byte_fallback': False}
    # HF id = spm id + 1 for ordinary pieces; spm's <unk> (0) is HF's 3.
    to_spm = {i: i - 1 for i in range(4, len(vocab) - 1)}
    to_spm[3] = 0
    return tokenizer_json(toks, spm_normalizer(proto), model, post), to_spm


def convert_marian(proto):
    """Step 3, Marian: spm ids kept, <pad> appended, </s> after the text."""
    vocab = [[p.piece, p.score] for p in proto.pieces]
    vocab.append(['<pad>', 0.0])
    pad = len(vocab) - 1
    toks = [added(0, '</s>'), added(1, '<unk>'), added(pad, '<pad>')]
    post = template('$A:0 </s>:0', '$A:0 $B:0 </s>:0', [('</s>', 0)])
    model = {'type': 'Unigram', 'unk_id': 1, 'vocab': vocab, 'byte_fallback': False}
    return tokenizer_json(toks, spm_normalizer(proto), model, post), {i: i for i in range(len(vocab) - 1)}


def convert_unigram_bytefallback(proto):
    """Step 3, a Unigram model trained with --byte_fallback (pieces <0x00>
    to <0xFF>): unknown characters become their byte tokens. Shaped like
    xlmr otherwise, with the decoder SpmConverter gives byte-fallback
    models."""
    tok, to_spm = convert_xlmr(proto)
    tok['model']['byte_fallback'] = True
    tok['decoder'] = {'type': 'Sequence', 'decoders': [
        {'type': 'Replace', 'pattern': {'String': '▁'}, 'content': ' '},
        {'type': 'ByteFallback'}, {'type': 'Fuse'}, {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0}]}
    return tok, to_spm


def wordlevel_files(text):
    """WordLevel over the 3,000 commonest ▁-words of the training text, with
    three Metaspace configurations: prepend_scheme first (a piece after an
    added token gets no ▁), the legacy add_prefix_space true (always), and
    add_prefix_space false with prepend_scheme never and split off (one word
    per piece; tokenizers refuses add_prefix_space false with any other
    scheme, the default always included)."""
    counts = {}
    with open(text, encoding='utf-8') as f:
        for line in f:
            for w in line.split():
                counts['▁' + w] = counts.get('▁' + w, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))[:3000]
    vocab = {'<unk>': 0, '<s>': 1, '</s>': 2}
    for w in words:
        vocab.setdefault(w, len(vocab))
    # The corpus has "<s>glued<s>": with both spellings in the vocabulary
    # the goldens tell "first" (no ▁ after an added token) from "always".
    for w in ('glued', '▁glued', 'after', 'before'):
        vocab.setdefault(w, len(vocab))
    toks = [added(1, '<s>'), added(2, '</s>')]
    model = {'type': 'WordLevel', 'vocab': vocab, 'unk_token': '<unk>'}
    variants = {
        'wordlevel_first': {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'first', 'split': True},
        'wordlevel_legacy': {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': True},
        'wordlevel_nosplit': {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': False,
                              'prepend_scheme': 'never', 'split': False},
    }
    out = {}
    for name, pre in variants.items():
        out[name] = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': toks,
                     'normalizer': None, 'pre_tokenizer': pre, 'post_processor': None,
                     'decoder': {'type': 'Metaspace', 'replacement': '▁', 'prepend_scheme': 'always', 'split': True},
                     'model': model}
    return out


def extract_merges(vocab_scores, vocab):
    """transformers' SentencePieceExtractor: every split of a piece into two
    vocabulary pieces is a merge, ordered by the piece's score (highest
    first), ties by the ids of the two halves."""
    merges = []
    for piece, score in vocab_scores:
        local = []
        for i in range(1, len(piece)):
            left, right = piece[:i], piece[i:]
            if left in vocab and right in vocab:
                local.append((left, right, score))
        local.sort(key=lambda x: (vocab[x[0]], vocab[x[1]]))
        merges.extend(local)
    merges.sort(key=lambda x: x[2], reverse=True)
    return [[a, b] for a, b, _ in merges]


def convert_nllb(proto):
    """Step 3, NllbConverter."""
    vocab_scores = [('<s>', 0.0), ('<pad>', 0.0), ('</s>', 0.0), ('<unk>', 0.0)]
    vocab_scores += [(p.piece, p.score) for p in proto.pieces[3:]]
    vocab = {}
    for i, (p, _) in enumerate(vocab_scores):
        vocab.setdefault(p, i)
    merges = extract_merges(vocab_scores, vocab)
    n = len(vocab_scores)
    toks = [added(0, '<s>'), added(1, '<pad>'), added(2, '</s>'), added(3, '<unk>')]
    lang_ids = {}
    for i, lang in enumerate(NLLB_LANGS):
        lang_ids[lang] = n + i
        toks.append(added(n + i, lang))
    toks.append(added(n + len(NLLB_LANGS), '<mask>'))
    post = template('fra_Latn:0 $A:0 </s>:0', 'fra_Latn:0 $A:0 $B:0 </s>:0', [('fra_Latn', lang_ids['fra_Latn']), ('</s>', 2)])
    model = {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
             'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': False, 'ignore_merges': False,
             'vocab': vocab, 'merges': merges}
    to_spm = {i: i - 1 for i in range(4, n)}
    to_spm[3] = 0
    return tokenizer_json(toks, spm_normalizer(proto), model, post), to_spm


def write_json(obj, path):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, ensure_ascii=False, separators=(',', ':'))
        f.write('\n')


def goldens(tok_path, out_path):
    """Step 4: the official library encodes the corpus."""
    subprocess.run(['node', os.path.join(REPO, 'scripts/tokenizer-goldens.mjs'), 'golden',
                    '--tokenizer', tok_path, '--out', out_path], check=True)


def crosscheck(name, model_path, golden_path, to_spm):
    """Step 5: SentencePiece's ids against the Rust library's plain ids."""
    with gzip.open(golden_path, 'rt', encoding='utf-8') as f:
        rows = [json.loads(line) for line in f if line.strip()]
    sp = spm.SentencePieceProcessor(model_file=model_path)
    line_safe = [i for i, r in enumerate(rows) if '\n' not in r['text']]
    ids = {}
    inp = '\n'.join(rows[i]['text'] for i in line_safe) + '\n'
    out = subprocess.run(['spm_encode', f'--model={model_path}', '--output_format=id'], input=inp.encode('utf-8'),
                         stdout=subprocess.PIPE, check=True).stdout.decode('utf-8').split('\n')
    for k, i in enumerate(line_safe):
        ids[i] = [int(x) for x in out[k].split()]
    for i, r in enumerate(rows):
        if i not in ids:
            ids[i] = sp.encode(r['text'])
    diffs = []
    for i, r in enumerate(rows):
        hf = [to_spm.get(x, ('added', x)) for x in r['plain_ids']]
        if hf != ids[i]:
            diffs.append((i, r, ids[i], hf))
    return len(rows), len(line_safe), diffs


def describe(diffs, sp, added_contents):
    """The differences, those explained by added tokens counted apart (the
    reference matches <s>, </s>, <unk>, <pad>, <mask>, fra_Latn as added
    tokens; SentencePiece encodes them as text), the others listed."""
    by_added = [d for d in diffs if any(a in d[1]['text'] for a in added_contents)]
    other = [d for d in diffs if d not in by_added]
    lines = [f'- {len(by_added)} texts contain an added-token string (tokenizers matches it as one token, '
             'SentencePiece encodes it as text).']
    if other:
        lines.append(f'- {len(other)} other texts:')
    for i, r, want, got in other:
        t = r['text'] if len(r['text']) < 90 else r['text'][:90] + '…'
        # Show the tokens around the first difference.
        k = next((j for j in range(min(len(want), len(got))) if want[j] != got[j]), min(len(want), len(got)))
        lo = max(0, k - 3)
        lines.append(f'  - row {i} `{json.dumps(t, ensure_ascii=False)}` from token {lo}: '
                     f'spm {[sp.id_to_piece(x) for x in want[lo:lo + 8]]} vs '
                     f'tokenizers {[sp.id_to_piece(x) if isinstance(x, int) else x[1] for x in got[lo:lo + 8]]}')
    return lines


WHY = """
Why the other texts differ (each case checked by hand; the Go tokenizer
follows tokenizers in all of them, the goldens prove it):

- Grapheme-first lookup. tokenizers' Precompiled looks a grapheme cluster
  shorter than 6 bytes up whole and replaces the whole cluster with the rule
  of its shortest matching prefix: "e + U+0301 + U+0302" becomes "é" and the
  U+0302 is dropped. SentencePiece applies the longest rule and keeps the
  U+0302 (an unknown piece or its bytes).
- Clusters of 6 bytes or more are looked up character by character in
  tokenizers: half-width "ｶﾞ" (two 3-byte characters) never meets the rule
  that composes it into "ガ", so the voiced mark stays (unknown).
- Ties. Segmentations with the same pieces in another order ("0"+"00" and
  "00"+"0" for "000") score the same up to rounding; tokenizers keeps the
  path found first (the earliest start) unless another is strictly better,
  SentencePiece's lattice picks the other one.
- Whitespace without a charsmap (marian). The converter's Strip(right)
  normalizer removes every trailing Unicode whitespace (tab, newline), while
  SentencePiece's identity rule only trims spaces and keeps a tab or
  newline as an unknown piece.
- Special-token and template ids are outside the comparison: it uses the
  ids without special tokens, mapped back to SentencePiece's ids (the
  converters shift them by one for <s>, <pad>, </s>, <unk>).
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', default='xlmr,marian,nllb,unigram_bytefallback,wordlevel')
    ap.add_argument('--no-goldens', action='store_true')
    args = ap.parse_args()
    only = set(args.only.split(','))
    report = ['# SentencePiece cross-check', '',
              'Written by scripts/gen-spm-tokenizers.py: for every corpus text, the ids of SentencePiece itself',
              '(spm_encode, or python3-sentencepiece for texts spm_encode would read as several lines) against',
              'the ids the official tokenizers library gives the converted tokenizer.json without special tokens,',
              'mapped back to SentencePiece ids. Added tokens are shown as (added, id).', WHY]
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, 'train.txt')
        training_text(text)
        builds = {
            'xlmr': ('unigram', 'nmt_nfkc', (), convert_xlmr),
            'marian': ('unigram', 'identity', ('--eos_id=0', '--unk_id=1', '--bos_id=-1', '--pad_id=-1'), convert_marian),
            'nllb': ('bpe', 'nmt_nfkc', (), convert_nllb),
            'unigram_bytefallback': ('unigram', 'nmt_nfkc', ('--byte_fallback=true',), convert_unigram_bytefallback),
        }
        for name, (mtype, rule, extra, convert) in builds.items():
            if name not in only:
                continue
            prefix = os.path.join(tmp, name)
            proto = train(text, prefix, mtype, rule, extra)
            tok, to_spm = convert(proto)
            tok_path = os.path.join(TESTDATA, f'{name}_tokenizer.json')
            write_json(tok, tok_path)
            print(f'{name}: {len(proto.pieces)} pieces -> {tok_path} ({os.path.getsize(tok_path)} bytes)')
            if args.no_goldens:
                continue
            golden_path = os.path.join(TESTDATA, f'{name}_golden.jsonl.gz')
            goldens(tok_path, golden_path)
            n, nsafe, diffs = crosscheck(name, prefix + '.model', golden_path, to_spm)
            sp = spm.SentencePieceProcessor(model_file=prefix + '.model')
            print(f'{name}: {n - len(diffs)}/{n} texts give the same ids as SentencePiece')
            contents = [a['content'] for a in tok['added_tokens']]
            report += [f'## {name}', '', f'{n - len(diffs)} of {n} texts agree ({nsafe} through spm_encode).', '']
            report += describe(diffs, sp, contents) + ['']
        if 'wordlevel' in only:
            for name, tok in wordlevel_files(text).items():
                tok_path = os.path.join(TESTDATA, f'{name}_tokenizer.json')
                write_json(tok, tok_path)
                if not args.no_goldens:
                    goldens(tok_path, os.path.join(TESTDATA, f'{name}_golden.jsonl.gz'))
    # The report covers all four SentencePiece builds; a partial run leaves it.
    if not args.no_goldens and only >= {'xlmr', 'marian', 'nllb', 'unigram_bytefallback'}:
        with open(os.path.join(TESTDATA, 'spm_crosscheck.md'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(report) + '\n')


if __name__ == '__main__':
    sys.exit(main())
