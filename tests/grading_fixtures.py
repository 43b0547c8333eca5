"""Hostile submissions and helpers for the grading tests.

The builders (the release with some cells filled in, edited or deleted) are
losslab_grader.demo's, bound here to this checkout; the attacks are the tests' own.
"""

from __future__ import annotations

import functools
from pathlib import Path

import nbformat
from losslab_grader import demo
from losslab_grader.course import Course
from losslab_grader.demo import TAMPER, WRONG  # noqa: F401  (re-exported for the tests)
from losslab_grader.model import Settings

ROOT = Path(__file__).resolve().parents[1]
COURSE = Course(ROOT)
ASSIGNMENT = demo.ASSIGNMENT
#: For runs whose grades are compared and where nothing hangs: 600 s per submission, since on a
#: machine at load 9 a stub once took over the default 120 s (no test may depend on its speed).
PATIENT = Settings(timeout=600)

# The course's submission builders (losslab_grader.demo), bound to this checkout.
release_notebook = functools.partial(demo.release_notebook, COURSE)
correct_sources = functools.partial(demo.correct_sources, COURSE)
make_submission = functools.partial(demo.make_submission, COURSE)
make_class = functools.partial(demo.make_class, COURSE)
write_bad_json = functools.partial(demo.write_bad_json, COURSE)


def hidden_test_lines(name: str = ASSIGNMENT) -> set[str]:
    """The distinctive lines of the source's hidden regions: none may ever show in feedback."""
    from losslab_grader.testcells import hidden_lines

    src = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    found = set()
    for cell in src.cells:
        lines = cell.source.splitlines()
        found |= {lines[i - 1].strip() for i in hidden_lines(cell.source)}
    return {h for h in found if len(h) > 12 and "HIDDEN TESTS" not in h}


def read_grades(csv_path: Path) -> dict[str, dict[str, str]]:
    import csv

    with open(csv_path, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


# Attacks on the grading design itself (issue 8): each one earned full marks from wrong stubs
# when the verdict was decided inside the student's interpreter.
TRANSFORMER = (
    "get_ipython().input_transformers_post.append(\n"
    '    lambda ls: ["pass\\n"] if any("check_" in l for l in ls) else ls)'
)

FRAME_WALK = """
import sys, gc
import numpy as np
_orig = np.asarray
def _walk(*a, **k):
    f = sys._getframe(1)
    while f is not None:
        for name in ("expected", "e", "reference"):
            if f.f_locals.get(name) is not None and name in f.f_code.co_varnames:
                return _orig(f.f_locals[name], *a[1:], **k)
        f = f.f_back
    return _orig(*a, **k)
np.asarray = _walk
np.core.multiarray.asarray = _walk if hasattr(np, "core") else None
"""

FAKE_RESULT = """
ip = get_ipython()
ip.events.register("pre_run_cell", lambda info: ip.displayhook(100.0))
ip.events.register("post_run_cell", lambda result: ip.displayhook(100.0))
"""

LAUNDER = """
import types
try:
    import losslab.scores as _ref
    def _copy(f, name):
        return types.FunctionType(f.__code__, f.__globals__, name, f.__defaults__, f.__closure__)
    linear_scores = _copy(_ref.linear_scores, "mine")
    append_bias = _copy(_ref.append_bias, "mine2")
    predict_labels = _copy(_ref.predict_labels, "mine3")
except ImportError as exc:
    print("no reference:", exc)
"""

LEAK_SOURCE = """
ip = get_ipython()
ip.events.register("post_run_cell", lambda result: print("LEAKED:", result.info.raw_cell))
ip.events.register("pre_run_cell", lambda info: print("LEAKED:", info.raw_cell))
"""

#: Kill or take over every other process this kernel can see (other students' kernels, the grader).
KILLER = """
import os, glob, signal, json
me = os.getpid()
seen = [int(p) for p in os.listdir("/proc") if p.isdigit()]
print("processes seen:", len(seen))
for pid in seen:
    if pid not in (me, 1):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
for f in glob.glob("/dev/shm/**/kernel*.json", recursive=True) + glob.glob("/tmp/**/kernel*.json",
                                                                        recursive=True):
    print("found connection file", f)
"""

#: Leaves a daemon behind (setsid + double fork) with a unique token in its command line.
DAEMON = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{token}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

#: Holds as many processes as it may, to starve everyone else of RLIMIT_NPROC.
HOARDER = """
import os, time
kids = 0
for _ in range(5000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    kids += 1
print("forked", kids)
"""

ENV_THIEF = "import os\nprint(sorted(os.environ.items()))"

SCRIPTS = {
    "display": "from IPython.display import HTML, Javascript, display\n"
    "display(HTML(\"<script>window.__pwned = 1</script><img src=x onerror='window.__pwned=2'>\"))\n"
    'display(Javascript("window.__pwned = 3"))',
}
MARKDOWN_SCRIPT = (
    '<script>window.__pwned = 4</script>\n\n<img src="x" onerror="window.__pwned = 5">\n\n'
    '[click](javascript:window.__pwned=6) <a href="javascript:window.__pwned=7">a</a>'
)


def deep_json(path: Path, depth: int = 100_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[" * depth + "]" * depth)
    return path


def add_markdown(path: Path, text: str) -> Path:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(text))
    nbformat.write(nb, path)
    return path


def add_cells(path: Path, sources: list[str]) -> Path:
    nb = nbformat.read(path, as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path


def snoop_code(*paths: Path) -> str:
    """A cell that tries to read and write every path, and to steal the solutions."""
    targets = [str(p) for p in paths]
    return f'''
import os, glob, json
_found = []
for _p in {targets!r}:
    for _q in [q for q in glob.glob(_p + "/**", recursive=True) if os.path.exists(q)][:50]:
        _found.append(_q)
        if os.path.isfile(_q):
            try:
                open(_q, "rb").read(100)
            except OSError:
                pass
    for _name in ("pwned.txt", "gradebook.db"):
        try:
            with open(os.path.join(_p, _name), "a") as _f:
                _f.write("pwned")
        except OSError:
            pass
print("visible files:", len(_found))
for _q in glob.glob("{targets[0]}/{ASSIGNMENT}/*.ipynb"):
    for _c in json.load(open(_q))["cells"]:
        _src = "".join(_c["source"])
        if "def " in _src and "BEGIN SOLUTION" in _src:
            try:
                exec(_src, globals())
            except Exception:
                pass
'''
