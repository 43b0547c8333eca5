"""Wrong implementations of assignment 07 and the test cells each must lose.

Each entry replaces one solution cell of solutions/07_training_linear_classifiers
with a realistic mistake; tests/test_assignments.py autogrades it and checks
that exactly the ``fails`` cells score 0 and every other test cell scores full.
search() calls sgd_train() and accuracy(), and the training cell calls
preprocess() and search(), so a mistake early in the chain can cost later cells.
"""

_SGD_HEAD = '''def sgd_train(loss_fn, X, y, learning_rate=1e-3, reg=1e-5, num_iters=100, batch_size=200,
              seed=0):
    """Train a linear classifier by minibatch SGD from small random weights."""
'''

MUTANTS = [
    {
        "name": "preprocess_each_split_with_its_own_mean",
        "message": r"means the validation set's own mean was subtracted",
        "cell": "preprocess",
        "source": '''def preprocess(X_train, X_val, X_test):
    """Subtract the mean image from every split, then append a column of ones."""
    return tuple(append_bias(X - X.mean(axis=0)) for X in (X_train, X_val, X_test))
''',
        # the classifier still works on the digits; the validation/test features are shifted differently
        "fails": ["test_preprocess"],
    },
    {
        "name": "preprocess_mean_over_axis1",
        "message": r"could not be broadcast together with shapes \(4,2\) \(4,\)",
        "cell": "preprocess",
        "source": '''def preprocess(X_train, X_val, X_test):
    """Subtract the mean over axis 1 (one mean per image, not per pixel), then append a column of ones."""
    mean_image = np.mean(X_train, axis=1)
    return tuple(append_bias(X - mean_image) for X in (X_train, X_val, X_test))
''',
        # (N,) means against (N, D) rows: an error unless N = D (then it silently subtracts per row);
        # on the digits it is an error too, so the training cell and the accuracy cells fail with it
        "fails": ["test_preprocess", "test_svm_val_accuracy", "test_softmax_val_accuracy"],
    },
    {
        "name": "sgd_gradient_ascent",
        "message": r"the opposite sign climbs the loss",
        "cell": "sgd_train",
        "source": _SGD_HEAD + '''    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    loss_history = []
    for _ in range(num_iters):
        batch = rng.integers(0, X.shape[0], size=batch_size)
        loss, dW = loss_fn(W, X[batch], y[batch], reg)
        loss_history.append(loss)
        W = W + learning_rate * dW
    return W, loss_history
''',
        "fails": ["test_sgd_train_update", "test_search", "test_svm_val_accuracy",
                  "test_softmax_val_accuracy"],
    },
    {
        "name": "sgd_labels_drawn_separately",
        "message": r"index X and y with the SAME indices",
        "cell": "sgd_train",
        "source": _SGD_HEAD + '''    rng = np.random.default_rng(seed)
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    loss_history = []
    for _ in range(num_iters):
        X_batch = X[rng.integers(0, X.shape[0], size=batch_size)]
        y_batch = y[rng.integers(0, X.shape[0], size=batch_size)]
        loss, dW = loss_fn(W, X_batch, y_batch, reg)
        loss_history.append(loss)
        W = W - learning_rate * dW
    return W, loss_history
''',
        # images paired with random labels: nothing to learn
        "fails": ["test_sgd_train_loop", "test_sgd_train_update", "test_svm_val_accuracy",
                  "test_softmax_val_accuracy"],
    },
    {
        "name": "sgd_ignores_the_seed",
        "message": r"create the generator from seed",
        "cell": "sgd_train",
        "source": _SGD_HEAD + '''    rng = np.random.default_rng()
    W = 0.001 * rng.standard_normal((X.shape[1], int(np.max(y)) + 1))
    loss_history = []
    for _ in range(num_iters):
        batch = rng.integers(0, X.shape[0], size=batch_size)
        loss, dW = loss_fn(W, X[batch], y[batch], reg)
        loss_history.append(loss)
        W = W - learning_rate * dW
    return W, loss_history
''',
        # trains well, but two runs differ (the accuracies stay far above the threshold)
        "fails": ["test_sgd_train_seed"],
    },
    {
        "name": "accuracy_as_percentage",
        "message": r"got 75,.*\n.*75\.0 is a percentage: return the fraction",
        "cell": "accuracy",
        "source": '''def accuracy(W, X, y):
    """Percentage of the rows of X whose highest-scoring class under W is their label y."""
    return float(100 * np.mean(np.argmax(X @ W, axis=1) == y))
''',
        "fails": ["test_accuracy", "test_search"],
    },
    {
        "name": "search_by_training_accuracy",
        "message": r"picked \(0\.5, 0\.1\).*\n.*best training accuracy: choose by validation",
        "cell": "search",
        "source": '''def search(loss_fn, X_train, y_train, X_val, y_val, learning_rates, regs, num_iters=300,
           batch_size=200, seed=0):
    """Train with every (learning_rate, reg) pair; keep the best by TRAINING accuracy (wrong)."""
    results = {}
    best_W, best_params, best_train = None, None, -1.0
    for lr in learning_rates:
        for reg in regs:
            W, _ = sgd_train(loss_fn, X_train, y_train, lr, reg, num_iters, batch_size, seed)
            results[(lr, reg)] = (accuracy(W, X_train, y_train), accuracy(W, X_val, y_val))
            if results[(lr, reg)][0] > best_train:
                best_W, best_params, best_train = W, (lr, reg), results[(lr, reg)][0]
    return best_W, best_params, results
''',
        # on the digits the overfit choice still clears 0.90; the constructed search test catches it
        "fails": ["test_search"],
    },
]
