"""Stroke model variants: what layout, schedule, width and training data buy on held-out writers.

Each variant is the stroke model recipe of ``conf/base/parameters_modelling.yml``
(``stroke_modelling``) with the change its row names (rows ``wide``, ``narrow`` and
``clean_only`` change the first shipped recipe, row ``first``, which they were measured against),
trained through the pipeline's own nodes (``prepare_stroke_sets``, ``train_stroke_model``) on the
training writers, and measured by the reporting node ``evaluate_pen_strokes``: every held-out
writer's UNIPEN character, read by the stroke model alone and fused with the image model
(``data/06_models/model.keras``, the Keras model the page's export comes from) the way the page
fuses them. The page's weight budget (issue 4: 150 KB for everything the page downloads) is why
the shipped stroke model is not the widest. Row ``traced`` adds the EMNIST training file
(``HANDWRITING_EMNIST_DIR``) to the training writers' pen paths, each image walked into a guessed
pen path (``handwriting.ink_tracing``); rows ``traced_pretrain*`` train on those guessed paths
first and then on the real ones.

    .venv/bin/python benchmarks/stroke_sizes.py                 # every variant (~6-25 min each)
    .venv/bin/python benchmarks/stroke_sizes.py --only wide     # one variant, others kept

A row reads the pipeline's trained ``data/06_models/stroke_model.keras`` instead of training
again when that model was trained with the row's parameters (its history records them; never
for a row with training data of its own, such as ``traced``). Writes
benchmarks/results/stroke_sizes.json and stroke_sizes.md.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import EMNIST, REPO, RESULTS, UNIPEN, deep_merge  # noqa: E402
from _project import labels as _labels  # noqa: E402
from _project import params as _params  # noqa: E402


def _conv(filters: list[int], kernels: list[int], pools_after: set[int]) -> list[dict]:
    arch = []
    for i, (f, k) in enumerate(zip(filters, kernels)):
        arch.append({"type": "conv1d", "filters": f, "kernel_size": k, "batch_norm": True})
        if i in pools_after:
            arch.append({"type": "max_pool1d"})
    return arch + [{"type": "global_pool1d"}, {"type": "dropout", "rate": 0.3}]


def _shipped_widths(pools_after: set[int]) -> list[dict]:
    """The shipped stroke model's convolutions (32/32/48/48/64) with max-pooling after these."""
    return _conv([32, 32, 48, 48, 64], [5, 5, 3, 3, 3], pools_after)


# The first shipped recipe: pooling after the second and fourth convolution, 20 epochs (early
# stopping patience 4). Rows wide, narrow and clean_only were measured against it, so they keep it.
POOL_LATE = {"architecture": _shipped_widths({1, 3})}
FIRST = {**POOL_LATE, "epochs": 20,
         "early_stopping": {"monitor": "val_loss", "patience": 4, "restore_best_weights": True}}
# the shipped layout (pooling after conv 1, 2 and 4), as wide as the budget allows as uint8
MID = {"architecture": _conv([48, 48, 80, 80, 112], [5, 5, 3, 3, 3], {0, 1, 3})}

