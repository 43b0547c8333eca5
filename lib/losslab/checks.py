"""The checks that assignment test cells are written with.

A test cell names its case and compares with a tolerance, and a failure says
what was expected, what came back and the likely mistake::

    with case("svm_naive_loss"):
        loss, _ = svm_loss_naive(W, X, y, 0.0)
        check_close("cat example, reg = 0", loss, 2.9,
                    hint="3.9 means the correct class's own margin was counted: skip j == y[i]")

``case`` records whether the cell's checks all passed, so the notebook's last
cell, ``summary([...])``, gives the student the verdict ``nbgrader validate``
would give. Hidden tests use the same functions with expected values written
as literals, and ``own_work`` fails a stub that hands its work to losslab's
reference implementation.

Grading runs student code in the same process as these checks, so the
comparisons below use only array operators and methods, never numpy
functions such as ``np.allclose`` or ``np.testing`` that a student could
rebind, and this module refuses attribute assignment.
"""

from __future__ import annotations

import contextlib
import sys
import types

import numpy as _np

# Captured from numpy's internals at import (the notebook's first cell), not
# looked up on the public namespace at check time.
_asarray = _np._core.multiarray.asarray if hasattr(_np, "_core") else _np.core.multiarray.asarray
_ndarray = _np.ndarray
_isinstance = isinstance

#: Outcome of every case run so far in this kernel: name -> "passed" | "failed".
results: dict[str, str] = {}


class CheckFailure(AssertionError):
    """A check that did not hold; its message is what the student reads."""


def _fail(case_name: str, message: str, hint: str = "") -> None:
    text = f"[{case_name}] {message}"
    if hint:
        text += f"\n  hint: {hint}"
    raise CheckFailure(text)


def _fmt(value) -> str:
    arr = _asarray(value)
    if arr.ndim == 0:
        return f"{float(arr):.6g}" if arr.dtype.kind in "fiub" else repr(value)
    with _np.printoptions(precision=5, threshold=12, edgeitems=3, suppress=True):
        return f"array of shape {arr.shape}: {arr}"


def _as_float_array(case_name: str, what: str, value):
    if value is None:
        _fail(case_name, f"{what} is None: did the function forget to return its result?")
    try:
        arr = _asarray(value, dtype=float)
    except (TypeError, ValueError):
        _fail(case_name, f"{what} is {type(value).__name__} {value!r:.80}, expected a number or an array")
    return arr


def check_close(case_name: str, actual, expected, *, rtol: float = 1e-6, atol: float = 1e-8,
                hint: str = "") -> None:
    """Pass when actual matches expected in shape and to |a - e| <= atol + rtol |e| everywhere."""
    a = _as_float_array(case_name, "the result", actual)
    e = _asarray(expected, dtype=float)
    if a.shape != e.shape:
        extra = ""
        if a.ndim == e.ndim + 1 and a.shape[-1] == 1 or e.ndim == a.ndim + 1 and e.shape[-1] == 1:
            extra = " ((N, 1) vs (N,): a stray keepdims or reshape; broadcasting would compare every pair)"
        _fail(case_name, f"shape {a.shape}, expected shape {e.shape}{extra}", hint)
    finite = (a == a) & (a - a == 0)  # False for nan and inf, without np.isfinite
    if not finite.all():
        _fail(case_name, f"result holds nan or inf: {_fmt(a)}; expected {_fmt(e)}",
              hint or "nan/inf usually come from exp overflow, log(0) or a division by zero")
    error = (a - e).__abs__()  # the builtin abs could be rebound too
    if not (error <= atol + rtol * e.__abs__()).all():
        worst = error.argmax()
        index = tuple(int(i) for i in _np.unravel_index(worst, a.shape))
        where = "" if a.ndim == 0 else f" (largest difference at index {index})"
        _fail(case_name, f"got {_fmt(a)}, expected {_fmt(e)}{where}", hint)


def check_shape(case_name: str, actual, shape: tuple, hint: str = "") -> None:
    """Pass when actual is an array of exactly this shape."""
    if not _isinstance(actual, _ndarray):
        _fail(case_name, f"got {type(actual).__name__}, expected a numpy array of shape {shape}", hint)
    if actual.shape != tuple(shape):
        _fail(case_name, f"shape {actual.shape}, expected {tuple(shape)}", hint)


def check_true(case_name: str, condition, message: str, hint: str = "") -> None:
    """Pass when condition is truthy; message says what should have held."""
    if not condition:
        _fail(case_name, message, hint)


def check_raises(case_name: str, exceptions, fn, *args, hint: str = "", **kwargs) -> BaseException:
    """Pass when fn(*args, **kwargs) raises one of exceptions; returns the exception."""
    try:
        fn(*args, **kwargs)
    except exceptions as exc:
        return exc
    except NotImplementedError:
        raise
    except Exception as exc:  # the wrong kind of error is a failure with its own text
        _fail(case_name, f"raised {type(exc).__name__}: {exc}; expected {_names(exceptions)}", hint)
    _fail(case_name, f"returned normally; expected it to raise {_names(exceptions)}", hint)


def _names(exceptions) -> str:
    if _isinstance(exceptions, tuple):
        return " or ".join(e.__name__ for e in exceptions)
    return exceptions.__name__


def own_work(case_name: str, forbidden: tuple[str, ...], fn, *args, **kwargs):
    """Call fn(*args, **kwargs), failing if it runs code of the forbidden losslab modules.

    ``forbidden`` names modules (e.g. ("losslab.linear_svm", "losslab.classification"))
    whose functions are the reference answers for this stub; a stub that
    calls them, directly or through an alias, has not done the exercise.
    Returns what fn returned.
    """
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
        _fail(case_name, f"calls the reference {seen[0]}: write your own implementation "
              "(the reference earns no points)")
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
    print(f"All {len(names)} visible tests pass: nbgrader validate will agree. "
          "Hidden tests run when the notebook is graded.")


class _ReadOnly(types.ModuleType):
    def __setattr__(self, name, value):
        raise AttributeError(f"losslab.checks is read-only: {name} cannot be replaced")

    def __delattr__(self, name):
        raise AttributeError(f"losslab.checks is read-only: {name} cannot be deleted")


sys.modules[__name__].__class__ = _ReadOnly
