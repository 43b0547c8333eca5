"""Weight penalties R(W), added to the data loss as  L = data loss + R(W).

Convention (used everywhere in the course): the L2 penalty is
``reg * sum(W**2)`` with gradient ``2 * reg * W``. Some texts write
``0.5 * reg * sum(W**2)`` so that the 2 cancels; that is the same family of
models with reg scaled by 2, not a different idea.

Two weight vectors that score x = [1, 1, 1, 1] alike, w1 = [1, 0, 0, 0] and
w2 = [0.25] * 4, are told apart by L2 (1.0 vs 0.25: it prefers weight spread
over all inputs) but not by L1 (1.0 vs 1.0).
"""

from __future__ import annotations

import numpy as np

from . import _validate as v


def _weights_and_strength(W, reg) -> tuple[np.ndarray, float]:
    W = v.finite_float_array("W", W)
    reg = v.scalar("reg", reg, minimum=0.0)
    return W, reg


def l2_regularization(W, reg) -> tuple[float, np.ndarray]:
    """L2 penalty reg * sum(W**2) and its gradient 2 * reg * W (W any shape)."""
    W, reg = _weights_and_strength(W, reg)
    # vdot(W, W) is sum(W * W) without building the temporary W * W.
    return reg * float(np.vdot(W, W)), (2.0 * reg) * W


def l1_regularization(W, reg) -> tuple[float, np.ndarray]:
    """L1 penalty reg * sum(|W|) and its subgradient reg * sign(W) (0 at W = 0)."""
    W, reg = _weights_and_strength(W, reg)
    return reg * float(np.sum(np.abs(W))), reg * np.sign(W)
