#!/usr/bin/python3
"""Generate encoder-decoder (seq2seq) ONNX models with random weights.

masx cannot download real translation or summarisation weights on its build
machines, yet its generation engine must load and run the exact files a
Hugging Face Optimum export (the Xenova/... repositories) ships. This script
writes such a folder, with the exporter's input and output names:

    onnx/encoder_model.onnx
        input_ids, attention_mask                  int64 [batch, src]
        -> last_hidden_state                       float [batch, src, d_model]
    onnx/decoder_model.onnx             (layout "pair" or "both")
        encoder_attention_mask, input_ids, encoder_hidden_states
        -> logits, present.{i}.decoder.key|value, present.{i}.encoder.key|value
    onnx/decoder_with_past_model.onnx   (layout "pair" or "both")
        encoder_attention_mask, input_ids, past_key_values.{i}.{decoder,encoder}.{key,value}
        -> logits, present.{i}.decoder.key|value
    onnx/decoder_model_merged.onnx      (layout "merged" or "both")
        all of the above inputs plus use_cache_branch (bool [1]); an If node
        runs the with-past branch when it is true. That branch returns empty
        present.{i}.encoder.* tensors ([0, heads, 1, head_dim]), as Optimum's
        merged decoders do: callers keep the cross-attention K/V of step 0.
    onnx/*_quantized.onnx               (--quantize) dynamic int8 weights
    config.json, generation_config.json, cases.json, references.json

Past tensors are [batch, heads, length, head_dim]. The decoder has no
position or attention-mask input: positions start at the past length.

The architecture is a post-LayerNorm transformer (BART/Marian shape):
learned positions, ReLU feed-forward, a separate LM head plus
final_logits_bias. Weights are scaled so that greedy decoding does NOT
collapse into one repeated token (a tiny random model's usual failure): the
embeddings are large against the attention weights, so the next token
depends on the current token, its position and the source.

references.json holds, for every case in cases.json, the output of a numpy
implementation (full recompute every step, no cache, no ONNX Runtime) of
greedy search and of Hugging Face transformers' beam search (the vectorised
_beam_search of transformers >= 4.56; formula in beam_search below), so the
Go engine is checked against code that shares nothing with it.

Needs python3-onnx and python3-numpy; run with /usr/bin/python3. Same
arguments give byte-identical files.
"""

import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
MASK = -10000.0

PRESETS = {
    # Unit tests: a few hundred kB per file.
    "tiny": dict(enc_layers=2, dec_layers=2, d=32, heads=4, ffn=64, vocab=128, max_pos=128),
    # OPUS-MT en-de's real dimensions (benchmarks).
    "opus": dict(enc_layers=6, dec_layers=6, d=512, heads=8, ffn=2048, vocab=58101, max_pos=512),
}

# Special ids per family, shaped like the real exports (see SEQ2SEQ facts):
# Marian starts decoding with pad and never emits it; NLLB/M2M100 force the
# target-language token first; BART forces <s> first and </s> last.
def family_ids(family, vocab):
    if family == "marian":
        return dict(bos=0, eos=0, pad=vocab - 1, start=vocab - 1, unk=1)
    return dict(bos=0, pad=1, eos=2, start=2, unk=3)


