"""``losslab-grade NAME SUBMISSIONS [--out DIR] [--jobs N] [--timeout S] [--memory MB]``.

Grades a class's submissions of one assignment with nbgrader, in parallel,
each in a fresh sandboxed kernel, and writes under OUT (default
``grading/<name>/``):

    grades.csv                    student_id, score, max_score, status, a column per test cell
    feedback/<id>/<name>.html     what each student sees (hidden tests' source removed)
    autograded/<id>/<name>.ipynb  the executed notebooks, for the instructor
    gradebook.db                  an nbgrader gradebook with every grade (``nbgrader export``)
    report.html + *.png           the class at a glance

Exit status 0 when the batch completed (whatever the students' statuses), 2 on
a usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from . import feedback, report, sandbox
from .collect import collect
from .engine import (
    STATUSES,
    course_id,
    decode_reference,
    grade_task,
    pack,
    prepare_template,
    prepare_worker,
    python_paths,
    read_bytes,
    reference_task,
    repo_root,
)


@dataclass
class Outcome:
    """What a grading run produced."""

    out: Path
    rows: list[dict]
    tests: dict[str, float]
    manual_points: float
    seconds: float
    jobs: int
    isolated: bool
    warnings: list[str] = field(default_factory=list)
    mode: str | None = None  # "root" or "userns" when isolated

    @property
    def grades_csv(self) -> Path:
        return self.out / "grades.csv"

    def by_student(self) -> dict[str, dict]:
        return {r["student_id"]: r for r in self.rows}


#: How the kernels were jailed, as the summary says it (sandbox.py's modes).
MODES = {"root": "bubblewrap, root: a uid per kernel", "userns": "bubblewrap, rootless user namespace"}


def isolation_mode() -> str | None:
    """The sandbox mode that works here ("root" or "userns"), or None: a jailed Python is started."""
    return sandbox.probe(python_paths())


class Progress:
    """A one-line progress bar on stderr (only the final line when stderr is not a terminal)."""

    def __init__(self, total: int, enabled: bool = True):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self.counts: dict[str, int] = {}

    def line(self) -> str:
        width = 28
        filled = int(width * self.done / max(self.total, 1))
        tally = " ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        elapsed = time.perf_counter() - self.start
        bar = "#" * filled + "." * (width - filled)
        return f"grading [{bar}] {self.done}/{self.total} {elapsed:5.1f}s {tally}"

    def update(self, status: str) -> None:
        self.done += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if self.tty:
            sys.stderr.write("\r" + self.line())
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write(("\r" if self.tty else "") + self.line() + "\n")
            sys.stderr.flush()


class SolutionError(RuntimeError):
    """The instructor's solution does not pass its own tests: nothing can be graded against it."""


def _settings(timeout: float, memory: int, mode: str | None) -> dict:
    return {
        "timeout": float(timeout),
        "memory": int(memory),
        "sandbox": {
            "mode": mode,
            "binds": python_paths(),
            "memory_mb": int(memory),
            "cpu_s": int(timeout * 2 + 30),
            "fsize_mb": 64,
            "nproc": 64,
            "scratch_mb": 256,
            "env": {
                "MPLBACKEND": "Agg",
                "PYTHONWARNINGS": "ignore",
                "OPENBLAS_NUM_THREADS": "1",
                "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1",
            },
        },
    }


def _cached_reference(assignment: str, key: str, run, use_cache: bool = True) -> dict:
    """The reference records of this exact solution, library and grader: from the cache, or run now."""
    cache = repo_root() / "grading" / ".reference-cache" / f"{assignment}-{key}.json"
    try:
        if use_cache:
            return json.loads(cache.read_text())
    except (OSError, ValueError):
        pass
    result = run()
    if result.get("status") not in (None, "ok") or result.get("problems"):
        problems = result.get("problems") or [result.get("reason", "the reference run failed")]
        raise SolutionError(
            f"the solution of {assignment} does not pass its own tests: " + "; ".join(problems)
        )
    raw = result["records"]
    _, problems = decode_reference(raw)
    if problems:
        raise SolutionError(f"the solution of {assignment} disagrees with its tests: " + "; ".join(problems))
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(raw))
    except OSError:
        pass  # a read-only checkout: the reference runs again next time
    return raw


