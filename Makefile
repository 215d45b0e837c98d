# The README's commands. Each sets up the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo eval test lint bench fault-matrix studio notebooks clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/orchestra demo

# The sample dataset in the three architectures (offline without ORCHESTRA_MODEL).
eval: $(STAMP)
	$(BIN)/orchestra eval --sample --architecture orchestra single supervisor --out .orchestra/eval

# Two workers (the machine's two cores); the tests of the one langgraph dev share a worker.
test: $(STAMP) lint
	$(BIN)/pytest -q -n 2 --dist loadgroup tests --nbmake notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check graph nodes tools state tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The fault-injection matrix, recorded for benchmarks/RESULTS.md.
fault-matrix: $(STAMP)
	rm -f benchmarks/fault_matrix.jsonl
	FAULT_MATRIX_LOG=$(CURDIR)/benchmarks/fault_matrix.jsonl $(BIN)/pytest -q tests/integration_tests/test_fault_matrix.py
	$(BIN)/python -m benchmarks.publish

studio: $(STAMP)
	test -f .env || cp .env.example .env
	$(BIN)/langgraph dev

notebooks: $(STAMP)
	$(BIN)/pytest -q --nbmake notebooks

clean:
	rm -rf $(VENV) .orchestra .pytest_cache .mypy_cache .ruff_cache
