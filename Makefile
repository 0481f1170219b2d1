# The two quickstart commands: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install demo test sample bench clean

$(BIN)/ona: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/ona

install: $(BIN)/ona

## Install, analyze the sample organization, print its silos.
demo: install
	$(BIN)/ona analyze sample_data --out reports/sample_result.json

## Install and run the whole test suite.
test: install
	$(BIN)/python -m pytest

## Regenerate the committed sample organization from its seed.
sample: install
	$(BIN)/ona synth --people 400 --seed 7 --out sample_data

bench: install
	$(BIN)/python benchmarks/bench_pipeline.py

clean:
	rm -rf $(VENV) .pytest_cache