# name: (what changes, overrides of stroke_modelling)
VARIANTS = {
    "shipped": ("the shipped recipe", {}),
    # each feature sees 28 of the 64 points instead of 52, at twice the multiply-adds
    "pool_late": ("pooling after conv 2 and 4 (not 1, 2 and 4)", POOL_LATE),
    "pool_late_seed": ("pooling after conv 2 and 4, seed 7", {**POOL_LATE, "seed": 7}),
    # each feature sees every point
    "pool_all": ("pooling after each of conv 1-4", {"architecture": _shipped_widths({0, 1, 2, 3})}),
    # how far a different seed alone moves the figures (initialisation, shuffling, augmentation)
    "seed": ("the shipped recipe with seed 7 instead of 42", {"seed": 7}),
    "first": ("pooling after conv 2 and 4, 20 epochs (patience 4): as first shipped", FIRST),
    "wide": ("as first shipped, 64/64/96/96/128 filters",
             {**FIRST, "architecture": _conv([64, 64, 96, 96, 128], [5, 5, 3, 3, 3], {1, 3})}),
    "narrow": ("as first shipped, 16/32/48/48 filters",
               {**FIRST, "architecture": _conv([16, 32, 48, 48], [5, 5, 3, 3], {1, 2})}),
    "clean_only": ("as first shipped, clean contributors only", {**FIRST, "clean_only": True}),
    # rows above were fused with the image model shipped before stop 11 (lite_pen_all); this
    # one and those below with the one shipped since (lite_pen_x2)
    "shipped_x2": ("the shipped recipe (the stroke model shipped at stops 11 to 16), fused with "
                   "the image model shipped at stops 11 to 16", {}),
    # the same weights' shapes (global pooling): finer paths for many-stroke characters, at 1.5x
    # the multiply-adds
    "points96": ("the shipped recipe on 96 points instead of 64", {"points": 96}),
    # rows below: fused with the models shipped since stop 17 (efa9f94798270462, whose stroke
    # model is the recipe's seed-42 draw with seeded augmentation)
    "shipped_now": ("the shipped recipe (the stroke model shipped since stop 17), fused with the "
                    "image model shipped since stop 17", {}),
    "seed_now": ("the shipped recipe with seed 7 instead of 42, fused with the image model "
                 "shipped since stop 17", {"seed": 7}),
    # a learning curve: would more pen data help? (a stratified share of the training writers'
    # characters, every writer kept, so writer variety shrinks less than the count does)
    "data_half": ("the shipped recipe on half the training characters (stratified, all writers)",
                  {"train_subset": 0.5}),
    "data_quarter": ("the shipped recipe on a quarter of the training characters (stratified, "
                     "all writers)", {"train_subset": 0.25}),
    # more hands from the ones there are: smooth non-affine distortions of each training path
    # (modelling/augmentation.py; 0.05 of the drawing's longer side, set before measuring)
    "warp": ("+ a smooth warp of each path by position (augmentation warp 0.05)",
             {"augmentation": {"warp": 0.05}}),
    "wobble": ("+ a smooth wobble of each path along its length (augmentation wobble 0.05)",
               {"augmentation": {"wobble": 0.05}}),
    # the most width the page's 150 KB budget holds if the stroke model ships as uint8 (about
    # 86 KB beside the image model's 59 KB) instead of float16; two seeds, set before measuring
    "mid": ("the shipped recipe at 48/48/80/80/112 filters (within the page's budget only as "
            "uint8)", MID),
    "mid_seed": ("the shipped recipe at 48/48/80/80/112 filters, seed 7 instead of 42",
                 {**MID, "seed": 7}),
    # more writers: EMNIST's training images with a guessed pen order (handwriting.ink_tracing)
    # beside the real pens; a benchmark-only key, not a pipeline parameter
    "traced": ("+ the EMNIST training images, thinned and walked into guessed pen paths",
               {"emnist_traced": True}),
    # the same guessed paths as a starting point instead: the recipe on them alone for
    # PRETRAIN_EPOCHS, then the shipped recipe on the real pens from those weights (two seeds)
    "traced_pretrain": ("pre-trained on the guessed EMNIST pen paths alone, then the shipped "
                        "recipe", {"emnist_pretrain": True}),
    "traced_pretrain_seed": ("pre-trained on the guessed EMNIST pen paths alone, then the shipped "
                             "recipe, seed 7 instead of 42", {"emnist_pretrain": True, "seed": 7}),
}
BENCHMARK_KEYS = ("emnist_traced", "emnist_pretrain")  # run_variant's own, not the pipeline's
PRETRAIN_EPOCHS = 20


def traced_emnist(labels: list[str], points: int, emnist_dir: Path = EMNIST) -> dict:
    """The EMNIST training file's images as guessed pen paths (``x`` (N, points, 5), ``y``),
    upright as the preprocessing pipeline orients them; images with no ink left out. Read with
    the pipeline's own EMNIST datasets (never downloading)."""
    from handwriting.datasets.emnist import EMNISTMappingDataset, EMNISTSplitDataset
    from handwriting.ink_tracing import traced_drawings
    from handwriting.pipelines.preprocessing.nodes import fix_orientation
    from handwriting.page.trajectory import trajectory_features

    split = EMNISTSplitDataset(emnist_dir, split="train", download=False).load()
    images = fix_orientation(split["images"])
    classes = EMNISTMappingDataset(emnist_dir, download=False).load()
    index = {c: i for i, c in enumerate(labels)}
    y = [index[classes[v]] for v in split["labels"]]
    xs, ys = [], []
    for drawing, label in zip(traced_drawings(images), y):
        features = trajectory_features(drawing, points) if drawing else None
        if features is not None:
            xs.append(features)
            ys.append(label)
    return {"x": np.stack(xs).astype(np.float32), "y": np.asarray(ys, dtype=np.int64)}


# rows that differ only in the seed (the same image model), and the rows that are each another
# draw of the shipped recipe (their stroke models alone compare, whatever image model they were
# fused with)
SEED_PAIRS = [("shipped", "seed"), ("shipped_now", "seed_now"), ("mid", "mid_seed"),
              ("traced_pretrain", "traced_pretrain_seed")]
SAME_RECIPE = ["shipped", "seed", "shipped_now", "seed_now"]  # shipped_x2 is shipped's model


