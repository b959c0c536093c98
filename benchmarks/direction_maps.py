"""A third reader of the pen: a 2-D CNN over the pen path drawn as direction planes.

The page reads a drawing twice: the image model sees the ink (where, not how), the stroke model
the pen path as a sequence (how, but a 1-D convolution relates two parts of a character only when
they are drawn close together in time). Online handwriting recognisers often use a third view
that has both: the path drawn on a grid, each piece of ink in the plane of the direction the pen
was moving (8 planes, 45 degrees apart, each sample shared between its two nearest directions by
angle and between its four nearest pixels by position, then slightly blurred). A 2-D CNN then
sees where the strokes are and which way they went.

This benchmark asks whether that view adds anything to the two models the page has. It trains a
small 2-D CNN (``ARCHITECTURE``) on the direction planes of the stroke model's training writers
(``prepare_stroke_sets``: noisy contributors included, early stopping on the validation
writers), with the stroke model's recipe otherwise (schedule, class weights, augmentation of the
path before it is drawn), and reads all held-out writers' clean characters with it alone, fused
with the image model, and fused with both pipeline models the way the page fuses two (a product,
each weight 1, not tuned). The pipeline's own image and stroke models (``data/06_models``) give
the two-model baseline, as ``stroke_sizes.py`` measures it.

    .venv/bin/python benchmarks/direction_maps.py              # seed 42 (~20-40 min, 2 CPU cores)
    .venv/bin/python benchmarks/direction_maps.py --seed 7     # another draw, rows kept

Writes benchmarks/results/direction_maps.json and direction_maps.md (one row per seed).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shlex
import sys
import time
from functools import reduce
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import RESULTS, UNIPEN  # noqa: E402
from _project import labels as _labels  # noqa: E402
from _project import params as _params  # noqa: E402

SIZE, INNER, BINS, SIGMA = 28, 24, 8, 0.8
POINTS = 128  # samples along the path, about 0.5-1 pixel apart at 24 pixels a side
ARCHITECTURE = [
    {"type": "conv", "filters": 16, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 32, "batch_norm": True}, {"type": "max_pool"},
    {"type": "conv", "filters": 48, "batch_norm": True}, {"type": "max_pool"},
    {"type": "flatten"}, {"type": "dropout", "rate": 0.25},
]


def direction_planes(paths, size: int = SIZE, inner: int = INNER, bins: int = BINS,
                     sigma: float = SIGMA):
    """float32 ``(B, size, size, bins)`` direction planes of ``(B, points, 5)`` pen paths
    (``handwriting.page.trajectory``: x, y centred with a longer side of 1, dx, dy, pen).

    Each sample on ink (pen 1, moving) adds 1, shared bilinearly between the 4 pixels around
    ``size / 2 + inner * (x, y)`` and linearly between the 2 direction planes around the angle of
    ``(dx, dy)`` (plane k at k * 360 / bins degrees, y down). The planes are blurred by a Gaussian
    of ``sigma`` pixels and divided by their largest value, so a drawing's maximum is 1.
    """
    import tensorflow as tf

    paths = tf.convert_to_tensor(paths, tf.float32)
    batch, points = tf.shape(paths)[0], tf.shape(paths)[1]
    x, y, dx, dy, pen = (paths[..., i] for i in range(5))
    weight = pen * tf.cast(dx * dx + dy * dy > 0, tf.float32)
    b = tf.math.floormod(tf.atan2(dy, dx) / (2 * math.pi) * bins, float(bins))
    b0 = tf.floor(b)
    fb = b - b0
    u, v = size / 2 + inner * x - 0.5, size / 2 + inner * y - 0.5
    u0, v0 = tf.floor(u), tf.floor(v)
    fu, fv = u - u0, v - v0
    n = tf.broadcast_to(tf.range(batch)[:, None], [batch, points])
    parts, ids = [], []
    for du, wu in ((0, 1 - fu), (1, fu)):
        for dv, wv in ((0, 1 - fv), (1, fv)):
            col = tf.cast(u0, tf.int32) + du
            row = tf.cast(v0, tf.int32) + dv
            inside = tf.cast((col >= 0) & (col < size) & (row >= 0) & (row < size), tf.float32)
            col, row = tf.clip_by_value(col, 0, size - 1), tf.clip_by_value(row, 0, size - 1)
            for db, wb in ((0, 1 - fb), (1, fb)):
                plane = tf.cast(tf.math.floormod(b0 + db, float(bins)), tf.int32)
                ids.append(((n * size + row) * size + col) * bins + plane)
                parts.append(weight * wu * wv * wb * inside)
    flat = tf.math.unsorted_segment_sum(tf.reshape(tf.stack(parts), [-1]),
                                        tf.reshape(tf.stack(ids), [-1]),
                                        batch * size * size * bins)
    maps = tf.reshape(flat, [batch, size, size, bins])
    radius = max(1, int(math.ceil(3 * sigma)))
    g = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    kernel = tf.constant(np.tile(kernel[:, :, None, None], (1, 1, bins, 1)), tf.float32)
    maps = tf.nn.depthwise_conv2d(maps, kernel, [1, 1, 1, 1], "SAME")
    top = tf.reduce_max(maps, axis=[1, 2, 3], keepdims=True)
    return maps / tf.maximum(top, 1e-6)


def planes_of(paths: np.ndarray, batch: int = 4096) -> np.ndarray:
    """``direction_planes`` of a whole array of paths, in batches (numpy in, numpy out)."""
    out = [np.asarray(direction_planes(paths[i:i + batch])) for i in range(0, len(paths), batch)]
    return np.concatenate(out) if out else np.zeros((0, SIZE, SIZE, BINS), np.float32)


def augment_then_draw(batch, cfg: dict, seed=None):
    """The stroke model's path augmentation (``augment_paths``), then ``direction_planes``."""
    from handwriting.pipelines.modelling.augmentation import augment_paths

    return direction_planes(augment_paths(batch, cfg, seed))


