import keras
import numpy as np
import pytest
import tensorflow as tf
import tf_keras
from toy_images import bar_images

from handwriting.model_architecture import build_model
from handwriting.pipelines.modelling.augmentation import augment_batch
from handwriting.pipelines.modelling.nodes import train_model

SEED_ARCH = [
    {"type": "conv", "filters": 16}, {"type": "max_pool"},
    {"type": "conv", "filters": 32}, {"type": "max_pool"},
    {"type": "conv", "filters": 64}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dense", "units": 128},
]


def test_seed_architecture_has_the_seed_size():
    model = build_model(SEED_ARCH, 62, keras)
    # ~105k float32 parameters = the seed's ~420 KB
    assert model.count_params() == 105_150
    assert model.output_shape == (None, 62)


def test_keras_and_tf_keras_builds_match_weight_for_weight():
    arch = SEED_ARCH[:2] + [{"type": "conv", "filters": 8, "batch_norm": True},
                            {"type": "dropout", "rate": 0.2}, {"type": "global_avg_pool"}]
    k3, k2 = build_model(arch, 5, keras), build_model(arch, 5, tf_keras)
    assert [w.shape for w in k3.get_weights()] == [w.shape for w in k2.get_weights()]


def test_build_model_rejects_unknown_layer_and_options():
    with pytest.raises(ValueError, match="unknown layer type"):
        build_model([{"type": "lstm"}], 3, keras)
    with pytest.raises(ValueError, match="unknown options"):
        build_model([{"type": "conv", "filters": 4, "strides": 2}], 3, keras)


_toy_sets = bar_images


PARAMS = {
    "seed": 1, "architecture": [{"type": "conv", "filters": 4}, {"type": "max_pool"},
                                {"type": "flatten"}, {"type": "dense", "units": 16}],
    "batch_size": 32, "epochs": 6, "learning_rate": 0.01, "lr_schedule": "cosine",
    "label_smoothing": 0.1, "use_class_weights": True,
    "early_stopping": {"monitor": "val_loss", "patience": 2, "restore_best_weights": True},
    "augmentation": {"enabled": True, "rotation_degrees": 5, "shift_pixels": 1,
                     "dilate_probability": 0.2, "erode_probability": 0.2},
    "verbose": 0,
}


def test_train_model_learns_and_reports_history():
    train, val = _toy_sets(600, 0), _toy_sets(150, 1)
    model, history = train_model(train, val, {"0": 1.0, "1": 1.0, "2": 2.0}, ["a", "b", "c"], PARAMS)
    probs = model.predict(val["x"], verbose=0)
    assert (probs.argmax(1) == val["y"]).mean() > 0.95
    assert history["epochs_run"] >= 1 and 1 <= history["best_epoch"] <= history["epochs_run"]
    assert history["epochs_run"] <= history["epochs"] == PARAMS["epochs"]
    assert len(history["metrics"]["val_loss"]) == history["epochs_run"]
    assert history["samples_per_second"] > 0 and history["train_samples"] == 600
    assert history["parameters"] == model.count_params()


def test_early_stopping_restores_best_epoch():
    train, val = _toy_sets(300, 0), _toy_sets(100, 1)
    params = {**PARAMS, "epochs": 40, "learning_rate": 0.05, "lr_schedule": None,
              "early_stopping": {"monitor": "val_loss", "patience": 1, "restore_best_weights": True}}
    model, history = train_model(train, val, {}, ["a", "b", "c"], params)
    assert history["epochs_run"] < 40
    best = min(history["metrics"]["val_loss"])
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)(
        keras.utils.to_categorical(val["y"], 3), model.predict(val["x"], verbose=0))
    assert float(loss) == pytest.approx(best, rel=1e-3)


def test_augmentation_identity_when_disabled_and_bounded_when_on():
    x = _toy_sets(16)["x"]
    same = augment_batch(tf.constant(x), {})
    np.testing.assert_allclose(same.numpy(), x, atol=1e-6)
    tf.random.set_seed(0)
    out = augment_batch(tf.constant(x), {"rotation_degrees": 15, "shear_degrees": 10, "zoom": 0.1,
                                         "aspect": 0.1, "shift_pixels": 2,
                                         "dilate_probability": 0.5, "erode_probability": 0.3})
    out = out.numpy()
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    assert not np.allclose(out, x)
    # mild: the ink stays roughly where it was (the bar's row band keeps most of its mass)
    band = np.zeros_like(x, dtype=bool)
    for i in range(len(x)):
        rows = np.flatnonzero(x[i, :, 12, 0] > 0.5)
        band[i, max(rows.min() - 4, 0): rows.max() + 5] = True
    assert (out * band).sum() / out.sum() > 0.8


