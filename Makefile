# Two commands do all the set-up on a fresh machine (Python 3.11, git and make):
#   make demo   — the whole pipeline on a synthetic bank, embedded storage
#   make test   — the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install benchmark docs clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Savile needs $(PYTHON) on PATH (or run: make PYTHON=python3 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/savile demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

benchmark: $(STAMP)
	$(BIN)/python benchmarks/ingest_throughput.py

docs: $(STAMP)
	$(BIN)/savile contract docs --out docs/contract.md

clean:
	rm -rf $(VENV) savile-demo .pytest_cache
