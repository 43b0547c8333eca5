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
#: The exception names a record may carry (check_raises) and feedback may show: a fixed set of
#: built-in ones, so that no name a student's code made up travels from the kernel to a page.
EXCEPTIONS = frozenset({
    "BaseException", "Exception", "ArithmeticError", "AssertionError", "AttributeError", "EOFError",
    "FloatingPointError", "ImportError", "IndexError", "KeyError", "KeyboardInterrupt", "LookupError",
    "MemoryError", "ModuleNotFoundError", "NameError", "NotImplementedError", "OSError", "OverflowError",
    "RecursionError", "RuntimeError", "StopIteration", "SyntaxError", "IndentationError", "SystemExit",
    "TypeError", "UnboundLocalError", "ValueError", "ZeroDivisionError", "LinAlgError", "AxisError",
    "CheckFailure", "CellTimeoutError", "TimeoutError", "FileNotFoundError", "PermissionError",
})  # fmt: skip

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


def _digits_accuracy(W, split: str) -> float:
    """Accuracy of W, (65, 10), on a freshly loaded digits split, preprocessed as assignment 07 does.

    Preprocessing, as in lecture 07: divide the pixels (0 to 16) by 16, subtract the mean image of
    the scaled training set, then append a column of ones (the bias).
    """
    from losslab.data import load_digits

    d = load_digits()
    X, y = getattr(d, f"X_{split}") / 16, getattr(d, f"y_{split}")
    # the bias column by hand, not losslab.scores.append_bias: the checks go into every grading
    # jail, and importing a graded module here would bring 01's reference answer in with them
    X = np.hstack([X - (d.X_train / 16).mean(axis=0), np.ones((len(X), 1))])
    return float(((X @ W).argmax(axis=1) == y).mean())


#: Scores check_score can ask for: name -> (what it measures, the weights' shape, score(W) -> float).
SCORES = {
    "digits_val_accuracy": ("validation accuracy", (65, 10), lambda W: _digits_accuracy(W, "val")),
    "digits_test_accuracy": ("test accuracy", (65, 10), lambda W: _digits_accuracy(W, "test")),
}


def score_problem(score: str, weights: np.ndarray, at_least: float) -> str:
    """'' when SCORES[score](weights) >= at_least, else what fell short (used by students and grader)."""
    what, shape, fn = SCORES[score]
    if weights.shape != shape:
        return f"the weights have shape {weights.shape}, expected {shape}"
    if not np.isfinite(weights).all():
        return "the weights hold nan or inf"
    got = fn(weights)
    return "" if got >= at_least else f"{what} {got:.3f}, needs at least {at_least:.3f}"


def check_score(
    case_name: str,
    weights,
    score: str = "",
    at_least: float | None = None,
    *,
    atol: float = 0.05,
    hint: str = "",
) -> None:
    """Pass when trained weights reach a score: SCORES[score](weights) >= at_least.

    The score is computed from the weights alone, on data loaded afresh, so at grading only the
    weights are recorded and the grader computes the score in its own process: no accuracy or
    comparison worked out in the student's kernel is trusted. With at_least None (hidden checks)
    the bound is the solution's own score minus atol, known only at grading.
    """
    __tracebackhide__ = True
    if MODE:
        _emit("score", case_name, _encode(weights), score=score, at_least=at_least, atol=atol, hint=hint)
        return
    if at_least is None:
        return  # a hidden check: its bound comes from the solution at grading time
    W = _as_float_array(case_name, "the weights", weights)
    problem = score_problem(score, W, at_least)
    if problem:
        _fail(case_name, problem, hint)


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
        mro = [c.__name__ for c in type(raised).__mro__] if raised is not None else []
        value = {"type": "raised", "mro": [name for name in mro if name in EXCEPTIONS][:20]}
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


class _StderrWatch:
    """sys.stderr while a case runs: passes everything on, and notes that something was written.

    nbgrader validate fails a test cell that wrote to stderr (a numpy warning, for instance) even
    when every check passed, so the summary must know.
    """

    def __init__(self, inner):
        self.inner = inner
        self.written = ""

    def write(self, text):
        if text and not self.written:
            self.written = str(text).strip().splitlines()[0][:200] if str(text).strip() else ""
        return self.inner.write(text)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, CheckFailure):
        return text.splitlines()[0] if text else "a check failed"
    if isinstance(exc, NotImplementedError):
        return "NotImplementedError: the function is still a stub (replace raise NotImplementedError())"
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


#: The first failure of every case that failed: name -> one line (the check's message or the error).
failures: dict[str, str] = {}


@contextlib.contextmanager
def case(name: str):
    """Record whether the checks inside passed (the exception still fails the cell).

    A case also fails when its cell wrote to stderr (nbgrader validate fails such a cell).
    """
    results[name] = "failed"
    failures[name] = "the cell stopped before its end"
    watch = None
    if not MODE:
        watch = _StderrWatch(sys.stderr)
        sys.stderr = watch
    try:
        yield
    except BaseException as exc:
        failures[name] = _first_line(exc)
        raise
    finally:
        if watch is not None and sys.stderr is watch:
            sys.stderr = watch.inner
    if watch is not None and watch.written:
        failures[name] = f"every check passed, but the cell wrote to stderr ({watch.written})"
        return
    results[name] = "passed"
    failures.pop(name, None)


