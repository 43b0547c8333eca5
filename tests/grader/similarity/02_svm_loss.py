"""Assignment 02 (multiclass SVM loss): independent correct solutions, and copies of them.

INDEPENDENT: six students who each wrote the three solution cells on their own, in different
styles (cs231n's loops, a loop over rows with numpy inside, small helpers, Python iterators,
a beginner's explicit indexing, classes in the outer loop with einsum). Every one passes the
assignment's checks (tests/test_similarity.py runs them against the reference).

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them.
"""

INDEPENDENT = {
    "cs231n_loops": {
        "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example.

    scores: (C,) scores of one example; y: its correct class (an int).
    Returns sum over j != y of max(0, scores[j] - scores[y] + delta), a float.
    """
    loss = 0.0
    for j in range(len(scores)):
        if j == y:
            continue
        loss += max(0, scores[j] - scores[y] + delta)
    return float(loss)
''',
        "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    W: (D, C) weights; X: (N, D) examples; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean hinge loss plus reg * sum(W**2), and its gradient (D, C).
    """
    dW = np.zeros(W.shape)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[y[i]]
        for j in range(num_classes):
            if j == y[i]:
                continue
            margin = scores[j] - correct_class_score + delta
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops: same result as svm_loss_naive."""
    num_train = X.shape[0]
    scores = X.dot(W)
    correct_class_scores = scores[np.arange(num_train), y].reshape(-1, 1)
    margins = np.maximum(0, scores - correct_class_scores + delta)
    margins[np.arange(num_train), y] = 0
    loss = np.sum(margins) / num_train
    loss += reg * np.sum(W * W)
    binary = margins
    binary[margins > 0] = 1
    row_sum = np.sum(binary, axis=1)
    binary[np.arange(num_train), y] = -row_sum
    dW = X.T.dot(binary) / num_train
    dW += 2 * reg * W
    return loss, dW
''',
    },
    "row_vectors": {
        "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    s = np.asarray(scores, dtype=float)
    margins = np.maximum(s - s[y] + delta, 0)
    margins[y] = 0  # the correct class is not a rival of itself
    return float(np.sum(margins))
''',
        "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Loops over the examples; numpy does each example's classes."""
    n_samples = len(X)
    grad = np.zeros(W.shape)
    total = 0.0
    for i in range(n_samples):
        row_scores = np.dot(X[i], W)
        m = np.maximum(row_scores - row_scores[y[i]] + delta, 0)
        m[y[i]] = 0
        total += m.sum()
        active = (m > 0).astype(float)
        active[y[i]] = -active.sum()
        grad += np.outer(X[i], active)
    total = total / n_samples + reg * (W ** 2).sum()
    grad = grad / n_samples + 2 * reg * W
    return total, grad
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """The loop of svm_loss_naive done for all rows at once."""
    n_samples = len(y)
    idx = np.arange(n_samples)
    all_scores = np.dot(X, W)
    m = np.maximum(all_scores - all_scores[idx, y][:, None] + delta, 0)
    m[idx, y] = 0
    total = m.sum() / n_samples + reg * (W ** 2).sum()
    active = (m > 0).astype(float)
    active[idx, y] = -active.sum(axis=1)
    grad = np.dot(X.T, active) / n_samples + 2 * reg * W
    return total, grad
''',
    },
    "helpers": {
        "svm_loss_single": '''def _hinge_terms(row, label, delta):
    """max(0, s_j - s_label + delta) for every class j, with 0 at the label itself."""
    out = np.clip(row - row[label] + delta, 0, None)
    out[label] = 0.0
    return out


def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example.

    scores: (C,) scores of one example; y: its correct class (an int).
    Returns sum over j != y of max(0, scores[j] - scores[y] + delta), a float.
    """
    return float(_hinge_terms(np.array(scores, dtype=float), y, delta).sum())
''',
        "svm_loss_naive": '''def _l2(W, reg):
    """Penalty and its gradient."""
    return reg * np.sum(np.square(W)), 2 * reg * W


def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    W: (D, C) weights; X: (N, D) examples; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean hinge loss plus reg * sum(W**2), and its gradient (D, C).
    """
    N, D = X.shape
    C = W.shape[1]
    data_loss = 0.0
    dW = np.zeros((D, C))
    for i in range(N):
        terms = _hinge_terms(X[i] @ W, y[i], delta)
        data_loss += terms.sum()
        for j in range(C):
            if terms[j] > 0:
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    penalty, dpenalty = _l2(W, reg)
    return data_loss / N + penalty, dW / N + dpenalty
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops: same result as svm_loss_naive."""
    N = X.shape[0]
    S = X @ W
    correct = S[np.arange(N), y]
    terms = np.clip(S - correct[:, np.newaxis] + delta, 0, None)
    terms[np.arange(N), y] = 0.0
    counts = (terms > 0).sum(axis=1)
    dS = (terms > 0) * 1.0
    dS[np.arange(N), y] -= counts
    penalty, dpenalty = _l2(W, reg)
    return terms.sum() / N + penalty, X.T @ dS / N + dpenalty
''',
    },
    "iterators": {
        "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Sum of the hinge over the wrong classes."""
    correct = scores[y]
    return float(sum(max(0.0, s - correct + delta) for j, s in enumerate(scores) if j != y))
''',
        "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient, one example at a time."""
    grad = np.zeros_like(W, dtype=float)
    losses = []
    for x_i, label in zip(X, y):
        s = x_i.dot(W)
        loss_i = 0.0
        for cls, s_cls in enumerate(s):
            if cls == label:
                continue
            gap = s_cls - s[label] + delta
            if gap > 0:
                loss_i += gap
                grad[:, cls] += x_i
                grad[:, label] -= x_i
        losses.append(loss_i)
    n = len(losses)
    return float(np.mean(losses)) + reg * float(np.sum(W ** 2)), grad / n + 2.0 * reg * W
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """All examples at once, with a one-hot matrix of the labels."""
    y = np.asarray(y)
    n = len(y)
    s = X.dot(W)
    onehot = np.eye(W.shape[1])[y]
    correct = (s * onehot).sum(axis=1, keepdims=True)
    hinge = np.maximum(s - correct + delta, 0.0) * (1 - onehot)
    positive = (hinge > 0).astype(float)
    coeff = positive - onehot * positive.sum(axis=1, keepdims=True)
    return float(hinge.sum() / n) + reg * float(np.sum(W ** 2)), X.T.dot(coeff) / n + 2.0 * reg * W
''',
    },
    "explicit_indexing": {
        "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example.

    scores: (C,) scores of one example; y: its correct class (an int).
    Returns sum over j != y of max(0, scores[j] - scores[y] + delta), a float.
    """
    result = 0
    C = len(scores)
    for k in range(C):
        if k != y:
            diff = scores[k] - scores[y] + delta
            if diff > 0:
                result = result + diff
    return float(result)
''',
        "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    W: (D, C) weights; X: (N, D) examples; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean hinge loss plus reg * sum(W**2), and its gradient (D, C).
    """
    D, C = W.shape
    N = X.shape[0]
    L = 0
    gradient = np.zeros((D, C))
    for n in range(N):
        x = X[n, :]
        s = np.zeros(C)
        for c in range(C):
            s[c] = np.sum(x * W[:, c])
        for c in range(C):
            if c != y[n]:
                diff = s[c] - s[y[n]] + delta
                if diff > 0:
                    L = L + diff
                    gradient[:, c] = gradient[:, c] + x
                    gradient[:, y[n]] = gradient[:, y[n]] - x
    L = L / N
    gradient = gradient / N
    L = L + reg * np.sum(W * W)
    gradient = gradient + 2 * reg * W
    return L, gradient
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops: same result as svm_loss_naive."""
    N = X.shape[0]
    s = np.matmul(X, W)
    s_correct = s[range(N), y]
    diff = s - s_correct.reshape(N, 1) + delta
    diff[range(N), y] = 0
    diff[diff < 0] = 0
    L = np.sum(diff) / N + reg * np.sum(W * W)
    mask = np.zeros(diff.shape)
    mask[diff > 0] = 1
    mask[range(N), y] = -np.sum(mask, axis=1)
    gradient = np.matmul(X.T, mask) / N + 2 * reg * W
    return L, gradient
''',
    },
    "classes_outside_einsum": {
        "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    others = np.delete(np.asarray(scores, dtype=float), y)
    return float(np.maximum(0, others - scores[y] + delta).sum())
''',
        "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops (classes outside)."""
    num_classes = W.shape[1]
    num_samples = X.shape[0]
    acc = 0.0
    g = np.zeros_like(W, dtype=np.float64)
    for c in range(num_classes):
        for k in range(num_samples):
            if y[k] == c:
                continue
            violation = X[k] @ (W[:, c] - W[:, y[k]]) + delta
            if violation > 0:
                acc += violation
                g[:, c] += X[k]
                g[:, y[k]] -= X[k]
    acc /= num_samples
    g /= num_samples
    acc += reg * np.vdot(W, W)
    g += 2 * reg * W
    return float(acc), g
''',
        "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops."""
    labels = np.asarray(y)
    num_samples = X.shape[0]
    logits = np.einsum("nd,dc->nc", X, W)
    true_scores = logits[np.arange(num_samples), labels]
    violations = logits - true_scores[:, None] + delta
    violations[np.arange(num_samples), labels] = 0
    violations = np.maximum(violations, 0)
    acc = violations.sum() / num_samples + reg * np.vdot(W, W)
    weights = np.sign(violations)
    weights[np.arange(num_samples), labels] = -weights.sum(axis=1)
    g = np.einsum("nd,nc->dc", X, weights) / num_samples + 2 * reg * W
    return float(acc), g
''',
    },
}

