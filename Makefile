# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
# The local torch CPU wheel, where the machine has one; pip finds it by name.
FIND_LINKS := $(if $(wildcard /opt/wheels),--find-links /opt/wheels,)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/certengine
# Each pytest-xdist worker uses this database + its index (14, 15): tests/conftest.py.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14
# The sandbox reaches Docker only through its socket proxy (docs/sandbox.md), in tests too.
SANDBOX_PROXY_SOCKET ?= /run/cert-engine/docker-proxy.sock

.PHONY: run test bench lint typecheck pytest venv lock services sandbox-image sandbox-image-tensorflow messages clean

## venv: create .venv and install the locked dependencies (only when the lock changed)
venv: .venv/.installed
.venv/.installed: constraints.txt pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet $(FIND_LINKS) torch==2.13.0
	$(PIP) install --quiet $(FIND_LINKS) -r constraints.txt
	touch $@

## node_modules: the JavaScript the browser tests inject (axe-core), from package-lock.json
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## lock: re-resolve pyproject.toml's ranges into constraints.txt
lock:
	rm -rf /tmp/cert-lock && python3 -m venv /tmp/cert-lock
	/tmp/cert-lock/bin/pip install --quiet $(FIND_LINKS) torch==2.13.0
	/tmp/cert-lock/bin/python scripts/requirements.py | /tmp/cert-lock/bin/pip install --quiet $(FIND_LINKS) -r /dev/stdin
	/tmp/cert-lock/bin/pip freeze | sed 's|^torch @ .*|torch==2.13.0|' | sort -f > constraints.txt

## run: the whole product on this machine with demo data (Ctrl-C stops it)
run: venv
	@scripts/run.sh

## sandbox-image: build the PyTorch CPU sandbox image offline (skipped when its hash is built)
sandbox-image: venv
	scripts/docker/ensure_engine.sh
	$(PY) manage.py build_sandbox_image --framework pytorch

sandbox-image-tensorflow: venv
	scripts/docker/ensure_engine.sh
	$(PY) manage.py build_sandbox_image --framework tensorflow

## services: PostgreSQL, Redis, the Docker engine, Chromium: whatever the tests need
services:
	scripts/test_services.sh

lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

typecheck: venv
	.venv/bin/mypy .

pytest: venv node_modules/.installed
	SANDBOX_PROXY_SOCKET=$(SANDBOX_PROXY_SOCKET) scripts/docker/ensure_proxy.sh
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SANDBOX_BACKEND=docker \
	  DOCKER_HOST=unix://$(SANDBOX_PROXY_SOCKET) \
	  $(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## test: everything the tests need, then ruff, mypy and every test
test: venv services node_modules/.installed sandbox-image sandbox-image-tensorflow lint typecheck pytest

## bench: every benchmark beside its baseline in one run, quick sizes (docs/benchmarks.md);
## BENCH_ARGS="--only exam" for one suite, BENCH_ARGS= for the full sizes
BENCH_ARGS ?= --quick
bench: venv services sandbox-image
	command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SANDBOX_BACKEND=docker \
	  $(PY) manage.py benchmark $(BENCH_ARGS)

## messages: refresh and compile the translations (zh-hans, en)
messages: venv
	$(PY) manage.py makemessages -l en -l zh_Hans --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
