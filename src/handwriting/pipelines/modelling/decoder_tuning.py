"""The page's text decoder settings, chosen on the validation contributors: the words model reads
their pen lines once, then every setting of the grid decodes the same probabilities with the
lexicon, and the one reading the most words right (then the lowest character error rate) is kept:
isolated words and the words of lines together, counted as the reporting counts them
(``handwriting.evaluation.piece_words``). Test contributors never enter."""

from __future__ import annotations

import itertools
import logging
import time

import numpy as np

from handwriting.evaluation import score_readings
from handwriting.page.lexicon import parse_lexicon
from handwriting.page.textdecoder import DEFAULT_PARAMS, check_params, decode_text, greedy_decode
from handwriting.page.wordreader import line_probabilities

logger = logging.getLogger(__name__)


def readings(word_model, word_set: dict, indices) -> list[np.ndarray]:
    """The words model's probabilities for the chosen pieces, each read as the page reads it
    (handwriting.page.wordreader: no padding)."""
    x, offsets = word_set["x"], word_set["offsets"]
    return line_probabilities([x[offsets[i]:offsets[i + 1]] for i in indices], word_model)


def tune_text_decoder(word_model, word_training_history: dict, word_validation_set: dict,
                      lexicon: str, params: dict) -> dict:
    """``{"params": the decoder settings the page ships, "grid": each setting's figures, ...}``
    (``{"tuned": False, "params": ...}`` with the fixed settings when there is no words model)."""
    fixed = check_params(params.get("fixed"))
    if not word_training_history.get("trained"):
        return {"tuned": False, "params": fixed}
    count = len(word_validation_set["label"])
    n = min(int(params["pieces"]), count)
    chosen = np.unique(np.linspace(0, count - 1, n).round().astype(int))
    labels = [str(word_validation_set["label"][i]) for i in chosen]
    kinds = [str(word_validation_set["kind"][i]) for i in chosen]
    probs = readings(word_model, word_validation_set, chosen)
    lex = parse_lexicon(lexicon)
    best_path = score_readings([greedy_decode(p)["text"] for p in probs], labels, kinds)
    grid = params["grid"]
    names = sorted(grid)
    results, started = [], time.perf_counter()
    for values in itertools.product(*(grid[k] for k in names)):
        setting = {**params.get("fixed", {}), **dict(zip(names, values))}
        texts = [decode_text(p, lex, setting)["text"] for p in probs]
        results.append({"setting": dict(zip(names, values)), **score_readings(texts, labels, kinds)})
        logger.info("text decoder %s: words right %.4f (isolated %.4f), CER %.4f",
                    results[-1]["setting"], results[-1]["all_words_right"],
                    results[-1]["words_right"], results[-1]["cer"])
    best = max(results, key=lambda r: (r["all_words_right"], -r["cer"]))
    chosen_params = check_params({**params.get("fixed", {}), **best["setting"]})
    logger.info("text decoder: chose %s on %d validation pieces (%.0f s): words right %.4f "
                "(best path without the lexicon %.4f), CER %.4f (%.4f)", best["setting"], len(chosen),
                time.perf_counter() - started, best["all_words_right"],
                best_path["all_words_right"], best["cer"], best_path["cer"])
    return {"tuned": True, "params": chosen_params, "validation": best, "best_path": best_path,
            "grid": results, "defaults": dict(DEFAULT_PARAMS)}
