"""``losslab-grade NAME SUBMISSIONS [options]``: grade a class; ``losslab-grade NAME --check-mistakes``.

Grades a class's submissions of one assignment with nbgrader, in parallel,
each in a fresh sandboxed kernel, and writes under OUT (default
``grading/<name>/`` of the course):

    grades.csv                    student_id, score, max_score, status, a column per test cell
    mistakes.csv                  the known mistakes each student's failing cells behave like
    similarity.csv                pairs of submissions (or a submission and the course) that look alike
    feedback/<id>/<name>.html     what each student sees (no hidden test, no kernel output)
    autograded/<id>/<name>.ipynb  the executed notebooks, for the instructor
    gradebook.db                  an nbgrader gradebook with every grade (``nbgrader export``)
    report.html + *.png           the class at a glance: what it got wrong, what looks copied

Exit status 0 when the batch completed (whatever the students' statuses), 2 on
a usage error or a solution that fails its own tests, 1 when --check-mistakes
finds a problem.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from . import batch, similarity
from .cluster import Cluster, InsecureCluster, make_certificates
from .course import Course, CourseNotFound
from .model import Settings
from .outputs import summary_paragraph
from .sandbox import UidRangeError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="losslab-grade",
        description=__doc__.split("\n\n", 1)[1].replace("``", ""),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("assignment", help="assignment name, e.g. 02_svm_loss (solutions/<name>/<name>.ipynb)")
    p.add_argument(
        "submissions",
        type=Path,
        nargs="?",
        help="folder of submissions (nbgrader layout or flat LMS download)",
    )
    p.add_argument(
        "--course",
        type=Path,
        default=None,
        help="the course folder (default: $LOSSLAB_COURSE, or the checkout you are in)",
    )
    p.add_argument("--out", type=Path, default=None, help="output folder (default: grading/<assignment>/)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: the core count)")
    limits = p.add_argument_group("limits per submission")
    for name, default, meta in Settings.options():
        flag = "--" + name.replace("_", "-")
        kind = float if isinstance(default, float) or name.endswith("timeout") else int
        limits.add_argument(
            flag,
            type=kind,
            default=default,
            metavar=meta.get("metavar", name.split("_")[-1].upper()),
            help=meta["help"] + ("" if default is None else " (default %(default)s)"),
        )
    p.add_argument("--json", action="store_true", help="also print the grades as JSON lines")
    p.add_argument(
        "--no-cache", action="store_true", help="run the solution and the known mistakes even if cached"
    )
    p.add_argument("--no-mistakes", action="store_true", help="do not match failures with the known mistakes")
    p.add_argument(
        "--no-similarity", action="store_true", help="do not look for submissions that look copied"
    )
    p.add_argument(
        "--similarity-threshold",
        type=float,
        default=similarity.DEFAULT_THRESHOLD,
        help="list pairs at least this similar, 0..1 (default %(default)s)",
    )
    p.add_argument(
        "--check-mistakes",
        action="store_true",
        help="check the assignment's catalogue of known mistakes instead of grading",
    )
    dask = p.add_argument_group("grading on a Dask cluster")
    dask.add_argument("--scheduler", default=None, help="the scheduler's address, tls://HOST:PORT")
    dask.add_argument("--tls-ca", default=None, help="the CA certificate (default: dask's configuration)")
    dask.add_argument("--tls-cert", default=None, help="the grader's (client) certificate")
    dask.add_argument("--tls-key", default=None, help="the grader's (client) key")
    dask.add_argument(
        "--insecure-cluster",
        action="store_true",
        help="allow a plain tcp:// scheduler: ONLY on a machine where you are the only user",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        course = Course.find(args.course)
    except CourseNotFound as exc:
        p.error(str(exc))
    if not course.source(args.assignment).exists():
        p.error(f"no solutions/{args.assignment}/{args.assignment}.ipynb in {course.root}")
    settings = Settings(**{name: getattr(args, name) for name, _, _ in Settings.options()})
    try:
        cluster = (
            Cluster.connect(args.scheduler, args.tls_ca, args.tls_cert, args.tls_key, args.insecure_cluster)
            if args.scheduler
            else None
        )
        if args.check_mistakes:
            return _check(args, course, settings)
        if args.submissions is None or not args.submissions.is_dir():
            p.error(f"submissions folder {args.submissions} does not exist")
        outcome = batch.grade(
            args.assignment,
            args.submissions,
            args.out,
            course=course,
            settings=settings,
            jobs=args.jobs,
            use_cache=not args.no_cache,
            cluster=cluster,
            with_mistakes=not args.no_mistakes,
            similarity=None if args.no_similarity else args.similarity_threshold,
        )
    except (batch.SolutionError, InsecureCluster, UidRangeError) as exc:
        print(f"losslab-grade: {exc}", file=sys.stderr)
        return 2
    for w in outcome.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        for r in outcome.rows:
            print(
                json.dumps(
                    {
                        k: v
                        for k, v in asdict(r).items()
                        if k in ("student_id", "score", "max_score", "status", "reason")
                    }
                )
            )
    print(summary_paragraph(outcome))
    return 0


def _check(args, course: Course, settings: Settings) -> int:
    with tempfile.TemporaryDirectory(prefix="losslab-mistakes-") as tmp:
        problems = batch.check_mistakes(
            args.assignment,
            Path(tmp),
            course=course,
            settings=settings,
            jobs=args.jobs,
            use_cache=not args.no_cache,
        )
    for line in problems:
        print(line)
    if not problems:
        print(
            f"{args.assignment}: every known mistake loses exactly its cells and is told apart from the "
            "solution and from every other entry"
        )
    return 1 if problems else 0


def certs_main(argv: list[str] | None = None) -> int:
    """``losslab-grade-certs DIR [--host NAME ...]``: a CA and certificates for a TLS grading cluster."""
    p = argparse.ArgumentParser(prog="losslab-grade-certs", description=certs_main.__doc__.split(": ", 1)[1])
    p.add_argument("folder", type=Path)
    p.add_argument(
        "--host",
        action="append",
        default=None,
        help="a name or address the scheduler and workers are reached at (repeat; default 127.0.0.1)",
    )
    p.add_argument("--days", type=int, default=180)
    args = p.parse_args(argv)
    paths = make_certificates(args.folder, args.host or ["127.0.0.1", "localhost"], args.days)
    for role, path in paths.items():
        print(f"{role}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
