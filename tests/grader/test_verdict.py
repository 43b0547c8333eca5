"""verdict: records decoded as hostile data, compared with the reference's tolerance, and what a student
may read of them (a few rounded numbers, a shape, names from fixed sets, counts of hidden failures)."""

from __future__ import annotations

import numpy as np
import pytest
from losslab import checks
from losslab.data import load_digits
from losslab_grader import verdict
from records import array, cell, close, record, reference


def test_tolerance_comes_from_the_reference():
    ref = reference([close("x", [1.0, 2.0], rtol=1e-6, atol=0, hint="H")])
    assert verdict.judge(cell([record("close", "x", **array([1.0, 2.0 * (1 + 0.5e-6)]))]), ref, set()).passed
    result = verdict.judge(cell([record("close", "x", **array([1.0, 2.0 * (1 + 2e-6)]))]), ref, set())
    assert not result.passed and "expected" in result.messages[0] and "hint: H" in result.messages[0]


def test_missing_extra_reordered_and_malformed_records_fail():
    ref = reference([close("a", 1.0), record("true", "b", type="bool", value=True)])
    good = [record("close", "a", **array(1.0)), record("true", "b", type="bool", value=True)]
    assert verdict.judge(cell(good), ref, set()).passed
    stopped = verdict.judge(cell(good[:1], error="NotImplementedError"), ref, set())
    assert not stopped.passed and "NotImplementedError" in stopped.messages[0]
    assert not verdict.judge(cell(good + good), ref, set()).passed
    assert not verdict.judge(cell([good[1], good[0]]), ref, set()).passed
    huge = [record("close", "a", type="array", shape=[10**9], data="AAAA"), good[1]]
    assert not verdict.judge(cell(huge), ref, set()).passed
    assert not verdict.judge(cell([{"kind": {"nested": [[]]}}, good[1]]), ref, set()).passed


def test_hidden_failures_show_no_detail():
    ref = reference([close("hidden: N=9", 0.123456789)], lines={0: 5})
    result = verdict.judge(cell([record("close", "hidden: N=9", **array(7.0))]), ref, {5})
    assert result.messages == ["1 of 1 hidden checks failed"]


def test_of_a_kernel_value_a_message_shows_one_rounded_number():
    """A visible check's message is the only place a kernel's value reaches a page: one number, rounded."""
    secret = np.arange(1000) * 1.23456789e-3 + 7.0  # e.g. a hidden test's source, several bytes per number
    ref = reference([close("visible", np.zeros(1000))])
    (message,) = verdict.judge(cell([record("close", "visible", **array(secret))]), ref, set()).messages
    got = message.split("expected")[0]
    assert got == "[visible] at index (999,) got 8.233, "
    scalar = verdict.judge(
        cell([record("close", "visible", **array(7.00123456))]), reference([close("visible", 0.0)]), set()
    ).messages[0]
    assert "got 7.001, expected 0" in scalar and "7.0012" not in scalar


def test_names_a_kernel_chose_never_reach_a_message():
    ref = reference(
        [
            close("v", 1.0),
            {
                **record("raises", "r", type="raised", mro=["ValueError", "Exception"]),
                "declared": {"expected": ["ValueError"]},
            },
        ]
    )
    forged = [
        record("close", "v", type="other", what="hidden_source_is_x_eq_1"),
        record("raises", "r", type="raised", mro=["SecretHiddenInput", "KeyError", "Exception"]),
    ]
    result = verdict.judge(cell(forged, error="LeakedNameError"), ref, set())
    text = "\n".join(result.messages)
    assert "hidden_source" not in text and "SecretHiddenInput" not in text and "LeakedNameError" not in text
    assert "an object" in text and "raised KeyError" in text
    assert verdict.error_name(cell([], error="LeakedNameError")) == "an exception"


def test_exception_checks_compare_classes_from_the_fixed_set():
    ref = reference(
        [
            {
                **record("raises", "bad", type="raised", mro=["ValueError", "Exception"]),
                "declared": {"expected": ["ValueError"]},
            }
        ]
    )

    def judged(mro):
        return verdict.judge(cell([record("raises", "bad", type="raised", mro=mro)]), ref, set())

    assert judged(["ValueError"]).passed
    assert not judged(["KeyError", "LookupError", "Exception"]).passed
    assert not judged([]).passed
    assert not judged(["NotAValueError"]).passed  # made up: filtered out, so nothing was raised
    assert set(checks.EXCEPTIONS) >= {"ValueError", "TypeError", "Exception"}


