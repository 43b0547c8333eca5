"""Write dist/losslab-student.zip: the course as a student gets it.

    python scripts/student_bundle.py [--out dist/losslab-student.zip]

The bundle holds every file git tracks (plus new files git would track, so a
bundle built before a commit matches the commit) except the instructor's
side: the assignment sources with their solutions and hidden tests
(solutions/), the wrong implementations the test suite grades
(tests/mutants/) and the rest of tests/, the example class and grading output
(grading/), nbgrader's course configuration and the release / grading
scripts. What remains installs and runs with ``make lab``: lib/, notebooks/,
assignments/, data/, the Makefile, pyproject.toml, requirements.lock,
environment.yml and README.md. ``make test`` is not part of the promise (the
test suite needs the solutions).

The zip is deterministic: sorted entries under one top folder ``losslab/``,
fixed timestamps.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "dist" / "losslab-student.zip"
TOP = "losslab"

#: Folders (and everything under them) that stay with the instructor.
EXCLUDED_DIRS = ("solutions/", "tests/", "grading/", ".ci/", "dist/")
#: Single files that stay with the instructor.
EXCLUDED_FILES = {
    "nbgrader_config.py",          # the instructor's course: source = solutions/, gradebook, ...
    "scripts/release.py",          # regenerates assignments/ from solutions/
    "scripts/student_bundle.py",   # this script
    "scripts/grade_demo.py",       # grades the example class in grading/examples/
}
#: What `make lab` needs; the bundle is refused without them.
REQUIRED = ("Makefile", "pyproject.toml", "requirements.lock", "environment.yml", "README.md",
            "lib/losslab/__init__.py", "notebooks/01_score_function.ipynb")

STUDENT_NOTE = """\
# losslab: the student bundle

This is the course as a student gets it: the lectures (notebooks/), the
assignments to fill in (assignments/), the reference package (lib/losslab)
and the data (data/). The instructor's solutions, hidden tests, example
submissions and course tests are not included.

    make lab      # first run creates .venv and installs everything, then opens JupyterLab

Work on assignments/NN_name/NN_name.ipynb: fill in every `YOUR CODE HERE`,
run the test cell below it, then Kernel > Restart Kernel and Run All Cells
and read the last cell. `.venv/bin/nbgrader validate assignments/NN_name/NN_name.ipynb`
gives the same verdict. Hidden tests run only when your notebook is graded.
Hand in the .ipynb file itself, under its original name.

(`make test` belongs to the instructor's repository and is not expected to
run here.)
"""

FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def tracked_files(repo: Path = REPO) -> list[str]:
    """Files git tracks or would track (not ignored), relative, sorted; only those that exist."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=repo, capture_output=True, check=True)
    names = {n for n in proc.stdout.decode().split("\0") if n}
    return sorted(n for n in names if (repo / n).is_file())


def is_student_file(rel: str) -> bool:
    return not rel.startswith(EXCLUDED_DIRS) and rel not in EXCLUDED_FILES


def student_files(repo: Path = REPO) -> list[str]:
    files = [f for f in tracked_files(repo) if is_student_file(f)]
    missing = [r for r in REQUIRED if r not in files]
    if missing:
        raise SystemExit(f"the bundle would lack {missing}: `make lab` needs them")
    if not any(f.startswith("assignments/") and f.endswith(".ipynb") for f in files):
        raise SystemExit("no released assignment in assignments/: run `make release` first")
    return files


def build(out: Path = DEFAULT_OUT, repo: Path = REPO) -> list[str]:
    """Write the zip; returns the archive names (under losslab/)."""
    files = student_files(repo)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.part")
    names = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        entries = [(f, (repo / f).read_bytes(), (repo / f).stat().st_mode) for f in files]
        entries.append(("STUDENT.md", STUDENT_NOTE.encode(), 0o100644))
        for rel, data, mode in sorted(entries):
            info = zipfile.ZipInfo(f"{TOP}/{rel}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o100755 if mode & 0o111 else 0o100644) & 0xFFFF) << 16
            zf.writestr(info, data)
            names.append(info.filename)
    tmp.replace(out)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"the zip to write (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    names = build(args.out)
    assignments = sorted({n.split("/")[2] for n in names if n.startswith(f"{TOP}/assignments/")})
    print(f"wrote {args.out} ({len(names)} files; assignments: {', '.join(assignments)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
