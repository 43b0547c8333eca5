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
        "message": r"3\.9 means the correct class was counted against itself",
        "cell": "svm_loss_single",
        "source": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    return float(np.sum(np.maximum(0, scores - scores[y] + delta)))
''',
        "fails": ["test_svm_single"],
    },
    {
        "name": "naive_sum_not_mean",
        "message": r"got 10\.1859.*\n.*10\.19 is the sum over the batch: divide by N",
        "cell": "svm_loss_naive",
        "source": _naive(mean="pass"),
        # the regularization cell compares reg against reg = 0, so it still passes
        "fails": ["test_svm_naive_loss", "test_svm_naive_grad"],
    },
    {
        "name": "naive_gradient_sign_flipped",
        "message": r"opposite sign means the columns j and y\[i\] were swapped",
        "cell": "svm_loss_naive",
        "source": _naive(plus="-", minus="+"),
        "fails": ["test_svm_naive_grad"],
    },
    {
        "name": "naive_half_reg_convention",
        "message": r"half of it means the 0\.5 \* reg convention",
        "cell": "svm_loss_naive",
        "source": _naive(half="0.5 * ", two=""),
        "fails": ["test_svm_naive_reg"],
    },
    {
        "name": "vectorized_keeps_correct_class_margin",
        "message": r"got 3\.0503.*\n.*3\.05 means the correct class's own margin",
        "cell": "svm_loss_vectorized",
        "source": _VECTORIZED.format(correct="S[rows, y][:, None]", zero="pass"),
        "fails": ["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    },
    {
        "name": "vectorized_broadcasts_correct_scores_as_row",
        "message": r"could not be broadcast together with shapes \(5,3\) \(5,\)",
        "cell": "svm_loss_vectorized",
        "source": _VECTORIZED.format(correct="S[rows, y]", zero="margins[rows, y] = 0"),
        "fails": ["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    },
]
