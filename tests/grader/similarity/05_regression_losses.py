"""Assignment 05 (regression losses): independent correct solutions, and copies of them.

The hardest case for a detector: four short functions whose correct solutions the task almost
dictates (the residual, a mean, a sign, a clip, the same shape check in each). INDEPENDENT: six
students who each wrote the four solution cells on their own: the checks written out in every
function, a shared validation helper, sums over n, Python loops over the flattened arrays,
array methods, and boolean masks. Every one passes the assignment's checks
(tests/test_similarity.py runs them against the reference).

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them.
"""

INDEPENDENT = {
    "checks_inline": {
        "mse_loss": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(r**2) with r = pred - target, and 2 r / n (shape of pred).
    """
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    r = pred - target
    n = r.size
    return float(np.mean(r ** 2)), 2 * r / n
''',
        "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(|r|) with r = pred - target, and sign(r) / n.
    """
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    r = pred - target
    n = r.size
    return float(np.mean(np.abs(r))), np.sign(r) / n
''',
        "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error (a fraction) of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise); no target may be 0
    (a ValueError naming target otherwise).
    Returns (loss, dpred): mean(|r| / |target|), and sign(r) / (|target| n).
    """
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    if np.any(target == 0):
        raise ValueError("target contains a zero: MAPE is undefined there")
    r = pred - target
    n = r.size
    return float(np.mean(np.abs(r) / np.abs(target))), np.sign(r) / (np.abs(target) * n)
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target (quadratic within delta, linear beyond), and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise); delta > 0.
    Returns (loss, dpred): the mean of r**2 / 2 (|r| <= delta) or delta (|r| - delta / 2),
    and clip(r, -delta, delta) / n.
    """
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"pred and target must have the same shape, got {pred.shape} and {target.shape}")
    r = pred - target
    n = r.size
    small = np.abs(r) <= delta
    losses = np.where(small, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta))
    return float(np.mean(losses)), np.clip(r, -delta, delta) / n
''',
    },
    "validate_helper": {
        "mse_loss": '''def _residual(pred, target):
    """pred - target as floats, after checking that the shapes agree."""
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.shape != target.shape:
        raise ValueError(f"shape mismatch: pred {pred.shape} vs target {target.shape}")
    return pred - target


def mse_loss(pred, target):
    """MSE and its gradient."""
    res = _residual(pred, target)
    return float((res * res).mean()), 2.0 * res / res.size
''',
        "mae_loss": '''def mae_loss(pred, target):
    """MAE and its subgradient."""
    res = _residual(pred, target)
    return float(np.abs(res).mean()), np.sign(res) / res.size
''',
        "mape_loss": '''def mape_loss(pred, target):
    """MAPE as a fraction, and its subgradient."""
    res = _residual(pred, target)
    denom = np.abs(np.asarray(target, dtype=float))
    if (denom == 0).any():
        raise ValueError("target must not contain zeros for MAPE")
    return float((np.abs(res) / denom).mean()), np.sign(res) / denom / res.size
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss and its gradient."""
    res = _residual(pred, target)
    a = np.abs(res)
    quad = np.minimum(a, delta)
    lin = a - quad
    losses = 0.5 * quad ** 2 + delta * lin
    return float(losses.mean()), np.clip(res, -delta, delta) / res.size
''',
    },
    "sum_over_n": {
        "mse_loss": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient."""
    if np.shape(pred) != np.shape(target):
        raise ValueError("pred and target need identical shapes")
    diff = np.subtract(pred, target, dtype=float)
    count = diff.size
    return np.sum(np.square(diff)) / count, 2 * diff / count
''',
        "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient."""
    if np.shape(pred) != np.shape(target):
        raise ValueError("pred and target need identical shapes")
    diff = np.subtract(pred, target, dtype=float)
    count = diff.size
    return np.sum(np.abs(diff)) / count, np.sign(diff) / count
''',
        "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error, and its subgradient."""
    if np.shape(pred) != np.shape(target):
        raise ValueError("pred and target need identical shapes")
    t = np.asarray(target, dtype=float)
    if np.count_nonzero(t) < t.size:
        raise ValueError("every target must be nonzero (MAPE divides by |target|)")
    diff = np.subtract(pred, t, dtype=float)
    count = diff.size
    return np.sum(np.abs(diff) / np.abs(t)) / count, np.sign(diff) / np.abs(t) / count
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss and its gradient, summed then divided by n."""
    if np.shape(pred) != np.shape(target):
        raise ValueError("pred and target need identical shapes")
    diff = np.subtract(pred, target, dtype=float)
    count = diff.size
    inner = np.abs(diff) <= delta
    total = np.sum(0.5 * diff[inner] ** 2) + np.sum(delta * (np.abs(diff[~inner]) - delta / 2))
    grad = np.where(inner, diff, delta * np.sign(diff))
    return total / count, grad / count
''',
    },
    "python_loops": {
        "mse_loss": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(r**2) with r = pred - target, and 2 r / n (shape of pred).
    """
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        e = flat_p[i] - flat_t[i]
        total += e * e
        grad[i] = 2 * e / p.size
    return total / p.size, grad.reshape(p.shape)
''',
        "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(|r|) with r = pred - target, and sign(r) / n.
    """
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        e = flat_p[i] - flat_t[i]
        total += abs(e)
        if e > 0:
            grad[i] = 1 / p.size
        elif e < 0:
            grad[i] = -1 / p.size
    return total / p.size, grad.reshape(p.shape)
''',
        "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error (a fraction) of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise); no target may be 0
    (a ValueError naming target otherwise).
    Returns (loss, dpred): mean(|r| / |target|), and sign(r) / (|target| n).
    """
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        if flat_t[i] == 0:
            raise ValueError("target has a 0 at flat index " + str(i))
        e = flat_p[i] - flat_t[i]
        total += abs(e) / abs(flat_t[i])
        if e != 0:
            grad[i] = (1 if e > 0 else -1) / (abs(flat_t[i]) * p.size)
    return total / p.size, grad.reshape(p.shape)
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target (quadratic within delta, linear beyond), and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise); delta > 0.
    Returns (loss, dpred): the mean of r**2 / 2 (|r| <= delta) or delta (|r| - delta / 2),
    and clip(r, -delta, delta) / n.
    """
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        e = flat_p[i] - flat_t[i]
        if abs(e) <= delta:
            total += e * e / 2
            grad[i] = e / p.size
        else:
            total += delta * (abs(e) - delta / 2)
            grad[i] = delta * (1 if e > 0 else -1) / p.size
    return total / p.size, grad.reshape(p.shape)
''',
    },
    "array_methods": {
        "mse_loss": '''def mse_loss(pred, target):
    """(loss, dpred) of the mean squared error."""
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    if pred.shape != target.shape:
        raise ValueError("pred.shape != target.shape")
    err = pred - target
    return (err ** 2).mean().item(), err * (2.0 / err.size)
''',
        "mae_loss": '''def mae_loss(pred, target):
    """(loss, dpred) of the mean absolute error."""
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    if pred.shape != target.shape:
        raise ValueError("pred.shape != target.shape")
    err = pred - target
    return abs(err).mean().item(), np.sign(err) * (1.0 / err.size)
''',
        "mape_loss": '''def mape_loss(pred, target):
    """(loss, dpred) of the mean absolute percentage error, a fraction."""
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    if pred.shape != target.shape:
        raise ValueError("pred.shape != target.shape")
    if not target.all():
        raise ValueError("target must be nonzero everywhere")
    err = pred - target
    scale = abs(target)
    return (abs(err) / scale).mean().item(), np.sign(err) / scale * (1.0 / err.size)
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """(loss, dpred) of the Huber loss."""
    pred, target = np.asarray(pred, float), np.asarray(target, float)
    if pred.shape != target.shape:
        raise ValueError("pred.shape != target.shape")
    err = pred - target
    size = abs(err)
    per = np.where(size > delta, delta * size - 0.5 * delta ** 2, 0.5 * err ** 2)
    return per.mean().item(), err.clip(-delta, delta) * (1.0 / err.size)
''',
    },
    "boolean_masks": {
        "mse_loss": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(r**2) with r = pred - target, and 2 r / n (shape of pred).
    """
    yhat = np.array(pred, dtype=np.float64)
    ytrue = np.array(target, dtype=np.float64)
    if yhat.shape != ytrue.shape:
        raise ValueError(f"pred {yhat.shape} and target {ytrue.shape} differ in shape")
    gap = ytrue - yhat
    loss = np.dot(gap.ravel(), gap.ravel()) / gap.size
    return float(loss), -2.0 * gap / gap.size
''',
        "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise).
    Returns (loss, dpred): mean(|r|) with r = pred - target, and sign(r) / n.
    """
    yhat = np.array(pred, dtype=np.float64)
    ytrue = np.array(target, dtype=np.float64)
    if yhat.shape != ytrue.shape:
        raise ValueError(f"pred {yhat.shape} and target {ytrue.shape} differ in shape")
    grad = np.zeros_like(yhat)
    grad[yhat > ytrue] = 1.0
    grad[yhat < ytrue] = -1.0
    return float(np.average(np.fabs(yhat - ytrue))), grad / yhat.size
''',
        "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error (a fraction) of pred against target, and its subgradient.

    pred, target: arrays of the same shape (a ValueError otherwise); no target may be 0
    (a ValueError naming target otherwise).
    Returns (loss, dpred): mean(|r| / |target|), and sign(r) / (|target| n).
    """
    yhat = np.array(pred, dtype=np.float64)
    ytrue = np.array(target, dtype=np.float64)
    if yhat.shape != ytrue.shape:
        raise ValueError(f"pred {yhat.shape} and target {ytrue.shape} differ in shape")
    zeros = ytrue == 0
    if zeros.any():
        raise ValueError(f"target is zero at {np.flatnonzero(zeros).tolist()}")
    ratio = np.fabs(yhat - ytrue) / np.fabs(ytrue)
    grad = np.zeros_like(yhat)
    grad[yhat > ytrue] = 1.0
    grad[yhat < ytrue] = -1.0
    return float(np.average(ratio)), grad / np.fabs(ytrue) / yhat.size
''',
        "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target (quadratic within delta, linear beyond), and its gradient.

    pred, target: arrays of the same shape (a ValueError otherwise); delta > 0.
    Returns (loss, dpred): the mean of r**2 / 2 (|r| <= delta) or delta (|r| - delta / 2),
    and clip(r, -delta, delta) / n.
    """
    yhat = np.array(pred, dtype=np.float64)
    ytrue = np.array(target, dtype=np.float64)
    if yhat.shape != ytrue.shape:
        raise ValueError(f"pred {yhat.shape} and target {ytrue.shape} differ in shape")
    e = yhat - ytrue
    out = np.fabs(e) > delta
    values = 0.5 * e * e
    values[out] = delta * (np.fabs(e[out]) - 0.5 * delta)
    grad = e.copy()
    grad[e > delta] = delta
    grad[e < -delta] = -delta
    return float(np.average(values)), grad / e.size
''',
    },
}

COPIES = {
    # array_methods with every name changed
    "renamed": {
        "of": "array_methods",
        "cells": {
            "mse_loss": '''def mse_loss(pred, target):
    """MSE."""
    p, t = np.asarray(pred, float), np.asarray(target, float)
    if p.shape != t.shape:
        raise ValueError("shapes differ")
    d = p - t
    return (d ** 2).mean().item(), d * (2.0 / d.size)
''',
            "mae_loss": '''def mae_loss(pred, target):
    """MAE."""
    p, t = np.asarray(pred, float), np.asarray(target, float)
    if p.shape != t.shape:
        raise ValueError("shapes differ")
    d = p - t
    return abs(d).mean().item(), np.sign(d) * (1.0 / d.size)
''',
            "mape_loss": '''def mape_loss(pred, target):
    """MAPE."""
    p, t = np.asarray(pred, float), np.asarray(target, float)
    if p.shape != t.shape:
        raise ValueError("shapes differ")
    if not t.all():
        raise ValueError("target has zeros")
    d = p - t
    denom = abs(t)
    return (abs(d) / denom).mean().item(), np.sign(d) / denom * (1.0 / d.size)
''',
            "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber."""
    p, t = np.asarray(pred, float), np.asarray(target, float)
    if p.shape != t.shape:
        raise ValueError("shapes differ")
    d = p - t
    mag = abs(d)
    vals = np.where(mag > delta, delta * mag - 0.5 * delta ** 2, 0.5 * d ** 2)
    return vals.mean().item(), d.clip(-delta, delta) * (1.0 / d.size)
''',
        },
    },
    # validate_helper with the functions in another order (Huber first, the helper last but one),
    # independent statements swapped and comments everywhere
    "reordered": {
        "of": "validate_helper",
        "cells": {
            "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss and its gradient."""
    res = _residual(pred, target)
    # |r| split into the part inside delta and the part beyond it
    a = np.abs(res)
    quad = np.minimum(a, delta)
    lin = a - quad
    # quadratic inside, linear outside
    losses = 0.5 * quad ** 2 + delta * lin
    return float(losses.mean()), np.clip(res, -delta, delta) / res.size
''',
            "mape_loss": '''def mape_loss(pred, target):
    """MAPE as a fraction, and its subgradient."""
    denom = np.abs(np.asarray(target, dtype=float))
    # MAPE divides by |target|
    if (denom == 0).any():
        raise ValueError("target must not contain zeros for MAPE")
    res = _residual(pred, target)
    return float((np.abs(res) / denom).mean()), np.sign(res) / denom / res.size
''',
            "mse_loss": '''def _residual(pred, target):
    """pred - target as floats, after checking that the shapes agree."""
    target = np.asarray(target, dtype=float)
    pred = np.asarray(pred, dtype=float)
    # no broadcasting: (4, 1) against (4,) must fail
    if pred.shape != target.shape:
        raise ValueError(f"shape mismatch: pred {pred.shape} vs target {target.shape}")
    return pred - target


def mse_loss(pred, target):
    """MSE and its gradient."""
    res = _residual(pred, target)
    # d/dr of r^2 is 2r
    return float((res * res).mean()), 2.0 * res / res.size
''',
            "mae_loss": '''def mae_loss(pred, target):
    """MAE and its subgradient."""
    res = _residual(pred, target)
    # sign(0) = 0: the subgradient at a perfect prediction
    return float(np.abs(res).mean()), np.sign(res) / res.size
''',
        },
    },
    # mse_loss and huber_loss of python_loops; mae_loss and mape_loss written by the copier
    "half": {
        "of": "python_loops",
        "cells": {
            "mse_loss": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient."""
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        e = flat_p[i] - flat_t[i]
        total += e * e
        grad[i] = 2 * e / p.size
    return total / p.size, grad.reshape(p.shape)
''',
            "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error."""
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.ndim != target.ndim or pred.shape != target.shape:
        raise ValueError("mae_loss: pred and target shapes must match")
    gaps = pred - target
    return float(np.linalg.norm(gaps.ravel(), 1) / gaps.size), np.sign(gaps) / gaps.size
''',
            "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error."""
    pred = np.asarray(pred, dtype=float)
    target = np.asarray(target, dtype=float)
    if pred.ndim != target.ndim or pred.shape != target.shape:
        raise ValueError("mape_loss: pred and target shapes must match")
    if np.isin(0.0, target):
        raise ValueError("mape_loss: target has a zero entry")
    rel = (pred - target) / np.abs(target)
    return float(np.linalg.norm(rel.ravel(), 1) / rel.size), np.sign(rel) / (np.abs(target) * rel.size)
''',
            "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target (quadratic within delta, linear beyond), and its gradient."""
    p = np.array(pred, dtype=float)
    t = np.array(target, dtype=float)
    if p.shape != t.shape:
        raise ValueError("pred has shape " + str(p.shape) + ", target has shape " + str(t.shape))
    total = 0.0
    grad = np.zeros(p.size)
    flat_p, flat_t = p.ravel(), t.ravel()
    for i in range(p.size):
        e = flat_p[i] - flat_t[i]
        if abs(e) <= delta:
            total += e * e / 2
            grad[i] = e / p.size
        else:
            total += delta * (abs(e) - delta / 2)
            grad[i] = delta * (1 if e > 0 else -1) / p.size
    return total / p.size, grad.reshape(p.shape)
''',
        },
    },
    # losslab/regression.py pasted with its own checks replaced by a plain shape check and every
    # name changed
    "course": {
        "of": "course:losslab.regression",
        "cells": {
            "mse_loss": '''def _diff(pred, target):
    a = np.asarray(pred, dtype=float)
    b = np.asarray(target, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"pred and target must have one shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        raise ValueError("pred and target must hold at least one value, got empty arrays")
    return a - b, b


def mse_loss(pred, target):
    """Mean squared error and its gradient 2 r / n."""
    e, _ = _diff(pred, target)
    return float(np.mean(e * e)), 2.0 * e / e.size
''',
            "mae_loss": '''def mae_loss(pred, target):
    """Mean absolute error and its subgradient sign(r) / n."""
    e, _ = _diff(pred, target)
    return float(np.mean(np.abs(e))), np.sign(e) / e.size
''',
            "mape_loss": '''def mape_loss(pred, target):
    """Mean absolute percentage error (as a fraction) and its subgradient."""
    e, t = _diff(pred, target)
    bad = t == 0
    if bad.any():
        where = tuple(int(k) for k in np.argwhere(bad)[0])
        raise ValueError(
            f"target must be nonzero for MAPE (it divides by |target|), got 0 at index "
            f"{where[0] if len(where) == 1 else where}; use MAE, or drop zero targets"
        )
    denom = np.abs(t)
    return float(np.mean(np.abs(e) / denom)), np.sign(e) / (denom * e.size)
''',
            "huber_loss": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss: quadratic for |r| <= delta, linear beyond, and its gradient."""
    e, _ = _diff(pred, target)
    mag = np.abs(e)
    vals = np.where(mag <= delta, 0.5 * e * e, delta * (mag - 0.5 * delta))
    return float(np.mean(vals)), np.clip(e, -delta, delta) / e.size
''',
        },
    },
}