class Weights:
    """All parameters, drawn from one seeded generator in a fixed order."""

    def __init__(self, cfg, seed, eos, eos_bias):
        rng = np.random.default_rng(seed)
        d, f, V = cfg["d"], cfg["ffn"], cfg["vocab"]
        g = lambda *shape, std: rng.normal(0.0, std, size=shape).astype(np.float32)
        self.p = {}
        p = self.p
        p["enc_emb"] = g(V, d, std=1.0)
        p["enc_pos"] = g(cfg["max_pos"], d, std=0.5)
        p["dec_emb"] = g(V, d, std=1.0)
        p["dec_pos"] = g(cfg["max_pos"], d, std=1.0)
        for side, n in (("enc", cfg["enc_layers"]), ("dec", cfg["dec_layers"])):
            atts = ["self"] + (["cross"] if side == "dec" else [])
            for l in range(n):
                for a in atts:
                    for w in "qkvo":
                        p["%s%d_%s_%s_w" % (side, l, a, w)] = g(d, d, std=1.0 / np.sqrt(d))
                        p["%s%d_%s_%s_b" % (side, l, a, w)] = g(d, std=0.02)
                p["%s%d_ffn1_w" % (side, l)] = g(d, f, std=1.0 / np.sqrt(d))
                p["%s%d_ffn1_b" % (side, l)] = g(f, std=0.02)
                p["%s%d_ffn2_w" % (side, l)] = g(f, d, std=1.0 / np.sqrt(f))
                p["%s%d_ffn2_b" % (side, l)] = g(d, std=0.02)
        # Columns of equal norm: with random norms a few tokens with long
        # columns win every step and greedy output collapses.
        # Plus a pull along one random cycle through the vocabulary: column
        # j leans towards the embedding of the token before j on the cycle,
        # so the token just read (still present in the hidden state) points
        # at its successor and no short loop forms.
        head = g(d, V, std=1.0)
        head = head / np.linalg.norm(head, axis=0, keepdims=True)
        cycle = rng.permutation(V)
        prev = np.empty(V, dtype=np.int64)
        prev[cycle] = np.roll(cycle, 1)
        pull = p["dec_emb"][prev].T
        pull = pull / np.linalg.norm(pull, axis=0, keepdims=True)
        head = 2.0 * head + 4.0 * pull
        p["lm_head"] = (5.0 * head / np.linalg.norm(head, axis=0, keepdims=True)).astype(np.float32)
        bias = g(V, std=0.1)
        bias[eos] += eos_bias
        p["final_logits_bias"] = bias
        # LayerNorms are identity (gamma 1, beta 0): one shared pair.


def layer_norm(x):
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + 1e-5)


class Numpy:
    """The model in numpy (float64), full recompute: the reference."""

    def __init__(self, cfg, w):
        self.cfg, self.p = cfg, {k: v.astype(np.float64) for k, v in w.p.items()}

    def attention(self, pre, x, kv, mask):
        p, h = self.p, self.cfg["heads"]
        B, T, d = x.shape
        hd = d // h
        lin = lambda t, n: t @ p[pre + n + "_w"] + p[pre + n + "_b"]
        split = lambda t: t.reshape(t.shape[0], t.shape[1], h, hd).transpose(0, 2, 1, 3)
        q = split(lin(x, "q")) / np.sqrt(hd)
        k, v = split(lin(kv, "k")), split(lin(kv, "v"))
        s = q @ k.transpose(0, 1, 3, 2) + mask
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        s = s / s.sum(axis=-1, keepdims=True)
        c = (s @ v).transpose(0, 2, 1, 3).reshape(B, T, d)
        return lin(c, "o")

    def ffn(self, pre, x):
        p = self.p
        hid = np.maximum(x @ p[pre + "ffn1_w"] + p[pre + "ffn1_b"], 0.0)
        return hid @ p[pre + "ffn2_w"] + p[pre + "ffn2_b"]

    def encode(self, ids, mask):
        p = self.p
        ids = np.asarray(ids)
        x = layer_norm(p["enc_emb"][ids] + p["enc_pos"][np.arange(ids.shape[1])])
        m = ((1.0 - np.asarray(mask, dtype=np.float64)) * MASK)[:, None, None, :]
        for l in range(self.cfg["enc_layers"]):
            x = layer_norm(x + self.attention("enc%d_self_" % l, x, x, m))
            x = layer_norm(x + self.ffn("enc%d_" % l, x))
        return x

    def decode(self, ids, enc, enc_mask):
        """Logits of every position of ids [B, T] (no cache)."""
        p = self.p
        ids = np.asarray(ids)
        T = ids.shape[1]
        y = layer_norm(p["dec_emb"][ids] + p["dec_pos"][np.arange(T)])
        causal = np.where(np.arange(T)[None, :] <= np.arange(T)[:, None], 0.0, MASK)[None, None]
        em = ((1.0 - np.asarray(enc_mask, dtype=np.float64)) * MASK)[:, None, None, :]
        for l in range(self.cfg["dec_layers"]):
            y = layer_norm(y + self.attention("dec%d_self_" % l, y, y, causal))
            y = layer_norm(y + self.attention("dec%d_cross_" % l, y, enc, em))
            y = layer_norm(y + self.ffn("dec%d_" % l, y))
        return y @ p["lm_head"] + p["final_logits_bias"]


