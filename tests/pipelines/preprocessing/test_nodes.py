import numpy as np
import pytest

from handwriting.pipelines.preprocessing.nodes import (
    class_weights,
    compute_class_weights,
    fix_orientation,
    prepare_test,
    prepare_train,
    scale_images,
    stratified_indices,
    stratified_split,
)


def _imbalanced_labels():
    # class 0: 100, class 1: 30, class 2: 6, class 3: 1
    return np.repeat(np.arange(4), [100, 30, 6, 1])


def test_fix_orientation_transposes_each_image():
    img = np.zeros((1, 28, 28), np.uint8)
    img[0, 3, 20] = 255  # stored row 3, column 20
    fixed = fix_orientation(img)
    assert fixed[0, 20, 3] == 255 and fixed[0, 3, 20] == 0
    assert fixed.flags["C_CONTIGUOUS"]


def test_fix_orientation_rejects_flat_input():
    with pytest.raises(ValueError, match="shape"):
        fix_orientation(np.zeros((4, 784), np.uint8))


def test_scale_images_gives_float32_unit_range_with_channel():
    imgs = np.array([[[0, 255], [128, 51]]], np.uint8)
    out = scale_images(imgs)
    assert out.dtype == np.float32 and out.shape == (1, 2, 2, 1)
    assert out.min() == 0.0 and out.max() == 1.0
    assert out[0, 1, 0, 0] == pytest.approx(128 / 255)


def test_scale_images_rejects_already_scaled():
    with pytest.raises(ValueError, match="uint8"):
        scale_images(np.zeros((1, 28, 28), np.float32))


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


def _raw_split(n_per_class=(40, 20, 10), seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(n_per_class)), n_per_class).astype(np.uint8)
    images = rng.integers(0, 256, (len(labels), 28, 28), dtype=np.uint8)
    return {"images": images, "labels": labels}


PARAMS = {"seed": 7, "validation_fraction": 0.25, "train_subset": None, "test_subset": None,
          "class_weights": {"power": 1.0, "max_weight": None}}


def test_prepare_train_splits_orients_and_scales():
    raw = _raw_split()
    train, val = prepare_train(raw, PARAMS)
    assert train["x"].shape[1:] == (28, 28, 1) and train["x"].dtype == np.float32
    assert len(train["y"]) + len(val["y"]) == 70
    assert np.bincount(val["y"]).tolist() == [10, 5, 2]  # round(2.5) == 2
    # each validation image is an upright (transposed) copy of a raw image
    first = val["x"][0, :, :, 0]
    matches = [np.allclose(first, raw["images"][i].T / 255.0) for i in range(70)]
    assert sum(matches) == 1


def test_prepare_train_subset_then_split():
    raw = _raw_split((400, 200, 100))
    train, val = prepare_train(raw, {**PARAMS, "train_subset": 0.1})
    assert len(train["y"]) + len(val["y"]) == 70


def test_prepare_test_subset():
    raw = _raw_split((400, 200, 100))
    test = prepare_test(raw, {**PARAMS, "test_subset": 70})
    assert np.bincount(test["y"]).tolist() == [40, 20, 10]


def test_compute_class_weights_uses_label_count():
    train = {"x": None, "y": np.array([0, 0, 0, 1])}
    w = compute_class_weights(train, ["a", "b", "c"], PARAMS)
    assert set(w) == {"0", "1", "2"}
    assert w["2"] > 0  # a class absent from train still gets a usable weight
    assert w["1"] == pytest.approx(3 * w["0"])


# ---- pen strokes (UNIPEN) -----------------------------------------------------------------

from handwriting.pipelines.preprocessing.nodes import (  # noqa: E402
    combine_training_sets,
    prepare_pen_train,
    render_strokes,
)
from handwriting.page.preprocess import CanvasSpec, render  # noqa: E402
from handwriting.unipen import is_heldout_writer  # noqa: E402

BAR = [[[0, 0], [0, 10]]]   # a vertical bar
SLASH = [[[0, 10], [10, 0]]]


def _records(n_writers=40):
    out = []
    for w in range(n_writers):
        contrib = "apa" if w % 4 == 0 else "abc"
        out.append({"label": "1", "writer": f"{contrib}/{w}", "contrib": contrib, "strokes": BAR})
        out.append({"label": "7", "writer": f"{contrib}/{w}", "contrib": contrib, "strokes": SLASH})
    return out


def test_render_strokes_uses_the_canvas_spec_and_drops_dots_and_unknown_labels():
    records = [{"label": "1", "strokes": BAR}, {"label": "?", "strokes": BAR},
               {"label": "7", "strokes": [[[3, 3]]]}, {"label": "7", "strokes": SLASH}]
    out = render_strokes(records, ["1", "7"], {"radius": 1.0, "softness": 0.3})
    assert out["x"].shape == (2, 28, 28, 1) and out["y"].tolist() == [0, 1]
    assert out["index"].tolist() == [0, 3]
    expected = render(SLASH, CanvasSpec(radius=1.0, softness=0.3))
    np.testing.assert_array_equal(out["x"][1, :, :, 0], expected)


