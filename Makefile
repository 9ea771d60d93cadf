# The two commands of the README: `make run` and `make test`. Both run `make setup` first,
# which installs what Cargo does not (the embedding model and ONNX Runtime) and is a quick
# no-op once done.

CARGO ?= cargo
export MATCHRAUM_MATCHING_MODEL_DIR ?= $(CURDIR)/models/multilingual-e5-small
export MATCHRAUM_MATCHING_ORT_LIB ?= $(CURDIR)/models/onnxruntime/libonnxruntime.so

.PHONY: setup run test lint fmt bench eval ui

setup:
	@scripts/setup_model.sh
	@scripts/setup_frontend.sh
	@scripts/setup_schemathesis.sh

# The web UI (frontend/dist), rebuilt only when its sources changed.
ui: setup
	@scripts/build_ui.sh

run: setup ui
	$(CARGO) run --release -p matchraum -- serve

test: setup
	$(CARGO) nextest run --workspace --no-fail-fast
	.venv-tools/bin/python scripts/test_model_fidelity.py
	scripts/test_ui.sh
	scripts/test_schemathesis.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	npm --prefix frontend run --silent lint

fmt:
	$(CARGO) fmt --all
