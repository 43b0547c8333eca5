"""Known mistakes of assignment 03 (regularization): the grader names them in the report and in each
student's feedback. See losslab_grader.mistakes for the format."""

from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

# Both penalties return (penalty, gradient); the two expressions are where students go wrong.
_L2 = '''def l2_regularization(W, reg):
    """L2 penalty reg * sum(W**2) and its gradient 2 * reg * W."""
    W = np.asarray(W, dtype=float)
    return {penalty}, {gradient}
'''
_L1 = '''def l1_regularization(W, reg):
    """L1 penalty reg * sum(|W|) and its subgradient reg * sign(W)."""
    W = np.asarray(W, dtype=float)
    return {penalty}, {gradient}
'''

catalogue.add(
    "l2_half_convention",
    "uses the 0.5 * reg * sum(W**2) convention instead of the course's reg * sum(W**2)",
    hint="0.5 means the 0.5 * reg convention; the course uses reg * sum(W**2)",
    fails=["test_l2_penalty", "test_l2_grad"],
    shows=r"0\.5 means the 0\.5 \* reg convention",
    source=_L2.format(penalty="0.5 * reg * np.sum(W**2)", gradient="reg * W"),
)
catalogue.add(
    "l2_gradient_missing_factor_2",
    "returns reg * W as the gradient of reg * sum(W**2) (the factor 2 is missing)",
    hint="the derivative of reg * w**2 is 2 * reg * w; 0.25 each means the factor 2 is missing",
    fails=["test_l2_grad"],
    shows=r"0\.25 each means the factor 2 is missing",
    source=_L2.format(penalty="reg * np.sum(W**2)", gradient="reg * W"),
)
catalogue.add(
    "l2_norm_not_squared",
    "takes the norm sqrt(sum(W**2)) as the penalty instead of its square",
    hint="1.0 means |w| was summed (L1); 0.5 means the norm sqrt(sum(w**2)), not its square: "
         "square each weight and sum",
    fails=["test_l2_penalty"],
    shows=r"got 0\.5,.*\n.*0\.5 means the norm sqrt\(sum\(w\*\*2\)\), not its square",
    source=_L2.format(penalty="reg * np.sqrt(np.sum(W**2))", gradient="2 * reg * W"),
)
catalogue.add(
    "l2_gradient_transposed",
    "returns the gradient transposed, 2 * reg * W.T (the numerator layout of matrix calculus)",
    hint="the gradient has the shape of W, (D, C) = (4, 3); (3, 4) is the shape of W.T (the numerator "
         "layout of matrix calculus): return 2 * reg * W itself",
    # right for a vector W (W.T is W); for a (D, C) W the gradient comes back (C, D)
    fails=["test_l2_grad"],
    shows=r"shape \(3, 4\), expected \(4, 3\)\n.*\(3, 4\) is the shape of W\.T",
    source=_L2.format(penalty="reg * float(np.sum(W * W))", gradient="2 * reg * W.T"),
)
catalogue.add(
    "l2_summed_along_one_axis",
    "sums the squares down the columns only (axis=0): one penalty per class, not one number",
    hint="sum the squares of ALL 12 entries (here 31.75), then multiply by reg; a result of shape (3,) "
         "or (4,) means the squares were summed along one axis only (axis=0 or axis=1)",
    # right for a vector W (axis 0 is all of it); for a (D, C) W a (C,) array, not a number
    fails=["test_l2_penalty"],
    shows=r"shape \(3,\), expected shape \(\)\n.*summed along one axis only",
    source=_L2.format(penalty="reg * np.sum(W**2, axis=0)", gradient="2 * reg * W"),
)

catalogue.add(
    "l1_signed_sum",
    "sums the weights with their signs (no absolute value)",
    hint="-0.05 means the signed sum: take the absolute value of each weight first",
    fails=["test_l1_penalty"],
    shows=r"-0\.05 means the signed sum",
    source=_L1.format(penalty="reg * np.sum(W)", gradient="reg * np.sign(W)"),
)
catalogue.add(
    "l1_gradient_w_over_abs_w",
    "computes the subgradient as W / |W|, which is 0 / 0 = nan at W = 0",
    hint="nan at 0 comes from w / |w| (0 / 0): use np.sign, which is 0 at 0",
    fails=["test_l1_grad"],
    shows=r"nan at 0 comes from w / \|w\| \(0 / 0\)",
    source=_L1.format(penalty="reg * np.sum(np.abs(W))", gradient="reg * W / np.abs(W)"),
)
catalogue.add(
    "l1_gradient_forgets_reg",
    "returns sign(W) as the gradient, without the factor reg",
    hint="d|w|/dw = sign(w), whatever the size of w; multiply by reg",
    fails=["test_l1_grad"],
    shows=r"multiply by reg",
    source=_L1.format(penalty="reg * np.sum(np.abs(W))", gradient="np.sign(W)"),
)
