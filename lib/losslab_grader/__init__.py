"""losslab_grader: the instructor's batch grader for the losslab course, built on nbgrader.

It is a separate package from ``losslab`` (the course library students
import): no grading machinery ships with the course, and the grading jail
sees the course library without the reference modules an assignment grades.

``losslab-grade NAME SUBMISSIONS --out DIR --jobs N`` (``make grade``) runs
nbgrader's autograde on every submission in parallel, each notebook in a
fresh kernel inside a bubblewrap jail (:mod:`.sandbox`). Test cells only
*record* values there; the verdict is computed in the grader's process by
comparing those records with the solution's (:mod:`.verdict`). It writes
grades.csv, a feedback page per student (:mod:`.feedback`), an nbgrader
gradebook and report.html. See :mod:`.cli`.
"""

import sys

# nbformat imports jsonschema, which compiles some 40 lark grammars for the IRI
# string formats when the optional rfc3987_syntax is installed (jupyter-events
# pulls it in): 0.86 s of every grading run, for formats no notebook uses.
# Marking it absent makes jsonschema skip those two format checks.
sys.modules.setdefault("rfc3987_syntax", None)
