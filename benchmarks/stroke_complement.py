"""Should the stroke model learn what the image model misses? A stroke model trained as a
complement, measured against the shipped independent one.

The page multiplies the two models' probabilities (``handwriting.page.fusion``). The shipped stroke
model is trained alone, as an independent expert. The alternative trained here fits the fused
output itself: for every training path, the image model's log-probabilities of the same drawing
(rendered through the canvas spec) are added to the stroke model's, and the loss is the cross
entropy of ``softmax(ln max(p_image, FLOOR) + ln max(p_stroke, FLOOR))``, exactly the page's
fusion with weight 1, so the page would ship it unchanged. The image model is the pipeline's
(``data/06_models/model.keras``); it was trained on the clean strokes of these same writers,
and the table reports how much better it reads them than new writers, since a model that knew
its training writers by heart would leave the complement nothing to learn.

Everything else is the shipped recipe (``stroke_modelling`` in conf/base: data, architecture,
augmentation, schedule, early stopping on the validation writers). Measured on every held-out
writer's clean character (reporting's ``heldout_pen_set``), fused with the same image model,
paired against the pipeline's stroke model (``data/06_models/stroke_model.keras``): McNemar on
characters and the writer-level interval and sign-flip test of ``paired.py``.

    .venv/bin/python benchmarks/stroke_complement.py          # about 10 minutes on 2 cores

Writes benchmarks/results/stroke_complement.json and .md.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import labels, params, unipen_main  # noqa: E402
from paired import (  # noqa: E402
    clean_heldout,
    fused_right,
    paired_measures,
    pipeline_models,
    table,
    writers_of,
)


def complement_model(inner, keras, floor: float):
    """``inner`` (paths -> probabilities) wrapped to take the image model's log-probabilities
    too and return the fused probabilities the page would compute."""
    L = keras.layers
    paths = keras.Input(inner.input_shape[1:], name="paths")
    prior = keras.Input((inner.output_shape[-1],), name="image_log_probs")
    log_stroke = L.Lambda(lambda p: keras.ops.log(keras.ops.maximum(p, floor)),
                          name="stroke_log_probs")(inner(paths))
    fused = L.Softmax(name="fused")(L.Add()([prior, log_stroke]))
    return keras.Model([paths, prior], fused, name="complement")


def _training_sets(strokes, classes, conf, image_model):
    """Training and validation writers' paths (as prepare_stroke_sets splits them) with the
    image model's log-probabilities of the same drawings, and each set's image accuracy."""
    from handwriting.page.fusion import FLOOR
    from handwriting.pipelines.preprocessing.nodes import (
        render_strokes,
        stroke_writer_split,
        trajectory_set,
    )
    from handwriting.pipelines.reporting.nodes import predict
    from handwriting.unipen import is_clean

    sp = conf["stroke_modelling"]
    train, val = stroke_writer_split(strokes, conf["preprocessing"], sp)
    out = {}
    for name, records in (("train", train), ("validation", val)):
        paths = trajectory_set(records, classes, int(sp["points"]))
        images = render_strokes(records, classes, conf["canvas_spec"])
        if not np.array_equal(paths["index"], images["index"]):
            raise ValueError("the canvas and trajectory specs dropped different drawings")
        probs = predict(image_model, images["x"])
        clean = np.array([is_clean(records[i]) for i in paths["index"]])
        right = probs.argmax(1) == paths["y"]
        out[name] = {"x": paths["x"], "y": paths["y"],
                     "prior": np.log(np.maximum(probs, FLOOR)).astype(np.float32),
                     "image_accuracy_clean": float(right[clean].mean())}
    return out


def train(sets: dict, conf: dict, num_classes: int):
    import keras
    import tensorflow as tf

    from handwriting.page.fusion import FLOOR
    from handwriting.model_architecture import build_model
    from handwriting.pipelines.modelling.augmentation import augment_paths
    from handwriting.pipelines.modelling.nodes import _optimizer
    from handwriting.pipelines.preprocessing.nodes import class_weights
    from handwriting.page.trajectory import FEATURES

    sp = conf["stroke_modelling"]
    keras.utils.set_random_seed(sp["seed"])
    inner = build_model(sp["architecture"], num_classes, keras,
                        input_shape=(int(sp["points"]), FEATURES), name="stroke_model",
                        input_name="strokes")
    model = complement_model(inner, keras, FLOOR)
    tr, va = sets["train"], sets["validation"]
    cw = class_weights(tr["y"], num_classes, power=sp.get("class_weight_power", 1.0))
    weights = np.array([cw[str(c)] for c in range(num_classes)], np.float32)[tr["y"]]
    aug = sp.get("augmentation") or {}
    ds = (tf.data.Dataset.from_tensor_slices((tr["x"], tr["prior"], tr["y"], weights))
          .shuffle(len(tr["y"]), seed=sp["seed"], reshuffle_each_iteration=True)
          .batch(sp["batch_size"])
          .map(lambda p, q, y, w: ((augment_paths(p, aug) if aug.get("enabled") else p, q),
                                   tf.one_hot(y, num_classes), w),
               num_parallel_calls=tf.data.AUTOTUNE)
          .prefetch(tf.data.AUTOTUNE))
    steps = int(np.ceil(len(tr["y"]) / sp["batch_size"]))
    model.compile(optimizer=_optimizer(sp, steps),
                  loss=keras.losses.CategoricalCrossentropy(
                      label_smoothing=sp.get("label_smoothing", 0.0)),
                  metrics=["accuracy"])
    es = sp["early_stopping"]
    stop = keras.callbacks.EarlyStopping(monitor=es.get("monitor", "val_loss"),
                                         patience=es["patience"], restore_best_weights=True)
    started = time.perf_counter()
    fit = model.fit(ds, epochs=sp["epochs"], callbacks=[stop], verbose=2,
                    validation_data=((va["x"], va["prior"]),
                                     keras.utils.to_categorical(va["y"], num_classes)))
    hist = fit.history
    best = int(np.argmin(hist["val_loss"]))
    return inner, {"epochs_run": len(hist["loss"]), "best_epoch": best + 1,
                   "val_fused_accuracy": float(hist["val_accuracy"][best]),
                   "train_seconds": time.perf_counter() - started}


def measure(unipen: Path) -> dict:
    from handwriting.datasets import StrokesDataset
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.reporting.nodes import predict

    conf, classes = params(), labels()
    image_model, shipped = pipeline_models()
    strokes = StrokesDataset(filepath=str(unipen)).load()
    sets = _training_sets(strokes, classes, conf, image_model)
    complement, history = train(sets, conf, len(classes))

    pen = clean_heldout(strokes, conf, classes)
    image = predict(image_model, pen["x"])
    right = {name: {f"fused, {m}": r for m, r in fused_right(
                 fuse(image, predict(model, pen["paths"]), 1.0).argmax(1), pen).items()}
             for name, model in (("independent", shipped), ("complement", complement))}
    rows = paired_measures(right["independent"], right["complement"],
                           writers_of(right["independent"], pen))
    seen = {"training writers": sets["train"]["image_accuracy_clean"],
            "validation writers": sets["validation"]["image_accuracy_clean"],
            "held-out writers": float((image.argmax(1) == pen["y"]).mean())}
    return {"history": history, "image_accuracy_clean": seen,
            "train_paths": int(len(sets["train"]["y"])), "measures": rows}


def markdown(r: dict) -> str:
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    h, acc = r["history"], r["image_accuracy_clean"]
    L = ["# A stroke model trained as the image model's complement", "",
         "B: the shipped stroke recipe trained on the fused output (`softmax(ln p_image + "
         "ln p_stroke)`, the page's fusion) with the pipeline's image model's opinion of each "
         "training drawing; A: the pipeline's stroke model, trained alone. Both fused with the "
         "same image model, on every held-out writer's clean character. Columns as in "
         "[paired.md](paired.md). Re-run: `.venv/bin/python benchmarks/stroke_complement.py`.", "",
         f"B trained on {r['train_paths']:,} paths, {h['epochs_run']} epochs (best "
         f"{h['best_epoch']}), fused accuracy on the validation writers "
         f"{pct(h['val_fused_accuracy'])}, "
         f"{h['train_seconds']:.0f} s. The image model's exact accuracy on clean characters of its "
         "own training writers (the complement's targets) "
         f"{pct(acc['training writers'])}, of the validation writers (also trained on) "
         f"{pct(acc['validation writers'])}, of held-out writers {pct(acc['held-out writers'])}.",
         ""] + table(r["measures"], "A independent", "B complement")
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    return unipen_main("stroke_complement", __doc__, measure, markdown, argv)


if __name__ == "__main__":
    raise SystemExit(main())
