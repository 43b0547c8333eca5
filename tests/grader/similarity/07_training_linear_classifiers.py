"""Assignment 07 (training linear classifiers): independent correct solutions, and copies of them.

INDEPENDENT: five students who each wrote the five solution cells on their own: cs231n's loops,
itertools and closures, numpy one-liners, a beginner's explicit loops, and small helpers. Each
trains both classifiers to the validation accuracy the assignment asks for (tests/test_similarity.py
runs the assignment's checks on them, slowly: they train). The training cell starts with the
release's three lines, as the student finds it.

COPIES: submissions made from one of them (``of``) or from the course's own code
(``course:<name>``), as a student who copies would disguise them.
"""

# ruff: noqa: E501 (students' lines as they wrote them: the release's signatures are longer than this file's limit)

_RELEASE_LINES = """digits = load_digits()
X_train, X_val, X_test = preprocess(digits.X_train, digits.X_val, digits.X_test)
y_train, y_val, y_test = digits.y_train, digits.y_val, digits.y_test

"""

INDEPENDENT = {
    "cs231n_loops": {
        "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Subtract the training mean image from every split, then append a column of ones.

    X_train, X_val, X_test: (N_*, D) arrays.
    Returns (X_train, X_val, X_test) as new (N_*, D + 1) arrays.
    """
    mean_image = np.mean(X_train / 16, axis=0)
    out = []
    for X in (X_train, X_val, X_test):
        centred = X / 16 - mean_image
        out.append(np.hstack([centred, np.ones((X.shape[0], 1))]))
    return out[0], out[1], out[2]
''',
        "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Train a linear classifier by minibatch SGD from small random weights."""
    rng = np.random.default_rng(seed)
    num_train, dim = X.shape
    num_classes = np.max(y) + 1
    W = 0.001 * rng.standard_normal((dim, num_classes))
    loss_history = []
    for it in range(num_iters):
        idx = rng.choice(num_train, batch_size, replace=True)
        X_batch = X[idx]
        y_batch = y[idx]
        loss, grad = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(loss)
        W -= learning_rate * grad
    return W, loss_history
''',
        "accuracy": '''def accuracy(W, X, y):
    """Fraction of the rows of X whose highest-scoring class under W is their label y."""
    y_pred = np.argmax(X.dot(W), axis=1)
    return np.mean(y_pred == y)
''',
        "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Train with every (learning_rate, reg) pair; keep the best by validation accuracy."""
    results = {}
    best_val = -1
    best_W = None
    best_params = None
    for lr in learning_rates:
        for reg in regs:
            W, _ = sgd_train(loss_fn, X_train, y_train, learning_rate=lr, reg=reg, num_iters=num_iters,
                             batch_size=batch_size, seed=seed)
            train_acc = accuracy(W, X_train, y_train)
            val_acc = accuracy(W, X_val, y_val)
            results[(lr, reg)] = (train_acc, val_acc)
            if val_acc > best_val:
                best_val = val_acc
                best_W = W
                best_params = (lr, reg)
    return best_W, best_params, results
''',
        "train_classifiers": _RELEASE_LINES
        + """learning_rates = [0.1, 1.0]
regs = [1e-4, 1e-2]
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val, learning_rates, regs)
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    learning_rates, regs)
print("best SVM:", svm_params, "best softmax:", softmax_params)
""",
    },
    "itertools_closures": {
        "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Centre on the training mean image, then add the bias column."""
    mu = (X_train / 16).mean(0, keepdims=True)

    def prep(A):
        A = A / 16 - mu
        return np.concatenate([A, np.ones((len(A), 1))], axis=1)

    return prep(X_train), prep(X_val), prep(X_test)
''',
        "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Minibatch SGD; every draw comes from one generator."""
    gen = np.random.default_rng(seed)
    n, d = X.shape
    c = int(y.max()) + 1
    W = gen.normal(0.0, 1e-3, size=(d, c))
    hist = []
    for _ in range(num_iters):
        pick = gen.integers(n, size=batch_size)
        value, dW = loss_fn(W, X[pick], y[pick], reg)
        W = W - learning_rate * dW
        hist.append(value)
    return W, hist
''',
        "accuracy": '''def accuracy(W, X, y):
    """Share of correct argmax predictions."""
    return float((np.argmax(X @ W, axis=1) == np.asarray(y)).sum() / len(y))
''',
        "search": '''import itertools


def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Every (learning rate, reg); the best by validation accuracy (the first of equals)."""
    runs = {}
    for lr, reg in itertools.product(learning_rates, regs):
        W, _ = sgd_train(loss_fn, X_train, y_train, lr, reg, num_iters, batch_size, seed)
        runs[(lr, reg)] = (W, accuracy(W, X_train, y_train), accuracy(W, X_val, y_val))
    best = max(runs, key=lambda key: runs[key][2])
    results = {key: (tr, va) for key, (_, tr, va) in runs.items()}
    return runs[best][0], best, results
''',
        "train_classifiers": _RELEASE_LINES
        + """learning_rates = list(np.logspace(-1, 0, 3))
regs = [0.0, 1e-3, 1e-1]
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val,
                                        learning_rates, regs)
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    learning_rates, regs)
for name, res in (("svm", svm_results), ("softmax", softmax_results)):
    print(name, max(res.values(), key=lambda t: t[1]))
""",
    },
    "numpy_one_liners": {
        "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Mean-centred splits with a bias column."""
    mean = np.mean(X_train / 16.0, axis=0)
    return tuple(np.c_[X / 16.0 - mean, np.ones(len(X))] for X in (X_train, X_val, X_test))
''',
        "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Minibatches drawn without replacement, one permutation per step."""
    rng = np.random.default_rng(seed)
    W = 1e-3 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    losses = []
    for _ in range(num_iters):
        rows = rng.permutation(X.shape[0])[:batch_size]
        loss, dW = loss_fn(W, X[rows], y[rows], reg)
        losses += [loss]
        W = W - learning_rate * dW
    return W, losses
''',
        "accuracy": '''def accuracy(W, X, y):
    """Fraction of rows predicted right."""
    return np.mean(np.equal(np.argmax(np.dot(X, W), 1), y)).item()
''',
        "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Grid search by validation accuracy."""
    results, best = {}, None
    for lr in learning_rates:
        for reg in regs:
            W = sgd_train(loss_fn, X_train, y_train, lr, reg, num_iters, batch_size, seed)[0]
            results[lr, reg] = accuracy(W, X_train, y_train), accuracy(W, X_val, y_val)
            if best is None or results[lr, reg][1] > best[0]:
                best = (results[lr, reg][1], W, (lr, reg))
    return best[1], best[2], results
''',
        "train_classifiers": _RELEASE_LINES
        + """learning_rates = [0.2, 0.5, 1.0]
regs = [1e-4, 1e-2]
trained = {}
for label, fn in (("svm", svm_loss_vectorized), ("softmax", softmax_loss_vectorized)):
    trained[label] = search(fn, X_train, y_train, X_val, y_val, learning_rates, regs)
svm_W, svm_params, svm_results = trained["svm"]
softmax_W, softmax_params, softmax_results = trained["softmax"]
""",
    },
    "explicit_loops": {
        "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Subtract the training mean image from every split, then append a column of ones.

    X_train, X_val, X_test: (N_*, D) arrays.
    Returns (X_train, X_val, X_test) as new (N_*, D + 1) arrays.
    """
    D = X_train.shape[1]
    mean = np.zeros(D)
    for j in range(D):
        mean[j] = np.sum(X_train[:, j] / 16) / X_train.shape[0]
    splits = []
    for X in [X_train, X_val, X_test]:
        new = np.ones((X.shape[0], D + 1))
        for j in range(D):
            new[:, j] = X[:, j] / 16 - mean[j]
        splits.append(new)
    return splits[0], splits[1], splits[2]
''',
        "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Train a linear classifier by minibatch SGD from small random weights.

    loss_fn: (W, X_batch, y_batch, reg) -> (loss, dW); X: (N, D); y: (N,) ints in [0, C).
    Returns (W, loss_history): the trained (D, C) weights and the num_iters losses, in order.
    """
    generator = np.random.default_rng(seed)
    N = X.shape[0]
    D = X.shape[1]
    C = 0
    for label in y:
        if label + 1 > C:
            C = label + 1
    W = generator.standard_normal((D, C)) * 0.001
    loss_history = []
    for i in range(num_iters):
        indices = generator.integers(0, N, batch_size)
        X_batch = X[indices, :]
        y_batch = y[indices]
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(loss)
        W = W - learning_rate * dW
    return W, loss_history
''',
        "accuracy": '''def accuracy(W, X, y):
    """Fraction of the rows of X whose highest-scoring class under W is their label y.

    W: (D, C); X: (N, D); y: (N,) ints. Returns a float in [0, 1].
    """
    correct = 0
    for i in range(X.shape[0]):
        scores = X[i] @ W
        if np.argmax(scores) == y[i]:
            correct = correct + 1
    return correct / X.shape[0]
''',
        "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Train with every (learning_rate, reg) pair; keep the best by validation accuracy.

    Returns (best_W, best_params, results): the weights and (learning_rate, reg) of the run with the
    highest validation accuracy, and {(learning_rate, reg): (train_accuracy, val_accuracy)} for all runs.
    """
    results = {}
    best_accuracy = -1.0
    for i in range(len(learning_rates)):
        for j in range(len(regs)):
            W, loss_history = sgd_train(loss_fn, X_train, y_train, learning_rates[i], regs[j], num_iters,
                                        batch_size, seed)
            acc_train = accuracy(W, X_train, y_train)
            acc_val = accuracy(W, X_val, y_val)
            results[(learning_rates[i], regs[j])] = (acc_train, acc_val)
            if acc_val > best_accuracy:
                best_accuracy = acc_val
                best_W = W
                best_params = (learning_rates[i], regs[j])
    return best_W, best_params, results
''',
        "train_classifiers": _RELEASE_LINES
        + """learning_rates = [0.1, 0.3, 1.0]
regs = [0.001, 0.01]
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val, learning_rates, regs)
for key in svm_results:
    print("svm", key, svm_results[key])
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    learning_rates, regs)
for key in softmax_results:
    print("softmax", key, softmax_results[key])
""",
    },
    "helpers": {
        "preprocess": '''def preprocess(X_train, X_val, X_test):
    """np.insert puts the column of ones after the last pixel."""
    centre = (X_train / 16).mean(axis=0)
    return tuple(np.insert(X / 16 - centre, X.shape[1], 1.0, axis=1) for X in (X_train, X_val, X_test))
''',
        "sgd_train": '''def _minibatches(rng, n, size, count):
    """count arrays of size row indices in [0, n), drawn with replacement."""
    for _ in range(count):
        yield rng.integers(0, n, size=size)


def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """SGD over the minibatches of one seeded generator."""
    rng = np.random.default_rng(seed)
    weights = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y) + 1)))
    trace = []
    for rows in _minibatches(rng, len(X), batch_size, num_iters):
        value, grad = loss_fn(weights, X[rows], y[rows], reg)
        trace.append(float(value))
        weights = weights - learning_rate * grad
    return weights, trace
