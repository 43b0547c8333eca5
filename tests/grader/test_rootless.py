"""The sandbox without root: the real grader, run as the unprivileged user nobody, jails each kernel
with bubblewrap in an unprivileged user namespace. The kernel then runs under the grader's own uid,
so the jail's bind mounts must be read-only for real: the class is graded from a copy of the course
files that nobody owns, and a submission that tries to rewrite lib/ and data/ must leave them
byte-identical.

Needs root (to become nobody), unprivileged user namespaces, and a virtual environment that nobody
can read; skipped otherwise, with the reason (a clone under a 0700 directory, as `mktemp -d` makes,
is such a case: nobody cannot enter it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from grading_fixtures import ASSIGNMENT, ROOT, correct_sources, make_submission, snoop_code

pytestmark = pytest.mark.slow
FULL = 11.0  # 01_score_function's autograded points
NOBODY = 65534

# As root, in a private mount namespace: make the interpreter reachable for nobody (it may live
# under /root, which nobody cannot enter), then become nobody and run the command.
AS_NOBODY = r"""
set -e
if [ -n "$EXPOSE" ]; then
    mkdir -p "$VIEW"
    mount -t tmpfs -o mode=755,size=1m tmpfs "$VIEW"
    mkdir -p "$VIEW$EXPOSE_REL"
    mount --bind "$EXPOSE" "$VIEW$EXPOSE_REL"
    mount --rbind "$VIEW" "$EXPOSE_TOP"
fi
exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
"""


def _why_not() -> str | None:
    if not sys.platform.startswith("linux"):
        return "needs Linux"
    if os.geteuid() != 0:
        return "needs root, to run the grader as the unprivileged user nobody"
    for tool in ("unshare", "setpriv", "su"):
        if shutil.which(tool) is None:
            return f"needs the {tool} command (util-linux)"
    try:
        res = subprocess.run(
            [
                "su",
                "nobody",
                "-s",
                "/bin/sh",
                "-c",
                'unshare -Urm sh -c "mount -t tmpfs none /tmp && echo ok"',
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"cannot run a command as nobody: {exc}"
    if res.stdout.strip() != "ok":
        return f"unprivileged user namespaces are not available here: {res.stderr.strip()[:200]}"
    site = Path(__import__("nbformat").__file__).parent
    if (
        subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "test",
                "-r",
                str(site / "__init__.py"),
            ]
        ).returncode
        != 0
    ):
        return (
            f"user nobody cannot read the virtual environment ({site}): this clone lies under a "
            "directory nobody may not enter"
        )
    return None


WHY_NOT = _why_not()


def _expose_env(base: Path) -> dict[str, str]:
    """What AS_NOBODY must bind so that nobody can run this interpreter (nothing if it already can)."""
    real = Path(os.path.realpath(sys.executable))
    os_py = Path(os.__file__).resolve()
    check = 'test -x "$0" && test -r "$1"'
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c", check, real, os_py]
    )
    if probe.returncode == 0:
        return {}
    top = Path(real.parts[0] + real.parts[1])  # e.g. /root
    expose = Path(sys.base_prefix).resolve()
    if top not in expose.parents:
        pytest.skip(f"nobody cannot run {real} and the test does not know how to expose it")
    return {
        "EXPOSE": str(expose),
        "EXPOSE_REL": "/" + str(expose.relative_to(top)),
        "EXPOSE_TOP": str(top),
        "VIEW": str(base / "view"),
    }


def run_as_nobody(base: Path, cmd: list[str], env: dict[str, str], timeout: float):
    full_env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(base / "home"),
        "LANG": "C.UTF-8",
        **_expose_env(base),
        **env,
    }
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", AS_NOBODY, "sh", *cmd],
        env=full_env,
        cwd=base,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for top in paths:
        for p in sorted(top.rglob("*")):
            h.update(str(p.relative_to(top.parent)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


WRITER = r"""
import glob, os, signal
_tried, _wrote = 0, []
for _top in TOPS:
    if not os.path.exists(_top):
        # not mounted in the jail: creating the path would only write to the kernel's scratch /tmp
        continue
    for _p in [_top, *glob.glob(_top + "/**", recursive=True)]:
        _tried += 1
        _target = os.path.join(_p, "pwned.py") if os.path.isdir(_p) else _p
        try:
            with open(_target, "a") as _f:
                _f.write("\nraise SystemExit('pwned')\n")
            _wrote.append(_target)
        except OSError:
            pass
        for _op in (lambda: os.chmod(_p, 0o777), lambda: os.utime(_p)):
            try:
                _op()
                _wrote.append("meta:" + _p)
            except OSError:
                pass
