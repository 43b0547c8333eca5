"""Every kind of bad input raises the promised error, and its message names the argument.

Each case is (call, exception type, regex the message must match); the regex
always contains the argument's name, and where it helps, what was got.
"""

import numpy as np
import pytest
from losslab import classification as cl
from losslab import linear_regression as lr
from losslab import regression as rg
from losslab import regularization as rz
from losslab import scores as sc
from losslab.linear_classifier import LinearSVM, Softmax
from losslab.linear_svm import svm_loss_naive, svm_loss_vectorized
from losslab.softmax import softmax_loss_naive, softmax_loss_vectorized

WEIGHT_LOSSES = [svm_loss_naive, svm_loss_vectorized, softmax_loss_naive, softmax_loss_vectorized]
SCORE_LOSSES = [cl.hinge_loss, cl.softmax_cross_entropy]
REGRESSION_LOSSES = [rg.mse_loss, rg.mae_loss, rg.mape_loss, rg.huber_loss]

W = np.ones((4, 3))
X = np.ones((2, 4))
S = np.zeros((2, 3))
Y = np.array([0, 2])


def ids(fns):
    return [fn.__name__ for fn in fns]


# --- labels ---------------------------------------------------------------------------

LABEL_CASES = {
    "label equal to C": ([0, 3], ValueError, r"y must hold labels in \[0, C\) = \[0, 3\), got 3"),
    "negative label": ([-1, 0], ValueError, r"y must hold labels in \[0, C\).*got -1"),
    "non-integer floats": ([0.0, 1.5], TypeError, r"y must hold integer class labels, got dtype float64"),
    "column vector (N, 1)": ([[0], [2]], ValueError, r"y must have shape \(N,\) = \(2,\).*\(2, 1\)"),
    "wrong length": ([0, 1, 2], ValueError, r"y must have shape \(N,\) = \(2,\).*got shape \(3,\)"),
    "string": ("02", TypeError, r"y must be an integer array of labels, got str"),
    "booleans": ([True, False], TypeError, r"y must hold integer class labels, got dtype bool"),
    "NaN": ([0.0, np.nan], TypeError, r"y must hold integer class labels"),
}


@pytest.mark.parametrize("case", LABEL_CASES, ids=list(LABEL_CASES))
@pytest.mark.parametrize("loss_fn", SCORE_LOSSES, ids=ids(SCORE_LOSSES))
def test_bad_labels_for_score_losses(loss_fn, case):
    y, error, message = LABEL_CASES[case]
    with pytest.raises(error, match=message):
        loss_fn(S, y)


@pytest.mark.parametrize("case", LABEL_CASES, ids=list(LABEL_CASES))
@pytest.mark.parametrize("loss_fn", WEIGHT_LOSSES, ids=ids(WEIGHT_LOSSES))
def test_bad_labels_for_weight_losses(loss_fn, case):
    y, error, message = LABEL_CASES[case]
    with pytest.raises(error, match=message):
        loss_fn(W, X, y, 0.1)


def test_integer_valued_float_labels_are_accepted():
    assert cl.hinge_loss(S, [0.0, 2.0])[0] == cl.hinge_loss(S, Y)[0]


def test_svm_loss_single_needs_one_label():
    with pytest.raises(ValueError, match=r"y must be one class label.*got shape \(2,\)"):
        cl.svm_loss_single([1.0, 2.0, 3.0], [0, 1])
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, C\) = \[0, 3\), got 3"):
        cl.svm_loss_single([1.0, 2.0, 3.0], 3)


