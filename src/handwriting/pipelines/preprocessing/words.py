"""Real words and lines of text (UNIPEN) -> pen lines the words model reads, split by contributor.

A contributor is a lab: its own writers and its own device. Splitting by contributor measures
what a new user with a new tablet or phone meets; the test contributors are named in the
parameters before anything is trained and never enter a choice.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from handwriting.page.penline import penline_features
from handwriting.word_model import frames, readable

logger = logging.getLogger(__name__)

_TEXT_FIELDS = ("label", "writer", "contrib", "kind", "style", "quality")


def split_word_ink(unipen_words: list[dict], params: dict) -> tuple[list, list, list]:
    """Words and lines whose labels the model can write, split into (train, validation, test)
    by contributor; each device's unequal resolution corrected (``x_scale``)."""
    test, validation = set(params["test_contributors"]), set(params["validation_contributors"])
    both = test & validation
    if both:
        raise ValueError(f"contributors both in test and validation: {sorted(both)}")
    scale = params.get("x_scale") or {}
    splits: tuple[list, list, list] = ([], [], [])
    unreadable = Counter()
    for record in unipen_words:
        if not readable(record["label"]):
            unreadable[record["contrib"]] += 1
            continue
        if record["contrib"] in scale:
            sx = float(scale[record["contrib"]])
            record = {**record, "strokes": [[[p[0] * sx, p[1]] for p in s] for s in record["strokes"]]}
        part = 2 if record["contrib"] in test else 1 if record["contrib"] in validation else 0
        splits[part].append(record)
    if unreadable:
        logger.info("left out %d pieces whose labels hold characters outside the alphabet",
                    sum(unreadable.values()))
    logger.info("word ink by contributor: %d train, %d validation, %d test pieces",
                *(len(s) for s in splits))
    return splits


def _penlines(word_ink: list[dict], params: dict, trainable_only: bool) -> dict[str, np.ndarray]:
    step, most = float(params["step"]), int(params["max_points"])
    feats, kept = [], []
    too_long = too_short = 0
    for record in word_ink:
        f = penline_features(record["strokes"], step)
        label = record["label"]
        needed = len(label) + sum(a == b for a, b in zip(label, label[1:]))
        if trainable_only and len(f) > most:
            too_long += 1
        elif trainable_only and frames(len(f)) < needed:
            too_short += 1
        else:
            feats.append(f)
            kept.append(record)
    if too_long or too_short:
        logger.info("left out of training %d pieces longer than %d points and %d with too few "
                    "points for their label", too_long, most, too_short)
    lengths = np.array([len(f) for f in feats], dtype=np.int64)
    out = {
        "x": np.concatenate(feats) if feats else np.zeros((0, 4), np.float32),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    }
    for field in _TEXT_FIELDS:
        out[field] = np.array([str(r.get(field)) for r in kept], dtype=str)
    return out


def penline_set(word_ink: list[dict], params: dict) -> dict[str, np.ndarray]:
    """Pen-line features of every piece, concatenated (``x`` float32 (points, 4), ``offsets``
    int64 (n + 1,): piece i is ``x[offsets[i]:offsets[i + 1]]``) with its label and details.
    Every piece is kept: what is measured on it is what a user would meet."""
    return _penlines(word_ink, params, trainable_only=False)


def penline_training_set(word_ink: list[dict], params: dict) -> dict[str, np.ndarray]:
    """``penline_set`` without the pieces training cannot use: longer than ``max_points``
    points (slow to train on), or with too few frames for their label (CTC needs a frame per
    character and one between repeated characters)."""
    return _penlines(word_ink, params, trainable_only=True)
