"""nbgrader settings every student's server reads (JUPYTER_CONFIG_PATH, set by jupyterhub_config.py).

Students have no course folder: only the course id and where the exchange is.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.Exchange.root = os.environ.get("LOSSLAB_EXCHANGE", "/srv/losslab-classroom/exchange")