''',
        "accuracy": '''def accuracy(W, X, y):
    """Share of rows whose best class is the label."""
    hits = np.count_nonzero((X @ W).argmax(axis=1) == y)
    return hits / len(y)
''',
        "search": '''def _evaluate(W, splits):
    """Accuracy of W on each (X, y) of splits."""
    return tuple(accuracy(W, X, y) for X, y in splits)


def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Grid search: keep the weights with the best validation accuracy."""
    splits = ((X_train, y_train), (X_val, y_val))
    results = {}
    champion = (-np.inf, None, None)
    for lr in learning_rates:
        for reg in regs:
            weights, _ = sgd_train(loss_fn, X_train, y_train, learning_rate=lr, reg=reg,
                                   num_iters=num_iters, batch_size=batch_size, seed=seed)
            results[(lr, reg)] = _evaluate(weights, splits)
            if results[(lr, reg)][1] > champion[0]:
                champion = (results[(lr, reg)][1], weights, (lr, reg))
    return champion[1], champion[2], results
''',
        "train_classifiers": _RELEASE_LINES
        + """grid = {"learning_rates": [0.1, 0.5, 1.0], "regs": [1e-3, 1e-1]}
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val, **grid)
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    **grid)
print(f"SVM {svm_params}: {svm_results[svm_params]}; softmax {softmax_params}: {softmax_results[softmax_params]}")
""",
    },
}

COPIES = {
    # cs231n_loops with every name changed
    "renamed": {
        "of": "cs231n_loops",
        "cells": {
            "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Centre and add bias."""
    avg = np.mean(X_train / 16, axis=0)
    res = []
    for A in (X_train, X_val, X_test):
        c = A / 16 - avg
        res.append(np.hstack([c, np.ones((A.shape[0], 1))]))
    return res[0], res[1], res[2]