def recipe(seed: int) -> dict:
    """The stroke model's training parameters with this benchmark's architecture and ``seed``."""
    conf = copy.deepcopy(_params()["stroke_modelling"])
    conf.update(seed=int(seed), architecture=ARCHITECTURE, points=POINTS)
    return conf


def train(unipen_strokes: list[dict], labels: list[str], seed: int):
    """(model, history) of the direction-plane CNN on the stroke model's training writers."""
    import keras

    from handwriting.model_architecture import build_model
    from handwriting.pipelines.modelling.nodes import _dataset, _fit, balanced_weight_vector
    from handwriting.pipelines.preprocessing.nodes import prepare_stroke_sets

    conf, params = _params(), recipe(seed)
    train_set, val_set = prepare_stroke_sets(unipen_strokes, labels, conf["preprocessing"],
                                             params)
    keras.utils.set_random_seed(params["seed"])
    model = build_model(ARCHITECTURE, len(labels), keras, input_shape=(SIZE, SIZE, BINS),
                        name="direction_model", input_name="planes")
    weights = balanced_weight_vector(train_set["y"], len(labels), params)
    dataset = _dataset(train_set, weights, len(labels), params, augment=augment_then_draw)
    val = {"x": planes_of(val_set["x"]), "y": val_set["y"]}
    return model, _fit(model, dataset, train_set, val, len(labels), params)


def heldout(unipen_strokes: list[dict], labels: list[str]) -> dict:
    """Every held-out writer's clean character as the three readers see it: ``x`` images,
    ``paths`` (the stroke model's points), ``planes`` (``POINTS`` samples drawn), ``y``,
    ``digits``, ``fold`` (``paired.clean_heldout``)."""
    from paired import clean_heldout

    conf = _params()
    pen = clean_heldout(unipen_strokes, conf, labels)
    fine = copy.deepcopy(conf)
    fine["stroke_modelling"]["points"] = POINTS
    fine_pen = clean_heldout(unipen_strokes, fine, labels)
    if not np.array_equal(fine_pen["y"], pen["y"]):
        raise ValueError("the held-out characters differ between the two resamplings")
    pen["planes"] = planes_of(fine_pen["paths"])
    return pen


