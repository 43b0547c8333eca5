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
import csv
import html
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .collect import collect
from .engine import STATUSES, course_id, grade_one, init_worker, prepare_template, python_paths, repo_root


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
MODES = {"root": "root: user nobody", "userns": "user namespace"}


def isolation_mode() -> str | None:
    """The sandbox mode that works here ("root" or "userns"), or None.

    The probe goes through the sandbox exactly as a kernel does: a jailed python must import
    losslab.checks, run as nobody (root) or as this uid (user namespace), and be unable to write
    to losslab.checks.
    """
    if not sys.platform.startswith("linux"):
        return None
    mode = "root" if os.geteuid() == 0 else "userns"
    uid = 65534 if mode == "root" else os.getuid()
    with tempfile.TemporaryDirectory(prefix="losslab-probe-") as tmp:
        jail, conn = Path(tmp) / "jail", Path(tmp) / "conn.json"
        jail.mkdir()
        conn.write_text("{}")
        cfg = {"isolate": True, "jail": str(jail), "allow": python_paths(), "hide": [], "quiet": False}
        probe = (
            "import os, losslab.checks as c; f = c.__file__; "
            f"ok = os.getuid() == {uid} and os.getcwd() == '/tmp/home' and not os.access(f, os.W_OK); "
            "ok = ok and bool(os.statvfs(f).f_flag & os.ST_RDONLY or os.getuid() == 65534); "
            "raise SystemExit(0 if ok else 3)"
        )
        cmd = [sys.executable, "-m", "losslab.grading.sandbox", json.dumps(cfg), "--"]
        cmd += [sys.executable, "-c", probe, "-f", str(conn)]
        try:
            ok = subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
    return mode if ok else None


def isolation_available() -> bool:
    """True when the sandbox works here (as root, or rootless in a user namespace)."""
    return isolation_mode() is not None


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


