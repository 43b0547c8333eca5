# Every target runs inside .venv, which the first target to need it creates
# from requirements.lock (a universal lock: the same pins on every machine).
include venv.mk
# Scripts and tests draw off screen; `make lab` unsets this so kernels draw inline.
export MPLBACKEND := Agg

.DEFAULT_GOAL := help
.PHONY: help lab test lint site release student-bundle grade grade-demo bench lock clean

lab: $(STAMP)  ## open JupyterLab on the course
	env -u MPLBACKEND $(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir="$(CURDIR)" notebooks/01_score_function.ipynb

lint: $(STAMP)  ## ruff over the package, tests, benchmarks and notebooks
	$(BIN)/ruff check lib tests benchmarks scripts data notebooks solutions classroom

test: lint  ## lint, then the whole test suite
	$(BIN)/pytest

site: $(STAMP)  ## execute the lectures and render them with Sphinx (MyST-NB) as an offline course site in _site/
	$(BIN)/losslab-site --course "$(CURDIR)"

release: $(STAMP)  ## regenerate assignments/ from solutions/ with nbgrader
	$(BIN)/python scripts/release.py

ALLOW_DIRTY ?=
student-bundle: $(STAMP)  ## dist/losslab-student.zip from the last commit (refuses uncommitted changes; ALLOW_DIRTY=1)
	$(BIN)/python scripts/student_bundle.py $(if $(ALLOW_DIRTY),--allow-dirty)

ASSIGNMENT ?=
SUBMISSIONS ?=
OUT ?=
JOBS ?=
TIMEOUT ?=
MEMORY ?=
SCHEDULER ?=
grade: $(STAMP)  ## make grade ASSIGNMENT=02_svm_loss SUBMISSIONS=dir [OUT=dir] [JOBS=n] [TIMEOUT=s] [MEMORY=MB] [SCHEDULER=tcp://host:8786]
	$(BIN)/losslab-grade "$(ASSIGNMENT)" "$(SUBMISSIONS)" $(if $(OUT),--out "$(OUT)") \
		$(if $(JOBS),--jobs $(JOBS)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(MEMORY),--memory $(MEMORY)) \
		$(if $(SCHEDULER),--scheduler "$(SCHEDULER)")

grade-demo: $(STAMP)  ## grade the example class in grading/examples/
	$(BIN)/python scripts/grade_demo.py

bench: $(STAMP)  ## the benchmarks (they print ratios; they assert nothing)
	$(BIN)/python benchmarks/losses.py
	$(BIN)/python benchmarks/notebooks.py
	$(BIN)/python benchmarks/grading.py
	$(PYTHON) benchmarks/lab_startup.py

# uv from PATH, else the one `make` installed into .venv
UV_CMD = $(if $(shell command -v uv),uv,$(BIN)/uv)
lock:  ## re-resolve requirements.lock from pyproject.toml (needs uv: on PATH or in .venv)
	$(UV_CMD) pip compile pyproject.toml --extra course --extra site --extra grader --extra dev --universal \
		--python-version 3.10 -o requirements.lock

clean:  ## remove the environment and everything generated
	rm -rf $(VENV) _site dist .pytest_cache

# The classroom: JupyterHub on one server with nbgrader's exchange (classroom/README.md).
include classroom/classroom.mk
