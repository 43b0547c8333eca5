"""Known mistakes of assignment 06 (linear regression by gradient descent): the grader names them in
the report and in each student's feedback. See losslab_grader.mistakes for the format.

The solution's gradient_descent calls mse_gradients (and the vectorized descent calls
mse_gradients_vectorized), so a wrong gradient also derails the descent.
"""

from string import Template

from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

# The scalar loss and gradient: the residual's sign, the factor 2 and the mean are left open.
_MSE = '''def mse_gradients(w, b, x, y):
    """MSE of the line w x + b on the points (x, y), and its partial derivatives."""
    residual = {residual}
    return (float(np.{mean}(residual**2)), float({two}np.{mean}(residual * x)),
            float({two}np.{mean}(residual)))
'''

catalogue.add(
    "gradients_missing_factor_2",
    "leaves out the factor 2 of d(r**2)/dr, so both derivatives are half as large",
    hint="-10.6 means the factor 2 is missing; +21.2 means the residual is y - (w x + b): the sign flips; "
         "-106 means the sum (divide by N); -7.6 means the factor x_i is missing",
    # half the gradient: the first steps are wrong; 1000 steps at half speed still converge
    fails=["test_mse_gradients_grad", "test_gd_first_step"],
    shows=r"got -10\.6,.*\n.*-10\.6 means the factor 2 is missing",
    source=_MSE.format(residual="w * x + b - y", mean="mean", two=""),
)
catalogue.add(
    "gradients_sign_flipped",
    "takes the residual as y - (w x + b), so the derivatives have the wrong sign",
    hint="-10.6 means the factor 2 is missing; +21.2 means the residual is y - (w x + b): the sign flips; "
         "-106 means the sum (divide by N); -7.6 means the factor x_i is missing",
    # the loss is right; descent climbs the bowl and overflows
    fails=["test_mse_gradients_grad", "test_gd_first_step", "test_gd_converges"],
    shows=r"got 21\.2,.*\n.*\+21\.2 means the residual is y - \(w x \+ b\)",
    source=_MSE.format(residual="y - (w * x + b)", mean="mean", two="2 * "),
)
catalogue.add(
    "sum_instead_of_mean",
    "sums over the points instead of averaging, in the loss and in both derivatives",
    hint="94.7 is the sum (divide by N); 9.47 has a 1/2 in front (this course has none); "
         "a negative value means the residuals are not squared",
    # N = 5 times too large: the effective learning rate 0.25 diverges; the history records sums
    fails=["test_mse_gradients_loss", "test_mse_gradients_grad", "test_gd_first_step", "test_gd_history",
           "test_gd_converges"],
    shows=r"got 94\.7,.*\n.*94\.7 is the sum \(divide by N\)",
    source=_MSE.format(residual="w * x + b - y", mean="sum", two="2 * "),
)

# The scalar descent: the history's start and the update are left open ($-placeholders: the code
# holds braces of its own).
_DESCENT = Template('''def gradient_descent(x, y, w0=0.5, b0=0.2, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the line w x + b, from (w0, b0)."""
    w, b = w0, b0
    history = $start
    for _ in range(num_steps):
        $update
        history["loss"].append(mse_gradients(w, b, x, y)[0])
        history["w"].append(w)
        history["b"].append(b)
    return w, b, {key: np.array(values) for key, values in history.items()}
''')
_START = '{"loss": [mse_gradients(w, b, x, y)[0]], "w": [w], "b": [b]}'
_UPDATE = ('_, dw, db = mse_gradients(w, b, x, y)\n'
           '        w, b = w - learning_rate * dw, b - learning_rate * db')

catalogue.add(
    "w_updated_before_db",
    "updates w first and computes dL/db at the new w (a sequential update, not gradient descent)",
    hint="0.368 means dL/db was computed after w had already been updated: compute both derivatives "
         "at the same (w, b) first, then update both",
    # a sequential (Gauss-Seidel) update: a different trajectory that still ends at (2, 1)
    fails=["test_gd_first_step"],
    shows=r"0\.368 means dL/db was computed after w had already been updated",
    source=_DESCENT.substitute(start=_START, update=(
        "_, dw, _ = mse_gradients(w, b, x, y)\n        w = w - learning_rate * dw\n"
        "        _, _, db = mse_gradients(w, b, x, y)\n        b = b - learning_rate * db")),
)
catalogue.add(
    "history_misses_the_start",
    "records the state after each update but not the start (num_steps entries, not num_steps + 1)",
    hint="a numpy array (np.array(list) at the end) with the start as entry 0 and one entry per update: "
         "3 entries means the start was not recorded",
    fails=["test_gd_history"],
    shows=r"3 entries means the start was not recorded",
    source=_DESCENT.substitute(start='{"loss": [], "w": [], "b": []}', update=_UPDATE),
)