def grade(
    assignment: str,
    submissions: Path,
    out: Path | None = None,
    jobs: int | None = None,
    timeout: float = 120.0,
    memory: int = 2048,
    progress: bool = True,
    isolate: bool | None = None,
    use_cache: bool = True,
    scheduler: str | None = None,
) -> Outcome:
    """Grade every submission in submissions; write grades.csv, feedback, gradebook and report under out.

    scheduler: a Dask scheduler's address (``tcp://host:port``) to grade on its workers instead of
    local processes; each worker sandboxes with what its own machine allows.
    """
    t0 = time.perf_counter()
    out = Path(out) if out else repo_root() / "grading" / assignment
    submissions = Path(submissions).resolve()
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    entries, warnings = collect(submissions, assignment)
    mode = "auto" if scheduler else isolation_mode() if isolate in (None, True) else None
    if isolate and mode is None:
        raise RuntimeError(
            "isolation was required but no sandbox works here (bubblewrap needs root or "
            "unprivileged user namespaces, on Linux)"
        )
    _clean_out(out)
    out = out.resolve()
    # workspaces in memory when possible: nbgrader commits to its gradebook many times per notebook
    shm = Path("/dev/shm")
    ws_root = Path(tempfile.mkdtemp(prefix="losslab-grade-", dir=shm if os.access(shm, os.W_OK) else None))
    try:
        settings = _settings(timeout, memory, mode)
        (ws_root / "template").mkdir()
        (ws_root / "seed" / "mplconfig").mkdir(parents=True)
        _seed_matplotlib_cache(ws_root / "seed" / "mplconfig")
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            info = prepare_template(assignment, ws_root / "template", settings, ws_root / "jail-lib")
        shutil.copyfile(ws_root / "template" / "gradebook.db", out / "gradebook.db")
        results = {e.student_id: _not_graded(e) for e in entries if e.status != "ok"}
        todo = []
        for e in entries:
            if e.status == "ok":
                try:  # the bytes only: the notebook is parsed inside a grading child
                    todo.append((e, read_bytes(e.notebook)))
                except (OSError, ValueError) as exc:
                    results[e.student_id] = _not_graded(e, "invalid", f"cannot read the file: {exc}"[:300])
        bundle = {
            "key": f"{info['key']}-{ws_root.name}",
            "name": assignment,
            "settings": settings,
            "info": info,
        }
        bar = Progress(len(entries), enabled=progress)
        for r in results.values():
            bar.update(r["status"])
        with _executor(scheduler, jobs, len(todo), bundle, ws_root) as (pool, shipped, retried):
            # the report's matplotlib, imported on a core the reference run leaves idle (the pool's
            # processes are all forked by now, so no fork happens while this thread imports)
            preload = threading.Thread(target=report.preload, daemon=True)
            preload.start()
            reference = _cached_reference(
                assignment, info["key"], lambda: pool.submit(reference_task, shipped).result(), use_cache
            )
            preload.join()
            futures = {pool.submit(grade_task, shipped, e.student_id, data, reference): e for e, data in todo}
            for fut in as_completed(futures):
                e = futures[fut]
                try:
                    r = fut.result()
                except Exception as exc:  # a worker process died for good: this student only
                    r = _not_graded(e, "crashed", f"the grading worker failed: {exc!r}"[:300])
                results[e.student_id] = _store(out, assignment, r)
                bar.update(r["status"])
            again = retried()
        bar.close()
    finally:
        shutil.rmtree(ws_root, ignore_errors=True)
    warnings += _isolation_warnings(results, again)
    used = {r.get("isolation") for r in results.values() if "isolation" in r} or {mode}
    run_mode = used.pop() if len(used) == 1 else None
    return _finish(out, assignment, results, info, time.perf_counter() - t0, jobs, run_mode, warnings)


@contextlib.contextmanager
def _executor(scheduler: str | None, jobs: int, n: int, bundle: dict, ws_root: Path):
    """(executor, the bundle as tasks take it, a function naming the retried students).

    Locally: a pool of forked processes that read the workspace where it lies. With a scheduler:
    the Dask cluster's workers, which get the workspace packed inside the bundle, broadcast once.
    """
    if not scheduler:
        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        workers = max(1, min(jobs, n))
        local = {**bundle, "path": str(ws_root)}
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            # the other workers set themselves up while the first one runs the reference
            for _ in range(workers - 1):
                pool.submit(prepare_worker, local)
            yield pool, local, list
        return
    from .cluster import dask_executor

    with dask_executor(scheduler, {**bundle, "tar": pack(ws_root)}) as triple:
        yield triple


