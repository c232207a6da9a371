# Firebreak: `make demo` runs the default scenario on the local platform; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint format toxiproxy system-packages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

toxiproxy:
	./scripts/setup-toxiproxy.sh

system-packages:
	./scripts/setup-system-packages.sh test

setup: $(STAMP) toxiproxy
	./scripts/setup-system-packages.sh runtime

demo: setup
	$(VENV)/bin/firebreak run scenarios/default.yaml

test: setup system-packages
	$(PY) -m pytest -q --durations=15
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .tools reports/*/ .pytest_cache .ruff_cache