# The vectorized loss and gradient: what the mean divides by, the residual and the product for dw.
_VECTORIZED = '''def mse_gradients_vectorized(w, b, X, y):
    """MSE of the linear model X w + b on the examples (X, y), and its gradient."""
    residual = X @ w + b - {target}
    n = {n}
    loss = {loss}
    return float(loss), 2.0 * {product} / n, float(2.0 * np.sum(residual) / n)
'''


def _vectorized(target="y", n="X.shape[0]", loss="np.sum(residual**2) / n", product="X.T @ residual"):
    return _VECTORIZED.format(target=target, n=n, loss=loss, product=product)


_LOSS_HINT = ("59.8 is the sum (divide by N = 7); 19.9 divides by D = 3 = X.shape[1], the number of "
              "features: the mean is over the N = X.shape[0] examples; 14.9 is a mean over 49 = N * N pairs: "
              "y or X @ w + b is a column (N, 1), keep both (N,). (A matmul error '(size 7 is different from "
              "3)' means X @ r in the gradient: the gradient is X.T @ r)")

catalogue.add(
    "vectorized_dw_without_transpose",
    "computes dw with X @ r instead of X.T @ r, which does not multiply (N, D) by (N,)",
    hint=_LOSS_HINT,
    # (N, D) @ (N,) raises for N != D, so the loss never comes back either
    fails=["test_vectorized_loss", "test_vectorized_grad", "test_gd_vectorized_steps",
           "test_gd_vectorized_converges"],
    shows=r"size 7 is different from 3",
    source=_vectorized(product="X @ residual"),
)
catalogue.add(
    "vectorized_divides_by_D",
    "divides by D = X.shape[1], the number of features, instead of N = X.shape[0], the number of examples",
    hint=_LOSS_HINT,
    # the descent still converges (each step is 7/3 too long), but the final loss it records is no mean
    fails=["test_vectorized_loss", "test_vectorized_grad", "test_gd_vectorized_steps",
           "test_gd_vectorized_converges"],
    shows=r"got 19\.9.*\n.*19\.9 divides by D = 3 = X\.shape\[1\]",
    source=_vectorized(n="X.shape[1]"),
)
catalogue.add(
    "vectorized_sum_not_mean",
    "sums over the examples instead of averaging, in the loss and in the gradient",
    hint=_LOSS_HINT,
    fails=["test_vectorized_loss", "test_vectorized_grad", "test_gd_vectorized_steps",
           "test_gd_vectorized_converges"],
    shows=r"got 59\.7.*\n.*59\.8 is the sum \(divide by N = 7\)",
    source=_vectorized(n="1"),
)
catalogue.add(
    "vectorized_target_as_a_column",
    "turns y into a column (N, 1), so the residual X @ w + b - y broadcasts to (N, N)",
    hint=_LOSS_HINT,
    fails=["test_vectorized_loss", "test_vectorized_grad", "test_gd_vectorized_steps",
           "test_gd_vectorized_converges"],
    shows=r"got 14\.89.*\n.*14\.9 is a mean over 49 = N \* N pairs",
    source=_vectorized(target="y.reshape(-1, 1)", loss="np.mean(residual**2)"),
)

# The vectorized descent: where w starts and how it is updated.
_DESCENT_VECTORIZED = '''\
def gradient_descent_vectorized(X, y, w0=None, b0=0.0, learning_rate=0.05, num_steps=1000):
    """Plain gradient descent on the MSE of the linear model X w + b, from (w0, b0)."""
    w = {zeros} if w0 is None else np.asarray(w0, dtype=float)
    b = b0
    history = {{"loss": [], "w": [], "b": []}}
    for step in range(num_steps + 1):
        loss, dw, db = mse_gradients_vectorized(w, b, X, y)
        history["loss"].append(loss)
        history["w"].append(w)
        history["b"].append(b)
        if step < num_steps:
            {update_w}
            b = b - learning_rate * db
    return w, b, {{key: np.array(values) for key, values in history.items()}}
'''

catalogue.add(
    "vectorized_descent_updates_w_in_place",
    "updates w in place (w -= ...), which changes every row already stored in the history and the "
    "caller's w0",
    hint="every row equal to the last w means one array was stored at every step and then changed in place "
         "(w -= ...): compute a new array, w = w - learning_rate * dw",
    fails=["test_gd_vectorized_steps"],
    shows=r"every row equal to the last w means one array was stored at every step",
    source=_DESCENT_VECTORIZED.format(zeros="np.zeros(X.shape[1])", update_w="w -= learning_rate * dw"),
)
catalogue.add(
    "vectorized_descent_starts_from_N_zeros",
    "starts from np.zeros(len(X)), shape (N,), instead of zeros of shape (D,) when w0 is None",
    hint="w0 = None means zeros of shape (D,) = (3,), np.zeros(X.shape[1]); a matmul error '(size 7 is "
         "different from 3)' means zeros of shape (N,): len(X) counts the examples",
    fails=["test_gd_vectorized_steps", "test_gd_vectorized_converges"],
    shows=r"size 7 is different from 3",
    source=_DESCENT_VECTORIZED.format(zeros="np.zeros(len(X))", update_w="w = w - learning_rate * dw"),
)