# --- weights and data ---------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", WEIGHT_LOSSES, ids=ids(WEIGHT_LOSSES))
class TestWeightsAndData:
    def test_X_with_one_column_too_many(self, loss_fn):
        with pytest.raises(ValueError, match=r"X has shape \(2, 5\) but W has shape \(4, 3\).*bias column"):
            loss_fn(W, np.ones((2, 5)), Y, 0.1)

    def test_W_with_a_bias_row_X_lacks(self, loss_fn):
        with pytest.raises(ValueError, match=r"X has shape \(2, 3\) but W has shape \(4, 3\).*append_bias"):
            loss_fn(W, np.ones((2, 3)), Y, 0.1)

    def test_one_dimensional_X(self, loss_fn):
        with pytest.raises(ValueError, match=r"X must be 2-D with shape \(N, D\), got shape \(4,\)"):
            loss_fn(W, np.ones(4), [0], 0.1)

    def test_one_dimensional_W(self, loss_fn):
        with pytest.raises(ValueError, match=r"W must be 2-D with shape \(D, C\), got shape \(4,\)"):
            loss_fn(np.ones(4), X, Y, 0.1)

    def test_string_X(self, loss_fn):
        with pytest.raises(TypeError, match="X must be a numeric array, got str"):
            loss_fn(W, "pixels", Y, 0.1)

    def test_nan_in_X_names_X_and_the_index(self, loss_fn):
        bad = X.copy()
        bad[1, 2] = np.nan
        with pytest.raises(ValueError, match=r"X must be finite, got nan at index \(1, 2\)"):
            loss_fn(W, bad, Y, 0.1)

    def test_inf_in_W_names_W(self, loss_fn):
        bad = W.copy()
        bad[0, 1] = np.inf
        with pytest.raises(ValueError, match=r"W must be finite, got inf at index \(0, 1\)"):
            loss_fn(bad, X, Y, 0.1)

    def test_overflowing_scores(self, loss_fn):
        """Finite W and X whose product overflows: an error that names the fix, not a NaN loss."""
        with pytest.raises(ValueError, match="scores X @ W overflowed.*lower the learning rate"):
            loss_fn(np.full((4, 3), 1e300), np.full((2, 4), 1e300), Y, 0.1)

    def test_negative_reg(self, loss_fn):
        with pytest.raises(ValueError, match=r"reg must be >= 0.0, got -0.1"):
            loss_fn(W, X, Y, -0.1)

    def test_string_reg(self, loss_fn):
        with pytest.raises(TypeError, match="reg must be a real number, got str"):
            loss_fn(W, X, Y, "0.1")

    def test_empty_batch(self, loss_fn):
        with pytest.raises(ValueError, match=r"X must hold at least one example.*\(0, 4\)"):
            loss_fn(W, np.ones((0, 4)), [], 0.1)


@pytest.mark.parametrize("loss_fn", [svm_loss_naive, svm_loss_vectorized], ids=["naive", "vectorized"])
@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_svm_delta_must_be_positive(loss_fn, delta):
    with pytest.raises(ValueError, match=f"delta must be > 0, got {delta}"):
        loss_fn(W, X, Y, 0.1, delta=delta)


def test_linear_scores_checks_b():
    with pytest.raises(ValueError, match=r"b must be finite, got nan at index 0"):
        sc.linear_scores(W, X, [np.nan, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"b must have shape \(C,\) = \(3,\).*got shape \(4,\)"):
        sc.linear_scores(W, X, np.ones(4))
    with pytest.raises(ValueError, match=r"b must be 1-D"):
        sc.linear_scores(W, X, np.ones((3, 1)))


def test_append_bias_needs_a_2d_X():
    with pytest.raises(ValueError, match=r"X must be 2-D with shape \(N, D\)"):
        sc.append_bias(np.ones(3))


# --- scores --------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", SCORE_LOSSES, ids=ids(SCORE_LOSSES))
class TestScores:
    def test_nan_in_scores(self, loss_fn):
        bad = S.copy()
        bad[0, 1] = np.nan
        with pytest.raises(ValueError, match=r"scores must be finite, got nan at index \(0, 1\)"):
            loss_fn(bad, Y)

    def test_one_dimensional_scores(self, loss_fn):
        with pytest.raises(ValueError, match=r"scores must be 2-D with shape \(N, C\), got shape \(3,\)"):
            loss_fn(np.zeros(3), [0])

    def test_string_scores(self, loss_fn):
        with pytest.raises(TypeError, match="scores must be a numeric array, got str"):
            loss_fn("3.2 5.1 -1.7", [0])

    def test_list_of_strings(self, loss_fn):
        with pytest.raises(TypeError, match="scores must be a numeric .* array, got dtype <U"):
            loss_fn([["3.2", "5.1"]], [0])

    def test_boolean_scores(self, loss_fn):
        with pytest.raises(TypeError, match="scores must be a numeric .*booleans"):
            loss_fn(np.ones((2, 3), dtype=bool), Y)

    def test_empty_batch(self, loss_fn):
        with pytest.raises(ValueError, match=r"scores must hold at least one example"):
            loss_fn(np.zeros((0, 3)), [])


@pytest.mark.parametrize("fn", [cl.softmax, cl.log_softmax])
def test_softmax_shapes(fn):
    with pytest.raises(ValueError, match=r"scores must be \(C,\) or \(N, C\).*got shape \(2, 2, 2\)"):
        fn(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"scores must be \(C,\) or \(N, C\) with C >= 1.*\(2, 0\)"):
        fn(np.zeros((2, 0)))
    with pytest.raises(ValueError, match="scores must be finite"):
        fn([1.0, np.inf])


@pytest.mark.parametrize("delta", [0, -0.5])
def test_hinge_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match="delta must be > 0"):
        cl.hinge_loss(S, Y, delta)


