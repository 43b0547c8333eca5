"""The pieces the grader plugs into ``nbgrader autograde``.

* ``SandboxKernelManager`` starts each kernel inside :mod:`.sandbox`'s jail and
  talks to it over Unix sockets (the jail has no network).
* ``CappedExecute`` is nbgrader's ``Execute`` with that kernel manager, a cap on
  what a cell may print and a cap on the whole notebook's output. Check records
  (the display outputs test cells leave at grading) have their own budget.
* ``RewriteTests`` replaces every test cell, after nbgrader restored it from
  the gradebook, with its grading form (:func:`.testcells.grading_source`): no
  expected value, hint or message enters the student's kernel.
* ``Verdict`` compares each test cell's records with the reference records
  (:mod:`.verdict`) and replaces the cell's outputs with the grader's verdict
  alone, so nbgrader's ``SaveAutoGrades`` scores exactly that verdict: whatever
  the kernel printed, displayed or raised adds no point.
"""

from __future__ import annotations

import json
import os
import signal

from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict, Integer

from . import sandbox, testcells, verdict

#: The kernels this process has started (normally one at a time).
LIVE_KERNELS: list[AsyncKernelManager] = []

#: Set by the worker before grading: grade_id -> grading source / reference records / original source.
#: "mode" is the kernel's LOSSLAB_GRADING ("record" for submissions, "reference" for the solution);
#: the Verdict preprocessor leaves each test cell's CellVerdict in "verdicts" and the name of the
#: exception that stopped it, if any, in "errors".
GRADING: dict = {
    "sources": {},
    "reference": {},
    "originals": {},
    "mode": "record",
    "verdicts": {},
    "errors": {},
}


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in the jail and listens on Unix sockets."""

    #: The sandbox configuration (sandbox.command's cfg) with "ipc_dir", set by the worker.
    sandbox_config: dict = {}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        ipc = self.sandbox_config["ipc_dir"]
        self.transport = "ipc"
        self.ip = os.path.join(ipc, "kernel")
        self.connection_file = os.path.join(ipc, "kernel.json")

    def _config(self) -> dict:
        env = dict(self.sandbox_config.get("env", {}), LOSSLAB_GRADING=GRADING["mode"])
        return dict(self.sandbox_config, env=env)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        cfg = self._config()
        if not cfg.get("mode"):
            return cmd
        if cfg["mode"] == "root":  # the kernel's own uid must read its connection file
            uid = sandbox.UID_BASE + int(cfg.get("slot", 0))
            os.chown(cfg["ipc_dir"], uid, uid)
            os.chown(self.connection_file, uid, uid)
        return sandbox.command(cmd, cfg)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = sandbox.environment(self._config()["env"])  # unsandboxed kernels get the same list
        await super()._async_launch_kernel(kernel_cmd, **kw)
        LIVE_KERNELS.append(self)

    _launch_kernel = _async_launch_kernel

    def kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return getattr(process, "pid", None)


def kill_kernels() -> None:
    """SIGKILL every kernel this process started, and wait until nothing of its jail runs any more.

    bwrap takes the jail's PID namespace with it; as root, every process of the kernel's own uid is
    also swept, so not even a process caught mid-exit outlives the submission.
    """
    while LIVE_KERNELS:
        km = LIVE_KERNELS.pop()
        pid = km.kernel_pid()
        for kill in (os.killpg, os.kill):
            try:
                if pid:
                    kill(pid, signal.SIGKILL)
            except OSError:
                pass
        cfg = km.sandbox_config
        if cfg.get("mode") == "root":
            sandbox.sweep(sandbox.UID_BASE + int(cfg.get("slot", 0)))


class CappedExecute(Execute):
    """nbgrader's Execute in the jail, with caps on printed output per cell and per notebook."""

    max_output_chars = Integer(20_000).tag(config=True)
    max_notebook_chars = Integer(1_000_000).tag(config=True)
    max_record_chars = Integer(4_000_000).tag(config=True)
    sandbox = Dict({}).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)
        SandboxKernelManager.sandbox_config = dict(self.sandbox)
        self._chars: dict[int, int] = {}
        self._total = self._records = 0

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        msg_type = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        data = content.get("data", {}) if isinstance(content.get("data"), dict) else {}
        size = len(json.dumps(content, default=str)[: self.max_record_chars + 1])
        if msg_type == "display_data" and verdict.RECORD_MIME in data:
            self._records += size
            if self._records > self.max_record_chars:
                return None  # the cell's checks go unrecorded, so it fails
            record = new_output("display_data", data={verdict.RECORD_MIME: data[verdict.RECORD_MIME]})
            outs.append(record)
            return None
        used = self._chars.get(cell_index, 0)
        if used >= self.max_output_chars or self._total >= self.max_notebook_chars:
            return None
        self._chars[cell_index] = used + size
        self._total += size
        if used + size > self.max_output_chars or self._total > self.max_notebook_chars:
            note = "\n[output truncated by the grader]\n"
            outs.append(new_output("stream", name="stdout", text=note))
            return None
        return super().output(outs, msg, display_id, cell_index)


class RewriteTests(NbGraderPreprocessor):
    """Give every test cell its grading source (expected values removed) before it runs."""

    def preprocess_cell(self, cell, resources, index):
        gid = testcells.meta(cell).get("grade_id")
        if testcells.is_test_cell(cell) and gid in GRADING["sources"]:
            cell.source = GRADING["sources"][gid]
        return cell, resources


class Verdict(NbGraderPreprocessor):
    """Replace every test cell's outputs with the grader's verdict on its records."""

    def preprocess_cell(self, cell, resources, index):
        gid = testcells.meta(cell).get("grade_id")
        if not (testcells.is_test_cell(cell) and gid in GRADING["reference"]):
            return cell, resources
        original = GRADING["originals"][gid]
        result = verdict.judge(cell, GRADING["reference"][gid], testcells.hidden_lines(original))
        GRADING["errors"][gid] = verdict.error_name(cell)
        cell.source = original
        if result.passed:
            cell.outputs = [new_output("stream", name="stdout", text="ok: every check matched\n")]
        else:
            text = "\n".join(result.messages)
            cell.outputs = [new_output("error", ename="CheckFailure", evalue=text, traceback=[text])]
        GRADING["verdicts"][gid] = result
        return cell, resources
