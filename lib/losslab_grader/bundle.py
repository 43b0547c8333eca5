"""Write dist/losslab-student.zip: the course as a student gets it, from a commit (``make student-bundle``).

    losslab-student-bundle [--course DIR] [--ref HEAD] [--out dist/losslab-student.zip] [--allow-dirty]

The files come from ``git archive`` of a commit (HEAD by default), never from
the working tree, so a scratch copy, a screenshot or an uncommitted edit cannot
slip in. With uncommitted changes or untracked files the script refuses
(they would not be in the bundle, and you probably meant them to be, or not
to have them); --allow-dirty builds anyway, from the commit, with a warning.

Only what a student uses is taken from the commit (an allow-list, so new
instructor files stay out by default): the reference package lib/losslab/
(without the grader, lib/losslab/grading/ and lib/losslab_grader/), the
lectures (notebooks/), the released assignments (assignments/), the data
(data/), pyproject.toml, requirements.lock, environment.yml, venv.mk and
.gitignore. Three files are the student's own, from scripts/bundle/: a
README.md (a student's guide), a Makefile with only ``lab`` and ``validate``,
and an nbgrader_config.py so ``nbgrader validate`` runs quietly (from bundle/
in the same commit). solutions/, tests/, grading/, bundle/, benchmarks/,
site/, classroom/ and the instructor's nbgrader_config.py are never in it.

The zip is deterministic: sorted entries under one top folder ``losslab/``,
fixed timestamps.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

DEFAULT_OUT = Path("dist") / "losslab-student.zip"  # in the course folder
BUNDLE_FILES = "bundle/"  # in the commit, like everything else
TOP = "losslab"

#: Taken from the commit: these folders (and what is under them) and files.
INCLUDED_DIRS = ("lib/losslab/", "notebooks/", "assignments/", "data/")
INCLUDED_FILES = {"pyproject.toml", "requirements.lock", "environment.yml", "venv.mk", ".gitignore"}
#: Never in the bundle, even under an included folder (checked again on the result).
EXCLUDED_DIRS = ("solutions/", "tests/", "grading/", "bundle/", "benchmarks/", "site/", "classroom/", ".ci/",
                 "dist/", "lib/losslab_grader/", "lib/losslab/grading/")
#: The student's own files, from bundle/, written at the top of the bundle.
STUDENT_FILES = ("README.md", "Makefile", "nbgrader_config.py")
#: What `make lab` and `make validate` need; the bundle is refused without them.
REQUIRED = ("Makefile", "venv.mk", "pyproject.toml", "requirements.lock", "environment.yml", "README.md",
            "nbgrader_config.py", "lib/losslab/__init__.py", "notebooks/01_score_function.ipynb")

FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def _git(*args: str, repo: Path) -> bytes:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def uncommitted(repo: Path) -> list[str]:
    """`git status --porcelain` lines: changed, staged and untracked (not ignored) files."""
    return [line for line in _git("status", "--porcelain", repo=repo).decode().splitlines() if line]


def is_student_file(rel: str) -> bool:
    if rel.startswith(EXCLUDED_DIRS) or "/.ipynb_checkpoints/" in f"/{rel}":
        return False
    return rel in INCLUDED_FILES or rel.startswith(INCLUDED_DIRS)


def without_scripts(pyproject: str) -> str:
    """pyproject.toml without [project.scripts]: its commands (the grader) are not in the bundle."""
    return re.sub(r"(?ms)^\[project\.scripts\]\n.*?(?=^\[|\Z)", "", pyproject)


def committed_files(repo: Path, ref: str = "HEAD") -> dict[str, tuple[bytes, int]]:
    """{path: (content, mode)} of every file in ``git archive ref``."""
    files = {}
    with tarfile.open(fileobj=io.BytesIO(_git("archive", "--format=tar", ref, repo=repo))) as tar:
        for member in tar.getmembers():
            if member.isfile():
                files[member.name] = (tar.extractfile(member).read(), member.mode)
    return files


def student_files(repo: Path, ref: str = "HEAD") -> dict[str, tuple[bytes, int]]:
    """{path in the bundle: (content, mode)}: the commit's student files plus scripts/bundle/'s."""
    committed = committed_files(repo, ref)
    files = {rel: entry for rel, entry in committed.items() if is_student_file(rel)}
    if "pyproject.toml" in files:
        text, mode = files["pyproject.toml"]
        files["pyproject.toml"] = (without_scripts(text.decode()).encode(), mode)
    for name in STUDENT_FILES:
        if BUNDLE_FILES + name not in committed:
            raise SystemExit(f"{BUNDLE_FILES}{name} is not in {ref}: commit it first")
        files[name] = committed[BUNDLE_FILES + name]
    missing = [r for r in REQUIRED if r not in files]
    if missing:
        raise SystemExit(f"the bundle would lack {missing}: `make lab` needs them")
    if not any(f.startswith("assignments/") and f.endswith(".ipynb") for f in files):
        raise SystemExit("no released assignment in assignments/ at this commit: "
                         "run `make release` and commit")
    leaked = [f for f in files if f.startswith(EXCLUDED_DIRS)]
    assert not leaked, f"instructor files in the bundle: {leaked}"
    return files


def check_clean(repo: Path, ref: str = "HEAD", allow_dirty: bool = False) -> None:
    """Refuse (SystemExit) when the working tree has uncommitted changes; warn instead if ``allow_dirty``."""
    dirty = uncommitted(repo)
    if not dirty:
        return
    shown = "\n  ".join(dirty[:15]) + ("\n  ..." if len(dirty) > 15 else "")
    message = (f"the working tree has uncommitted changes or untracked files:\n  {shown}\n"
               f"The bundle is built from the commit ({ref}), so none of these would be in it.")
    if not allow_dirty:
        raise SystemExit(f"{message}\nCommit (or remove) them first, or pass --allow-dirty "
                         "to build from the commit anyway.")
    print(f"WARNING: {message}\nBuilding from {ref} anyway (--allow-dirty).", file=sys.stderr)


def build(out: Path, repo: Path, ref: str = "HEAD") -> list[str]:
    """Write the zip from commit ``ref`` of ``repo``; returns the archive names (under losslab/).

    Only the commit is read, whatever the working tree holds; main() refuses a dirty tree first.
    """
    files = student_files(repo, ref)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".zip.tmp")
    names = []
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in sorted(files):
            data, mode = files[rel]
            info = zipfile.ZipInfo(f"{TOP}/{rel}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((0o100755 if mode & 0o111 else 0o100644) & 0xFFFF) << 16
            zf.writestr(info, data)
            names.append(info.filename)
    tmp.replace(out)
    return names


def main(argv: list[str] | None = None) -> int:
    from .course import Course

    parser = argparse.ArgumentParser(prog="losslab-student-bundle", description=__doc__.splitlines()[0])
    parser.add_argument("--course", type=Path, default=None, help="the course folder (default: the checkout)")
    parser.add_argument("--out", type=Path, default=None, help=f"the zip to write (default {DEFAULT_OUT})")
    parser.add_argument("--ref", default="HEAD", help="the commit to bundle (default HEAD)")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="build even with uncommitted changes (they are left out, with a warning)")
    args = parser.parse_args(argv)
    repo = Course.find(args.course).root
    out = args.out or repo / DEFAULT_OUT
    commit = _git("rev-parse", "--short", f"{args.ref}^{{commit}}", repo=repo).decode().strip()
    check_clean(repo, ref=args.ref, allow_dirty=args.allow_dirty)
    names = build(out, repo, ref=args.ref)
    assignments = sorted({n.split("/")[2] for n in names if n.startswith(f"{TOP}/assignments/")})
    print(f"wrote {out} from commit {commit} "
          f"({len(names)} files; assignments: {', '.join(assignments)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