def _isolation_warnings(results: dict, retried: list[str]) -> list[str]:
    notes = []
    bare = sorted(sid for sid, r in results.items() if "isolation" in r and not r["isolation"])
    if bare:
        notes.append(
            "NOT ISOLATED: kernels ran without the sandbox (bubblewrap needs root or unprivileged "
            "user namespaces, on Linux); student code could read the grading files; submissions: "
            + ", ".join(bare)
        )
    if retried:
        notes.append(f"retried after a worker was lost (graded once): {', '.join(sorted(retried))}")
    return notes


def _clean_out(out: Path) -> None:
    if out.exists():
        for sub in ("feedback", "autograded"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for old in ["grades.csv", "report.html", "gradebook.db", *[p.name for p in out.glob("*.png")]]:
            (out / old).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)


def _not_graded(e, status: str | None = None, reason: str | None = None) -> dict:
    return {
        "student_id": e.student_id,
        "status": status or e.status,
        "reason": reason or e.reason,
        "scores": {},
        "public_failures": [],
        "seconds": 0.0,
    }


def _store(out: Path, assignment: str, r: dict) -> dict:
    """Write what a grading task returned (feedback page, executed notebook); keep the rest as the row."""
    sid = r["student_id"]
    page = r.pop("feedback", None)
    executed = r.pop("autograded", None)
    if page is not None:
        (out / "feedback" / sid).mkdir(parents=True, exist_ok=True)
        (out / "feedback" / sid / f"{assignment}.html").write_text(page, encoding="utf-8")
    if executed is not None:
        (out / "autograded" / sid).mkdir(parents=True, exist_ok=True)
        (out / "autograded" / sid / f"{assignment}.ipynb").write_text(executed, encoding="utf-8")
    return r


def _finish(out, assignment, results, info, seconds, jobs, mode, warnings) -> Outcome:
    tests = info["tests"]
    rows = []
    for sid in sorted(results):
        r = results[sid]
        scores = {t: (r["scores"].get(t, 0.0) if r["status"] == "ok" else 0.0) for t in tests}
        rows.append(
            {
                "student_id": sid,
                "score": round(sum(scores.values()), 6),
                "max_score": sum(tests.values()),
                "status": r["status"],
                "reason": r.get("reason", ""),
                "scores": scores,
                "public_failures": r.get("public_failures", []),
                "seconds": r.get("seconds", 0.0),
            }
        )
    for r in rows:
        if r["status"] != "ok":
            d = out / "feedback" / r["student_id"]
            d.mkdir(parents=True, exist_ok=True)
            page = feedback.status_page(
                f"{assignment}: {r['student_id']}", r["status"], r["reason"], r["score"], r["max_score"]
            )
            (d / f"{assignment}.html").write_text(page, encoding="utf-8")
    _write_csv(out / "grades.csv", rows, tests)
    _merge_gradebook(out / "gradebook.db", assignment, rows)
    outcome = Outcome(
        out, rows, tests, info["manual_points"], seconds, jobs, mode is not None, warnings, mode
    )
    report.write_report(outcome, assignment)
    return outcome


def _seed_matplotlib_cache(dest: Path) -> None:
    """Copy this machine's matplotlib font cache, so kernels do not rebuild it at every start."""
    try:  # where matplotlib keeps it, without importing matplotlib
        home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        where = Path(os.environ["MPLCONFIGDIR"]) if os.environ.get("MPLCONFIGDIR") else home / "matplotlib"
        for f in where.glob("fontlist-*.json"):
            shutil.copyfile(f, dest / f.name)
    except Exception:
        pass


def _fmt(x: float) -> str:
    return f"{x:g}"


