"""Assignment 06 (gradient descent on a line): independent correct solutions, and copies of them.

Two short functions, the first nearly dictated by its formula. INDEPENDENT: six students who each
wrote both cells on their own: numpy means with lists for the history, Python sums with
preallocated arrays, a parameter vector and a design matrix, a while loop, small helpers, and a
beginner's explicit loops. Every one passes the assignment's checks (tests/test_similarity.py runs
them against the reference).

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them. "half" takes gradient_descent,
the larger of the two functions: mse_gradients alone is mostly what its formula dictates.
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
        },
    },
    # gradient_descent of explicit_loops; mse_gradients written by the copier
    "half": {
        "of": "explicit_loops",
        "cells": {
            "mse_gradients": '''def mse_gradients(w, b, x, y):
    """MSE and its gradient with respect to w and b."""
    pts = np.stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
    r = w * pts[0] + b - pts[1]
    return float(np.average(np.square(r))), float(np.average(2 * r * pts[0])), float(np.average(2 * r))
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
        },
    },
    # losslab/linear_regression.py pasted with its argument checks dropped and every name changed
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
            "gradient_descent": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of y = w x + b, from (w0, b0)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    slope, icpt = float(w0), float(b0)
    hist = {name: np.empty(num_steps + 1) for name in ("loss", "w", "b")}
    for t in range(num_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            r = slope * x + icpt - y
            cur = float(np.mean(r**2))
        if not np.isfinite(cur):
            raise ValueError(f"learning_rate = {learning_rate} diverges after {t} steps")
        hist["loss"][t], hist["w"][t], hist["b"][t] = cur, slope, icpt
        if t == num_steps:
            break
        gw = 2.0 * float(np.mean(r * x))
        gb = 2.0 * float(np.mean(r))
        slope, icpt = slope - learning_rate * gw, icpt - learning_rate * gb
    return slope, icpt, hist
''',
        },
    },
}
