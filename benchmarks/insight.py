"""What the instructor's two views cost: the known mistakes and the similarity check, as a share of grading.

For a class of N submissions of 02_svm_loss (correct ones and every catalogued mistake, in turn), it
grades once with both views and no cache, and prints, from the grader's own timings:

* the grading time without the views (the grading phase less the matching's share of it);
* the known mistakes' own runs (once per assignment, however many students; cached afterwards);
* the matching of failing cells with them, timed inside each grading child and summed (its added
  wall time is that sum over the number of workers, which run at once);
* the similarity check (copydetect over every pair, once per class);

each as a share of the grading time. Target: under 10 % at 200 submissions.

The matching is timed where it runs rather than as the difference of two whole gradings (with and
without the views): that difference swings by several per cent of grading between two identical
runs on a busy machine, which is more than the matching itself costs.

    python benchmarks/insight.py [--n 40 200] [--jobs 2]

It asserts nothing: it prints numbers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from losslab_grader import batch, demo, mistakes
from losslab_grader.course import Course
from losslab_grader.similarity import DEFAULT_THRESHOLD

ROOT = Path(__file__).resolve().parents[1]
A = "02_svm_loss"


def make_class(course: Course, folder: Path, n: int) -> None:
    """n students: every second one correct, the others each a catalogued mistake in turn."""
    good = demo.correct_sources(course, A)
    catalogue = mistakes.load(mistakes.catalogue_path(course.solutions, A))
    for i in range(n):
        fill = dict(good)
        if i % 2 and catalogue:
            m = catalogue[(i // 2) % len(catalogue)]
            fill[m.cell] = m.apply(good[m.cell])
        demo.make_submission(course, folder / f"s{i:03d}" / A / f"{A}.ipynb", fill, name=A)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, nargs="+", default=[40, 200])
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    course = Course(ROOT)
    tmp = Path(tempfile.mkdtemp(prefix="bench-insight-"))
    try:
        for n in args.n:
            subs = tmp / f"class-{n}"
            make_class(course, subs, n)
            o = batch.grade(
                A,
                subs,
                tmp / f"graded-{n}",
                course=course,
                jobs=args.jobs,
                progress=False,
                use_cache=False,
                similarity=DEFAULT_THRESHOLD,
            )
            matching = o.timings[batch.MATCHING] / o.jobs
            grading = o.timings["grading"] - matching
            print(f"{n} submissions of {A}, {o.jobs} workers: grading {grading:.1f} s without the views")
            for what, seconds in (
                ("known mistakes' runs (once per assignment)", o.timings["known mistakes"]),
                ("matching failures with them (in the children)", matching),
                ("similarity check (copydetect, once per class)", o.timings["similarity"]),
            ):
                print(f"  {what:<48} {seconds:6.1f} s  {100 * seconds / grading:5.1f} % of grading")
            total = o.timings["known mistakes"] + matching + o.timings["similarity"]
            print(
                f"  {'both views':<48} {total:6.1f} s  {100 * total / grading:5.1f} % (target < 10 % at 200)"
            )
            print(
                f"  matched mistakes: {sum(bool(r.mistakes) for r in o.rows)} students; "
                f"pairs over {DEFAULT_THRESHOLD}: {len(o.pairs or [])}; matching "
                f"{1000 * o.timings[batch.MATCHING] / n:.1f} ms per student"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
