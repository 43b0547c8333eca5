"""nbgrader settings baked into the Kubernetes image (/etc/jupyter/nbgrader_config.py).

The exchange is a ReadWriteMany volume mounted at /srv/nbgrader/exchange in every
user's pod (values.yaml). The instructor's course folder adds its own
nbgrader_config.py (read from the server's working folder).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.Exchange.root = "/srv/nbgrader/exchange"
# The instructor's server (values.yaml sets LOSSLAB_COURSE for them) reads the course's own config.
if os.environ.get("LOSSLAB_COURSE"):
    load_subconfig("nbgrader_config.py", path=os.environ["LOSSLAB_COURSE"])  # noqa: F821
