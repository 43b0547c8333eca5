"""The pieces the grader plugs into ``nbgrader autograde``, configured like any nbgrader preprocessor.

* :class:`JailedKernelManager` starts each kernel inside :mod:`.sandbox`'s
  jail. The kernel makes its IPC sockets in its own tmpfs ``/tmp``; the
  grader reaches them through the jail's root once the jail is set up, with
  its client (:class:`GraderClient`): reconnection off, so a kernel that swaps
  a socket for a link reaches nothing, and no heartbeat channel. Interrupts go
  as messages (a signal would stop at bubblewrap).
* :class:`CappedExecute` is nbgrader's ``Execute`` with that kernel manager
  and caps on everything a kernel sends: printed output per cell and per
  notebook, check records (their own budget), and no display updates or
  widget state at all (they would change outputs past the caps). Each cell
  runs under the course's per-cell timeout, then is interrupted.
* :class:`RewriteTests` replaces every test cell, after nbgrader restored it
  from the gradebook, with its grading form (:func:`.testcells.grading_source`):
  no expected value, hint or message enters the student's kernel.
* :class:`Verdict` compares each test cell's records with the reference
  records (:mod:`.verdict`), names the known mistakes the records match, and
  replaces the cell's outputs with the grader's verdict alone, so nbgrader's
  ``SaveAutoGrades`` scores exactly that verdict. The verdict also goes into
  the cell's metadata (:data:`VERDICT_KEY`), which is how the worker reads it.

Everything they need comes through traitlets configuration
(``c.Verdict.reference = …``), so nothing is shared through module state.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
import uuid

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Any, Dict, Float, Integer, Type, Unicode

from . import sandbox, testcells, verdict
from .sandbox import JAIL_CONNECTION, JAIL_IPC, Jail

#: The key of a test cell's metadata where Verdict leaves its CellVerdict (and the mistakes matched).
VERDICT_KEY = "losslab_verdict"
#: The key, inside VERDICT_KEY, of the seconds the cell's matching with the known mistakes took
#: (the worker takes it out: it is the grader's accounting, not the student's notebook).
MATCHING_KEY = "matching_seconds"
#: Environment variables of the grading process that reach the kernel too (nbgrader's documented
#: way for a notebook to skip slow cells at grading is NBGRADER_EXECUTION).
PASSED_ON = ("NBGRADER_EXECUTION",)


class GraderClient(AsyncKernelClient):
    """The grader's kernel client: one connection per channel, and every channel but the heartbeat.

    Reconnection is off: a kernel that swaps one of its sockets for a link after the first connect
    reaches nothing. Nothing reads the heartbeat (the manager watches the kernel's process), and
    without reconnection it stalls the grading: once the kernel has stopped, the heartbeat thread
    opens a fresh socket that never gets a peer, waits forever to send its ping, and
    ``stop_channels`` waits forever for that thread. A correct notebook was graded ``timeout`` so.
    """

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.RECONNECT_IVL, -1)
        return context

    def start_channels(self, shell=True, iopub=True, stdin=True, hb=False, control=True) -> None:
        super().start_channels(shell=shell, iopub=iopub, stdin=stdin, hb=False, control=control)


class JailedKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel runs in the jail and talks over IPC sockets in the jail's /tmp."""

    client_factory = Type(GraderClient, klass=AsyncKernelClient)

    jail = Any(None, allow_none=True, help="the sandbox.Jail; None runs the kernel unjailed").tag(config=True)
    kernel_env = Dict({}, help="variables set in the kernel's environment").tag(config=True)
    private_dir = Unicode("", help="a folder only the grader can read: connection files, host sockets").tag(
        config=True
    )
    startup_wait = Float(120.0, help="seconds to wait for the jail's sockets").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        name = f"kernel-{uuid.uuid4().hex[:12]}"
        self.connection_file = os.path.join(self.private_dir, f"{name}.json")
        if self.jail is None or not self.jail.mode:
            self.ip = os.path.join(self.private_dir, name)  # sockets on the host, in the private folder
        else:
            self.ip = JAIL_IPC  # as the kernel sees it; the grader's own view is set after launch
        self._dir_fd: int | None = None

    @property
    def jailed(self) -> bool:
        return self.jail is not None and bool(self.jail.mode)

    def _env(self) -> dict[str, str]:
        env = dict(self.jail.env if self.jail is not None else {}, **self.kernel_env)
        env.update({k: os.environ[k] for k in PASSED_ON if k in os.environ})
        return env

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if not self.jailed:
            return cmd
        jail: Jail = self.jail
        os.chmod(self.connection_file, 0o400)
        if jail.uid is not None:  # the kernel's own uid must read its connection file
            os.chown(self.connection_file, jail.uid, jail.uid)
        files = [*jail.files, (self.connection_file, JAIL_CONNECTION)]
        jail = Jail(**{**jail.__dict__, "files": files, "env": self._env()})
        return sandbox.command([JAIL_CONNECTION if a == self.connection_file else a for a in cmd], jail)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = sandbox.environment(self._env())  # unjailed kernels get the same allow-list
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self.ip = await self._sockets()

    _launch_kernel = _async_launch_kernel

    async def _sockets(self) -> str:
        """The kernel's socket prefix as the grader reaches it: through a descriptor of their folder.

        Waits (bounded) until the kernel has made every socket (a jailed kernel's, once the jail's
        root is in place) and only then lets the client connect, once: a link or anything but a
        socket where one is due, or a kernel that dies first, fails the start.
        """
        launcher = self.provisioner.process
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.startup_wait
        host_root = os.stat("/")
        prefix = os.path.basename(self.ip)
        ports = [getattr(self, f"{c}_port") for c in ("shell", "iopub", "stdin", "control", "hb")]
        while loop.time() < deadline:
            if self._dir_fd is None:
                self._dir_fd = (
                    _jail_tmp(launcher.pid, host_root)
                    if self.jailed
                    else os.open(os.path.dirname(self.ip), os.O_PATH | os.O_DIRECTORY)
                )
            if self._dir_fd is not None and all(_is_socket(self._dir_fd, f"{prefix}-{p}") for p in ports):
                return f"/proc/self/fd/{self._dir_fd}/{prefix}"
            if launcher.poll() is not None:
                break
            await asyncio.sleep(0.01)
        raise RuntimeError("the kernel did not start (its sockets never appeared)")

    async def _async_interrupt_kernel(self) -> None:
        if not self.jailed:
            return await super()._async_interrupt_kernel()
        self._connect_control_socket()
        self.session.send(self._control_socket, self.session.msg("interrupt_request", content={}))

    interrupt_kernel = _async_interrupt_kernel

    def cleanup_resources(self, restart: bool = False) -> None:
        super().cleanup_resources(restart)
        if self._dir_fd is not None:
            os.close(self._dir_fd)
            self._dir_fd = None


def _jail_tmp(launcher: int, host_root: os.stat_result) -> int | None:
    """An O_PATH descriptor of the jail's /tmp, once the jail's root differs from the host's; else None."""
    try:
        children = open(f"/proc/{launcher}/task/{launcher}/children").read().split()
    except OSError:
        return None
    for child in children:
        root = f"/proc/{child}/root"
        try:
            st = os.stat(root)
            if (st.st_dev, st.st_ino) == (host_root.st_dev, host_root.st_ino):
                continue  # not pivoted yet: this is still the host's root
            return os.open(f"{root}/tmp", os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError:
            continue
    return None


def _is_socket(dir_fd: int, name: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode)
    except OSError:
        return False


class CappedExecute(Execute):
    """nbgrader's Execute in the jail, with caps on everything the kernel sends back."""

    max_output_chars = Integer(20_000, help="printed output kept per cell").tag(config=True)
    max_notebook_chars = Integer(1_000_000, help="printed output kept per notebook").tag(config=True)
    max_record_chars = Integer(4_000_000, help="check records kept per notebook").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = JailedKernelManager
        super().__init__(*args, **kwargs)
        self.store_widget_state = False
        self._chars: dict[int, int] = {}
        self._total = self._records = 0

    def process_message(self, msg, cell, cell_index):
        msg_type = msg.get("msg_type", "")
        if msg_type == "update_display_data" or msg_type.startswith("comm"):
            return None  # would change outputs already kept, past the caps; a grade never needs them
        content = msg.get("content")
        if isinstance(content, dict):
            content.pop("transient", None)  # no display ids: nothing may update an earlier output
        return super().process_message(msg, cell, cell_index)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        data = content.get("data", {}) if isinstance(content.get("data"), dict) else {}
        size = len(json.dumps(content, default=str)[: self.max_record_chars + 1])
        if msg.get("msg_type") == "display_data" and verdict.RECORD_MIME in data:
            self._records += size
            if self._records <= self.max_record_chars:  # past the budget the cell's checks go unrecorded
                outs.append(new_output("display_data", data={verdict.RECORD_MIME: data[verdict.RECORD_MIME]}))
            return None
        used = self._chars.get(cell_index, 0)
        if used >= self.max_output_chars or self._total >= self.max_notebook_chars:
            return None
        self._chars[cell_index] = used + size
        self._total += size
        if used + size > self.max_output_chars or self._total > self.max_notebook_chars:
            outs.append(new_output("stream", name="stdout", text="\n[output truncated by the grader]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


class RewriteTests(NbGraderPreprocessor):
    """Give every test cell its grading source (expected values removed) before it runs."""

    sources = Dict({}, help="grade_id -> the test cell as it runs at grading").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        gid = testcells.meta(cell).get("grade_id")
        if testcells.is_test_cell(cell) and gid in self.sources:
            cell.source = self.sources[gid]
        return cell, resources


class Verdict(NbGraderPreprocessor):
    """Replace every test cell's outputs with the grader's verdict on its records."""

    reference = Dict({}, help="grade_id -> the reference run's decoded records").tag(config=True)
    originals = Dict({}, help="grade_id -> the test cell as the source notebook has it").tag(config=True)
    mistakes = Dict({}, help="mistake name -> {grade_id: (decoded records, error name)}").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        gid = testcells.meta(cell).get("grade_id")
        if not (testcells.is_test_cell(cell) and gid in self.reference):
            return cell, resources
        original = self.originals[gid]
        result = verdict.judge(cell, self.reference[gid], testcells.hidden_lines(original))
        started = time.perf_counter()
        like = (
            []
            if result.passed
            else [
                name
                for name, cells in self.mistakes.items()
                if gid in cells and verdict.behaves_like(cell, *cells[gid])
            ]
        )
        matching = time.perf_counter() - started
        cell.source = original
        if result.passed:
            cell.outputs = [new_output("stream", name="stdout", text="ok: every check matched\n")]
        else:
            text = "\n".join(result.messages)
            cell.outputs = [new_output("error", ename="CheckFailure", evalue=text, traceback=[text])]
        cell.metadata[VERDICT_KEY] = {**result.as_metadata(), "mistakes": like, MATCHING_KEY: matching}
        return cell, resources
