"""Wrong implementations of assignment 02 and the test cells each must lose."""

_NAIVE = '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops."""
    num_examples, num_classes = X.shape[0], W.shape[1]
    loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_examples):
        s = X[i] @ W
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = s[j] - s[y[i]] + delta
            if margin > 0:
                loss += margin
                dW[:, j] {plus}= X[i]
                dW[:, y[i]] {minus}= X[i]
    {mean}
    loss += {half}reg * np.sum(W * W)
    dW += {two}reg * W
    return loss, dW
'''


def _naive(plus="+", minus="-", mean="loss /= num_examples\n    dW /= num_examples", half="", two="2 * "):
    return _NAIVE.format(plus=plus, minus=minus, mean=mean, half=half, two=two)


_VECTORIZED = '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops."""
    n = X.shape[0]
    rows = np.arange(n)
    S = X @ W
    margins = np.maximum(0, S - {correct} + delta)
    {zero}
    loss = margins.sum() / n + reg * np.sum(W * W)
    dS = (margins > 0).astype(float)
    dS[rows, y] = -dS.sum(axis=1)
    return loss, X.T @ dS / n + 2 * reg * W
'''

MUTANTS = [
    {
        "name": "single_counts_correct_class",
        "cell": "svm_loss_single",
        "source": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    return float(np.sum(np.maximum(0, scores - scores[y] + delta)))
''',
        "fails": ["test_svm_single"],
    },
    {
        "name": "naive_sum_not_mean",
        "cell": "svm_loss_naive",
        "source": _naive(mean="pass"),
        # the regularization cell compares reg against reg = 0, so it still passes
        "fails": ["test_svm_naive_loss", "test_svm_naive_grad"],
    },
    {
        "name": "naive_gradient_sign_flipped",
        "cell": "svm_loss_naive",
        "source": _naive(plus="-", minus="+"),
        "fails": ["test_svm_naive_grad"],
    },
    {
        "name": "naive_half_reg_convention",
        "cell": "svm_loss_naive",
        "source": _naive(half="0.5 * ", two=""),
        "fails": ["test_svm_naive_reg"],
    },
    {
        "name": "vectorized_keeps_correct_class_margin",
        "cell": "svm_loss_vectorized",
        "source": _VECTORIZED.format(correct="S[rows, y][:, None]", zero="pass"),
        "fails": ["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    },
    {
        "name": "vectorized_broadcasts_correct_scores_as_row",
        "cell": "svm_loss_vectorized",
        "source": _VECTORIZED.format(correct="S[rows, y]", zero="margins[rows, y] = 0"),
        "fails": ["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    },
]
