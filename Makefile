# The two commands of the README: `make demo` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint setup clean

# Set-up takes minutes on a first run: each step says what it is doing, and pip lists what it fetches.
$(STAMP): pyproject.toml
	@echo "make: creating $(VENV) (a Python virtual environment) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "make: installing dependencies into $(VENV) (a few minutes on the first run)"
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --progress-bar off -e '.[dev]'
	touch $(STAMP)
	@echo "make: $(VENV) is ready"

setup: $(STAMP)

demo: $(STAMP)
	@echo "make: running the demo (customs run --source demo: ingest, build, validate, publish, report)"
	$(VENV)/bin/customs run --source demo

# Two workers, one test file each at a time: the slow integration files run side by side, and
# module- and session-scoped fixtures keep working within a worker.
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2 --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) data
