"""What a size cue would buy: a letter's height against its writer's other characters.

The page fits every drawing to its box (as EMNIST's conversion did), so a lowercase s and an S
look alike to both models; the page benchmark's largest kind of mistake is the other case of the
same letter. The same hand draws the lowercase one smaller. This measures how much that would
help if the page knew the writer's usual character height (say, from the characters drawn before
in the same line) -- the page does not do this yet.

For each letter whose two cases share a shape (``reporting.case_fold_letters``), a logistic
regression of "upper case" on ln(height / reference) (clipped to +-1) is fitted on the *training* writers' clean
characters, with labels only (no model). The reference is the median height of ``k`` other
characters by the same writer, drawn at random (seeded), as the page would know it after ``k``
characters; ``all``: all of that writer's other characters. On the held-out writers' clean
characters, the shipped models' fused probabilities (as the page fuses them) are then corrected:
each such pair keeps its total probability, and its odds are multiplied by the size's likelihood
ratio (the models see only size-free inputs, so the two are treated as independent evidence).
Paired against the uncorrected page output, characters and writers as the units (``paired.py``).

    python benchmarks/size_cue.py

Writes benchmarks/results/size_cue.json and size_cue.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import REPO, UNIPEN, labels, params, write_results  # noqa: E402
from paired import clean_heldout, fused_right, paired_measures, table, writers_of  # noqa: E402

SEED = 20240601
KS = (3, 5, 10, None)  # None: all of the writer's other characters
# ln(height / reference) is clipped to +-CLIP: a few recordings are tens of times their writer's
# usual size (another device or unit), and unclipped they flatten the fitted slope (s: 0.19
# instead of 1.7) while barely changing which side of the threshold a character falls
CLIP = 1.0


def log_ratio(height: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """ln(height / reference), clipped to +-CLIP; NaN where there is no usable reference."""
    ok = np.isfinite(reference) & (reference > 0) & (height > 0)
    out = np.full(len(height), np.nan)
    out[ok] = np.clip(np.log(height[ok] / reference[ok]), -CLIP, CLIP)
    return out


def reference_heights(height: np.ndarray, writer: np.ndarray, k: int | None,
                      rng: np.random.Generator) -> np.ndarray:
    """Each character's reference: the median height of ``k`` other characters by the same writer
    (random, without replacement; all of them when the writer has no more), NaN when the writer
    has no other character or the median is 0."""
    out = np.full(len(height), np.nan)
    by_writer: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(writer):
        by_writer[w].append(i)
    for idx in by_writer.values():
        idx = np.asarray(idx)
        for j, i in enumerate(idx):
            others = np.delete(idx, j)
            if k is not None and len(others) > k:
                others = rng.choice(others, k, replace=False)
            if len(others):
                out[i] = np.median(height[others])
    out[~(out > 0)] = np.nan
    return out


def case_pairs(classes: list[str], letters: str) -> dict[str, tuple[int, int]]:
    """letter -> (lower-case class, upper-case class), for ``letters`` with both cases."""
    index = {c: i for i, c in enumerate(classes)}
    return {ch: (index[ch], index[ch.upper()]) for ch in letters
            if ch in index and ch.upper() in index}


def fit(y: np.ndarray, r: np.ndarray, pairs: dict[str, tuple[int, int]]) -> dict:
    """Per letter, (a, b) of log-odds(upper) = a + b r for r = ``log_ratio``, both cases weighted
    equally (so that a + b r estimates the log likelihood ratio, not the training writers' case
    mix)."""
    from sklearn.linear_model import LogisticRegression

    coefs = {}
    for ch, (lo, up) in pairs.items():
        m = ((y == lo) | (y == up)) & np.isfinite(r)
        if len(set(y[m])) < 2:
            continue
        reg = LogisticRegression(class_weight="balanced").fit(r[m][:, None], y[m] == up)
        coefs[ch] = (float(reg.intercept_[0]), float(reg.coef_[0, 0]))
    return coefs


def apply(probs: np.ndarray, r: np.ndarray, coefs: dict,
          pairs: dict[str, tuple[int, int]]) -> np.ndarray:
    """``probs`` with each case pair's odds multiplied by the size's likelihood ratio (``r`` from
    ``log_ratio``); rows without a reference (NaN) are left as they are. Each pair keeps its
    total."""
    p = probs.astype(np.float64).copy()
    ok = np.isfinite(r)
    r = np.where(ok, r, 0.0)
    for ch, (a, b) in coefs.items():
        lo, up = pairs[ch]
        total = p[:, lo] + p[:, up]
        z = (np.log(np.maximum(p[:, up], 1e-30)) - np.log(np.maximum(p[:, lo], 1e-30))
             + a + b * r)
        upper = total / (1 + np.exp(-z))
        p[:, up] = np.where(ok, upper, p[:, up])
        p[:, lo] = np.where(ok, total - upper, p[:, lo])
    return p


def measure(unipen: Path) -> dict:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    from handwriting.datasets import StrokesDataset
    from handwriting.fusion import fuse
    from handwriting.pipelines.reporting.nodes import predict
    from handwriting.unipen import drawing_height, select

    conf, classes = params(), labels()
    pairs = case_pairs(classes, conf["reporting"]["case_fold_letters"])
    strokes = StrokesDataset(filepath=str(unipen)).load()
    split = conf["preprocessing"]["unipen"]
    train = [r for r in select(strokes, heldout=False, fraction=split["heldout_fraction"],
                               clean_only=True) if r["label"] in classes]
    index = {c: i for i, c in enumerate(classes)}
    train_y = np.array([index[r["label"]] for r in train])
    train_h = np.array([drawing_height(r) for r in train])
    train_w = np.array([r["writer"] for r in train])

    pen = clean_heldout(strokes, conf, classes)
    models = REPO / "data" / "06_models"
    image = predict(keras.models.load_model(models / "model.keras"), pen["x"])
    stroke = predict(keras.models.load_model(models / "stroke_model.keras"), pen["paths"])
    fused = fuse(image, stroke, float(conf["stroke_modelling"]["fusion_weight"]))
    base = fused_right(fused.argmax(1), pen)
    on_pairs = np.isin(pen["y"], [c for pair in pairs.values() for c in pair])

    rows = []
    for k in KS:
        rng = np.random.default_rng(SEED)
        coefs = fit(train_y, log_ratio(train_h, reference_heights(train_h, train_w, k, rng)),
                    pairs)
        r = log_ratio(pen["height"], reference_heights(pen["height"], pen["writer"], k, rng))
        right = fused_right(apply(fused, r, coefs, pairs).argmax(1), pen)
        before = {"exact": base["exact"], "case letters, exact": base["exact"][on_pairs],
                  "case-folded": base["case-folded"], "digits": base["digits"]}
        after = {"exact": right["exact"], "case letters, exact": right["exact"][on_pairs],
                 "case-folded": right["case-folded"], "digits": right["digits"]}
        who = writers_of(["exact", "digits"], pen)
        who["case letters, exact"] = pen["writer"][on_pairs]
        who["case-folded"] = pen["writer"]
        rows.append({"k": k, "coefs": coefs,
                     "no_reference": int((~np.isfinite(r)).sum()),
                     "measures": paired_measures(before, after, who)})
    return {"n": int(len(pen["y"])), "case_letters": "".join(pairs),
            "case_letter_samples": int(on_pairs.sum()),
            "train_characters": len(train), "train_writers": len(set(train_w)),
            "heldout_writers": len(set(pen["writer"])), "rows": rows}


def markdown(r: dict) -> str:
    L = ["# What a size cue would buy (not on the page)", "",
         "The page fits each drawing to its box, so a letter whose two cases share a shape "
         f"({', '.join(r['case_letters'])}) is told apart by the models from the shape alone. "
         "Here each such letter's height is compared with its writer's usual character height "
         "(the median of k other characters of the same writer, at random; `all`: every other "
         "one), and the page's fused probabilities are corrected by the likelihood ratio of "
         "that relative height, fitted on the training writers' "
         f"{r['train_characters']:,} clean characters ({r['train_writers']} writers; labels "
         "only). Measured on the held-out writers' "
         f"{r['n']:,} clean characters ({r['heldout_writers']} writers; "
         f"{r['case_letter_samples']:,} of them are these letters, either case). A = the page's "
         "output as shipped, B = corrected; only A / only B and p as in "
         "[paired.md](paired.md). The page does not know a writer's usual height yet: this is "
         "what it would buy if it did.", ""]
    for row in r["rows"]:
        k = "all" if row["k"] is None else row["k"]
        L += [f"## k = {k}", "",
              f"{row['no_reference']} characters had no reference (left as they were)." , ""]
        L += table(row["measures"], "page", "with size") + [""]
    L += ["Fitted log likelihood ratio of upper case, a + b ln(height / reference), k = all: "
          + ", ".join(f"{ch} {a:+.2f} {b:+.2f}" for ch, (a, b)
                      in r["rows"][-1]["coefs"].items()) + ".", "",
          f"Re-run: `.venv/bin/python benchmarks/size_cue.py` ({r['wall_seconds']:.0f} s on "
          f"{os.cpu_count()} CPU cores)."]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--unipen", type=Path, default=UNIPEN)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    result = measure(args.unipen)
    result["wall_seconds"] = time.perf_counter() - started
    print(write_results("size_cue", result, markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
