"""The grader's data: what travels between its phases, as typed plain values.

Every default of ``losslab-grade`` is written once, here: :class:`Settings`
carries each limit with its help text, and the command line is built from it.
What crosses a process (or a machine) boundary, a task's :class:`TaskResult`,
is plain JSON and is parsed back as hostile data: a worker's result is never
unpickled, and a malformed one is a crashed task, not a crash of the batch.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from traitlets.config import Config

#: How a graded student's row ends: graded normally, or why not.
STATUSES = ("ok", "timeout", "crashed", "invalid", "missing")


def _opt(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class Settings:
    """The limits of one grading run. Each field is also a ``losslab-grade --option``."""

    timeout: float = _opt(120.0, "wall-clock seconds per submission, the whole pipeline included")
    cell_timeout: float | None = _opt(
        None,
        "seconds a cell may run before its kernel is interrupted (default: the course's "
        "Execute.timeout); the rest of the notebook still grades",
    )
    memory: int = _opt(2048, "memory in MB for the whole submission, all its processes together")
    processes: int = _opt(32, "processes a submission may run at once")
    scratch: int = _opt(256, "MB of the kernel's private, writable /tmp (its IPC sockets included)")
    output_chars: int = _opt(20_000, "characters of printed output kept per cell")
    kernel_uids: int = _opt(
        62000,
        "first of the uids the kernels run as when grading as root (one per worker; none may "
        "belong to an account)",
        metavar="UID",
    )

    @classmethod
    def options(cls) -> list[tuple[str, object, dict]]:
        """(field name, default, metadata) of every setting, for the command line."""
        return [(f.name, f.default, dict(f.metadata)) for f in fields(cls)]


@dataclass(frozen=True)
class Assignment:
    """What the grader knows of an assignment after generating it from its source notebook."""

    name: str
    tests: dict[str, float]  # autograded test cells, grade_id -> points, in notebook order
    manual: dict[str, float]  # written answers graded by hand, grade_id -> points
    sources: dict[str, str]  # grade_id -> the test cell as it runs at grading (no expected values)
    originals: dict[str, str]  # grade_id -> the test cell as the source notebook has it
    key: str  # digest of everything the reference records depend on

    @property
    def max_score(self) -> float:
        return sum(self.tests.values())


@dataclass(frozen=True)
class Bundle:
    """Everything a worker needs to grade an assignment, on this machine or another."""

    key: str  # distinct per run: a worker sets itself up once per bundle
    assignment: Assignment
    settings: Settings
    mode: str | None  # the sandbox: "root", "userns", None (none), "auto" (each worker probes)
    cell_timeout: float  # Settings.cell_timeout resolved against the course's configuration
    course_config: Config  # the course's nbgrader configuration (a worker elsewhere has no course)
    hide: tuple[str, ...] = ()  # folders a jail must never show if it would (the course's own)
    path: str | None = None  # the workspace, on this machine
    tar: bytes | None = None  # or the workspace packed, for a worker elsewhere


@dataclass
class TaskResult:
    """What grading one notebook produced: plain data, encoded as JSON across processes."""

    student_id: str
    status: str
    reason: str = ""
    scores: dict[str, float] = field(default_factory=dict)
    public_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    feedback: str | None = None  # the student's feedback page (HTML)
    autograded: str | None = None  # the executed notebook, for the instructor
    isolation: str | None = None  # the sandbox mode the worker reports having used
    memory_limit: str = ""  # what bounded the submission's memory: "cgroup v1", "cgroup v2", "watchdog"
    mistakes: dict[str, list[str]] = field(default_factory=dict)  # failing cell -> known mistakes matched
    answered: dict[str, bool] = field(default_factory=dict)  # written answer -> changed from the stub
    code: dict[str, str] = field(default_factory=dict)  # solution cell -> the student's source
    records: dict[str, dict] = field(default_factory=dict)  # record runs: grade_id -> {"records", "error"}
    matching: float = 0.0  # seconds spent matching the failing cells with the known mistakes
    timed_out: int = 0  # earlier attempts that hit the deadline (the grade is the last attempt's)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_json(cls, data: bytes, student_id: str) -> TaskResult:
        """Parse a result as hostile data: anything malformed is a crashed task for student_id."""
        try:
            raw = json.loads(data)
            result = cls(**{f.name: raw[f.name] for f in fields(cls) if f.name in raw})
            result.check()
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            return cls(student_id, "crashed", f"the grading worker returned a malformed result ({exc})"[:300])
        if result.student_id != student_id:
            return cls(student_id, "crashed", "the grading worker returned another student's result")
        return result

    def check(self) -> None:
        """TypeError/ValueError unless every field has its type (what JSON cannot say alone)."""
        if self.status not in STATUSES or not isinstance(self.student_id, str):
            raise ValueError("bad status or student id")
        if not isinstance(self.reason, str) or not isinstance(self.memory_limit, str):
            raise TypeError("bad reason")
        if not all(isinstance(k, str) and _number(v) for k, v in self.scores.items()):
            raise TypeError("bad scores")
        if not (_number(self.seconds) and _number(self.matching)):
            raise TypeError("bad seconds")
        if type(self.timed_out) is not int:
            raise TypeError("bad timed_out")
        if not all(isinstance(m, str) for m in self.public_failures):
            raise TypeError("bad failures")
        for text in (self.feedback, self.autograded, self.isolation):
            if text is not None and not isinstance(text, str):
                raise TypeError("bad text field")
        for names in self.mistakes.values():
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise TypeError("bad mistakes")
        if not all(isinstance(v, bool) for v in self.answered.values()):
            raise TypeError("bad answered")
        if not all(isinstance(v, str) for v in self.code.values()):
            raise TypeError("bad code")
        if not all(isinstance(v, dict) for v in self.records.values()):
            raise TypeError("bad records")


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


@dataclass
class GradeRow:
    """One student's line of grades.csv."""

    student_id: str
    score: float
    max_score: float
    status: str
    reason: str
    scores: dict[str, float]  # grade_id -> points, every test cell
    public_failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    mistakes: dict[str, list[str]] = field(default_factory=dict)  # failing cell -> known mistakes
    answered: dict[str, bool] = field(default_factory=dict)  # written answer -> answered at all


@dataclass
class Outcome:
    """What a grading run produced."""

    out: Path
    assignment: Assignment
    rows: list[GradeRow]
    seconds: float
    jobs: int
    mode: str | None  # "root" or "userns" when every kernel was sandboxed, else None
    memory_limit: str = ""  # what bounded each submission's memory ("" when the runs disagreed)
    warnings: list[str] = field(default_factory=list)
    reference: dict[str, dict] = field(default_factory=dict)  # grade_id -> the solution's raw records
    mistakes: dict[str, tuple[str, str]] = field(default_factory=dict)  # known mistake -> (title, hint)
    pairs: list | None = None  # similarity.Pair, most similar first; None when not computed
    remote: bool = False  # graded on a cluster: mode and memory_limit are what its workers report
    timings: dict[str, float] = field(default_factory=dict)  # seconds of each phase of the run

    @property
    def isolated(self) -> bool:
        return self.mode is not None

    @property
    def tests(self) -> dict[str, float]:
        return self.assignment.tests

    @property
    def manual_points(self) -> float:
        return sum(self.assignment.manual.values())

    @property
    def grades_csv(self) -> Path:
        return self.out / "grades.csv"

    def by_student(self) -> dict[str, GradeRow]:
        return {r.student_id: r for r in self.rows}
