"""Grading throughput: plain sequential ``nbgrader autograde`` vs ``losslab-grade --jobs 2``.

Both grade the same 40 generated submissions of 01_score_function (a mix of
correct and partly correct notebooks). Prints both wall times, the throughput
ratio (target >= 1.8x on 2 cores) and losslab-grade's overhead per
submission beyond the notebook's own execution (target <= 0.5 s), where "own
execution" is a fresh kernel running the autograded notebook with nbclient.

    python benchmarks/grading.py [--n 40] [--jobs 2]

It asserts nothing: it prints numbers.
"""

from __future__ import annotations

import argparse
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
A = "01_score_function"
# the submission builders the grading tests use, loaded by path (tests/ is not a package)
FIXTURES = runpy.run_path(str(ROOT / "tests" / "grading_fixtures.py"))
make_class = FIXTURES["make_class"]


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
        # killed once done, as losslab-grade does: a graceful shutdown only adds polling
        NotebookClient(
            nb, timeout=120, allow_errors=True, kernel_name="python3", shutdown_kernel="immediate"
        ).execute()
        if i:
            times.append(time.perf_counter() - t)
    return sum(times) / len(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        subs = tmp / "submissions"
        make_class(subs, args.n)
        print(f"{args.n} submissions of {A}; {os.cpu_count()} cores")

        seq = nbgrader_sequential(subs, tmp / "nbgrader")
        print(f"nbgrader autograde, sequential:  {seq:7.1f} s  ({args.n / seq:.2f} submissions/s)")

        t = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "losslab-grade"),
                A,
                str(subs),
                "--out",
                str(tmp / "out"),
                "--jobs",
                str(args.jobs),
                "--no-cache",  # the solution's reference run is part of the time
            ],
            check=True,
            capture_output=True,
        )
        ours = time.perf_counter() - t
        print(
            f"losslab-grade --jobs {args.jobs}:          {ours:7.1f} s  ({args.n / ours:.2f} submissions/s, "
            "command start to finish, reference run, feedback and report included)"
        )
        print(f"throughput ratio: {seq / ours:.2f}x  (target >= 1.8x on 2 cores)")

        import csv

        from losslab_grader import cli  # noqa: F401  (warm import, not timed)

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
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
