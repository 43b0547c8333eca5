"""nbgrader settings the instructor's server and the classroom's commands read first.

The exchange and the course id, then the course's own nbgrader_config.py (from
the instructor's clone of the course, $LOSSLAB_COURSE): the instructor's server
starts in their home, and the formgrader reads nbgrader_config.py from the
Jupyter config path and the server's working folder only.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.Exchange.root = os.environ.get("LOSSLAB_EXCHANGE", "/srv/losslab-classroom/exchange")
if os.environ.get("LOSSLAB_COURSE"):
    load_subconfig("nbgrader_config.py", path=os.environ["LOSSLAB_COURSE"])  # noqa: F821
# Collect only what each student's own account submitted (losslab_classroom_exchange.Collect).
c.ExchangeFactory.collect = "losslab_classroom_exchange.Collect"
c.ExchangeFactory.list = "losslab_classroom_exchange.List"
