"""Toy 28x28 image sets for training tests: classes a tiny CNN separates easily. Plain numpy, so
that a test's subprocess can import it before TensorFlow starts."""

import numpy as np


def bar_images(n: int = 600, seed: int = 0) -> dict:
    """Three classes a tiny CNN separates easily: a bright bar in one of three places."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.uniform(0, 0.1, (n, 28, 28, 1)).astype(np.float32)
    for i, c in enumerate(y):
        x[i, 4 + 8 * c: 8 + 8 * c, 4:24, 0] = 1.0
    return {"x": x, "y": y}
