"""A grading batch: the coordinator that turns a folder of submissions into grades, feedback and a report.

:func:`grade` is the whole run. It collects the submissions (:mod:`.collect`),
prepares the workspace (:mod:`.workspace`), starts the workers (a local pool
of grading processes, :func:`.worker.processes`, or a Dask cluster,
:mod:`.cluster`), gets the reference records (the solution's run, cached by
content) and the known mistakes' records (:mod:`.mistakes`, likewise),
grades every submission as a task (:func:`.worker.grade_task`), and writes
what the tasks returned (:mod:`.outputs`, :mod:`.report`). Only this process
writes files; the submissions' bytes are the only thing it reads of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, as_completed
from dataclasses import replace
from pathlib import Path

import nbformat

from . import feedback, mistakes, outputs, report, sandbox, submission, testcells, verdict, worker, workspace
from .collect import Entry, collect
from .course import Course
from .model import Assignment, Bundle, GradeRow, Outcome, Settings, TaskResult


class SolutionError(RuntimeError):
    """The instructor's solution does not pass its own tests: nothing can be graded against it."""


DEFAULTS = Settings()
#: The timing (Outcome.timings) of matching failures with the known mistakes: seconds summed over
#: every grading child, so the wall time it adds to the grading phase is about this / workers.
MATCHING = "matching known mistakes (summed over children)"


def isolation_mode(settings: Settings = DEFAULTS) -> str | None:
    """The sandbox mode that works here ("root" or "userns"), or None: a jailed Python is started."""
    uid = settings.kernel_uids if os.geteuid() == 0 else None
    return sandbox.probe(sandbox.python_paths(), uid)


def grade(
    assignment: str,
    submissions: Path,
    out: Path | None = None,
    *,
    course: Course | None = None,
    settings: Settings = DEFAULTS,
    jobs: int | None = None,
    progress: bool = True,
    isolate: bool | None = None,
    use_cache: bool = True,
    cluster=None,
    reference: dict[str, list] | None = None,
    task: Callable[..., TaskResult] = worker.grade_task,
    with_mistakes: bool = True,
    similarity: float | None = None,
    notes: list[str] = (),
) -> Outcome:
    """Grade every submission in submissions; write grades, feedback, gradebook and report under out.

    cluster: a :class:`.cluster.Cluster` to grade on its workers instead of local processes.
    reference: the solution's raw records to grade against (default: run the solution, cached);
    task: the function that grades one submission (worker.grade_task's signature).
    similarity: the threshold of the similar-submissions section (None: not computed);
    notes: lines for the report's warnings (e.g. the classroom's refused submissions).
    """
    t0 = time.perf_counter()
    course = course or Course.find()
    out = Path(out) if out else course.grading / assignment
    entries, warnings = collect(Path(submissions).resolve(), assignment)
    mode = _mode(cluster, isolate, settings)
    _clean_out(out)
    out = out.resolve()
    root = workspace.private_root()
    try:
        a = workspace.prepare(course, assignment, root)
        release = nbformat.read(
            root / "template" / "release" / assignment / f"{assignment}.ipynb", as_version=4
        )
        shutil.copyfile(root / "template" / "gradebook.db", out / "gradebook.db")
        results, todo = _read_all(entries)
        bundle = Bundle(
            f"{a.key}-{root.name}",
            a,
            settings,
            mode,
            settings.cell_timeout or course.cell_timeout,
            course.config,
            hide=(str(course.root),),
        )
        timings: dict[str, float] = {}
        with _executor(cluster, jobs, len(todo), bundle, root) as (pool, shipped, retried):
            preload = threading.Thread(target=report.preload, daemon=True)  # while the reference runs
            preload.start()
            with _timed(timings, "reference"):
                raw = reference or _reference(
                    course, a, lambda: _run(pool, worker.record_task, shipped, worker.REFERENCE_ID), use_cache
                )
            with _timed(timings, "known mistakes"):
                known = _mistake_records(course, a, pool, shipped, use_cache) if with_mistakes else {}
            preload.join()
            with _timed(timings, "grading"), _progress(len(entries), progress) as bar:
                for r in results.values():
                    bar.update(r.status)
                futures = {
                    pool.submit(worker.run_task, task, shipped, e.student_id, data, raw, known): e
                    for e, data in todo
                }
                for fut in as_completed(futures):
                    r = _result_of(fut, futures[fut])
                    results[r.student_id] = _store(out, assignment, r)
                    bar.update(r.status)
            again = retried()
        if known:  # inside the grading phase, on every worker at once: its added wall time is this / workers
            timings[MATCHING] = sum(r.matching for r in results.values())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    notes = [*notes, *warnings, *_notes(results, again)]
    o = _outcome(out, a, results, jobs or os.cpu_count() or 1, time.perf_counter() - t0, notes)
    o.reference, o.mistakes = raw, {k: (v["title"], v["hint"]) for k, v in known.items()}
    o.remote, o.timings = cluster is not None, timings
    if similarity is not None:
        with _timed(timings, "similarity"):
            o.pairs = _similar(course, assignment, release, results, similarity, out)
    _finish(o, course)
    return o


