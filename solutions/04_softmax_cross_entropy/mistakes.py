"""Known mistakes of assignment 04 (softmax and cross-entropy): the grader names them in the report and
in each student's feedback. See losslab_grader.mistakes for the format."""

import numpy as np
from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

# softmax: the shift and the normalizing sum are where students go wrong.
_SOFTMAX = '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis."""
    shifted = scores{shift}
    exp = np.exp(shifted)
    return exp / exp.sum({sum_args})
'''
_SHIFT = " - scores.max(axis=-1, keepdims=True)"

catalogue.add(
    "softmax_without_max_shift",
    "exponentiates the scores without subtracting each row's maximum first (exp overflows)",
    hint="exp(1000) overflows to inf: subtract the row's maximum before np.exp",
    # right for small scores; exp(1000) overflows (inf / inf = nan)
    fails=["test_softmax_stable"],
    shows=r"exp\(1000\) overflows to inf: subtract the row's maximum",
    source=_SOFTMAX.format(shift="", sum_args="axis=-1, keepdims=True"),
)
catalogue.add(
    "softmax_sum_as_a_row",
    "divides by the row sums without keepdims, so the (N,) sums broadcast as a row",
    hint="normalize each example over its own classes (the last axis, with keepdims=True); "
         "summing over axis 0 mixes different images",
    # right for one example (C,); an (N, C) batch over (N,) sums fails, or with N = C divides columns
    fails=["test_softmax_values", "test_softmax_stable"],
    shows=r"could not be broadcast together with shapes \(4,3\) \(4,\)",
    source=_SOFTMAX.format(shift=_SHIFT, sum_args="axis=-1"),
)
catalogue.add(
    "softmax_normalized_over_axis0",
    "normalizes down the columns (over the examples, axis 0) instead of along each row",
    hint="normalize each example over its own classes (the last axis, with keepdims=True); "
         "summing over axis 0 mixes different images",
    # right for one example (C,), where axis 0 is the last axis
    fails=["test_softmax_values", "test_softmax_stable"],
    shows=r"summing over axis 0 mixes different images",
    source=_SOFTMAX.format(shift=_SHIFT, sum_args="axis=0, keepdims=True"),
)

# cross_entropy: the terms (which log, which p_j count) and the axis of the sum.
_CROSS_ENTROPY = '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    terms = {terms}
    total = terms.sum(axis={axis})
    return float(total) if total.ndim == 0 else total
'''
_SKIP_ZEROS = "np.where(p > 0, -p * np.{log}(np.where(p > 0, q, 1.0)), 0.0)"

catalogue.add(
    "cross_entropy_log10",
    "takes log10 instead of the natural log (and ignores base)",
    hint="0.886 is log10 and 2.94 is log2: np.log is the natural log, the default here",
    fails=["test_cross_entropy", "test_cross_entropy_zeros"],
    shows=r"got 0\.886.*\n.*0\.886 is log10",
    source=_CROSS_ENTROPY.format(terms=_SKIP_ZEROS.format(log="log10"), axis=-1),
)
catalogue.add(
    "cross_entropy_zero_times_log_zero",
    "computes p * log(q) for every term, so 0 * log(0) gives nan where p_j = q_j = 0",
    hint="0 * log(0) is nan (with a divide-by-zero warning): skip the terms where p_j = 0 before taking "
         "the log, e.g. with np.where",
    fails=["test_cross_entropy_zeros"],
    shows=r"0 \* log\(0\) is nan",
    source=_CROSS_ENTROPY.format(terms="-p * np.log(q) / math.log(base)", axis=-1),
)
catalogue.add(
    "cross_entropy_sums_over_axis0",
    "sums over axis 0 (across the examples of a batch) instead of over the classes",
    hint="sum over the last axis only (axis=-1); shape (3,) = (C,) means the sum ran over axis 0, "
         "across the examples",
    # right for one distribution (C,); a batch (N, C) gives (C,) instead of (N,)
    fails=["test_cross_entropy", "test_cross_entropy_zeros"],
    shows=r"shape \(3,\), expected shape \(4,\)\n.*\(C,\) means the sum ran over axis 0",
    source=_CROSS_ENTROPY.format(terms=_SKIP_ZEROS.format(log="log") + " / math.log(base)", axis=0),
)

# The naive loop, with the per-example loss, the per-example gradient step and the end left open.
_NAIVE = '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops."""
    num_train = X.shape[0]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - scores.max()
        total = np.exp(scores).sum()
        probs = np.exp(scores) / total
        loss += {loss_i}
        for j in range(W.shape[1]):
            dW[:, j] += (probs[j] - (j == y[i])) * X[i]{per_i}
    {end}
    return float(loss), dW
