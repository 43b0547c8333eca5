"""The checks that assignment test cells are written with.

A test cell names its case and compares with a tolerance, and a failure says
what was expected, what came back and the likely mistake::

    with case("test_svm_naive_loss"):
        loss, _ = svm_loss_naive(W, X, y, 0.0)
        check_close("cat example, reg = 0", loss, 2.9,
                    hint="3.9 means the correct class's own margin was counted: skip j == y[i]")

``case`` records whether the cell's checks all passed, so the notebook's last
cell, ``summary([...])``, lists every visible test's verdict.

**At grading time nothing here decides a grade.** The grader (the separate
``losslab_grader`` package) runs each test cell with ``LOSSLAB_GRADING=record``
after removing every expected value, hint and message from its source: each
check then only *records* the value it was given, as plain data on a channel
the grader reads (a display output of type :data:`RECORD_MIME`). The grader
compares those records, in its own process, with the records of the same cells
run against the instructor's solution (``LOSSLAB_GRADING=reference``), using
the tolerance the reference declared. Hidden tests are therefore written
without expected values: ``check_close("hidden: N=9", loss)``.
"""

from __future__ import annotations

import base64
import contextlib
import os
import sys

import numpy as np

#: Display-output type of a record; the grader reads only outputs of this type from test cells.
RECORD_MIME = "application/vnd.losslab.record+json"
#: Records carry at most this many numbers each; larger values are recorded as "too big".
MAX_RECORD_SIZE = 100_000

#: "" (a student working), "record" (grading a submission) or "reference" (grading the solution).
MODE = os.environ.get("LOSSLAB_GRADING", "")

#: Outcome of every case run so far in this kernel: name -> "passed" | "failed".
results: dict[str, str] = {}


class CheckFailure(AssertionError):
    """A check that did not hold; its message is what the student reads."""


# --------------------------------------------------------------------------- recording (grading)


def _emit(kind: str, label: str, value: dict, **declared) -> None:
    """Send one record to the grader (a display output of type RECORD_MIME)."""
    record = {"kind": kind, "label": str(label), **value}
    if MODE == "reference":  # only the trusted reference run declares tolerances, hints and lines
        record["declared"] = declared
        record["line"] = sys._getframe(2).f_lineno
    from IPython.display import display

    display({RECORD_MIME: record}, raw=True)


def _encode(value) -> dict:
    """A value as plain data: float64 array bytes (base64) and shape, or why it is not numeric."""
    if value is None:
        return {"type": "none"}
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return {"type": "other", "what": type(value).__name__[:60]}
    if arr.size > MAX_RECORD_SIZE:
        return {"type": "too-big", "shape": list(arr.shape)}
    data = base64.b64encode(np.ascontiguousarray(arr, dtype="<f8").tobytes()).decode("ascii")
    return {"type": "array", "shape": list(arr.shape), "data": data}


# --------------------------------------------------------------------------- checking (students)


def _fail(case_name: str, message: str, hint: str = "") -> None:
    __tracebackhide__ = True  # IPython shows the student's line, not this module's frames
    text = f"[{case_name}] {message}"
    if hint:
        text += f"\n  hint: {hint}"
    raise CheckFailure(text)


def _fmt(value) -> str:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return f"{float(arr):.6g}" if arr.dtype.kind in "fiub" else repr(value)
    with np.printoptions(precision=5, threshold=12, edgeitems=3, suppress=True):
        return f"array of shape {arr.shape}: {arr}"


def _as_float_array(case_name: str, what: str, value):
    __tracebackhide__ = True
    if value is None:
        _fail(case_name, f"{what} is None: did the function forget to return its result?")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(case_name, f"{what} is {type(value).__name__} {value!r:.80}, expected a number or an array")
    return arr


def check_close(
    case_name: str, actual, expected=None, *, rtol: float = 1e-6, atol: float = 1e-8, hint: str = ""
) -> None:
    """Pass when actual matches expected in shape and to |a - e| <= atol + rtol |e| everywhere.

    expected None (hidden tests): the grader compares with the reference solution's value.
    """
    __tracebackhide__ = True
    if MODE:
        _emit(
            "close",
            case_name,
            _encode(actual),
            rtol=rtol,
            atol=atol,
            hint=hint,
            expected=_encode(expected) if MODE == "reference" and expected is not None else None,
        )
        return
    if expected is None:
        return  # a hidden check: it has an expected value only at grading time
    a = _as_float_array(case_name, "the result", actual)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        extra = ""
        if a.ndim == e.ndim + 1 and a.shape[-1] == 1 or e.ndim == a.ndim + 1 and e.shape[-1] == 1:
            extra = " ((N, 1) vs (N,): a stray keepdims or reshape; broadcasting would compare every pair)"
        _fail(case_name, f"shape {a.shape}, expected shape {e.shape}{extra}", hint)
    if not np.isfinite(a).all():
        _fail(
            case_name,
            f"result holds nan or inf: {_fmt(a)}; expected {_fmt(e)}",
            hint or "nan/inf usually come from exp overflow, log(0) or a division by zero",
        )
    error = np.abs(a - e)
    if not (error <= atol + rtol * np.abs(e)).all():
        index = tuple(int(i) for i in np.unravel_index(error.argmax(), a.shape))
        where = "" if a.ndim == 0 else f" (largest difference at index {index})"
        _fail(case_name, f"got {_fmt(a)}, expected {_fmt(e)}{where}", hint)


