"""What a size cue buys: a letter's height against its writer's other characters.

The page fits every drawing to its box (as EMNIST's conversion did), so a lowercase s and an S
look alike to both models; the page benchmark's largest kind of mistake is the other case of the
same letter. The same hand draws the lowercase one smaller. The page now compares each letter's
height with the characters before it in the line (``handwriting.page.sizecue``,
``web/js/sizecue.js``); this measures the design choices behind that, in Python, on all the
held-out writers' clean characters.

For each letter whose two cases share a shape (``reporting.case_fold_letters``), a logistic
regression of "upper case" on ln(height / reference) (clipped to +-1) is fitted on the
*training* writers' clean characters, with labels only (no model). The reference is the median
height of ``k`` other characters by the same writer, drawn at random (seeded), as the page would
know it after ``k`` characters (``all``: all of that writer's other characters); raw, or each
divided by its class's typical height (normalised, what the page does). On the held-out writers'
clean characters, the shipped models' fused probabilities (as the page fuses them) are then
corrected: each such pair keeps its total probability, and its odds are multiplied by the size's
likelihood ratio (the models see only size-free inputs, so the two are treated as independent
evidence). Paired against the uncorrected output, characters and writers as the units
(``paired.py``). Then the shipped size cue as the page applies it, each writer's characters in
sequence.

Then the same inside the line benchmark's text (``unipen_lines.py``), where the reference comes
from the line's previous characters: with the isolated characters' coefficients, with ones fitted
on training writers' lines, and with the shipped ones, before and after the page's word decoder.

    python benchmarks/size_cue.py

Writes benchmarks/results/size_cue.json and size_cue.md.
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _project import REPO, labels, params, unipen_main  # noqa: E402
from paired import (  # noqa: E402
    CELLS_HEAD,
    CELLS_RULE,
    cells,
    clean_heldout,
    fused_right,
    paired_measures,
    pipeline_models,
    shape_probs,
    table,
    writers_of,
)

from handwriting.page.sizecue import (  # noqa: E402
    SizeCue,
    fit_likelihood,
    log_ratio,
    typical_heights,
    writer_sequences,
)
from handwriting.page.sizecue import apply as apply_likelihood  # noqa: E402

SEED = 20240601
KS = (3, 5, 10, None)  # None: all of the writer's other characters
# ln(height / reference) is clipped to +-CLIP (handwriting.page.sizecue): a few recordings are tens
# of times their writer's usual size (another device or unit), and unclipped they flatten the
# fitted slope (s: 0.19 instead of 1.7) while barely changing which side of the threshold a
# character falls
LINE_K = 5  # the line benchmark's reference: up to 5 previous characters of the line


# ---- the first design: one logistic regression per case pair (not shipped; kept to compare) ----


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


# ---- references -----------------------------------------------------------------------------


def reference_heights(height: np.ndarray, writer: np.ndarray, k: int | None,
                      rng: np.random.Generator) -> np.ndarray:
    """Each character's reference: the median height of ``k`` other characters by the same writer
    (random, without replacement; all of them when the writer has no more), NaN when the writer
    has no other character or the median is 0. ``height`` may be normalised heights (height /
    typical height of the character's class), as the page's reference is."""
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


def line_references(heights: list[list[float]], k: int, least: int) -> list[np.ndarray]:
    """Per line, each character's reference: the median height of the (up to ``k``) characters
    drawn before it in the same line, as the page could keep it; NaN with fewer than ``least``.
    ``heights`` may be normalised, as in ``reference_heights``."""
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
    from unipen_sequence import usual_height

    from handwriting.unipen import drawing_height

    by_writer: dict[str, list[float]] = defaultdict(list)
    for r in by_id.values():
        by_writer[r["writer"]].append(drawing_height(r))
    usual = {w: usual_height(h) for w, h in by_writer.items()}
    out = []
    for line, w in zip(ink, who):
        out.append([drawing_height(by_id[i]) * usual[w] / max(usual[by_id[i]["writer"]], 1e-9)
                    for word in line for i in word])
    return out


def line_ratios(sizes: list[list[float]], k: int, least: int,
                norm: list[list[float]] | None = None) -> np.ndarray:
    """``log_ratio`` of every character of the lines, in order, against ``line_references`` of
    ``norm`` (the heights used for references; default ``sizes`` themselves)."""
    refs = line_references(sizes if norm is None else norm, k, least)
    return np.concatenate([log_ratio(np.asarray(h, float), ref) for h, ref in zip(sizes, refs)])


def normalised(sizes: list[list[float]], labels: list[list[int]], typical: np.ndarray
               ) -> list[list[float]]:
    """Each line's heights divided by the typical height of each character's class."""
    return [list(np.asarray(h, float) / typical[np.asarray(c, int)]) for h, c in zip(sizes, labels)]


def split_lines(flat, lines: list[list[str]]) -> list[list]:
    """A flat per-character sequence cut back into the lines' characters."""
    out, n = [], 0
    for line in lines:
        m = sum(len(w) for w in line)
        out.append(list(flat[n:n + m]))
        n += m
    return out


def measure_lines(unipen: Path, iso_coefs: dict, pairs: dict, typical: np.ndarray, k: int,
                  least: int = 3) -> dict:
    """The size cue inside the line benchmark's text (``unipen_lines.py``: 400 lines of English
    prose written with held-out writers' characters): the same lines and ink, the page's
    probabilities from its Python twin (the TF.js models loaded back), the reference from the
    line's previous characters, then the page's word decoder. A = without the size cue, B = with
    it; each character paired, the line's writer as the unit. Coefficients: ``iso_coefs``
    (``{"raw": ..., "normalised": ...}``, fitted on references of random characters, as in
    ``measure``), ones fitted the same way on 800 other lines written with the training writers'
    characters, and the shipped ones (metadata.json, via ``unipen_lines.size_cue_twin``: exactly
    what the page does). Normalised references divide each earlier character's height by its
    class's typical height, with the page's labels (each character's top guess)."""
    import _browser as B
    import unipen as U
    import unipen_lines as L
    from paired import by_writer, compare

    from handwriting.page.decoder import DEFAULT_FREE_PENALTY

    model_dir, _, meta, classes, spec = U.page_model(B.WEB, None)
    penalty = float((meta.get("line_decoder") or {}).get("free_penalty", DEFAULT_FREE_PENALTY))
    words = L.corpus_words()
    index = {c: i for i, c in enumerate(classes)}

    rows = U.load_unipen(unipen)
    # coefficients from the training writers' lines (their true labels normalise the references)
    fit_lines = L.sample_lines(words, 800, 6, SEED + 7)
    ink, who, _, _, by_id = L.line_ink(fit_lines, rows, spec, SEED + 7, heldout=False)
    fit_y = [[index[c] for w in line for c in w] for line in fit_lines]
    sizes = line_sizes(ink, who, by_id)
    flat_y = np.concatenate(fit_y)
    line_coefs = {"raw": fit(flat_y, line_ratios(sizes, k, least), pairs),
                  "normalised": fit(flat_y, line_ratios(sizes, k, least,
                                                        normalised(sizes, fit_y, typical)), pairs)}

    lines = L.sample_lines(words, 400, 6, U.DEFAULT_SEED)
    ink, who, own, other, by_id = L.line_ink(lines, rows, spec, U.DEFAULT_SEED)
    del rows
    ids = [i for line in ink for word in line for i in word]
    strokes = [U.normalise_to_box(by_id[i]["strokes"]) for i in ids]
    probs = U.python_predictions(U.load_model(model_dir), strokes, spec, classes,
                                 U.load_stroke_model(model_dir, meta))[2]
    sizes = line_sizes(ink, who, by_id)
    page_labels = split_lines(probs.argmax(1), lines)
    r = {"raw": line_ratios(sizes, k, least),
         "normalised": line_ratios(sizes, k, least, normalised(sizes, page_labels, typical))}

    def read(p, pen):
        decoded = L.decode_lines(lines, split_lines(p, lines), classes, pen)
        return np.array([c for line in decoded for c in line if c != " "]), decoded

    truth = ["".join(w + " " for w in line) for line in lines]
    true_chars = np.array([c for line in lines for w in line for c in w])
    writer = np.array([w for w, line in zip(who, lines) for word in line for _ in word])
    variants = [(ref, coef_name, apply(probs, r[ref], coefs[ref], pairs))
                for ref in ("raw", "normalised")
                for coef_name, coefs in (("random characters", iso_coefs),
                                         ("training writers' lines", line_coefs))]
    if meta.get("size_cue"):
        cue = SizeCue(meta["size_cue"], classes)
        twin = L.size_cue_twin(lines, split_lines(probs, lines), sizes, cue, classes, penalty)
        variants.append(("normalised, the page's text", "shipped (metadata.json)",
                         np.array([p for line in twin for p in line])))
    out_rows = []
    for ref, coef_name, corrected in variants:
        for name, pen in (("each character its own top guess", 0.0),
                          ("the page (word decoder)", penalty)):
            (page, page_text), (sized, sized_text) = read(probs, pen), read(corrected, pen)
            a, b = page == true_chars, sized == true_chars
            out_rows.append({"reference": ref, "coefficients": coef_name, "reading": name,
                             **compare(a, b), "by_writer": by_writer(a, b, writer),
                             "case_folded": [L.char_accuracy(truth, page_text)["overall"]["case_folded"],
                                             L.char_accuracy(truth, sized_text)["overall"]["case_folded"]]})
    return {"lines": len(lines), "characters": int(len(true_chars)), "writers": len(set(who)),
            "chars_own_writer": own, "chars_other_writer": other, "k": k, "least": least,
            "fit_lines": len(fit_lines), "fit_characters": int(len(flat_y)),
            "line_coefs": line_coefs, "free_penalty": penalty,
            "no_reference": int((~np.isfinite(r["raw"])).sum()), "rows": out_rows}


def measure(unipen: Path) -> dict:
    from handwriting.datasets import StrokesDataset
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
    typical = typical_heights(train_y, train_h, train_w, len(classes))

    pen = clean_heldout(strokes, conf, classes)
    fused = shape_probs(pipeline_models(), pen["x"], pen["paths"],
                        float(conf["stroke_modelling"]["fusion_weight"]))
    page_labels = fused.argmax(1)
    base = fused_right(page_labels, pen)
    on_pairs = np.isin(pen["y"], [c for pair in pairs.values() for c in pair])
    who = writers_of(["exact", "digits"], pen)
    who["case letters, exact"] = pen["writer"][on_pairs]
    who["case-folded"] = pen["writer"]

    def measures(corrected: np.ndarray) -> list[dict]:
        right = fused_right(corrected.argmax(1), pen)
        before = {"exact": base["exact"], "case letters, exact": base["exact"][on_pairs],
                  "case-folded": base["case-folded"], "digits": base["digits"]}
        after = {"exact": right["exact"], "case letters, exact": right["exact"][on_pairs],
                 "case-folded": right["case-folded"], "digits": right["digits"]}
        return paired_measures(before, after, who)

    rows = []
    iso_coefs = {}
    # references of k random other characters of the writer: raw heights, then (k = LINE_K)
    # heights normalised by their classes' typical heights (true labels when fitting; on the
    # held-out writers the true labels, or the page's own top guesses as the page would have)
    variants = [(k, "raw", None) for k in KS] + [(LINE_K, "normalised", "true labels"),
                                                 (LINE_K, "normalised", "the page's labels")]
    for k, ref, lab in variants:
        rng = np.random.default_rng(SEED)
        norm_train = train_h / typical[train_y] if ref == "normalised" else train_h
        coefs = fit(train_y, log_ratio(train_h, reference_heights(norm_train, train_w, k, rng)),
                    pairs)
        held = pen["y"] if lab == "true labels" else page_labels
        norm_held = pen["height"] / typical[held] if ref == "normalised" else pen["height"]
        r = log_ratio(pen["height"], reference_heights(norm_held, pen["writer"], k, rng))
        if k == LINE_K and lab != "true labels":
            iso_coefs[ref] = coefs
        rows.append({"k": k, "reference": ref, "labels": lab, "coefs": coefs,
                     "no_reference": int((~np.isfinite(r)).sum()),
                     "measures": measures(apply(fused, r, coefs, pairs))})

    # every class's size likelihood (the kind the page ships) with the same references as the
    # row before (normalised, the page's labels, k = LINE_K random other characters); the
    # shipped setting (bins 10, alpha 1, weight 1, set beforehand) in full, the others in brief
    rng = np.random.default_rng(SEED)
    r_train = log_ratio(train_h, reference_heights(train_h / typical[train_y], train_w, LINE_K, rng))
    r_held = log_ratio(pen["height"], reference_heights(pen["height"] / typical[page_labels],
                                                        pen["writer"], LINE_K, rng))
    grid, likelihood = [], None
    for bins in (5, 10, 20):
        for alpha in (1.0, 5.0):
            loglik = fit_likelihood(train_y, r_train, len(classes), bins, alpha)
            for weight in (0.5, 1.0, 1.5):
                corrected = apply_likelihood(fused, r_held, loglik, weight=weight)
                right = fused_right(corrected.argmax(1), pen)
                grid.append({"bins": bins, "alpha": alpha, "weight": weight,
                             **{m: float(right[m].mean()) for m in ("exact", "case-folded",
                                                                    "digits")}})
                if (bins, alpha, weight) == (10, 1.0, 1.0):
                    likelihood = {"bins": bins, "alpha": alpha, "weight": weight,
                                  "measures": measures(corrected)}

    # the shipped size cue, exactly as the page applies it: each writer's characters in a
    # random order, each against up to k characters before it (normalised by the labels the
    # page showed for them), coefficients of the pipeline (metadata.json)
    meta = json.loads((REPO / "web" / "model" / "metadata.json").read_text())
    shipped = None
    if meta.get("size_cue"):
        cue = SizeCue(meta["size_cue"], classes)
        order = writer_sequences(pen["writer"], np.random.default_rng(SEED))
        corrected = cue.in_sequence(fused, pen["height"], order)
        shipped = {"k": cue.k, "least": cue.least, "measures": measures(corrected),
                   "with_reference": int(sum(max(0, len(o) - cue.least) for o in order))}
    lines = measure_lines(unipen, iso_coefs, pairs, typical, LINE_K)
    return {"n": int(len(pen["y"])), "case_letters": "".join(pairs), "lines": lines,
            "likelihood": likelihood, "grid": grid,
            "base": {m: float(base[m].mean()) for m in ("exact", "case-folded", "digits")},
            "case_letter_samples": int(on_pairs.sum()),
            "train_characters": len(train), "train_writers": len(set(train_w)),
            "heldout_writers": len(set(pen["writer"])), "rows": rows, "shipped": shipped}


def markdown(r: dict) -> str:
    L = ["# What a size cue buys", "",
         "The page fits each drawing to its box, so a letter whose two cases share a shape "
         f"({', '.join(r['case_letters'])}) is told apart by the models from the shape alone. "
         "Here each character's height is compared with its writer's usual character height, "
         "and the page's fused probabilities are corrected by the likelihood of that relative "
         "height (first per case pair, then for every class, as the page does), fitted on the "
         "training writers' "
         f"{r['train_characters']:,} clean characters ({r['train_writers']} writers; labels "
         "only). Measured on the held-out writers' "
         f"{r['n']:,} clean characters ({r['heldout_writers']} writers; "
         f"{r['case_letter_samples']:,} of them are these letters, either case), with the shipped "
         "models (Keras). A = without the size cue, B = with it; only A / only B and p as in "
         "[paired.md](paired.md). The page ships the likelihood of every class "
         "(`handwriting.page.sizecue`, `web/js/sizecue.js`); [unipen_sequence.md](unipen_sequence.md) "
         "measures it on the page.", "",
         "## Isolated characters, the reference from k random other characters of the writer", "",
         "First design: one logistic regression per case pair (upper case against "
         "ln(height / reference)), moving probability within the pair only.", "",
         "*raw*: the median of their heights. *normalised*: the median of their heights each "
         "divided by its class's typical height (the median, over training writers, of that "
         "class's height over the writer's median height), so that the reference no longer "
         "depends on which characters happened to come before; with the true labels, or with the "
         "page's own top guesses, which is what the page has.", ""]
    for row in r["rows"]:
        k = "all" if row["k"] is None else row["k"]
        lab = f", {row['labels']}" if row.get("labels") else ""
        L += [f"### {row.get('reference', 'raw')}{lab}, k = {k}", "",
              f"{row['no_reference']} characters had no reference (left as they were).", ""]
        L += table(row["measures"], "without", "with size") + [""]
    lk = r.get("likelihood")
    if lk:
        L += ["## Every class's size likelihood (what the page ships)", "",
              "Instead of one logistic regression per case pair: for every class, a histogram of "
              f"r over {lk['bins']} equal bins of [-1, 1] (the training writers' characters, "
              f"{lk['alpha']:g} added to each bin), and the page's probabilities multiplied by "
              f"ln P(bin | class) x {lk['weight']:g}, exponentiated and renormalised. So size "
              "also tells 0 from o, 9 from g, 1 from l, n from h. Same references as the row "
              "before (normalised, the page's labels, k = 5 at random).", ""]
        L += table(lk["measures"], "without", "with size") + [""]
        b = r["base"]
        L += ["Other settings (bins, alpha, weight), the same references; characters only. The "
              "shipped one was set before measuring (10, 1, 1: the likelihood as it is):", "",
              "| bins | alpha | weight | exact | case-folded | digits |", "|---:|---:|---:|---:|---:|---:|"]
        for g in r["grid"]:
            mark = " **(shipped)**" if (g["bins"], g["alpha"], g["weight"]) == (10, 1.0, 1.0) else ""
            L.append(f"| {g['bins']}{mark} | {g['alpha']:g} | {g['weight']:g} | "
                     + " | ".join(f"{100 * g[m]:.2f}% ({100 * (g[m] - b[m]):+.2f})"
                                  for m in ("exact", "case-folded", "digits")) + " |")
        L += [""]
    sh = r.get("shipped")
    if sh:
        L += ["## The shipped size cue, characters in sequence", "",
              "Exactly what the page does (`handwriting.page.sizecue.SizeCue`, the likelihoods in "
              "`web/model/metadata.json`, fitted by the pipeline's `fit_size_cue` node on the "
              "training writers' characters in sequence): each held-out writer's characters in a "
              f"random order, each against up to {sh['k']} characters before it (normalised "
              "heights, with the labels the page showed for them), from the "
              f"{sh['least'] + 1}th on ({sh['with_reference']:,} characters).", ""]
        L += table(sh["measures"], "without", "with size") + [""]
    ln = r.get("lines")
    if ln:
        L += ["## In lines of text", "",
              f"The line benchmark's {ln['lines']} lines of English prose ([unipen_lines.md]"
              f"(unipen_lines.md): the same lines and ink, {ln['characters']:,} characters, "
              f"{ln['writers']} writers; {ln['chars_other_writer']:,} characters are another "
              "writer's, their height rescaled by the two writers' median heights) read by the "
              "page's Python twin (its TF.js models loaded back). The reference is the median "
              "of the "
              f"(up to) {ln['k']} previous characters of the line, from the line's "
              f"{ln['least'] + 1}th character on ({ln['no_reference']:,} characters had "
              "fewer before them and are left as they were), raw or normalised (by each "
              "character's top guess). Coefficients: those of the isolated characters above "
              f"(k = {ln['k']}, references of random characters), or fitted the same way on "
              f"{ln['fit_lines']} other lines ({ln['fit_characters']:,} characters) written "
              "with the training writers' characters, references from each line's previous "
              "characters; or the shipped likelihoods, applied exactly as the page does (normalised by "
              "the text as the page showed it). Then the page's word decoder (free_penalty "
              f"{ln['free_penalty']}), or each character's own top guess. Writers: each line's "
              "writer.", "",
              f"| reference | coefficients | reading | {CELLS_HEAD.format(a='without', b='with size')} "
              "| case-folded, without / with size |",
              f"|---|---|---|{CELLS_RULE}|---|"]
        for row in ln["rows"]:
            L.append(f"| {row.get('reference', 'raw')} | {row['coefficients']} | {row['reading']} | "
                     f"{cells(row)} | {100 * row['case_folded'][0]:.2f}% / "
                     f"{100 * row['case_folded'][1]:.2f}% |")
        L += [""]
    raw_all = [row for row in r["rows"] if row["k"] is None][0]
    L += ["Fitted log likelihood ratio of upper case, a + b ln(height / reference), raw, k = all: "
          + ", ".join(f"{ch} {a:+.2f} {b:+.2f}" for ch, (a, b) in raw_all["coefs"].items()) + ".",
          "",
          f"Re-run: `.venv/bin/python benchmarks/size_cue.py` ({r['wall_seconds']:.0f} s on "
          f"{os.cpu_count()} CPU cores)."]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    return unipen_main("size_cue", __doc__, measure, markdown, argv)


if __name__ == "__main__":
    raise SystemExit(main())
