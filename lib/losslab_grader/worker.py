"""A grading worker: its state, set up once per batch, and the tasks it runs.

A worker is a grading process (:func:`processes`): one of the local pool's, or
one a Dask worker starts for each of its threads. For each batch
(:class:`~.model.Bundle`) it sets itself up once (:func:`ensure`): a sandbox
slot of its own (a lock file in a folder only the grader's user can write),
its own copy of the generated assignment, the jail for its kernels, the limit
for whole submissions (:mod:`.limits`) and an nbgrader Autograde app warmed
up without a kernel. Every task then runs in a child forked from that warm
state (:mod:`.child`):

* :func:`record_task`: run a notebook's test cells and keep their raw records
  (the solution, trusted, in ``reference`` mode; a known mistake in
  ``record`` mode);
* :func:`grade_task`: grade one submission's bytes against the reference
  records, naming the known mistakes its failing cells behave like.

Everything a task needs comes in its arguments, and everything it produces goes
back in its :class:`~.model.TaskResult`: the same functions run in a local
process pool and on a Dask worker.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import multiprocessing
import os
import re
import shutil
import signal
import stat
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.util import Finalize
from pathlib import Path

import nbformat
from traitlets.config import Config

from . import autograde, child, feedback, limits, sandbox, submission, testcells, verdict, workspace
from .model import Bundle, TaskResult

REFERENCE_ID = "reference-solution"
#: What the fork server imports once, so that a new grading process starts with the pipeline loaded.
PRELOAD = ["losslab_grader.worker", "nbgrader.converters", "nbclient", "jupyter_client.kernelspec"]
#: How many kernels can run at once on one machine (a uid and a slot each).
MAX_SLOTS = 64


@dataclass
class WorkerState:
    """What a worker set up for one bundle."""

    bundle: Bundle
    root: Path  # the workspace on this machine
    unpacked: bool  # whether root was unpacked here (and is removed with the state)
    ws: Path  # this worker's own nbgrader course, copied from the template
    slot: int
    jail: sandbox.Jail
    limit: limits.SlotLimit
    known: dict[str, tuple[str, dict]]  # released cells: grade_id -> (cell type, nbgrader metadata)
    config: Config
    errors: list[str]  # nbgrader's log, for the reasons of invalid submissions

    @property
    def name(self) -> str:
        return self.bundle.assignment.name

    def close(self) -> None:
        if self.unpacked:
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            shutil.rmtree(self.ws, ignore_errors=True)


_state: WorkerState | None = None
_closing: Finalize | None = None  # closes _state once: when forgotten, or when the process exits
_slot: tuple[int, int] | None = None  # (slot, the lock's descriptor), held for the process's life


def ensure(bundle: Bundle) -> WorkerState:
    """This process's state for bundle, set up on first use (the previous bundle's is removed)."""
    global _state, _closing
    if _state is not None and _state.bundle.key == bundle.key:
        return _state
    forget()
    _state = _setup(bundle)
    # multiprocessing's exit hook rather than atexit: a pool's process ends without running atexit
    _closing = Finalize(None, _state.close, exitpriority=0)
    return _state


def prepare_worker(bundle: Bundle) -> None:
    """Set this worker up for bundle now (a task of its own), rather than on its first notebook."""
    ensure(bundle)


def forget() -> None:
    """Remove this worker's state and the workspace it unpacked (when a batch ends)."""
    global _state, _closing
    if _closing is not None:
        _closing()
    _state = _closing = None


