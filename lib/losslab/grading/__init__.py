"""losslab.grading: the instructor's batch grader, built on nbgrader.

``losslab-grade NAME SUBMISSIONS --out DIR --jobs N`` (``make grade``) runs
``nbgrader autograde`` on every submission in parallel worker processes, each
notebook in a fresh kernel jailed by :mod:`losslab.grading.sandbox`, and
writes grades.csv, per-student feedback without hidden tests, an nbgrader
gradebook and report.html. See :mod:`losslab.grading.cli`.

This package imports nothing heavy at import time: the sandbox wrapper is
started as ``python -m losslab.grading.sandbox`` before every kernel.
"""

import sys

# nbformat imports jsonschema, which compiles some 40 lark grammars for the IRI
# string formats when the optional rfc3987_syntax is installed (jupyter-events
# pulls it in): 0.86 s of every grading run, for formats no notebook uses.
# Marking it absent makes jsonschema skip those two format checks.
sys.modules.setdefault("rfc3987_syntax", None)
