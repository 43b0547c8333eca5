"""losslab: the reference implementation behind the loss-functions course.

One module per concept, in the order the lectures teach them:

    scores             linear score function, bias trick, predictions   (lecture 01)
    classification     hinge, softmax, cross-entropy, sigmoid, entropy  (02, 04a, 04b)
    linear_svm         SVM loss of the weights, naive and vectorized    (02)
    regularization     L2 and L1 penalties                              (03)
    softmax            softmax loss of the weights, naive and vectorized (04a)
    regression         MSE, MAE, MAPE, Huber                            (05)
    linear_regression  y = w x + b by gradient descent                  (06)
    linear_classifier  minibatch SGD for LinearSVM and Softmax          (07)
    gradient_check     numerical gradients
    data               the course's small examples and the digits
    plots              figures the lectures share

Shapes follow cs231n: X (N, D), W (D, C), y (N,) ints in [0, C); losses
are means over the batch and return (loss, gradient).
"""

__version__ = "0.1.0"
