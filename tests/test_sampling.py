import numpy as np
import pytest

from handwriting.sampling import class_weights, stratified_indices, stratified_split


def _imbalanced_labels():
    # class 0: 100, class 1: 30, class 2: 6, class 3: 1
    return np.repeat(np.arange(4), [100, 30, 6, 1])


def test_stratified_indices_keeps_class_shares_and_rare_classes():
    labels = _imbalanced_labels()
    idx = stratified_indices(labels, 0.5, seed=0)
    counts = np.bincount(labels[idx], minlength=4)
    assert counts.tolist() == [50, 15, 3, 1]  # the single-item class survives
    assert len(np.unique(idx)) == len(idx)
    assert np.array_equal(idx, stratified_indices(labels, 0.5, seed=0))  # deterministic
    assert not np.array_equal(idx, stratified_indices(labels, 0.5, seed=1))


def test_stratified_indices_by_count_and_none():
    labels = _imbalanced_labels()
    assert len(stratified_indices(labels, 68, seed=0)) == pytest.approx(68, abs=3)
    assert np.array_equal(stratified_indices(labels, None, seed=0), np.arange(len(labels)))
    with pytest.raises(ValueError):
        stratified_indices(labels, 0, seed=0)


def test_stratified_split_holds_out_each_class_disjointly():
    labels = _imbalanced_labels()
    keep, held = stratified_split(labels, 0.2, seed=3)
    assert len(np.intersect1d(keep, held)) == 0
    assert len(keep) + len(held) == len(labels)
    assert np.bincount(labels[held], minlength=4).tolist() == [20, 6, 1, 0]
    assert 3 in labels[keep]  # a single-item class stays trainable


def test_class_weights_balanced_and_softened():
    labels = _imbalanced_labels()
    w = class_weights(labels, num_classes=5, power=1.0)
    counts = np.bincount(labels, minlength=5)
    per_sample = np.array([w[str(c)] for c in labels])
    assert per_sample.mean() == pytest.approx(1.0)
    # balanced: every present class carries the same total weight
    totals = [w[str(c)] * counts[c] for c in range(4)]
    assert np.allclose(totals, totals[0])
    soft = class_weights(labels, num_classes=5, power=0.5)
    assert soft["3"] / soft["0"] == pytest.approx(np.sqrt(100))
    capped = class_weights(labels, num_classes=5, power=1.0, max_weight=5.0)
    assert capped["3"] / capped["0"] < w["3"] / w["0"]
    assert capped["3"] == pytest.approx(capped["2"])  # both hit the cap before normalising
