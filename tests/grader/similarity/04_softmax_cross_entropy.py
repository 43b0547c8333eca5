"""Assignment 04 (softmax and cross-entropy): independent correct solutions, and copies of them.

INDEPENDENT: six students who each wrote the five solution cells on their own: cs231n's loops,
a log-sum-exp helper, one-hot matrices, recursion over rows with Python's math, scipy-like
``logaddexp`` everywhere, and a beginner's explicit indexing. Every one passes the assignment's
checks (tests/test_similarity.py runs them against the reference).

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them.
"""

INDEPENDENT = {
    "cs231n_loops": {
        "softmax": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis.

    scores: (C,) or (N, C) array of real scores.
    Returns an array of the same shape whose entries along the last axis are
    positive and sum to 1. Never overflows, whatever the size of the scores.
    """
    scores = np.asarray(scores, dtype=float)
    shifted = scores - np.max(scores, axis=-1, keepdims=True)
    exps = np.exp(shifted)
    return exps / np.sum(exps, axis=-1, keepdims=True)
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j), with 0 log(anything) = 0."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    mask = p > 0
    logq = np.zeros_like(q)
    logq[mask] = np.log(q[mask])
    h = -np.sum(p * logq, axis=-1) / np.log(base)
    if np.ndim(h) == 0:
        return float(h)
    return h
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops."""
    loss = 0.0
    dW = np.zeros_like(W)
    num_classes = W.shape[1]
    num_train = X.shape[0]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores = scores - np.max(scores)
        correct_class_score = scores[y[i]]
        exp_sum = np.sum(np.exp(scores))
        loss += -correct_class_score + np.log(exp_sum)
        for j in range(num_classes):
            p = np.exp(scores[j]) / exp_sum
            if j == y[i]:
                dW[:, j] += (p - 1) * X[i]
            else:
                dW[:, j] += p * X[i]
    loss /= num_train
    dW /= num_train
    loss += reg * np.sum(W * W)
    dW += 2 * reg * W
    return loss, dW
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops."""
    num_train = X.shape[0]
    scores = X.dot(W)
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    sum_exp = np.sum(exp_scores, axis=1)
    loss = np.sum(np.log(sum_exp) - scores[np.arange(num_train), y]) / num_train
    loss += reg * np.sum(W * W)
    probs = exp_scores / sum_exp[:, np.newaxis]
    probs[np.arange(num_train), y] -= 1
    dW = X.T.dot(probs) / num_train
    dW += 2 * reg * W
    return loss, dW
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits, mean over the batch, and its gradient."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    N = z.shape[0]
    loss = np.sum(np.maximum(z, 0) - z * y + np.log(1 + np.exp(-np.abs(z)))) / N
    e = np.exp(-np.abs(z))
    sig = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return float(loss), (sig - y) / N
''',
    },
    "logsumexp_helper": {
        "softmax": '''def _logsumexp(a, axis=-1):
    """log(sum(exp(a))) along axis, kept as a size-1 axis, without overflow."""
    m = np.max(a, axis=axis, keepdims=True)
    return m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))


def softmax(scores):
    """Probabilities along the last axis, as exp(s - logsumexp(s))."""
    s = np.array(scores, dtype=float)
    return np.exp(s - _logsumexp(s))
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """H(p, q) in the given base; terms with p_j = 0 are skipped."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    contrib = np.zeros(p.shape)
    nz = p != 0
    contrib[nz] = p[nz] * np.log(q[nz])
    out = -contrib.sum(axis=-1) / math.log(base)
    return out.item() if out.ndim == 0 else out
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, one example at a time, through log-probabilities."""
    N = X.shape[0]
    C = W.shape[1]
    total = 0.0
    grad = np.zeros(W.shape)
    for n in range(N):
        s = W.T @ X[n]
        log_probs = s - _logsumexp(s)
        total -= log_probs[y[n]]
        for c in range(C):
            indicator = 1.0 if c == y[n] else 0.0
            grad[:, c] += (np.exp(log_probs[c]) - indicator) * X[n]
    return total / N + reg * np.sum(W ** 2), grad / N + 2 * reg * W
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """The same through log-probabilities of the whole batch."""
    N = X.shape[0]
    S = X @ W
    log_probs = S - _logsumexp(S, axis=1)
    total = -log_probs[np.arange(N), y].mean()
    G = np.exp(log_probs)
    G[np.arange(N), y] -= 1
    return total + reg * np.sum(W ** 2), X.T @ G / N + 2 * reg * W
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """-[y log sigmoid(z) + (1 - y) log sigmoid(-z)], with log sigmoid(t) = -logaddexp(0, -t)."""
    z = np.asarray(z, float)
    y = np.asarray(y, float)
    losses = y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)
    sig = np.exp(-np.logaddexp(0, -z))
    return float(losses.mean()), (sig - y) / z.size
''',
    },
    "onehot_matrices": {
        "softmax": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis.

    scores: (C,) or (N, C) array of real scores.
    Returns an array of the same shape whose entries along the last axis are
    positive and sum to 1. Never overflows, whatever the size of the scores.
    """
    x = np.asarray(scores, dtype=np.float64)
    z = x - x.max(axis=-1)[..., None]
    e = np.exp(z)
    return e / e.sum(axis=-1)[..., None]
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j), with 0 log(anything) = 0.

    p, q: arrays of the same shape, (C,) or (N, C): distributions along the last axis.
    base: base of the logarithm (e: nats, 2: bits).
    Returns a float for (C,) inputs, an (N,) array for (N, C) inputs.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    q_safe = np.where(p == 0, 1.0, q)
    result = -np.sum(p * np.log(q_safe), axis=-1) / np.log(base)
    return float(result) if p.ndim == 1 else result
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops.

    W: (D, C) weights; X: (N, D) data; y: (N,) integer labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean cross-entropy over the N examples plus reg * sum(W**2),
    as a float, and its gradient dW, an array of the shape of W.
    """
    n_examples = X.shape[0]
    n_classes = W.shape[1]
    L = 0.0
    dW = np.zeros_like(W)
    for k in range(n_examples):
        z = np.zeros(n_classes)
        for c in range(n_classes):
            z[c] = X[k] @ W[:, c]
        z = z - z.max()
        p = np.exp(z) / np.exp(z).sum()
        target = np.zeros(n_classes)
        target[y[k]] = 1.0
        L += np.log(np.exp(z).sum()) - z[y[k]]
        for c in range(n_classes):
            dW[:, c] += X[k] * (p[c] - target[c])
    L = L / n_examples + reg * np.sum(W * W)
    dW = dW / n_examples + 2 * reg * W
    return L, dW
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops.

    Same inputs and outputs as softmax_loss_naive: W (D, C), X (N, D), y (N,), reg.
    Returns (loss, dW).
    """
    n_examples = X.shape[0]
    Z = X @ W
    Z = Z - Z.max(axis=1)[:, None]
    T = np.eye(W.shape[1])[y]
    L = np.mean(np.log(np.exp(Z).sum(axis=1)) - np.sum(T * Z, axis=1))
    P = np.exp(Z)
    P /= P.sum(axis=1)[:, None]
    L = L + reg * np.sum(W * W)
    dW = X.T @ (P - T) / n_examples + 2 * reg * W
    return L, dW
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits, mean over the batch, and its gradient.

    z: (N,) logits (any real numbers); y: (N,) targets, 0 or 1.
    Returns (loss, dz): the mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]
    as a float, and dz = (sigmoid(z) - y) / N of shape (N,).
    """
    z = np.asarray(z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(z)
    pos = z >= 0
    p = np.empty_like(z)
    p[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    p[~pos] = ez / (1.0 + ez)
    L = np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / n
    return float(L), (p - y) / n
''',
    },
    "rows_and_math": {
        "softmax": '''def softmax(scores):
    """One row at a time; a batch is a list of rows."""
    arr = np.asarray(scores, dtype=float)
    if arr.ndim == 2:
        return np.array([softmax(row) for row in arr]).reshape(arr.shape)
    e = np.exp(arr - arr.max())
    return e / e.sum()
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """H(p, q) with Python's math.log, row by row for a batch."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.ndim == 2:
        return np.array([cross_entropy(pi, qi, base) for pi, qi in zip(p, q)])
    h = 0.0
    for pj, qj in zip(p, q):
        if pj > 0:
            h -= pj * math.log(qj, base)
    return h
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Per example: log-sum-exp of its shifted scores minus its correct score."""
    grad = np.zeros_like(W)
    losses = []
    for xi, yi in zip(X, y):
        s = xi @ W
        top = s.max()
        lse = top + math.log(sum(math.exp(v - top) for v in s))
        losses.append(lse - s[yi])
        probs = softmax(s)
        for cls in range(len(s)):
            grad[:, cls] += (probs[cls] - (cls == yi)) * xi
    n = len(losses)
    return sum(losses) / n + reg * float((W ** 2).sum()), grad / n + 2.0 * reg * W
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """Batch version: softmax of all rows, then p - onehot."""
    y = np.asarray(y)
    n = len(y)
    s = X @ W
    top = s.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(s - top).sum(axis=1))
    data = float(np.mean(lse - np.take_along_axis(s, y[:, None], axis=1)[:, 0]))
    dscores = softmax(s)
    dscores[np.arange(n), y] -= 1.0
    return data + reg * float((W ** 2).sum()), X.T @ dscores / n + 2.0 * reg * W
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Stable BCE, element by element with math, then averaged."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    losses, grads = [], []
    for zi, yi in zip(z, y):
        t = math.exp(-abs(zi))
        losses.append(max(zi, 0.0) - zi * yi + math.log1p(t))
        sig = 1.0 / (1.0 + t) if zi >= 0 else t / (1.0 + t)
        grads.append(sig - yi)
    n = len(z)
    return sum(losses) / n, np.array(grads) / n
''',
    },
    "logaddexp": {
        "softmax": '''def softmax(scores):
    """Probabilities along the last axis."""
    s = np.asarray(scores, dtype=float)
    log_z = np.logaddexp.reduce(s, axis=-1, keepdims=True)
    return np.exp(s - log_z)
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """-sum p log q, skipping p = 0, in base `base`."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    logs = np.log(q, out=np.zeros_like(q), where=p > 0)
    value = -(p * logs).sum(axis=-1) / np.log(base)
    return value if value.ndim else float(value)
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Explicit loops; log-probabilities with logaddexp."""
    num_examples, num_classes = X.shape[0], W.shape[1]
    data_loss = 0.0
    dW = np.zeros(W.shape)
    for i in range(num_examples):
        row = X[i] @ W
        log_norm = np.logaddexp.reduce(row)
        data_loss += log_norm - row[y[i]]
        for j in range(num_classes):
            dW[:, j] += np.exp(row[j] - log_norm) * X[i]
        dW[:, y[i]] -= X[i]
    data_loss /= num_examples
    dW /= num_examples
    return data_loss + reg * np.sum(W * W), dW + 2 * reg * W
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """No loops: logaddexp over the classes of every row."""
    num_examples = X.shape[0]
    logits = X @ W
    log_norm = np.logaddexp.reduce(logits, axis=1)
    chosen = logits[np.arange(num_examples), y]
    data_loss = np.mean(log_norm - chosen)
    probs = np.exp(logits - log_norm[:, None])
    onehot = np.zeros_like(probs)
    onehot[np.arange(num_examples), y] = 1
    dW = X.T @ (probs - onehot) / num_examples
    return data_loss + reg * np.sum(W * W), dW + 2 * reg * W
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """BCE on logits: softplus(z) - y z, whose derivative is sigmoid(z) - y."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    sigmoid = np.exp(z - np.logaddexp(0.0, z))
    return float(loss), (sigmoid - y) / len(z)
