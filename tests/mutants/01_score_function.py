"""Wrong implementations of assignment 01 and the test cells each must lose.

Each entry replaces one solution cell of solutions/01_score_function with a
realistic mistake; tests/test_assignments.py autogrades it and checks that
exactly the ``fails`` cells score 0 and every other test cell scores full.
"""

MUTANTS = [
    {
        "name": "bias_always_added",
        "message": r"unsupported operand type\(s\) for \+: .* and 'NoneType'",
        "cell": "linear_scores",
        "source": '''def linear_scores(W, X, b=None):
    """Class scores S = X W + b."""
    return X @ W + b
''',
        # b=None: X @ W + None raises TypeError in the no-bias cell; with a bias it is right
        "fails": ["test_linear_scores"],
    },
    {
        "name": "bias_ignored",
        "message": r"add b\[c\] to every score of class c",
        "cell": "linear_scores",
        "source": '''def linear_scores(W, X, b=None):
    """Class scores S = X W + b."""
    return X @ W
''',
        "fails": ["test_linear_scores_bias"],
    },
    {
        "name": "operands_swapped",
        "message": r"operands are swapped",
        "cell": "linear_scores",
        "source": '''def linear_scores(W, X, b=None):
    """Class scores S = X W + b."""
    S = W.T @ X.T
    if b is not None:
        S = S + b[:, None]
    return S
''',
        "fails": ["test_linear_scores", "test_linear_scores_bias"],
    },
    {
        "name": "ones_prepended",
        "message": r"the ones go in the LAST column",
        "cell": "append_bias",
        "source": '''def append_bias(X):
    """The bias trick: X (N, D) -> (N, D + 1) with a last column of ones."""
    return np.hstack([np.ones((X.shape[0], 1)), X])
''',
        "fails": ["test_append_bias"],
    },
    {
        "name": "argmax_over_classes_axis0",
        "message": r"argmax ran over axis 0",
        "cell": "predict_labels",
        "source": '''def predict_labels(scores):
    """The predicted class of each row of scores (N, C): the argmax, shape (N,)."""
    return np.argmax(scores, axis=0)
''',
        "fails": ["test_predict_labels"],
    },
    {
        "name": "max_score_not_index",
        "message": r"return their INDEX \(np\.argmax\)",
        "cell": "predict_labels",
        "source": '''def predict_labels(scores):
    """The predicted class of each row of scores (N, C): the argmax, shape (N,)."""
    return np.max(scores, axis=1)
''',
        "fails": ["test_predict_labels"],
    },
]
