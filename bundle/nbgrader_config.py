"""nbgrader configuration for the student's copy of losslab.

Only `nbgrader validate` runs here (`make validate`): it executes a notebook
top to bottom and reports the visible tests that fail. Hidden tests, the
gradebook and grading stay with the instructor.
"""

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.CourseDirectory.release_directory = "assignments"
# As when your notebook is graded: each cell gets 60 s, so a runaway loop stops.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
# Encrypt the kernel's local connection when it can, as make site does: otherwise
# ipykernel warns on every run that it talks plain TCP.
c.KernelManager.transport_encryption = "auto"