def processes(n: int) -> ProcessPoolExecutor:
    """A pool of n grading processes, none of them forked from a process that runs threads.

    Each grading child is forked from one of these (:mod:`.child`). A process forked while
    another thread of its parent holds a lock (stderr's buffer, a logging handler, the import
    system) inherits that lock held for good, and a child that needs it waits for it until its
    deadline. A Dask worker always runs threads (its event loop, its
    executor, its profiler) and so may the grader's caller (a progress bar, a test runner). So the
    pool's processes come from multiprocessing's fork server, a fresh single-threaded interpreter
    that has imported :data:`PRELOAD`, and take the caller's environment, folder and import path
    as they are when the pool is made, as a fork would.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(PRELOAD)
    here = (dict(os.environ), os.getcwd(), list(sys.path))
    return ProcessPoolExecutor(n, mp_context=ctx, initializer=_adopt, initargs=here)


def _adopt(environ: dict[str, str], cwd: str, path: list[str]) -> None:
    """In a new grading process: the environment, folder and import path of the one that made it."""
    os.environ.clear()
    os.environ.update(environ)
    with contextlib.suppress(OSError):
        os.chdir(cwd)
    sys.path[:] = path


def run_task(task, bundle: Bundle, label: str, *args) -> bytes:
    """task(bundle, label, *args) here, its TaskResult returned as JSON bytes (what crosses processes)."""
    return task(bundle, label, *args).to_json()


def _setup(bundle: Bundle) -> WorkerState:
    warnings.filterwarnings("ignore")  # nbgrader's SQLAlchemy warnings; kernels have their own setting
    root = Path(bundle.path) if bundle.path else workspace.unpack(bundle.tar)
    slot = _claim_slot(bundle.settings.kernel_uids if os.geteuid() == 0 else None)
    ws = root / f"worker-{slot}"
    shutil.rmtree(ws, ignore_errors=True)
    shutil.copytree(root / "template", ws)
    (ws / "private").mkdir(mode=0o700)
    s = bundle.settings
    mode = sandbox.probe(sandbox.python_paths(), _uid(s, slot)) if bundle.mode == "auto" else bundle.mode
    if mode == "root":
        sandbox.check_uids(s.kernel_uids, MAX_SLOTS)
    limit = limits.for_slot(slot, s.memory, s.processes)
    jail = _jail(bundle, root, mode, slot, limit)
    name = bundle.assignment.name
    release = nbformat.read(ws / "release" / name / f"{name}.ipynb", as_version=4)
    config = _config(bundle, ws, jail)
    errors: list[str] = []
    state = WorkerState(
        bundle,
        root,
        not bundle.path,
        ws,
        slot,
        jail,
        limit,
        submission.released_cells(release),
        config,
        errors,
    )
    _warm_up(state, release)
    return state


def _uid(settings, slot: int) -> int | None:
    return settings.kernel_uids + slot if os.geteuid() == 0 else None


def _jail(bundle: Bundle, root: Path, mode: str | None, slot: int, limit: limits.SlotLimit) -> sandbox.Jail:
    s = bundle.settings
    env = {
        "MPLBACKEND": "Agg",
        "PYTHONWARNINGS": "ignore",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    common = dict(memory_mb=s.memory, cpu_s=int(s.timeout * 2 + 30), nproc=s.processes, scratch_mb=s.scratch)
    if not mode:  # no jail: the same filtered library, from where it lies (and data/ beside it)
        return sandbox.Jail(None, env={**env, "PYTHONPATH": str(root / "jail-lib")}, **common)
    binds = [*sandbox.python_paths(), str(root / "seed")]
    return sandbox.Jail(
        mode,
        uid=_uid(s, slot) if mode == "root" else None,
        binds=binds,
        maps=[
            (str(root / "jail-lib"), f"{workspace.JAIL_COURSE}/lib"),
            (str(root / "data"), f"{workspace.JAIL_COURSE}/data"),
        ],
        masks=[
            *sandbox.course_copies(binds, [Path(p) for p in bundle.hide]),
            *sandbox.unused_in_grading(binds),
        ],
        copy=[(str(root / "seed" / "mplconfig"), "/tmp/mplconfig")],
        env={**env, "PYTHONPATH": f"{workspace.JAIL_COURSE}/lib"},
        prefix=limit.prefix(),
        **common,
    )


def _config(bundle: Bundle, ws: Path, jail: sandbox.Jail) -> Config:
    from nbgrader import preprocessors as pp

    c = workspace.nbgrader_config(bundle.course_config, ws)
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
    c.CappedExecute.timeout = int(bundle.cell_timeout)
    c.CappedExecute.interrupt_on_timeout = True
    c.CappedExecute.max_output_chars = bundle.settings.output_chars
    c.CappedExecute.shutdown_kernel = "immediate"  # kill the kernel once its cells have run
    c.JailedKernelManager.jail = jail
    c.JailedKernelManager.private_dir = str(ws / "private")
    c.Autograde.sanitize_preprocessors = [
        pp.ClearOutput,
        pp.DeduplicateIds,
        pp.OverwriteKernelspec,
        pp.OverwriteCells,
        pp.CheckCellMetadata,
        autograde.RewriteTests,
    ]
    c.Autograde.autograde_preprocessors = [
        autograde.CappedExecute,
        autograde.Verdict,
        pp.SaveAutoGrades,
        pp.AssignLatePenalties,
        pp.CheckCellMetadata,
    ]
    c.Autograde.create_student = True
    c.RewriteTests.sources = bundle.assignment.sources
    c.Verdict.originals = bundle.assignment.originals
    return c


def _claim_slot(uid_first: int | None = None) -> int:
    """A sandbox slot no other grading process on this machine holds (a lock held for life).

    uid_first: as root, the first kernel uid; a slot whose uid has running processes is skipped.
    """
    global _slot
    if _slot is not None:
        return _slot[0]
    folder = lock_folder()
    for slot in range(MAX_SLOTS):
        flags = os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(folder / f"slot-{slot}.lock", flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        if uid_first is not None and sandbox.processes_of(uid_first + slot):
            os.close(fd)  # something else runs as this kernel uid (another grader?): never share it
            continue
        _slot = (slot, fd)
        return slot
    raise RuntimeError(f"no free sandbox slot: {MAX_SLOTS} grading kernels already run on this machine")


def lock_folder() -> Path:
    """The folder of the slot locks: the grader's user's own (0700), never a shared /tmp name.

    As root /run/losslab-grader; otherwise under $XDG_RUNTIME_DIR or ~/.cache. A folder there that
    another user owns, or that others may write, is refused: whoever holds the locks stops grading.
    """
    if os.geteuid() == 0:
        base = Path("/run")
    else:
        base = Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache")
    folder = base / "losslab-grader"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        raise RuntimeError(f"{folder} must be a folder of this user's that no one else may write")
    return folder


def _warm_up(state: WorkerState, release) -> None:
    """Autograde the untouched release once here, without a kernel, before any child is forked.

    Every grading child is forked from this process: what nbgrader, SQLAlchemy, jsonschema and
    the kernel client initialise lazily on first use (imports, mappers, compiled queries, schema
    validators) is then done once per worker instead of once per notebook. No kernel runs here,
    so this process starts no thread before it forks.
    """
    import nbclient  # noqa: F401  (imported once here rather than in every child)
    from jupyter_client.kernelspec import KernelSpecManager
    from nbgrader.converters import Autograde

    KernelSpecManager().get_kernel_spec("python3")  # imports IPython and ipykernel's kernelspec
    warm = copy.deepcopy(state.config)
    warm.Autograde.autograde_preprocessors = [
        p for p in state.config.Autograde.autograde_preprocessors if p is not autograde.CappedExecute
    ]
    dest = state.ws / "submitted" / "warm-up" / state.name
    dest.mkdir(parents=True, exist_ok=True)
    nbformat.write(release, dest / f"{state.name}.ipynb")
    app = Autograde(coursedir=workspace.coursedir(warm, state.name, "warm-up"), config=warm)
    workspace.quiet(app)
    app.force = True
    try:
        app.start()
    except Exception:
        pass  # a warm-up only: the real runs report their own errors
    submission.read_notebook(nbformat.writes(release).encode())


# --- tasks: each is task(bundle, label, ...) -> TaskResult -------------------------------------------


def record_task(
    bundle: Bundle, label: str = REFERENCE_ID, data: bytes | None = None, mode: str = "reference"
) -> TaskResult:
    """Run a notebook's test cells (data; None: the solution) and return their raw records.

    Returns status "ok" with records = {grade_id: {"records": [...], "error": name}}.
    """
    state = ensure(bundle)
    return child.run(
        lambda: _records(state, label, data, mode),
        label,
        bundle.settings.timeout,
        bundle.settings.memory,
        lambda: _after(state),
    )


def grade_task(bundle: Bundle, student: str, data: bytes, reference: dict, mistakes: dict) -> TaskResult:
    """Grade one submission (its bytes, parsed only inside the child) against the reference records.

    reference: the solution's raw records; mistakes: name -> {"title", "hint", "records"}, the raw
    records of each known mistake's run (from :func:`record_task`).
    """
    state = ensure(bundle)
    result = again_after_timeout(
        lambda: child.run(
            lambda: _grade(state, student, data, reference, mistakes),
            student,
            bundle.settings.timeout,
            bundle.settings.memory,
            lambda: _after(state),
        )
    )
    result.isolation = state.jail.mode
    result.memory_limit = state.limit.kind
    return result


def again_after_timeout(attempt: Callable[[], TaskResult]) -> TaskResult:
    """attempt(), and once more, in a fresh child, if it hit the deadline; the seconds of both.

    Each cell has its own timeout, so a submission meets the whole deadline only if it ignores
    interrupts or runs long cell after cell; but the grading pipeline itself has stalled there (a
    heartbeat thread, now gone: :class:`.autograde.GraderClient`), and a correct notebook must not
    get 0 for whatever stalls next. A submission that really runs too long pays the deadline twice.
    """
    first = attempt()
    if first.status != "timeout":
        return first
    second = attempt()
    second.timed_out = 1
    second.seconds = round(first.seconds + second.seconds, 3)
    if second.status == "timeout":
        second.reason = f"{second.reason}, twice"
    return second


def _after(state: WorkerState) -> None:
    """In the worker, after each child: nothing of the submission's kernel runs any more."""
    state.limit.empty()
    if state.jail.uid is not None:
        sandbox.sweep(state.jail.uid)


