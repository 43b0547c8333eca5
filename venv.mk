# How `make` creates $(VENV) and installs requirements.lock into it, and what every
# target needs from it ($(BIN), the $(STAMP) prerequisite, `make help`, ALLOW_ROOT);
# included by the Makefile and by the student bundle's Makefile, which ships it.
#
# uv installs the lock in seconds where pip takes a minute or more. So the venv
# is made without pip (seeding pip into it is slow), pip from the python3 that
# runs `make` bootstraps uv into it (at the version the lock pins), and uv
# installs the rest. If python3 has no pip that can do this, the venv gets its
# own pip (ensurepip) to bootstrap uv; and if uv cannot be had or fails, pip
# installs the lock as before. Either way the only prerequisites are python3
# and make. The lock is installed as it is (--no-deps): it already holds every
# dependency, less what the Makefile's LOCK_EXCLUDES leaves out on purpose.
# uv compiles the bytecode as it installs (pip does by default): where Python
# may not write it (PYTHONDONTWRITEBYTECODE, as in many CI images, or an
# environment its users cannot write) every process would otherwise compile
# what it imports, e.g. three seconds of CPU to start nbgrader instead of one. The venv holds uv, not pip: `.venv/bin/uv pip install NAME` adds a
# package (or `.venv/bin/python -m ensurepip` brings pip back).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

UV_PIN  = $(shell grep -m1 '^uv==' requirements.lock | cut -d' ' -f1)
PIPQ    = --quiet --disable-pip-version-check
PIP     = $(VENV)/bin/python -m pip $(PIPQ)
UV      = $(VENV)/bin/uv pip install --quiet --compile-bytecode --python $(VENV)/bin/python
ENSUREPIP = ( $(VENV)/bin/python -m pip --version >/dev/null 2>&1 || $(VENV)/bin/python -m ensurepip --default-pip >/dev/null )

define INSTALL_LOCK
@echo "creating $(VENV) and installing requirements.lock into it"
$(PYTHON) -m venv --without-pip $(VENV)
@( ( $(PYTHON) -m pip $(PIPQ) --python $(VENV)/bin/python install "$(UV_PIN)" 2>/dev/null \
	|| ( $(ENSUREPIP) && $(PIP) install "$(UV_PIN)" ) ) \
	&& $(UV) --no-deps -r requirements.lock \
	&& $(UV) --no-deps -e . ) \
|| ( echo "uv could not install the lock: falling back to pip (slower)" \
	&& $(ENSUREPIP) \
	&& $(PIP) install --no-deps -r requirements.lock \
	&& $(PIP) install --no-deps -e . )
endef

$(STAMP): requirements.lock pyproject.toml
	$(INSTALL_LOCK)
	touch $@

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# Jupyter refuses to run as root unless told; containers and CI often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