class Graph:
    """Node list of one (sub)graph; names carry a prefix so subgraphs of an
    If node never shadow each other."""

    def __init__(self, prefix, dtype=np.float32):
        self.prefix, self.nodes, self.inits, self.n = prefix, [], [], 0

    def name(self, base):
        self.n += 1
        return "%s%s_%d" % (self.prefix, base, self.n)

    def const(self, base, arr):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def op(self, op_type, inputs, base=None, outputs=None, **attrs):
        out = outputs or [self.name(base or op_type.lower())]
        self.nodes.append(helper.make_node(op_type, inputs, out, name=self.name("n_" + op_type), **attrs))
        return out[0] if len(out) == 1 else out

    def i64(self, base, vals):
        return self.const(base, np.array(vals, dtype=np.int64))


class Emitter:
    """Writes the model's operators into a Graph. Weights are referenced by
    name (initialisers of the outer graph); matmul() may be swapped for a
    dynamically quantised one."""

    def __init__(self, cfg, g, quant=None):
        self.cfg, self.g, self.quant = cfg, g, quant

    def matmul(self, x, w):
        if self.quant is not None and w in self.quant:
            return self.quant_matmul(x, w)
        return self.g.op("MatMul", [x, w])

    def quant_matmul(self, x, w):
        # What onnxruntime's dynamic quantiser writes: the activation is
        # quantised per call (DynamicQuantizeLinear), the int8 weight once
        # (here), then MatMulInteger and a rescale.
        g = self.g
        wq, ws, wz = self.quant[w]
        xq, xs, xz = g.op("DynamicQuantizeLinear", [x], outputs=[g.name("xq"), g.name("xs"), g.name("xz")])
        y = g.op("MatMulInteger", [xq, wq, xz, wz])
        y = g.op("Cast", [y], to=TensorProto.FLOAT)
        return g.op("Mul", [y, g.op("Mul", [xs, ws])])

    def linear(self, x, pre):
        return self.g.op("Add", [self.matmul(x, pre + "_w"), pre + "_b"])

    def ln(self, x):
        return self.g.op("LayerNormalization", [x, "ln_gamma", "ln_beta"], axis=-1, epsilon=1e-5)

    def heads(self, x):
        """[B, T, d] -> [B, h, T, hd]"""
        h = self.cfg["heads"]
        shape = self.g.i64("split", [0, 0, h, self.cfg["d"] // h])
        return self.g.op("Transpose", [self.g.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])

    def attend(self, pre, q_in, k, v, mask):
        g, d, h = self.g, self.cfg["d"], self.cfg["heads"]
        q = self.heads(self.linear(q_in, pre + "q"))
        q = g.op("Mul", [q, g.const("scale", np.array(1.0 / np.sqrt(d // h), dtype=np.float32))])
        s = g.op("Add", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]), mask])
        s = g.op("Softmax", [s], axis=-1)
        c = g.op("Transpose", [g.op("MatMul", [s, v])], perm=[0, 2, 1, 3])
        c = g.op("Reshape", [c, g.i64("merge", [0, 0, d])])
        return self.linear(c, pre + "o")

    def key_mask(self, mask_input):
        g = self.g
        m = g.op("Cast", [mask_input], to=TensorProto.FLOAT)
        m = g.op("Mul", [g.op("Sub", [g.const("one", np.array(1.0, dtype=np.float32)), m]),
                         g.const("mask", np.array(MASK, dtype=np.float32))])
        return g.op("Unsqueeze", [m, g.i64("axes", [1, 2])])

    def encoder(self):
        g = self.g
        T = g.op("Gather", [g.op("Shape", ["input_ids"]), g.i64("one", 1)])
        pos = g.op("Range", [g.i64("zero", 0), T, g.i64("one", 1)])
        x = self.ln(g.op("Add", [g.op("Gather", ["enc_emb", "input_ids"]), g.op("Gather", ["enc_pos", pos])]))
        m = self.key_mask("attention_mask")
        for l in range(self.cfg["enc_layers"]):
            pre = "enc%d_self_" % l
            k = self.heads(self.linear(x, pre + "k"))
            v = self.heads(self.linear(x, pre + "v"))
            x = self.ln(g.op("Add", [x, self.attend(pre, x, k, v, m)]))
            x = self.ln(g.op("Add", [x, self.ffn("enc%d_" % l, x)]))
        g.op("Identity", [x], outputs=["last_hidden_state"])

    def ffn(self, pre, x):
        hid = self.g.op("Relu", [self.linear(x, pre + "ffn1")])
        return self.linear(hid, pre + "ffn2")

    def decoder(self, with_past, out_names, empty_encoder_presents):
        """Emit a decoder body. out_names maps logical outputs (logits,
        present.{i}.{decoder,encoder}.{key,value}) to graph value names."""
        g, L = self.g, self.cfg["dec_layers"]
        T = g.op("Gather", [g.op("Shape", ["input_ids"]), g.i64("one", 1)])
        if with_past:
            P = g.op("Gather", [g.op("Shape", ["past_key_values.0.decoder.key"]), g.i64("two", 2)])
        else:
            P = g.i64("zero", 0)
        end = g.op("Add", [P, T])
        qpos = g.op("Range", [P, end, g.i64("one", 1)])
        kpos = g.op("Range", [g.i64("zero", 0), end, g.i64("one", 1)])
        y = self.ln(g.op("Add", [g.op("Gather", ["dec_emb", "input_ids"]), g.op("Gather", ["dec_pos", qpos])]))
        allowed = g.op("LessOrEqual", [g.op("Unsqueeze", [kpos, g.i64("ax0", [0])]),
                                       g.op("Unsqueeze", [qpos, g.i64("ax1", [1])])])
        causal = g.op("Where", [allowed, g.const("zero_f", np.array(0.0, dtype=np.float32)),
                                g.const("mask_f", np.array(MASK, dtype=np.float32))])
        em = self.key_mask("encoder_attention_mask")
        for l in range(L):
            pre = "dec%d_self_" % l
            k = self.heads(self.linear(y, pre + "k"))
            v = self.heads(self.linear(y, pre + "v"))
            if with_past:
                k = g.op("Concat", ["past_key_values.%d.decoder.key" % l, k], axis=2)
                v = g.op("Concat", ["past_key_values.%d.decoder.value" % l, v], axis=2)
            g.op("Identity", [k], outputs=[out_names["present.%d.decoder.key" % l]])
            g.op("Identity", [v], outputs=[out_names["present.%d.decoder.value" % l]])
            y = self.ln(g.op("Add", [y, self.attend(pre, y, k, v, causal)]))
            pre = "dec%d_cross_" % l
            if with_past:
                ck, cv = "past_key_values.%d.encoder.key" % l, "past_key_values.%d.encoder.value" % l
            else:
                ck = self.heads(self.linear("encoder_hidden_states", pre + "k"))
                cv = self.heads(self.linear("encoder_hidden_states", pre + "v"))
            for kind, t in (("key", ck), ("value", cv)):
                name = "present.%d.encoder.%s" % (l, kind)
                if name not in out_names:
                    continue
                if empty_encoder_presents:
                    h = self.cfg["heads"]
                    empty = np.zeros((0, h, 1, self.cfg["d"] // h), dtype=np.float32)
                    g.op("Identity", [g.const("empty", empty)], outputs=[out_names[name]])
                else:
                    g.op("Identity", [t], outputs=[out_names[name]])
            y = self.ln(g.op("Add", [y, self.attend(pre, y, ck, cv, em)]))
            y = self.ln(g.op("Add", [y, self.ffn("dec%d_" % l, y)]))
        logits = g.op("Add", [self.matmul(y, "lm_head"), "final_logits_bias"])
        g.op("Identity", [logits], outputs=[out_names["logits"]])


def initialisers(cfg, w, names, quant):
    inits = [numpy_helper.from_array(np.ones(cfg["d"], dtype=np.float32), "ln_gamma"),
             numpy_helper.from_array(np.zeros(cfg["d"], dtype=np.float32), "ln_beta")]
    for n in names:
        if quant is not None and n in quant:
            wq, ws, wz = quant[n]
            arr, scale, zp = QUANT[n]
            inits += [numpy_helper.from_array(arr, wq), numpy_helper.from_array(scale, ws),
                      numpy_helper.from_array(zp, wz)]
        else:
            inits.append(numpy_helper.from_array(w.p[n], n))
    return inits


QUANT = {}


def quantise(w, names):
    """Symmetric per-tensor int8 weights, as onnxruntime's
    quantize_dynamic(weight_type=QInt8) writes them."""
    q = {}
    for n in names:
        if not n.endswith("_w") and n != "lm_head":
            continue
        a = w.p[n]
        scale = np.float32(max(np.abs(a).max(), 1e-8) / 127.0)
        QUANT[n] = (np.clip(np.round(a / scale), -127, 127).astype(np.int8),
                    np.array(scale, dtype=np.float32), np.array(0, dtype=np.int8))
        q[n] = (n + "_quantized", n + "_scale", n + "_zero_point")
    return q


def tensor(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


def finish(g, name, inputs, outputs, inits, doc):
    graph = helper.make_graph(g.nodes, name, inputs, outputs, initializer=inits + g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="masx gen-seq2seq-models", producer_version="1")
    model.ir_version = 8
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model


def used_weights(g, w):
    seen = set()
    for n in g.nodes:
        for i in n.input:
            seen.add(i)
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                for sn in a.g.node:
                    seen.update(sn.input)
    return [k for k in w.p if k in seen or k + "_quantized" in seen]


def past_inputs(cfg):
    h, hd = cfg["heads"], cfg["d"] // cfg["heads"]
    ins = []
    for l in range(cfg["dec_layers"]):
        for side, ln in (("decoder", "past_decoder_sequence_length"), ("encoder", "encoder_sequence_length")):
            for kind in ("key", "value"):
                ins.append(tensor("past_key_values.%d.%s.%s" % (l, side, kind), TensorProto.FLOAT,
                                  ["batch_size", h, ln, hd]))
    return ins


def presents(cfg, sides, total_len):
    h, hd = cfg["heads"], cfg["d"] // cfg["heads"]
    outs = []
    for l in range(cfg["dec_layers"]):
        for side in sides:
            for kind in ("key", "value"):
                ln = total_len if side == "decoder" else "encoder_sequence_length"
                outs.append(tensor("present.%d.%s.%s" % (l, side, kind), TensorProto.FLOAT, ["batch_size", h, ln, hd]))
    return outs


def build_encoder(cfg, w, quant, doc):
    g = Graph("")
    Emitter(cfg, g, quant).encoder()
    ids = lambda n: tensor(n, TensorProto.INT64, ["batch_size", "encoder_sequence_length"])
    return finish(g, "encoder", [ids("input_ids"), ids("attention_mask")],
                  [tensor("last_hidden_state", TensorProto.FLOAT, ["batch_size", "encoder_sequence_length", cfg["d"]])],
                  initialisers(cfg, w, used_weights(g, w), quant), doc)


def dec_common_inputs(cfg, with_hidden):
    ins = [tensor("encoder_attention_mask", TensorProto.INT64, ["batch_size", "encoder_sequence_length"]),
           tensor("input_ids", TensorProto.INT64, ["batch_size", "decoder_sequence_length"])]
    if with_hidden:
        ins.append(tensor("encoder_hidden_states", TensorProto.FLOAT,
                          ["batch_size", "encoder_sequence_length", cfg["d"]]))
    return ins


def logits_out(cfg):
    return tensor("logits", TensorProto.FLOAT, ["batch_size", "decoder_sequence_length", cfg["vocab"]])


def build_decoder(cfg, w, quant, doc):
    g = Graph("")
    outs = [logits_out(cfg)] + presents(cfg, ("decoder", "encoder"), "decoder_sequence_length")
    Emitter(cfg, g, quant).decoder(False, {o.name: o.name for o in outs}, False)
    return finish(g, "decoder", dec_common_inputs(cfg, True), outs,
                  initialisers(cfg, w, used_weights(g, w), quant), doc)


def build_decoder_with_past(cfg, w, quant, doc):
    g = Graph("")
    outs = [logits_out(cfg)] + presents(cfg, ("decoder",), "past_decoder_sequence_length + 1")
    Emitter(cfg, g, quant).decoder(True, {o.name: o.name for o in outs}, False)
    return finish(g, "decoder_with_past", dec_common_inputs(cfg, False) + past_inputs(cfg), outs,
                  initialisers(cfg, w, used_weights(g, w), quant), doc)


def build_merged(cfg, w, quant, doc):
    outs = [logits_out(cfg)] + presents(cfg, ("decoder", "encoder"), "present_sequence_length")
    branches = {}
    for flag, prefix in ((True, "past_"), (False, "nopast_")):
        sg = Graph(prefix)
        names = {o.name: prefix + o.name for o in outs}
        Emitter(cfg, sg, quant).decoder(flag, names, flag)
        sub_outs = [helper.make_tensor_value_info(names[o.name], TensorProto.FLOAT, None) for o in outs]
        branches[flag] = helper.make_graph(sg.nodes, prefix + "branch", [], sub_outs, initializer=sg.inits)
    g = Graph("")
    g.nodes.append(helper.make_node("If", ["use_cache_branch"], [o.name for o in outs], name="optimum::if",
                                    then_branch=branches[True], else_branch=branches[False]))
    ins = dec_common_inputs(cfg, True) + past_inputs(cfg) + [tensor("use_cache_branch", TensorProto.BOOL, [1])]
    return finish(g, "decoder_merged", ins, outs, initialisers(cfg, w, used_weights(g, w), quant), doc)


# ---------------------------------------------------------------------------
# Reference generation (numpy), following Hugging Face transformers.

NEG_INF = -np.inf


def process(seqs, scores, p, cur_len, max_length):
    """Hugging Face's logits processors, in its order (_get_logits_processor):
    repetition penalty, no-repeat n-gram, bad words, min length, min new
    tokens, forced BOS, forced EOS. seqs are decoder ids so far, decoder start
    included; cur_len = len(seqs[0])."""
    scores = scores.copy()
    rp = p.get("repetition_penalty", 1.0)
    if rp != 1.0:
        for r, s in enumerate(seqs):
            for t in set(s):
                v = scores[r, t]
                scores[r, t] = v * rp if v < 0 else v / rp
    n = p.get("no_repeat_ngram_size", 0)
    if n > 0 and cur_len + 1 >= n:
        for r, s in enumerate(seqs):
            prefix = tuple(s[cur_len - n + 1:]) if n > 1 else ()
            for i in range(cur_len - n + 1):
                if tuple(s[i:i + n - 1]) == prefix:
                    scores[r, s[i + n - 1]] = NEG_INF
    for bad in p.get("bad_words_ids", []):
        for r, s in enumerate(seqs):
            if len(bad) == 1 or (len(bad) - 1 <= len(s) and list(s[len(s) - len(bad) + 1:]) == bad[:-1]):
                scores[r, bad[-1]] = NEG_INF
    eos = p["eos_token_id"]
    if cur_len < p.get("min_length", 0):
        scores[:, eos] = NEG_INF
    if cur_len - 1 < p.get("min_new_tokens", 0):
        scores[:, eos] = NEG_INF
    if p.get("forced_bos_token_id") is not None and cur_len == 1:
        scores[:, :] = NEG_INF
        scores[:, p["forced_bos_token_id"]] = 0
    if p.get("forced_eos_token_id") is not None and cur_len == max_length - 1:
        scores[:, :] = NEG_INF
        scores[:, p["forced_eos_token_id"]] = 0
    return scores


def log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def max_length_of(p):
    if p.get("max_new_tokens") is not None:
        return 1 + p["max_new_tokens"]
    return p.get("max_length", 20)


def greedy(model, ids, mask, p):
    enc = model.encode(ids, mask)
    max_length = max_length_of(p)
    out = []
    for r in range(len(ids)):
        seq = [p["decoder_start_token_id"]]
        while len(seq) < max_length:
            logits = model.decode([seq], enc[r:r + 1], np.asarray(mask)[r:r + 1])[:, -1, :]
            tok = int(np.argmax(process([seq], logits, p, len(seq), max_length)[0]))
            seq.append(tok)
            if tok == p["eos_token_id"]:
                break
        out.append(seq[1:])
    return out


def beam_search(model, ids, mask, p):
    """transformers' vectorised beam search (generation/utils.py, >= 4.56),
    one source row at a time (rows do not interact):

    - step scores: log_softmax(logits), then the processors, plus each
      running beam's sum; initially only beam 0 runs (the others hold -1e9);
    - the top 2*num_beams (beam, token) pairs by that sum are candidates;
      one that ends in EOS (or reaches max_length) among the first
      num_beams candidates finishes with score sum / generated**length_penalty,
      generated counting the new token (cur_len + 1 - decoder_prompt_len);
    - the best num_beams candidates that did not finish run on;
    - finished hypotheses keep the best num_beams by score; none is added
      once the row is done: early_stopping=True and num_beams finished, or
      the heuristic says no running beam can win (running best sum /
      (cur_len - 1)**lp, or (max_length - 1)**lp for "never" with lp > 0,
      is not above the worst finished score, all num_beams slots filled);
    - the answer is the best finished hypothesis."""
    enc = model.encode(ids, mask)
    nb, lp, es = p["num_beams"], p.get("length_penalty", 1.0), p.get("early_stopping", False)
    max_length, eos = max_length_of(p), p["eos_token_id"]
    results = []
    for r in range(len(ids)):
        running = [[p["decoder_start_token_id"]] for _ in range(nb)]
        rscores = np.array([0.0] + [-1e9] * (nb - 1))
        finished = []  # (score, seq)
        heuristic_open = True
        cur_len = 1
        while True:
            logits = model.decode(running, np.repeat(enc[r:r + 1], nb, axis=0),
                                  np.repeat(np.asarray(mask)[r:r + 1], nb, axis=0))[:, -1, :]
            lps = process(running, log_softmax(logits), p, cur_len, max_length)
            total = (lps + rscores[:, None]).reshape(-1)
            V = lps.shape[1]
            # torch.topk order: by value, ties by lower index (stable).
            order = np.argsort(-total, kind="stable")[:2 * nb]
            cands = [(float(total[i]), int(i // V), int(i % V)) for i in order]
            hits = [tok == eos or cur_len + 1 >= max_length for _, _, tok in cands]
            full = len(finished) == nb and es is True
            if heuristic_open and not full:
                for rank, ((s, b, tok), hit) in enumerate(zip(cands, hits)):
                    if hit and rank < nb:
                        finished.append((s / ((cur_len + 1 - 1) ** lp), running[b] + [tok]))
                finished.sort(key=lambda x: -x[0])
                finished = finished[:nb]
            nxt = [(s, b, tok) for (s, b, tok), hit in zip(cands, hits) if not hit][:nb]
            while len(nxt) < nb:  # every candidate finished: HF keeps -1e9 rows
                nxt.append((-1e9, 0, p["pad_token_id"]))
            running = [running[b] + [tok] for _, b, tok in nxt]
            rscores = np.array([s for s, _, _ in nxt])
            cur_len += 1
            if len(finished) == nb:
                if es == "never" and lp > 0:
                    hyp = max_length - 1
                else:
                    hyp = cur_len - 1
                if not rscores[0] / (hyp ** lp) > finished[-1][0]:
                    heuristic_open = False
            done = (not heuristic_open) or (len(finished) == nb and es is True) or all(hits)
            if done or cur_len >= max_length:
                break
        best = finished[0]
        results.append({"ids": best[1][1:], "score": float(best[0])})
    return results


# ---------------------------------------------------------------------------

def cases_for(family, ids, cfg):
    """Inputs and generation parameters the references and the goldens
    (scripts/seq2seq-goldens.mjs) are computed for."""
    V = cfg["vocab"]
    rng = np.random.default_rng(7)
    specials = set(ids.values())
    def sentence(n):
        s = [int(x) for x in rng.integers(4, V - 8, size=n) if int(x) not in specials]
        return s + [ids["eos"]]
    srcs = [sentence(n) for n in (5, 9, 13, 3, 17, 7)]
    base = dict(decoder_start_token_id=ids["start"], eos_token_id=ids["eos"], pad_token_id=ids["pad"])
    if family == "marian":
        # generation_config.json forces EOS at max_length - 1 (as Marian's do).
        fam = dict(bad_words_ids=[[ids["pad"]]], forced_eos_token_id=ids["eos"])
    elif family == "nllb":
        fam = dict(forced_bos_token_id=V - 4)
    else:
        fam = dict(forced_bos_token_id=0, forced_eos_token_id=ids["eos"], no_repeat_ngram_size=3, min_length=5)
    cases = []
    cases.append(dict(name="greedy", srcs=srcs, params=dict(base, **fam, num_beams=1, max_new_tokens=24)))
    cases.append(dict(name="greedy_rep", srcs=srcs[:3],
                      params=dict(base, **fam, num_beams=1, max_new_tokens=16, repetition_penalty=1.3)))
    cases.append(dict(name="beam4", srcs=srcs,
                      params=dict(base, **fam, num_beams=4, max_new_tokens=20, length_penalty=1.0, early_stopping=False)))
    cases.append(dict(name="beam4_es", srcs=srcs[:4],
                      params=dict(base, **fam, num_beams=4, max_new_tokens=20, length_penalty=2.0, early_stopping=True)))
    cases.append(dict(name="beam3_never", srcs=srcs[:3],
                      params=dict(base, **fam, num_beams=3, max_new_tokens=12, length_penalty=0.5, early_stopping="never")))
    return cases


def pad_batch(srcs, pad):
    n = max(len(s) for s in srcs)
    return ([s + [pad] * (n - len(s)) for s in srcs], [[1] * len(s) + [0] * (n - len(s)) for s in srcs])


def references(model, cases, pad):
    out = []
    for c in cases:
        ids, mask = pad_batch(c["srcs"], pad)
        if c["params"]["num_beams"] == 1:
            res = [{"ids": r} for r in greedy(model, ids, mask, c["params"])]
        else:
            res = beam_search(model, ids, mask, c["params"])
        out.append(dict(name=c["name"], results=res))
    return out


def save_atomic(model, path):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
    os.close(fd)
    try:
        onnx.save(model, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def configs(family, cfg, ids, max_len):
    model_type = {"marian": "marian", "nllb": "m2m_100", "bart": "bart"}[family]
    config = {
        "architectures": [{"marian": "MarianMTModel", "nllb": "M2M100ForConditionalGeneration",
                           "bart": "BartForConditionalGeneration"}[family]],
        "model_type": model_type, "is_encoder_decoder": True,
        "d_model": cfg["d"], "encoder_layers": cfg["enc_layers"], "decoder_layers": cfg["dec_layers"],
        "encoder_attention_heads": cfg["heads"], "decoder_attention_heads": cfg["heads"],
        "encoder_ffn_dim": cfg["ffn"], "decoder_ffn_dim": cfg["ffn"], "vocab_size": cfg["vocab"],
        "max_position_embeddings": cfg["max_pos"],
        "bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
        "decoder_start_token_id": ids["start"],
        "masx_generated": True,
    }
    gen = {"bos_token_id": ids["bos"], "eos_token_id": ids["eos"], "pad_token_id": ids["pad"],
           "decoder_start_token_id": ids["start"]}
    if family == "marian":
        gen.update(bad_words_ids=[[ids["pad"]]], forced_eos_token_id=ids["eos"], max_length=max_len, num_beams=4)
    elif family == "nllb":
        gen.update(max_length=max_len)
    else:
        # Older BART files keep their defaults in task_specific_params and
        # ship no generation_config.json: the loader must fall back.
        config.update(forced_bos_token_id=0, forced_eos_token_id=ids["eos"])
        config["task_specific_params"] = {"summarization": {
            "early_stopping": True, "length_penalty": 2.0, "max_length": 40, "min_length": 5,
            "no_repeat_ngram_size": 3, "num_beams": 4}}
        gen = None
    return config, gen


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--family", choices=["marian", "nllb", "bart"], required=True)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    ap.add_argument("--layout", choices=["merged", "pair", "both"], default="both")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--eos-bias", type=float, default=2.0, dest="eos_bias",
                    help="added to the EOS logit so that some outputs end early (default 2.0)")
    ap.add_argument("--quantize", action="store_true", help="also write *_quantized.onnx (dynamic int8)")
    ap.add_argument("--references", action="store_true", help="write cases.json and references.json")
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)

    cfg = dict(PRESETS[a.preset])
    ids = family_ids(a.family, cfg["vocab"])
    w = Weights(cfg, a.seed, ids["eos"], a.eos_bias)
    doc = "Random-weight %s-shaped seq2seq model for masx tests (preset %s, seed %d)." % (a.family, a.preset, a.seed)
    os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
    variants = [("", None)]
    if a.quantize:
        variants.append(("_quantized", quantise(w, list(w.p))))
    for suffix, quant in variants:
        path = lambda n: os.path.join(a.out, "onnx", n + suffix + ".onnx")
        save_atomic(build_encoder(cfg, w, quant, doc), path("encoder_model"))
        if a.layout in ("merged", "both"):
            save_atomic(build_merged(cfg, w, quant, doc), path("decoder_model_merged"))
        if a.layout in ("pair", "both"):
            save_atomic(build_decoder(cfg, w, quant, doc), path("decoder_model"))
            save_atomic(build_decoder_with_past(cfg, w, quant, doc), path("decoder_with_past_model"))
    config, gen = configs(a.family, cfg, ids, 64 if a.preset == "tiny" else 512)
    write_json(os.path.join(a.out, "config.json"), config)
    if gen is not None:
        write_json(os.path.join(a.out, "generation_config.json"), gen)
    if a.references:
        cases = cases_for(a.family, ids, cfg)
        write_json(os.path.join(a.out, "cases.json"), cases)
        write_json(os.path.join(a.out, "references.json"), references(Numpy(cfg, w), cases, ids["pad"]))
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
