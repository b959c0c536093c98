"""The words model for the page: a tf_keras twin converted to TF.js, loaded back and compared
with Keras on the validation contributors' real pen lines before anything is published."""

from __future__ import annotations

import logging

import numpy as np

from handwriting.page.textdecoder import greedy_decode
from handwriting.tfjs_compat import load_tfjs
from handwriting.page.wordreader import line_probabilities
from handwriting.word_model import build_word_model

from .nodes import _checked_quantization, _compare_with_keras, _convert, _weights_bytes

logger = logging.getLogger(__name__)

WORD_MODEL_FILE = "word_model.json"


def _word_quantization(params: dict) -> str | None:
    """The words model's own quantisation (``word_quantization``), else the image model's."""
    return params.get("word_quantization", params.get("quantization"))


def export_word_tfjs(word_model, word_training_history: dict, word_params: dict,
                     params: dict) -> dict[str, bytes]:
    """The words model as a TF.js LayersModel (``word_model.json`` + hashed weights), or ``{}``
    when it was not trained (the page then reads characters only)."""
    import tf_keras

    if not word_training_history.get("trained"):
        logger.info("no words model to ship (not trained)")
        return {}
    twin = build_word_model(word_params, tf_keras)
    twin.set_weights(word_model.get_weights())
    return _convert(twin, _checked_quantization(_word_quantization(params)), WORD_MODEL_FILE)


def verify_word_export(word_tfjs_export: dict[str, bytes], word_model,
                       word_validation_set: dict, params: dict) -> dict:
    """Load the export back and compare it with Keras, frame by frame, on the validation
    contributors' pen lines (``word_verify_samples`` of them, spread over the set); raises over
    the quantisation's tolerance, so nothing is published. Also reports both best-path
    readings' character error rates, so a quantisation that costs accuracy shows."""
    from handwriting.evaluation import edit_distance

    if not word_tfjs_export:
        return {"shipped": False}
    offsets, labels = word_validation_set["offsets"], word_validation_set["label"]
    count = len(labels)
    n = min(int(params.get("word_verify_samples") or count), count)
    chosen = np.unique(np.linspace(0, count - 1, n).round().astype(int))
    pieces = [word_validation_set["x"][offsets[i]:offsets[i + 1]] for i in chosen]
    exported = load_tfjs(word_tfjs_export, WORD_MODEL_FILE)
    # each pen line read as the page reads it: lines of one length together, none padded
    keras_probs = line_probabilities(pieces, word_model)
    tfjs_probs = line_probabilities(pieces, exported)
    quantization = _word_quantization(params)
    # its own tolerance: a CTC model's outputs are peaky, so at a character's first or last
    # frame a small change of logits moves a probability more than an image model's would
    tolerance = float(params.get("word_tolerance", params["tolerance"][str(quantization).lower()]))
    report = _compare_with_keras(np.concatenate(keras_probs), np.concatenate(tfjs_probs),
                                 quantization, {**params, "tolerance": {
                                     str(quantization).lower(): tolerance}},
                                 "the words model's TF.js export")
    chars = sum(len(labels[i]) for i in chosen)
    cer = {}
    for name, probs in (("keras", keras_probs), ("exported", tfjs_probs)):
        errors = sum(edit_distance(greedy_decode(p)["text"], labels[i])
                     for p, i in zip(probs, chosen))
        cer[name] = errors / max(chars, 1)
    logger.info("words model best-path CER on %d validation pieces: Keras %.4f, export %.4f",
                len(chosen), cer["keras"], cer["exported"])
    most = float(params.get("word_cer_tolerance", 0.0))
    if not abs(cer["exported"] - cer["keras"]) <= most:
        raise ValueError(f"the words model's TF.js export reads {cer['exported']:.4f} of characters "
                         f"wrong against Keras's {cer['keras']:.4f} (tolerance {most:g}); "
                         "web/model left unchanged")
    return {"shipped": True, **report, "pieces": int(len(chosen)),
            "cer_keras": cer["keras"], "cer_exported": cer["exported"],
            "weights_bytes": _weights_bytes(word_tfjs_export)}


LEXICON_FILE = "lexicon.txt"


def package_words(word_tfjs_export: dict[str, bytes], word_export_check: dict, lexicon: str,
                  text_decoder: dict, word_params: dict) -> dict:
    """What the page needs to read words: ``{"files": the words model's export and the lexicon,
    "metadata": metadata.json's words_model entry}``, or ``{}`` without a words model."""
    from handwriting.page.lexicon import parse_lexicon
    from handwriting.page.textdecoder import ALPHABET, check_params

    if not word_tfjs_export:
        return {}
    if not word_export_check.get("shipped"):
        raise ValueError("the words model's export was not verified")
    parse_lexicon(lexicon)  # a malformed lexicon fails the run, not the page
    lexicon_bytes = lexicon.encode()
    return {
        "files": {**word_tfjs_export, LEXICON_FILE: lexicon_bytes},
        "metadata": {
            "path": WORD_MODEL_FILE,
            "lexicon": LEXICON_FILE,
            "step": float(word_params["step"]),
            "alphabet": ALPHABET,
            "decoder": check_params(text_decoder["params"]),
            "weights_bytes": word_export_check["weights_bytes"],
            "lexicon_bytes": len(lexicon_bytes),
            "quantization": word_export_check["quantization"],
        },
    }
