"""How well the words model reads the test contributors' words and lines, as the page reads them,
and how its training went.

Each test piece is read alone by the words model (handwriting.page.wordreader: lines of equal
length share a call, none is padded), then decoded twice: with the language model (the lexicon
and the decoder settings tuned on the validation contributors) and without it (the best path),
so the language model's share is visible. A word is right only when read exactly as labelled,
case and punctuation included. In a line, the label's words are matched in order to the
reading's words (the longest common subsequence of the two word sequences): a label word is right
when it is matched to the same word.

The Python beam search takes tens of milliseconds a word, so ``word_eval_subset`` may read a
seeded sample (stratified by contributor and kind) instead of every piece; the report says which.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from handwriting.evaluation import edit_distance, piece_words, score_readings  # noqa: E402
from handwriting.page.lexicon import (covers, lexicon_coverage, parse_lexicon,  # noqa: E402
                                      written_word)
from handwriting.page.textdecoder import check_params, decode_text, greedy_decode  # noqa: E402
from handwriting.page.wordreader import line_probabilities  # noqa: E402
from handwriting.sampling import stratified_indices  # noqa: E402

logger = logging.getLogger(__name__)

STYLES = ("PRINTED", "MIXED", "CURSIVE")
"""The declared styles reported one by one; undeclared ones are "other"."""
READINGS = ("with_language_model", "best_path")


def style_of(style: str) -> str:
    return style if style in STYLES else "other"


def _figures(rows: list[dict]) -> dict:
    """CER and words right over ``rows`` (one per piece: errors, chars, right flags)."""
    chars = sum(r["chars"] for r in rows)
    words = sum(len(r["right"]) for r in rows)
    right = sum(sum(r["right"]) for r in rows)
    return {"pieces": len(rows), "cer": sum(r["errors"] for r in rows) / chars if chars else None,
            "words": words, "words_right": right / words if words else None}


def _word_figures(flags: list[bool]) -> dict:
    return {"words": len(flags), "words_right": sum(flags) / len(flags) if flags else None}


def summarise(labels: list[str], readings: list[str], kinds: list[str], styles: list[str],
              contribs: list[str], lexicon) -> dict:
    """The figures of one way of reading: overall, by style, by contributor, by kind, and by
    whether each label word is in the lexicon (``covers``; numbers and codes are out)."""
    rows, by_lexicon = [], {"in": [], "out": []}
    for label, text, kind in zip(labels, readings, kinds):
        right = piece_words(label, text, kind)
        rows.append({"errors": edit_distance(text, label), "chars": len(label), "right": right})
        tokens = [label] if kind == "word" else label.split()
        for token, ok in zip(tokens, right):
            word = written_word(token)
            by_lexicon["in" if word is not None and covers(lexicon, word) else "out"].append(ok)

    def grouped(keys: list[str]) -> dict:
        groups = defaultdict(list)
        for key, row in zip(keys, rows):
            groups[key].append(row)
        return {key: _figures(groups[key]) for key in sorted(groups)}

    return {"overall": _figures(rows), "by_style": grouped([style_of(s) for s in styles]),
            "by_contributor": grouped(contribs), "by_kind": grouped(kinds),
            "by_lexicon": {key: _word_figures(flags) for key, flags in by_lexicon.items()}}


def _pieces(word_set: dict, index: np.ndarray) -> list[np.ndarray]:
    x, offsets = word_set["x"], word_set["offsets"]
    return [x[offsets[i]:offsets[i + 1]] for i in index]


def evaluate_word_model(word_model, word_training_history: dict, word_test_set: dict,
                        lexicon: str, text_decoder: dict, params: dict) -> dict:
    """The words model's figures on the test contributors (see the module docstring), or
    ``{"available": False}`` without a trained words model."""
    if not (word_training_history or {}).get("trained") or len(word_test_set["label"]) == 0:
        return {"available": False}
    labels_all = [str(v) for v in word_test_set["label"]]
    strata = np.array([f"{c}/{k}" for c, k in zip(word_test_set["contrib"], word_test_set["kind"])])
    seed = int(params.get("word_eval_seed", 0))
    index = stratified_indices(strata, params.get("word_eval_subset"), seed)
    field = {key: [str(word_test_set[key][i]) for i in index]
             for key in ("label", "kind", "style", "contrib")}
    lex = parse_lexicon(lexicon)
    settings = check_params(text_decoder["params"])
    started = time.perf_counter()
    probs = line_probabilities(_pieces(word_test_set, index), word_model)
    model_seconds = time.perf_counter() - started
    readings = {"best_path": [greedy_decode(p)["text"] for p in probs]}
    started = time.perf_counter()
    readings["with_language_model"] = [decode_text(p, lex, settings)["text"] for p in probs]
    decode_seconds = time.perf_counter() - started
    logger.info("words model on %d test pieces: model %.0f s, decoding with the lexicon %.0f s",
                len(index), model_seconds, decode_seconds)
    report = {
        "available": True,
        "data": "test contributors' real words and lines (UNIPEN), never trained or tuned on",
        "contributors": sorted(set(field["contrib"])),
        "pieces": len(index), "pieces_in_test_set": len(labels_all),
        "sample": None if params.get("word_eval_subset") is None else {
            "size": params.get("word_eval_subset"), "seed": seed,
            "stratified_by": "contributor and kind"},
        "decoder": settings, "lexicon_words": len(lex),
        "lexicon_coverage": lexicon_coverage(lex, labels_all),
        "seconds": {"model": round(model_seconds, 2), "decoding": round(decode_seconds, 2)},
    }
    for name in READINGS:
        report[name] = summarise(field["label"], readings[name], field["kind"], field["style"],
                                 field["contrib"], lex)
    report["failures"] = _failures(index, field, readings, int(params.get("word_failures", 24)),
                                   seed)
    return report


def _best_path_figures(word_model, word_set: dict, count: int) -> dict:
    """Best-path character error rate and isolated words right on ``count`` pieces spread evenly
    over ``word_set`` (as the page reads each: alone, unpadded)."""
    total = len(word_set["label"])
    index = np.unique(np.linspace(0, total - 1, min(count, total)).round().astype(int))
    probs = line_probabilities(_pieces(word_set, index), word_model)
    scores = score_readings([greedy_decode(p)["text"] for p in probs],
                            [str(word_set["label"][i]) for i in index],
                            [str(word_set["kind"][i]) for i in index])
    return {key: scores[key] for key in ("pieces", "cer", "words_right")}


def measure_word_fit(word_model, word_training_history: dict, word_train_set: dict,
                     word_validation_set: dict, params: dict) -> dict:
    """How well the words model fits the pieces it trained on against the validation
    contributors' (best path, no augmentation): a high error on its own training pieces means
    it is short of capacity or training; a low one with a high validation error, that it does
    not carry over to new writers and devices."""
    if not (word_training_history or {}).get("trained") or len(word_train_set["label"]) == 0:
        return {"available": False}
    count = int(params.get("word_fit_pieces", 1500))
    fit = {"available": True,
           "training": _best_path_figures(word_model, word_train_set, count),
           "validation": _best_path_figures(word_model, word_validation_set, count)}
    logger.info("words model fit, best path: CER %.4f on training pieces, %.4f on validation "
                "contributors'", fit["training"]["cer"], fit["validation"]["cer"])
    return fit


def _failures(index: np.ndarray, field: dict, readings: dict, count: int, seed: int) -> list:
    """A seeded sample of the isolated words read wrong with the language model."""
    wrong = [k for k, (label, text, kind) in enumerate(zip(field["label"],
                                                            readings["with_language_model"],
                                                            field["kind"]))
             if kind == "word" and text != label]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(len(wrong), size=min(count, len(wrong)), replace=False)
                    ) if wrong else []
    return [{"index": int(index[wrong[k]]), "label": field["label"][wrong[k]],
             "reading": readings["with_language_model"][wrong[k]],
             "best_path": readings["best_path"][wrong[k]], "style": field["style"][wrong[k]],
             "contributor": field["contrib"][wrong[k]]} for k in chosen]


def ink_of(features: np.ndarray) -> list[np.ndarray]:
    """A pen line's strokes back from its features: the steps added up, a new stroke at each
    lift (jumps across a lift were clipped, which only moves the strokes apart less)."""
    if len(features) == 0:
        return []
    points = np.cumsum(features[:, :2], axis=0)
    starts = np.flatnonzero(features[:, 3] > 0.5).tolist()
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [points[a:b] for a, b in zip(starts, [*starts[1:], len(points)])]


def plot_word_failures(word_metrics: dict, word_test_set: dict) -> plt.Figure:
    """Misread test words drawn as the model saw their ink, each titled with its label and the
    reading (with the language model, and the best path)."""
    failures = (word_metrics or {}).get("failures") or []
    if not failures:
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        reason = ("no words model (no UNIPEN words file)" if not word_metrics.get("available")
                  else "no misread test word")
        ax.text(0.5, 0.5, f"words: {reason}", ha="center", va="center")
        return fig
    cols = 4
    rows = (len(failures) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 1.9 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    x, offsets = word_test_set["x"], word_test_set["offsets"]
    for ax, failure in zip(axes.flat, failures):
        i = failure["index"]
        for stroke in ink_of(x[offsets[i]:offsets[i + 1]]):
            ax.plot(stroke[:, 0], stroke[:, 1], color="black", lw=1.2,
                    marker="." if len(stroke) == 1 else None)
        ax.set_aspect("equal")
        ax.invert_yaxis()
        ax.set_title(f"{failure['label']!r} read {failure['reading']!r}\n"
                     f"no LM {failure['best_path']!r} · {failure['contributor']} "
                     f"{failure['style']}", fontsize=8)
    fig.suptitle("Test words the page reads wrong (label, reading with the language model, "
                 "best path without)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_word_training_curves(word_training_history: dict) -> plt.Figure:
    """The words model's training: CTC loss on the training pieces and, on the validation
    contributors, the best-path character error rate and isolated words read exactly, per epoch,
    the kept epoch marked; or a figure saying it was not trained."""
    history = word_training_history or {}
    if not history.get("trained"):
        fig, ax = plt.subplots(figsize=(6, 1.5))
        ax.axis("off")
        ax.text(0.5, 0.5, "words model not trained (no UNIPEN words file):\n"
                "the page reads one character at a time", ha="center", va="center")
        return fig
    metrics = history["metrics"]
    epochs = np.arange(1, len(metrics["loss"]) + 1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(epochs, metrics["loss"], marker="o", label="training CTC loss (augmented ink)")
    axes[0].set_title("loss")
    axes[1].plot(epochs, metrics["val_cer"], marker="o", label="character error rate")
    axes[1].plot(epochs, metrics["val_words_right"], marker="o", label="isolated words right")
    axes[1].set_ylim(0, 1)
    axes[1].set_title("validation contributors, best path (no language model)")
    for ax in axes:
        ax.axvline(history["best_epoch"], color="grey", ls="--", lw=1, label="kept epoch")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(f"words model: {history.get('train_samples', '?')} training pieces, "
                 f"{history.get('train_seconds', 0) / 60:.0f} min", y=1.02)
    fig.tight_layout()
    return fig
