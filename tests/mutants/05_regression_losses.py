"""Wrong implementations of assignment 05 and the test cells each must lose.

Each entry replaces one solution cell of solutions/05_regression_losses with
a realistic mistake; tests/test_assignments.py autogrades it and checks that
exactly the ``fails`` cells score 0 and every other test cell scores full.
"""

_SHAPE_CHECK = '''    if pred.shape != target.shape:
        raise ValueError(f"pred has shape {pred.shape} but target has shape {target.shape}")
'''

MUTANTS = [
    {
        "name": "mse_sum_instead_of_mean",
        "message": r"got 1\.5,.*\n.*1\.5 is the sum \(divide by n\)",
        "cell": "mse_loss",
        "source": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient."""
''' + _SHAPE_CHECK + '''    r = pred - target
    return float(np.sum(r**2)), 2.0 * r
''',
        "fails": ["test_mse_loss", "test_mse_grad"],
    },
    {
        "name": "mse_broadcasts_n1_against_n",
        "message": r"\(4, 1\) - \(4,\) broadcasts to \(4, 4\)",
        "cell": "mse_loss",
        "source": '''def mse_loss(pred, target):
    """Mean squared error of pred against target, and its gradient."""
    r = pred - target
    return float(np.mean(r**2)), 2.0 * r / r.size
''',
        # right for equal shapes; (4, 1) - (4,) silently becomes (4, 4)
        "fails": ["test_same_shape"],
    },
    {
        "name": "mae_gradient_without_1_over_n",
        "message": r"4 times too large means no / n",
        "cell": "mae_loss",
        "source": '''def mae_loss(pred, target):
    """Mean absolute error of pred against target, and its subgradient."""
''' + _SHAPE_CHECK + '''    r = pred - target
    return float(np.mean(np.abs(r))), np.sign(r)
''',
        "fails": ["test_mae_grad"],
    },
    {
        "name": "mape_as_percentage",
        "message": r"32\.7 is a percentage: return the fraction",
        "cell": "mape_loss",
        "source": '''def mape_loss(pred, target):
    """Mean absolute percentage error of pred against target, and its subgradient."""
''' + _SHAPE_CHECK + '''    if np.any(target == 0):
        raise ValueError("target must not contain zeros")
    r = pred - target
    return float(100 * np.mean(np.abs(r) / np.abs(target))), 100 * np.sign(r) / (np.abs(target) * r.size)
''',
        "fails": ["test_mape_loss", "test_mape_grad"],
    },
    {
        "name": "mape_divides_by_zero_target",
        "message": r"check for target == 0 before dividing",
        "cell": "mape_loss",
        "source": '''def mape_loss(pred, target):
    """Mean absolute percentage error of pred against target, and its subgradient."""
''' + _SHAPE_CHECK + '''    r = pred - target
    return float(np.mean(np.abs(r) / np.abs(target))), np.sign(r) / (np.abs(target) * r.size)
''',
        # inf and a divide-by-zero warning instead of a ValueError naming target
        "fails": ["test_mape_zero_target"],
    },
    {
        "name": "huber_without_the_half",
        "message": r"got 1\.0625.*\n.*1\.0625 means r\*\*2 instead of r\*\*2 / 2",
        "cell": "huber_loss",
        "source": '''def huber_loss(pred, target, delta=1.0):
    """Huber loss of pred against target, and its gradient."""
''' + _SHAPE_CHECK + '''    r = pred - target
    losses = np.where(np.abs(r) <= delta, r**2, delta * (np.abs(r) - 0.5 * delta))
    return float(np.mean(losses)), np.clip(r, -delta, delta) / r.size
''',
        # r**2 inside instead of r**2 / 2 (the gradient is right)
        "fails": ["test_huber_loss"],
    },
]