COPIES = {
    # row_vectors with every name changed
    "renamed": {
        "of": "row_vectors",
        "cells": {
            "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    arr = np.asarray(scores, dtype=float)
    hinge = np.maximum(arr - arr[y] + delta, 0)
    hinge[y] = 0
    return float(np.sum(hinge))
''',
            "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Loops over the examples."""
    count = len(X)
    dWeights = np.zeros(W.shape)
    L_total = 0.0
    for k in range(count):
        sc = np.dot(X[k], W)
        marg = np.maximum(sc - sc[y[k]] + delta, 0)
        marg[y[k]] = 0
        L_total += marg.sum()
        ind = (marg > 0).astype(float)
        ind[y[k]] = -ind.sum()
        dWeights += np.outer(X[k], ind)
    L_total = L_total / count + reg * (W ** 2).sum()
    dWeights = dWeights / count + 2 * reg * W
    return L_total, dWeights
''',
            "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Vectorized."""
    count = len(y)
    rr = np.arange(count)
    S_all = np.dot(X, W)
    marg = np.maximum(S_all - S_all[rr, y][:, None] + delta, 0)
    marg[rr, y] = 0
    L_total = marg.sum() / count + reg * (W ** 2).sum()
    ind = (marg > 0).astype(float)
    ind[rr, y] = -ind.sum(axis=1)
    dWeights = np.dot(X.T, ind) / count + 2 * reg * W
    return L_total, dWeights
''',
        },
    },
    # helpers with the functions in another order (all helpers first, the vectorized loss before the
    # naive one), statements that do not depend on each other swapped, and comments everywhere
    "reordered": {
        "of": "helpers",
        "cells": {
            "svm_loss_single": '''def _l2(W, reg):
    # L2 penalty: reg * sum of squares, gradient 2 * reg * W
    return reg * np.sum(np.square(W)), 2 * reg * W


def _hinge_terms(row, label, delta):
    # clip at zero = max(0, .)
    out = np.clip(row - row[label] + delta, 0, None)
    # correct class contributes nothing
    out[label] = 0.0
    return out


def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example.

    scores: (C,) scores of one example; y: its correct class (an int).
    Returns sum over j != y of max(0, scores[j] - scores[y] + delta), a float.
    """
    # sum of the hinge terms of the one row
    return float(_hinge_terms(np.array(scores, dtype=float), y, delta).sum())
''',
            "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops: same result as svm_loss_naive."""
    # scores of every example, (N, C)
    S = X @ W
    N = X.shape[0]
    # the score of the right class, one per row
    correct = S[np.arange(N), y]
    terms = np.clip(S - correct[:, np.newaxis] + delta, 0, None)
    terms[np.arange(N), y] = 0.0
    # gradient wrt the scores: 1 for each positive margin, minus the count at the label
    dS = (terms > 0) * 1.0
    counts = (terms > 0).sum(axis=1)
    dS[np.arange(N), y] -= counts
    penalty, dpenalty = _l2(W, reg)
    # chain rule through S = X W
    return terms.sum() / N + penalty, X.T @ dS / N + dpenalty
''',
            "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    W: (D, C) weights; X: (N, D) examples; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean hinge loss plus reg * sum(W**2), and its gradient (D, C).
    """
    C = W.shape[1]
    N, D = X.shape
    dW = np.zeros((D, C))
    data_loss = 0.0
    # one example at a time
    for i in range(N):
        terms = _hinge_terms(X[i] @ W, y[i], delta)
        data_loss += terms.sum()
        # every class with a positive margin pushes two columns
        for j in range(C):
            if terms[j] > 0:
                dW[:, j] += X[i]
                dW[:, y[i]] -= X[i]
    penalty, dpenalty = _l2(W, reg)
    # average over the batch, then regularize
    return data_loss / N + penalty, dW / N + dpenalty
''',
        },
    },
    # svm_loss_single and svm_loss_naive of explicit_indexing; svm_loss_vectorized written by the copier
    "half": {
        "of": "explicit_indexing",
        "cells": {
            "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example.

    scores: (C,) scores of one example; y: its correct class (an int).
    Returns sum over j != y of max(0, scores[j] - scores[y] + delta), a float.
    """
    result = 0
    C = len(scores)
    for k in range(C):
        if k != y:
            diff = scores[k] - scores[y] + delta
            if diff > 0:
                result = result + diff
    return float(result)
''',
            "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    W: (D, C) weights; X: (N, D) examples; y: (N,) labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean hinge loss plus reg * sum(W**2), and its gradient (D, C).
    """
    D, C = W.shape
    N = X.shape[0]
    L = 0
    gradient = np.zeros((D, C))
    for n in range(N):
        x = X[n, :]
        s = np.zeros(C)
        for c in range(C):
            s[c] = np.sum(x * W[:, c])
        for c in range(C):
            if c != y[n]:
                diff = s[c] - s[y[n]] + delta
                if diff > 0:
                    L = L + diff
                    gradient[:, c] = gradient[:, c] + x
                    gradient[:, y[n]] = gradient[:, y[n]] - x
    L = L / N
    gradient = gradient / N
    L = L + reg * np.sum(W * W)
    gradient = gradient + 2 * reg * W
    return L, gradient
''',
            "svm_loss_vectorized": '''def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Without loops, with take_along_axis."""
    y = np.asarray(y)
    scores = X @ W
    picked = np.take_along_axis(scores, y[:, None], axis=1)
    hinge = scores - picked + delta
    np.put_along_axis(hinge, y[:, None], 0.0, axis=1)
    hinge = np.where(hinge > 0, hinge, 0.0)
    count = X.shape[0]
    indicator = np.where(hinge > 0, 1.0, 0.0)
    np.put_along_axis(indicator, y[:, None], -indicator.sum(axis=1, keepdims=True), axis=1)
    return hinge.sum() / count + reg * (W * W).sum(), X.T @ indicator / count + 2 * reg * W
''',
        },
    },
    # losslab/linear_svm.py (and the _hinge it calls, from losslab/classification.py) pasted with
    # its argument checks dropped and every name changed
    "course": {
        "of": "course:losslab.linear_svm",
        "cells": {
            "svm_loss_single": '''def svm_loss_single(scores, y, delta=1.0):
    """Multiclass SVM loss of one example."""
    s = np.asarray(scores, dtype=float)
    return float(sum(max(0.0, s[k] - s[y] + delta) for k in range(s.size) if k != y))
''',
            "svm_loss_naive": '''def svm_loss_naive(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient with explicit loops.

    For every example and wrong class with a positive margin the loss gains the margin,
    and the two columns move by +-X[i].
    """
    n_ex, n_cls = X.shape[0], W.shape[1]
    total = 0.0
    grad = np.zeros_like(W)
    for a in range(n_ex):
        sc = X[a] @ W
        right = sc[y[a]]
        for b in range(n_cls):
            if b == y[a]:
                continue
            mg = sc[b] - right + delta
            if mg > 0:
                total += mg
                grad[:, b] += X[a]
                grad[:, y[a]] -= X[a]
    total /= n_ex
    grad /= n_ex
    pen, dpen = reg * float(np.vdot(W, W)), (2.0 * reg) * W
    return float(total) + pen, grad + dpen
''',
            "svm_loss_vectorized": '''def _hinge_part(sc, lab, delta):
    m = sc.shape[0]
    idx = np.arange(m)
    marg = sc - sc[idx, lab][:, None]
    marg += delta  # in place: one (N, C) temporary fewer
    marg[idx, lab] = 0.0
    np.maximum(marg, 0.0, out=marg)
    value = float(marg.sum()) / m

    pos = marg > 0
    dsc = pos.astype(sc.dtype)
    dsc[idx, lab] = -np.count_nonzero(pos, axis=1)
    dsc /= m
    return value, dsc


def svm_loss_vectorized(W, X, y, reg, delta=1.0):
    """Multiclass SVM loss and gradient without loops: same result as the naive one."""
    sc = X @ W
    data_part, dsc = _hinge_part(sc, np.asarray(y), delta)
    grad = X.T @ dsc
    pen, dpen = reg * float(np.vdot(W, W)), (2.0 * reg) * W
    grad += dpen
    return data_part + pen, grad
''',
        },
    },
}
