"""Known mistakes of assignment 07 (training linear classifiers): the grader names them in the report
and in each student's feedback. See losslab_grader.mistakes for the format.

search() calls sgd_train() and accuracy(), and the training cell calls preprocess() and search(),
so a mistake early in the chain can cost later cells.
"""

import numpy as np
from losslab_grader.mistakes import Catalogue

catalogue = Catalogue()

# preprocess with one mean image for all three splits: which pixels and which axis it is taken over.
_PREPROCESS = '''def preprocess(X_train, X_val, X_test):
    """Scale the pixels, subtract the training mean image from every split, then append ones."""
    mean_image = np.mean({train}, axis={axis})
    return tuple(append_bias({split} - mean_image) for X in (X_train, X_val, X_test))
'''

catalogue.add(
    "preprocess_without_scaling",
    "does not divide the pixels by 16 (they stay in 0-16 instead of 0-1)",
    hint="[-4, -4, 1] in the first row means the pixels were not divided by 16",
    # the digits still train (the hinge and the softmax forgive large steps), and the weights score the
    # grader's scaled digits almost as well, so only the preprocessing cell catches it
    fails=["test_preprocess"],
    shows=r"\[-4, -4, 1\] in the first row means the pixels were not divided by 16",
    source=_PREPROCESS.format(train="X_train", axis=0, split="X"),
)
catalogue.add(
    "preprocess_mean_over_axis1",
    "takes the mean over axis 1 (one mean per image) instead of over the examples (one mean per pixel)",
    hint="(N, D + 1): subtract the mean image, a (D,) vector (the mean over axis 0, the examples)",
    # (N,) means against (N, D) rows: an error unless N = D (then it silently subtracts per row);
    # on the digits it is an error too, so the training cell and the accuracy cells fail with it
    fails=["test_preprocess", "test_svm_val_accuracy", "test_softmax_val_accuracy"],
    shows=r"could not be broadcast together with shapes \(4,2\) \(4,\)",
    source=_PREPROCESS.format(train="X_train / 16", axis=1, split="X / 16"),
)


@catalogue.mistake(
    "preprocess_each_split_with_its_own_mean",
    "subtracts each split's own mean image instead of the training mean",
    hint="[[0.25, -0.25, 1], [-0.25, 0.25, 1]] means the validation set's own mean was subtracted: "
         "use the training mean for every split",
    # the classifier still works on the digits; the validation/test features are shifted differently
    fails=["test_preprocess"],
    shows=r"means the validation set's own mean was subtracted",
)
def preprocess(X_train, X_val, X_test):
    """Scale the pixels, subtract each split's own mean image, then append a column of ones."""
    return tuple(append_bias(X / 16 - np.mean(X / 16, axis=0)) for X in (X_train, X_val, X_test))  # noqa: F821


# The SGD loop, with the generator's seed, the drawing of a batch and the update's sign left open.
_SGD = '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Train a linear classifier by minibatch SGD from small random weights."""
    rng = np.random.default_rng({seed})
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    loss_history = []
    for _ in range(num_iters):
        {batch}
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(loss)
        W = W {sign} learning_rate * dW
    return W, loss_history
'''


def _sgd(seed="seed", sign="-", batch="rows = rng.integers(0, X.shape[0], size=batch_size)\n"
                                     "        X_batch, y_batch = X[rows], y[rows]"):  # fmt: skip
    return _SGD.format(seed=seed, sign=sign, batch=batch)


catalogue.add(
    "sgd_gradient_ascent",
    "adds learning_rate * dW to W instead of subtracting it (gradient ascent)",
    hint="W = W - learning_rate * dW: the opposite sign climbs the loss",
    fails=["test_sgd_train_update", "test_search", "test_svm_val_accuracy", "test_softmax_val_accuracy"],
    shows=r"the opposite sign climbs the loss",
    source=_sgd(sign="+"),
)
catalogue.add(
    "sgd_labels_drawn_separately",
    "draws the labels of a batch with other random indices than its images",
    hint="index X and y with the SAME indices",
    # images paired with random labels: nothing to learn
    fails=["test_sgd_train_loop", "test_sgd_train_update", "test_svm_val_accuracy",
           "test_softmax_val_accuracy"],
    shows=r"index X and y with the SAME indices",
    source=_sgd(batch="X_batch = X[rng.integers(0, X.shape[0], size=batch_size)]\n"
                      "        y_batch = y[rng.integers(0, X.shape[0], size=batch_size)]"),
)
catalogue.add(
    "sgd_ignores_the_seed",
    "creates its generator without the seed, so two runs with the same seed differ",
    hint="create the generator from seed (np.random.default_rng(seed)) and draw W and the batches from it",
    # trains well, but two runs differ (the accuracies stay far above the threshold)
    fails=["test_sgd_train_seed"],
    shows=r"create the generator from seed",
    source=_sgd(seed=""),
)


@catalogue.mistake(
    "accuracy_as_percentage",
    "returns the accuracy as a percentage (times 100) instead of a fraction",
    hint="75.0 is a percentage: return the fraction; the prediction is the argmax over the classes "
         "(axis=1), not over the examples",
    fails=["test_accuracy", "test_search"],
    shows=r"got 75,.*\n.*75\.0 is a percentage: return the fraction",
)
def accuracy(W, X, y):
    """Percentage of the rows of X whose highest-scoring class under W is their label y."""
    return float(100 * np.mean(np.argmax(X @ W, axis=1) == y))


@catalogue.mistake(
    "search_by_training_accuracy",
    "keeps the pair with the best training accuracy instead of the best validation accuracy",
    hint="(0.5, 0.1) has the best training accuracy: choose by validation",
    # on the digits the overfit choice still clears 0.90; the constructed search test catches it
    fails=["test_search"],
    shows=r"picked \(0\.5, 0\.1\).*\n.*best training accuracy: choose by validation",
)
def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300, batch_size=200,
           seed=0):  # fmt: skip
    """Train with every (learning_rate, reg) pair; keep the best by TRAINING accuracy (wrong)."""
    results = {}
    best_W, best_params, best_train = None, None, -1.0
    for lr in learning_rates:
        for reg in regs:
            W, _ = sgd_train(loss_fn, X_train, y_train, lr, reg, num_iters, batch_size, seed)  # noqa: F821
            results[(lr, reg)] = (accuracy(W, X_train, y_train), accuracy(W, X_val, y_val))  # noqa: F821
            if results[(lr, reg)][0] > best_train:
                best_W, best_params, best_train = W, (lr, reg), results[(lr, reg)][0]
    return best_W, best_params, results