''',
    },
    "explicit_indexing": {
        "softmax": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis.

    scores: (C,) or (N, C) array of real scores.
    Returns an array of the same shape whose entries along the last axis are
    positive and sum to 1. Never overflows, whatever the size of the scores.
    """
    s = np.array(scores, dtype=float)
    if s.ndim == 1:
        s = s - np.max(s)
        return np.exp(s) / np.sum(np.exp(s))
    out = np.zeros(s.shape)
    for i in range(s.shape[0]):
        row = s[i] - np.max(s[i])
        out[i] = np.exp(row) / np.sum(np.exp(row))
    return out
''',
        "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log(q_j), with 0 log(anything) = 0.

    p, q: arrays of the same shape, (C,) or (N, C): distributions along the last axis.
    base: base of the logarithm (e: nats, 2: bits).
    Returns a float for (C,) inputs, an (N,) array for (N, C) inputs.
    """
    p = np.array(p, dtype=float)
    q = np.array(q, dtype=float)
    if p.ndim == 1:
        total = 0.0
        for j in range(p.shape[0]):
            if p[j] != 0:
                total = total - p[j] * np.log(q[j]) / np.log(base)
        return float(total)
    result = np.zeros(p.shape[0])
    for i in range(p.shape[0]):
        result[i] = cross_entropy(p[i], q[i], base)
    return result
''',
        "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops.

    W: (D, C) weights; X: (N, D) data; y: (N,) integer labels in [0, C); reg: L2 strength.
    Returns (loss, dW): the mean cross-entropy over the N examples plus reg * sum(W**2),
    as a float, and its gradient dW, an array of the shape of W.
    """
    D, C = W.shape
    N = X.shape[0]
    L = 0.0
    grad = np.zeros((D, C))
    for n in range(N):
        s = np.zeros(C)
        for c in range(C):
            s[c] = np.sum(X[n, :] * W[:, c])
        m = np.max(s)
        denom = 0.0
        for c in range(C):
            denom = denom + np.exp(s[c] - m)
        L = L + (np.log(denom) - (s[y[n]] - m))
        for c in range(C):
            prob = np.exp(s[c] - m) / denom
            if c == y[n]:
                grad[:, c] = grad[:, c] + (prob - 1) * X[n, :]
            else:
                grad[:, c] = grad[:, c] + prob * X[n, :]
    L = L / N + reg * np.sum(W * W)
    grad = grad / N + 2 * reg * W
    return L, grad
