"""nbgrader configuration of the losslab course (nbgrader 0.9).

Instructor sources live in solutions/<name>/<name>.ipynb and `make release`
(losslab-release, lib/losslab_grader/release.py) writes the student versions to
assignments/<name>/<name>.ipynb. Everything that holds student work or grades
(submitted, autograded, feedback, the gradebook) lives under grading/nbgrader/,
which git ignores.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

ROOT = Path(__file__).resolve().parent
GRADING = ROOT / "grading" / "nbgrader"

c.CourseDirectory.course_id = "losslab"
c.CourseDirectory.root = str(ROOT)
# With student_id "." (the default for these two steps) the notebooks sit at
# solutions/<name>/<name>.ipynb and assignments/<name>/<name>.ipynb.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
# Step folders are relative to root, so a copy of the course elsewhere keeps them.
c.CourseDirectory.submitted_directory = "grading/nbgrader/submitted"
c.CourseDirectory.autograded_directory = "grading/nbgrader/autograded"
c.CourseDirectory.feedback_directory = "grading/nbgrader/feedback"
# sqlite cannot create the folder of its database file (git ignores it).
try:
    GRADING.mkdir(parents=True, exist_ok=True)
except OSError:  # a read-only checkout: only `nbgrader validate` works there, and it needs no gradebook
    pass
c.CourseDirectory.db_url = f"sqlite:///{GRADING / 'gradebook.db'}"

# Everything else in an assignment folder (data files) is copied with the
# notebook on release and on submission, except these. mistakes.py is the
# instructor's catalogue of known wrong implementations (losslab_grader.mistakes):
# it never reaches a student.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mistakes.py"]

# Per cell, not per notebook: each cell of a correct solution takes well under
# a second, so 60 s only guards against runaway student loops.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Standard stubs.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearHiddenTests.begin_test_delimeter = "BEGIN HIDDEN TESTS"
c.ClearHiddenTests.end_test_delimeter = "END HIDDEN TESTS"

# A deleted or stripped test cell is put back from the gradebook instead of
# silently becoming "needs manual grading".
c.OverwriteCells.add_missing_cells = True