def _autograde(state: WorkerState, student: str, nb, mode: str, **verdict_config) -> nbformat.NotebookNode:
    """nbgrader's autograde of nb as student, in this child; the executed notebook."""
    from nbgrader.converters import Autograde

    # A label can come twice to one worker (a catalogue run is labelled mistake-NAME, and a student
    # may be called that too): what an earlier run left under it must not stop or reach this one.
    for folder in ("submitted", "autograded", "feedback"):
        shutil.rmtree(state.ws / folder / student, ignore_errors=True)
    dest = state.ws / "submitted" / student / state.name
    dest.mkdir(parents=True)
    nbformat.write(nb, dest / f"{state.name}.ipynb")
    config = copy.deepcopy(state.config)
    config.JailedKernelManager.kernel_env = {"LOSSLAB_GRADING": mode}
    if mode == "reference":  # the solution's test cells run as written: they declare the expected values
        config.RewriteTests.sources = {}
    for key, value in verdict_config.items():
        config.Verdict[key] = value
    app = Autograde(coursedir=workspace.coursedir(config, state.name, student), config=config)
    workspace.quiet(app, state.errors)
    app.force = True
    state.limit.reset()
    try:
        with state.limit.watching(os.getpid()):
            app.start()
    finally:
        _end_kernels(state)
    graded = state.ws / "autograded" / student / state.name / f"{state.name}.ipynb"
    return nbformat.read(graded, as_version=4)