@contextlib.contextmanager
def _timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[phase] = round(time.perf_counter() - start, 3)


def _mode(cluster, isolate: bool | None, settings: Settings) -> str | None:
    if cluster is not None:
        return "auto"  # each worker sandboxes with what its own machine allows, and says which
    mode = isolation_mode(settings) if isolate in (None, True) else None
    if isolate and mode is None:
        raise RuntimeError(
            "isolation was required but no sandbox works here (bubblewrap needs root or "
            "unprivileged user namespaces, on Linux)"
        )
    if mode == "root":
        sandbox.check_uids(settings.kernel_uids, worker.MAX_SLOTS)
    return mode


def _read_all(entries: list[Entry]) -> tuple[dict[str, TaskResult], list[tuple[Entry, bytes]]]:
    """Results for the entries that cannot be graded, and the bytes of those that can."""
    results = {
        e.student_id: TaskResult(e.student_id, e.status, e.reason) for e in entries if e.status != "ok"
    }
    todo = []
    for e in entries:
        if e.status == "ok":
            try:  # the bytes only: the notebook is parsed inside a grading child
                todo.append((e, submission.read_bytes(e.notebook)))
            except (OSError, ValueError) as exc:
                results[e.student_id] = TaskResult(
                    e.student_id, "invalid", f"cannot read the file: {exc}"[:300]
                )
    return results, todo


@contextlib.contextmanager
def _executor(cluster, jobs: int | None, n: int, bundle: Bundle, root: Path) -> Iterator[tuple]:
    """(executor, the bundle as tasks take it, a function naming the students whose task ran twice).

    Locally: a pool of grading processes (:func:`.worker.processes`) that read the workspace where
    it lies. On a cluster: its workers, which get the workspace packed inside the bundle.
    """
    if cluster is not None:
        with cluster.executor(replace(bundle, tar=workspace.pack(root))) as triple:
            yield triple
        return
    workers = max(1, min(jobs or os.cpu_count() or 1, max(n, 1)))
    local = replace(bundle, path=str(root))
    with worker.processes(workers) as pool:
        for _ in range(workers - 1):  # the other workers set up while the first runs the reference
            pool.submit(worker.prepare_worker, local)
        yield pool, local, list


def _result_of(fut, e: Entry) -> TaskResult:
    """What a task's future holds, parsed as data: JSON bytes, never an object a worker made."""
    try:
        data = fut.result()
    except Exception as exc:  # a worker process died for good: this student only
        return TaskResult(e.student_id, "crashed", f"the grading worker failed: {exc!r}"[:300])
    if not isinstance(data, bytes):
        return TaskResult(e.student_id, "crashed", "the grading worker returned no result for this student")
    return TaskResult.from_json(data, e.student_id)


def _run(pool: Executor, task, bundle: Bundle, label: str, *args) -> TaskResult:
    """One task on the pool, waited for, its result parsed."""
    return _result_of(pool.submit(worker.run_task, task, bundle, label, *args), Entry(label, None))


