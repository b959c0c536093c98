"""Train the CNN and the stroke model described in parameters_modelling.yml.

Both read their batches from a ``tf.data`` pipeline (shuffled from the seed, batched, augmented,
prefetched) and train under the ``tf.distribute`` strategy their ``distribution`` parameter
names (``handwriting.distribution``: every local GPU when there is one, else the CPU as before).
Early stopping watches the validation split (never the test file); class weights enter as
per-sample weights so they work with one-hot (label-smoothed) targets.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from handwriting.distribution import strategy_name, training_strategy
from handwriting.model_architecture import build_model
from handwriting.sampling import class_weights

logger = logging.getLogger(__name__)


def _dataset(train_set: dict, weights: np.ndarray, num_classes: int, params: dict,
             augment=None):
    """Shuffled, batched, augmented (``augment(batch, cfg)``, default: the image augmentation)
    one-hot training batches with per-sample class weights."""
    import tensorflow as tf

    from .augmentation import augment_batch

    augment = augment or augment_batch
    x, y = train_set["x"], train_set["y"]
    sample_w = weights[y].astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((x, y, sample_w))
    ds = ds.shuffle(min(len(y), params.get("shuffle_buffer", 100_000)),
                    seed=params["seed"], reshuffle_each_iteration=True)
    ds = ds.batch(params["batch_size"])
    aug = params.get("augmentation") or {}
    if aug.get("enabled"):
        # one seed per batch from a seeded stream (new each epoch): the same augmentations in
        # every run, whatever order the parallel map runs the batches in
        seeds = tf.data.Dataset.random(seed=params["seed"], rerandomize_each_iteration=True)
        ds = tf.data.Dataset.zip((ds, seeds.batch(2)))
        ds = ds.map(lambda abw, seed: (augment(abw[0], aug, seed), abw[1], abw[2]),
                    num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.map(lambda a, b, w: (a, tf.one_hot(b, num_classes), w))
    # several workers: each takes its share of every batch (the arrays are not files to split)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def _optimizer(params: dict, steps_per_epoch: int, keras):
    lr = params["learning_rate"]
    schedule = params.get("lr_schedule")
    if schedule == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(
            lr, decay_steps=steps_per_epoch * params["epochs"], alpha=0.02)
    elif schedule not in (None, "constant"):
        raise ValueError(f"unknown lr_schedule {schedule!r} (use null or cosine)")
    return keras.optimizers.Adam(learning_rate=lr)


def _keras_for(strategy):
    """Keras 3, except under the multi-worker strategy, which only Keras 2 (tf_keras) trains with
    (Keras 3's fit fails on it: keras-team/keras#20585)."""
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        import tf_keras

        return tf_keras
    import keras

    return keras


def _fit(strategy, build, dataset, train_set: dict, validation_set: dict, num_classes: int,
         params: dict):
    """Build (``build(keras_module)``) and compile (Adam, optional cosine schedule, label
    smoothing) the model under ``strategy``, and fit it with early stopping on the validation
    set; the Keras 3 model and its training history as the pipeline stores it."""
    import keras as keras3

    keras = _keras_for(strategy)
    steps = int(np.ceil(len(train_set["y"]) / params["batch_size"]))
    with strategy.scope():  # the weights and the optimizer's slots live on every replica
        model = build(keras)
        model.compile(
            optimizer=_optimizer(params, steps, keras),
            loss=keras.losses.CategoricalCrossentropy(
                label_smoothing=params.get("label_smoothing", 0.0)),
            metrics=["accuracy"],
        )
    es = params["early_stopping"]
    callbacks = [keras.callbacks.EarlyStopping(
        monitor=es.get("monitor", "val_loss"), patience=es["patience"],
        restore_best_weights=es.get("restore_best_weights", True), verbose=1)]
    val = (validation_set["x"], keras.utils.to_categorical(validation_set["y"], num_classes))

    started = time.perf_counter()
    fit = model.fit(dataset, validation_data=val, epochs=params["epochs"], callbacks=callbacks,
                    shuffle=False, verbose=params.get("verbose", 2))
    seconds = time.perf_counter() - started
    if keras is not keras3:  # the same network, weight for weight, as the pipeline keeps it
        trained, model = model, build(keras3)
        model.set_weights(trained.get_weights())

    hist = {k: [float(v) for v in vals] for k, vals in fit.history.items()}
    epochs_run = len(hist["loss"])
    monitor = es.get("monitor", "val_loss")
    pick = np.argmin if "loss" in monitor else np.argmax
    return model, {
        "metrics": hist,
        "epochs": int(params["epochs"]),
        "epochs_run": epochs_run,
        "best_epoch": int(pick(hist[monitor])) + 1,
        "monitor": monitor,
        "train_seconds": seconds,
        "samples_per_second": epochs_run * len(train_set["y"]) / seconds,
        "train_samples": int(len(train_set["y"])),
        "validation_samples": int(len(validation_set["y"])),
        "parameters": int(model.count_params()),
        "strategy": strategy_name(strategy),
        "replicas": int(strategy.num_replicas_in_sync),
    }


def train_model(train_set: dict, validation_set: dict, class_weights: dict[str, float],
                labels: list[str], params: dict):
    """Build, compile and fit the model; return it with its training history."""
    import keras

    # first: the multi-worker strategy must exist before any other TensorFlow work
    strategy = training_strategy(params.get("distribution"))
    num_classes = len(labels)
    keras.utils.set_random_seed(params["seed"])

    def build(keras):
        model = build_model(params["architecture"], num_classes, keras)
        model.summary(print_fn=logger.debug)  # the layers are in parameters_modelling.yml
        return model

    weights = np.ones(num_classes, dtype=np.float32)
    if params.get("use_class_weights", True):
        for key, value in class_weights.items():
            weights[int(key)] = value
    dataset = _dataset(train_set, weights, num_classes, params)
    model, history = _fit(strategy, build, dataset, train_set, validation_set, num_classes,
                          params)
    logger.info("trained %d epochs in %.0f s (%.0f samples/s, %s, %d replica(s)); best epoch %d",
                history["epochs_run"], history["train_seconds"], history["samples_per_second"],
                history["strategy"], history["replicas"], history["best_epoch"])
    return model, history


def stroke_recipe(params: dict) -> dict:
    """The stroke_modelling parameters that decide what is trained (not how verbosely, on which
    devices, nor how the page fuses it), recorded in the training history so that benchmarks can
    tell whether the pipeline's model is the one they mean."""
    return {k: v for k, v in params.items()
            if k not in ("verbose", "fusion_weight", "distribution")}


def balanced_weight_vector(y: np.ndarray, num_classes: int, params: dict) -> np.ndarray:
    """Per-class training weights of labels ``y``, balanced to ``params["class_weight_power"]``
    (``handwriting.sampling.class_weights``), as a float32 vector indexed by class."""
    cw = class_weights(y, num_classes, power=params.get("class_weight_power", 1.0))
    return np.array([cw[str(c)] for c in range(num_classes)], np.float32)


def train_stroke_model(stroke_train_set: dict, stroke_validation_set: dict, labels: list[str],
                       params: dict):
    """Build and fit the stroke model (a 1-D CNN over pen paths); return it with its history.

    Without pen paths (no UNIPEN data) the model is returned untrained with
    ``history["trained"] = False``, and the deployment ships the image model alone.
    """
    import keras

    from handwriting.page.trajectory import FEATURES

    from .augmentation import augment_paths

    strategy = training_strategy(params.get("distribution"))  # first, as in train_model
    num_classes = len(labels)
    points = int(params["points"])
    keras.utils.set_random_seed(params["seed"])

    def build(keras):
        return build_model(params["architecture"], num_classes, keras,
                           input_shape=(points, FEATURES), name="stroke_model",
                           input_name="strokes")

    x, y = stroke_train_set["x"], stroke_train_set["y"]
    if len(y) == 0 or len(stroke_validation_set["y"]) == 0:
        model = build(keras)
        logger.warning("no pen paths: the stroke model is not trained (the page will use the "
                       "image model alone)")
        return model, {"trained": False, "parameters": int(model.count_params())}
    if x.shape[1:] != (points, FEATURES):
        raise ValueError(f"pen paths have shape {x.shape[1:]}, the stroke model takes "
                         f"{(points, FEATURES)}; rerun the preprocessing pipeline")
    weights = balanced_weight_vector(y, num_classes, params)
    dataset = _dataset(stroke_train_set, weights, num_classes, params, augment=augment_paths)
    model, fitted = _fit(strategy, build, dataset, stroke_train_set, stroke_validation_set,
                         num_classes, params)
    history = {"trained": True, **fitted, "recipe": stroke_recipe(params)}
    hist = history["metrics"]
    logger.info("stroke model: %d epochs in %.0f s; best epoch %d, validation accuracy %.4f",
                history["epochs_run"], history["train_seconds"], history["best_epoch"],
                hist.get("val_accuracy", [float("nan")])[history["best_epoch"] - 1])
    return model, history


def fit_size_cue(unipen_strokes: list[dict], labels: list[str], preprocessing_params: dict,
                 params: dict) -> dict:
    """The page's size cue (handwriting.page.sizecue), fitted on the training writers' clean UNIPEN
    characters (labels and ink heights only; held-out writers never enter). Without UNIPEN data,
    or with ``enabled: false``, ``{"fitted": False}`` and the page does without."""
    from handwriting.page.sizecue import fit_size_cue as fit, ink_height
    from handwriting.unipen import select

    if not params.get("enabled", True) or not unipen_strokes:
        return {"fitted": False}
    records = [r for r in select(unipen_strokes, heldout=False,
                                 fraction=preprocessing_params["unipen"]["heldout_fraction"],
                                 clean_only=True) if r["label"] in labels]
    index = {c: i for i, c in enumerate(labels)}
    cue = fit(np.array([index[r["label"]] for r in records]),
              np.array([ink_height(r["strokes"]) for r in records]),
              np.array([r["writer"] for r in records]), list(labels),
              k=int(params["k"]), least=int(params["least"]), clip=float(params["clip"]),
              bins=int(params["bins"]), alpha=float(params["alpha"]),
              weight=float(params["weight"]), seed=int(params["seed"]))
    logger.info("size cue: fitted on %d characters of %d training writers", cue["characters"],
                cue["writers"])
    return {"fitted": True, **cue}