''',
            "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """SGD."""
    gen = np.random.default_rng(seed)
    n_rows, n_feat = X.shape
    n_cls = np.max(y) + 1
    Wt = 0.001 * gen.standard_normal((n_feat, n_cls))
    hist = []
    for t in range(num_iters):
        sel = gen.choice(n_rows, batch_size, replace=True)
        xb = X[sel]
        yb = y[sel]
        val, g = loss_fn(Wt, xb, yb, reg)
        hist.append(val)
        Wt -= learning_rate * g
    return Wt, hist
''',
            "accuracy": '''def accuracy(W, X, y):
    """Accuracy."""
    guess = np.argmax(X.dot(W), axis=1)
    return np.mean(guess == y)
''',
            "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Grid search."""
    table = {}
    top = -1
    top_W = None
    top_pair = None
    for rate in learning_rates:
        for lam in regs:
            Wt, _ = sgd_train(loss_fn, X_train, y_train, learning_rate=rate, reg=lam, num_iters=num_iters,
                              batch_size=batch_size, seed=seed)
            a_tr = accuracy(Wt, X_train, y_train)
            a_va = accuracy(Wt, X_val, y_val)
            table[(rate, lam)] = (a_tr, a_va)
            if a_va > top:
                top = a_va
                top_W = Wt
                top_pair = (rate, lam)
    return top_W, top_pair, table