def check_shape(case_name: str, actual, shape: tuple | None = None, hint: str = "") -> None:
    """Pass when actual is a numpy array of exactly this shape."""
    __tracebackhide__ = True
    if MODE:
        got = list(actual.shape) if isinstance(actual, np.ndarray) else None
        _emit(
            "shape", case_name, {"type": "shape", "shape": got, "what": type(actual).__name__[:60]}, hint=hint
        )
        return
    if shape is None:
        return
    if not isinstance(actual, np.ndarray):
        _fail(case_name, f"got {type(actual).__name__}, expected a numpy array of shape {shape}", hint)
    if actual.shape != tuple(shape):
        _fail(case_name, f"shape {actual.shape}, expected {tuple(shape)}", hint)


def check_true(case_name: str, condition, message: str = "", hint: str = "") -> None:
    """Pass when condition is truthy; message says what should have held.

    At grading the condition is recorded as a bool and compared with the reference's, so it
    must be a fact about the student's results (an identity, a dtype), not a comparison that
    could instead be recorded as values with check_close.
    """
    __tracebackhide__ = True
    if MODE:
        _emit("true", case_name, {"type": "bool", "value": bool(condition)}, message=message, hint=hint)
        return
    if not condition:
        _fail(case_name, message, hint)


def check_raises(case_name: str, exceptions, fn, *args, hint: str = "", **kwargs):
    """Pass when fn(*args, **kwargs) raises one of exceptions; returns the exception (or None)."""
    __tracebackhide__ = True
    try:
        fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        raised = exc
    else:
        raised = None
    if MODE:
        value = {
            "type": "raised",
            "mro": [c.__name__[:60] for c in type(raised).__mro__][:20] if raised is not None else [],
        }
        expected = [e.__name__ for e in _tuple(exceptions)] if MODE == "reference" else None
        _emit("raises", case_name, value, hint=hint, expected=expected)
        return raised
    if exceptions is None:
        return raised
    if raised is None:
        _fail(case_name, f"returned normally; expected it to raise {_names(exceptions)}", hint)
    if not isinstance(raised, exceptions):
        _fail(case_name, f"raised {type(raised).__name__}: {raised}; expected {_names(exceptions)}", hint)
    return raised


def _tuple(exceptions) -> tuple:
    return exceptions if isinstance(exceptions, tuple) else (exceptions,)


def _names(exceptions) -> str:
    return " or ".join(e.__name__ for e in _tuple(exceptions))


def own_work(case_name: str, forbidden: tuple[str, ...], fn, *args, **kwargs):
    """Call fn(*args, **kwargs), failing if it runs code of the forbidden losslab modules.

    ``forbidden`` names modules (e.g. ("losslab.linear_svm",)) whose functions are the reference
    answers for this stub. This only helps a student notice a slip while working: at grading
    those modules do not exist in the grading sandbox, so delegating to them cannot earn points.
    Returns what fn returned.
    """
    __tracebackhide__ = True
    if MODE:
        return fn(*args, **kwargs)
    seen: list[str] = []

    def watch(frame, event, arg):
        if event == "call" and frame.f_globals.get("__name__") in forbidden:
            seen.append(f"{frame.f_globals['__name__']}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = fn(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if seen:
        _fail(
            case_name,
            f"calls the reference {seen[0]}: write your own implementation (the reference earns no points)",
        )
    return result


@contextlib.contextmanager
def case(name: str):
    """Record whether the checks inside passed (the exception still fails the cell)."""
    results[name] = "failed"
    yield
    results[name] = "passed"


def summary(names: list[str]) -> None:
    """Print every case's outcome; raise if any failed or did not run.

    Run the whole notebook first (Kernel > Restart Kernel and Run All Cells):
    a case whose cell has not run since the restart counts as not run.
    """
    __tracebackhide__ = True
    if MODE:
        return
    width = max(len(n) for n in names)
    failed = [n for n in names if results.get(n) != "passed"]
    for n in names:
        status = results.get(n, "not run")
        mark = "ok  " if status == "passed" else "FAIL"
        print(f"  {mark} {n:<{width}}  {status}")
    if failed:
        raise CheckFailure(
            f"{len(names) - len(failed)} of {len(names)} visible tests pass; fix: {', '.join(failed)}. "
            "Hidden tests run when the notebook is graded."
        )
    print(
        f"All {len(names)} visible tests pass: nbgrader validate will agree. "
        "Hidden tests run when the notebook is graded."
    )