_ro = all(os.statvfs(_t).f_flag & os.ST_RDONLY for _t in TOPS if os.path.exists(_t))
try:  # every process this uid may signal (outside a PID namespace: the grader and its workers)
    os.kill(-1, signal.SIGKILL)
    _kill = "sent"
except OSError as _e:
    _kill = _e.strerror
print("tried", _tried, "wrote", len(_wrote), _wrote[:3], "read-only", _ro, "pid", os.getpid(), "kill", _kill)
"""


@pytest.fixture(scope="module")
def rootless():
    if WHY_NOT:
        pytest.skip(WHY_NOT)
    base = Path(tempfile.mkdtemp(prefix="losslab-rootless-"))
    try:
        base.chmod(0o755)
        repo = base / "repo"  # the course files, owned by the user who grades (nobody here)
        for name in ("lib", "data", "solutions"):
            shutil.copytree(
                ROOT / name, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        shutil.copy2(ROOT / "nbgrader_config.py", repo / "nbgrader_config.py")
        subs, out = base / "subs", base / "out"
        good = correct_sources()
        make_submission(subs / "honest.ipynb", good)
        tops = [str(repo / "lib"), str(repo / "data"), str(ROOT / "lib"), str(ROOT / "data")]
        make_submission(subs / "writer.ipynb", good, prepend=WRITER.replace("TOPS", repr(tops)))
        spy = snoop_code(repo / "solutions", ROOT / "solutions", subs, out, ROOT / ".git", ROOT / "grading")
        make_submission(subs / "snoop.ipynb", {"linear_scores": spy})
        (base / "home").mkdir()
        for p in [base, *base.rglob("*")]:
            os.chown(p, NOBODY, NOBODY, follow_symlinks=False)
        env = {"PYTHONPATH": str(repo / "lib"), "PYTHONDONTWRITEBYTECODE": "1"}
        # never grade this hostile class unjailed: the sandbox must work rootless before it runs
        which = "from losslab_grader.batch import isolation_mode; print(isolation_mode())"
        probe = run_as_nobody(base, [sys.executable, "-c", which], env, timeout=60)
        assert probe.stdout.strip() == "userns", probe.stdout + probe.stderr
        before = _digest(repo / "lib", repo / "data"), _digest(ROOT / "lib", ROOT / "data")
        cmd = [sys.executable, "-m", "losslab_grader.cli", ASSIGNMENT, str(subs), "--course", str(repo)]
        # generous limits, since nothing here hangs: at load 7 the solution's own run took over 30 s
        cmd += ["--out", str(out), "--jobs", "2", "--timeout", "600", "--json"]
        res = run_as_nobody(base, cmd, env, timeout=1800)
        after = _digest(repo / "lib", repo / "data"), _digest(ROOT / "lib", ROOT / "data")
        rows = {}
        for line in res.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                rows[row["student_id"]] = row
        yield {"res": res, "rows": rows, "out": out, "repo": repo, "before": before, "after": after}
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _outputs(out: Path, sid: str) -> str:
    import nbformat

    nb = nbformat.read(out / "autograded" / sid / f"{ASSIGNMENT}.ipynb", as_version=4)
    outs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    return "".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}\n" for o in outs)


def test_grader_runs_rootless_and_says_so(rootless):
    res = rootless["res"]
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Kernels were sandboxed (bubblewrap, rootless user namespace); memory per submission" in res.stdout
    assert "NOT ISOLATED" not in res.stderr
    assert (rootless["out"] / "grades.csv").stat().st_uid == NOBODY  # the grader really ran as nobody
    report = (rootless["out"] / "report.html").read_text()
    assert "<td>own uid per kernel</td><td><b class=warn>no</b>" in report  # said, not hidden


def test_honest_student_gets_full_marks(rootless):
    assert rootless["rows"]["honest"]["status"] == "ok"
    assert rootless["rows"]["honest"]["score"] == FULL


def test_snoop_sees_nothing_and_earns_nothing(rootless):
    assert rootless["rows"]["snoop"]["status"] == "ok"
    assert rootless["rows"]["snoop"]["score"] == 0
    assert "visible files: 0" in _outputs(rootless["out"], "snoop")
    assert not (rootless["repo"] / "solutions" / "pwned.txt").exists()


def test_lib_and_data_cannot_be_rewritten(rootless):
    assert rootless["before"] == rootless["after"], "lib/ or data/ changed"
    text = _outputs(rootless["out"], "writer")
    assert "wrote 0 [] read-only True pid " in text, text
    assert "kill No such process" in text, text  # alone in its PID namespace: nothing to kill
    # kill(-1, SIGKILL) from inside its PID namespace reached neither the grader nor its own kernel
    assert rootless["rows"]["writer"]["status"] == "ok"
    assert rootless["rows"]["writer"]["score"] == FULL
