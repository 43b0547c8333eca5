"""What the instructor's two views cost: the known mistakes and the similarity check, as a share of grading.

For a class of N submissions of 02_svm_loss (correct ones and every catalogued mistake, in turn), it
grades twice with the same workers, once with both views and once without, and prints:

* the grading time without them;
* the known mistakes' own runs (once per assignment, however many students; cached afterwards) and
  the matching inside each grading child (the difference of the two runs' grading phases);
* the similarity check (copydetect over every pair, once per class);

each as a share of the grading time. Target: under 10 % at 200 submissions.

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
            common = dict(course=course, jobs=args.jobs, progress=False, use_cache=False)
            plain = batch.grade(A, subs, tmp / f"plain-{n}", with_mistakes=False, similarity=None, **common)
            both = batch.grade(A, subs, tmp / f"both-{n}", similarity=DEFAULT_THRESHOLD, **common)
            grading = plain.timings["grading"]
            runs = both.timings["known mistakes"]
            matching = max(0.0, both.timings["grading"] - grading)
            similar = both.timings["similarity"]
            print(f"{n} submissions of {A}, {args.jobs} workers: grading {grading:.1f} s without the views")
            for what, seconds in (
                ("known mistakes' runs (once per assignment)", runs),
                ("matching failures with them (in the children)", matching),
                ("similarity check (copydetect, once per class)", similar),
            ):
                print(f"  {what:<48} {seconds:6.1f} s  {100 * seconds / grading:5.1f} % of grading")
            total = runs + matching + similar
            print(
                f"  {'both views':<48} {total:6.1f} s  {100 * total / grading:5.1f} % (target < 10 % at 200)"
            )
            print(
                f"  matched mistakes: {sum(bool(r.mistakes) for r in both.rows)} students; "
                f"pairs over {DEFAULT_THRESHOLD}: {len(both.pairs or [])}"
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