class _Bar:
    """tqdm's bar on stderr, with the count of each status as its postfix."""

    def __init__(self, bar):
        self.bar, self.counts = bar, {}

    def update(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        self.bar.set_postfix_str(" ".join(f"{k} {v}" for k, v in sorted(self.counts.items())), refresh=False)
        self.bar.update(1)


@contextlib.contextmanager
def _progress(total: int, enabled: bool) -> Iterator[_Bar]:
    from tqdm import tqdm

    with tqdm(
        total=total,
        desc="grading",
        unit="notebook",
        file=sys.stderr,
        disable=None if enabled else True,
        dynamic_ncols=True,
    ) as bar:
        yield _Bar(bar)


# --- the reference and the known mistakes -----------------------------------------------------------


def _cached(course: Course, name: str, run: Callable[[], dict], use_cache: bool) -> dict:
    """What run() returns, kept in the course's cache under name (a digest of what it depends on)."""
    path = course.reference_cache / f"{name}.json"
    if use_cache:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            pass
    value = run()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    except OSError:
        pass  # a read-only course: it runs again next time
    return value


def _reference(
    course: Course, a: Assignment, run: Callable[[], TaskResult], use_cache: bool
) -> dict[str, list]:
    """The solution's raw records (grade_id -> records); SolutionError when it fails its own tests."""

    def checked() -> dict[str, list]:
        result = run()
        problems = [] if result.status == "ok" else [result.reason or "the reference run failed"]
        for gid, cell in result.records.items():
            if cell["error"]:
                problems.append(f"{gid}: the solution raised {cell['error']}")
            elif not cell["records"]:
                problems.append(f"{gid}: the test cell checks nothing (no check_* call ran)")
        raw = {gid: cell["records"] for gid, cell in result.records.items()}
        decoded, wrong = ({}, []) if problems else verdict.decode_reference(raw)
        hidden = {gid: testcells.hidden_lines(src) for gid, src in a.originals.items()}
        wrong += (
            [
                f"{gid}: no hidden check of a value, so its points would not need the work"
                for gid in verdict.unearnable(decoded, hidden)
            ]
            if decoded
            else []
        )
        if problems or wrong:
            raise SolutionError(
                f"the solution of {a.name} does not pass its own tests: " + "; ".join(problems + wrong)
            )
        return raw

    return _cached(course, f"{a.name}-{a.key}", checked, use_cache)


def _mistake_records(
    course: Course, a: Assignment, pool: Executor, bundle: Bundle, use_cache: bool
) -> dict[str, dict]:
    """name -> {"title", "hint", "records"} of every known mistake, run once (cached by content)."""
    catalogue = mistakes.load(mistakes.catalogue_path(course.solutions, a.name))
    if not catalogue:
        return {}
    notebooks = {m.name: mistake_notebook(course, a.name, m) for m in catalogue}
    digest = hashlib.sha256(b"".join(notebooks[m.name] for m in catalogue)).hexdigest()[:16]

    def run() -> dict[str, dict]:
        futures = {
            m.name: pool.submit(
                worker.run_task, worker.record_task, bundle, f"mistake-{m.name}", notebooks[m.name], "record"
            )
            for m in catalogue
        }
        return {name: _result_of(f, Entry(f"mistake-{name}", None)).records for name, f in futures.items()}

    records = _cached(course, f"{a.name}-{a.key}-mistakes-{digest}", run, use_cache)
    return {m.name: {"title": m.title, "hint": m.hint, "records": records.get(m.name, {})} for m in catalogue}


def mistake_notebook(course: Course, name: str, m: mistakes.Mistake) -> bytes:
    """The solution notebook with one known mistake in place of the right function."""
    nb = nbformat.read(course.source(name), as_version=4)
    for cell in nb.cells:
        if testcells.meta(cell).get("grade_id") == m.cell:
            cell.source = m.apply(cell.source)
    return nbformat.writes(nb).encode()


# --- writing what came back ---------------------------------------------------------------------------


def _clean_out(out: Path) -> None:
    if out.exists():
        for sub in ("feedback", "autograded", "similarity"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for old in [
            "grades.csv",
            "mistakes.csv",
            "similarity.csv",
            "report.html",
            "gradebook.db",
            *[p.name for p in out.glob("*.png")],
        ]:
            (out / old).unlink(missing_ok=True)
    # a folder it makes is the instructor's alone: grades and feedback are every student's business but
    # the instructor's, and on a shared server others have shells (an existing folder keeps its mode)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)


def _store(out: Path, assignment: str, r: TaskResult) -> TaskResult:
    """Write what a grading task returned (feedback page, executed notebook); keep the rest."""
    if r.feedback is not None:
        (out / "feedback" / r.student_id).mkdir(parents=True, exist_ok=True)
        (out / "feedback" / r.student_id / f"{assignment}.html").write_text(r.feedback, encoding="utf-8")
    if r.autograded is not None:
        (out / "autograded" / r.student_id).mkdir(parents=True, exist_ok=True)
        (out / "autograded" / r.student_id / f"{assignment}.ipynb").write_text(r.autograded, encoding="utf-8")
    r.feedback = r.autograded = None
    return r


def _notes(results: dict[str, TaskResult], retried: list[str]) -> list[str]:
    notes = []
    bare = sorted(
        sid
        for sid, r in results.items()
        if r.status not in ("missing",) and r.isolation is None and r.memory_limit
    )
    if bare:
        notes.append(
            "NOT ISOLATED: kernels ran without the sandbox (bubblewrap needs root or unprivileged "
            "user namespaces, on Linux); student code could read the grading files; submissions: "
            + ", ".join(bare)
        )
    if retried:
        notes.append(f"retried after a worker was lost (graded once): {', '.join(sorted(retried))}")
    again = sorted(sid for sid, r in results.items() if r.timed_out and r.status != "timeout")
    if again:
        notes.append(f"graded again after its first grading hit the deadline: {', '.join(again)}")
    return notes


def _outcome(
    out: Path, a: Assignment, results: dict[str, TaskResult], jobs: int, seconds: float, warnings: list[str]
) -> Outcome:
    rows = []
    for sid in sorted(results):
        r = results[sid]
        scores = {t: (r.scores.get(t, 0.0) if r.status == "ok" else 0.0) for t in a.tests}
        rows.append(
            GradeRow(
                sid,
                round(sum(scores.values()), 6),
                a.max_score,
                r.status,
                r.reason,
                scores,
                r.public_failures,
                r.seconds,
                r.mistakes if r.status == "ok" else {},
                r.answered if r.status == "ok" else {},
            )
        )
    graded = [r for r in results.values() if r.memory_limit]
    modes = {r.isolation for r in graded} or {None}
    limits_ = {r.memory_limit for r in graded}
    return Outcome(
        out,
        a,
        rows,
        seconds,
        jobs,
        modes.pop() if len(modes) == 1 else None,
        limits_.pop() if len(limits_) == 1 else "",
        warnings,
    )


def _finish(o: Outcome, course: Course) -> None:
    name = o.assignment.name
    for r in o.rows:
        if r.status != "ok":
            d = o.out / "feedback" / r.student_id
            d.mkdir(parents=True, exist_ok=True)
            page = feedback.status_page(f"{name}: {r.student_id}", r.status, r.reason, r.score, r.max_score)
            (d / f"{name}.html").write_text(page, encoding="utf-8")
    outputs.write_grades(o.grades_csv, o.rows, o.tests)
    outputs.write_mistakes(o.out / "mistakes.csv", o.rows, {k: t for k, (t, _) in o.mistakes.items()})
    outputs.merge_gradebook(o.out / "gradebook.db", course.course_id, name, o.rows)
    report.write_report(o)


def _similar(
    course: Course, assignment: str, release, results: dict[str, TaskResult], threshold: float, out: Path
) -> list:
    """Pairs of submissions (or a submission and the course's code) that look alike, with their views."""
    from . import similarity

    code = {sid: "\n\n".join(r.code.values()) for sid, r in results.items() if r.status == "ok" and r.code}
    template = "\n\n".join(c.source for c in release.cells if c.cell_type == "code")
    known = similarity.known_sources(course, assignment, release)
    pairs = similarity.find_pairs(code, template, known, threshold)
    similarity.write_csv(out / "similarity.csv", pairs)
    shown = similarity.write_views(out / "similarity", pairs)
    return shown + pairs[len(shown) :]


def check_mistakes(assignment: str, folder: Path, *, course: Course | None = None, **options) -> list[str]:
    """Problems of an assignment's catalogue: entries that do not lose exactly their declared cells,
    that the grader cannot recognise, or that behave exactly like another entry ([] when none).

    Grades every entry as a submission (in folder), with the catalogue itself as the known mistakes.
    """
    course = course or Course.find()
    catalogue = mistakes.load(mistakes.catalogue_path(course.solutions, assignment))
    if not catalogue:
        return [f"{assignment}: no catalogue ({mistakes.catalogue_path(course.solutions, assignment)})"]
    subs = folder / "submissions"
    for m in catalogue:
        (subs / f"mistake-{m.name}" / assignment).mkdir(parents=True)
        (subs / f"mistake-{m.name}" / assignment / f"{assignment}.ipynb").write_bytes(
            mistake_notebook(course, assignment, m)
        )
    o = grade(assignment, subs, folder / "out", course=course, progress=False, **options)
    rows = o.by_student()
    problems = []
    for m in catalogue:
        r = rows[f"mistake-{m.name}"]
        lost = {t for t, p in o.tests.items() if r.scores[t] < p}
        if r.status != "ok" or lost != set(m.fails):
            why = f"{r.status}: {r.reason}" if r.reason else r.status
            problems.append(
                f"{m.name}: loses {sorted(lost) or 'nothing'} ({why}), declared {sorted(m.fails)}"
            )
            continue
        unmatched = sorted(c for c in lost if m.name not in r.mistakes.get(c, []))
        if unmatched:
            problems.append(
                f"{m.name}: not recognised in {unmatched} (does it give the same records every run?)"
            )
        twins = [
            o2.name
            for o2 in catalogue
            if o2 is not m and set(o2.fails) == lost and all(o2.name in r.mistakes.get(c, []) for c in lost)
        ]
        if twins:
            problems.append(f"{m.name}: behaves exactly like {', '.join(twins)} on every cell it loses")
    return problems
