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

Then the same inside the line benchmark's text (``unipen_lines.py``), where the page could take
the reference from the line's previous characters: with those coefficients, and with ones fitted
on training writers' lines, before and after the page's word decoder.

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
LINE_K = 5  # the line benchmark's reference: up to 5 previous characters of the line


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
    """letter -> (lower-case class, upper-case class), for ``letters`` with both cases (the
    pairs ``reporting.case_fold_map`` merges)."""
    from handwriting.pipelines.reporting.nodes import case_fold_map

    fold = case_fold_map(classes, letters)
    return {classes[lo]: (lo, int(up)) for lo, up in enumerate(fold) if up != lo}


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


def line_references(heights: list[list[float]], k: int, least: int) -> list[np.ndarray]:
    """Per line, each character's reference: the median height of the (up to ``k``) characters
    drawn before it in the same line, as the page could keep it; NaN with fewer than ``least``."""
    out = []
    for line in heights:
        h = np.asarray(line, float)
        ref = np.full(len(h), np.nan)
        for j in range(least, len(h)):
            ref[j] = np.median(h[max(0, j - k):j])
        out.append(ref)
    return out


def line_sizes(ink: list, who: list[str], by_id: dict) -> list[list[float]]:
    """Each line's characters' ink heights, in its writer's scale: a character borrowed from
    another writer (the line's writer never wrote it) is rescaled by the ratio of the two
    writers' median heights, as if the line's writer had drawn it."""
    from handwriting.unipen import drawing_height

    by_writer: dict[str, list[float]] = defaultdict(list)
    for r in by_id.values():
        by_writer[r["writer"]].append(drawing_height(r))
    usual = {w: float(np.median(h)) for w, h in by_writer.items()}
    out = []
    for line, w in zip(ink, who):
        out.append([drawing_height(by_id[i]) * usual[w] / max(usual[by_id[i]["writer"]], 1e-9)
                    for word in line for i in word])
    return out


def line_ratios(sizes: list[list[float]], k: int, least: int) -> np.ndarray:
    """``log_ratio`` of every character of the lines, in order, against ``line_references``."""
    return np.concatenate([log_ratio(np.asarray(h, float), ref)
                           for h, ref in zip(sizes, line_references(sizes, k, least))])


