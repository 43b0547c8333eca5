# The classroom: JupyterHub on one server with nbgrader's exchange (classroom/README.md).
# Included by the Makefile. Each target runs losslab-classroom (lib/losslab_grader/classroom/)
# as root; arguments come through ARGS="…" as words, never as shell text.

CLASSROOM_STATE  ?= /srv/losslab-classroom
CLASSROOM_ROSTER ?= classroom/roster.csv
CLASSROOM_PORT   ?= 8000
CLASSROOM = $(BIN)/losslab-classroom --state "$(CLASSROOM_STATE)"

.PHONY: classroom classroom-release classroom-grade classroom-export classroom-nbgrader classroom-down

classroom: $(STAMP)  ## a JupyterHub on 127.0.0.1:8000 for classroom/roster.csv, one password per account (as root)
	$(CLASSROOM) setup --roster "$(CLASSROOM_ROSTER)" --port "$(CLASSROOM_PORT)" --course "$(CURDIR)"
	$(CLASSROOM) hub

classroom-release: $(STAMP)  ## make classroom-release ARGS="02_svm_loss --due '2026-12-08 23:59 UTC'": release with a due date
	$(WITH_ARGS) $(CLASSROOM) release

classroom-grade: $(STAMP)  ## make classroom-grade ARGS="02_svm_loss [--late-penalty 0.1]": collect, grade, gradebook, feedback, CSVs
	$(WITH_ARGS) $(CLASSROOM) grade

classroom-export: $(STAMP)  ## make classroom-export ARGS="02_svm_loss [--late-penalty 0.1]": the CSVs again, hand grading included
	$(WITH_ARGS) $(CLASSROOM) export

classroom-nbgrader: $(STAMP)  ## make classroom-nbgrader ARGS="db assignment list": nbgrader as the instructor, in the course
	$(WITH_ARGS) $(CLASSROOM) instructor -- nbgrader

classroom-down: $(STAMP)  ## stop the classroom hub and remove its accounts and state
	$(CLASSROOM) down