def test_binary_cross_entropy_checks():
    with pytest.raises(ValueError, match=r"y must be 1-D with shape \(N,\), got shape \(2, 1\)"):
        cl.binary_cross_entropy([0.0, 1.0], [[0], [1]])
    with pytest.raises(ValueError, match=r"z has shape \(2,\) but y has shape \(3,\)"):
        cl.binary_cross_entropy([0.0, 1.0], [0, 1, 1])
    with pytest.raises(ValueError, match=r"y must hold targets in \[0, 1\]"):
        cl.binary_cross_entropy([0.0, 1.0], [0, 2])
    with pytest.raises(ValueError, match="z must be finite"):
        cl.binary_cross_entropy([np.nan, 1.0], [0, 1])


def test_sigmoid_rejects_nan():
    with pytest.raises(ValueError, match="z must be finite"):
        cl.sigmoid([0.0, np.nan])


# --- distributions ----------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [cl.cross_entropy, cl.kl_divergence])
class TestDistributions:
    def test_p_not_summing_to_one(self, fn):
        with pytest.raises(ValueError, match=r"p must sum to 1 along its last axis, got sums \[?1.1"):
            fn([0.5, 0.6], [0.5, 0.5])

    def test_q_not_summing_to_one(self, fn):
        with pytest.raises(ValueError, match=r"q must sum to 1.*0.9"):
            fn([0.5, 0.5], [0.2, 0.7])

    def test_negative_probability(self, fn):
        with pytest.raises(ValueError, match=r"q must be a probability distribution, got .* -0.5"):
            fn([0.5, 0.5], [1.5, -0.5])

    def test_shape_mismatch(self, fn):
        with pytest.raises(ValueError, match=r"p has shape \(2,\) but q has shape \(1, 2\)"):
            fn([0.5, 0.5], [[0.5, 0.5]])


def test_entropy_checks_p_and_base():
    with pytest.raises(ValueError, match="p must sum to 1"):
        cl.entropy([0.5, 0.6])
    with pytest.raises(ValueError, match="base must not be 1"):
        cl.entropy([0.5, 0.5], base=1)
    with pytest.raises(ValueError, match="base must be > 0"):
        cl.entropy([0.5, 0.5], base=-2)


# --- regression ---------------------------------------------------------------------------------

@pytest.mark.parametrize("loss_fn", REGRESSION_LOSSES, ids=ids(REGRESSION_LOSSES))
class TestRegression:
    def test_shape_mismatch_N_against_N_1(self, loss_fn):
        """(N,) against (N, 1) would broadcast to (N, N) and give a wrong number silently."""
        message = r"pred has shape \(3,\) but target has shape \(3, 1\).*no broadcasting"
        with pytest.raises(ValueError, match=message):
            loss_fn(np.ones(3), np.ones((3, 1)))

    def test_nan_in_pred(self, loss_fn):
        with pytest.raises(ValueError, match=r"pred must be finite, got nan at index 1"):
            loss_fn([1.0, np.nan], [1.0, 2.0])

    def test_string_target(self, loss_fn):
        with pytest.raises(TypeError, match="target must be a numeric array, got str"):
            loss_fn([1.0], "1.0")

    def test_empty(self, loss_fn):
        with pytest.raises(ValueError, match="pred and target must hold at least one value"):
            loss_fn([], [])


