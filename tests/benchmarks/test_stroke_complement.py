"""benchmarks/stroke_complement.py: the model it trains computes exactly the page's fusion."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import stroke_complement as C  # noqa: E402


def test_complement_model_outputs_the_pages_fusion_of_both_models():
    import keras

    from handwriting.page.fusion import FLOOR, fuse
    from handwriting.model_architecture import build_model

    keras.utils.set_random_seed(0)
    inner = build_model([{"type": "conv1d", "filters": 4, "kernel_size": 3},
                         {"type": "global_pool1d"}], 5, keras, input_shape=(8, 5))
    model = C.complement_model(inner, keras, FLOOR)
    rng = np.random.default_rng(0)
    paths = rng.normal(size=(6, 8, 5)).astype(np.float32)
    image = rng.dirichlet(np.ones(5), size=6).astype(np.float32)
    image[0] = [1, 0, 0, 0, 0]  # a certain image model: the floor keeps the stroke model's say
    prior = np.log(np.maximum(image, FLOOR)).astype(np.float32)
    got = model.predict([paths, prior], verbose=0)
    want = np.stack([fuse(i, s, 1.0) for i, s in zip(image, inner.predict(paths, verbose=0))])
    np.testing.assert_allclose(got, want, atol=1e-5)
    # the wrapped model trains the inner model's weights: they are the same objects
    assert {id(w) for w in inner.weights} <= {id(w) for w in model.weights}