''',
            "train_classifiers": _RELEASE_LINES
            + """lrs = [0.1, 1.0]
lams = [1e-4, 1e-2]
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val, lrs, lams)
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    lrs, lams)
print("svm:", svm_params, "softmax:", softmax_params)
""",
        },
    },
    # helpers with its functions moved between cells (both helpers first), statements swapped and
    # comments added
    "reordered": {
        "of": "helpers",
        "cells": {
            "preprocess": '''def _evaluate(W, splits):
    # one accuracy per (X, y)
    return tuple(accuracy(W, X, y) for X, y in splits)


def _minibatches(rng, n, size, count):
    # with replacement, like the course's trainer
    for _ in range(count):
        yield rng.integers(0, n, size=size)


def preprocess(X_train, X_val, X_test):
    """Mean-centred splits with a bias column."""
    centre = (X_train / 16).mean(axis=0)
    # insert the ones after the last column
    return tuple(np.insert(X / 16 - centre, X.shape[1], 1.0, axis=1) for X in (X_train, X_val, X_test))
''',
            "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Minibatch SGD."""
    rng = np.random.default_rng(seed)
    # small random start
    weights = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y) + 1)))
    trace = []
    for rows in _minibatches(rng, len(X), batch_size, num_iters):
        value, grad = loss_fn(weights, X[rows], y[rows], reg)
        # step against the gradient
        weights = weights - learning_rate * grad
        trace.append(float(value))
    return weights, trace
''',
            "accuracy": '''def accuracy(W, X, y):
    """Accuracy."""
    # predicted class = argmax of the scores
    hits = np.count_nonzero((X @ W).argmax(axis=1) == y)
    return hits / len(y)
''',
            "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Grid search."""
    results = {}
    champion = (-np.inf, None, None)
    splits = ((X_train, y_train), (X_val, y_val))
    for lr in learning_rates:
        for reg in regs:
            weights, _ = sgd_train(loss_fn, X_train, y_train, learning_rate=lr, reg=reg,
                                   num_iters=num_iters, batch_size=batch_size, seed=seed)
            results[(lr, reg)] = _evaluate(weights, splits)
            # keep the best by validation accuracy
            if results[(lr, reg)][1] > champion[0]:
                champion = (results[(lr, reg)][1], weights, (lr, reg))
    return champion[1], champion[2], results
''',
            "train_classifiers": _RELEASE_LINES
            + """grid = {"learning_rates": [0.1, 0.5, 1.0], "regs": [1e-3, 1e-1]}
# the same grid for both losses
softmax_W, softmax_params, softmax_results = search(softmax_loss_vectorized, X_train, y_train, X_val, y_val,
                                                    **grid)
svm_W, svm_params, svm_results = search(svm_loss_vectorized, X_train, y_train, X_val, y_val, **grid)
print(f"SVM {svm_params}: {svm_results[svm_params]}; softmax {softmax_params}: {softmax_results[softmax_params]}")
""",
        },
    },
    # sgd_train and search of explicit_loops; preprocess, accuracy and the training written by the copier
    "half": {
        "of": "explicit_loops",
        "cells": {
            "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Centre with the training mean, append ones."""
    m = np.average(X_train / 16, axis=0)
    pad = lambda A: np.pad(A / 16 - m, ((0, 0), (0, 1)), constant_values=1.0)  # noqa: E731
    return pad(X_train), pad(X_val), pad(X_test)
''',
            "sgd_train": '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    """Train a linear classifier by minibatch SGD from small random weights."""
    generator = np.random.default_rng(seed)
    N = X.shape[0]
    D = X.shape[1]
    C = 0
    for label in y:
        if label + 1 > C:
            C = label + 1
    W = generator.standard_normal((D, C)) * 0.001
    loss_history = []
    for i in range(num_iters):
        indices = generator.integers(0, N, batch_size)
        X_batch = X[indices, :]
        y_batch = y[indices]
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(loss)
        W = W - learning_rate * dW
    return W, loss_history
