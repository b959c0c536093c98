"""Paired comparison of two image models: is the difference between them real?

Both models (kept ablation rows, ``benchmarks/results/models/<row>/model.keras``) read the same
samples, so each sample is right for both, for neither, or for one only. Only the last kind
tells the models apart. The exact two-sided McNemar test (a sign test on those samples) gives
the chance of a split at least as uneven if the two models were equally accurate: a small p
means the difference is unlikely to be luck of the sample; a large one means these samples
cannot tell the models apart. Measured on:

- the EMNIST test file (``data/05_model_input/test_set.npz``, as the pipeline prepared it);
- the held-out UNIPEN writers' clean characters (reporting's ``heldout_pen_set``): each image
  model alone, and fused with the pipeline's stroke model (``data/06_models/stroke_model.keras``)
  as the page fuses them, exact, case-folded and digits.

    python benchmarks/paired.py lite_pen_all lite_pen_x2

Writes benchmarks/results/paired.json and paired.md (pairs are merged into existing files).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from math import comb
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import (  # noqa: E402
    REPO,
    RESULTS,
    UNIPEN,
    labels,
    params,
    resampled_interval,
    writer_resamples,
)

MODELS = RESULTS / "models"


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p-value: P(a split at least this uneven | both equally likely)."""
    n, k = only_a + only_b, min(only_a, only_b)
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(right_a: np.ndarray, right_b: np.ndarray) -> dict:
    """Accuracies and the discordant counts of two per-sample correctness vectors."""
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    if right_a.shape != right_b.shape:
        raise ValueError(f"different sample counts: {right_a.shape} vs {right_b.shape}")
    only_a, only_b = int((right_a & ~right_b).sum()), int((~right_a & right_b).sum())
    return {"n": int(right_a.size), "a": float(right_a.mean()), "b": float(right_b.mean()),
            "only_a": only_a, "only_b": only_b, "p": mcnemar_p(only_a, only_b)}


def by_writer(right_a: np.ndarray, right_b: np.ndarray, writers: np.ndarray, reps: int = 10_000,
              seed: int = 0, level: float = 0.95) -> dict:
    """The same comparison with writers, not characters, as the independent units.

    A writer's characters are right or wrong together (one hand, one device), so McNemar's test,
    which counts characters as independent, can call a difference real that another set of
    writers would not repeat. Here each writer contributes the sum of their characters'
    differences (B right minus A right). ``low``/``high``: the central ``level`` share of B - A
    over ``reps`` resamples of the writers with replacement. ``p``: a sign-flip test, the share
    of ``reps`` random flips of whole writers' differences whose total is at least as far from 0
    as the one observed (exchangeable A and B within each writer under the null), add-one smoothed.
    """
    right_a, right_b = np.asarray(right_a, bool), np.asarray(right_b, bool)
    names, who = np.unique(np.asarray(writers), return_inverse=True)
    diff = np.bincount(who, weights=right_b.astype(float) - right_a, minlength=len(names))
    count = np.bincount(who, minlength=len(names)).astype(float)
    rng = np.random.default_rng(seed)
    draws = writer_resamples(len(names), reps, rng)
    low, high = resampled_interval(draws, diff, count, level)
    flips = rng.choice([-1.0, 1.0], size=(reps, len(names)))
    observed = abs(diff.sum())
    extreme = int((np.abs(flips @ diff) >= observed - 1e-9).sum())
    return {"writers": int(len(names)), "low": low, "high": high, "p": (1 + extreme) / (1 + reps),
            "reps": reps, "level": level}


def clean_heldout(strokes: list[dict], conf: dict, classes: list[str], heldout: bool = True
                  ) -> dict:
    """The held-out writers' clean characters as both models see them (reporting's
    ``heldout_pen_set``; ``heldout=False``: the training writers'), with what the paired
    measures need: ``x`` images, ``paths``, ``y``, ``writer``, ``height``, ``digits`` (a mask)
    and ``fold`` (class -> case-folded class)."""
    from handwriting.pipelines.reporting.nodes import case_fold_map, heldout_pen_set

    pen = heldout_pen_set(strokes, classes, conf["canvas_spec"], conf["preprocessing"],
                          conf["reporting"], conf["stroke_modelling"]["points"], heldout)
    clean = pen["clean"]
    out = {k: pen[k][clean] for k in ("x", "paths", "y", "writer", "height")}
    out["digits"] = np.array([classes[c].isdigit() for c in out["y"]])
    out["fold"] = case_fold_map(classes, conf["reporting"]["case_fold_letters"])
    return out


def pipeline_models():
    """The pipeline's Keras image and stroke models (``data/06_models``), loaded once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    models = REPO / "data" / "06_models"
    return (keras.models.load_model(models / "model.keras"),
            keras.models.load_model(models / "stroke_model.keras"))


def shape_probs(models, x: np.ndarray, paths: np.ndarray, weight: float) -> np.ndarray:
    """The page's fused probabilities before its size cue: ``models`` (``pipeline_models``) on
    images ``x`` and pen ``paths``, fused with the stroke model's ``weight``."""
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.reporting.nodes import predict

    return fuse(predict(models[0], x), predict(models[1], paths), weight)


def fused_right(fused: np.ndarray, pen: dict) -> dict[str, np.ndarray]:
    """Per-sample correctness of fused top-1 classes: exact, case-folded, digits only."""
    y, fold = pen["y"], pen["fold"]
    return {"exact": fused == y, "case-folded": fold[fused] == fold[y],
            "digits": (fused == y)[pen["digits"]]}