def measure(unipen: Path, seed: int) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from paired import fused_right, pipeline_models

    from handwriting.datasets import StrokesDataset
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.reporting.nodes import predict

    labels = _labels()
    strokes = StrokesDataset(filepath=str(unipen)).load()
    started = time.perf_counter()
    model, history = train(strokes, labels, seed)
    pen = heldout(strokes, labels)
    image_model, stroke_model = pipeline_models()
    probs = {name: predict(m, x) for name, m, x in (
        ("image", image_model, pen["x"]), ("stroke", stroke_model, pen["paths"]),
        ("direction", model, pen["planes"]))}
    readers = {"image model alone": ("image",), "stroke model alone": ("stroke",),
               "direction model alone": ("direction",),
               "image x stroke (the page)": ("image", "stroke"),
               "image x direction": ("image", "direction"),
               "stroke x direction": ("stroke", "direction"),
               "image x stroke x direction": ("image", "stroke", "direction")}
    rows = {}
    for name, parts in readers.items():  # a product of the readers, as the page fuses two
        right = fused_right(reduce(fuse, [probs[p] for p in parts]).argmax(1), pen)
        rows[name] = {"exact": float(right["exact"].mean()),
                      "case_folded": float(right["case-folded"].mean()),
                      "digits": float(right["digits"].mean())}
    return {"seed": seed, "parameters": int(model.count_params()),
            "weights_uint8_kb": model.count_params() / 1000,
            "epochs_run": history["epochs_run"], "best_epoch": history["best_epoch"],
            "train_samples": history["train_samples"],
            "validation_accuracy": history["metrics"]["val_accuracy"][history["best_epoch"] - 1],
            "n": int(len(pen["y"])), "n_digits": int(pen["digits"].sum()), "readers": rows,
            "wall_seconds": time.perf_counter() - started}


def markdown(result: dict) -> str:
    runs = result["runs"]
    L = ["# A third reader: the pen path as direction planes", "",
         "A 2-D CNN over the pen path drawn in 8 direction planes (28 x 28 x 8, "
         f"{POINTS} samples along the path; `direction_planes`), trained like the stroke model "
         "on the training writers' pen paths, read on every held-out writer's clean character "
         "alone and multiplied with the pipeline's image and stroke models (each weight 1). "
         "Row *image x stroke* is the page as shipped.", ""]
    for run in runs:
        L += [f"## Seed {run['seed']}", "",
              f"{run['parameters']:,} parameters (about {run['weights_uint8_kb']:.0f} KB as "
              f"uint8), {run['train_samples']:,} training paths, {run['epochs_run']} epochs "
              f"(best {run['best_epoch']}), validation writers {100 * run['validation_accuracy']:.2f}%"
              f"; {run['n']:,} held-out clean characters ({run['n_digits']:,} digits); "
              f"{run['wall_seconds'] / 60:.0f} min.", "",
              "| reader | exact | case-folded | digits |", "|---|---:|---:|---:|"]
        for name, r in run["readers"].items():
            cells = [f"{100 * r[k]:.2f}%" for k in ("exact", "case_folded", "digits")]
            if name == "image x stroke (the page)":
                cells = [f"**{c}**" for c in cells]
            L.append(f"| {name} | " + " | ".join(cells) + " |")
        page, three = run["readers"]["image x stroke (the page)"], run["readers"][
            "image x stroke x direction"]
        L += ["", "The direction model added to the page's two models moves exact by "
              f"{100 * (three['exact'] - page['exact']):+.2f} points, case-folded by "
              f"{100 * (three['case_folded'] - page['case_folded']):+.2f}, digits by "
              f"{100 * (three['digits'] - page['digits']):+.2f}.", ""]
    L += [f"Re-run: `{result['command']}` (2 CPU cores).", ""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    args = ap.parse_args(argv)
    path = RESULTS / "direction_maps.json"
    old = json.loads(path.read_text()) if path.exists() else {"runs": []}
    run = measure(args.unipen, args.seed)
    runs = [r for r in old["runs"] if r["seed"] != args.seed] + [run]
    result = {"benchmark": "direction_maps", "runs": sorted(runs, key=lambda r: r["seed"]),
              "command": " ".join([".venv/bin/python", "benchmarks/direction_maps.py",
                                   *map(shlex.quote, argv)])}
    path.write_text(json.dumps(result, indent=1) + "\n")
    text = markdown(result)
    (RESULTS / "direction_maps.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
