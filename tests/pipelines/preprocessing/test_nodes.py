import numpy as np
import pytest

from handwriting.pipelines.preprocessing.nodes import (
    compute_class_weights,
    fix_orientation,
    prepare_test,
    prepare_train,
    scale_images,
)


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
)
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