def _write_csv(path: Path, rows: list[dict], tests: dict[str, float]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student_id", "score", "max_score", "status", *tests])
        for r in rows:
            w.writerow(
                [
                    r["student_id"],
                    _fmt(r["score"]),
                    _fmt(r["max_score"]),
                    r["status"],
                    *[_fmt(r["scores"][t]) for t in tests],
                ]
            )


def _merge_gradebook(db: Path, assignment: str, rows: list[dict]) -> None:
    """Put every student's autograded scores into the run's nbgrader gradebook."""
    import warnings

    from nbgrader.api import Gradebook

    shm = Path("/dev/shm")
    scratch = Path(tempfile.mkdtemp(dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))
    work = scratch / db.name  # sqlite commits are cheap in memory; the file is copied back once
    shutil.copyfile(db, work)
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{work}", course_id()) as gb:
        warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes from inside nbgrader
        for r in rows:
            gb.update_or_create_student(r["student_id"])
            sub = gb.update_or_create_submission(assignment, r["student_id"])
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell.cell_type == "code":
                        g.auto_score = r["scores"].get(g.name, 0.0)
                        g.needs_manual_grade = False
                    elif r["status"] != "ok":
                        g.auto_score = 0.0
                        g.needs_manual_grade = False
        gb.db.commit()
    shutil.copyfile(work, db)
    shutil.rmtree(scratch, ignore_errors=True)


def summary_paragraph(o: Outcome) -> str:
    n = len(o.rows)
    counts = {s: sum(r["status"] == s for r in o.rows) for s in STATUSES}
    scores = sorted(r["score"] for r in o.rows)
    median = scores[n // 2] if n else 0.0
    maxs = sum(o.tests.values())
    full = sum(r["score"] == maxs for r in o.rows)
    worst = ""
    if o.tests and n:
        rates = {t: sum(r["scores"][t] == p for r in o.rows) / n for t, p in o.tests.items()}
        t = min(rates, key=rates.get)
        worst = f" The hardest test cell was {t} ({rates[t]:.0%} passed)."
    odd = ", ".join(f"{v} {k}" for k, v in counts.items() if k != "ok" and v)
    text = (
        f"Graded {n} submission(s) in {o.seconds:.1f} s with {o.jobs} worker(s): "
        f"{counts['ok']} graded normally" + (f", {odd}" if odd else "") + ". "
        f"Median {median:g} / {maxs:g} autograded points; {full} full score(s).{worst}"
    )
    if o.manual_points:
        text += f" {o.manual_points:g} manually graded point(s) are not included."
    if o.isolated:
        text += f" Kernels were sandboxed ({MODES.get(o.mode or '', 'mode unknown')})."
    else:
        text += " WARNING: kernels were NOT sandboxed."
    text += f" Report: {o.out / 'report.html'}; grades: {o.grades_csv}."
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="losslab-grade",
        description=__doc__.split("\n\n", 1)[1].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("assignment", help="assignment name, e.g. 02_svm_loss (solutions/<name>/<name>.ipynb)")
    p.add_argument(
        "submissions", type=Path, help="folder of submissions (nbgrader layout or flat LMS download)"
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default grading/<assignment>/)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: the core count)")
    p.add_argument(
        "--timeout", type=float, default=120.0, help="wall-clock seconds per submission (default 120)"
    )
    p.add_argument(
        "--memory", type=int, default=2048, help="address-space cap per kernel in MB (default 2048)"
    )
    p.add_argument("--json", action="store_true", help="also print the grades as JSON lines")
    p.add_argument(
        "--no-cache", action="store_true", help="run the solution's reference run even if it is cached"
    )
    p.add_argument(
        "--scheduler", default=None, help="grade on a Dask cluster: the scheduler's address, tcp://HOST:PORT"
    )
    args = p.parse_args(argv)
    if not args.assignment:
        p.error("name an assignment (make grade ASSIGNMENT=<name> SUBMISSIONS=<dir>)")
    if not (repo_root() / "solutions" / args.assignment / f"{args.assignment}.ipynb").exists():
        p.error(f"no solutions/{args.assignment}/{args.assignment}.ipynb")
    if not args.submissions.is_dir():
        p.error(f"submissions folder {args.submissions} does not exist")
    try:
        outcome = grade(
            args.assignment,
            args.submissions,
            args.out,
            args.jobs,
            args.timeout,
            args.memory,
            use_cache=not args.no_cache,
            scheduler=args.scheduler,
        )
    except SolutionError as exc:
        print(f"losslab-grade: {exc}", file=sys.stderr)
        return 2
    for w in outcome.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        for r in outcome.rows:
            print(json.dumps({k: r[k] for k in ("student_id", "score", "max_score", "status", "reason")}))
    print(summary_paragraph(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