def _pipeline_model(params: dict, shipped: bool):
    """The pipeline's stroke model (``data/06_models``), if it was trained with these parameters.

    Its history records the recipe it was trained with; a history from before that was recorded
    is trusted for the shipped row only, when the layers match."""
    import keras

    from handwriting.model_architecture import build_model
    from handwriting.pipelines.modelling.nodes import stroke_recipe

    path = REPO / "data" / "06_models" / "stroke_model.keras"
    history_path = REPO / "data" / "06_models" / "stroke_training_history.json"
    if not (path.exists() and history_path.exists()):
        return None, None
    history = json.loads(history_path.read_text())
    if "recipe" in history:
        same = json.dumps(history["recipe"], sort_keys=True) == json.dumps(stroke_recipe(params),
                                                                           sort_keys=True)
        return (keras.models.load_model(path), history) if same else (None, None)
    if not shipped:
        return None, None
    model = keras.models.load_model(path)
    fresh = build_model(params["architecture"], model.output_shape[-1], keras,
                        input_shape=(params["points"], 5))
    if ([(type(a).__name__, [w.shape for w in a.get_weights()]) for a in fresh.layers]
            != [(type(b).__name__, [w.shape for w in b.get_weights()]) for b in model.layers]):
        return None, None
    return model, history


def run_variant(name: str, conf: dict, strokes: list[dict], labels: list[str], image_model) -> dict:
    from handwriting.pipelines.modelling.nodes import train_stroke_model
    from handwriting.pipelines.preprocessing.nodes import prepare_stroke_sets
    from handwriting.pipelines.reporting.nodes import evaluate_pen_strokes

    what, overrides = VARIANTS[name]
    # a dict override (augmentation) changes only the keys it names
    params = {**copy.deepcopy(deep_merge(conf["stroke_modelling"], overrides)), "verbose": 0}
    extra = {key: params.pop(key) for key in BENCHMARK_KEYS if key in params}
    started = time.perf_counter()
    model, history = (None, None) if extra else _pipeline_model(params, shipped=name == "shipped")
    reused = model is not None
    if model is None:
        train, val = prepare_stroke_sets(strokes, labels, conf["preprocessing"], params)
        start = None
        traced = traced_emnist(labels, int(params["points"])) if extra else None
        if extra.get("emnist_traced"):
            train = {k: np.concatenate([train[k], traced[k]]) for k in ("x", "y")}
        if extra.get("emnist_pretrain"):
            start, _ = train_stroke_model(traced, val, labels,
                                          {**params, "epochs": PRETRAIN_EPOCHS})
        model, history = train_stroke_model(train, val, labels, params, initial_model=start)
    pen = evaluate_pen_strokes(image_model, model, history, strokes, labels, conf["canvas_spec"],
                               conf["preprocessing"], params, conf["reporting"])
    best = history["best_epoch"] - 1

    def acc(block, subset, key="accuracy"):
        return block[subset][key]

    return {
        "variant": name, "what": what, "parameters": int(model.count_params()),
        "float16_bytes": 2 * int(model.count_params()), "uint8_bytes": int(model.count_params()),
        "train_samples": history["train_samples"], "epochs_run": history["epochs_run"],
        "best_epoch": history["best_epoch"],
        "val_accuracy": history["metrics"]["val_accuracy"][best],
        "stroke_clean_accuracy": acc(pen["stroke_model"], "clean"),
        "fused_clean_accuracy": acc(pen, "clean"),
        "fused_clean_case_folded_accuracy": acc(pen, "clean", "case_folded_accuracy"),
        "fused_clean_digit_accuracy": pen["clean"]["by_group"]["digit"]["accuracy"],
        "fused_all_accuracy": acc(pen, "all"),
        "image_clean_accuracy": acc(pen["image_model"], "clean"),
        "image_clean_case_folded_accuracy": acc(pen["image_model"], "clean", "case_folded_accuracy"),
        "image_clean_digit_accuracy": pen["image_model"]["clean"]["by_group"]["digit"]["accuracy"],
        "n_clean": pen["clean"]["n_test"], "n_all": pen["all"]["n_test"],
        "reused_pipeline_model": reused, "wall_seconds": time.perf_counter() - started,
    }