def test_dilation_thickens_strokes():
    x = np.zeros((1, 28, 28, 1), np.float32)
    x[0, 14, 5:23, 0] = 1.0
    thick = augment_batch(tf.constant(x), {"dilate_probability": 1.0}).numpy()
    thin = augment_batch(tf.constant(x), {"erode_probability": 1.0}).numpy()
    assert thick.sum() > x.sum() > thin.sum()


# ---- the stroke model --------------------------------------------------------------------------

STROKE_ARCH = [{"type": "conv1d", "filters": 8, "kernel_size": 3, "batch_norm": True},
               {"type": "max_pool1d"}, {"type": "conv1d", "filters": 8}, {"type": "global_pool1d"}]


def _paths(n, seed=0):
    """Pen paths of two classes: a vertical bar drawn down (0) and a horizontal one drawn right (1)."""
    from handwriting.page.trajectory import trajectory_features

    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for i in range(n):
        c = i % 2
        t = np.linspace(0, 10, 12)
        wobble = rng.normal(0, 0.5, 12)
        pts = np.stack([wobble, t] if c == 0 else [t, wobble], axis=1)
        xs.append(trajectory_features([pts.tolist()], 16))
        ys.append(c)
    return {"x": np.stack(xs), "y": np.array(ys)}


def test_stroke_architecture_builds_in_both_kerases():
    k3 = build_model(STROKE_ARCH, 4, keras, input_shape=(16, 5), name="stroke_model",
                     input_name="strokes")
    k2 = build_model(STROKE_ARCH, 4, tf_keras, input_shape=(16, 5), name="stroke_model",
                     input_name="strokes")
    assert k3.input_shape == (None, 16, 5) and k3.output_shape == (None, 4)
    assert [w.shape for w in k3.get_weights()] == [w.shape for w in k2.get_weights()]
    k2.set_weights(k3.get_weights())
    x = _paths(6)["x"]
    np.testing.assert_allclose(k2.predict(x, verbose=0), k3.predict(x, verbose=0), atol=1e-6)


def test_train_stroke_model_learns_direction_and_skips_without_data():
    from handwriting.pipelines.modelling.nodes import train_stroke_model

    params = {"seed": 0, "points": 16, "architecture": STROKE_ARCH, "batch_size": 16,
              "epochs": 6, "learning_rate": 0.01, "lr_schedule": None,
              "early_stopping": {"patience": 10}, "verbose": 0,
              "augmentation": {"enabled": True, "rotation_degrees": 10, "jitter": 0.005}}
    model, history = train_stroke_model(_paths(200), _paths(40, seed=1), ["|", "-"], params)
    assert history["trained"] and history["epochs_run"] == 6
    assert history["metrics"]["val_accuracy"][-1] > 0.9
    probs = model.predict(_paths(20, seed=2)["x"], verbose=0)
    assert (probs.argmax(1) == _paths(20, seed=2)["y"]).mean() > 0.9
    empty = {"x": np.zeros((0, 16, 5), np.float32), "y": np.zeros(0, np.int64)}
    untrained, h = train_stroke_model(empty, empty, ["|", "-"], params)
    assert h == {"trained": False, "parameters": untrained.count_params()}
    with pytest.raises(ValueError, match="shape"):
        train_stroke_model(_paths(8), _paths(4), ["|", "-"], {**params, "points": 32})


def test_path_augmentation_keeps_the_spec_invariants():
    from handwriting.pipelines.modelling.augmentation import augment_paths

    x = _paths(32)["x"]
    same = augment_paths(tf.constant(x), {}).numpy()
    # no distortion: the spec's output, up to re-centring on the resampled points' box (which
    # can be a little narrower than the drawing's own where a sample step cuts a corner)
    np.testing.assert_allclose(same, x, atol=0.03)
    cfg = {"rotation_degrees": 20, "shear_degrees": 20, "aspect": 0.3, "jitter": 0.01}
    out = augment_paths(tf.constant(x), cfg).numpy()
    assert not np.allclose(out[:, :, :2], x[:, :, :2], atol=1e-3)
    xy = out[:, :, :2]
    extent = xy.max(1) - xy.min(1)
    np.testing.assert_allclose(extent.max(1), 1.0, atol=1e-5)           # longer side 1
    np.testing.assert_allclose((xy.max(1) + xy.min(1)) / 2, 0, atol=1e-5)  # centred
    np.testing.assert_allclose(out[:, :-1, 2:4], np.diff(xy, axis=1), atol=1e-5)
    np.testing.assert_array_equal(out[:, :, 4], x[:, :, 4])              # pen state untouched


