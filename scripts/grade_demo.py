"""Grade the example class in grading/examples/ end to end (``make grade-demo``).

    python scripts/grade_demo.py                 # grade into grading/demo/ and print where the report is
    python scripts/grade_demo.py --make-examples # rebuild grading/examples/ from the current release

The examples are LMS-style flat downloads of 01_score_function: a correct,
a partly correct, an untouched (empty), a broken and three hostile
submissions. grading/examples/EXPECTED.csv holds their grades, which
tests/test_grading_examples.py checks exactly.
"""

from __future__ import annotations

import argparse
import runpy
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "grading" / "examples"
ASSIGNMENT = "01_score_function"

SNOOP = """import json
from pathlib import Path
import losslab

# a student who looks for the instructor's solutions next to the package
root = Path(losslab.__file__).resolve().parents[2]
for nb in (root / "solutions" / "01_score_function").glob("*.ipynb"):
    for cell in json.loads(nb.read_text())["cells"]:
        src = "".join(cell["source"])
        if "BEGIN SOLUTION" in src and "def " in src:
            try:
                exec(src, globals())
            except Exception:
                pass
"""


def make_examples() -> None:
    # the submission builders the grading tests use, loaded by path (tests/ is not a package)
    fixtures = runpy.run_path(str(ROOT / "tests" / "grading_fixtures.py"))
    TAMPER, WRONG, correct_sources, make_submission, write_bad_json = (
        fixtures[k] for k in ("TAMPER", "WRONG", "correct_sources", "make_submission", "write_bad_json")
    )

    d = EXAMPLES / ASSIGNMENT
    shutil.rmtree(d, ignore_errors=True)
    good = correct_sources(ASSIGNMENT)
    make_submission(d / "alice.ipynb", good)  # correct: full marks
    make_submission(d / "bob_attempt2.ipynb", {**good, "append_bias": WRONG["append_bias"]})  # partly correct
    make_submission(
        d / "2024001_hw1.ipynb", {**good, "predict_labels": WRONG["predict_labels"]}
    )  # numeric id
    make_submission(d / "carol.ipynb")  # untouched release: empty
    write_bad_json(d / "dave.ipynb")  # broken: not JSON
    make_submission(d / "eve_cheat.ipynb", dict(WRONG), prepend=TAMPER)  # hostile: rebinds the checks
    make_submission(d / "mallory.ipynb", good, prepend="import os\nos._exit(3)")  # hostile: kills its kernel
    make_submission(d / "oscar.ipynb", {"linear_scores": SNOOP + "\n"})  # hostile: reads solutions/
    print(f"wrote {len(list(d.iterdir()))} example submissions to {d}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--make-examples", action="store_true", help="rebuild grading/examples/ and exit")
    p.add_argument("--out", type=Path, default=ROOT / "grading" / "demo")
    p.add_argument("--jobs", type=int, default=None)
    args = p.parse_args(argv)
    if args.make_examples:
        make_examples()
        return 0
    from losslab_grader.cli import grade, summary_paragraph

    outcome = grade(ASSIGNMENT, EXAMPLES / ASSIGNMENT, args.out, jobs=args.jobs, timeout=60)
    print(summary_paragraph(outcome))
    print(
        f"\nOpen {outcome.out / 'report.html'} for the class report; each student's feedback is in "
        f"{outcome.out / 'feedback'}/<student_id>/."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
