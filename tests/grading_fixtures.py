"""Build student submissions for the grading tests, the demo and the benchmark.

A submission is the released notebook (assignments/<name>/<name>.ipynb) with
some solution cells replaced: ``correct_sources`` reads the instructor's
solutions (markers removed), and ``make_submission`` writes a notebook with
chosen cells filled in, edited or deleted.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = "01_score_function"


def release_notebook(name: str = ASSIGNMENT):
    return nbformat.read(ROOT / "assignments" / name / f"{name}.ipynb", as_version=4)


def correct_sources(name: str = ASSIGNMENT) -> dict[str, str]:
    """{solution grade_id: the instructor's solution source without the BEGIN/END SOLUTION lines}."""
    nb = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if not re.search(r"### (BEGIN|END) SOLUTION", ln)]
            out[meta["grade_id"]] = "\n".join(lines)
    return out


def solution_ids(name: str = ASSIGNMENT) -> list[str]:
    return [
        c.metadata["nbgrader"]["grade_id"]
        for c in release_notebook(name).cells
        if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
    ]


def make_submission(
    path: Path,
    fill: dict[str, str] | None = None,
    *,
    name: str = ASSIGNMENT,
    edit: dict[str, str] | None = None,
    delete: tuple[str, ...] = (),
    append: str | None = None,
    prepend: str | None = None,
) -> Path:
    """Write a student notebook to path.

    fill: solution grade_id -> new source (others keep the release stub);
    edit: any grade_id -> new source (e.g. a student "fixing" a test cell);
    delete: grade_ids whose cells the student deleted;
    prepend/append: a code cell put before the first solution cell / at the end.
    """
    nb = copy.deepcopy(release_notebook(name))
    fill, edit = fill or {}, edit or {}
    cells = []
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in delete:
            continue
        if prepend is not None and gid in fill and not any(c.get("_pre") for c in cells):
            pre = nbformat.v4.new_code_cell(prepend)
            pre["_pre"] = True
            cells.append(pre)
        if gid in fill:
            cell.source = fill[gid]
        if gid in edit:
            cell.source = edit[gid]
        cells.append(cell)
    for c in cells:
        c.pop("_pre", None)
    if append is not None:
        cells.append(nbformat.v4.new_code_cell(append))
    nb.cells = cells
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def hidden_test_lines(name: str = ASSIGNMENT) -> set[str]:
    """The distinctive lines of the source's hidden regions: none may ever show in feedback."""
    from losslab_grader.testcells import hidden_lines

    src = nbformat.read(ROOT / "solutions" / name / f"{name}.ipynb", as_version=4)
    found = set()
    for cell in src.cells:
        lines = cell.source.splitlines()
        found |= {lines[i - 1].strip() for i in hidden_lines(cell.source)}
    return {h for h in found if len(h) > 12 and "HIDDEN TESTS" not in h}


def make_class(d: Path, n: int, name: str = ASSIGNMENT) -> list[str]:
    """n submissions in nbgrader layout, s000..: correct, or with one of two wrong stubs."""
    good = correct_sources(name)
    variants = [
        good,
        {**good, "append_bias": WRONG["append_bias"]},
        {**good, "predict_labels": WRONG["predict_labels"]},
        good,
    ]
    ids = []
    for i in range(n):
        sid = f"s{i:03d}"
        make_submission(d / sid / name / f"{name}.ipynb", variants[i % len(variants)], name=name)
        ids.append(sid)
    return ids


def read_grades(csv_path: Path) -> dict[str, dict[str, str]]:
    import csv

    with open(csv_path, newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def write_bad_json(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(json.loads(nbformat.writes(release_notebook())))
    path.write_text(text[: len(text) // 2])  # cut in the middle: not JSON any more
    return path


# --------------------------------------------------------------------------- example classes

WRONG = {
    "linear_scores": "def linear_scores(W, X, b=None):\n    return np.zeros((len(X), np.shape(W)[1]))",
    "append_bias": "def append_bias(X):\n    return np.asarray(X, dtype=float)  # forgot the column of ones",
    "predict_labels": "def predict_labels(scores):\n    return np.asarray(scores).argmin(axis=1)",
}

TAMPER = """
import numpy as _np
import losslab.checks as _lc
from contextlib import contextmanager

_np.allclose = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
_np.testing.assert_array_equal = lambda *a, **k: None

def check_close(*a, **k):
    pass

def check_shape(*a, **k):
    pass

def check_true(*a, **k):
    pass

def own_work(name, forbidden, fn, *a, **k):
    return fn(*a, **k)

@contextmanager
def case(name):
    try:
        yield
    except BaseException:
        pass

try:
    _lc.__dict__["check_close"] = check_close
    _lc.__dict__["case"] = case
    _lc.check_close.__code__ = check_close.__code__
except Exception:
    pass
import losslab.scores as _ls
for _n in dir(_ls):
    if not _n.startswith("_") and callable(getattr(_ls, _n)):
        setattr(_ls, _n, lambda *a, **k: _np.zeros((1, 1)))
"""


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


@contextlib.contextmanager
def loopback_cluster(base: Path, workers: int = 2):
    """A real Dask cluster on 127.0.0.1: `dask scheduler` and `dask worker` processes (1 thread each,
    no nanny), each worker in its own directory like a separate host. Yields
    {"address", "workers": [Popen]}; kills them all on exit."""
    import signal
    import subprocess
    import sys
    import time

    def start(args: list[str], cwd: Path, log: Path) -> subprocess.Popen:
        dask = str(Path(sys.executable).with_name("dask"))
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            return subprocess.Popen(
                [dask, *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    procs = []
    try:
        file = base / "scheduler.json"
        procs.append(
            start(
                [
                    "scheduler",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--no-dashboard",
                    "--scheduler-file",
                    str(file),
                ],
                base,
                base / "scheduler.log",
            )
        )
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)  # the file is written whole before the scheduler listens
        address = json.loads(file.read_text())["address"]
        started = []
        for i in range(workers):
            home = base / f"worker{i}"
            home.mkdir()
            started.append(
                start(
                    [
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-nanny",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(home),
                    ],
                    home,
                    base / f"w{i}.log",
                )
            )
        procs += started
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield {"address": address, "workers": started}
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