def test_prepare_pen_train_uses_only_training_writers_and_clean_contributors():
    records = _records()
    params = {"seed": 0, "unipen": {"train": True, "heldout_fraction": 0.3,
                                    "train_clean_only": True, "train_subset": None}}
    pen = prepare_pen_train(records, ["1", "7"], {}, params)
    expected = [r for r in records if r["contrib"] != "apa"
                and not is_heldout_writer(r["writer"], 0.3)]
    assert 0 < len(pen["y"]) == len(expected) < len(records)
    assert set(pen) == {"x", "y"}
    off = prepare_pen_train(records, ["1", "7"], {}, {**params, "unipen": {"train": False}})
    assert len(off["y"]) == 0 and off["x"].shape == (0, 28, 28, 1)
    assert len(prepare_pen_train([], ["1", "7"], {}, params)["y"]) == 0  # file absent
    # repeat: every rendered stroke that many times per epoch
    twice = prepare_pen_train(records, ["1", "7"], {}, {**params, "unipen": {**params["unipen"], "repeat": 2}})
    assert twice["y"].tolist() == pen["y"].tolist() * 2
    np.testing.assert_array_equal(twice["x"][len(pen["y"]):], pen["x"])
    with pytest.raises(ValueError, match="repeat"):
        prepare_pen_train(records, ["1", "7"], {}, {**params, "unipen": {**params["unipen"], "repeat": 0}})


def test_writer_split_is_stable_and_close_to_the_fraction():
    writers = [f"lab/{i}" for i in range(2000)]
    held = [is_heldout_writer(w, 0.25) for w in writers]
    assert held == [is_heldout_writer(w, 0.25) for w in writers]
    assert 0.2 < np.mean(held) < 0.3


def test_combine_training_sets_concatenates():
    a = {"x": np.zeros((3, 28, 28, 1), np.float32), "y": np.array([0, 1, 2])}
    b = {"x": np.ones((2, 28, 28, 1), np.float32), "y": np.array([5, 6])}
    c = combine_training_sets(a, b)
    assert c["x"].shape == (5, 28, 28, 1) and c["y"].tolist() == [0, 1, 2, 5, 6]


def test_stroke_sets_split_training_writers_and_never_touch_heldout_ones():
    from handwriting.pipelines.preprocessing.nodes import prepare_stroke_sets
    from handwriting.page.trajectory import trajectory_features

    records = _records(200) + [{"label": "7", "writer": "abc/dot", "contrib": "abc",
                                "strokes": [[[3, 3]]]}]
    params = {"seed": 0, "unipen": {"heldout_fraction": 0.3}}
    stroke = {"points": 16, "validation_writers": 0.2, "clean_only": True}
    train, val = prepare_stroke_sets(records, ["1", "7"], params, stroke)
    clean_train = [r for r in records[:-1] if r["contrib"] != "apa"
                   and not is_heldout_writer(r["writer"], 0.3)]
    val_writers = {r["writer"] for r in clean_train if is_heldout_writer(r["writer"], 0.3 + 0.2 * 0.7)}
    assert len(val["y"]) == 2 * len(val_writers) > 0
    assert len(train["y"]) + len(val["y"]) == len(clean_train)  # the dot has no path
    assert train["x"].shape[1:] == (16, 5) and set(train) == {"x", "y"}
    np.testing.assert_array_equal(train["x"][train["y"] == 0][0], trajectory_features(BAR, 16))
    small, _ = prepare_stroke_sets(records, ["1", "7"], params, {**stroke, "train_subset": 20})
    assert len(small["y"]) == 20 and sorted(np.bincount(small["y"])) == [10, 10]
    empty_train, empty_val = prepare_stroke_sets([], ["1", "7"], params, stroke)
    assert empty_train["x"].shape == (0, 16, 5) and len(empty_val["y"]) == 0
    with pytest.raises(ValueError, match="validation_writers"):
        prepare_stroke_sets(records, ["1", "7"], params, {**stroke, "validation_writers": 1.0})
    # noisy contributors' paths are real handwriting too: kept unless clean_only
    every_train, every_val = prepare_stroke_sets(records, ["1", "7"], params,
                                                 {**stroke, "clean_only": False})
    assert len(every_train["y"]) + len(every_val["y"]) == sum(
        not is_heldout_writer(r["writer"], 0.3) for r in records[:-1])


