"""nbgrader settings the instructor's server and `make classroom-grade` read first.

Only where the exchange is: everything else comes from the course's own
nbgrader_config.py, which nbgrader reads next from the course folder (the
instructor's server starts there).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.Exchange.root = os.environ.get("LOSSLAB_EXCHANGE", "/srv/losslab-classroom/exchange")