''',
        "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops.

    Same inputs and outputs as softmax_loss_naive: W (D, C), X (N, D), y (N,), reg.
    Returns (loss, dW).
    """
    N = X.shape[0]
    s = np.matmul(X, W)
    m = np.max(s, axis=1).reshape(N, 1)
    denom = np.sum(np.exp(s - m), axis=1)
    L = np.sum(np.log(denom) - (s[range(N), y] - m[:, 0])) / N + reg * np.sum(W * W)
    prob = np.exp(s - m) / denom.reshape(N, 1)
    prob[range(N), y] = prob[range(N), y] - 1
    grad = np.matmul(X.T, prob) / N + 2 * reg * W
    return L, grad
''',
        "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits, mean over the batch, and its gradient.

    z: (N,) logits (any real numbers); y: (N,) targets, 0 or 1.
    Returns (loss, dz): the mean of -[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]
    as a float, and dz = (sigmoid(z) - y) / N of shape (N,).
    """
    z = np.array(z, dtype=float)
    y = np.array(y, dtype=float)
    N = z.shape[0]
    L = 0.0
    dz = np.zeros(N)
    for i in range(N):
        if z[i] >= 0:
            L = L + (1 - y[i]) * z[i] + np.log(1 + np.exp(-z[i]))
            dz[i] = 1 / (1 + np.exp(-z[i])) - y[i]
        else:
            L = L - y[i] * z[i] + np.log(1 + np.exp(z[i]))
            dz[i] = np.exp(z[i]) / (1 + np.exp(z[i])) - y[i]
    return float(L / N), dz / N
''',
    },
}

COPIES = {
    # cs231n_loops with every name changed
    "renamed": {
        "of": "cs231n_loops",
        "cells": {
            "softmax": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis."""
    arr = np.asarray(scores, dtype=float)
    centred = arr - np.max(arr, axis=-1, keepdims=True)
    ex = np.exp(centred)
    return ex / np.sum(ex, axis=-1, keepdims=True)
