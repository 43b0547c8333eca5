"""The verdict of a test cell, decided in the grader's process from plain data.

A test cell run with ``LOSSLAB_GRADING=record`` leaves one display output of
type ``RECORD_MIME`` per check: a label and the value the check was given. The
same cell run against the solution left the reference records, which also
carry what the instructor declared (tolerance, hint, message) and the line of
the check. A cell passes when it recorded exactly as many checks as the
reference, in the same order, each matching its reference record within the
reference's tolerance. What the kernel printed, displayed or raised is never
read here, and records are parsed as hostile input: any malformed record is a
failed check.

What a student reads comes from here too, and a kernel may try to use it as a
channel out (the hidden tests' inputs are in the kernel by necessity): of a
failing visible check, a message shows one of the kernel's numbers (to
:data:`DIGITS` significant digits: the value, or an array's entry that differs
most, with its index), a shape, and names from fixed sets (:data:`TYPE_NAMES`,
``losslab.checks.EXCEPTIONS``); of a hidden check, only that it failed. The
student sees everything else of a visible failure by running the test in their
own notebook.
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass, field

import numpy as np
from losslab.checks import EXCEPTIONS, MAX_RECORD_SIZE, RECORD_MIME, SCORES, score_problem

#: Type names a message may show for a value that is not numeric (any other type is "an object").
TYPE_NAMES = frozenset(
    {
        "str",
        "bytes",
        "list",
        "tuple",
        "dict",
        "set",
        "bool",
        "int",
        "float",
        "complex",
        "NoneType",
        "ndarray",
        "function",
        "generator",
        "module",
        "type",
    }
)
#: How many numbers of a kernel's value a message shows, and their significant digits.
SHOWN_NUMBERS, DIGITS = 6, 4
_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_.]{0,79}\Z")


class BadRecord(ValueError):
    """A record that is not what losslab.checks writes."""


@dataclass
class Value:
    """A decoded record value: an array, or a description of what the check got instead."""

    type: str
    array: np.ndarray | None = None
    shape: tuple | None = None
    what: str = ""
    flag: bool | None = None
    mro: tuple[str, ...] = ()


@dataclass
class Record:
    """A decoded record, with what the reference run declared for it (empty for a student's)."""

    kind: str
    label: str
    value: Value
    declared: dict = field(default_factory=dict)
    line: int | None = None


def _shape(raw) -> tuple:
    if (
        not isinstance(raw, list)
        or len(raw) > 8
        or not all(type(n) is int and 0 <= n <= MAX_RECORD_SIZE for n in raw)
    ):
        raise BadRecord("bad shape")
    return tuple(raw)


def _text(raw, limit: int = 80) -> str:
    if not isinstance(raw, str):
        raise BadRecord("not a string")
    return raw[:limit]


def type_name(raw: str) -> str:
    """A kernel's type name, shown only when it is one of TYPE_NAMES."""
    return raw if raw in TYPE_NAMES else "object"


def exception_name(raw) -> str:
    """A kernel's exception name, shown only when it is one of losslab.checks.EXCEPTIONS."""
    return raw if isinstance(raw, str) and raw in EXCEPTIONS else "an exception"


def decode(record) -> Record:
    """One raw record decoded; BadRecord when it is malformed."""
    if not isinstance(record, dict):
        raise BadRecord("not an object")
    kind, label, typ = record.get("kind"), _text(record.get("label"), 200), record.get("type")
    if kind in ("close", "score") and typ == "array":
        shape = _shape(record.get("shape"))
        data = base64.b64decode(_text(record.get("data"), 12 * MAX_RECORD_SIZE), validate=True)
        if len(data) != 8 * math.prod(shape):
            raise BadRecord("array data does not match its shape")
        value = Value("array", np.frombuffer(data, dtype="<f8").reshape(shape), shape)
    elif kind in ("close", "score") and typ in ("none", "other", "too-big"):
        shape = _shape(record["shape"]) if typ == "too-big" else None
        value = Value(typ, shape=shape, what=type_name(_text(record.get("what", ""))))
    elif kind == "shape" and typ == "shape":
        raw = record.get("shape")
        value = Value(
            "shape", shape=None if raw is None else _shape(raw), what=type_name(_text(record.get("what", "")))
        )
    elif kind == "true" and typ == "bool" and isinstance(record.get("value"), bool):
        value = Value("bool", flag=record["value"])
    elif kind == "raises" and typ == "raised":
        mro = record.get("mro")
        if not isinstance(mro, list) or len(mro) > 20 or not all(isinstance(m, str) for m in mro):
            raise BadRecord("bad exception record")
        value = Value("raised", mro=tuple(m for m in mro if m in EXCEPTIONS))
    else:
        raise BadRecord(f"unknown record kind {str(kind)[:20]!r}")
    return Record(kind, label, value)


def records_of(cell) -> list:
    """The raw records a test cell's outputs hold, in order."""
    found = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "display_data" and RECORD_MIME in out.get("data", {}):
            found.append(out["data"][RECORD_MIME])
    return found


def error_name(cell) -> str:
    """Which fixed-set exception ended the cell ('' if none, 'an exception' if not a known one)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            name = out.get("ename")
            return exception_name(name if isinstance(name, str) and _NAME.match(name) else "")
    return ""


# --------------------------------------------------------------------------- the reference


def decode_reference(raw: dict[str, list]) -> tuple[dict[str, list[Record]], list[str]]:
    """The reference records decoded for judging, and every way the solution fails its own tests.

    A test cell with no hidden value check is a problem too: its points could be earned by a
    kernel that knows the visible answers (a verdict, a shape, a literal) without the work.
    """
    decoded: dict[str, list[Record]] = {}
    problems: list[str] = []
    for gid, records in raw.items():
        decoded[gid] = []
        for r in records:
            rec = decode(r)
            rec.declared = r.get("declared") or {}
            rec.line = r.get("line")
            problems += [f"{gid} [{rec.label}]: {p}" for p in _fails_itself(rec)]
            decoded[gid].append(rec)
    return decoded, problems


def _fails_itself(rec: Record) -> list[str]:
    expected = rec.declared.get("expected")
    if rec.kind == "close" and isinstance(expected, dict):
        exp = decode({**expected, "kind": "close", "label": rec.label}).value
        why = compare("close", rec.value, "close", exp, rec.declared)
        return [f"the solution {why.replace('expected', 'the test expects')}"] if why else []
    if rec.kind == "score" and rec.declared.get("at_least") is not None:
        why = compare("score", rec.value, "score", rec.value, rec.declared)
        return [f"the solution's {why}"] if why else []
    return []


def unearnable(reference: dict[str, list[Record]], hidden: dict[str, set[int]]) -> list[str]:
    """Test cells whose reference records hold no hidden value check (kind close or score)."""
    return [
        gid
        for gid, records in reference.items()
        if not any(r.kind in ("close", "score") and r.line in hidden.get(gid, set()) for r in records)
    ]


# --------------------------------------------------------------------------- comparing


def _fmt(arr: np.ndarray) -> str:
    """At most SHOWN_NUMBERS numbers of arr, each to DIGITS significant digits, and its shape."""
    flat = arr.ravel()
    if arr.ndim == 0:
        return f"{float(arr):.{DIGITS}g}"
    half = SHOWN_NUMBERS // 2
    picked = flat if flat.size <= SHOWN_NUMBERS else np.concatenate([flat[:half], flat[-half:]])
    numbers = [f"{float(x):.{DIGITS}g}" for x in picked]
    if flat.size > SHOWN_NUMBERS:
        numbers.insert(half, "...")
    return f"array of shape {arr.shape}: [{', '.join(numbers)}]"


def _compare_close(got: Value, ref: Value, declared: dict) -> str:
    """'' when got matches the reference value within the declared tolerance, else why not."""
    if got.type == "none":
        return "the result is None: did the function forget to return its result?"
    if got.type == "other":
        return f"the result is {_a(got.what)}, expected a number or an array"
    if got.type == "too-big":
        return f"the result has shape {got.shape}, far larger than expected {ref.shape}"
    a, e = got.array, ref.array
    if e is None:  # a reference that is not numeric (None): only None matches it
        return "got a number or an array, expected no value"
    if a.shape != e.shape:
        extra = ""
        if a.ndim == e.ndim + 1 and a.shape[-1] == 1 or e.ndim == a.ndim + 1 and e.shape[-1] == 1:
            extra = " ((N, 1) vs (N,): a stray keepdims or reshape; broadcasting would compare every pair)"
        return f"shape {a.shape}, expected shape {e.shape}{extra}"
    if not np.isfinite(a).all() and not np.array_equal(np.isfinite(a), np.isfinite(e)):
        where = "" if a.ndim == 0 else f" (first at index {_index(np.argmax(~np.isfinite(a)), a.shape)})"
        return f"result holds nan or inf{where}; expected {_fmt(e)}"
    rtol, atol = float(declared.get("rtol", 1e-6)), float(declared.get("atol", 1e-8))
    error = np.abs(a - e)
    same = (a == e) | (np.isnan(a) & np.isnan(e))  # equal, infinities and nan where nan is due included
    bad = ~(error <= atol + rtol * np.abs(e)) & ~same
    if not bad.any():
        return ""
    if a.ndim == 0:
        return f"got {_fmt(a)}, expected {_fmt(e)}"
    # of an array, one entry: the student can see the rest by running the visible test in their notebook
    i = _index(np.where(bad, np.nan_to_num(error, nan=np.inf), -1.0).argmax(), a.shape)
    return (
        f"at index {i} got {_fmt(a[i])}, expected {_fmt(e[i])} (the largest difference); expected {_fmt(e)}"
    )


def _index(flat: int, shape: tuple) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _compare_score(got: Value, ref: Value, declared: dict) -> str:
    """'' when the student's weights reach the declared score, computed here from the weights alone."""
    if got.type != "array":
        return _compare_close(got, ref, declared)  # None, not numeric or far too big: say so the same way
    score = declared.get("score")
    if score not in SCORES:
        return "the test asks for a score the grader does not know"
    bound = declared.get("at_least")
    if bound is None:  # a hidden check: the solution's own score, less the declared margin
        bound = SCORES[score][2](ref.array) - float(declared.get("atol", 0.05))
    return score_problem(score, got.array, float(bound))


def compare(kind: str, got: Value, ref_kind: str, ref: Value, declared: dict) -> str:
    """'' when a student's record matches its reference record, else the message that says why."""
    if kind != ref_kind:
        return "a different check ran here: the test cell did not run as written"
    if kind == "close":
        return _compare_close(got, ref, declared)
    if kind == "score":
        return _compare_score(got, ref, declared)
    if kind == "shape":
        if got.shape is None:
            return f"got {_a(got.what)}, expected a numpy array of shape {ref.shape}"
        return "" if got.shape == ref.shape else f"shape {got.shape}, expected {ref.shape}"
    if kind == "true":
        return "" if got.flag == ref.flag else (declared.get("message") or "the condition did not hold")
    expected = [n for n in declared.get("expected") or [] if n in ref.mro] or list(ref.mro[:1])
    if not expected:  # the solution returned normally: so must the submission
        return "" if not got.mro else f"raised {_raised(got)}; expected it to return normally"
    if any(n in got.mro for n in expected):
        return ""
    wanted = " or ".join(expected)
    return (
        f"raised {_raised(got)}; expected {wanted}"
        if _raised(got)
        else f"returned normally; expected it to raise {wanted}"
    )


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _raised(got: Value) -> str:
    return got.mro[0] if got.mro else ""


def _problem(raw, ref: Record) -> str:
    """'' when one raw record matches ref, else why not (a malformed record is a failed check)."""
    try:
        rec = decode(raw)
        if rec.label != ref.label:
            return "a different check ran here"
        return compare(rec.kind, rec.value, ref.kind, ref.value, ref.declared)
    except (BadRecord, ValueError, TypeError, KeyError, OverflowError):
        return "the check's record is malformed"


@dataclass
class CellVerdict:
    passed: bool
    messages: list[str]  # what the student may read: visible checks' messages, hidden counts
    error: str = ""  # the fixed-set name of the exception that stopped the cell, if any

    def as_metadata(self) -> dict:
        return {"passed": self.passed, "messages": self.messages, "error": self.error}

    @classmethod
    def from_metadata(cls, meta: dict) -> CellVerdict:
        return cls(
            bool(meta.get("passed")), [str(m) for m in meta.get("messages", [])], str(meta.get("error", ""))
        )


def judge(cell, reference: list[Record], hidden: set[int]) -> CellVerdict:
    """The verdict of one executed test cell against its reference records.

    reference: the reference run's decoded records of this cell; hidden: the line numbers of the
    cell's hidden regions (checks there show no detail).
    """
    got = records_of(cell)
    raised = error_name(cell)
    messages: list[str] = []
    hidden_failed = hidden_total = 0
    for i, ref in enumerate(reference):
        is_hidden = ref.line in hidden
        hidden_total += is_hidden
        problem = "did not run" if i >= len(got) else _problem(got[i], ref)
        if not problem:
            continue
        if is_hidden:
            hidden_failed += 1
            continue
        if problem == "did not run":
            problem = "did not run: " + (
                f"the cell stopped with {raised} before it" if raised else "the cell stopped before it"
            )
        hint = ref.declared.get("hint")
        messages.append(f"[{ref.label}] {problem}" + (f"\n  hint: {hint}" if hint else ""))
    if hidden_failed:
        why = f" (the cell stopped with {raised})" if raised and len(got) < len(reference) else ""
        messages.append(f"{hidden_failed} of {hidden_total} hidden checks failed{why}")
    if len(got) > len(reference):
        messages.append(
            f"the cell recorded {len(got)} checks where the test has {len(reference)}: "
            "something in the notebook emits extra check records"
        )
    return CellVerdict(not messages, messages, raised)


def behaves_like(cell, mistake: list[Record], mistake_error: str) -> bool:
    """Whether a failing cell recorded what a known mistake's run of the same cell recorded.

    mistake: that run's decoded records, with the reference's declared tolerances;
    mistake_error: the fixed-set name of the exception that stopped that run's cell ('' if none).
    """
    got = records_of(cell)
    if len(got) != len(mistake) or error_name(cell) != mistake_error:
        return False
    return all(not _problem(g, m) for g, m in zip(got, mistake, strict=True))
