"""Known mistakes of assignment 05 (regression losses): the grader names them in the report and in
each student's feedback. See losslab_grader.mistakes for the format."""

import numpy as np
from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

_SHAPE_CHECK = '''if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}")'''

# MSE: the shape check, the mean and the gradient's 1/n are where students go wrong.
_MSE = '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient."""
    {shape_check}
    r = pred - target
    return float(np.{mean}(r**2)), 2.0 * r{per_n}
'''

catalogue.add(
    "mse_sum_instead_of_mean",
    "sums the squared errors instead of averaging them (and drops the 1/n from the gradient)",
    hint="1.5 is the sum (divide by n); 0.612 is the root of the mean (RMSE): no square root",
    fails=["test_mse_loss", "test_mse_grad"],
    shows=r"got 1\.5,.*\n.*1\.5 is the sum \(divide by n\)",
    source=_MSE.format(shape_check=_SHAPE_CHECK, mean="sum", per_n=""),
)
catalogue.add(
    "mse_broadcasts_n1_against_n",
    "does not compare the shapes, so an (N, 1) prediction minus an (N,) target broadcasts to (N, N)",
    hint="(4, 1) - (4,) broadcasts to (4, 4): compare pred.shape with target.shape and raise ValueError",
    # right for equal shapes; (4, 1) - (4,) silently becomes (4, 4)
    fails=["test_same_shape"],
    shows=r"\(4, 1\) - \(4,\) broadcasts to \(4, 4\)",
    source=_MSE.format(shape_check="# (no shape check)", mean="mean", per_n=" / r.size"),
)


@catalogue.mistake(
    "mae_gradient_without_1_over_n",
    "returns sign(r) as the gradient, without the 1/n of the mean",
    hint="4 times too large means no / n; the opposite sign means target - pred; "
         "a nonzero third entry: at r = 0 use 0 (np.sign(0) is 0)",
    fails=["test_mae_grad"],
    shows=r"4 times too large means no / n",
)
def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient."""
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}")
    r = pred - target
    return float(np.mean(np.abs(r))), np.sign(r)


# MAPE: the zero check and the scale of the result are where students go wrong.
_MAPE = '''def mape_loss(pred, target):
    """Mean absolute percentage error of pred against target, and its subgradient."""
    {shape_check}
    {zero_check}
    r = pred - target
    loss = {percent}np.mean(np.abs(r) / np.abs(target))
    return float(loss), {percent}np.sign(r) / (np.abs(target) * r.size)
'''
_ZERO_CHECK = '''if np.any(target == 0):
        raise ValueError("target must not contain zeros")'''

catalogue.add(
    "mape_as_percentage",
    "returns MAPE as a percentage (times 100) instead of a fraction",
    hint="32.7 is a percentage: return the fraction; dividing by pred instead of target gives a different "
         "value; a negative target needs |target|",
    fails=["test_mape_loss", "test_mape_grad", "test_mape_zero_target"],
    shows=r"32\.7 is a percentage: return the fraction",
    source=_MAPE.format(shape_check=_SHAPE_CHECK, zero_check=_ZERO_CHECK, percent="100 * "),
)
catalogue.add(
    "mape_divides_by_zero_target",
    "divides by a target of 0 (inf and a warning) instead of raising a ValueError that names target",
    hint="check for target == 0 before dividing; returning inf (with a warning) is not an answer",
    fails=["test_mape_zero_target"],
    shows=r"check for target == 0 before dividing",
    source=_MAPE.format(shape_check=_SHAPE_CHECK, zero_check="# (no check for target == 0)", percent=""),
)


@catalogue.mistake(
    "huber_without_the_half",
    "uses r**2 instead of r**2 / 2 on the quadratic piece",
    hint="1.0625 means r**2 instead of r**2 / 2 inside; 1.28125 means delta * |r| outside instead of "
         "delta * (|r| - delta / 2)",
    # the gradient is right
    fails=["test_huber_loss"],
    shows=r"got 1\.0625.*\n.*1\.0625 means r\*\*2 instead of r\*\*2 / 2",
)
def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target, and its gradient."""
    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}")
    r = pred - target
    losses = np.where(np.abs(r) <= delta, r**2, delta * (np.abs(r) - 0.5 * delta))
    return float(np.mean(losses)), np.clip(r, -delta, delta) / r.size