''',
            "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy."""
    pp = np.asarray(p, dtype=float)
    qq = np.asarray(q, dtype=float)
    keep = pp > 0
    lq = np.zeros_like(qq)
    lq[keep] = np.log(qq[keep])
    ent = -np.sum(pp * lq, axis=-1) / np.log(base)
    if np.ndim(ent) == 0:
        return float(ent)
    return ent
''',
            "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops."""
    total = 0.0
    grad = np.zeros_like(W)
    C = W.shape[1]
    N = X.shape[0]
    for n in range(N):
        s = X[n].dot(W)
        s = s - np.max(s)
        s_true = s[y[n]]
        denom = np.sum(np.exp(s))
        total += -s_true + np.log(denom)
        for c in range(C):
            prob = np.exp(s[c]) / denom
            if c == y[n]:
                grad[:, c] += (prob - 1) * X[n]
            else:
                grad[:, c] += prob * X[n]
    total /= N
    grad /= N
    total += reg * np.sum(W * W)
    grad += 2 * reg * W
    return total, grad
''',
            "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and its gradient, without explicit loops."""
    N = X.shape[0]
    s = X.dot(W)
    s = s - np.max(s, axis=1, keepdims=True)
    es = np.exp(s)
    denom = np.sum(es, axis=1)
    total = np.sum(np.log(denom) - s[np.arange(N), y]) / N
    total += reg * np.sum(W * W)
    P = es / denom[:, np.newaxis]
    P[np.arange(N), y] -= 1
    grad = X.T.dot(P) / N
    grad += 2 * reg * W
    return total, grad
''',
            "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits."""
    logits = np.asarray(z, dtype=float)
    labels = np.asarray(y, dtype=float)
    count = logits.shape[0]
    value = np.sum(np.maximum(logits, 0) - logits * labels + np.log(1 + np.exp(-np.abs(logits)))) / count
    t = np.exp(-np.abs(logits))
    s = np.where(logits >= 0, 1 / (1 + t), t / (1 + t))
    return float(value), (s - labels) / count
