"""model: the grader's data. Each default is written once (Settings); a task's result crosses processes as
JSON and is parsed back as hostile data."""

from __future__ import annotations

import json

import pytest
from losslab_grader import cli
from losslab_grader.model import Settings, TaskResult


def test_results_round_trip_as_json():
    r = TaskResult(
        "amy",
        "ok",
        "",
        {"t": 3.0},
        ["t: wrong"],
        1.5,
        "<p>",
        "{}",
        "root",
        "cgroup v1",
        {"t": ["naive_sum_not_mean"]},
        {"q": True},
        {"f": "def f(): pass"},
    )
    assert TaskResult.from_json(r.to_json(), "amy") == r


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        json.dumps({"student_id": "amy", "status": "graded"}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "scores": {"t": "3"}}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "scores": {"t": float("inf")}}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "feedback": ["<script>"]}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "mistakes": {"t": "x"}}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "timed_out": True}).encode(),
        json.dumps({"student_id": "amy", "status": "ok", "__class__": "os.system"}).encode(),
        b"[" * 50_000 + b"]" * 50_000,
    ],
)
def test_a_malformed_result_is_a_crashed_task(raw):
    r = TaskResult.from_json(raw, "amy")
    assert r.status in ("crashed", "ok") and r.student_id == "amy"
    if b"__class__" not in raw:
        assert r.status == "crashed"


def test_every_default_is_written_once():
    """The command line's defaults and help texts are Settings' own."""
    actions = {a.dest: a for a in cli.parser()._actions}
    for name, default, meta in Settings.options():
        assert actions[name].default == default
        assert meta["help"] in actions[name].help
