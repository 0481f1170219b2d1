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

DEMO_STORE ?= reports/demo.duckdb
DEMO_PORT  ?= 8000
# the sample organization covers January to March 2024: trends per month, before / after mid-February
DEMO_OPTIONS = --period month --split 2024-02-15

## Install, analyze the sample organization into a fresh store, write its report,
## then serve the API and the leaders' pages on 127.0.0.1 with a viewer and an analyst key.
demo: install
	@$(BIN)/python -c "import socket, sys; s = socket.socket(); \
	sys.exit('port $(DEMO_PORT) is in use (an earlier make demo still running?): stop it, or make demo DEMO_PORT=8001') \
	if s.connect_ex(('127.0.0.1', $(DEMO_PORT))) == 0 else None"
	@mkdir -p reports
	rm -rf $(DEMO_STORE) $(DEMO_STORE).wal $(basename $(DEMO_STORE)).control.sqlite* $(basename $(DEMO_STORE)).work
	$(BIN)/ona analyze sample_data --store $(DEMO_STORE) --out reports/sample_result.json $(DEMO_OPTIONS)
	$(BIN)/ona report sample_data --out reports/sample_report.html $(DEMO_OPTIONS)
	@viewer=$$($(BIN)/ona keys create --role viewer --name "demo leader" --store $(DEMO_STORE) -q) && \
	analyst=$$($(BIN)/ona keys create --role analyst --name "demo analyst" --store $(DEMO_STORE) -q) && \
	echo "" && \
	echo "  ona demo: open http://127.0.0.1:$(DEMO_PORT)/ and sign in with" && \
	echo "    viewer (leader) key:  $$viewer" && \
	echo "    analyst key:          $$analyst" && \
	echo "  the report is in reports/sample_report.html; the API docs at http://127.0.0.1:$(DEMO_PORT)/docs" && \
	echo "  (Ctrl-C stops the server; make demo again starts from a fresh store with new keys)" && \
	echo "" && \
	exec $(BIN)/ona serve --store $(DEMO_STORE) --host 127.0.0.1 --port $(DEMO_PORT)

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