def _digits_weights():
    """Weights that classify the digits well (least squares on one-hot labels), as trained ones would."""
    d = load_digits()
    X, mean = d.X_train / 16.0, (d.X_train / 16.0).mean(axis=0)
    X = np.hstack([X - mean, np.ones((len(X), 1))])
    return np.linalg.lstsq(X, np.eye(10)[d.y_train], rcond=None)[0]


def test_scores_are_computed_by_the_grader_from_the_weights():
    """07's accuracy checks record only the weights: no accuracy a kernel computed (or forged) is read."""
    W = _digits_weights()
    val = {"score": "digits_val_accuracy", "at_least": 0.9, "atol": 0.05}
    test = {
        "score": "digits_test_accuracy",
        "at_least": None,
        "atol": 0.1,
    }  # hidden: the solution's, less 0.1
    ref = reference(
        [
            {**record("score", "val", **array(W)), "declared": val},
            {**record("score", "hidden: test", **array(W)), "declared": test},
        ],
        lines={1: 5},
    )

    def submit(weights):
        return verdict.judge(cell([record("score", n, **weights) for n in ("val", "hidden: test")]), ref, {5})

    assert submit(array(W)).passed
    untrained = submit(array(np.zeros_like(W)))
    assert not untrained.passed and "validation accuracy 0.0" in untrained.messages[0]
    assert untrained.messages[1] == "1 of 1 hidden checks failed"
    assert "shape (64, 10), expected (65, 10)" in submit(array(W[:-1])).messages[0]
    assert not submit({"type": "other", "what": "Forged"}).passed


def test_reference_problems_name_the_cell_and_the_check():
    wrong = {**close("cat", 2.0), "declared": {"expected": array(3.0), "rtol": 1e-6, "atol": 0}}
    _, problems = verdict.decode_reference({"test_x": [wrong]})
    assert problems and problems[0].startswith("test_x [cat]: the solution got 2")


def test_cells_without_a_hidden_value_check_cannot_award_points():
    decoded, _ = verdict.decode_reference(
        {
            "values": [close("visible", 1.0), close("hidden: v", 2.0)],
            "verdicts": [close("visible", 1.0), record("true", "hidden: flag", type="bool", value=True)],
        }
    )
    for i, rec in enumerate(decoded["values"] + decoded["verdicts"]):
        rec.line = 1 + i % 2
    assert verdict.unearnable(decoded, {"values": {2}, "verdicts": {2}}) == ["verdicts"]


def test_behaves_like_compares_records_and_the_stopping_exception():
    mistake = reference([close("a", 10.19, rtol=1e-6, atol=0)])
    assert verdict.behaves_like(cell([record("close", "a", **array(10.19))]), mistake, "")
    assert not verdict.behaves_like(cell([record("close", "a", **array(10.3))]), mistake, "")
    assert not verdict.behaves_like(cell([record("close", "a", **array(10.19))]), mistake, "ValueError")
    assert verdict.behaves_like(cell([], error="ValueError"), [], "ValueError")
    assert not verdict.behaves_like(cell([], error="TypeError"), [], "ValueError")


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "close", "label": "x", "type": "array", "shape": [2], "data": "!!!"},
        {"kind": "close", "label": "x", "type": "array", "shape": [-1], "data": ""},
        {"kind": "close", "label": "x", "type": "array", "shape": [1] * 9, "data": ""},
        {"kind": "shape", "label": "x", "type": "shape", "shape": ["1"]},
        {"kind": "raises", "label": "x", "type": "raised", "mro": "ValueError"},
        {"kind": "true", "label": "x", "type": "bool", "value": 1},
        {"kind": "eval", "label": "x"},
        [],
    ],
)
def test_malformed_records_are_refused(bad):
    with pytest.raises((verdict.BadRecord, ValueError, TypeError, KeyError)):
        verdict.decode(bad)