def _end_kernels(state: WorkerState) -> None:
    """SIGKILL whatever this child started (the jail's launcher takes the jail with it)."""
    for pid in limits.descendants(os.getpid())[1:]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _records(state: WorkerState, label: str, data: bytes | None, mode: str) -> TaskResult:
    if data is None:
        nb = nbformat.read(state.ws / "source" / state.name / f"{state.name}.ipynb", as_version=4)
    else:
        nb = submission.preclean(submission.read_notebook(data), state.known)
    executed = _autograde(state, label, nb, mode, reference={}, mistakes={})
    records = {
        testcells.meta(cell)["grade_id"]: {
            "records": verdict.records_of(cell),
            "error": verdict.error_name(cell),
        }
        for cell in executed.cells
        if testcells.is_test_cell(cell)
    }
    return TaskResult(label, "ok", records=records)


def _grade(state: WorkerState, student: str, data: bytes, reference: dict, mistakes: dict) -> TaskResult:
    a = state.bundle.assignment
    try:
        nb = submission.preclean(submission.read_notebook(data), state.known)
    except (OSError, ValueError, RecursionError) as exc:
        return TaskResult(student, "invalid", str(exc)[:300] or type(exc).__name__)
    decoded, _ = verdict.decode_reference(reference)
    started = time.perf_counter()
    known = _known(decoded, mistakes)
    matching = time.perf_counter() - started
    answered = _answered(nb, state.known)
    try:
        executed = _autograde(state, student, nb, "record", reference=decoded, mistakes=known)
    except Exception as exc:  # nbgrader raises after logging the cause
        return _failed(state, student, exc)
    verdicts = {
        testcells.meta(c)["grade_id"]: c.metadata.get(autograde.VERDICT_KEY, {})
        for c in executed.cells
        if testcells.is_test_cell(c)
    }
    matching += sum(v.pop(autograde.MATCHING_KEY, 0.0) for v in verdicts.values())
    scores = {gid: (a.tests[gid] if verdicts.get(gid, {}).get("passed") else 0.0) for gid in a.tests}
    failures = [
        f"{gid}: {v['messages'][0].splitlines()[0]}"[:240]
        for gid, v in verdicts.items()
        if v.get("messages") and not v["messages"][0].split(" ", 1)[0].isdigit()
    ]
    like = {gid: v["mistakes"] for gid, v in verdicts.items() if v.get("mistakes")}
    about = {name: (m["title"], m["hint"]) for name, m in mistakes.items()}
    page = feedback.render(executed, f"{state.name}: {student}", scores, a.tests, verdicts, about)
    return TaskResult(
        student,
        "ok",
        _reason(state, executed),
        scores,
        failures,
        feedback=page,
        autograded=nbformat.writes(executed),
        mistakes=like,
        answered=answered,
        code=_own_code(nb),
        matching=matching,
    )


