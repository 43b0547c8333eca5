"""Wrong implementations of assignment 06 and the test cells each must lose.

Each entry replaces one solution cell of solutions/06_linear_regression_gd
with a realistic mistake; tests/test_assignments.py autogrades it and checks
that exactly the ``fails`` cells score 0 and every other test cell scores full.
The solution's gradient_descent calls mse_gradients, so a wrong gradient also
derails the descent.
"""

MUTANTS = [
    {
        "name": "gradients_missing_factor_2",
        "message": r"got -10\.6,.*\n.*-10\.6 means the factor 2 is missing",
        "cell": "mse_gradients",
        "source": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives."""
    residual = w * x + b - y
    return float(np.mean(residual**2)), float(np.mean(residual * x)), float(np.mean(residual))
''',
        # half the gradient: the first steps are wrong; 1000 steps at half speed still converge
        "fails": ["test_mse_gradients_grad", "test_gd_first_step"],
    },
    {
        "name": "gradients_sign_flipped",
        "message": r"got 21\.2,.*\n.*\+21\.2 means the residual is y - \(w x \+ b\)",
        "cell": "mse_gradients",
        "source": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives."""
    residual = y - (w * x + b)
    return (float(np.mean(residual**2)), float(2 * np.mean(residual * x)),
            float(2 * np.mean(residual)))
''',
        # the loss is right; descent climbs the bowl and overflows
        "fails": ["test_mse_gradients_grad", "test_gd_first_step", "test_gd_converges"],
    },
    {
        "name": "sum_instead_of_mean",
        "message": r"got 94\.7,.*\n.*94\.7 is the sum \(divide by N\)",
        "cell": "mse_gradients",
        "source": '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives."""
    residual = w * x + b - y
    return (float(np.sum(residual**2)), float(2 * np.sum(residual * x)),
            float(2 * np.sum(residual)))
''',
        # N = 5 times too large: the effective learning rate 0.25 diverges
        "fails": ["test_mse_gradients_loss", "test_mse_gradients_grad", "test_gd_first_step",
                  "test_gd_converges"],
    },
    {
        "name": "w_updated_before_db",
        "message": r"0\.368 means dL/db was computed after w had already been updated",
        "cell": "gradient_descent",
        "source": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0)."""
    w, b = w0, b0
    history = {"loss": [mse_gradients(w, b, x, y)[0]], "w": [w], "b": [b]}
    for _ in range(num_steps):
        _, dw, _ = mse_gradients(w, b, x, y)
        w = w - learning_rate * dw
        _, _, db = mse_gradients(w, b, x, y)
        b = b - learning_rate * db
        history["loss"].append(mse_gradients(w, b, x, y)[0])
        history["w"].append(w)
        history["b"].append(b)
    return w, b, {key: np.array(values) for key, values in history.items()}
''',
        # a sequential (Gauss-Seidel) update: a different trajectory that still ends at (2, 1)
        "fails": ["test_gd_first_step"],
    },
    {
        "name": "history_misses_the_start",
        "message": r"3 entries means the start was not recorded",
        "cell": "gradient_descent",
        "source": '''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0)."""
    w, b = w0, b0
    history = {"loss": [], "w": [], "b": []}
    for _ in range(num_steps):
        _, dw, db = mse_gradients(w, b, x, y)
        w, b = w - learning_rate * dw, b - learning_rate * db
        history["loss"].append(mse_gradients(w, b, x, y)[0])
        history["w"].append(w)
        history["b"].append(b)
    return w, b, {key: np.array(values) for key, values in history.items()}
''',
        # num_steps entries instead of num_steps + 1: off by one
        "fails": ["test_gd_history"],
    },
]
