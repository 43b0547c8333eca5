"""Known mistakes of assignment 02 (the multiclass SVM loss): the grader names them in the report
and in each student's feedback. See losslab_grader.mistakes for the format."""

import numpy as np
from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()


@catalogue.mistake(
    "single_counts_correct_class",
    "counts the correct class against itself (does not skip j = y)",
    hint="3.9 means the correct class was counted against itself (it adds delta): skip j == y",
    fails=["test_svm_single"],
    shows=r"3\.9 means the correct class was counted against itself",
)
def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    return float(np.sum(np.maximum(0, scores - scores[y] + delta)))


# The naive loop, with the places where students go wrong left open.
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


catalogue.add(
    "naive_sum_not_mean",
    "sums the loss and the gradient over the batch instead of averaging them",
    hint="10.19 is the sum over the batch: divide by N",
    # the regularization cell compares reg against reg = 0, so it still passes
    fails=["test_svm_naive_loss", "test_svm_naive_grad"],
    shows=r"got 10\.1859.*\n.*10\.19 is the sum over the batch: divide by N",
    source=_naive(mean="pass"),
)
catalogue.add(
    "naive_gradient_sign_flipped",
    "adds X[i] to column y[i] and subtracts it from column j (the gradient's sign is flipped)",
    hint="the opposite sign means the columns j and y[i] were swapped",
    fails=["test_svm_naive_grad"],
    shows=r"opposite sign means the columns j and y\[i\] were swapped",
    source=_naive(plus="-", minus="+"),
)
catalogue.add(
    "naive_half_reg_convention",
    "uses the 0.5 * reg * sum(W**2) convention instead of the course's reg * sum(W**2)",
    hint="half of it means the 0.5 * reg convention; the course uses reg * sum(W**2)",
    fails=["test_svm_naive_reg"],
    shows=r"half of it means the 0\.5 \* reg convention",
    source=_naive(half="0.5 * ", two=""),
)

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

catalogue.add(
    "vectorized_keeps_correct_class_margin",
    "keeps the correct class's own margin (delta) instead of setting it to 0",
    hint="3.05 means the correct class's own margin (= delta) was kept: set it to 0",
    fails=["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    shows=r"got 3\.0503.*\n.*3\.05 means the correct class's own margin",
    source=_VECTORIZED.format(correct="S[rows, y][:, None]", zero="pass"),
)
catalogue.add(
    "vectorized_broadcasts_correct_scores_as_row",
    "subtracts the correct-class scores as a row (N,) instead of a column (N, 1)",
    hint="the correct-class scores must be a column (N, 1): correct[:, None]",
    fails=["test_svm_vectorized_loss", "test_svm_vectorized_grad"],
    shows=r"could not be broadcast together with shapes \(5,3\) \(5,\)",
    source=_VECTORIZED.format(correct="S[rows, y]", zero="margins[rows, y] = 0"),
)
