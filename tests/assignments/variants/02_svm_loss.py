"""Correct solutions of assignment 02 written differently from the instructor's: they must keep full marks.

Loops in the other order (classes outside, examples inside), the margins of a row all at once, the
indicator of positive margins held as float32 (exact: it counts), np.where and einsum instead of
the solution's indexing. The grader compares values with the reference's tolerance, so none of
that may cost a point.
"""

VARIANT = {
    "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    s = np.asarray(scores, dtype=np.float64)
    margins = np.maximum(0.0, s - s[y] + delta)
    return float(margins.sum() - margins[y])
''',
    "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops (classes outside, examples inside)."""
    W = np.array(W, dtype=float)
    X = np.array(X, dtype=float)
    n, c = X.shape[0], W.shape[1]
    total = 0.0
    grad = np.zeros_like(W)
    for j in range(c):
        for i in range(n):
            if y[i] == j:
                continue
            m = X[i] @ W[:, j] - X[i] @ W[:, y[i]] + delta
            if m > 0:
                total = total + m
                grad[:, j] = grad[:, j] + X[i]
                grad[:, y[i]] = grad[:, y[i]] - X[i]
    return total / n + reg * np.sum(W ** 2), grad / n + reg * 2 * W
''',
    "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops."""
    n = len(y)
    S = np.dot(X, W)
    onehot = np.eye(W.shape[1], dtype=bool)[np.asarray(y)]
    correct = np.take_along_axis(S, np.asarray(y)[:, None], axis=1)
    margins = np.where(onehot, 0.0, np.maximum(S - correct + delta, 0.0))
    positive = (margins > 0).astype(np.float32)
    dS = positive - onehot * positive.sum(axis=1, keepdims=True)
    dW = np.einsum("nd,nc->dc", X, dS.astype(np.float64)) / n
    return margins.sum() / n + reg * np.einsum("dc,dc->", W, W), dW + 2 * reg * W
''',
}
