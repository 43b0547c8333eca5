"""Grading workspaces, the reference run, and the work done for one submission.

``prepare_template`` builds one private nbgrader course (``source/``,
``release/``, ``gradebook.db``) from the assignment's source notebook, the
grading form of every test cell, and the jail's view of the course library.
Each worker process copies it into its own directory. A task is one notebook:
either the solution (``run_reference``, once per assignment and run, cached by
content) or a submission (``grade_submission``). Every task runs in a child
process forked from the warm worker, under a wall-clock deadline and a memory
cap that cover the whole pipeline (reading the file, nbgrader's autograde,
the verdicts, the feedback page), and returns plain data: scores, messages,
the feedback page and the executed notebook. The coordinator alone writes
files. Nothing a submission contains is read outside such a child.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import resource
import select
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path

import nbformat
from traitlets.config import Config, PyFileConfigLoader

from . import feedback, nbpieces, sandbox, testcells, verdict
from .jail import jail_library

STATUSES = ("ok", "timeout", "crashed", "invalid", "missing")
REFERENCE_ID = "reference-solution"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024


def repo_root() -> Path:
    """The course repository (the grader is installed editable from its lib/)."""
    return Path(__file__).resolve().parents[2]


def course_id() -> str:
    """The course id of nbgrader_config.py ("default_course" without one)."""
    cfg = _course_config()
    return cfg.CourseDirectory.course_id if "course_id" in cfg.CourseDirectory else "default_course"


def _course_config() -> Config:
    course_cfg = repo_root() / "nbgrader_config.py"
    if not course_cfg.exists():
        return Config()
    return PyFileConfigLoader(course_cfg.name, path=str(course_cfg.parent)).load_config()


def nbgrader_config(ws: Path, settings: dict) -> Config:
    """The course's nbgrader_config.py, pointed at workspace ws and given the grader's preprocessors."""
    c = Config()
    c.merge(_course_config())
    cd = c.CourseDirectory
    cd.root = str(ws)
    cd.source_directory = "source"
    cd.release_directory = "release"
    cd.submitted_directory = "submitted"
    cd.autograded_directory = "autograded"
    cd.feedback_directory = "feedback"
    cd.db_url = f"sqlite:///{ws / 'gradebook.db'}"
    c.OverwriteCells.add_missing_cells = True
    # the task's deadline enforces the per-submission limit; this only backs it up
    c.Execute.timeout = int(settings["timeout"]) + 30
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
    c.CappedExecute.timeout = int(settings["timeout"]) + 30
    c.CappedExecute.sandbox = settings.get("sandbox", {})
    c.CappedExecute.max_output_chars = int(settings.get("max_output_chars", 20_000))
    c.CappedExecute.shutdown_kernel = "immediate"  # kill the kernel once its cells have run
    from nbgrader import preprocessors as pp

    c.Autograde.sanitize_preprocessors = [
        pp.ClearOutput,
        pp.DeduplicateIds,
        pp.OverwriteKernelspec,
        pp.OverwriteCells,
        pp.CheckCellMetadata,
        nbpieces.RewriteTests,
    ]
    c.Autograde.autograde_preprocessors = [
        nbpieces.CappedExecute,
        nbpieces.Verdict,
        pp.SaveAutoGrades,
        pp.AssignLatePenalties,
        pp.CheckCellMetadata,
    ]
    c.Autograde.create_student = True
    c.NbGrader.logfile = ""
    return c


def _coursedir(c: Config, name: str, student: str | None = None):
    from nbgrader.coursedir import CourseDirectory

    cd = CourseDirectory(config=c)
    cd.assignment_id = name
    if student is not None:
        cd.student_id = student
    return cd


def _quiet(app, sink: list[str] | None = None) -> None:
    """Silence app's log; collect its error messages in sink."""
    app.log.handlers[:] = []
    app.log.propagate = False
    app.log.setLevel(logging.ERROR)
    if sink is not None:

        class Grab(logging.Handler):
            def emit(self, record):
                sink.append(record.getMessage())

        app.log.addHandler(Grab(level=logging.ERROR))


def _fast_alembic_version() -> None:
    """nbgrader runs an `alembic` process for the schema head of each new gradebook: ask in-process."""
    import nbgrader.api

    try:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory(str(Path(nbgrader.api.__file__).with_name("alembic"))).get_current_head()
    except Exception:
        return
    if head:
        nbgrader.api.get_alembic_version = lambda: head