'''

catalogue.add(
    "naive_half_reg_convention",
    "uses the 0.5 * reg * sum(W**2) convention instead of the course's reg * sum(W**2)",
    hint="half of it is the 0.5 * reg convention; this course uses reg * sum(W**2)",
    fails=["test_softmax_naive_reg"],
    shows=r"half of it is the 0\.5 \* reg convention",
    source=_NAIVE.format(loss_i="np.log(total) - scores[y[i]]", per_i="",
                         end="loss = loss / num_train + 0.5 * reg * np.sum(W * W)\n"
                             "    dW = dW / num_train + reg * W"),
)
catalogue.add(
    "naive_reg_added_per_example",
    "adds the penalty once per example inside the loop, N times in all",
    hint="0.0872, N = 6 times as much, means the penalty was added once per example: add it once",
    # right at reg = 0; the penalty and its gradient count N times
    fails=["test_softmax_naive_reg"],
    shows=(r"got 0\.0872152,.*\n"
           r".*0\.0872, N = 6 times as much, means the penalty was added once per example"),
    source=_NAIVE.format(loss_i="(np.log(total) - scores[y[i]]) / num_train + reg * np.sum(W * W)",
                         per_i=" / num_train\n        dW += 2 * reg * W", end="# nothing left to add"),
)

# The vectorized version, with the mean, the normalization, the division by N and the gradient open.
_VECTORIZED = '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    sums = exp_scores.sum(axis=1)
    loss = np.{mean}(np.log(sums) - scores[rows, y]) + reg * np.sum(W * W)
    dscores = exp_scores / {sums}
    dscores[rows, y] -= 1.0
    {divide}
    dW = {grad} + 2 * reg * W
    return float(loss), dW
'''


def _vectorized(mean="mean", sums="sums[:, None]", divide="dscores /= num_train", grad="X.T @ dscores"):
    return _VECTORIZED.format(mean=mean, sums=sums, divide=divide, grad=grad)


catalogue.add(
    "vectorized_gradient_sign_flipped",
    "uses onehot - p instead of p - onehot (the data gradient points uphill)",
    hint="the opposite sign means onehot - p instead of p - onehot (here -0.229); 1.37, 6 times too large, "
         "means no / N; each example i adds (p_j - [j == y_i]) * X[i] to column j of dW",
    # the loss is right, the data gradient points uphill
    fails=["test_softmax_vectorized_grad"],
    shows=(r"got -0\.22886,.*\n"
           r".*opposite sign means onehot - p instead of p - onehot \(here -0\.229\)"),
    source=_vectorized(grad="X.T @ -dscores"),
)
catalogue.add(
    "vectorized_sum_not_mean",
    "sums the loss and the gradient over the batch instead of averaging them",
    hint="6.88 is the sum over the batch: divide by N; 0.498 means log10 (np.log is the natural log). "
         "Example i's scores are X[i] @ W, a row of C = 3",
    # loss and gradient N times too large; the reg cell compares against reg = 0, so it passes
    fails=["test_softmax_vectorized_loss", "test_softmax_vectorized_grad"],
    shows=r"got 6\.87595, .*\n.*6\.88 is the sum over the batch: divide by N",
    source=_vectorized(mean="sum", divide="pass"),
)
catalogue.add(
    "vectorized_probabilities_over_a_row",
    "divides the exponentials by the row sums of shape (N,) without [:, None], so they broadcast as a row",
    hint="6.88 is the sum over the batch: divide by N; 0.498 means log10 (np.log is the natural log). "
         "Example i's scores are X[i] @ W, a row of C = 3",
    # the row sums (N,) broadcast as a row against (N, C): an error, or with N = C the wrong division
    fails=["test_softmax_vectorized_loss", "test_softmax_vectorized_grad", "test_softmax_vectorized_reg"],
    shows=r"could not be broadcast together with shapes \(6,3\) \(6,\)",
    source=_vectorized(sums="sums"),
)
catalogue.add(
    "vectorized_gradient_transposed",
    "computes dscores.T @ X, a (C, D) gradient, instead of X.T @ dscores, (D, C)",
    hint="(3, 5) = (C, D) means dscores.T @ X: dW = X.T @ dscores, of the shape of W",
    # (C, N) @ (N, D) is (C, D): adding 2 * reg * W (D, C) fails, or with D = C gives dW transposed
    fails=["test_softmax_vectorized_loss", "test_softmax_vectorized_grad", "test_softmax_vectorized_reg"],
    shows=r"could not be broadcast together with shapes \(3,5\) \(5,3\)",
    source=_vectorized(grad="dscores.T @ X"),
)


@catalogue.mistake(
    "bce_through_a_literal_sigmoid",
    "computes sigmoid(z) first and takes log(p) and log(1 - p), which overflow and hit log(0)",
    hint="log(sigmoid(z)) and log(1 - sigmoid(z)) hit log(0), and exp(-z) overflows for z = -1e4: "
         "write the loss on z itself, exponentiating only -|z|",
    # right for moderate logits; exp(1e4) overflows and sigmoid(50) = 1.0 gives log(0)
    fails=["test_bce_stable"],
    shows=r"log\(sigmoid\(z\)\) and log\(1 - sigmoid\(z\)\) hit log\(0\)",
)
def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits, mean over the batch, and its gradient."""
    p = 1.0 / (1.0 + np.exp(-z))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / z.shape[0]
