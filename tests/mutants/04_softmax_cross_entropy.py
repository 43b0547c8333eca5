"""Wrong implementations of assignment 04 and the test cells each must lose.

Each entry replaces one solution cell of solutions/04_softmax_cross_entropy
with a realistic mistake; tests/test_assignments.py autogrades it and checks
that exactly the ``fails`` cells score 0 and every other test cell scores full.
"""

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


def _naive(loss_i="np.log(total) - scores[y[i]]", per_i="", end=""):
    return _NAIVE.format(loss_i=loss_i, per_i=per_i, end=end)


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


MUTANTS = [
    {
        "name": "softmax_without_max_shift",
        "message": r"exp\(1000\) overflows to inf: subtract the row's maximum",
        "cell": "softmax",
        "source": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis."""
    exp = np.exp(scores)
    return exp / exp.sum(axis=-1, keepdims=True)
''',
        # right for small scores; exp(1000) overflows (inf / inf = nan)
        "fails": ["test_softmax_stable"],
    },
    {
        "name": "cross_entropy_log10",
        "message": r"got 0\.886.*\n.*0\.886 is log10",
        "cell": "cross_entropy",
        "source": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    terms = np.where(p > 0, -p * np.log10(np.where(p > 0, q, 1.0)), 0.0)
    total = terms.sum(axis=-1)
    return float(total) if total.ndim == 0 else total
''',
        # the slides' 0.89 for the cat image; also ignores base
        "fails": ["test_cross_entropy"],
    },
    {
        "name": "cross_entropy_zero_times_log_zero",
        "message": r"0 \* log\(0\) is nan",
        "cell": "cross_entropy",
        "source": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    return -(p * np.log(q)).sum(axis=-1) / math.log(base)
''',
        # 0 * log(0) = nan (with a divide-by-zero warning) where p_j = q_j = 0
        "fails": ["test_cross_entropy_zeros"],
    },
    {
        "name": "naive_half_reg_convention",
        "message": r"half of it is the 0\.5 \* reg convention",
        "cell": "softmax_loss_naive",
        "source": _naive(end="loss = loss / num_train + 0.5 * reg * np.sum(W * W)\n"
                             "    dW = dW / num_train + reg * W"),
        # the source's 0.5 * reg convention instead of the course's reg * sum(W**2)
        "fails": ["test_softmax_naive_reg"],
    },
    {
        "name": "vectorized_gradient_sign_flipped",
        "message": (r"got -0\.22886,.*\n"
                    r".*opposite sign means onehot - p instead of p - onehot \(here -0\.229\)"),
        "cell": "softmax_loss_vectorized",
        "source": '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops."""
    num_train = X.shape[0]
    rows = np.arange(num_train)
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    sums = np.exp(scores).sum(axis=1, keepdims=True)
    loss = np.mean(np.log(sums[:, 0]) - scores[rows, y]) + reg * np.sum(W * W)
    probs = np.exp(scores) / sums
    onehot = np.zeros_like(probs)
    onehot[rows, y] = 1.0
    dW = X.T @ (onehot - probs) / num_train + 2 * reg * W
    return float(loss), dW
''',
        # onehot - p instead of p - onehot: the loss is right, the data gradient points uphill
        "fails": ["test_softmax_vectorized_grad"],
    },
    {
        "name": "bce_through_a_literal_sigmoid",
        "message": r"log\(sigmoid\(z\)\) and log\(1 - sigmoid\(z\)\) hit log\(0\)",
        "cell": "binary_cross_entropy",
        "source": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits, mean over the batch, and its gradient."""
    p = 1.0 / (1.0 + np.exp(-z))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return float(loss), (p - y) / z.shape[0]
''',
        # right for moderate logits; exp(1e4) overflows and sigmoid(50) = 1.0 gives log(0)
        "fails": ["test_bce_stable"],
    },
    {
        "name": "softmax_sum_as_a_row",
        "message": r"could not be broadcast together with shapes \(4,3\) \(4,\)",
        "cell": "softmax",
        "source": '''def softmax(scores):
    """Probabilities along the last axis; the row sums lost their axis (no keepdims)."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1)
''',
        # right for one example (C,); an (N, C) batch over (N,) sums fails, or with N = C divides columns
        "fails": ["test_softmax_values", "test_softmax_stable"],
    },
    {
        "name": "softmax_normalized_over_axis0",
        "message": r"summing over axis 0 mixes different images",
        "cell": "softmax",
        "source": '''def softmax(scores):
    """Probabilities normalized down the columns (over the examples) instead of along each row."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=0, keepdims=True)
''',
        # right for one example (C,), where axis 0 is the last axis
        "fails": ["test_softmax_values", "test_softmax_stable"],
    },
    {
        "name": "cross_entropy_sums_over_axis0",
        "message": r"shape \(3,\), expected shape \(4,\)\n.*\(C,\) means the sum ran over axis 0",
        "cell": "cross_entropy",
        "source": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy summed over axis 0: over the examples of a batch, not over the classes."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    terms = np.where(p > 0, -p * np.log(np.where(p > 0, q, 1.0)), 0.0) / math.log(base)
    total = terms.sum(axis=0)
    return float(total) if total.ndim == 0 else total
''',
        # right for one distribution (C,); a batch (N, C) gives (C,) instead of (N,)
        "fails": ["test_cross_entropy", "test_cross_entropy_zeros"],
    },
    {
        "name": "naive_reg_added_per_example",
        "message": (r"got 0\.0872152,.*\n"
                    r".*0\.0872, N = 6 times as much, means the penalty was added once per example"),
        "cell": "softmax_loss_naive",
        "source": _naive(loss_i="(np.log(total) - scores[y[i]]) / num_train + reg * np.sum(W * W)",
                         per_i=" / num_train\n        dW += 2 * reg * W", end="# nothing left to add"),
        # right at reg = 0; the penalty and its gradient count N times
        "fails": ["test_softmax_naive_reg"],
    },
    {
        "name": "vectorized_sum_not_mean",
        "message": r"got 6\.87595, .*\n.*6\.88 is the sum over the batch: divide by N",
        "cell": "softmax_loss_vectorized",
        "source": _vectorized(mean="sum", divide="pass"),
        # loss and gradient N times too large; the reg cell compares against reg = 0, so it passes
        "fails": ["test_softmax_vectorized_loss", "test_softmax_vectorized_grad"],
    },
    {
        "name": "vectorized_probabilities_over_a_row",
        "message": r"could not be broadcast together with shapes \(6,3\) \(6,\)",
        "cell": "softmax_loss_vectorized",
        "source": _vectorized(sums="sums"),
        # the row sums (N,) broadcast as a row against (N, C): an error, or with N = C the wrong division
        "fails": ["test_softmax_vectorized_loss", "test_softmax_vectorized_grad",
                  "test_softmax_vectorized_reg"],
    },
    {
        "name": "vectorized_gradient_transposed",
        "message": r"could not be broadcast together with shapes \(3,5\) \(5,3\)",
        "cell": "softmax_loss_vectorized",
        "source": _vectorized(grad="dscores.T @ X"),
        # (C, N) @ (N, D) is (C, D): adding 2 * reg * W (D, C) fails, or with D = C gives dW transposed
        "fails": ["test_softmax_vectorized_loss", "test_softmax_vectorized_grad",
                  "test_softmax_vectorized_reg"],
    },
]