def test_mape_zero_target_names_the_index():
    with pytest.raises(ValueError, match=r"target must be nonzero for MAPE .* got 0 at index 1"):
        rg.mape_loss([1.0, 2.0, 3.0], [1.0, 0.0, 3.0])


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match=f"delta must be > 0, got {delta}"):
        rg.huber_loss([1.0], [2.0], delta)


@pytest.mark.parametrize("penalty_fn", [rz.l1_regularization, rz.l2_regularization])
def test_regularization_checks(penalty_fn):
    with pytest.raises(ValueError, match="reg must be >= 0.0, got -1.0"):
        penalty_fn(W, -1.0)
    with pytest.raises(ValueError, match="reg must be finite"):
        penalty_fn(W, np.inf)
    with pytest.raises(ValueError, match=r"W must be finite, got nan"):
        penalty_fn(np.array([np.nan]), 0.1)
    with pytest.raises(TypeError, match="reg must be a real number, got bool"):
        penalty_fn(W, True)


# --- gradient descent and training ------------------------------------------------------------

def test_gradient_descent_diverging_learning_rate():
    x, y = np.arange(5.0), 2 * np.arange(5.0) + 1
    with pytest.raises(ValueError, match=r"learning_rate = 1.0 diverges on this data.*smaller"):
        lr.gradient_descent(x, y, learning_rate=1.0)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be > 0"),
        ({"num_steps": -1}, ValueError, "num_steps must be >= 0, got -1"),
        ({"num_steps": 10.0}, TypeError, "num_steps must be an integer, got float"),
        ({"w0": "0.5"}, TypeError, "w0 must be a real number, got str"),
        ({"b0": np.nan}, ValueError, "b0 must be finite"),
    ],
)
def test_gradient_descent_arguments(kwargs, error, message):
    x, y = np.arange(5.0), 2 * np.arange(5.0) + 1
    with pytest.raises(error, match=message):
        lr.gradient_descent(x, y, **kwargs)


def test_gradient_descent_shapes():
    with pytest.raises(ValueError, match=r"x has shape \(3,\) but y has shape \(4,\)"):
        lr.gradient_descent(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match=r"y must be 1-D with shape \(N,\), got shape \(3, 1\)"):
        lr.mse_gradients(0.5, 0.2, np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="x and y must hold at least one point"):
        lr.gradient_descent([], [])


XR, YR = np.ones((5, 2)), np.arange(5.0)  # D = 2 features, N = 5 targets

VECTORIZED_REGRESSION = {
    "mse_gradients_vectorized": lambda X, y: lr.mse_gradients_vectorized(np.zeros(2), 0.0, X, y),
    "gradient_descent_vectorized": lambda X, y: lr.gradient_descent_vectorized(X, y, num_steps=1),
    "normal_equation": lambda X, y: lr.normal_equation(X, y),
}

FEATURE_CASES = {
    "1-D X": (np.ones(5), YR, ValueError, r"X must be 2-D with shape \(N, D\), got shape \(5,\)"),
    "y a column": (XR, YR[:, None], ValueError, r"y must be 1-D with shape \(N,\), got shape \(5, 1\)"),
    "y too short": (XR, YR[:4], ValueError, r"X has shape \(5, 2\) but y has shape \(4,\).*one target per"),
    "no examples": (np.ones((0, 2)), np.ones(0), ValueError, r"X and y must hold at least one example"),
    "no features": (np.ones((5, 0)), YR, ValueError, r"X must have at least one feature column"),
    "NaN in X": (np.where(np.eye(5, 2) == 1, np.nan, 1.0), YR, ValueError, r"X must be finite, got nan"),
    "inf in y": (XR, np.append(YR[:4], np.inf), ValueError, r"y must be finite, got inf at index 4"),
    "string X": ("1 2 3", YR, TypeError, r"X must be a numeric array, got str"),
}