def grade(
    assignment: str,
    submissions: Path,
    out: Path | None = None,
    jobs: int | None = None,
    timeout: float = 120.0,
    memory: int = 2048,
    progress: bool = True,
    isolate: bool | None = None,
) -> Outcome:
    """Grade every submission in submissions; write grades.csv, feedback, gradebook and report under out."""
    t0 = time.perf_counter()
    root = repo_root()
    out = Path(out) if out else root / "grading" / assignment
    submissions = Path(submissions).resolve()
    jobs = max(1, int(jobs or os.cpu_count() or 1))
    entries, warnings = collect(submissions, assignment)
    if isolate is None:
        mode = isolation_mode()
        isolate = mode is not None
    else:  # sandbox.py picks the mode the same way
        mode = ("root" if os.geteuid() == 0 else "userns") if isolate else None
    if not isolate:
        warnings.append(
            "NOT ISOLATED: kernels ran without the sandbox (needs root, or unprivileged user "
            "namespaces, on Linux); student code could read the grading files"
        )
    if out.exists():
        for sub in ("feedback", "autograded"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for old in ["grades.csv", "report.html", "gradebook.db", *[p.name for p in out.glob("*.png")]]:
            (out / old).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    out = out.resolve()

    # workspaces in memory when possible: nbgrader commits to its gradebook many times per notebook
    shm = Path("/dev/shm")
    fast = shm if shm.is_dir() and os.access(shm, os.W_OK) else None
    ws_root = Path(tempfile.mkdtemp(prefix="losslab-grade-", dir=fast))
    try:
        template = ws_root / "template"
        template.mkdir()
        mplcache = template / "mplconfig"
        mplcache.mkdir()
        _seed_matplotlib_cache(mplcache)
        settings = {
            "timeout": float(timeout),
            "memory": int(memory),
            "sandbox": {
                "isolate": bool(isolate),
                "allow": python_paths(),
                "hide": sorted(
                    {
                        str(root / "solutions"),
                        str(root / "grading"),
                        str(root / ".git"),
                        str(out),
                        str(submissions),
                        str(ws_root),
                    }
                ),
                "memory_mb": int(memory),
                "cpu_s": int(timeout * 2 + 30),
                "fsize_mb": 64,
                "nproc": 1024,
                "copy_into_home": [str(mplcache)],
                "env": {
                    "PYTHONWARNINGS": "ignore",
                    "OPENBLAS_NUM_THREADS": "1",
                    "OMP_NUM_THREADS": "1",
                    "MKL_NUM_THREADS": "1",
                    "PYTHONDONTWRITEBYTECODE": "1",
                },
            },
        }
        import warnings as _warnings

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            info = prepare_template(assignment, template, settings)
        shutil.copyfile(template / "gradebook.db", out / "gradebook.db")
        tests = info["tests"]
        results: dict[str, dict] = {}
        todo = []
        for e in entries:
            if e.status == "ok":
                todo.append(e)
            else:
                results[e.student_id] = {
                    "student_id": e.student_id,
                    "status": e.status,
                    "reason": e.reason,
                    "scores": {},
                    "public_failures": [],
                    "seconds": 0.0,
                }
        bar = Progress(len(entries), enabled=progress)
        for r in results.values():
            bar.update(r["status"])
        if todo:
            # fork: workers start with nbgrader already imported (the main process runs no threads yet)
            method = "fork" if sys.platform.startswith("linux") else "spawn"
            ctx = multiprocessing.get_context(method)
            workers = min(jobs, len(todo))
            with ProcessPoolExecutor(
                max_workers=workers,
                mp_context=ctx,
                initializer=init_worker,
                initargs=(str(template), str(ws_root), settings, assignment, str(out)),
            ) as pool:
                futures = {pool.submit(grade_one, e.student_id, str(e.notebook)): e for e in todo}
                for fut in as_completed(futures):
                    e = futures[fut]
                    try:
                        r = fut.result()
                    except Exception as exc:  # a worker process died: this student only
                        r = {
                            "student_id": e.student_id,
                            "status": "crashed",
                            "scores": {},
                            "seconds": 0.0,
                            "public_failures": [],
                            "reason": f"the grading worker failed: {exc!r}"[:300],
                        }
                    results[e.student_id] = r
                    bar.update(r["status"])
        bar.close()
    finally:
        shutil.rmtree(ws_root, ignore_errors=True)

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
            _status_feedback(out, assignment, r)
    _write_csv(out / "grades.csv", rows, tests)
    _merge_gradebook(out / "gradebook.db", assignment, rows)
    outcome = Outcome(
        out, rows, tests, info["manual_points"], time.perf_counter() - t0, jobs, bool(isolate), warnings, mode
    )
    from .report import write_report

    write_report(outcome, assignment)
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


def _status_feedback(out: Path, assignment: str, r: dict) -> None:
    """A short page for a student whose notebook could not be graded normally."""
    d = out / "feedback" / r["student_id"]
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{assignment}.html").write_text(
        "<!doctype html><meta charset='utf-8'><title>Feedback</title>"
        f"<h1>{html.escape(assignment)}: {html.escape(r['student_id'])}</h1>"
        f"<p>Status: <b>{html.escape(r['status'])}</b>. Score {r['score']:g} / {r['max_score']:g}.</p>"
        f"<p>{html.escape(r['reason'])}</p>"
        "<p>Check that you submitted the notebook named as released, that it opens in Jupyter, and that "
        "<i>Kernel &rarr; Restart Kernel and Run All Cells</i> finishes in a reasonable time.</p>"
    )


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
    args = p.parse_args(argv)
    if not args.assignment:
        p.error("name an assignment (make grade ASSIGNMENT=<name> SUBMISSIONS=<dir>)")
    if not (repo_root() / "solutions" / args.assignment / f"{args.assignment}.ipynb").exists():
        p.error(f"no solutions/{args.assignment}/{args.assignment}.ipynb")
    if not args.submissions.is_dir():
        p.error(f"submissions folder {args.submissions} does not exist")
    outcome = grade(args.assignment, args.submissions, args.out, args.jobs, args.timeout, args.memory)
    for w in outcome.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        for r in outcome.rows:
            print(json.dumps({k: r[k] for k in ("student_id", "score", "max_score", "status", "reason")}))
    print(summary_paragraph(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main())
