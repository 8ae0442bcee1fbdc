# Two commands do all the set-up on a fresh clone: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch is pinned here (not in pyproject) to the CPU build; other versions pull GBs of CUDA.
TORCH_PIN := torch==2.13.0

.PHONY: demo test lint bench bench-predictors bench-search clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q $(TORCH_PIN)
	$(BIN)/python -m pip install -q -e ".[test,ray,optuna]" $(TORCH_PIN)
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python -m nasbench_kit.demo

test: $(VENV)/.installed
	$(BIN)/ruff check nasbench_kit tests benchmarks
	$(BIN)/python -m pytest -n 2 -q tests

lint: $(VENV)/.installed
	$(BIN)/ruff check nasbench_kit tests benchmarks

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/enumerate_spaces.py
	$(BIN)/python benchmarks/query_speed.py

bench-predictors: $(VENV)/.installed
	$(BIN)/python benchmarks/predictor_study.py

bench-search: $(VENV)/.installed
	$(BIN)/python benchmarks/search_study.py --graph-seeds 20

clean:
	rm -rf $(VENV) build *.egg-info
