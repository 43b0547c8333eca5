"""Grading throughput: plain sequential ``nbgrader autograde`` vs ``losslab-grade --jobs 2``, and on Dask.

Both grade the same 40 generated submissions of 01_score_function (a mix of
correct and partly correct notebooks). Prints both wall times, the throughput
ratio (target >= 2.0x on 2 cores) and losslab-grade's overhead per
submission beyond the notebook's own execution (target <= 0.5 s), where "own
execution" is a fresh kernel running the autograded notebook with nbclient.

Then the distributed path: the same class through a loopback Dask cluster
(a scheduler and 2 workers of 1 thread, separate processes), the overhead
per submission of going through the scheduler, and an extrapolation of the
measured costs to 1 000 and 10 000 submissions on 8, 32 and 128 workers.

    python benchmarks/grading.py [--n 40] [--jobs 2] [--no-cluster]

It asserts nothing: it prints numbers.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from losslab_grader import cluster, demo
from losslab_grader.course import Course

ROOT = Path(__file__).resolve().parents[1]
A = "01_score_function"
make_class = functools.partial(demo.make_class, Course(ROOT))
#: Only what nbgrader does too: the known mistakes and the similarity check are benchmarks/insight.py's.
LIKE_NBGRADER = ("--no-mistakes", "--no-similarity")


def nbgrader_sequential(subs: Path, work: Path) -> float:
    """A throwaway nbgrader course: generate the assignment, then one `nbgrader autograde` for the class."""
    bindir = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    (work / "source" / A).mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / A / f"{A}.ipynb", work / "source" / A)
    shutil.copytree(subs, work / "submitted")
    cfg = work / "nbgrader_config.py"
    cfg.write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(work)!r}\n"
        "c.OverwriteCells.add_missing_cells = True\n"
    )
    common = [str(bindir / "nbgrader")]
    subprocess.run(
        common + ["generate_assignment", A, "--force"], cwd=work, env=env, check=True, capture_output=True
    )
    t = time.perf_counter()
    subprocess.run(common + ["autograde", A, "--force"], cwd=work, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def plain_execution(notebooks: list[Path]) -> float:
    """Mean seconds to run a notebook in a fresh kernel with nbclient (kernel start included)."""
    import nbformat
    from nbclient import NotebookClient

    times = []
    for i, path in enumerate([notebooks[0], *notebooks]):  # the first run warms up imports: not counted
        nb = nbformat.read(path, as_version=4)
        t = time.perf_counter()
        # killed once done, as losslab-grade does: a graceful shutdown only adds polling; the kernel's
        # stderr (ipykernel's warning about TCP on every start) is not part of what this prints
        NotebookClient(
            nb, timeout=120, allow_errors=True, kernel_name="python3", shutdown_kernel="immediate"
        ).execute(stderr=subprocess.DEVNULL)
        if i:
            times.append(time.perf_counter() - t)
    return sum(times) / len(times)


def _run(subs: Path, out: Path, *extra: str) -> float:
    t = time.perf_counter()
    cmd = [
        str(Path(sys.executable).parent / "losslab-grade"),
        A,
        str(subs),
        "--out",
        str(out),
        "--no-cache",
        "--course",
        str(ROOT),
        *LIKE_NBGRADER,
    ]
    subprocess.run([*cmd, *extra], check=True, capture_output=True)
    return time.perf_counter() - t


def distributed_path(subs: Path, tmp: Path, n: int, local: float, per_sub: float) -> None:
    """The same class on a loopback Dask cluster of 2 workers x 1 thread, and what that predicts."""
    (tmp / "cluster").mkdir()
    with cluster.loopback(tmp / "cluster") as c:
        certs = c["certs"]
        tls = [
            "--scheduler",
            c["address"],
            "--tls-ca",
            str(certs["ca"]),
            "--tls-cert",
            str(certs["client"]),
            "--tls-key",
            str(certs["client"]).replace(".pem", "-key.pem"),
        ]
        one = tmp / "one" / "s000"
        shutil.copytree(subs / "s000", one)
        fixed = _run(one.parent, tmp / "out-one", *tls)  # start-up, reference, 1 student
        wall = _run(subs, tmp / "out-dask", *tls)
    overhead = (wall - local) * 2 / n
    print(f"Dask, 2 workers x 1 thread:      {wall:7.1f} s  (local --jobs 2: {local:.1f} s)")
    print(f"scheduler overhead per submission: {overhead:+.2f} s (wall difference x 2 workers / N)")
    print(f"fixed cost of a cluster run (start-up, reference run, 1 student): {fixed:.1f} s")
    cost = per_sub + max(overhead, 0.0)
    print(
        f"extrapolation: wall = fixed + N x {cost:.2f} s / workers (per-submission cost and overhead "
        "measured above; assumes workers like this machine's cores and a scheduler that keeps up)"
    )
    print("  submissions " + "".join(f"{w:>10} workers" for w in (8, 32, 128)))
    for total in (1_000, 10_000):
        cells = "".join(f"{_duration(fixed + total * cost / w):>18}" for w in (8, 32, 128))
        print(f"  {total:>11,}{cells}")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument(
        "--no-cluster",
        dest="cluster",
        action="store_false",
        help="skip the Dask path (a loopback scheduler and 2 workers of 1 thread)",
    )
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        subs = tmp / "submissions"
        make_class(subs, args.n)
        print(f"{args.n} submissions of {A}; {os.cpu_count()} cores")

        seq = nbgrader_sequential(subs, tmp / "nbgrader")
        print(f"nbgrader autograde, sequential:  {seq:7.1f} s  ({args.n / seq:.2f} submissions/s)")

        ours = _run(subs, tmp / "out", "--jobs", str(args.jobs))  # the solution's reference run included
        print(
            f"losslab-grade --jobs {args.jobs}:          {ours:7.1f} s  ({args.n / ours:.2f} submissions/s, "
            "command start to finish, reference run, feedback and report included)"
        )
        print(f"throughput ratio: {seq / ours:.2f}x  (target >= 2.0x on 2 cores)")

        import csv

        from losslab_grader import batch  # noqa: F401  (warm import, not timed)

        graded = sorted((tmp / "out" / "autograded").glob(f"*/{A}.ipynb"))[:5]
        own = plain_execution(graded)
        with open(tmp / "out" / "grades.csv") as f:
            n_rows = sum(1 for _ in csv.DictReader(f))
        per_sub = ours * args.jobs / n_rows
        print(f"own execution (fresh kernel + cells, nbclient): {own:.2f} s per notebook")
        print(
            f"losslab-grade worker time per submission:        {per_sub:.2f} s "
            f"(wall x jobs / submissions, start-up included)"
        )
        print(f"overhead per submission beyond its execution:    {per_sub - own:.2f} s  (target <= 0.5 s)")
        if args.cluster:
            distributed_path(subs, tmp, args.n, ours, per_sub)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
