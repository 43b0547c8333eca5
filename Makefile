# Every target runs inside .venv, which the first target to need it creates
# from requirements.lock (a universal lock: the same pins on every machine).
include venv.mk
# Scripts and tests draw off screen; `make lab` unsets this so kernels draw inline.
export MPLBACKEND := Agg
# What `make TARGET ARGS="…"` passes on to the command: its words (split as a shell would, quotes
# group them), never shell text. Exported unexpanded: $(…) or ; in ARGS are only characters.
export LOSSLAB_MAKE_ARGS := $(value ARGS)
unexport ARGS
WITH_ARGS = $(BIN)/python -m losslab_grader.makeargs
# The tests in parallel: most of their time is spent waiting on kernels and servers.
TEST_WORKERS ?= 4

.DEFAULT_GOAL := help
.PHONY: help lab test test-fast lint site release student-bundle grade grade-demo grade-certs bench lock clean

lab: $(STAMP)  ## open JupyterLab on the course
	env -u MPLBACKEND $(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir="$(CURDIR)" notebooks/01_score_function.ipynb

lint: $(STAMP)  ## ruff over the packages, tests, benchmarks and notebooks
	$(BIN)/ruff check lib tests benchmarks data notebooks solutions bundle

test: lint  ## lint, then the whole test suite (make test-fast for the quick tier)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder  # long modules first: tests/conftest.py

test-fast: lint  ## lint, then every module's unit tests: no notebook, kernel or server runs (about a minute)
	$(BIN)/pytest -m "not slow" -n 2  # 64-73 s here, one process 93 s: a second collection costs less than it saves

site: $(STAMP)  ## execute the lectures (cached) and render them with Sphinx (MyST-NB) as an offline course site in _site/
	$(BIN)/losslab-site --course "$(CURDIR)"

release: $(STAMP)  ## regenerate assignments/ from solutions/ with nbgrader
	$(BIN)/losslab-release

student-bundle: $(STAMP)  ## dist/losslab-student.zip from the last commit (ARGS="--allow-dirty" to build past uncommitted changes)
	$(WITH_ARGS) $(BIN)/losslab-student-bundle

grade: $(STAMP)  ## make grade ARGS="02_svm_loss SUBMISSIONS [--jobs N] [--timeout S] …": grade a class (losslab-grade --help)
	$(WITH_ARGS) $(BIN)/losslab-grade

grade-demo: $(STAMP)  ## grade the example class in grading/examples/ into grading/demo/
	$(BIN)/losslab-grade-demo

grade-certs: $(STAMP)  ## make grade-certs ARGS="DIR --host HOST": a CA and certificates for a TLS grading cluster
	$(WITH_ARGS) $(BIN)/losslab-grade-certs

bench: $(STAMP)  ## the benchmarks (they print ratios; they assert nothing)
	$(BIN)/python benchmarks/losses.py
	$(BIN)/python benchmarks/notebooks.py
	$(BIN)/python benchmarks/grading.py
	$(BIN)/python benchmarks/insight.py
	$(PYTHON) benchmarks/lab_startup.py

# uv from PATH, else the one `make` installed into .venv
UV_CMD = $(if $(shell command -v uv),uv,$(BIN)/uv)
# Left out of the lock (and so installed nowhere; every install of the lock is --no-deps):
# rfc3987-syntax builds ~35 Earley parsers when jsonschema imports it (jsonschema/jsonschema#1428),
# a second of CPU in every process that reads a notebook (nbformat validates with jsonschema), for
# an "iri" format no Jupyter schema uses. jsonschema skips that check when it is absent.
LOCK_EXCLUDES = rfc3987-syntax
lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv: on PATH or in .venv)
	printf '%s\n' $(LOCK_EXCLUDES) | $(UV_CMD) pip compile pyproject.toml \
		--extra course --extra site --extra grader --extra classroom --extra dev \
		--universal --python-version 3.10 --excludes - -o requirements.lock

clean:  ## remove the environment and everything generated
	rm -rf $(VENV) _site dist .pytest_cache .cache

# The classroom: JupyterHub on one server with nbgrader's exchange (classroom/README.md).
include classroom/classroom.mk
