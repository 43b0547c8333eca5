"""How long the lectures take to run, and how long `make site` takes, full and after one change.

    .venv/bin/python benchmarks/notebooks.py [--no-site]

1. Each lecture in a fresh kernel, one at a time, the way `make site` and the
   tests run them (lib/losslab_grader/site.py), sequentially so the times do
   not compete. Targets: every lecture under 10 s, all under 60 s (kernel
   start included, on a 2-core machine).
2. ``losslab-site`` (what `make site` runs), timed from outside as a command,
   on a copy of the course in a temporary folder with its own cache, all in
   this one run: a full build from an empty cache (target < 60 s; cold: where
   PYTHONDONTWRITEBYTECODE is set, it also compiles the bytecode later builds
   reuse), two rebuilds with nothing changed, a rebuild after a change to one
   lecture's code (target < 10 s), done for the fastest and the slowest
   lecture of the full build, and a rebuild after a change to prose only. The
   ratios compare them. Beside each wall time: the CPU seconds it used (all
   its processes), which other work on the machine does not inflate.

It prints whether the targets are met; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from losslab_grader import site

ROOT = Path(__file__).resolve().parents[1]
PER_NOTEBOOK_TARGET = 10.0  # seconds
TOTAL_TARGET = 60.0
FULL_SITE_TARGET = 60.0
ONE_LECTURE_TARGET = 10.0
#: what losslab-site reads from a course (the copy it builds)
COURSE_PARTS = ("notebooks", "site", "assignments", "data", "README.md")


def lectures_one_at_a_time(paths: list[Path]) -> None:
    print(f"lecture notebooks, each in a fresh kernel (target < {PER_NOTEBOOK_TARGET:.0f} s each, "
          f"< {TOTAL_TARGET:.0f} s in all)")
    total, slow, failed = 0.0, [], []
    for path in paths:
        try:
            _, seconds = site.execute(path)
        except Exception as exc:  # report and go on: this is a measurement, not a test
            print(f"  {path.name:<45}  FAILED: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
            failed.append(path.name)
            continue
        total += seconds
        ok = seconds < PER_NOTEBOOK_TARGET
        if not ok:
            slow.append(path.name)
        print(f"  {path.name:<45} {seconds:6.2f} s  {'ok' if ok else 'OVER TARGET'}")
    print(f"  {'total':<45} {total:6.2f} s  {'ok' if total < TOTAL_TARGET else 'OVER TARGET'}")
    each = "met" if not slow else f"NOT met ({', '.join(slow)})"
    summary = f"each < {PER_NOTEBOOK_TARGET:.0f} s: {each}; "
    summary += f"all < {TOTAL_TARGET:.0f} s: {'met' if total < TOTAL_TARGET else 'NOT met'}"
    if failed:
        summary += f"; {len(failed)} failed to run: {', '.join(failed)}"
    print(summary)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def losslab_site(course: Path) -> tuple[float, float, dict[str, float]]:
    """Run `losslab-site --course COURSE` as `make site` does.

    Returns its wall time, the CPU time of it and its kernels and Sphinx, and
    the lectures it executed with their seconds.
    """
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run([sys.executable, "-m", "losslab_grader.site", "--course", str(course)],
                          capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if proc.returncode != 0:
        raise RuntimeError(f"losslab-site failed:\n{proc.stdout}{proc.stderr}")
    executed = {}
    for line in proc.stdout.splitlines():  # "  executed 02_svm_loss.ipynb   13.5 s"
        words = line.split()
        if len(words) == 4 and words[0] == "executed":
            executed[words[1]] = float(words[2])
    return seconds, cpu, executed


def change(path: Path, kind: str) -> None:
    """Edit a lecture as an author would: a comment in its last code cell, or a word in its first prose."""
    nb = nbformat.read(path, as_version=4)
    cell_type = "code" if kind == "code" else "markdown"
    cell = [c for c in nb.cells if c.cell_type == cell_type][-1 if kind == "code" else 0]
    cell.source += "\n# edited" if kind == "code" else " (edited)"
    nbformat.write(nb, path)


def site_builds() -> None:
    print(f"\nlosslab-site (make site), on a copy of the course: full build (< {FULL_SITE_TARGET:.0f} s),"
          f" rebuild after one lecture changes (< {ONE_LECTURE_TARGET:.0f} s)")
    with tempfile.TemporaryDirectory(prefix="losslab-bench-site-") as tmp:
        course = Path(tmp) / "course"
        for part in COURSE_PARTS:
            source = ROOT / part
            if source.is_dir():
                shutil.copytree(source, course / part)
            elif source.is_file():
                course.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, course / part)
        rows = []
        full, cpu, executed = losslab_site(course)
        rows.append(("full build, empty cache", full, cpu, executed, FULL_SITE_TARGET))
        # the first rebuild still compiles some bytecode (Sphinx's incremental path); the second is typical
        rows.append(("rebuild, nothing changed (first after it)", *losslab_site(course), None))
        rows.append(("rebuild, nothing changed (again)", *losslab_site(course), None))
        by_speed = sorted(executed, key=executed.get)
        for name, label in ((by_speed[0], "fastest"), (by_speed[-1], "slowest")):
            change(course / "notebooks" / name, "code")
            rows.append((f"rebuild, {name[:-6]}'s code changed ({label})", *losslab_site(course),
                         ONE_LECTURE_TARGET))
        change(course / "notebooks" / by_speed[0], "prose")
        rows.append((f"rebuild, {by_speed[0][:-6]}'s prose changed", *losslab_site(course),
                     ONE_LECTURE_TARGET))
    for label, seconds, cpu, ran, target in rows:
        verdict = "" if target is None else ("ok" if seconds < target else "OVER TARGET")
        which = ", ".join(f"{name[:-6]} {s:.1f} s" for name, s in ran.items()) or "none"
        print(f"  {label:<52} {seconds:6.1f} s (cpu {cpu:5.1f} s)  {verdict:<11}  executed: {which}")
    one = [row[1] for row in rows[3:5]]
    print(f"full build / one-lecture rebuild: {full / max(one):.1f}x (slowest lecture) to "
          f"{full / min(one):.1f}x (fastest); full / nothing changed: {full / rows[2][1]:.1f}x")
    met = full < FULL_SITE_TARGET and all(seconds < ONE_LECTURE_TARGET for seconds in one)
    print(f"full < {FULL_SITE_TARGET:.0f} s and one lecture < {ONE_LECTURE_TARGET:.0f} s: "
          f"{'met' if met else 'NOT met'} "
          f"(load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, other work included)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-site", action="store_true", help="time the lectures only, not losslab-site")
    args = parser.parse_args(argv)
    paths = site.site_course(ROOT).lectures()
    if not paths:
        print("no lecture notebooks found")
        return 0
    lectures_one_at_a_time(paths)
    if not args.no_site:
        site_builds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
