# Two commands do all set-up: `make run` (the chat app) and `make test` (the whole suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-llm index bench bench-load bench-scale reliability clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	# No torch: the default embeddings run on onnxruntime (`.[torch]` is optional; install torch==2.13.0 first)
	$(BIN)/pip install -q setuptools==80.10.2
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/assistant chat

# The UI tests drive Debian's chromium (never `playwright install`); without it they are skipped, with the reason.
test: $(STAMP)
	command -v chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium) || echo "chromium unavailable: UI tests will be skipped"
	$(BIN)/python -m pytest -q

# The generative engine's tests need the optional extra (llama-cpp-python compiles for ~9 minutes once);
# `make test` skips them, saying so.
test-llm: $(STAMP)
	$(BIN)/pip install -q -e '.[llm]'
	$(BIN)/python -m pytest -q tests/test_llm.py tests/test_support.py

index: $(STAMP)
	$(BIN)/assistant index

bench: $(STAMP)
	$(BIN)/python evals/bench.py

# The chat page under 50 concurrent sessions (errors, cross-session leaks, latency): about a minute.
bench-load: $(STAMP)
	$(BIN)/python evals/load.py --sessions 50 --questions 3

# The real corpus among 1k-100k synthetic distractors (add --big for 1M): tens of minutes on 2 cores.
bench-scale: $(STAMP)
	$(BIN)/python evals/scale.py --server

# The reliability review's reproduction scripts (../shared/reviews/repro), judged: ~10 minutes.
reliability: $(STAMP)
	$(BIN)/python evals/reliability.py

clean:
	rm -rf $(VENV) .assistant