''',
        },
    },
    # logaddexp with the functions in another order (the loss functions first), independent
    # statements swapped and comments everywhere
    "reordered": {
        "of": "logaddexp",
        "cells": {
            "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """No loops."""
    logits = X @ W  # (N, C)
    num_examples = X.shape[0]
    # log of the normalizer of every row
    log_norm = np.logaddexp.reduce(logits, axis=1)
    chosen = logits[np.arange(num_examples), y]
    data_loss = np.mean(log_norm - chosen)
    # probabilities, then subtract the one-hot labels
    probs = np.exp(logits - log_norm[:, None])
    onehot = np.zeros_like(probs)
    onehot[np.arange(num_examples), y] = 1
    dW = X.T @ (probs - onehot) / num_examples
    return data_loss + reg * np.sum(W * W), dW + 2 * reg * W
''',
            "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Explicit loops."""
    dW = np.zeros(W.shape)
    data_loss = 0.0
    num_examples, num_classes = X.shape[0], W.shape[1]
    for i in range(num_examples):
        # scores of example i
        row = X[i] @ W
        log_norm = np.logaddexp.reduce(row)
        data_loss += log_norm - row[y[i]]
        # p_j * x_i for every class, minus x_i for the true one
        for j in range(num_classes):
            dW[:, j] += np.exp(row[j] - log_norm) * X[i]
        dW[:, y[i]] -= X[i]
    dW /= num_examples
    data_loss /= num_examples
    # L2 penalty
    return data_loss + reg * np.sum(W * W), dW + 2 * reg * W
''',
            "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """BCE on logits."""
    y = np.asarray(y, dtype=float)
    z = np.asarray(z, dtype=float)
    # softplus(z) - y z
    loss = np.mean(np.logaddexp(0.0, z) - y * z)
    # sigmoid without overflow
    sigmoid = np.exp(z - np.logaddexp(0.0, z))
    return float(loss), (sigmoid - y) / len(z)
''',
            "softmax": '''def softmax(scores):
    """Probabilities along the last axis."""
    s = np.asarray(scores, dtype=float)
    # log of the sum of exps, stable
    log_z = np.logaddexp.reduce(s, axis=-1, keepdims=True)
    return np.exp(s - log_z)
''',
            "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross entropy."""
    q = np.asarray(q, dtype=float)
    p = np.asarray(p, dtype=float)
    # log q only where p > 0, zero elsewhere
    logs = np.log(q, out=np.zeros_like(q), where=p > 0)
    value = -(p * logs).sum(axis=-1) / np.log(base)
    return value if value.ndim else float(value)
''',
        },
    },
    # softmax and softmax_loss_naive of explicit_indexing; the other three written by the copier
    "half": {
        "of": "explicit_indexing",
        "cells": {
            "softmax": '''def softmax(scores):
    """Probabilities p_j = exp(s_j) / sum_k exp(s_k) along the last axis."""
    s = np.array(scores, dtype=float)
    if s.ndim == 1:
        s = s - np.max(s)
        return np.exp(s) / np.sum(np.exp(s))
    out = np.zeros(s.shape)
    for i in range(s.shape[0]):
        row = s[i] - np.max(s[i])
        out[i] = np.exp(row) / np.sum(np.exp(row))
    return out
''',
            "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Only the outcomes p deems possible contribute."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    terms = np.zeros(np.shape(p))
    np.multiply(p, np.log(q, where=p > 0, out=np.ones_like(q)), out=terms, where=p > 0)
    h = -terms.sum(axis=-1) / math.log(base)
    return h if isinstance(h, np.ndarray) and h.ndim == 1 else float(h)
''',
            "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and its gradient, with explicit loops."""
    D, C = W.shape
    N = X.shape[0]
    L = 0.0
    grad = np.zeros((D, C))
    for n in range(N):
        s = np.zeros(C)
        for c in range(C):
            s[c] = np.sum(X[n, :] * W[:, c])
        m = np.max(s)
        denom = 0.0
        for c in range(C):
            denom = denom + np.exp(s[c] - m)
        L = L + (np.log(denom) - (s[y[n]] - m))
        for c in range(C):
            prob = np.exp(s[c] - m) / denom
            if c == y[n]:
                grad[:, c] = grad[:, c] + (prob - 1) * X[n, :]
            else:
                grad[:, c] = grad[:, c] + prob * X[n, :]
    L = L / N + reg * np.sum(W * W)
    grad = grad / N + 2 * reg * W
    return L, grad
