"""Known mistakes of assignment 01 (the score function): the grader names them in the report and in
each student's feedback. See losslab_grader.mistakes for the format."""

import numpy as np
from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

# The batch scores, with the product and the bias line left open.
_LINEAR_SCORES = '''def linear_scores(W, X, b=None):
    """Class scores S = X W + b."""
    S = {product}
    {bias}
    return S
'''

catalogue.add(
    "bias_always_added",
    "adds b even when it is None (X @ W + None)",
    hint="the bias is added only when b is given; with b=None the scores are X @ W alone",
    # with a bias it is right; with b=None, X @ W + None raises TypeError
    fails=["test_linear_scores"],
    shows=r"unsupported operand type\(s\) for \+: .* and 'NoneType'",
    source=_LINEAR_SCORES.format(product="X @ W", bias="S = S + b"),
)
catalogue.add(
    "bias_ignored",
    "never adds the bias b",
    hint="add b[c] to every score of class c: b has shape (C,) and broadcasts over the rows",
    fails=["test_linear_scores_bias"],
    shows=r"add b\[c\] to every score of class c",
    source=_LINEAR_SCORES.format(product="X @ W", bias="# the bias b is never added"),
)
catalogue.add(
    "operands_swapped",
    "computes W.T @ X.T, scores of shape (C, N) instead of X @ W, (N, C)",
    hint="X (N, D) times W (D, C) gives (N, C); (C, N) or (D, D) means the operands are swapped",
    fails=["test_linear_scores", "test_linear_scores_bias"],
    shows=r"operands are swapped",
    source=_LINEAR_SCORES.format(product="W.T @ X.T",
                                 bias="if b is not None:\n        S = S + b[:, None]"),
)


@catalogue.mistake(
    "ones_prepended",
    "puts the column of ones first instead of last",
    hint="the ones go in the LAST column, after the pixels (so b is the last row of W)",
    fails=["test_append_bias"],
    shows=r"the ones go in the LAST column",
)
def append_bias(X):
    """The bias trick: X (N, D) -> (N, D + 1) with a last column of ones."""
    return np.hstack([np.ones((X.shape[0], 1)), X])


# The prediction, with the reduction and its axis left open.
_PREDICT = '''def predict_labels(scores):
    """The predicted class of each row of scores (N, C): the argmax, shape (N,)."""
    return np.{reduce}(scores, axis={axis})
'''

catalogue.add(
    "argmax_over_classes_axis0",
    "takes the argmax over axis 0 (one label per class) instead of along each row",
    hint="one label per example (row), shape (N,); shape (4,) = (C,) means the argmax ran over axis 0 "
         "(one per class): take it along each row, axis=1",
    fails=["test_predict_labels"],
    shows=r"argmax ran over axis 0",
    source=_PREDICT.format(reduce="argmax", axis=0),
)
catalogue.add(
    "max_score_not_index",
    "returns the largest scores themselves (np.max) instead of their index (np.argmax)",
    hint="[0.9, 5.0] are the largest scores themselves (np.max): return their INDEX (np.argmax)",
    fails=["test_predict_labels"],
    shows=r"return their INDEX \(np\.argmax\)",
    source=_PREDICT.format(reduce="max", axis=1),
)
