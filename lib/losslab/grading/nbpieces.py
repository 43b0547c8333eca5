"""The nbgrader pieces the grader plugs into ``nbgrader autograde``.

* ``SandboxKernelManager`` starts each kernel through ``losslab.grading.sandbox``
  (jail, limits, user ``nobody``) and remembers it so the worker's watchdog
  can kill its whole process group when the submission's time is up.
* ``CappedExecute`` is nbgrader's ``Execute`` with that kernel manager and a
  cap on the output a cell may produce (``LimitOutput`` only counts lines).
* ``InjectGuard`` / ``StripGuard`` put one line at the top of every
  autograded test cell while it runs, which reloads ``losslab.checks`` from
  disk and rebinds the check helpers in the notebook's namespace: a
  submission that redefines ``check_close`` or ``case``, or patches the
  loaded module, is graded with fresh helpers all the same. The line is
  removed again before grades are saved, so checksums and feedback see the
  test cell exactly as the instructor wrote it.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Dict, Integer

import losslab.checks

GUARD_FILE = str(Path(__file__).resolve().with_name("guard.py"))
CHECKS_FILE = str(Path(losslab.checks.__file__).resolve())
GUARD_LINE = (
    f'exec(compile(open({GUARD_FILE!r}).read(), {GUARD_FILE!r}, "exec"), '
    f'{{"G": globals(), "CHECKS": {CHECKS_FILE!r}}})  # losslab-grade guard'
)

#: The kernels this worker process has started (normally one at a time).
LIVE_KERNELS: list[AsyncKernelManager] = []


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel command goes through the sandbox wrapper."""

    #: Set by the worker before grading: the sandbox's JSON configuration.
    sandbox_config: dict = {}

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        wrapper = [sys.executable, "-m", "losslab.grading.sandbox", json.dumps(self.sandbox_config), "--"]
        return wrapper + cmd

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        LIVE_KERNELS.append(self)

    _launch_kernel = _async_launch_kernel

    def kernel_pid(self) -> int | None:
        process = getattr(self.provisioner, "process", None)
        return getattr(process, "pid", None)


def kill_kernels() -> None:
    """SIGKILL the process group of every kernel this worker started."""
    while LIVE_KERNELS:
        km = LIVE_KERNELS.pop()
        pid = km.kernel_pid()
        if pid:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError, OSError):
                    pass


class CappedExecute(Execute):
    """nbgrader's Execute in the sandbox, with at most ``max_output_chars`` of output per cell."""

    max_output_chars = Integer(20_000).tag(config=True)
    sandbox = Dict({}).tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)
        SandboxKernelManager.sandbox_config = dict(self.sandbox)
        self._chars: dict[int, int] = {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        used = self._chars.get(cell_index, 0)
        if used >= self.max_output_chars:
            return None
        msg_type = msg.get("msg_type") or msg.get("header", {}).get("msg_type")
        if msg_type == "stream":
            size = len(content.get("text", ""))
        elif msg_type in ("display_data", "execute_result", "update_display_data"):
            size = sum(
                len(v) if isinstance(v, str) else len(json.dumps(v)) for v in content.get("data", {}).values()
            )
        else:
            size = 0
        budget = self.max_output_chars - used
        self._chars[cell_index] = used + size
        if size > budget:
            limit = self.max_output_chars
            note = f"\n[output truncated by the grader: a cell may print at most {limit} characters]\n"
            if msg_type == "stream" and content.get("name") == "stdout" and budget > 0:
                content = dict(content, text=content["text"][:budget] + note)
                return super().output(outs, dict(msg, content=content), display_id, cell_index)
            outs.append(_stream(note))
            return None
        return super().output(outs, msg, display_id, cell_index)


def _stream(text):
    from nbformat.v4 import new_output

    return new_output("stream", name="stdout", text=text)


def _is_test_cell(cell) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


class InjectGuard(NbGraderPreprocessor):
    """Prefix every autograded test cell with the guard line (after the cells were restored)."""

    def preprocess_cell(self, cell, resources, index):
        if _is_test_cell(cell) and not cell.source.startswith(GUARD_LINE):
            cell.source = GUARD_LINE + "\n" + cell.source
        return cell, resources


class StripGuard(NbGraderPreprocessor):
    """Remove the guard line again once the cells have run."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.source.startswith(GUARD_LINE):
            cell.source = cell.source[len(GUARD_LINE) + 1 :]
        return cell, resources
