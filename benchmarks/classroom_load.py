"""What a class costs the classroom's server: N students log in, fetch, Run All and submit at once.

    sudo .venv/bin/python benchmarks/classroom_load.py [--students 10 20 40] [--assignment 02_svm_loss]

One classroom (losslab_grader.classroom.client.Running, on 127.0.0.1) with the largest N students; then,
for each N, that many students at once, each in a thread of its own:

* login: the hub's login form with the student's own password, then the server spawned and ready
  (a spawn the hub gives up on, past its start_timeout, is relaunched as the student would, and
  counted under *failed spawns*; a student whose loop fails otherwise is counted under *gave up*,
  and the medians are of the others);
* fetch: *Fetch* in the Assignment List (its REST call);
* Run All: the released notebook with the solution filled in, cell after cell, in a kernel of the
  student's own server (over its websocket, as JupyterLab does);
* submit: the notebook saved, then *Submit*.

It prints each step's median and 95th percentile (seconds) and the machine's peak memory above what it
used before the round, in all and per student, and stops every server between rounds. It asserts
nothing (a benchmark, not a test); README's sizing for a class of 200 is read off its output.
Needs root, as the classroom does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import requests
import websocket
from losslab_grader import demo
from losslab_grader.classroom import client
from losslab_grader.course import Course

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("login", "fetch", "run_all", "submit")


def used_mb() -> float:
    info = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    kb = lambda key: int(info[key].split()[0])  # noqa: E731
    return (kb("MemTotal") - kb("MemAvailable")) / 1024


class PeakMemory:
    """The machine's used memory, sampled every 0.2 s in a thread, as the peak above where it started."""

    def __enter__(self) -> PeakMemory:
        self.base = self.peak = used_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, used_mb())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def above_base(self) -> float:
        return self.peak - self.base


def login(room: client.Running, user: str) -> requests.Session:
    """The login form with the student's password, then the spawn, as a browser would wait for it."""
    s = requests.Session()
    s.get(f"{room.url}/hub/login", timeout=60)
    r = s.post(
        f"{room.url}/hub/login",
        data={"username": user, "password": room.passwords[user], "_xsrf": s.cookies.get("_xsrf")},
        allow_redirects=False,
        timeout=120,
    )
    r.raise_for_status()
    return s


def spawn(room: client.Running, user: str, seconds: float = 900) -> int:
    """Start user's server and wait until it is ready, relaunching a spawn the hub gave up on (past
    its start_timeout) as the student would click "Relaunch"; the number of failed spawns."""
    failed, end = 0, time.monotonic() + seconds
    room.api("POST", f"users/{user}/server")
    while time.monotonic() < end:
        server = room.api("GET", f"users/{user}").json().get("servers", {}).get("")
        if server and server.get("ready"):
            return failed
        if not server:  # neither running nor pending: this spawn failed
            failed += 1
            room.api("POST", f"users/{user}/server")
        time.sleep(1)
    raise TimeoutError(f"{user}'s server was not ready after {seconds:g} s")


def run_all(room: client.Running, user: str, nb: nbformat.NotebookNode) -> None:
    """Every code cell of nb in a fresh kernel of user's server, in order, each waited for."""
    r = room.server(user, "POST", "api/kernels", json={"name": "python3"})
    r.raise_for_status()
    kernel = r.json()["id"]
    url = f"{room.url.replace('http', 'ws', 1)}/user/{user}/api/kernels/{kernel}/channels"
    ws = websocket.create_connection(url, header=[f"Authorization: token {room.token}"], timeout=600)
    try:
        for cell in nb.cells:
            if cell.cell_type == "code":
                execute(ws, cell.source)
    finally:
        ws.close()
        room.server(user, "DELETE", f"api/kernels/{kernel}")


def execute(ws: websocket.WebSocket, code: str) -> None:
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "", "session": msg_id,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": False},
    }))
    while True:
        reply = json.loads(ws.recv())
        if reply.get("parent_header", {}).get("msg_id") == msg_id and reply["msg_type"] == "execute_reply":
            return


def one_student(room: client.Running, user: str, name: str, nb: nbformat.NotebookNode) -> dict[str, float]:
    times, start = {}, time.perf_counter()

    def lap(step: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[step], start = now - start, now

    login(room, user)
    times["failed spawns"] = spawn(room, user)
    lap("login")
    course = {"course_id": "losslab", "assignment_id": name}
    room.server(user, "POST", "assignments/fetch", data=course).raise_for_status()
    lap("fetch")
    run_all(room, user, nb)
    lap("run_all")
    body = {"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))}
    room.server(user, "PUT", f"api/contents/assignments/{name}/{name}.ipynb", json=body).raise_for_status()
    room.server(user, "POST", "assignments/submit", data=course).raise_for_status()
    lap("submit")
    return times


def attempt(room: client.Running, user: str, name: str, nb: nbformat.NotebookNode) -> dict[str, float] | None:
    """one_student's times, or None (what stopped them printed): a server too busy to answer."""
    try:
        return one_student(room, user, name, nb)
    except Exception as exc:  # counted, and the round goes on: a crowded server's failures are data here
        print(f"  {user}: {type(exc).__name__}: {exc}"[:200], file=sys.stderr, flush=True)
        return None


def round_of(room: client.Running, users: list[str], name: str, nb: nbformat.NotebookNode) -> tuple:
    with PeakMemory() as memory, ThreadPoolExecutor(len(users)) as pool:
        results = list(pool.map(lambda u: attempt(room, u, name, nb), users))
    for user in users:
        room.api("DELETE", f"users/{user}/server")
    return results, memory.above_base


def summary(n: int, results: list[dict[str, float]], peak_mb: float) -> str:
    done = [r for r in results if r is not None]
    cells = []
    for step in STEPS:
        values = sorted(r[step] for r in done) or [float("nan")]
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        cells.append(f"{statistics.median(values):7.1f} {p95:7.1f}")
    failed = sum(r["failed spawns"] for r in done)
    return (f"{n:4d}  " + "  ".join(cells) + f"  {peak_mb:8.0f} {peak_mb / n:7.0f}  {failed:13d}"
            f"  {len(results) - len(done):8d}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, nargs="+", default=[10, 20, 40])
    ap.add_argument("--assignment", default="02_svm_loss")
    args = ap.parse_args(argv)
    if reason := client.unusable_here():
        print(f"cannot run here: {reason}", file=sys.stderr)
        return 2
    course = Course(ROOT)
    students = [f"llb{i:03d}" for i in range(max(args.students))]
    roster = {"llbprof": "instructor", **dict.fromkeys(students, "student")}
    with tempfile.TemporaryDirectory() as tmp:
        solved = demo.correct_sources(course, args.assignment)
        work = demo.make_submission(course, Path(tmp) / "work.ipynb", solved, name=args.assignment)
        nb = nbformat.read(work, as_version=4)
        with client.Running(roster, Path(tmp) / "room", ROOT) as room:
            room.cli("release", args.assignment, "--due", "2099-01-01 00:00 UTC")
            print(f"{args.assignment}: medians and 95th percentiles in seconds; memory above the idle server")
            head = "  ".join(f"{s:>7} {'p95':>7}" for s in STEPS)
            print(f"   N  {head}   peak MB  MB/stu  failed spawns  gave up")
            for n in sorted(args.students):
                results, peak = round_of(room, students[:n], args.assignment, nb)
                print(summary(n, results, peak), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