def markdown(rows: dict, meta: dict) -> str:
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    first = next(iter(rows.values()))
    L = ["# Stroke model variants on held-out writers", "",
         "Each row: the stroke model trained through the pipeline's nodes with the change named "
         "(rows `wide`, `narrow` and `clean_only` change the first shipped recipe, row `first`), "
         "then "
         f"every held-out writer's UNIPEN character ({first['n_all']:,}; clean subset "
         f"{first['n_clean']:,}) read by the stroke model alone and fused, as the page fuses them, "
         "with the image model in `data/06_models/model.keras` when the row was measured (the "
         "Keras model the page's uint8 export comes from; `evaluate_pen_strokes`, the Python twin "
         "of the page). That image model changed when the page shipped a new one: the column "
         "*image model alone* tells which one a row was fused with, and only rows with the same "
         "figure there compare fused.", "",
         "| variant | change | parameters | float16 / uint8 weights | training paths | "
         "epochs (best) | validation writers exact | "
         "image model alone, clean exact | "
         "stroke model alone, clean exact | **fused, clean exact** | fused, clean case-folded | "
         "fused, clean digits | fused, all exact |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in [v for v in VARIANTS if v in rows]:
        r = rows[name]
        L.append(f"| `{name}` | {VARIANTS[name][0]} | {r['parameters']:,} | {r['float16_bytes'] / 1000:.0f} / "
                 f"{r['uint8_bytes'] / 1000:.0f} KB | {r['train_samples']:,} | "
                 f"{r['epochs_run']} ({r['best_epoch']}) | "
                 f"{pct(r['val_accuracy'])} | {pct(r['image_clean_accuracy'])} | "
                 f"{pct(r['stroke_clean_accuracy'])} | "
                 f"**{pct(r['fused_clean_accuracy'])}** | {pct(r['fused_clean_case_folded_accuracy'])} | "
                 f"{pct(r['fused_clean_digit_accuracy'])} | {pct(r['fused_all_accuracy'])} |")
    pairs = [(a, b) for a, b in SEED_PAIRS if a in rows and b in rows]
    noise = "differences of a few tenths of a point are within what a different seed would move"
    if pairs:
        def gap(a, b, key):
            return f"{100 * abs(rows[a][key] - rows[b][key]):.1f}"
        said = "; ".join(f"rows `{a}` and `{b}` differ by {gap(a, b, 'stroke_clean_accuracy')} "
                         f"points for the stroke model alone and {gap(a, b, 'fused_clean_accuracy')}"
                         " fused (exact)" for a, b in pairs)
        alone = [rows[n]["stroke_clean_accuracy"] for n in SAME_RECIPE if n in rows]
        spread = (f"; the {len(alone)} draws of the shipped recipe here (rows "
                  + ", ".join(f"`{n}`" for n in SAME_RECIPE if n in rows)
                  + f") span {100 * (max(alone) - min(alone)):.1f} points for the stroke model "
                  "alone" if len(alone) > 2 else "")
        noise = (f"the same recipe with another seed: {said}{spread}. So differences of up to "
                 "that size between rows are within what a different seed moves")
    L += ["", "Weights are parameters x 2 bytes (float16) or x 1 (uint8), before the few bytes of "
          f"quantisation ranges. One training run per row. Across rows, {noise}.", "",
          "Re-run: `.venv/bin/python benchmarks/stroke_sizes.py` (every row), or "
          "`--only NAME ...` for some rows, keeping the others "
          f"({meta['cpu_cores']} CPU cores; the latest run was `{meta['command']}`)."]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=list(VARIANTS), help="run these variants only")
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    ap.add_argument("--markdown-only", action="store_true",
                    help="rewrite stroke_sizes.md from stroke_sizes.json, no training")
    args = ap.parse_args(argv)
    if args.markdown_only:
        saved = json.loads((RESULTS / "stroke_sizes.json").read_text())
        (RESULTS / "stroke_sizes.md").write_text(markdown(saved["rows"], saved))
        return 0
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from handwriting.datasets import StrokesDataset

    conf = _params()
    strokes = StrokesDataset(filepath=str(args.unipen)).load()
    labels = _labels()
    image_model = keras.models.load_model(REPO / "data" / "06_models" / "model.keras")
    out_json = RESULTS / "stroke_sizes.json"
    rows = json.loads(out_json.read_text())["rows"] if out_json.exists() else {}
    for name in args.only or list(VARIANTS):
        print(f"== {name}: {VARIANTS[name][0]}", flush=True)
        rows[name] = run_variant(name, conf, strokes, labels, image_model)
        r = rows[name]
        print(f"   fused clean exact {r['fused_clean_accuracy']:.4f}, stroke alone "
              f"{r['stroke_clean_accuracy']:.4f}, {r['wall_seconds']:.0f} s", flush=True)
        meta = {"command": " ".join([".venv/bin/python", "benchmarks/stroke_sizes.py",
                                     *map(shlex.quote, argv if argv is not None else sys.argv[1:])]),
                "cpu_cores": os.cpu_count()}
        RESULTS.mkdir(parents=True, exist_ok=True)
        out_json.write_text(json.dumps({"rows": rows, **meta}, indent=1) + "\n")
        (RESULTS / "stroke_sizes.md").write_text(markdown(rows, meta))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