def _known(decoded: dict[str, list[verdict.Record]], mistakes: dict) -> dict[str, dict]:
    """name -> {grade_id: (decoded records, error name)}: each known mistake's run, as Verdict compares it."""
    return {
        name: {
            gid: (
                _with_tolerances(run["records"].get(gid, {}).get("records", []), decoded[gid]),
                run["records"].get(gid, {}).get("error", ""),
            )
            for gid in decoded
            if gid in run["records"]
        }
        for name, run in mistakes.items()
    }


def _with_tolerances(raw: list, reference: list[verdict.Record]) -> list[verdict.Record]:
    """A mistake's raw records decoded, each with the tolerance its reference record declares."""
    found = []
    for r, ref in zip(raw, reference, strict=False):
        rec = verdict.decode(r)
        rec.declared = ref.declared
        found.append(rec)
    return found


def _own_code(nb, limit: int = 20_000) -> dict[str, str]:
    """The student's own code: the source of every solution cell of code (for the similarity check)."""
    return {
        testcells.meta(c)["grade_id"]: c.source[:limit]
        for c in nb.cells
        if c.cell_type == "code" and testcells.meta(c).get("solution") and testcells.meta(c).get("grade_id")
    }


def _answered(nb, known: dict[str, tuple[str, dict]]) -> dict[str, bool]:
    """grade_id -> whether the student changed the written answer from the released stub."""
    from nbgrader.utils import compute_checksum

    found = {}
    for cell in nb.cells:
        meta = testcells.meta(cell)
        gid = meta.get("grade_id")
        if gid in known and meta.get("solution") and meta.get("grade") and cell.cell_type == "markdown":
            found[gid] = compute_checksum(cell) != known[gid][1].get("checksum")
    return found


def _reason(state: WorkerState, executed) -> str:
    """What the report should know about a normally graded notebook (a limit it hit, cells cut short)."""
    notes = []
    hit = state.limit.exceeded()
    if hit == "memory":
        notes.append(f"hit the {state.bundle.settings.memory} MB memory cap ({state.limit.kind})")
    elif hit == "processes":
        notes.append(f"hit the cap of {state.bundle.settings.processes} processes ({state.limit.kind})")
    stopped = {i: _stopped_by(c) for i, c in enumerate(executed.cells)}  # cell -> the exception's name
    if any("MemoryError" in names for names in stopped.values()) and not notes:
        notes.append(f"MemoryError: hit the {state.bundle.settings.memory} MB memory cap")
    timed = [testcells.meta(executed.cells[i]).get("grade_id") or f"cell {i}"
             for i, names in stopped.items() if "CellTimeoutError" in names]  # fmt: skip
    if timed:
        notes.append(f"interrupted after {state.bundle.cell_timeout:g} s: {', '.join(map(str, timed))[:120]}")
    return "; ".join(notes)


def _stopped_by(cell) -> set[str]:
    """The exceptions that stopped a cell: its error outputs, and (a test cell) what its verdict noted."""
    names = {str(o.get("ename")) for o in cell.get("outputs", []) if o.get("output_type") == "error"}
    return names | {str(cell.metadata.get(autograde.VERDICT_KEY, {}).get("error", ""))}


def _failed(state: WorkerState, student: str, exc: Exception) -> TaskResult:
    text = " ".join([*state.errors, f"{type(exc).__name__}: {exc}"])
    if "CellTimeoutError" in text or "Timeout waiting for" in text:
        why = f"a cell ran past {state.bundle.cell_timeout:g} s and did not stop when interrupted"
        return TaskResult(student, "timeout", why)
    if any(
        w in text for w in ("DeadKernel", "Kernel died", "UnresponsiveKernel", "the kernel did not start")
    ):
        hit = state.limit.exceeded()
        why = f" (it hit the {state.bundle.settings.memory} MB memory cap)" if hit == "memory" else ""
        return TaskResult(student, "crashed", "the kernel died while running the notebook "
                          f"(os._exit, a segfault, exit() or the memory cap){why}")  # fmt: skip
    return TaskResult(
        student, "invalid", "nbgrader could not grade the notebook: " + _cause(state.errors, exc)
    )


def _cause(errors: list[str], exc: Exception) -> str:
    """Why nbgrader gave up: the exception its log shows, not its closing 'see the above traceback'."""
    lines = [line.strip() for message in errors for line in message.strip().splitlines() if line.strip()]
    raised = [line for line in lines if re.match(r"^[\w.]*(Error|Exception|Invalid)\w*: ", line)]
    useful = [line for line in lines if "above traceback" not in line and not line.startswith(
        ("There was an error processing", "Removing failed", "Traceback"))]  # fmt: skip
    return ((raised or useful or [f"{type(exc).__name__}: {exc}"])[-1])[:300]