# --------------------------------------------------------------------------- the saved notebook


def _checksum(cell: dict) -> str:
    """nbgrader's checksum of a cell (nbgrader.utils.compute_checksum), without importing nbgrader."""
    import hashlib

    meta = cell.get("metadata", {}).get("nbgrader", {})
    m = hashlib.md5()  # noqa: S324 - nbgrader's own choice; not a security measure
    source = cell.get("source", "")
    m.update(("".join(source) if isinstance(source, list) else source).encode("utf-8"))
    m.update(str(cell.get("cell_type")).encode("utf-8"))
    grade, solution = bool(meta.get("grade")), bool(meta.get("solution"))
    locked = _is_locked(meta)
    for flag in (grade, solution, locked):
        m.update(str(flag).encode("utf-8"))
    m.update(str(meta.get("grade_id")).encode("utf-8"))
    if grade:
        m.update(str(float(meta.get("points", 0))).encode("utf-8"))
    return m.hexdigest()


def _is_locked(meta: dict) -> bool:
    """nbgrader.utils.is_locked: a solution cell never is, a grade cell always is."""
    return not meta.get("solution") and bool(meta.get("grade") or meta.get("locked"))


def _saved_notebook(notebook: str | None):
    """(path, parsed JSON) of the notebook this kernel runs, as last saved; (None, None) if unknown."""
    import json

    candidates = []
    session = os.environ.get("JPY_SESSION_NAME", "")  # JupyterLab: the notebook's path
    if session.endswith(".ipynb") and not os.environ.get("NBGRADER_VALIDATING"):
        candidates.append(session)
    if notebook:
        candidates.append(os.path.join(os.getcwd(), notebook))
    for path in candidates:
        try:
            with open(path, encoding="utf-8") as f:
                return path, json.load(f)
        except (OSError, ValueError):
            continue
    return None, None


def _notebook_problems(nb: dict) -> list[str]:
    """What nbgrader validate finds in a saved notebook besides failing test cells.

    A written answer (a graded solution cell) whose checksum is still the released one: "You did
    not provide a response"; a locked cell whose checksum changed; a cell whose type changed.
    """
    problems = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not isinstance(meta, dict) or not meta.get("grade_id"):
            continue
        gid = meta["grade_id"]
        if meta.get("cell_type") and meta["cell_type"] != cell.get("cell_type"):
            problems.append(f"{gid}: the cell was changed from {meta['cell_type']} to another type")
            continue
        if "checksum" not in meta:
            continue
        same = meta["checksum"] == _checksum(cell)
        if meta.get("grade") and meta.get("solution") and same:
            problems.append(f"{gid}: no answer yet (replace YOUR ANSWER HERE / YOUR CODE HERE)")
        elif _is_locked(meta) and not same:
            problems.append(f"{gid}: this read-only cell was edited (undo the change)")
    return problems


def summary(names: list[str], notebook: str | None = None) -> None:
    """Print every visible test's verdict and the written answers' state; raise if anything fails.

    Run the whole notebook first (Kernel > Restart Kernel and Run All Cells): a case whose cell
    has not run since the restart counts as not run. notebook: the file name of this notebook, read
    (as last saved) for unanswered questions and edited read-only cells, as nbgrader validate does.
    """
    __tracebackhide__ = True
    if MODE:
        return
    width = max(len(n) for n in names)
    failed = [n for n in names if results.get(n) != "passed"]
    print("Visible tests:")
    for n in names:
        if results.get(n) == "passed":
            print(f"  ok   {n:<{width}}")
        elif n in results:
            print(f"  FAIL {n:<{width}}  {failures.get(n, 'failed')}")
        else:
            print(f"  FAIL {n:<{width}}  not run since the kernel started: run its cell (or Run All)")
    path, nb = _saved_notebook(notebook)
    problems = _notebook_problems(nb) if nb is not None else []
    if nb is None:
        print("Written answers: not checked (the saved notebook was not found).")
    elif problems:
        print(f"The saved notebook ({os.path.basename(path)}):")
        for p in problems:
            print(f"  FAIL {p}")
    else:
        print(f"Written answers: every question has an answer in the saved {os.path.basename(path)}.")
    if failed or problems:
        parts = [f"{len(names) - len(failed)} of {len(names)} visible tests pass"]
        if failed:
            parts.append(f"fix: {', '.join(failed)}")
        if problems:
            parts.append("see the saved notebook's problems above")
        raise CheckFailure(
            "; ".join(parts) + ". nbgrader validate fails this notebook too. "
            "Hidden tests run when the notebook is graded."
        )
    if nb is None:
        print(
            f"All {len(names)} visible tests pass. nbgrader validate also fails a written question "
            "still reading YOUR ANSWER HERE: answer each one. Hidden tests run when the notebook is graded."
        )
        return
    print(
        f"All {len(names)} visible tests pass and every written question has an answer: "
        "nbgrader validate will agree on the notebook as saved (save it first). "
        "Hidden tests run when the notebook is graded."
    )
