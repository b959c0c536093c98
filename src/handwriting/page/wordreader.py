"""The reading of a word or a line of ink: pen-line features, the words model, the text decoder.

This module is the specification of what the page does with the ink of a word or a line; it is
implemented twice, here (reports and benchmarks) and in ``web/js/wordreader.js`` (the page), and
tests/web/test_wordreader_parity.py checks that both give the same readings.

``read_line(strokes, predict, lexicon, settings)``:

1. ``settings`` is metadata.json's ``words_model`` entry: ``step`` (pen-line spacing, default
   ``penline.DEFAULT_STEP``), ``decoder`` (the text decoder's settings, default its defaults)
   and ``alphabet`` (when given, it must be ``textdecoder.ALPHABET``: a model trained on other
   characters would be read as garbage).
2. ``features = penline_features(strokes, step)``; no ink reads as
   ``{"text": "", "score": 0, "alternatives": [], "frames": 0}`` without calling the model.
3. ``probs = predict(features)``: the words model on this one pen line, at least
   ``frames(points)`` = ceil(points / 2) rows of 96 probabilities; rows past that (a padded
   input) are dropped, fewer is an error.
4. ``decode_text(probs, lexicon, settings["decoder"])`` -> ``{"text", "score", "alternatives",
   "frames"}``.

``read_lines`` reads many lines with a Keras model for reports. Lines are run together only with
lines of exactly their length, never padded: the model's 'same' convolutions see a padded line's
zeros as ink (its last frames change) and, for a line of odd length padded to an even one, the
strided convolution samples other points (every frame changes). So each line reads exactly as the
page reads it, alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from handwriting.page.lexicon import Lexicon
from handwriting.page.penline import DEFAULT_STEP, FEATURES, penline_features
from handwriting.page.textdecoder import ALPHABET, BLANK, decode_text

STRIDE = 2
"""Pen-line points per output frame of the words model (handwriting.word_model)."""


def frames(points: int) -> int:
    """Output frames of the words model for a pen line of ``points`` points."""
    return (int(points) + STRIDE - 1) // STRIDE


def _step(settings: dict | None) -> float:
    settings = settings or {}
    alphabet = settings.get("alphabet")
    if alphabet is not None and alphabet != ALPHABET:
        raise ValueError("the words model's alphabet is not the text decoder's (printable ASCII)")
    return settings.get("step", DEFAULT_STEP)


def _trimmed(probs, points: int) -> np.ndarray:
    """Step 3: the first ``frames(points)`` rows of the model's output."""
    p = np.asarray(probs, dtype=np.float32)
    if p.ndim == 3 and p.shape[0] == 1:  # a batch of one, as a Keras model returns
        p = p[0]
    need = frames(points)
    if p.ndim != 2 or p.shape[1] != BLANK + 1 or p.shape[0] < need:
        raise ValueError(f"the words model gave {list(p.shape)} for {points} points; expected "
                         f"at least [{need}, {BLANK + 1}]")
    return p[:need]


def _reading(probs: np.ndarray, lexicon: Lexicon | None, settings: dict | None) -> dict:
    decoded = decode_text(probs, lexicon, (settings or {}).get("decoder"))
    return {"text": decoded["text"], "score": decoded["score"],
            "alternatives": decoded["alternatives"], "frames": len(probs)}


def _empty() -> dict:
    return {"text": "", "score": 0.0, "alternatives": [], "frames": 0}


def read_line(strokes, predict: Callable[[np.ndarray], object], lexicon: Lexicon | None,
              settings: dict | None) -> dict:
    """The reading of one word or line of ink (see the module docstring)."""
    features = penline_features(strokes, _step(settings))
    if len(features) == 0:
        return _empty()
    return _reading(_trimmed(predict(features), len(features)), lexicon, settings)


def line_probabilities(features: Sequence[np.ndarray], model,
                       batch_points: int = 40000) -> list[np.ndarray]:
    """The words model's ``[frames(points), 96]`` probabilities for each pen line, lines of the
    same length run together (at most about ``batch_points`` points a call), none padded.
    ``model`` is called as a Keras model: ``model(x, training=False)`` on ``(n, points, 4)``."""
    out: list[np.ndarray | None] = [None] * len(features)
    by_length: dict[int, list[int]] = {}
    for i, f in enumerate(features):
        if len(f) == 0:
            out[i] = np.zeros((0, BLANK + 1), np.float32)
        else:
            by_length.setdefault(len(f), []).append(i)
    for length, index in sorted(by_length.items()):
        most = max(1, batch_points // length)
        for start in range(0, len(index), most):
            chunk = index[start:start + most]
            x = np.stack([np.asarray(features[i], np.float32).reshape(length, FEATURES)
                          for i in chunk])
            probs = np.asarray(model(x, training=False))
            for row, i in enumerate(chunk):
                out[i] = _trimmed(probs[row], length)
    return out


def read_lines(strokes_list: Sequence, model, lexicon: Lexicon | None, settings: dict | None,
               batch_points: int = 40000) -> list[dict]:
    """``read_line`` for each ink in ``strokes_list``, the model run on lines of equal length
    together (the same readings as one at a time)."""
    step = _step(settings)
    features = [penline_features(s, step) for s in strokes_list]
    probs = line_probabilities(features, model, batch_points)
    return [_reading(p, lexicon, settings) if len(p) else _empty() for p in probs]


__all__ = ["STRIDE", "frames", "line_probabilities", "read_line", "read_lines"]