def prepare_template(name: str, ws: Path, settings: dict, jail_dir: Path) -> dict:
    """Generate the assignment into workspace ws, the jail's library into jail_dir; describe the tests.

    Returns {"tests": {grade_id: points}, "manual_points", "sources": grading sources,
    "originals": source test cells, "key": a digest of everything the reference run depends on}.
    """
    from nbgrader.api import Gradebook
    from nbgrader.converters import GenerateAssignment

    _fast_alembic_version()
    bindir = str(Path(sys.executable).parent)  # nbgrader may run this environment's `alembic`
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    src = repo_root() / "solutions" / name / f"{name}.ipynb"
    if not src.exists():
        raise FileNotFoundError(f"no source notebook {src}")
    (ws / "source" / name).mkdir(parents=True)
    shutil.copy2(src, ws / "source" / name / src.name)
    c = nbgrader_config(ws, settings)
    c.CourseDirectory.assignment_id = name
    app = GenerateAssignment(coursedir=_coursedir(c, name), config=c)
    _quiet(app)
    app.force = True
    app.start()
    nb = nbformat.read(src, as_version=4)
    originals = {testcells.meta(c)["grade_id"]: c.source for c in nb.cells if testcells.is_test_cell(c)}
    sources = {gid: testcells.grading_source(s) for gid, s in originals.items()}
    tests: dict[str, float] = {}
    manual = 0.0
    with Gradebook(f"sqlite:///{ws / 'gradebook.db'}", course_id()) as gb:
        for cell in gb.find_notebook(name, name).grade_cells:
            if cell.cell_type == "code":
                tests[cell.name] = float(cell.max_score)
            else:
                manual += float(cell.max_score)
    order = list(originals)
    tests = dict(sorted(tests.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 10**6))
    release = nbformat.read(ws / "release" / name / f"{name}.ipynb", as_version=4)
    lib = jail_library(release, repo_root() / "lib" / "losslab", jail_dir / "losslab")
    shutil.copytree(repo_root() / "data", jail_dir.parent / "data", ignore=shutil.ignore_patterns("*.py"))
    key = _digest(
        [
            src.read_bytes(),
            *(p.read_bytes() for p in sorted(lib.rglob("*.py"))),
            repr(sys.version_info).encode(),
            Path(__file__).read_bytes(),
        ]
    )
    return {"tests": tests, "manual_points": manual, "sources": sources, "originals": originals, "key": key}


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:24]


# --------------------------------------------------------------------------- worker side

_W: dict = {}

#: Where the jail shows the course library (the bundle's jail-lib/) and the course's data/.
JAIL_COURSE = "/course"


def pack(ws_root: Path) -> bytes:
    """The workspace as a tar archive, for workers on other machines (no shared file system)."""
    import io
    import tarfile

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        for part in ("template", "jail-lib", "seed", "data"):
            tar.add(ws_root / part, arcname=part)
    return buf.getvalue()


def _unpack(data: bytes) -> Path:
    import io
    import tarfile
    import tempfile

    shm = Path("/dev/shm")
    root = Path(tempfile.mkdtemp(prefix="losslab-worker-", dir=shm if os.access(shm, os.W_OK) else None))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(root, filter="data")
    return root


