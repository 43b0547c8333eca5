"""Wrong implementations of assignment 03 and the test cells each must lose."""

MUTANTS = [
    {
        "name": "l2_half_convention",
        "message": r"0\.5 means the 0\.5 \* reg convention",
        "cell": "l2_regularization",
        "source": '''def l2_regularization(W, reg):
    """L2 penalty, with the 0.5 * reg convention the course does not use."""
    return 0.5 * reg * np.sum(W ** 2), reg * W
''',
        "fails": ["test_l2_penalty", "test_l2_grad"],
    },
    {
        "name": "l2_gradient_missing_factor_2",
        "message": r"0\.25 each means the factor 2 is missing",
        "cell": "l2_regularization",
        "source": '''def l2_regularization(W, reg):
    """L2 penalty reg * sum(W**2) and its gradient."""
    return reg * np.sum(W ** 2), reg * W
''',
        "fails": ["test_l2_grad"],
    },
    {
        "name": "l2_norm_not_squared",
        "message": r"got 0\.5,.*\n.*0\.5 means the norm sqrt\(sum\(w\*\*2\)\), not its square",
        "cell": "l2_regularization",
        "source": '''def l2_regularization(W, reg):
    """L2 penalty taken as the norm ||W|| instead of its square."""
    return reg * np.sqrt(np.sum(W ** 2)), 2 * reg * W
''',
        "fails": ["test_l2_penalty"],
    },
    {
        "name": "l1_signed_sum",
        "message": r"-0\.05 means the signed sum",
        "cell": "l1_regularization",
        "source": '''def l1_regularization(W, reg):
    """L1 penalty without the absolute value."""
    return reg * np.sum(W), reg * np.sign(W)
''',
        "fails": ["test_l1_penalty"],
    },
    {
        "name": "l1_gradient_w_over_abs_w",
        "message": r"nan at 0 comes from w / \|w\| \(0 / 0\)",
        "cell": "l1_regularization",
        "source": '''def l1_regularization(W, reg):
    """L1 penalty; the gradient as W / |W| is 0 / 0 = nan at W = 0 (and warns)."""
    return reg * np.sum(np.abs(W)), reg * W / np.abs(W)
''',
        "fails": ["test_l1_grad"],
    },
    {
        "name": "l1_gradient_forgets_reg",
        "message": r"multiply by reg",
        "cell": "l1_regularization",
        "source": '''def l1_regularization(W, reg):
    """L1 penalty reg * sum(|W|); the gradient lost its factor reg."""
    return reg * np.sum(np.abs(W)), np.sign(W)
''',
        "fails": ["test_l1_grad"],
    },
    {
        "name": "l2_gradient_transposed",
        "message": r"shape \(3, 4\), expected \(4, 3\)\n.*\(3, 4\) is the shape of W\.T",
        "cell": "l2_regularization",
        "source": '''def l2_regularization(W, reg):
    """L2 penalty; its gradient in the numerator layout of matrix calculus, which transposes it."""
    W = np.asarray(W, dtype=float)
    return reg * float(np.sum(W * W)), 2 * reg * W.T
''',
        # right for a vector W (W.T is W); for a (D, C) W the gradient comes back (C, D)
        "fails": ["test_l2_grad"],
    },
    {
        "name": "l2_summed_along_one_axis",
        "message": r"shape \(3,\), expected shape \(\)\n.*summed along one axis only",
        "cell": "l2_regularization",
        "source": '''def l2_regularization(W, reg):
    """L2 penalty summed down the columns only: one number per class."""
    W = np.asarray(W, dtype=float)
    return reg * np.sum(W**2, axis=0), 2 * reg * W
''',
        # right for a vector W (axis 0 is all of it); for a (D, C) W a (C,) array, not a number
        "fails": ["test_l2_penalty"],
    },
]
