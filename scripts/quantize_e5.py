#!/usr/bin/env python3
"""Derive the int8 variant of the converted e5 graph: `model.onnx` -> `model.int8.onnx`.

ONNX Runtime's dynamic quantisation (`quantize_dynamic`, weights QInt8, activations uint8
quantised per call): every MatMul with a constant weight (the 72 linear layers) becomes
DynamicQuantizeMatMul / MatMulInteger; nothing else changes.
  * Only MatMul: the embedding Gathers already read int8 nibbles and their fp32 block scales
    (exact); quantising the scales, positions or LayerNorms again would add error for no
    speed.
  * Constant-B only: the attention products (Q K^T, P V) keep fp32; their operands are
    activations, so both sides would be quantised per call.
  * Per channel: one scale per output column. The weights are 4-bit blocks of 32 with one
    scale each, so columns differ widely in range; a single per-tensor scale would spend
    most of the 8 bits on the widest column.
The output is checked by `scripts/test_model_fidelity.py` (int8 vs fp32 cosine) and by
`matchraum eval ... --compare model_precision=fp32 model_precision=int8` (Recall@10).
"""
import argparse
import logging

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", help="model.onnx (fp32, from convert_e5.py)")
    ap.add_argument("dst", help="output model.int8.onnx")
    args = ap.parse_args()
    # The "consider pre-processing" hint is about shape inference for conv nets; the graph
    # already carries every shape the MatMul quantiser needs.
    logging.getLogger().setLevel(logging.ERROR)
    quantize_dynamic(
        args.src,
        args.dst,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        weight_type=QuantType.QInt8,
        extra_options={"MatMulConstBOnly": True},
    )
    onnx.checker.check_model(args.dst)


if __name__ == "__main__":
    main()