''',
            "accuracy": '''def accuracy(W, X, y):
    """Mean of the correct predictions."""
    predicted = (X @ W).argmax(-1)
    return float(np.sum(predicted == np.asarray(y))) / float(len(predicted))
''',
            "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Train with every (learning_rate, reg) pair; keep the best by validation accuracy."""
    results = {}
    best_accuracy = -1.0
    for i in range(len(learning_rates)):
        for j in range(len(regs)):
            W, loss_history = sgd_train(loss_fn, X_train, y_train, learning_rates[i], regs[j], num_iters,
                                        batch_size, seed)
            acc_train = accuracy(W, X_train, y_train)
            acc_val = accuracy(W, X_val, y_val)
            results[(learning_rates[i], regs[j])] = (acc_train, acc_val)
            if acc_val > best_accuracy:
                best_accuracy = acc_val
                best_W = W
                best_params = (learning_rates[i], regs[j])
    return best_W, best_params, results
''',
            "train_classifiers": _RELEASE_LINES
            + """choices = dict(learning_rates=(0.2, 0.8), regs=(0.0001, 0.001, 0.01))
models = {name: search(fn, X_train, y_train, X_val, y_val, **choices)
          for name, fn in [("svm", svm_loss_vectorized), ("softmax", softmax_loss_vectorized)]}
(svm_W, svm_params, svm_results), (softmax_W, softmax_params, softmax_results) = models["svm"], models["softmax"]
""",
        },
    },
    # lecture 07's own code pasted and fitted to the stubs (its preprocessing, its train_sgd, its
    # val_accuracy, its grid search), with names changed
    "course": {
        "of": "course:lecture 07_training_linear_classifiers",
        "cells": {
            "preprocess": '''def preprocess(X_train, X_val, X_test):
    """Centre with the training mean, then the bias column."""
    mean_img = (X_train / 16).mean(axis=0)  # the mean from the training set only

    A = append_bias(X_train / 16 - mean_img)  # the same three steps as lectures 03 and 04a
    B = append_bias(X_val / 16 - mean_img)
    T = append_bias(X_test / 16 - mean_img)
    return A, B, T
''',
            "sgd_train": """def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200, seed=0):
    # Minibatch SGD, written out
    gen = np.random.default_rng(seed)
    Wt = 0.001 * gen.standard_normal((X.shape[1], int(np.max(y)) + 1))  # small random start
    hist = []
    for _ in range(num_iters):
        sel = gen.integers(0, len(y), size=batch_size)  # B random rows (with replacement)
        val, g = loss_fn(Wt, X[sel], y[sel], reg)  # loss and gradient on the batch only
        Wt = Wt - learning_rate * g  # one step downhill
        hist.append(val)
    return Wt, hist
""",
            "accuracy": '''def accuracy(W, X, y):
    """Fraction right."""
    return float(np.mean(np.argmax(X @ W, axis=1) == y))
''',
            "search": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Grid search."""
    found = {}  # (learning rate, reg) -> (trained W, train accuracy, validation accuracy)
    for lr in learning_rates:
        for reg in regs:
            Wt, _ = sgd_train(loss_fn, X_train, y_train, learning_rate=lr, reg=reg,
                              num_iters=num_iters, batch_size=batch_size, seed=seed)
            found[lr, reg] = (Wt, accuracy(Wt, X_train, y_train), accuracy(Wt, X_val, y_val))
    key = max(found, key=lambda k: found[k][2])
    return found[key][0], key, {k: (v[1], v[2]) for k, v in found.items()}
''',
            "train_classifiers": _RELEASE_LINES
            + """LEARNING_RATES = [0.1, 1.0]
REGS = [1e-4, 1e-3, 1e-2]

found = {}
for name, fn in (("SVM", svm_loss_vectorized), ("softmax", softmax_loss_vectorized)):
    found[name] = search(fn, X_train, y_train, X_val, y_val, LEARNING_RATES, REGS)
    print(f"best {name:>7}: learning rate {found[name][1][0]:g}, reg {found[name][1][1]:g}")
svm_W, svm_params, svm_results = found["SVM"]
softmax_W, softmax_params, softmax_results = found["softmax"]
""",
        },
    },
}
