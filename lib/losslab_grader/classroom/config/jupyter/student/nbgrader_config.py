"""nbgrader settings every student's server reads (JUPYTER_CONFIG_PATH, set by the hub's spawner).

Students have no course folder: only the course id, the exchange, where fetched assignments go
(~/assignments/<name>/, so that their links to ~/notebooks/ work as in the repository), and the
classroom's exchange classes (view feedback opens the page; a late submission says so).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = "losslab"
c.Exchange.root = os.environ.get("LOSSLAB_EXCHANGE", "/srv/losslab-classroom/exchange")
c.Exchange.assignment_dir = os.path.join(os.path.expanduser("~"), "assignments")
c.ExchangeFactory.list = "losslab_classroom_exchange.List"
c.ExchangeFactory.submit = "losslab_classroom_exchange.Submit"
