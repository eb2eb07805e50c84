# Two commands for a new user: `make run` and `make test`.
# Both create .venv on first use and install the pinned versions in constraints.txt.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
SCENARIO ?= scenarios/baseline.yaml

.PHONY: run studio notebooks test test-fast lint bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) install --quiet -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-studio: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[studio]'
	@touch $@

$(VENV)/.installed-notebooks: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[notebooks]'
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	$(BIN)/pmosim run $(SCENARIO)

# The what-if studio on http://127.0.0.1:8765 (PORT=N for another port); Ctrl-C stops it.
PORT ?= 8765
studio: $(VENV)/.installed-studio
	$(BIN)/pmosim studio $(SCENARIO) --port $(PORT)

# The workshop notebooks in JupyterLab on http://127.0.0.1:8888 (NB_PORT=N for another port).
# Kernels run this virtual environment's Python; Ctrl-C stops the server. JupyterLab refuses
# to run as root unless told, so a root shell (a container) passes --allow-root.
NB_PORT ?= 8888
notebooks: $(VENV)/.installed-notebooks
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(NB_PORT) \
		--ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root,)

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -m "not slow"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_core.py
	$(BIN)/python bench/bench_sweep.py
	$(BIN)/python bench/bench_analyze.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
