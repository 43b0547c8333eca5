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
"""

from __future__ import annotations

import base64
import math
import re
from dataclasses import dataclass

import numpy as np
from losslab.checks import SCORES, score_problem

RECORD_MIME = "application/vnd.losslab.record+json"  # the same string as losslab.checks.RECORD_MIME
MAX_NUMBERS = 100_000
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


def _shape(raw) -> tuple:
    if (
        not isinstance(raw, list)
        or len(raw) > 8
        or not all(type(n) is int and 0 <= n <= MAX_NUMBERS for n in raw)
    ):
        raise BadRecord("bad shape")
    return tuple(raw)


def _text(raw, limit: int = 80) -> str:
    if not isinstance(raw, str):
        raise BadRecord("not a string")
    return raw[:limit]


def decode(record) -> tuple[str, str, Value]:
    """(kind, label, value) of one record; BadRecord when it is malformed."""
    if not isinstance(record, dict):
        raise BadRecord("not an object")
    kind, label, typ = record.get("kind"), _text(record.get("label"), 200), record.get("type")
    if kind in ("close", "score") and typ == "array":
        shape = _shape(record.get("shape"))
        data = base64.b64decode(_text(record.get("data"), 12 * MAX_NUMBERS), validate=True)
        if len(data) != 8 * math.prod(shape):
            raise BadRecord("array data does not match its shape")
        return kind, label, Value("array", np.frombuffer(data, dtype="<f8").reshape(shape), shape)
    if kind in ("close", "score") and typ in ("none", "other", "too-big"):
        shape = _shape(record["shape"]) if typ == "too-big" else None
        return kind, label, Value(typ, shape=shape, what=_text(record.get("what", "")))
    if kind == "shape" and typ == "shape":
        raw = record.get("shape")
        return (
            kind,
            label,
            Value("shape", shape=None if raw is None else _shape(raw), what=_text(record.get("what", ""))),
        )
    if kind == "true" and typ == "bool" and isinstance(record.get("value"), bool):
        return kind, label, Value("bool", flag=record["value"])
    if kind == "raises" and typ == "raised":
        mro = record.get("mro")
        if not isinstance(mro, list) or len(mro) > 20 or not all(isinstance(m, str) for m in mro):
            raise BadRecord("bad exception record")
        return kind, label, Value("raised", mro=tuple(m[:60] for m in mro))
    raise BadRecord(f"unknown record kind {str(kind)[:20]!r}")


def records_of(cell) -> list:
    """The raw records a test cell's outputs hold, in order."""
    found = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "display_data" and RECORD_MIME in out.get("data", {}):
            found.append(out["data"][RECORD_MIME])
    return found


def error_name(cell) -> str:
    """The name of the exception that ended the cell ('' if none, 'an exception' if it is not a name)."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            name = out.get("ename")
            return name if isinstance(name, str) and _NAME.match(name) else "an exception"
    return ""


# --------------------------------------------------------------------------- comparing


def _fmt(arr: np.ndarray) -> str:
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    with np.printoptions(precision=5, threshold=12, edgeitems=3, suppress=True):
        return f"array of shape {arr.shape}: {arr}"


def _compare_close(got: Value, ref: Value, declared: dict) -> str:
    """'' when got matches the reference value within the declared tolerance, else why not."""
    if got.type == "none":
        return "the result is None: did the function forget to return its result?"
    if got.type == "other":
        return f"the result is a {got.what}, expected a number or an array"
    if got.type == "too-big":
        return f"the result has shape {got.shape}, far larger than expected {ref.shape}"
    a, e = got.array, ref.array
    if a.shape != e.shape:
        extra = ""
        if a.ndim == e.ndim + 1 and a.shape[-1] == 1 or e.ndim == a.ndim + 1 and e.shape[-1] == 1:
            extra = " ((N, 1) vs (N,): a stray keepdims or reshape; broadcasting would compare every pair)"
        return f"shape {a.shape}, expected shape {e.shape}{extra}"
    if not np.isfinite(a).all() and not np.array_equal(np.isfinite(a), np.isfinite(e)):
        return f"result holds nan or inf: {_fmt(a)}; expected {_fmt(e)}"
    rtol, atol = _tolerance(declared)
    error = np.abs(a - e)
    same = (a == e) | (np.isnan(a) & np.isnan(e))  # equal, infinities and nan where nan is due included
    bad = ~(error <= atol + rtol * np.abs(e)) & ~same
    if bad.any():
        index = tuple(
            int(i)
            for i in np.unravel_index(np.where(bad, np.nan_to_num(error, nan=np.inf), -1.0).argmax(), a.shape)
        )
        where = "" if a.ndim == 0 else f" (largest difference at index {index})"
        return f"got {_fmt(a)}, expected {_fmt(e)}{where}"
    return ""


def _tolerance(declared: dict) -> tuple[float, float]:
    rtol, atol = declared.get("rtol", 1e-6), declared.get("atol", 1e-8)
    return float(rtol), float(atol)


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
            return f"got {got.what}, expected a numpy array of shape {ref.shape}"
        return "" if got.shape == ref.shape else f"shape {got.shape}, expected {ref.shape}"
    if kind == "true":
        return "" if got.flag == ref.flag else (declared.get("message") or "the condition did not hold")
    expected = [n for n in declared.get("expected") or [] if n in ref.mro] or list(ref.mro[:1])
    if not expected:  # the solution returned normally: so must the submission
        return "" if not got.mro else f"raised {got.mro[0]}; expected it to return normally"
    if any(n in got.mro for n in expected):
        return ""
    wanted = " or ".join(expected)
    return (
        f"raised {got.mro[0]}; expected {wanted}"
        if got.mro
        else f"returned normally; expected it to raise {wanted}"
    )


@dataclass
class CellVerdict:
    passed: bool
    messages: list[str]  # what the student may read: visible checks' messages, hidden counts


def judge(cell, reference: list[dict], hidden: set[int]) -> CellVerdict:
    """The verdict of one executed test cell against its reference records.

    reference: the reference run's records of this cell (decoded fields plus "declared" and "line");
    hidden: the line numbers of the cell's hidden regions (checks there show no detail).
    """
    got = records_of(cell)
    messages: list[str] = []
    hidden_failed = hidden_total = 0
    for i, ref in enumerate(reference):
        declared = ref.get("declared") or {}
        is_hidden = ref.get("line") in hidden
        hidden_total += is_hidden
        if i >= len(got):
            problem = "did not run"
        else:
            try:
                kind, label, value = decode(got[i])
                problem = "" if label == ref["label"] else "a different check ran here"
                problem = problem or compare(kind, value, ref["kind"], ref["value"], declared)
            except (BadRecord, ValueError, TypeError, KeyError, OverflowError):
                problem = "the check's record is malformed"
        if not problem:
            continue
        if is_hidden:
            hidden_failed += 1
            continue
        if problem == "did not run":
            raised = error_name(cell)
            problem = "did not run: " + (
                f"the cell stopped with {raised} before it" if raised else "the cell stopped before it"
            )
        hint = declared.get("hint")
        messages.append(f"[{ref['label']}] {problem}" + (f"\n  hint: {hint}" if hint else ""))
    if hidden_failed:
        raised = error_name(cell)
        why = f" (the cell stopped with {raised})" if raised and len(got) < len(reference) else ""
        messages.append(f"{hidden_failed} of {hidden_total} hidden checks failed{why}")
    if len(got) > len(reference):
        messages.append(
            f"the cell recorded {len(got)} checks where the test has {len(reference)}: "
            "something in the notebook emits extra check records"
        )
    return CellVerdict(not messages, messages)