def measure_lines(unipen: Path, random_coefs: dict, pairs: dict, k: int, least: int = 3) -> dict:
    """The size cue inside the line benchmark's text (``unipen_lines.py``: 400 lines of English
    prose written with held-out writers' characters): the same lines and ink, the page's
    probabilities from its Python twin (the TF.js models loaded back), the reference from the
    line's previous characters, then the page's word decoder. A = the page as shipped, B = with
    the size cue; each character paired, the line's writer as the unit. Two sets of
    coefficients: ``random_coefs`` (references of random characters, as in ``measure``) and ones
    fitted the same way on 800 other lines written with the training writers' characters."""
    import _browser as B
    import unipen as U
    import unipen_lines as L
    from paired import by_writer, compare

    from handwriting.line_decoder import DEFAULT_FREE_PENALTY

    model_dir, _, meta, classes, spec = U.page_model(B.WEB, None)
    penalty = float((meta.get("line_decoder") or {}).get("free_penalty", DEFAULT_FREE_PENALTY))
    words = L.corpus_words()
    index = {c: i for i, c in enumerate(classes)}

    rows = U.load_unipen(unipen)
    # coefficients from the training writers' lines
    fit_lines = L.sample_lines(words, 800, 6, SEED + 7)
    ink, who, _, _, by_id = L.line_ink(fit_lines, rows, spec, SEED + 7, heldout=False)
    fit_y = np.array([index[c] for line in fit_lines for w in line for c in w])
    line_coefs = fit(fit_y, line_ratios(line_sizes(ink, who, by_id), k, least), pairs)

    lines = L.sample_lines(words, 400, 6, U.DEFAULT_SEED)
    ink, who, own, other, by_id = L.line_ink(lines, rows, spec, U.DEFAULT_SEED)
    del rows
    ids = [i for line in ink for word in line for i in word]
    strokes = [U.normalise_to_box(by_id[i]["strokes"]) for i in ids]
    probs = U.python_predictions(U.load_model(model_dir), strokes, spec, classes,
                                 U.load_stroke_model(model_dir, meta))[2]
    r = line_ratios(line_sizes(ink, who, by_id), k, least)

    def per_line(p):
        out, n = [], 0
        for line in lines:
            m = sum(len(w) for w in line)
            out.append(list(p[n:n + m]))
            n += m
        return out

    def read(p, pen):
        decoded = L.decode_lines(lines, per_line(p), classes, pen)
        chars = np.array([c for line in decoded for c in line if c != " "])
        return chars, L.char_accuracy(truth, decoded)["overall"]["case_folded"]

    truth = ["".join(w + " " for w in line) for line in lines]
    true_chars = np.array([c for line in lines for w in line for c in w])
    writer = np.array([w for w, line in zip(who, lines) for word in line for _ in word])
    rows = []
    for coef_name, coefs in (("random characters", random_coefs),
                             ("training writers' lines", line_coefs)):
        corrected = apply(probs, r, coefs, pairs)
        for name, pen in (("each character its own top guess", 0.0),
                          ("the page (word decoder)", penalty)):
            (page, page_cf), (sized, sized_cf) = read(probs, pen), read(corrected, pen)
            a, b = page == true_chars, sized == true_chars
            rows.append({"coefficients": coef_name, "reading": name, **compare(a, b),
                         "by_writer": by_writer(a, b, writer),
                         "case_folded": [page_cf, sized_cf]})
    return {"lines": len(lines), "characters": int(len(true_chars)), "writers": len(set(who)),
            "chars_own_writer": own, "chars_other_writer": other, "k": k, "least": least,
            "fit_lines": len(fit_lines), "fit_characters": int(len(fit_y)),
            "line_coefs": line_coefs, "free_penalty": penalty,
            "no_reference": int((~np.isfinite(r)).sum()), "rows": rows}


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
        if k == LINE_K:
            random_coefs = coefs
        rows.append({"k": k, "coefs": coefs,
                     "no_reference": int((~np.isfinite(r)).sum()),
                     "measures": paired_measures(before, after, who)})
    lines = measure_lines(unipen, random_coefs, pairs, LINE_K)
    return {"n": int(len(pen["y"])), "case_letters": "".join(pairs), "lines": lines,
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
    ln = r.get("lines")
    if ln:
        L += ["## In lines of text", "",
              f"The line benchmark's {ln['lines']} lines of English prose ([unipen_lines.md]"
              f"(unipen_lines.md): the same lines and ink, {ln['characters']:,} characters, "
              f"{ln['writers']} writers; {ln['chars_other_writer']:,} characters are another "
              "writer's, their height rescaled by the two writers' median heights) read by the "
              "page's Python twin (its TF.js models loaded back). The reference is the median "
              "height of the "
              f"(up to) {ln['k']} previous characters of the line, from the line's "
              f"{ln['least'] + 1}th character on ({ln['no_reference']:,} characters had "
              "fewer before them and are left as they were). Coefficients: those of k = "
              f"{ln['k']} above (references of random characters), or fitted the same way on "
              f"{ln['fit_lines']} other lines ({ln['fit_characters']:,} characters) written "
              "with the training writers' characters, references from each line's previous "
              f"characters. Then the page's word decoder (free_penalty {ln['free_penalty']}), "
              "or each character's own top guess. Writers: each line's writer.", "",
              "| coefficients | reading | characters | page | with size | B - A | only A | "
              "only B | p | writers | B - A, 95% interval over writers | p over writers | "
              "case-folded, page / with size |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for row in ln["rows"]:
            w = row["by_writer"]
            L.append(f"| {row['coefficients']} | {row['reading']} | {row['n']:,} | "
                     f"{100 * row['a']:.2f}% | {100 * row['b']:.2f}% "
                     f"| {100 * (row['b'] - row['a']):+.2f} pp | {row['only_a']} | "
                     f"{row['only_b']} | {row['p']:.2g} | {w['writers']} | "
                     f"{100 * w['low']:+.2f} to {100 * w['high']:+.2f} pp | {w['p']:.2g} | "
                     f"{100 * row['case_folded'][0]:.2f}% / {100 * row['case_folded'][1]:.2f}% |")
        L += [""]
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
