"""From `make lab` on a fresh clone to a JupyterLab that serves the course, with cold caches.

    python3 benchmarks/lab_startup.py [--pip] [--runs N]

Clones the committed HEAD of this repository into a temporary folder, then
runs `make lab` there with empty uv and pip caches (their own temporary
folders; pip's is switched off) and times it until JupyterLab answers
/lab with 200 and lists notebooks/. The time includes creating .venv,
bootstrapping uv with pip, installing requirements.lock and starting the
server, so it measures the whole first minute a student sees. Downloads
come from the package registry, so the number depends on the network too.

--pip also times the pip-only path (the fallback `make` takes when uv cannot
be had, forced here with UV_PIN=uv==0.0.0), for comparison.

Target: under 30 s on a 2-core machine. This prints whether it is met; it
asserts nothing. Needs only python3, make and git (not .venv).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 30.0  # seconds
TOKEN = "losslab-bench"
LIMIT = 600  # give up after this many seconds


def _serving(runtime: Path) -> bool:
    for info in runtime.glob("jpserver-*.json"):
        try:
            url = json.loads(info.read_text())["url"]
            with urllib.request.urlopen(f"{url}lab?token={TOKEN}", timeout=5) as page:
                if page.status != 200:
                    return False
            with urllib.request.urlopen(f"{url}api/contents/notebooks?token={TOKEN}", timeout=5) as listing:
                names = {item["name"] for item in json.loads(listing.read())["content"]}
            return "01_score_function.ipynb" in names
        except (OSError, ValueError, KeyError, urllib.error.URLError):
            return False
    return False


def time_make_lab(work: Path, make_args: list[str]) -> tuple[float | None, str]:
    """Seconds from `make lab` to a serving JupyterLab in a fresh clone under ``work``."""
    clone = work / "losslab"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    runtime, uv_cache, home = work / "runtime", work / "uv-cache", work / "home"
    for folder in (runtime, uv_cache, home):
        folder.mkdir()
    env = {
        **os.environ,
        "UV_CACHE_DIR": str(uv_cache),        # a cold uv cache
        "PIP_NO_CACHE_DIR": "1",              # and no pip cache
        "JUPYTER_RUNTIME_DIR": str(runtime),  # where the server writes its URL
        "JUPYTER_TOKEN": TOKEN,
        "BROWSER": "true",                    # open no browser
    }
    log = (work / "make.log").open("w")
    start = time.perf_counter()
    proc = subprocess.Popen(["make", "lab", *make_args], cwd=clone, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    seconds = None
    try:
        while time.perf_counter() - start < LIMIT:
            if _serving(runtime):
                seconds = time.perf_counter() - start
                break
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
    tail = "\n".join((work / "make.log").read_text(errors="replace").splitlines()[-15:])
    return seconds, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pip", action="store_true", help="also time the pip-only fallback")
    parser.add_argument("--runs", type=int, default=1, help="runs of each path (default 1)")
    args = parser.parse_args(argv)
    for tool in ("make", "git", "python3"):
        if not shutil.which(tool):
            print(f"{tool} is not on PATH: nothing measured")
            return 0
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        print("note: uncommitted changes are not measured (the benchmark clones HEAD)")
    print(f"`make lab` on a fresh clone until JupyterLab serves the course, cold caches "
          f"(target < {TARGET:.0f} s; {os.cpu_count()} cores)")
    paths = [("uv (default)", [])] + ([("pip only (fallback)", ["UV_PIN=uv==0.0.0"])] if args.pip else [])
    for label, make_args in paths:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="losslab-lab-") as tmp:
                seconds, tail = time_make_lab(Path(tmp), make_args)
            if seconds is None:
                print(f"  {label:<22} run {run + 1}: FAILED (no server within {LIMIT} s); make said:\n{tail}")
                continue
            verdict = "ok" if seconds < TARGET else "OVER TARGET"
            if make_args:
                verdict = "(comparison)"
            print(f"  {label:<22} run {run + 1}: {seconds:6.1f} s  {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
