"""The student bundle (`make student-bundle`): built from a commit, the student's own files, and it works.

Each test bundles a throwaway git repository made from the files this
checkout tracks (as they are in the working tree, committed there), so it
checks the bundle code and files being developed, whatever this checkout's
own state is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from losslab_grader import bundle

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("solutions/", "tests/", "grading/", "bundle/", "benchmarks/", "site/", "classroom/",
             "lib/losslab_grader/", "lib/losslab/grading/")
GIT = ["git", "-c", "user.name=losslab tests", "-c", "user.email=tests@losslab.invalid",
       "-c", "commit.gpgsign=false"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository holding, committed, every file this checkout tracks (working-tree contents)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    repo = tmp_path / "repo"
    for rel in filter(None, tracked.decode().split("\0")):
        if (ROOT / rel).is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "course")
    return repo


def _names(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        return [n.removeprefix(f"{bundle.TOP}/") for n in zf.namelist()]


def test_bundle_holds_the_course_and_none_of_the_instructors_side(repo, tmp_path):
    # the grader package, lib/losslab_grader/, stays out by path, whatever it holds
    (repo / "lib" / "losslab_grader").mkdir(exist_ok=True)
    (repo / "lib" / "losslab_grader" / "planted.py").write_text("SECRET = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "grader")
    out = tmp_path / "losslab-student.zip"
    names = bundle.build(out, repo=repo)
    rel = _names(out)
    assert sorted(names) == sorted(f"{bundle.TOP}/{r}" for r in rel)
    leaked = [r for r in rel if r.startswith(FORBIDDEN)]
    assert not leaked, f"instructor files in the bundle: {leaked}"
    for required in bundle.REQUIRED:
        assert required in rel, f"{required} is missing from the bundle"
    assert any(r.startswith("assignments/") and r.endswith(".ipynb") for r in rel)
    assert any(r.startswith("notebooks/") and r.endswith(".ipynb") for r in rel)
    with zipfile.ZipFile(out) as zf:
        read = {r: zf.read(f"{bundle.TOP}/{r}") for r in rel}
    # the student's own README, Makefile and nbgrader config, not the instructor's
    for name in ("README.md", "Makefile", "nbgrader_config.py"):
        assert read[name] == (ROOT / "bundle" / name).read_bytes(), name
        assert read[name] != (ROOT / name).read_bytes(), f"{name} is the instructor's"
    assert b"solutions" not in read["nbgrader_config.py"]
    assert b"[project.scripts]" not in read["pyproject.toml"], "the grader's command would be installed"


def test_bundle_is_deterministic(repo, tmp_path):
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    bundle.build(one, repo=repo)
    bundle.build(two, repo=repo)
    assert one.read_bytes() == two.read_bytes()


def test_untracked_and_uncommitted_files_are_refused_and_never_packed(repo, tmp_path, capsys):
    scratch = repo / "assignments" / "02_svm_loss" / "scratch_full_solution.ipynb"
    scratch.write_text("{}")
    (repo / "screenshot.png").write_bytes(b"\x89PNG")
    with (repo / "notebooks" / "01_score_function.ipynb").open("a") as f:
        f.write("\n")
    with pytest.raises(SystemExit) as refused:
        bundle.check_clean(repo=repo)
    message = str(refused.value)
    for name in ("scratch_full_solution.ipynb", "screenshot.png", "01_score_function.ipynb", "--allow-dirty"):
        assert name in message
    bundle.check_clean(repo=repo, allow_dirty=True)  # warns loudly, does not stop
    assert "WARNING" in capsys.readouterr().err
    out = tmp_path / "b.zip"
    bundle.build(out, repo=repo)
    rel = _names(out)
    assert "assignments/02_svm_loss/scratch_full_solution.ipynb" not in rel
    assert "screenshot.png" not in rel
    with zipfile.ZipFile(out) as zf:  # the committed notebook, not the edited one
        committed = _git(repo, "show", "HEAD:notebooks/01_score_function.ipynb")
        assert zf.read(f"{bundle.TOP}/notebooks/01_score_function.ipynb").decode() == committed


def test_command_line_refuses_a_dirty_tree(repo, tmp_path):
    (repo / "stray.txt").write_text("x")
    command = [str(Path(sys.executable).with_name("losslab-student-bundle"))]  # the console command
    proc = subprocess.run([*command, "--out", str(tmp_path / "b.zip")], cwd=repo, capture_output=True,
                          text=True)
    assert proc.returncode != 0 and "stray.txt" in proc.stderr, proc.stdout + proc.stderr
    assert not (tmp_path / "b.zip").exists()
    proc = subprocess.run([*command, "--out", str(tmp_path / "b.zip"), "--allow-dirty"], cwd=repo,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "WARNING" in proc.stderr, proc.stdout + proc.stderr
    assert "stray.txt" not in _names(tmp_path / "b.zip")


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
def test_bundle_installs_and_validates_in_an_empty_folder(repo, tmp_path):
    """Unzipped alone: `make help` shows what works, the install step runs, `make validate` is quiet."""
    out = tmp_path / "losslab-student.zip"
    bundle.build(out, repo=repo)
    where = tmp_path / "student"
    where.mkdir()
    with zipfile.ZipFile(out) as zf:
        zf.extractall(where)
    course = where / bundle.TOP
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS", "MAKELEVEL")}

    def make(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        return subprocess.run(["make", *args], cwd=course, env=env, capture_output=True, text=True,
                              timeout=timeout)

    shown = make("help")
    targets = sorted(line.split("\t")[0] for line in shown.stdout.splitlines() if "\t" in line)
    assert targets == ["help", "lab", "validate"], shown.stdout + shown.stderr

    installed = make(".venv/.installed")  # what `make lab` does first
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    assert not (course / ".venv" / "bin" / "losslab-grade").exists()

    name = "01_score_function"
    validated = make("validate", f"A={name}", timeout=600)
    text = validated.stdout + validated.stderr
    assert validated.returncode == 0, text[-3000:]
    assert "No nbgrader_config.py" not in text, text[-3000:]
    assert "WARNING" not in text.upper().replace("VALIDATION FAILED", ""), text[-3000:]
    assert "VALIDATION FAILED" in text, "the released stubs should fail their visible tests:\n" + text[-3000:]

    # with the reference solution in place the same command passes
    shutil.copy2(ROOT / "solutions" / name / f"{name}.ipynb", course / "assignments" / name / f"{name}.ipynb")
    validated = make("validate", f"A={name}", timeout=600)
    assert "Success!" in validated.stdout + validated.stderr, (validated.stdout + validated.stderr)[-3000:]
