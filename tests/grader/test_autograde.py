"""autograde: what the grader plugs into nbgrader. Caps on everything a kernel sends, test cells rewritten,
the verdict in the cell's metadata, and the kernel's environment."""

from __future__ import annotations

import asyncio
import threading

import nbformat
import pytest
import zmq
from losslab.checks import RECORD_MIME
from losslab_grader import autograde
from nbformat.v4 import new_code_cell
from records import array, cell, close, record, reference
from traitlets.config import Config


def _executor(**config) -> autograde.CappedExecute:
    c = Config()
    for k, v in config.items():
        c.CappedExecute[k] = v
    ex = autograde.CappedExecute(config=c)
    ex.reset_execution_trackers()  # what nbclient does before it runs a notebook, and a cell:
    ex.clear_before_next_output = False
    return ex


def _msg(msg_type: str, **content):
    return {"msg_type": msg_type, "header": {"msg_type": msg_type}, "parent_header": {}, "content": content}


def test_display_updates_and_widget_state_are_dropped():
    ex = _executor()
    c = new_code_cell("")
    ex.process_message(
        _msg("display_data", data={"text/plain": "1"}, metadata={}, transient={"display_id": "d"}), c, 0
    )
    ex.process_message(
        _msg(
            "update_display_data",
            data={"text/plain": "x" * 10**6},
            metadata={},
            transient={"display_id": "d"},
        ),
        c,
        0,
    )
    ex.process_message(_msg("comm_msg", comm_id="w", data={"state": {"value": "x" * 10**6}}), c, 0)
    assert len(c.outputs) == 1 and c.outputs[0]["data"]["text/plain"] == "1"
    assert not ex.widget_state


def test_output_is_capped_per_cell_and_records_have_their_own_budget():
    ex = _executor(max_output_chars=1000, max_record_chars=2000)
    c = new_code_cell("")
    for _ in range(10):
        ex.process_message(_msg("stream", name="stdout", text="y" * 500), c, 0)
        ex.process_message(_msg("error", ename="E", evalue="z" * 500, traceback=["z" * 500]), c, 0)
    kept = sum(len(str(o)) for o in c.outputs)
    assert kept < 3000 and "[output truncated by the grader]" in str(c.outputs[-1])
    for _ in range(10):
        ex.process_message(
            _msg("display_data", data={RECORD_MIME: {"kind": "x", "pad": "p" * 400}}, metadata={}), c, 1
        )
    assert 0 < sum(1 for o in c.outputs if RECORD_MIME in o.get("data", {})) < 10


def test_rewrite_tests_and_the_verdict_are_configured_not_shared():
    source = 'with case("t"):\n    check_close("a", f(), 1.0, hint="h")'
    c = Config()
    c.RewriteTests.sources = {"t1": "check_close('a', f())"}
    c.Verdict.reference = {"t1": reference([close("a", 1.0, hint="h")])}
    c.Verdict.originals = {"t1": source}
    c.Verdict.mistakes = {"off_by_one": {"t1": (reference([close("a", 2.0)]), "")}}
    test = nbformat.v4.new_code_cell(
        source, metadata={"nbgrader": {"grade": True, "grade_id": "t1", "solution": False}}
    )
    rewritten, _ = autograde.RewriteTests(config=c).preprocess_cell(test, {}, 0)
    assert rewritten.source == "check_close('a', f())"
    executed = cell([record("close", "a", **array(2.0))])
    executed.metadata = test.metadata
    judged, _ = autograde.Verdict(config=c).preprocess_cell(executed, {}, 0)
    verdict = judged.metadata[autograde.VERDICT_KEY]
    assert not verdict["passed"] and verdict["mistakes"] == ["off_by_one"]
    assert judged.source == source and judged.outputs[0]["ename"] == "CheckFailure"


def test_the_kernel_gets_nbgraders_execution_flag(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("LMS_API_TOKEN", "secret")
    c = Config()
    c.JailedKernelManager.kernel_env = {"LOSSLAB_GRADING": "record"}
    c.JailedKernelManager.private_dir = "/nonexistent"
    km = autograde.JailedKernelManager(config=c)
    env = km._env()
    assert env["NBGRADER_EXECUTION"] == "autograde" and env["LOSSLAB_GRADING"] == "record"
    assert "LMS_API_TOKEN" not in env


def test_the_graders_client_never_follows_a_swapped_socket(tmp_path):
    """Each channel connects once: a kernel that swaps a socket for a link reaches nothing."""
    kc = autograde.JailedKernelManager(private_dir=str(tmp_path)).client()
    try:
        assert isinstance(kc, autograde.GraderClient)
        assert kc.context.sockopts.get(zmq.RECONNECT_IVL) == -1
    finally:
        kc.context.term()


@pytest.mark.slow
def test_the_graders_client_runs_no_heartbeat_and_stops_once_its_kernel_is_gone(tmp_path):
    """A grading stalled until its deadline in stop_channels: with reconnection off, a heartbeat
    thread that missed a beat opened a fresh socket, which got no peer when the kernel had stopped
    (how often depends on timing), sent its ping forever, and stop_channels joined it forever."""

    async def started_then_stopped():
        km = autograde.JailedKernelManager(private_dir=str(tmp_path))
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=120)
        heartbeat = kc.hb_channel.is_alive()
        await km.shutdown_kernel(now=True)
        await asyncio.sleep(3 * kc.hb_channel.time_to_dead)  # a heartbeat would have missed beats
        return kc, heartbeat

    kc, heartbeat = asyncio.run(started_then_stopped())
    stopping = threading.Thread(target=kc.stop_channels, daemon=True)
    stopping.start()
    stopping.join(60)
    assert not heartbeat, "the grader's kernel client started a heartbeat thread"
    assert not stopping.is_alive(), "stop_channels did not return once the kernel was gone"