def _claim_slot() -> int:
    """A sandbox slot no other grading process on this machine holds (a lock held for life)."""
    import fcntl

    for slot in range(1000):
        try:
            fd = os.open(f"/tmp/losslab-grader-slot-{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        _W["slot_fd"] = fd
        return slot
    raise RuntimeError("no free sandbox slot")


def _ensure(bundle: dict) -> None:
    """Set this worker process up for bundle once: its own copy of the course, its slot, its app.

    bundle: "key", "name", "settings", "info", and "path" (a workspace on this machine) or "tar"
    (the workspace packed by :func:`pack`, for a worker elsewhere).
    """
    if _W.get("key") == bundle["key"]:
        return
    from nbgrader.converters import Autograde

    name, info = bundle["name"], bundle["info"]
    if _W.get("unpacked"):  # the previous run's workspace on this worker
        shutil.rmtree(_W.pop("unpacked"), ignore_errors=True)
    root = Path(bundle["path"]) if "path" in bundle else _unpack(bundle["tar"])
    if "path" not in bundle:
        _W["unpacked"] = root
    slot = _W["slot"] if "slot" in _W else _claim_slot()
    ws = root / f"worker-{slot}"
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(root / "template", ws)
    warnings.filterwarnings("ignore")  # nbgrader's SQLAlchemy warnings; kernels have their own setting
    release = nbformat.read(ws / "release" / name / f"{name}.ipynb", as_version=4)
    known = {
        testcells.meta(c)["grade_id"]: (c.cell_type, testcells.meta(c))
        for c in release.cells
        if testcells.meta(c).get("grade_id")
    }
    settings = bundle["settings"]
    box = dict(settings["sandbox"], slot=slot, ipc_dir=str(ws / "ipc"), rw=[str(ws / "ipc")])
    if box.get("mode") == "auto":  # a worker elsewhere: whatever works on its machine
        box["mode"] = sandbox.probe(python_paths())
    if box.get("mode"):
        box["maps"] = [
            [str(root / "jail-lib"), f"{JAIL_COURSE}/lib"],
            [str(root / "data"), f"{JAIL_COURSE}/data"],
        ]
        box["copy"] = [[str(root / "seed" / "mplconfig"), "/tmp/mplconfig"]]
        box["binds"] = [*python_paths(), str(root / "seed")]
        box["env"] = dict(box.get("env", {}), PYTHONPATH=f"{JAIL_COURSE}/lib")
    else:  # no jail: the same filtered library, from where it lies
        box["env"] = dict(box.get("env", {}), PYTHONPATH=str(root / "jail-lib"))
    settings = dict(settings, sandbox=box)
    config = nbgrader_config(ws, settings)
    _warm_up(ws, config, name, release)
    app = Autograde(coursedir=_coursedir(config, name), config=config)
    errors: list[str] = []
    _quiet(app, errors)
    app.force = True
    _W.update(
        key=bundle["key"],
        slot=slot,
        known_ids=known,
        ws=ws,
        settings=settings,
        name=name,
        info=info,
        config=config,
        app=app,
        errors=errors,
    )


def _warm_up(ws: Path, config: Config, name: str, release) -> None:
    """Autograde the untouched release once here, without a kernel, before any child is forked.

    Every grading child is forked from this process: what nbgrader, SQLAlchemy, jsonschema and
    the kernel client initialise lazily on first use (imports, mappers, compiled queries and
    regular expressions, schema validators) is then done once per worker instead of once per
    submission. No kernel runs here, so this process starts no thread before it forks.
    """
    import copy

    import nbclient  # noqa: F401  (imported once here rather than in every child)
    from jupyter_client.kernelspec import KernelSpecManager
    from nbgrader.converters import Autograde

    KernelSpecManager().get_kernel_spec("python3")  # imports IPython and ipykernel's kernelspec

    warm = copy.deepcopy(config)
    warm.Autograde.autograde_preprocessors = [
        p for p in config.Autograde.autograde_preprocessors if p is not nbpieces.CappedExecute
    ]
    dest = ws / "submitted" / "warm-up" / name
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, dest / f"{name}.ipynb")
    app = Autograde(coursedir=_coursedir(warm, name, "warm-up"), config=warm)
    _quiet(app)
    app.force = True
    try:
        app.start()
    except Exception:
        pass  # a warm-up only: the real runs report their own errors
    read_notebook(nbformat.writes(release).encode())


def prepare_worker(bundle: dict) -> None:
    """Set this worker up for bundle now (a task of its own), rather than on its first submission."""
    _ensure(bundle)


def reference_task(bundle: dict) -> dict:
    """Run the solution's test cells in the jail (trusted, with expected values); return their records."""
    _ensure(bundle)
    return _in_child(_reference_work)


def grade_task(bundle: dict, student: str, data: bytes, reference: dict) -> dict:
    """Grade one submission (its bytes, parsed only inside the child) against the reference records.

    The same function runs in a local process pool and on a Dask worker: everything it needs comes
    in its arguments, and everything it produces goes back in its result.
    """
    _ensure(bundle)
    result = _in_child(_grade_work, student, data, reference, student=student)
    return {**result, "isolation": _W["settings"]["sandbox"].get("mode")}


