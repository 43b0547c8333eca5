"""Minibatch SGD for LinearSVM and Softmax on the digits (lecture 07)."""

import math

import numpy as np
import pytest
from losslab.data import load_digits
from losslab.linear_classifier import LinearSVM, Softmax
from losslab.scores import append_bias

# Found by a small search on the validation set; each run takes a few hundredths of a second.
SETTINGS = {
    LinearSVM: {"learning_rate": 1e-3, "reg": 1e-2},
    Softmax: {"learning_rate": 1e-2, "reg": 1e-2},
}
CLASSIFIERS = list(SETTINGS)


@pytest.fixture(scope="module")
def digits():
    """Digits with the training mean subtracted and the bias column appended."""
    d = load_digits()
    mean = d.X_train.mean(axis=0)
    prepare = lambda X: append_bias(X - mean)  # noqa: E731
    return {
        "X_train": prepare(d.X_train), "y_train": d.y_train,
        "X_val": prepare(d.X_val), "y_val": d.y_val,
        "X_test": prepare(d.X_test), "y_test": d.y_test,
    }


def train(cls, digits, **overrides):
    model = cls()
    history = model.train(digits["X_train"], digits["y_train"],
                          **{**SETTINGS[cls], "num_iters": 300, "batch_size": 200, "seed": 0, **overrides})
    return model, history


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_training_is_reproducible_for_a_seed(cls, digits):
    a, history_a = train(cls, digits)
    b, history_b = train(cls, digits)
    np.testing.assert_array_equal(a.W, b.W)
    assert history_a == history_b
    c, _ = train(cls, digits, seed=1)
    assert not np.array_equal(a.W, c.W)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_loss_falls(cls, digits):
    _, history = train(cls, digits)
    assert len(history) == 300
    assert np.mean(history[-20:]) < 0.2 * history[0]


def test_initial_losses_pass_the_sanity_checks(digits):
    """Small random W: about C - 1 = 9 for the SVM and ln(C) = 2.30 for softmax."""
    _, svm_history = train(LinearSVM, digits, num_iters=1)
    _, softmax_history = train(Softmax, digits, num_iters=1)
    assert svm_history[0] == pytest.approx(9.0, abs=0.3)
    assert softmax_history[0] == pytest.approx(math.log(10), abs=0.05)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_reaches_a_sensible_accuracy_on_the_digits(cls, digits):
    model, _ = train(cls, digits)
    for split in ("val", "test"):
        accuracy = np.mean(model.predict(digits[f"X_{split}"]) == digits[f"y_{split}"])
        assert accuracy > 0.9, f"{split} accuracy {accuracy:.3f}"


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_weights_have_one_column_per_class(cls, digits):
    model, _ = train(cls, digits, num_iters=5)
    assert model.W.shape == (65, 10)
    assert model.predict(digits["X_val"]).shape == (300,)


def test_training_again_continues_from_the_current_weights(digits):
    model, first = train(Softmax, digits, num_iters=100)
    second = model.train(digits["X_train"], digits["y_train"], num_iters=100, seed=5,
                         **SETTINGS[Softmax])
    assert np.mean(second[:10]) < np.mean(first[:10])


def test_predict_before_train_says_so():
    with pytest.raises(ValueError, match="call train first"):
        Softmax().predict(np.zeros((2, 3)))


def test_predict_rejects_features_of_the_wrong_width(digits):
    model, _ = train(LinearSVM, digits, num_iters=1)
    with pytest.raises(ValueError, match="D = 65"):
        model.predict(digits["X_val"][:, :-1])


def test_verbose_training_reports_progress(digits, capsys):
    train(LinearSVM, digits, num_iters=101, verbose=True)
    out = capsys.readouterr().out
    assert "iteration 0 / 101" in out and "iteration 100 / 101" in out
