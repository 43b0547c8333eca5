# The classroom: JupyterHub on one server with nbgrader's exchange (classroom/README.md).
# The main Makefile includes this file; it also works alone:
#   make -f classroom/classroom.mk classroom-install
# Targets that create accounts or run the hub need root and say so otherwise.

VENV ?= .venv
BIN  ?= $(VENV)/bin
# The classroom's own venv, from an interpreter every account can run: the course's
# python may live where students cannot read it (pyenv under /root, a home folder).
CLASSROOM_PYTHON ?= /usr/bin/python3
CLASSROOM_VENV := $(VENV)/classroom
CLASSROOM_STATE  ?= /srv/losslab-classroom
CLASSROOM_ROSTER ?= classroom/roster.csv
CLASSROOM_PORT   ?= 8000
# configurable-http-proxy, JupyterHub's proxy, from the npm registry (into .venv, so `make clean` drops it)
CLASSROOM_PROXY_VERSION ?= 5.3.0
CLASSROOM_NODE := $(VENV)/classroom-node
CLASSROOM_PROXY := $(CLASSROOM_NODE)/node_modules/.bin/configurable-http-proxy
CLASSROOM := $(BIN)/python classroom/classroom.py
LATE_PENALTY ?=

.PHONY: classroom classroom-install classroom-browser-install classroom-down classroom-grade classroom-nbgrader

$(CLASSROOM_VENV)/.installed: requirements.lock classroom/requirements.txt pyproject.toml
	@test -x $(CLASSROOM_PYTHON) || { echo "classroom: needs $(CLASSROOM_PYTHON) (apt-get install python3-venv), or CLASSROOM_PYTHON=/path/to/python3" >&2; exit 1; }
	$(CLASSROOM_PYTHON) -m venv $(CLASSROOM_VENV)
	$(CLASSROOM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CLASSROOM_VENV)/bin/python -m pip install --quiet -r requirements.lock -r classroom/requirements.txt -c requirements.lock
	$(CLASSROOM_VENV)/bin/python -m pip install --quiet --no-deps -e .
	touch $@

$(CLASSROOM_PROXY):
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y --no-install-recommends nodejs npm; \
	  else echo "classroom: JupyterHub's proxy needs Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; fi; }
	mkdir -p $(CLASSROOM_NODE)
	npm install --prefix $(CLASSROOM_NODE) --no-save --no-audit --no-fund --loglevel=error \
		configurable-http-proxy@$(CLASSROOM_PROXY_VERSION)
	test -x $@ && touch $@

classroom-install: $(CLASSROOM_VENV)/.installed $(CLASSROOM_PROXY)  ## JupyterHub (PyPI) and its proxy (npm) for the classroom

# Headless Chromium for the browser test: Debian's package (Playwright downloads no browser here).
classroom-browser-install: $(CLASSROOM_VENV)/.installed $(VENV)/.classroom-browser
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
	      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }; \
	  else echo "classroom: the browser test needs /usr/bin/chromium (apt-get install chromium)" >&2; exit 1; fi; }

$(VENV)/.classroom-browser: classroom/requirements-browser.txt
	$(BIN)/python -m pip install --quiet -c requirements.lock -r classroom/requirements-browser.txt
	touch $@

# $(STAMP) (the course's venv, for losslab-grade) when the main Makefile includes this file.
classroom: classroom-install $(STAMP)  ## a JupyterHub on 127.0.0.1:8000 for classroom/roster.csv (as root)
	$(CLASSROOM) setup --state $(CLASSROOM_STATE) --roster $(CLASSROOM_ROSTER) --port $(CLASSROOM_PORT)
	$(CLASSROOM) hub --state $(CLASSROOM_STATE)

classroom-down:  ## stop the classroom hub and remove its accounts and state
	$(CLASSROOM) down --state $(CLASSROOM_STATE)

classroom-nbgrader:  ## make classroom-nbgrader ARGS="release_assignment 01_score_function": nbgrader as the instructor
	$(CLASSROOM) instructor --state $(CLASSROOM_STATE) -- nbgrader $(ARGS)

classroom-grade: $(STAMP)  ## make classroom-grade ASSIGNMENT=01_score_function [LATE_PENALTY=0.1]: collect, grade, release feedback
	$(CLASSROOM) grade "$(ASSIGNMENT)" --state $(CLASSROOM_STATE) $(if $(LATE_PENALTY),--late-penalty $(LATE_PENALTY))