def test_a_share_of_the_training_writers_feeds_both_models_and_keeps_the_validation_writers():
    from handwriting.pipelines.preprocessing.nodes import stroke_writer_split
    from handwriting.unipen import in_writer_share

    records = _records(400)
    params = {"seed": 0, "unipen": {"train": True, "heldout_fraction": 0.3,
                                    "train_clean_only": False, "train_subset": None}}
    stroke = {"points": 16, "validation_writers": 0.2}

    def writers(rows):
        return {r["writer"] for r in rows}

    full_train, full_val = stroke_writer_split(records, params, stroke)
    by_share = {}
    for share in (0.25, 0.5):
        p = {**params, "unipen": {**params["unipen"], "train_writers": share}}
        train, val = stroke_writer_split(records, p, stroke)
        assert writers(val) == writers(full_val)  # early stopping watches the same writers
        assert writers(train) < writers(full_train)
        kept = {r["writer"] for r in records if not is_heldout_writer(r["writer"], 0.3)
                and in_writer_share(r["writer"], 0.3, share)}
        # about that share of the training writers (400 writers: within 6 points)
        assert abs(len(kept) / len(writers(full_train) | writers(full_val)) - share) < 0.06
        assert writers(train) == kept  # no validation writer in a share below 0.9
        pen = prepare_pen_train(records, ["1", "7"], {}, p)
        assert len(pen["y"]) == 2 * len(kept)  # the image model's pen data: the same writers
        by_share[share] = kept
    assert by_share[0.25] < by_share[0.5]  # a smaller share keeps a subset
    assert all(in_writer_share(w, 0.3, None) for w in writers(records))
    with pytest.raises(ValueError, match="train_writers"):
        in_writer_share("abc/1", 0.3, 0.0)


def test_within_clean_counts_keeps_each_class_at_its_clean_count_times_repeat():
    from handwriting.pipelines.preprocessing.nodes import within_clean_counts

    # class 0: 3 clean, 5 noisy; class 1: 4 clean, 1 noisy; class 2: clean only
    y = np.array([0] * 8 + [1] * 5 + [2] * 2)
    clean = np.array([1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1], dtype=bool)
    rows = within_clean_counts(y, clean, 2, seed=0)
    assert np.bincount(y[rows]).tolist() == [6, 8, 4]  # twice each class's clean strokes
    for cls in range(3):  # every clean stroke at least once
        assert set(np.flatnonzero(clean & (y == cls))) <= set(rows[y[rows] == cls])
    drawn = np.concatenate([within_clean_counts(y, clean, 2, seed=s) for s in range(200)])
    assert (~clean[drawn]).any() and set(drawn[y[drawn] == 0]) == set(range(8))  # noisy come in
    np.testing.assert_array_equal(rows, within_clean_counts(y, clean, 2, seed=0))  # seeded
    np.testing.assert_array_equal(within_clean_counts(y, clean, 1, seed=0), np.flatnonzero(clean))


def test_prepare_pen_train_brings_noisy_writers_in_within_the_clean_class_counts():
    records = _records(200)
    base = {"train": True, "heldout_fraction": 0.3, "train_subset": None, "repeat": 2}
    clean = prepare_pen_train(records, ["1", "7"], {}, {"seed": 0, "unipen": {
        **base, "train_clean_only": True}})
    every = prepare_pen_train(records, ["1", "7"], {}, {"seed": 0, "unipen": {
        **base, "train_clean_only": False}})
    within = prepare_pen_train(records, ["1", "7"], {}, {"seed": 0, "unipen": {
        **base, "train_clean_only": False, "noisy_within_clean_counts": True}})
    assert len(clean["y"]) < len(every["y"])
    assert np.bincount(within["y"]).tolist() == np.bincount(clean["y"]).tolist()
    # ignored while the noisy contributors stay out
    ignored = prepare_pen_train(records, ["1", "7"], {}, {"seed": 0, "unipen": {
        **base, "train_clean_only": True, "noisy_within_clean_counts": True}})
    np.testing.assert_array_equal(ignored["y"], clean["y"])


def test_admitted_noisy_contributors_join_the_clean_ones():
    from handwriting.pipelines.preprocessing.nodes import pen_train_records

    records = _records(200) + [dict(r, contrib="kai", writer="kai/" + r["writer"].split("/")[1])
                               for r in _records(200) if r["contrib"] == "apa"]
    cfg = {"heldout_fraction": 0.3, "train_clean_only": True}
    clean = pen_train_records(records, cfg)
    admitted = pen_train_records(records, {**cfg, "admit_noisy": ["apa"]})
    assert {r["contrib"] for r in clean} == {"abc"}
    assert {r["contrib"] for r in admitted} == {"abc", "apa"}  # kai stays out
    assert len(admitted) == len(clean) + sum(
        r["contrib"] == "apa" and not is_heldout_writer(r["writer"], 0.3) for r in records)