def writers_of(names, pen: dict) -> dict[str, np.ndarray]:
    """The writer of each sample of the measures ``names`` (digits rows: of the digits only)."""
    return {m: pen["writer"][pen["digits"]] if m.endswith("digits") else pen["writer"]
            for m in names}


def paired_measures(right_a: dict, right_b: dict, who: dict) -> list[dict]:
    """``compare`` for every measure of ``right_a``/``right_b``, and ``by_writer`` for those
    ``who`` gives the writers of (in the same sample order)."""
    return [{"measure": m, **compare(right_a[m], right_b[m]),
             **({"by_writer": by_writer(right_a[m], right_b[m], who[m])} if m in who else {})}
            for m in right_a]


def cells(r: dict) -> str:
    """The markdown cells of one ``compare`` row (with ``by_writer`` where it has one): samples,
    A, B, B - A, only A, only B, p, writers, B - A's interval over writers, p over writers."""
    pct = lambda v: f"{100 * v:.2f}%"  # noqa: E731
    w = r.get("by_writer")
    tail = (f"{w['writers']} | {100 * w['low']:+.2f} to {100 * w['high']:+.2f} pp | {w['p']:.2g}"
            if w else "– | – | –")
    return (f"{r['n']:,} | {pct(r['a'])} | {pct(r['b'])} | {100 * (r['b'] - r['a']):+.2f} pp | "
            f"{r['only_a']:,} | {r['only_b']:,} | {r['p']:.2g} | " + tail)


CELLS_HEAD = ("samples | {a} | {b} | B - A | only A | only B | p | writers | "
              "B - A, 95% interval over writers | p over writers")
CELLS_RULE = "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"


def table(measures: list[dict], a: str = "A", b: str = "B") -> list[str]:
    """Markdown table of ``paired_measures`` rows; ``a``, ``b`` head the accuracy columns."""
    L = [f"| measure | {CELLS_HEAD.format(a=a, b=b)} |", f"|---|{CELLS_RULE}|"]
    return L + [f"| {r['measure']} | {cells(r)} |" for r in measures]


def measure(row_a: str, row_b: str, unipen: Path) -> list[dict]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from handwriting.datasets import ArraysDataset, StrokesDataset
    from handwriting.page.fusion import fuse
    from handwriting.pipelines.reporting.nodes import predict

    conf, classes = params(), labels()
    paths = {row: MODELS / row / "model.keras" for row in (row_a, row_b)}
    for row, path in paths.items():
        if not path.exists():
            raise SystemExit(f"{path} is missing: run python benchmarks/ablation.py --only {row}")
    test = ArraysDataset(filepath=str(REPO / "data" / "05_model_input" / "test_set.npz")).load()
    stroke_model = keras.models.load_model(REPO / "data" / "06_models" / "stroke_model.keras")
    pen = clean_heldout(StrokesDataset(filepath=str(unipen)).load(), conf, classes)
    stroke_probs = predict(stroke_model, pen["paths"])
    weight = float(conf["stroke_modelling"]["fusion_weight"])

    right: dict[str, dict[str, np.ndarray]] = {}
    for row, path in paths.items():
        model = keras.models.load_model(path)
        image = predict(model, pen["x"])
        fused = fused_right(fuse(image, stroke_probs, weight).argmax(1), pen)
        right[row] = {
            "EMNIST test file, exact": predict(model, test["x"]).argmax(1) == test["y"],
            "held-out pen, clean, image model alone, exact": image.argmax(1) == pen["y"],
            "held-out pen, clean, fused with the stroke model, exact": fused["exact"],
            "held-out pen, clean, fused, case-folded": fused["case-folded"],
            "held-out pen, clean, fused, digits": fused["digits"],
        }
    who = writers_of([m for m in right[row_a] if m.startswith("held-out")], pen)
    return paired_measures(right[row_a], right[row_b], who)


def markdown(pairs: dict) -> str:
    L = ["# Paired comparisons of image models", "",
         "Two image models (kept ablation rows) read the same samples. `only A` / `only B`: "
         "samples that one model gets right and the other wrong; the others cannot tell them "
         "apart. p: exact two-sided McNemar test, the chance of a split at least that uneven if "
         "the two models were equally accurate (small: a real difference; large: these samples "
         "cannot tell). Fused: with the pipeline's stroke model "
         "(`data/06_models/stroke_model.keras`), "
         "as the page fuses them. The held-out writers' rows are also tested with the writer as "
         "the unit (a writer's characters are right or wrong together, so counting characters as "
         "independent overstates the certainty): the 95% interval of B - A over resamples of "
         "the writers, and p of a sign-flip test of the writers' own differences "
         "(`by_writer`; 10,000 resamples and flips). "
         "Re-run: `.venv/bin/python benchmarks/paired.py A B`.", ""]
    for pair in pairs.values():
        L += [f"## A = `{pair['a']}`, B = `{pair['b']}`", ""] + table(pair["measures"]) + [""]
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("a", help="ablation row of model A (benchmarks/results/models/A)")
    ap.add_argument("b", help="ablation row of model B")
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    args = ap.parse_args(argv)
    measures = measure(args.a, args.b, args.unipen)
    out = RESULTS / "paired.json"
    pairs = json.loads(out.read_text())["pairs"] if out.exists() else {}
    pairs[f"{args.a} vs {args.b}"] = {"a": args.a, "b": args.b, "measures": measures}
    out.write_text(json.dumps({"pairs": pairs}, indent=1) + "\n")
    (RESULTS / "paired.md").write_text(markdown(pairs))
    for r in measures:
        print(f"{r['measure']}: {r['a']:.4f} -> {r['b']:.4f}, only A {r['only_a']}, "
              f"only B {r['only_b']}, p {r['p']:.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