def _in_child(work, *args, student: str = REFERENCE_ID) -> dict:
    """Run work(*args) in a forked child under the deadline and memory cap; return its result."""
    settings = _W["settings"]
    start = time.perf_counter()
    deadline = start + float(settings["timeout"])
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: whatever happens, it exits here
        os.close(read_fd)
        code = 0
        try:
            os.setpgid(0, 0)
            _die_with_parent()  # a worker that dies (a lost cluster node) takes its grading child along
            pipeline_mb = int(settings["memory"]) + 2048
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (pipeline_mb * 1024 * 1024, hard))
            payload = json.dumps(work(*args)).encode()
        except BaseException as exc:  # noqa: BLE001 - the child reports everything
            payload = json.dumps({"error": f"{type(exc).__name__}: {exc}"[:400]}).encode()
            code = 1
        try:
            with os.fdopen(write_fd, "wb") as f:
                f.write(payload)
        finally:
            os._exit(code)
    os.close(write_fd)
    chunks, timed_out = [], False
    with os.fdopen(read_fd, "rb") as f:
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([f], [], [], left)
            if not ready:
                continue
            chunk = os.read(f.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass
    _, status = os.waitpid(pid, 0)
    box = settings["sandbox"]
    if timed_out and box.get("mode") == "root":  # the child had no time to sweep its kernel's uid
        sandbox.sweep(sandbox.UID_BASE + int(box["slot"]))
    seconds = round(time.perf_counter() - start, 3)
    base = {"student_id": student, "scores": {}, "public_failures": [], "seconds": seconds}
    if timed_out:
        return {
            **base,
            "status": "timeout",
            "reason": f"did not finish within {settings['timeout']:g} s (killed)",
        }
    try:
        result = json.loads(b"".join(chunks))
    except ValueError:
        signame = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {status}"
        return {**base, "status": "crashed", "reason": f"the grading process died ({signame})"}
    if "error" in result:
        return {
            **base,
            "status": "crashed",
            "reason": f"the grader failed on this notebook: {result['error']}",
        }
    return {**base, **result, "seconds": seconds}


def _die_with_parent() -> None:
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _autograde(student: str, nb, grading: dict, mode: str) -> tuple[object, dict]:
    """Run nbgrader's autograde on nb as student; return (executed notebook, resources of the Verdict)."""
    ws, name = _W["ws"], _W["name"]
    dest = ws / "submitted" / student / name
    dest.mkdir(parents=True)
    nbformat.write(nb, dest / f"{name}.ipynb")
    nbpieces.GRADING.update(grading, mode=mode, verdicts={}, errors={})
    os.makedirs(_W["settings"]["sandbox"]["ipc_dir"], exist_ok=True)
    app = _W["app"]
    app.coursedir.student_id = student
    try:
        app.start()
    finally:
        nbpieces.kill_kernels()
    graded = ws / "autograded" / student / name / f"{name}.ipynb"
    return nbformat.read(graded, as_version=4), nbpieces.GRADING["verdicts"]


def _reference_work() -> dict:
    src = nbformat.read(_W["ws"] / "source" / _W["name"] / f"{_W['name']}.ipynb", as_version=4)
    executed, _ = _autograde(
        REFERENCE_ID, src, {"sources": {}, "reference": {}, "originals": {}}, "reference"
    )
    records, problems = {}, []
    for cell in executed.cells:
        gid = testcells.meta(cell).get("grade_id")
        if not testcells.is_test_cell(cell):
            continue
        records[gid] = verdict.records_of(cell)
        if verdict.error_name(cell):
            err = next(o for o in cell.outputs if o.get("output_type") == "error")
            problems.append(f"{gid}: the solution raised {err.get('ename')}: {str(err.get('evalue'))[:200]}")
        elif not records[gid]:
            problems.append(f"{gid}: the test cell checks nothing (no check_* call ran)")
    return {"records": records, "problems": problems}


def decode_reference(raw: dict) -> tuple[dict, list[str]]:
    """The reference records decoded for judging, and every check where the solution fails its own test."""
    decoded, problems = {}, []
    for gid, records in raw.items():
        decoded[gid] = []
        for r in records:
            kind, label, value = verdict.decode(r)
            declared = r.get("declared") or {}
            expected = declared.get("expected")
            if kind == "close" and isinstance(expected, dict):
                _, _, exp_value = verdict.decode({**expected, "kind": "close", "label": label})
                why = verdict.compare("close", value, "close", exp_value, declared)
                if why:
                    problems.append(
                        f"{gid} [{label}]: the solution {why.replace('expected', 'the test expects')}"
                    )
            if kind == "score" and declared.get("at_least") is not None:
                why = verdict.compare("score", value, "score", value, declared)
                if why:
                    problems.append(f"{gid} [{label}]: the solution's {why}")
            decoded[gid].append(
                {"kind": kind, "label": label, "value": value, "declared": declared, "line": r.get("line")}
            )
    return decoded, problems


def read_bytes(path: Path) -> bytes:
    """A submitted file's bytes, read as hostile input: no symlink followed, no FIFO or device opened."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError("not a regular file")
        data = f.read(MAX_NOTEBOOK_BYTES + 1)
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES // 2**20} MB")
    return data


def read_notebook(data: bytes):
    """A submission parsed as hostile input: bounded depth, a valid version-4 notebook or ValueError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("the file is not UTF-8 text (not a notebook)") from exc
    try:
        raw = json.loads(text)
    except RecursionError as exc:
        raise ValueError("the JSON is nested too deeply to be a notebook") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}): the file is damaged or not a notebook"
        ) from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list) or raw.get("nbformat") != 4:
        raise ValueError("valid JSON but not a version-4 Jupyter notebook")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.from_dict(raw)
        try:
            nbformat.validate(nb)
        except Exception as exc:  # nbformat's ValidationError and friends
            raise ValueError(f"not a valid notebook: {str(exc).splitlines()[0][:200]}") from exc
    return nb