@pytest.mark.parametrize("case", FEATURE_CASES, ids=list(FEATURE_CASES))
@pytest.mark.parametrize("name", VECTORIZED_REGRESSION, ids=list(VECTORIZED_REGRESSION))
def test_vectorized_regression_checks_X_and_y(name, case):
    X, y, error, message = FEATURE_CASES[case]
    with pytest.raises(error, match=message):
        VECTORIZED_REGRESSION[name](X, y)


GD = lr.gradient_descent_vectorized
X_LINE, Y_LINE = np.arange(5.0)[:, None], 2 * np.arange(5.0) + 1  # lecture 06's line as D = 1


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: lr.mse_gradients_vectorized(np.zeros(3), 0.0, XR, YR), ValueError,
         r"w must have shape \(D,\) = \(2,\), one weight per column of X, got shape \(3,\)"),
        (lambda: lr.mse_gradients_vectorized(0.5, 0.0, XR, YR), ValueError,
         r"w must be 1-D with shape \(D,\)"),
        (lambda: lr.mse_gradients_vectorized(np.zeros((2, 1)), 0.0, XR, YR), ValueError,
         r"w must be 1-D with shape \(D,\), got shape \(2, 1\)"),
        (lambda: lr.mse_gradients_vectorized(np.zeros(2), np.zeros(1), XR, YR), TypeError,
         "b must be a real number, got an array"),
        (lambda: GD(XR, YR, w0=np.zeros(1)), ValueError, r"w0 must have shape \(D,\) = \(2,\)"),
        (lambda: GD(XR, YR, b0=np.nan), ValueError, "b0 must be finite"),
        (lambda: GD(XR, YR, learning_rate=0.0), ValueError, "learning_rate must be > 0"),
        (lambda: GD(XR, YR, num_steps=-1), ValueError, "num_steps must be >= 0, got -1"),
        (lambda: GD(XR, YR, num_steps=10.0), TypeError, "num_steps must be an integer, got float"),
        (lambda: GD(X_LINE, Y_LINE, learning_rate=1.0), ValueError,
         r"learning_rate = 1.0 diverges on this data.*smaller"),
    ],
    ids=["w too long", "w a scalar", "w a column", "b an array", "w0 too short", "b0 NaN", "learning rate 0",
         "negative steps", "float steps", "diverging"],
)
def test_vectorized_regression_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_classifier_train_checks_its_arguments(cls):
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, C\).*got -1"):
        cls().train(X, [0, -1])
    with pytest.raises(ValueError, match=r"y must have shape \(N,\) = \(2,\)"):
        cls().train(X, [[0], [1]])
    with pytest.raises(ValueError, match="X must be finite"):
        cls().train(np.full((2, 4), np.nan), Y)
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        cls().train(X, Y, learning_rate=-1e-3)
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        cls().train(X, Y, batch_size=0)
    with pytest.raises(ValueError, match="reg must be >= 0.0"):
        cls().train(X, Y, reg=-1.0)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_classifier_diverging_learning_rate_is_caught(cls):
    """A learning rate far too large overflows the scores: the loss says so instead of returning NaN."""
    rng = np.random.default_rng(0)
    Xbig, ybig = rng.normal(size=(50, 4)) * 1e3, rng.integers(0, 3, size=50)
    with pytest.raises(ValueError, match="overflowed|must be finite"):
        cls().train(Xbig, ybig, learning_rate=1e150, reg=1e3, num_iters=50, batch_size=10)


@pytest.mark.parametrize("cls", [LinearSVM, Softmax])
def test_classifier_label_beyond_the_trained_classes(cls):
    model = cls()
    model.train(X, Y, num_iters=1)  # classes 0..2
    with pytest.raises(ValueError, match=r"y must hold labels in \[0, C\) = \[0, 3\), got 5"):
        model.train(X, [0, 5], num_iters=1)


def test_linear_scores_overflow_names_the_fix():
    with pytest.raises(ValueError, match="scores X @ W overflowed.*max \\|W\\| = 1e\\+300"):
        sc.linear_scores(np.full((4, 3), 1e300), np.full((2, 4), 1e300))
    with pytest.raises(ValueError, match=r"X @ W \+ b overflowed"):
        sc.linear_scores(np.full((4, 3), 1e307), np.ones((2, 4)), np.full(3, 1.7e308))
