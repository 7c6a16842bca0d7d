#!/usr/bin/python3
"""Generate BERT-shaped ONNX sentence encoders with random weights.

masx cannot download real model weights on its build machines, yet the
loading, tokenising, batching and pooling code must run for real. This script
authors encoders from plain ONNX operators (Gather embeddings, LayerNorm,
masked multi-head attention, GELU feed-forward) so that ONNX Runtime runs the
same kind of graph a Hugging Face export produces:

    inputs  input_ids, attention_mask, token_type_ids   int64 [batch, seq]
    output  last_hidden_state                           float [batch, seq, hidden]

Batch and sequence axes are dynamic. Padded key positions get -10000 added to
their attention scores, so exp() underflows to exactly 0 in float32 and
padding cannot change the hidden states of real tokens: a text embedded alone
and inside a padded batch gives the same vectors.

The output folder has the layout of a Hugging Face model repository:

    DIR/config.json                 BERT config (sizes, max_position_embeddings)
    DIR/sentence_bert_config.json   max_seq_length, as sentence-transformers writes it
    DIR/tokenizer.json              copied from --tokenizer
    DIR/onnx/model.onnx             float32
    DIR/onnx/model_fp16.onnx        with --fp16: float16 weights and output
    DIR/golden.json                 with --golden: mean-pooled, normalised embeddings
                                    of fixed token ids, computed by a numpy
                                    evaluation of the same graph

Needs the onnx and numpy Python packages (Debian: python3-onnx python3-numpy).
Run with /usr/bin/python3. Same arguments and seed give byte-identical files.

    gen-test-models.py --preset tiny   --tokenizer tokenizer.json --out DIR
    gen-test-models.py --preset minilm --tokenizer tokenizer.json --out DIR [--fp16]
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRESETS = {
    # Small enough for unit tests (about 4 MB, most of it the word embeddings
    # for the real 30522-token MiniLM vocabulary).
    "tiny": dict(layers=2, hidden=32, heads=4, intermediate=64, vocab=30522, max_pos=512),
    # The shape of sentence-transformers/all-MiniLM-L6-v2 (about 90 MB).
    "minilm": dict(layers=6, hidden=384, heads=12, intermediate=1536, vocab=30522, max_pos=512),
}

OPSET = 17  # LayerNormalization exists from opset 17; onnx 1.12 writes up to 17.
MASK_VALUE = -10000.0


class Builder:
    def __init__(self, rng, dtype):
        self.rng = rng
        self.dtype = dtype  # numpy dtype of weights and activations
        self.nodes = []
        self.inits = []
        self.n = 0

    def name(self, base):
        self.n += 1
        return "%s_%d" % (base, self.n)

    def weight(self, base, shape, std=0.02, value=None):
        if value is None:
            arr = self.rng.normal(0.0, std, size=shape)
        else:
            arr = np.full(shape, value)
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(arr.astype(self.dtype), name))
        return name

    def const(self, base, arr):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(self, op_type, inputs, base=None, **attrs):
        out = self.name(base or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x, d_in, d_out, base):
        w = self.weight(base + "_w", (d_in, d_out))
        b = self.weight(base + "_b", (d_out,), value=0.0)
        return self.op("Add", [self.op("MatMul", [x, w]), b], base)

    def layer_norm(self, x, hidden, base):
        gamma = self.weight(base + "_gamma", (hidden,), value=1.0)
        beta = self.weight(base + "_beta", (hidden,), value=0.0)
        return self.op("LayerNormalization", [x, gamma, beta], base, axis=-1, epsilon=1e-12)

    def gelu(self, x):
        # Exact GELU, as BERT uses: 0.5 * x * (1 + erf(x / sqrt(2))).
        inv_sqrt2 = self.const("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), dtype=self.dtype))
        one = self.const("one", np.array(1.0, dtype=self.dtype))
        half = self.const("half", np.array(0.5, dtype=self.dtype))
        erf = self.op("Erf", [self.op("Mul", [x, inv_sqrt2])])
        return self.op("Mul", [self.op("Mul", [x, half]), self.op("Add", [erf, one])], "gelu")


def build(cfg, seed, fp16):
    dtype = np.float16 if fp16 else np.float32
    onnx_type = TensorProto.FLOAT16 if fp16 else TensorProto.FLOAT
    rng = np.random.default_rng(seed)
    b = Builder(rng, dtype)
    H, nh = cfg["hidden"], cfg["heads"]
    hd = H // nh

    # Embeddings: word + position + token type, then LayerNorm.
    word = b.weight("word_embeddings", (cfg["vocab"], H))
    pos = b.weight("position_embeddings", (cfg["max_pos"], H))
    typ = b.weight("token_type_embeddings", (2, H))
    shape = b.op("Shape", ["input_ids"])
    seq_len = b.op("Gather", [shape, b.const("idx1", np.array(1, dtype=np.int64))], "seq_len")
    positions = b.op("Range", [b.const("zero", np.array(0, dtype=np.int64)), seq_len,
                               b.const("step", np.array(1, dtype=np.int64))], "positions")
    x = b.op("Add", [b.op("Gather", [word, "input_ids"], "word_emb"),
                     b.op("Gather", [pos, positions], "pos_emb")])
    x = b.op("Add", [x, b.op("Gather", [typ, "token_type_ids"], "type_emb")])
    x = b.layer_norm(x, H, "emb_ln")

    # Additive key mask [batch, 1, 1, seq]: 0 for real tokens, -10000 for padding.
    m = b.op("Cast", ["attention_mask"], "mask_f", to=onnx_type)
    m = b.op("Sub", [b.const("one", np.array(1.0, dtype=dtype)), m])
    m = b.op("Mul", [m, b.const("mask_value", np.array(MASK_VALUE, dtype=dtype))])
    mask = b.op("Unsqueeze", [m, b.const("axes", np.array([1, 2], dtype=np.int64))], "key_mask")

    split_shape = b.const("split_shape", np.array([0, 0, nh, hd], dtype=np.int64))
    merge_shape = b.const("merge_shape", np.array([0, 0, H], dtype=np.int64))
    scale = b.const("scale", np.array(1.0 / np.sqrt(hd), dtype=dtype))
    for layer in range(cfg["layers"]):
        p = "l%d" % layer
        q = b.op("Transpose", [b.op("Reshape", [b.linear(x, H, H, p + "_q"), split_shape])], perm=[0, 2, 1, 3])
        k = b.op("Transpose", [b.op("Reshape", [b.linear(x, H, H, p + "_k"), split_shape])], perm=[0, 2, 3, 1])
        v = b.op("Transpose", [b.op("Reshape", [b.linear(x, H, H, p + "_v"), split_shape])], perm=[0, 2, 1, 3])
        scores = b.op("Add", [b.op("Mul", [b.op("MatMul", [q, k]), scale]), mask], p + "_scores")
        probs = b.op("Softmax", [scores], p + "_probs", axis=-1)
        ctx = b.op("Transpose", [b.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = b.op("Reshape", [ctx, merge_shape])
        attn = b.linear(ctx, H, H, p + "_attn_out")
        x = b.layer_norm(b.op("Add", [attn, x]), H, p + "_attn_ln")
        ff = b.gelu(b.linear(x, H, cfg["intermediate"], p + "_ffn_in"))
        ff = b.linear(ff, cfg["intermediate"], H, p + "_ffn_out")
        x = b.layer_norm(b.op("Add", [ff, x]), H, p + "_ffn_ln")
    b.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="last_hidden_state"))

    ids = lambda n: helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
    graph = helper.make_graph(
        b.nodes, "masx_bert_encoder",
        [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", onnx_type, ["batch", "sequence", H])],
        initializer=b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="masx gen-test-models", producer_version="1")
    model.ir_version = 8
    model.doc_string = "Random-weight BERT-shaped encoder for masx tests (seed %d)." % seed
    onnx.checker.check_model(model)
    return model


# Token id sequences the golden embeddings are computed for: "hello, world!",
# an empty text, a longer sentence, and a run of arbitrary ids.
GOLDEN_IDS = [
    [101, 7592, 1010, 2088, 999, 102],
    [101, 102],
    [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102],
    [101] + list(range(2000, 2040)) + [102],
]


def evaluate(model, feeds):
    """Run the graph with numpy, one node at a time: an independent check
    of what ONNX Runtime computes (onnx 1.12 has no reference evaluator)."""
    import math
    erf = np.vectorize(math.erf)
    env = dict(feeds)
    for init in model.graph.initializer:
        env[init.name] = numpy_helper.to_array(init).astype(np.float64) \
            if init.data_type in (TensorProto.FLOAT, TensorProto.FLOAT16) else numpy_helper.to_array(init)
    for n in model.graph.node:
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        i = [env[x] for x in n.input]
        t = n.op_type
        if t == "Shape":
            r = np.array(i[0].shape, dtype=np.int64)
        elif t == "Gather":
            r = np.take(i[0], i[1], axis=a.get("axis", 0))
        elif t == "Range":
            r = np.arange(i[0], i[1], i[2], dtype=np.int64)
        elif t == "Add":
            r = i[0] + i[1]
        elif t == "Sub":
            r = i[0] - i[1]
        elif t == "Mul":
            r = i[0] * i[1]
        elif t == "MatMul":
            r = np.matmul(i[0], i[1])
        elif t == "Cast":
            r = i[0].astype(np.float64)
        elif t == "Unsqueeze":
            r = np.expand_dims(i[0], tuple(int(x) for x in i[1]))
        elif t == "Reshape":
            shape = [i[0].shape[k] if d == 0 else int(d) for k, d in enumerate(i[1])]
            r = i[0].reshape(shape)
        elif t == "Transpose":
            r = np.transpose(i[0], a["perm"])
        elif t == "Softmax":
            e = np.exp(i[0] - i[0].max(axis=a.get("axis", -1), keepdims=True))
            r = e / e.sum(axis=a.get("axis", -1), keepdims=True)
        elif t == "Erf":
            r = erf(i[0])
        elif t == "LayerNormalization":
            mu = i[0].mean(axis=-1, keepdims=True)
            var = ((i[0] - mu) ** 2).mean(axis=-1, keepdims=True)
            r = (i[0] - mu) / np.sqrt(var + a.get("epsilon", 1e-5)) * i[1] + i[2]
        elif t == "Identity":
            r = i[0]
        else:
            raise SystemExit("evaluate: no numpy rule for %s" % t)
        env[n.output[0]] = r
    return env[model.graph.output[0].name]


def golden(model):
    """Mean-pooled, L2-normalised embeddings of GOLDEN_IDS, each run alone."""
    out = []
    for ids in GOLDEN_IDS:
        x = np.array([ids], dtype=np.int64)
        h = evaluate(model, {"input_ids": x, "attention_mask": np.ones_like(x),
                             "token_type_ids": np.zeros_like(x)})[0]
        v = h.mean(axis=0)
        out.append([float(f) for f in v / np.linalg.norm(v)])
    return {"ids": GOLDEN_IDS, "embeddings": out}


def save_atomic(model, path):
    d = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=d, suffix=".tmp")
    os.close(fd)
    try:
        onnx.save(model, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    ap.add_argument("--layers", type=int)
    ap.add_argument("--hidden", type=int)
    ap.add_argument("--heads", type=int)
    ap.add_argument("--intermediate", type=int)
    ap.add_argument("--vocab", type=int)
    ap.add_argument("--max-pos", type=int, dest="max_pos")
    ap.add_argument("--max-seq-length", type=int, default=256, dest="max_seq_length",
                    help="written to sentence_bert_config.json (default 256)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fp16", action="store_true", help="also write onnx/model_fp16.onnx")
    ap.add_argument("--golden", action="store_true",
                    help="also write golden.json: embeddings of fixed id sequences, computed with numpy")
    ap.add_argument("--tokenizer", required=True, help="tokenizer.json to copy into the folder")
    ap.add_argument("--out", required=True, help="output folder (created)")
    a = ap.parse_args(argv)

    cfg = dict(PRESETS[a.preset])
    for k in cfg:
        if getattr(a, k, None) is not None:
            cfg[k] = getattr(a, k)
    for k, v in cfg.items():
        if v <= 0:
            ap.error("--%s must be positive, got %d" % (k.replace("_", "-"), v))
    if cfg["hidden"] % cfg["heads"]:
        ap.error("--hidden %d is not a multiple of --heads %d" % (cfg["hidden"], cfg["heads"]))
    if not os.path.isfile(a.tokenizer):
        ap.error("--tokenizer %s: no such file" % a.tokenizer)

    os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
    fp32 = build(cfg, a.seed, False)
    save_atomic(fp32, os.path.join(a.out, "onnx", "model.onnx"))
    if a.golden:
        with open(os.path.join(a.out, "golden.json"), "w") as f:
            json.dump(golden(fp32), f)
            f.write("\n")
    if a.fp16:
        save_atomic(build(cfg, a.seed, True), os.path.join(a.out, "onnx", "model_fp16.onnx"))
    shutil.copyfile(a.tokenizer, os.path.join(a.out, "tokenizer.json"))
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": cfg["hidden"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["intermediate"],
        "vocab_size": cfg["vocab"],
        "max_position_embeddings": cfg["max_pos"],
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-12,
        "pad_token_id": 0,
        "torch_dtype": "float32",
        "masx_generated": {"preset": a.preset, "seed": a.seed},
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(a.out, "sentence_bert_config.json"), "w") as f:
        json.dump({"max_seq_length": a.max_seq_length, "do_lower_case": False}, f, indent=2)
        f.write("\n")
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
