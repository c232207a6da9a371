# Firebreak: `make demo` runs the default scenario on the local platform; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# wheels and the offline base's scratch space stay in the repository's git-ignored .tools
export FIREBREAK_CACHE_DIR ?= $(CURDIR)/.tools/cache
# no registry is reachable here: images build on a base made with debootstrap (made once)
export FIREBREAK_DOCKER_BASE ?= offline

.PHONY: setup demo test lint format toxiproxy jaeger fx-quotes-modules system-packages docker \
	cluster cluster-binaries test-prerequisites clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

toxiproxy:
	./scripts/setup-toxiproxy.sh

# the trace store (issue 25), built from its Go module once per version (minutes of CPU cold)
jaeger:
	./scripts/build-jaeger.sh

# the OpenTelemetry Node SDK fx-quotes loads when a run asks it for traces (examples/fx-quotes)
fx-quotes-modules: examples/fx-quotes/node_modules/.package-lock.json

examples/fx-quotes/node_modules/.package-lock.json: examples/fx-quotes/package-lock.json
	cd examples/fx-quotes && npm ci --no-audit --no-fund --loglevel=error

system-packages:
	./scripts/setup-system-packages.sh test

setup: $(STAMP) toxiproxy
	./scripts/setup-system-packages.sh runtime

# the Docker engine (installed and started when missing) and every image the tests run
docker: setup
	./scripts/setup-docker.sh
	$(VENV)/bin/firebreak build sample_system/system.yaml
	$(VENV)/bin/firebreak build examples/fx-quotes/system.yaml
	$(VENV)/bin/firebreak build examples/bookshop/system.yaml

# what the local Kubernetes node needs: Docker (its images), Debian's CNI plugins, and its
# binaries built from Go modules once per version (about 15 minutes on 2 cores the first time)
cluster: docker cluster-binaries
	./scripts/setup-system-packages.sh cluster

cluster-binaries:
	./scripts/build-cluster.sh

test-prerequisites:
	$(MAKE) -j1 setup system-packages docker fx-quotes-modules

# the sample sends traces: the demo's report shows each fault's request paths
demo: setup jaeger
	$(VENV)/bin/firebreak run scenarios/default.yaml

# The cluster's binaries (CPU-bound, about 15 minutes on a new machine) build while the rest of
# the setup mostly waits on the network and the disk; the rest runs in its own order (one apt
# at a time).
test:
	@echo "[$$(date +%T)] setup, Docker images, the cluster's binaries and Jaeger"
	$(MAKE) -j2 test-prerequisites cluster-binaries jaeger
	@echo "[$$(date +%T)] cluster prerequisites"
	$(MAKE) cluster
	@echo "[$$(date +%T)] tests"
	$(PY) -m pytest -q --durations=15
	@echo "[$$(date +%T)] lint"
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