''',
            "softmax_loss_vectorized": '''def softmax_loss_vectorized(W, X, y, reg):
    """All rows at once."""
    labels = np.asarray(y)
    z = np.dot(X, W)
    z -= z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    picked = np.take_along_axis(log_p, labels[:, None], axis=1)
    onehot = np.zeros_like(z)
    np.put_along_axis(onehot, labels[:, None], 1.0, axis=1)
    batch = X.shape[0]
    return -picked.mean() + reg * (W * W).sum(), np.dot(X.T, np.exp(log_p) - onehot) / batch + 2 * reg * W
''',
            "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Mean BCE on the logits and its gradient."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    softplus = np.where(z > 0, z + np.log1p(np.exp(-np.abs(z))), np.log1p(np.exp(-np.abs(z))))
    sig = 0.5 * (1.0 + np.tanh(0.5 * z))
    return float(np.mean(softplus - y * z)), (sig - y) / z.shape[0]
''',
        },
    },
    # losslab/softmax.py (and _softmax_ce and softmax from losslab/classification.py) pasted with
    # the argument checks dropped and every name changed
    "course": {
        "of": "course:losslab.softmax",
        "cells": {
            "softmax": '''def softmax(scores):
    """Probabilities along the last axis.

    Subtracting the row maximum first changes nothing mathematically but keeps
    every exponent <= 0, so exp never overflows.
    """
    arr = np.asarray(scores, dtype=float)
    sh = arr - arr.max(axis=-1, keepdims=True)
    ex = np.exp(sh)
    return ex / ex.sum(axis=-1, keepdims=True)
''',
            "cross_entropy": '''def cross_entropy(p, q, base=math.e):
    """Cross-entropy H(p, q) = -sum_j p_j log q_j."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    vals = np.where(p > 0, -p * (np.log(np.where(p > 0, q, 1.0)) / math.log(base)), 0.0)
    tot = vals.sum(axis=-1)
    return float(tot) if tot.ndim == 0 else tot
''',
            "softmax_loss_naive": '''def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops over examples and classes."""
    n_ex, n_cls = X.shape[0], W.shape[1]
    total = 0.0
    grad = np.zeros_like(W)
    for a in range(n_ex):
        sc = X[a] @ W
        sc = sc - sc.max()  # exp of a large score would overflow
        se = np.sum(np.exp(sc))
        total += np.log(se) - sc[y[a]]
        for b in range(n_cls):
            pb = np.exp(sc[b]) / se
            grad[:, b] += (pb - (b == y[a])) * X[a]
    total /= n_ex
    grad /= n_ex
    pen, dpen = reg * float(np.vdot(W, W)), (2.0 * reg) * W
    return float(total) + pen, grad + dpen
''',
            "softmax_loss_vectorized": '''def _ce_part(sc, lab):
    m = sc.shape[0]
    idx = np.arange(m)
    sh = sc - sc.max(axis=1, keepdims=True)  # every exponent <= 0: no overflow
    ex = np.exp(sh)
    se = ex.sum(axis=1)  # >= 1, so its log is finite
    value = float(np.sum(np.log(se) - sh[idx, lab])) / m
    dsc = ex
    dsc /= se[:, None]  # the probabilities, in place
    dsc[idx, lab] -= 1.0
    dsc /= m
    return value, dsc


def softmax_loss_vectorized(W, X, y, reg):
    """Softmax loss and gradient without loops: same result as the naive one."""
    sc = X @ W
    data_part, dsc = _ce_part(sc, np.asarray(y))
    grad = X.T @ dsc
    pen, dpen = reg * float(np.vdot(W, W)), (2.0 * reg) * W
    grad += dpen
    return data_part + pen, grad
''',
            "binary_cross_entropy": '''def binary_cross_entropy(z, y):
    """Binary cross-entropy on logits z, mean over the batch."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    m = z.shape[0]
    value = float(np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))) / m
    t = np.exp(-np.abs(z))
    return value, (np.where(z >= 0, 1.0 / (1.0 + t), t / (1.0 + t)) - y) / m
''',
        },
    },
}
