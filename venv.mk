# How `make` installs requirements.lock into $(VENV); included by the Makefile
# (and shipped in the student bundle, whose Makefile includes it too).
#
# uv installs the lock in seconds where pip takes a minute or more, so pip
# only bootstraps uv (at the version the lock pins) into the venv, and uv
# installs the rest. If uv cannot be had or fails, pip installs the lock as
# before. Either way the only prerequisites are python3 and make.
UV_PIN = $(shell grep -m1 '^uv==' requirements.lock | cut -d' ' -f1)
PIP    = $(VENV)/bin/python -m pip --quiet --disable-pip-version-check
UV     = $(VENV)/bin/uv pip install --quiet --python $(VENV)/bin/python

define INSTALL_LOCK
@echo "installing requirements.lock into $(VENV)"
@( $(PIP) install "$(UV_PIN)" \
	&& $(UV) -r requirements.lock \
	&& $(UV) --no-deps -e . ) \
|| ( echo "uv could not install the lock: falling back to pip (slower)" \
	&& $(PIP) install -r requirements.lock \
	&& $(PIP) install --no-deps -e . )
endef
