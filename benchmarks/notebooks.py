"""How long each lecture notebook takes to run, in a fresh kernel, one at a time.

    .venv/bin/python benchmarks/notebooks.py

Targets: every notebook under 10 s, all of them under 60 s (kernel start
included, on a 2-core machine). This prints whether they are met; it asserts
nothing. Notebooks run the way `make site` and the tests run them (see
lib/losslab_grader/site.py), but sequentially, so the times do not compete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from losslab_grader import site

ROOT = Path(__file__).resolve().parents[1]
PER_NOTEBOOK_TARGET = 10.0  # seconds
TOTAL_TARGET = 60.0


def main() -> int:
    paths = site.Course.at(ROOT).lectures()
    if not paths:
        print("no lecture notebooks found")
        return 0
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
