"""Assignment 06 (gradient descent on a line, then on D features): independent correct solutions,
and copies of them.

Four short functions in two pairs, each gradient nearly dictated by its formula: mse_gradients and
gradient_descent for the line, mse_gradients_vectorized and gradient_descent_vectorized for X (N, D)
without a loop over the examples or features. INDEPENDENT: six students who each wrote the four
cells on their own, the vectorized pair in the manner of their own scalar pair: numpy means with
lists for the history (a broadcast mean for dw), Python sums with preallocated arrays (.dot, w
updated in place), a parameter vector and a design matrix ([X, 1] and theta = (w, b)), a while
loop (np.dot, copies in the history), small helpers (einsum, a start-weights helper), and a
beginner's explicit loops (X.T @ errors, an if/else for w0). Every one passes the assignment's
checks (tests/grader/test_similarity.py runs them against the reference).

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them. "half" takes the two gradient
descents, the larger functions: the two mse_gradients alone are mostly what their formulas
dictate. "course" pastes the library as it is now: one loop (its _descend) under both gradient
descents.
"""

# ruff: noqa: E501 (students' lines as they wrote them: the release's signatures are longer than this file's limit)

INDEPENDENT = {
    "means_and_lists": {
        "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives.

    w, b: floats; x, y: (N,) arrays.
    Returns (loss, dw, db): mean((w x + b - y)**2), dL/dw and dL/db, as floats.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    err = w * x + b - y
    return float(np.mean(err ** 2)), float(2 * np.mean(err * x)), float(2 * np.mean(err))
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0)."""
    w, b = w0, b0
    losses, ws, bs = [], [], []
    for _ in range(num_steps):
        loss, dw, db = mse_gradients(w, b, x, y)
        losses.append(loss)
        ws.append(w)
        bs.append(b)
        w = w - learning_rate * dw
        b = b - learning_rate * db
    losses.append(mse_gradients(w, b, x, y)[0])
    ws.append(w)
    bs.append(b)
    return w, b, {"loss": np.array(losses), "w": np.array(ws), "b": np.array(bs)}
''',
        "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """MSE of the linear model X w + b on the examples (X, y), and its gradient.

    w: (D,) weights; b: float bias; X: (N, D) examples, one per row; y: (N,) targets.
    Returns (loss, dw, db): mean((X w + b - y)**2) as a float, dL/dw = 2/N X^T r of shape (D,),
    and dL/db = 2/N sum(r) as a float, with r = X w + b - y.
    """
    X = np.asarray(X, dtype=float)
    err = X @ np.asarray(w, dtype=float) + b - np.asarray(y, dtype=float)
    # each row of X times its own error, then the mean over the rows
    dw = 2 * np.mean(err[:, np.newaxis] * X, axis=0)
    return float(np.mean(err ** 2)), dw, float(2 * np.mean(err))
''',
        "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """gradient_descent again, with w a vector; the lists become arrays at the end."""
    w = np.zeros(np.shape(X)[1]) if w0 is None else np.asarray(w0, dtype=float)
    b = b0
    losses, ws, bs = [], [], []
    for _ in range(num_steps):
        loss, dw, db = mse_gradients_vectorized(w, b, X, y)
        losses.append(loss)
        ws.append(w)
        bs.append(b)
        w = w - learning_rate * dw  # a new array each step, never w -= ...
        b = b - learning_rate * db
    losses.append(mse_gradients_vectorized(w, b, X, y)[0])
    ws.append(w)
    bs.append(b)
    return w, b, {"loss": np.array(losses), "w": np.array(ws), "b": np.array(bs)}
''',
    },
    "sums_preallocated": {
        "mse_gradients": '''def mse_gradients(w, b, x, y):
    """Sums over the points, divided by N."""
    n = len(x)
    total = 0.0
    gw = 0.0
    gb = 0.0
    for xi, yi in zip(x, y):
        r = w * xi + b - yi
        total += r * r
        gw += 2 * r * xi
        gb += 2 * r
    return total / n, gw / n, gb / n
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """History arrays filled in place, entry k after k updates."""
    hist_loss = np.zeros(num_steps + 1)
    hist_w = np.zeros(num_steps + 1)
    hist_b = np.zeros(num_steps + 1)
    w = float(w0)
    b = float(b0)
    for k in range(num_steps + 1):
        loss, gw, gb = mse_gradients(w, b, x, y)
        hist_loss[k], hist_w[k], hist_b[k] = loss, w, b
        if k < num_steps:
            w, b = w - learning_rate * gw, b - learning_rate * gb
    return w, b, dict(loss=hist_loss, w=hist_w, b=hist_b)
''',
        "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """Dot products instead of the sums over the points, divided by N."""
    n = X.shape[0]
    r = X.dot(w) + b - y
    total = r.dot(r)
    gw = 2 * X.T.dot(r)
    gb = 2 * r.sum()
    return total / n, gw / n, gb / n
''',
        "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """History tables filled in place, row k after k updates; w is updated in place too."""
    n_feat = X.shape[1]
    hist_loss = np.zeros(num_steps + 1)
    hist_w = np.zeros((num_steps + 1, n_feat))
    hist_b = np.zeros(num_steps + 1)
    w = np.zeros(n_feat)
    if w0 is not None:
        w[:] = w0  # copied into our own array: the caller's w0 stays as it was
    b = float(b0)
    for k in range(num_steps + 1):
        loss, gw, gb = mse_gradients_vectorized(w, b, X, y)
        hist_loss[k], hist_w[k], hist_b[k] = loss, w, b
        if k < num_steps:
            w -= learning_rate * gw
            b -= learning_rate * gb
    return w, b, dict(loss=hist_loss, w=hist_w, b=hist_b)
''',
    },
    "design_matrix": {
        "mse_gradients": '''def mse_gradients(w, b, x, y):
    """With theta = (w, b) and A = [x, 1]: L = |A theta - y|^2 / N, grad = 2 A^T (A theta - y) / N."""
    A = np.column_stack([np.asarray(x, dtype=float), np.ones(len(x))])
    theta = np.array([w, b], dtype=float)
    resid = A @ theta - np.asarray(y, dtype=float)
    grad = 2.0 * A.T @ resid / len(resid)
    return float(resid @ resid / len(resid)), float(grad[0]), float(grad[1])
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Steps on theta = (w, b); the history is stacked at the end."""
    theta = np.array([w0, b0], dtype=float)
    states = []
    for step in range(num_steps + 1):
        loss, dw, db = mse_gradients(theta[0], theta[1], x, y)
        states.append((loss, theta[0], theta[1]))
        if step == num_steps:
            break
        theta = theta - learning_rate * np.array([dw, db])
    table = np.array(states)
    return float(theta[0]), float(theta[1]), {"loss": table[:, 0], "w": table[:, 1], "b": table[:, 2]}
''',
        "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """As mse_gradients with A = [X, 1] (N, D + 1) and theta = (w, b): the bias is one more weight."""
    A = np.hstack([np.asarray(X, dtype=float), np.ones((len(X), 1))])
    theta = np.append(w, b)
    resid = A @ theta - np.asarray(y, dtype=float)
    grad = 2.0 * A.T @ resid / len(resid)
    return float(resid @ resid / len(resid)), grad[:-1], float(grad[-1])
''',
        "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Steps on theta = (w_1, ..., w_D, b); each row of the table is (loss, theta)."""
    D = np.shape(X)[1]
    theta = np.append(np.zeros(D) if w0 is None else w0, b0).astype(float)
    rows = []
    for step in range(num_steps + 1):
        loss, dw, db = mse_gradients_vectorized(theta[:D], theta[D], X, y)
        rows.append(np.concatenate([[loss], theta]))
        if step == num_steps:
            break
        theta = theta - learning_rate * np.append(dw, db)
    table = np.array(rows)
    return theta[:D], float(theta[D]), {"loss": table[:, 0], "w": table[:, 1:-1], "b": table[:, -1]}
''',
    },
    "while_loop": {
        "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives.

    w, b: floats; x, y: (N,) arrays.
    Returns (loss, dw, db): mean((w x + b - y)**2), dL/dw and dL/db, as floats.
    """
    x, y = np.array(x, dtype=float), np.array(y, dtype=float)
    n = x.size
    diff = (w * x + b) - y
    loss = np.dot(diff, diff) / n
    dw = 2.0 / n * np.dot(diff, x)
    db = 2.0 / n * diff.sum()
    return float(loss), float(dw), float(db)
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0).

    x, y: (N,) arrays; learning_rate: the step size; num_steps: the number of updates.
    Returns (w, b, history): the final parameters and a dict of arrays "loss", "w", "b",
    each of length num_steps + 1, entry k being the state after k updates (entry 0: the start).
    """
    history = {"loss": [], "w": [], "b": []}
    w, b = w0, b0
    step = 0
    while True:
        loss, dw, db = mse_gradients(w, b, x, y)
        for key, value in (("loss", loss), ("w", w), ("b", b)):
            history[key].append(value)
        if step == num_steps:
            break
        w, b = w - learning_rate * dw, b - learning_rate * db
        step += 1
    return w, b, {key: np.asarray(values, dtype=float) for key, values in history.items()}
''',
        "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """MSE of the linear model X w + b on the examples (X, y), and its gradient.

    w: (D,) weights; b: float bias; X: (N, D) examples, one per row; y: (N,) targets.
    Returns (loss, dw, db): mean((X w + b - y)**2) as a float, dL/dw = 2/N X^T r of shape (D,),
    and dL/db = 2/N sum(r) as a float, with r = X w + b - y.
    """
    X, y = np.array(X, dtype=float), np.array(y, dtype=float)
    n = y.size
    diff = np.dot(X, w) + b - y
    loss = np.dot(diff, diff) / n
    dw = 2.0 / n * np.dot(diff, X)  # diff as a row: the same as X^T diff
    db = 2.0 / n * diff.sum()
    return float(loss), dw, float(db)
''',
        "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the linear model X w + b, from (w0, b0).

    X: (N, D); y: (N,); w0: (D,) starting weights (None: zeros), left unchanged; b0: float.
    Returns (w, b, history): the final w (D,) and b, and a dict of arrays "loss" (num_steps + 1,),
    "w" (num_steps + 1, D) and "b" (num_steps + 1,), entry k being the state after k updates.
    """
    history = {"loss": [], "w": [], "b": []}
    if w0 is None:
        w0 = np.zeros(len(X[0]))
    w, b = np.copy(w0).astype(float), b0
    step = 0
    while True:
        loss, dw, db = mse_gradients_vectorized(w, b, X, y)
        for key, value in (("loss", loss), ("w", w.copy()), ("b", b)):
            history[key].append(value)
        if step == num_steps:
            break
        w -= learning_rate * dw
        b -= learning_rate * db
        step += 1
    return w, b, {key: np.asarray(values, dtype=float) for key, values in history.items()}
''',
    },
    "helpers": {
        "mse_gradients": '''def _line_residuals(w, b, x, y):
    """Prediction minus target at every point."""
    return w * np.asarray(x, dtype=float) + b - np.asarray(y, dtype=float)


def mse_gradients(w, b, x, y):
    """Loss and both partial derivatives from the residuals."""
    res = _line_residuals(w, b, x, y)
    xs = np.asarray(x, dtype=float)
    return float((res ** 2).mean()), float((2 * res * xs).mean()), float((2 * res).mean())
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Gradient descent; `record` keeps the state before each update and after the last."""
    trace = {"loss": [], "w": [], "b": []}

    def record(w, b):
        trace["loss"].append(mse_gradients(w, b, x, y)[0])
        trace["w"].append(w)
        trace["b"].append(b)

    w, b = w0, b0
    for _ in range(num_steps):
        record(w, b)
        _, dw, db = mse_gradients(w, b, x, y)
        w, b = w - learning_rate * dw, b - learning_rate * db
    record(w, b)
    return w, b, {name: np.array(values) for name, values in trace.items()}
''',
        "mse_gradients_vectorized": '''def _model_residuals(w, b, X, y):
    """X w + b - y: one residual per example (row of X)."""
    return np.matmul(X, w) + b - np.asarray(y, dtype=float)


def mse_gradients_vectorized(w, b, X, y):
    """The loss, then dw[d] = 2/N sum_n r[n] X[n, d] by einsum, then db."""
    res = _model_residuals(w, b, X, y)
    scale = 2.0 / res.size
    dw = scale * np.einsum("n,nd->d", res, X)
    return float(np.square(res).mean()), dw, scale * float(res.sum())
''',
        "gradient_descent_vectorized": '''def _start_weights(w0, num_features):
    """A fresh float copy of w0, or zeros: the caller's array is never touched."""
    if w0 is None:
        return np.zeros(num_features)
    return np.array(w0, dtype=float, copy=True)


def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """gradient_descent for a weight vector: the same `record` helper."""
    trace = {"loss": [], "w": [], "b": []}

    def record(w, b):
        trace["loss"].append(mse_gradients_vectorized(w, b, X, y)[0])
        trace["w"].append(w)
        trace["b"].append(b)

    w, b = _start_weights(w0, np.shape(X)[1]), b0
    for _ in range(num_steps):
        record(w, b)
        _, dw, db = mse_gradients_vectorized(w, b, X, y)
        w, b = w - learning_rate * dw, b - learning_rate * db
    record(w, b)
    return w, b, {name: np.array(values) for name, values in trace.items()}
''',
    },
    "explicit_loops": {
        "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives.

    w, b: floats; x, y: (N,) arrays.
    Returns (loss, dw, db): mean((w x + b - y)**2), dL/dw and dL/db, as floats.
    """
    N = len(x)
    L = 0
    dL_dw = 0
    dL_db = 0
    for i in range(N):
        prediction = w * x[i] + b
        L = L + (prediction - y[i]) ** 2
        dL_dw = dL_dw + 2 * (prediction - y[i]) * x[i]
        dL_db = dL_db + 2 * (prediction - y[i])
    return float(L / N), float(dL_dw / N), float(dL_db / N)
''',
        "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0).

    x, y: (N,) arrays; learning_rate: the step size; num_steps: the number of updates.
    Returns (w, b, history): the final parameters and a dict of arrays "loss", "w", "b",
    each of length num_steps + 1, entry k being the state after k updates (entry 0: the start).
    """
    w = w0
    b = b0
    L_list = [mse_gradients(w, b, x, y)[0]]
    w_list = [w]
    b_list = [b]
    for i in range(num_steps):
        L, dL_dw, dL_db = mse_gradients(w, b, x, y)
        w_new = w - learning_rate * dL_dw
        b_new = b - learning_rate * dL_db
        w = w_new
        b = b_new
        L_list.append(mse_gradients(w, b, x, y)[0])
        w_list.append(w)
        b_list.append(b)
    history = {}
    history["loss"] = np.array(L_list)
    history["w"] = np.array(w_list)
    history["b"] = np.array(b_list)
    return w, b, history
''',
        "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """MSE of the linear model X w + b on the examples (X, y), and its gradient.

    w: (D,) weights; b: float bias; X: (N, D) examples, one per row; y: (N,) targets.
    Returns (loss, dw, db): mean((X w + b - y)**2) as a float, dL/dw = 2/N X^T r of shape (D,),
    and dL/db = 2/N sum(r) as a float, with r = X w + b - y.
    """
    N = X.shape[0]
    predictions = X @ w + b
    errors = predictions - y
    L = np.sum(errors ** 2) / N
    dL_dw = 2 * (X.T @ errors) / N
    dL_db = 2 * np.sum(errors) / N
    return float(L), dL_dw, float(dL_db)
''',
        "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the linear model X w + b, from (w0, b0).

    X: (N, D); y: (N,); w0: (D,) starting weights (None: zeros), left unchanged; b0: float.
    Returns (w, b, history): the final w (D,) and b, and a dict of arrays "loss" (num_steps + 1,),
    "w" (num_steps + 1, D) and "b" (num_steps + 1,), entry k being the state after k updates.
    """
    D = X.shape[1]
    if w0 is None:
        w = np.zeros(D)
    else:
        w = np.array(w0, dtype=float)
    b = b0
    w_rows = np.zeros((num_steps + 1, D))
    w_rows[0] = w
    L_list = [mse_gradients_vectorized(w, b, X, y)[0]]
    b_list = [b]
    for i in range(num_steps):
        L, dL_dw, dL_db = mse_gradients_vectorized(w, b, X, y)
        w_new = w - learning_rate * dL_dw
        b_new = b - learning_rate * dL_db
        w = w_new
        b = b_new
        L_list.append(mse_gradients_vectorized(w, b, X, y)[0])
        w_rows[i + 1] = w
        b_list.append(b)
    history = {}
    history["loss"] = np.array(L_list)
    history["w"] = w_rows
    history["b"] = np.array(b_list)
    return w, b, history
''',
    },
}

COPIES = {
    # sums_preallocated with every name changed
    "renamed": {
        "of": "sums_preallocated",
        "cells": {
            "mse_gradients": '''def mse_gradients(w, b, x, y):
    """Loss and gradient."""
    count = len(x)
    acc = 0.0
    g1 = 0.0
    g2 = 0.0
    for u, v in zip(x, y):
        e = w * u + b - v
        acc += e * e
        g1 += 2 * e * u
        g2 += 2 * e
    return acc / count, g1 / count, g2 / count
''',
            "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Gradient descent."""
    L_hist = np.zeros(num_steps + 1)
    W_hist = np.zeros(num_steps + 1)
    B_hist = np.zeros(num_steps + 1)
    slope = float(w0)
    icpt = float(b0)
    for t in range(num_steps + 1):
        cur, g1, g2 = mse_gradients(slope, icpt, x, y)
        L_hist[t], W_hist[t], B_hist[t] = cur, slope, icpt
        if t < num_steps:
            slope, icpt = slope - learning_rate * g1, icpt - learning_rate * g2
    return slope, icpt, dict(loss=L_hist, w=W_hist, b=B_hist)
''',
            "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """Loss and gradient, D features."""
    m = X.shape[0]
    e = X.dot(w) + b - y
    acc = e.dot(e)
    g1 = 2 * X.T.dot(e)
    g2 = 2 * e.sum()
    return acc / m, g1 / m, g2 / m
''',
            "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Gradient descent, D features."""
    dims = X.shape[1]
    L_hist = np.zeros(num_steps + 1)
    W_hist = np.zeros((num_steps + 1, dims))
    B_hist = np.zeros(num_steps + 1)
    weights = np.zeros(dims)
    if w0 is not None:
        weights[:] = w0
    icpt = float(b0)
    for t in range(num_steps + 1):
        cur, g1, g2 = mse_gradients_vectorized(weights, icpt, X, y)
        L_hist[t], W_hist[t], B_hist[t] = cur, weights, icpt
        if t < num_steps:
            weights -= learning_rate * g1
            icpt -= learning_rate * g2
    return weights, icpt, dict(loss=L_hist, w=W_hist, b=B_hist)
''',
        },
    },
    # helpers with gradient_descent first (the student moved it up), the helper after
    # mse_gradients, independent statements swapped and comments added
    "reordered": {
        "of": "helpers",
        "cells": {
            "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Gradient descent."""
    trace = {"loss": [], "w": [], "b": []}

    # store the state (loss computed at that state)
    def record(w, b):
        trace["loss"].append(mse_gradients(w, b, x, y)[0])
        trace["w"].append(w)
        trace["b"].append(b)

    w, b = w0, b0
    for _ in range(num_steps):
        record(w, b)
        # both derivatives at the same (w, b), then one step
        _, dw, db = mse_gradients(w, b, x, y)
        w, b = w - learning_rate * dw, b - learning_rate * db
    # the final state too: num_steps + 1 entries
    record(w, b)
    return w, b, {name: np.array(values) for name, values in trace.items()}
''',
            "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Gradient descent with a vector of weights."""
    trace = {"loss": [], "w": [], "b": []}

    # the same recorder as above
    def record(w, b):
        trace["loss"].append(mse_gradients_vectorized(w, b, X, y)[0])
        trace["w"].append(w)
        trace["b"].append(b)

    # w0 may be None
    w, b = _start_weights(w0, np.shape(X)[1]), b0
    for _ in range(num_steps):
        record(w, b)
        _, dw, db = mse_gradients_vectorized(w, b, X, y)
        # w - ... makes a new array, so the recorded rows stay as they were
        w, b = w - learning_rate * dw, b - learning_rate * db
    record(w, b)
    return w, b, {name: np.array(values) for name, values in trace.items()}


def _start_weights(w0, num_features):
    # zeros, or a copy of w0 (never w0 itself)
    if w0 is None:
        return np.zeros(num_features)
    return np.array(w0, dtype=float, copy=True)
''',
            "mse_gradients": '''def mse_gradients(w, b, x, y):
    """Loss and both partial derivatives from the residuals."""
    xs = np.asarray(x, dtype=float)
    res = _line_residuals(w, b, x, y)
    # mean of r^2, of 2 r x and of 2 r
    return float((res ** 2).mean()), float((2 * res * xs).mean()), float((2 * res).mean())


def _line_residuals(w, b, x, y):
    # w x + b - y, as floats
    return w * np.asarray(x, dtype=float) + b - np.asarray(y, dtype=float)
''',
            "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """Loss and gradient for D features."""
    res = _model_residuals(w, b, X, y)
    # 2/N in front of both derivatives
    scale = 2.0 / res.size
    dw = scale * np.einsum("n,nd->d", res, X)
    return float(np.square(res).mean()), dw, scale * float(res.sum())


def _model_residuals(w, b, X, y):
    # one residual per row of X
    return np.matmul(X, w) + b - np.asarray(y, dtype=float)
''',
        },
    },
    # gradient_descent and gradient_descent_vectorized of explicit_loops; the two mse_gradients
    # functions written by the copier
    "half": {
        "of": "explicit_loops",
        "cells": {
            "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE and its gradient with respect to w and b."""
    pts = np.stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    r = w * pts[0] + b - pts[1]
    return float(np.average(np.square(r))), float(np.average(2 * r * pts[0])), float(np.average(2 * r))
''',
            "mse_gradients_vectorized": '''def mse_gradients_vectorized(w, b, X, y):
    """MSE and its gradient for D features."""
    A = np.asarray(X, dtype=float)
    r = np.matmul(A, w) + b - np.asarray(y, dtype=float)
    return float(np.average(np.square(r))), np.matmul(r, A) * (2 / len(r)), float(np.average(2 * r))
''',
            "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0).

    x, y: (N,) arrays; learning_rate: the step size; num_steps: the number of updates.
    Returns (w, b, history): the final parameters and a dict of arrays "loss", "w", "b",
    each of length num_steps + 1, entry k being the state after k updates (entry 0: the start).
    """
    w = w0
    b = b0
    L_list = [mse_gradients(w, b, x, y)[0]]
    w_list = [w]
    b_list = [b]
    for i in range(num_steps):
        L, dL_dw, dL_db = mse_gradients(w, b, x, y)
        w_new = w - learning_rate * dL_dw
        b_new = b - learning_rate * dL_db
        w = w_new
        b = b_new
        L_list.append(mse_gradients(w, b, x, y)[0])
        w_list.append(w)
        b_list.append(b)
    history = {}
    history["loss"] = np.array(L_list)
    history["w"] = np.array(w_list)
    history["b"] = np.array(b_list)
    return w, b, history
''',
            "gradient_descent_vectorized": '''def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the linear model X w + b, from (w0, b0).

    X: (N, D); y: (N,); w0: (D,) starting weights (None: zeros), left unchanged; b0: float.
    Returns (w, b, history): the final w (D,) and b, and a dict of arrays "loss" (num_steps + 1,),
    "w" (num_steps + 1, D) and "b" (num_steps + 1,), entry k being the state after k updates.
    """
    D = X.shape[1]
    if w0 is None:
        w = np.zeros(D)
    else:
        w = np.array(w0, dtype=float)
    b = b0
    w_rows = np.zeros((num_steps + 1, D))
    w_rows[0] = w
    L_list = [mse_gradients_vectorized(w, b, X, y)[0]]
    b_list = [b]
    for i in range(num_steps):
        L, dL_dw, dL_db = mse_gradients_vectorized(w, b, X, y)
        w_new = w - learning_rate * dL_dw
        b_new = b - learning_rate * dL_db
        w = w_new
        b = b_new
        L_list.append(mse_gradients_vectorized(w, b, X, y)[0])
        w_rows[i + 1] = w
        b_list.append(b)
    history = {}
    history["loss"] = np.array(L_list)
    history["w"] = w_rows
    history["b"] = np.array(b_list)
    return w, b, history
''',
        },
    },
    # losslab/linear_regression.py pasted with its argument checks dropped and every name changed:
    # its loop _descend (as _run) with both gradient descents that call it, and the helper
    # _vectorized_gradients (as _grads)
    "course": {
        "of": "course:losslab.linear_regression",
        "cells": {
            "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on points (x, y), and its partial derivatives."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    r = w * x + b - y
    return (
        float(np.mean(r**2)),
        float(2.0 * np.mean(r * x)),
        float(2.0 * np.mean(r)),
    )
''',
            "gradient_descent": '''def _run(resid_at, grads_at, wt, c, learning_rate, num_steps):
    """The gradient-descent loop: resid_at(wt, c) -> r (N,); grads_at(r) -> (dw, db)."""
    hist = {
        "loss": np.empty(num_steps + 1),
        "w": np.empty((num_steps + 1, *np.shape(wt))),
        "b": np.empty(num_steps + 1),
    }
    for t in range(num_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            r = resid_at(wt, c)
            cur = float(np.mean(r**2))
        if not np.isfinite(cur):
            raise ValueError(
                f"learning_rate = {learning_rate} diverges on this data: the loss overflowed "
                f"after {t} steps; try a smaller learning rate"
            )
        hist["loss"][t], hist["w"][t], hist["b"][t] = cur, wt, c
        if t == num_steps:
            break
        gw, gb = grads_at(r)
        with np.errstate(over="ignore", invalid="ignore"):
            wt, c = wt - learning_rate * gw, c - learning_rate * gb
    return wt, c, hist


def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of y = w x + b, from (w0, b0)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slope, icpt = float(w0), float(b0)

    def resid_at(slope, icpt):
        return slope * x + icpt - y

    def grads_at(r):
        return 2.0 * float(np.mean(r * x)), 2.0 * float(np.mean(r))

    return _run(resid_at, grads_at, slope, icpt, learning_rate, num_steps)
''',
            "mse_gradients_vectorized": '''def _grads(A, r):
    """(dL/dw, dL/db) = (2/N A^T r, 2/N sum r) for the residual r = A w + c - tgt."""
    return 2.0 / A.shape[0] * (A.T @ r), 2.0 * float(np.mean(r))


def mse_gradients_vectorized(w, b, X, y):
    """MSE of the linear model X w + b, and its gradient, for D features at once."""
    A = np.asarray(X, dtype=float)
    tgt = np.asarray(y, dtype=float)
    r = A @ w + b - tgt
    gw, gb = _grads(A, r)
    return float(np.mean(r**2)), gw, gb
''',
            "gradient_descent_vectorized": '''from functools import partial


def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of X w + b, for D features, from (w0, b0)."""
    A = np.asarray(X, dtype=float)
    tgt = np.asarray(y, dtype=float)
    d = A.shape[1]
    wt = np.zeros(d) if w0 is None else np.asarray(w0, dtype=float).astype(np.float64)
    c = float(b0)

    def resid_at(wt, c):
        return A @ wt + c - tgt

    return _run(resid_at, partial(_grads, A), wt, c, learning_rate, num_steps)
''',
        },
    },
}