def _grade_work(student: str, data: bytes, reference: dict) -> dict:
    info = _W["info"]
    try:
        nb = read_notebook(data)
    except (OSError, ValueError, RecursionError) as exc:
        return {"status": "invalid", "reason": str(exc)[:300] or type(exc).__name__}
    nb = preclean(nb, _W["known_ids"])
    decoded, _ = decode_reference(reference)
    grading = {"sources": info["sources"], "reference": decoded, "originals": info["originals"]}
    try:
        executed, verdicts = _autograde(student, nb, grading, "record")
    except Exception as exc:  # nbgrader raises after logging the cause
        text = " ".join([*_W["errors"], f"{type(exc).__name__}: {exc}"])
        if any(w in text for w in ("DeadKernel", "Kernel died", "UnresponsiveKernel")):
            return {
                "status": "crashed",
                "reason": "the kernel died while running the notebook "
                "(os._exit, a segfault, exit() or the memory cap)",
            }
        last = (_W["errors"] or [f"{type(exc).__name__}: {exc}"])[-1].strip().splitlines() or [""]
        return {"status": "invalid", "reason": "nbgrader could not grade the notebook: " + last[-1][:300]}
    scores = {gid: 0.0 for gid in info["tests"]}
    for gid, result in verdicts.items():
        if gid in scores and result.passed:
            scores[gid] = info["tests"][gid]
    failures = [
        f"{gid}: {m.splitlines()[0]}"[:240]
        for gid, r in verdicts.items()
        for m in r.messages[:1]
        if not m.split(" ", 1)[0].isdigit()
    ]
    points = {gid: (scores[gid], info["tests"][gid]) for gid in info["tests"]}
    title = f"{_W['name']}: {student}"
    page = feedback.render(
        executed, title, sum(scores.values()), sum(info["tests"].values()), points, verdicts
    )
    reason = ""
    raised = [o.get("ename") for c in executed.cells for o in c.get("outputs", [])]
    if "MemoryError" in [*raised, *nbpieces.GRADING["errors"].values()]:
        reason = f"MemoryError: hit the {_W['settings']['memory']} MB memory cap"
    return {
        "status": "ok",
        "reason": reason,
        "scores": scores,
        "public_failures": failures,
        "feedback": page,
        "autograded": nbformat.writes(executed),
    }


def preclean(nb, known: dict):
    """Give each cell of the assignment the nbgrader metadata it was released with.

    known: grade_id -> (cell type, released nbgrader metadata). A cell whose metadata names no
    cell of the assignment, is malformed, repeats a grade_id or sits in a cell of another type
    becomes a plain cell; nbgrader then restores what is missing from the gradebook.
    """
    import copy

    seen: set[str] = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        if not isinstance(gid, str) or gid not in known or gid in seen or known[gid][0] != cell.cell_type:
            del cell.metadata["nbgrader"]
        else:
            seen.add(gid)
            cell.metadata["nbgrader"] = copy.deepcopy(known[gid][1])
    return nb


def python_paths() -> list[str]:
    """What a kernel needs from the file system besides the system directories: Python and its venv."""
    paths = {sys.base_prefix, sys.prefix, os.path.realpath(sys.executable)}
    paths |= {os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)}
    return sorted(p for p in paths if os.path.exists(p))