def _size_records(n_writers=60, seed=0):
    """Synthetic UNIPEN-like records: writers of many scales drawing o (0.6 of their O) and O."""
    rng = np.random.default_rng(seed)
    out = []
    for w in range(n_writers):
        scale = 10 ** rng.uniform(0, 2)
        for i in range(20):
            label = "o" if i % 2 else "O"
            h = scale * (0.6 if label == "o" else 1.0) * rng.lognormal(0, 0.05)
            out.append({"label": label, "writer": f"abc/{w}", "contrib": "abc",
                        "strokes": [[[0, 0], [h / 2, h]]]})
    return out


SIZE_PARAMS = {"enabled": True, "k": 5, "least": 3, "clip": 1.0, "bins": 10, "alpha": 1.0,
               "weight": 1.0, "seed": 1}
PRE = {"unipen": {"heldout_fraction": 0.25}}


def test_fit_size_cue_uses_training_writers_only_and_learns_the_size():
    from handwriting.pipelines.modelling.nodes import fit_size_cue
    from handwriting.unipen import is_heldout_writer

    records = _size_records()
    labels = ["O", "o"]
    cue = fit_size_cue(records, labels, PRE, SIZE_PARAMS)
    assert cue["fitted"] and cue["k"] == 5 and cue["least"] == 3
    training = {r["writer"] for r in records if not is_heldout_writer(r["writer"], 0.25)}
    assert 0 < cue["writers"] == len(training) < 60, "held-out writers never enter the fit"
    assert cue["typical"]["o"] / cue["typical"]["O"] == pytest.approx(0.6, rel=0.15)
    lo, up = np.array(cue["loglik"]["o"]), np.array(cue["loglik"]["O"])
    assert lo.argmax() < up.argmax(), "o is drawn lower than O against the same reference"
    assert np.exp(lo).sum() == pytest.approx(1.0, abs=1e-3) and len(lo) == 10  # 4 decimals
    # without data, or switched off, the page does without
    assert fit_size_cue([], labels, PRE, SIZE_PARAMS) == {"fitted": False}
    assert fit_size_cue(records, labels, PRE, {**SIZE_PARAMS, "enabled": False}) == {"fitted": False}


def test_training_is_reproducible_with_augmentation():
    """The same data and parameters give the same weights, bit for bit: the augmentation draws
    from one seed per batch, so tf.data's parallel map cannot reorder the random numbers (with
    stateful random ops it did: two runs of the shipped recipe differed)."""
    from handwriting.pipelines.modelling.nodes import train_stroke_model

    params = {**PARAMS, "epochs": 3, "early_stopping": {"patience": 10},
              "augmentation": {**PARAMS["augmentation"], "shear_degrees": 10, "zoom": 0.1}}
    runs = [train_model(_toy_sets(256), _toy_sets(64, seed=1), {}, list("abc"), params)[0]
            for _ in range(2)]
    assert all(np.array_equal(a, b) for a, b in zip(*(m.get_weights() for m in runs)))
    other = train_model(_toy_sets(256), _toy_sets(64, seed=1), {}, list("abc"),
                        {**params, "seed": 2})[0]
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0].get_weights(), other.get_weights()))
    stroke = {"seed": 0, "points": 16, "architecture": STROKE_ARCH, "batch_size": 16,
              "epochs": 3, "learning_rate": 0.01, "lr_schedule": None,
              "early_stopping": {"patience": 10}, "verbose": 0,
              "augmentation": {"enabled": True, "rotation_degrees": 10, "shear_degrees": 10,
                               "aspect": 0.2, "jitter": 0.005}}
    runs = [train_stroke_model(_paths(200), _paths(40, seed=1), ["|", "-"], stroke)[0]
            for _ in range(2)]
    assert all(np.array_equal(a, b) for a, b in zip(*(m.get_weights() for m in runs)))


def test_augmentation_draws_follow_the_seed():
    x = _toy_sets(8)["x"]
    cfg = {"rotation_degrees": 15, "shift_pixels": 2, "dilate_probability": 0.3,
           "erode_probability": 0.3}
    seed = tf.constant([3, 4], tf.int64)
    a = augment_batch(tf.constant(x), cfg, seed).numpy()
    assert np.array_equal(a, augment_batch(tf.constant(x), cfg, seed).numpy())
    assert not np.array_equal(a, augment_batch(tf.constant(x), cfg, tf.constant([3, 5], tf.int64)).numpy())
