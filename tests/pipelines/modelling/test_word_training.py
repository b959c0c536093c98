"""Training the words model: batches, augmentation, and a short training run that learns."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.page.penline import penline_features
from handwriting.pipelines.modelling.word_training import (
    _batches,
    augment_penlines,
    character_error_rate,
    train_word_model,
)


def test_batches_hold_similar_lengths_and_every_piece_once():
    lengths = np.random.default_rng(0).integers(5, 500, size=300)
    groups = _batches(lengths, batch_points=2000, most=16, rng=np.random.default_rng(1))
    assert sorted(np.concatenate(groups).tolist()) == list(range(300))
    for g in groups:
        assert len(g) <= 16 and (len(g) - 1) * lengths[g].max() < 2000 + lengths.max()


def test_augmentation_is_the_same_linear_map_of_the_ink():
    rng = np.random.default_rng(3)
    ink = np.cumsum(rng.normal(0, 1, size=(60, 2)), axis=0)
    cfg = {"stretch": 0.3, "shear_degrees": 20, "rotation_degrees": 10}
    features = penline_features([ink.tolist()], step=0.05)[None]
    got = augment_penlines(features, cfg, np.random.default_rng(5))[0]
    # the same draw, applied to the ink's steps directly
    r = np.random.default_rng(5)
    sx = 1 + r.uniform(-1, 1, 1) * 0.3
    shear = np.tan(np.radians(r.uniform(-1, 1, 1) * 20))
    turn = np.radians(r.uniform(-1, 1, 1) * 10)
    m = np.array([[np.cos(turn[0]), -np.sin(turn[0])], [np.sin(turn[0]), np.cos(turn[0])]]) @ \
        np.array([[sx[0], shear[0]], [0, 1]])
    np.testing.assert_allclose(got[:, :2], features[0, :, :2] @ m.T, atol=1e-5)
    assert np.array_equal(got[:, 3], features[0, :, 3])  # lifts stay
    np.testing.assert_allclose(augment_penlines(features, {}, np.random.default_rng(0)), features,
                               atol=1e-6)


SHAPES = {  # one stroke per letter, each its own shape
    "a": [[0, 0.5], [0.8, 0.5]],
    "b": [[0.4, 0], [0.4, 1]],
    "c": [[0.4 + 0.4 * np.cos(t), 0.5 + 0.4 * np.sin(t)] for t in np.linspace(0, 6.2, 12)],
    "d": [[0, 1], [0.8, 0]],
}


def _set(texts, rng):
    """Pen lines of made-up words, a letter per stroke, with a little noise."""
    feats, labels = [], []
    for text in texts:
        strokes = [(np.asarray(SHAPES[ch]) + [i, 0] + rng.normal(0, 0.02, (len(SHAPES[ch]), 2))).tolist()
                   for i, ch in enumerate(text)]
        feats.append(penline_features(strokes, step=0.2))
        labels.append(text)
    lengths = [len(f) for f in feats]
    return {"x": np.concatenate(feats), "offsets": np.concatenate([[0], np.cumsum(lengths)]),
            "label": np.array(labels), "kind": np.array(["word"] * len(labels))}


@pytest.mark.slow
def test_a_short_training_learns_to_read_and_keeps_its_best_epoch():
    rng = np.random.default_rng(0)
    words = ["".join(rng.choice(list("abcd"), size=rng.integers(2, 5))) for _ in range(300)]
    train, val = _set(words[:250], rng), _set(words[250:], rng)
    params = {"seed": 1, "width": 32, "kernel_size": 5, "dilations": [1, 2], "dropout": 0.0,
              "batch_points": 300, "batch_most": 8, "epochs": 4, "learning_rate": 0.003,
              "lr_schedule": "cosine", "clip_norm": 5.0, "patience": 4, "progress_lines": 1}
    model, history = train_word_model(train, val, params)
    assert history["trained"] and history["epochs_run"] == 4
    cer = history["metrics"]["val_cer"]
    assert cer[-1] < cer[0] - 0.2 and min(cer) < 0.4
    assert character_error_rate(model, val)["cer"] == pytest.approx(min(cer))


def test_without_word_ink_the_model_is_not_trained():
    empty = {"x": np.zeros((0, 4), np.float32), "offsets": np.array([0]), "label": np.array([], str),
             "kind": np.array([], str)}
    params = {"seed": 1, "width": 8, "kernel_size": 3, "dilations": [1], "batch_points": 100,
              "batch_most": 4, "epochs": 1, "learning_rate": 0.01, "patience": 1}
    model, history = train_word_model(empty, empty, params)
    assert history == {"trained": False, "parameters": model.count_params()}
