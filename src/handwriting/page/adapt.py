"""Learning a user's handwriting from the corrections they pick.

One hand draws its characters its own way: one writer's plain bar is an l, another's a 1; one
writer's 9 has the tail another gives a g. Neither model can know which, but the user tells the
page whenever they replace a reading with one of its other guesses. This module is the
specification of how the page uses that; ``web/js/adapt.js`` is its copy,
``tests/web/test_adapt_parity.py`` checks the two agree.

1. A character's *shape* is its fused probabilities before the size cue (``shapeProbs`` on the
   page), embedded as their square roots: the distance between two shapes is then the Hellinger
   distance times sqrt 2, between 0 (the same opinion) and sqrt 2 (no class in common).
2. When the user picks another guess for a character, the page remembers (shape, label); picking
   again for the same character replaces its entry, and picking the page's first reading of it
   back withdraws it. At most ``capacity`` entries are kept (the oldest goes first). Clear all keeps
   them: they describe the hand, not the text. The page also keeps them in the browser's
   localStorage for the same model version (shapes rounded to 6 decimals), so a reload does not
   forget them; the info panel's Forget button does.
3. A new character with shape s gets, for every class c,
   ``boost[c] = sum over remembered (s_j, c) of exp(-(|s - s_j| / tau)^2)``, and its
   probabilities (after the size cue) become ``p_c * exp(beta * boost[c])``, renormalised in log
   space. A remembered correction therefore pulls only drawings the models saw much as they saw
   the corrected one.

``tau`` and ``beta`` were chosen on the training writers' characters, never the held-out ones.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from handwriting.page.fusion import normalise_log

DEFAULT = {"tau": 0.5, "beta": 2.0, "capacity": 500}


def checked(cfg: dict | None) -> dict:
    """``cfg`` (tau, beta, capacity; missing ones from DEFAULT) checked; raises ValueError."""
    out = {**DEFAULT, **(cfg or {})}
    unknown = set(out) - set(DEFAULT) - {"enabled"}
    if unknown:
        raise ValueError(f"adaptation: unknown settings {sorted(unknown)}")
    tau, beta, capacity = out["tau"], out["beta"], out["capacity"]
    if isinstance(tau, bool) or not isinstance(tau, (int, float)) or not tau > 0:
        raise ValueError(f"adaptation.tau must be a number > 0, got {tau!r}")
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta >= 0:
        raise ValueError(f"adaptation.beta must be a number >= 0, got {beta!r}")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError(f"adaptation.capacity must be an integer >= 1, got {capacity!r}")
    return {"tau": float(tau), "beta": float(beta), "capacity": int(capacity)}


def embed(shape_probs) -> np.ndarray:
    """A shape's embedding: the square roots of its probabilities (negatives read as 0)."""
    return np.sqrt(np.clip(np.asarray(shape_probs, dtype=np.float64), 0.0, None))


def boost(shape, remembered: np.ndarray, labels: Sequence[int], tau: float,
          n_classes: int) -> np.ndarray:
    """Per class, the summed kernel weights of the remembered shapes (rows of ``remembered``,
    embeddings) labelled with it, seen from ``shape`` (an embedding)."""
    out = np.zeros(n_classes)
    if len(labels) == 0:
        return out
    d = np.linalg.norm(np.asarray(remembered, dtype=np.float64) - shape, axis=1)
    np.add.at(out, np.asarray(labels, dtype=int), np.exp(-(d / tau) ** 2))
    return out


def apply(probs, boosts, beta: float) -> np.ndarray:
    """``probs * exp(beta * boosts)``, renormalised in log space (p floored at 1e-30)."""
    logp = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-30))
    return normalise_log(logp + beta * np.asarray(boosts, dtype=np.float64))


class Adaptation:
    """The page's memory of one user's corrections: the twin of adapt.js's Adaptation."""

    def __init__(self, cfg: dict | None, n_classes: int):
        c = checked(cfg)
        self.tau, self.beta, self.capacity = c["tau"], c["beta"], c["capacity"]
        self.n_classes = int(n_classes)
        self._entries: dict[Hashable, tuple[np.ndarray, int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, key: Hashable, shape_probs, label: int) -> None:
        """The user picked ``label`` for the character ``key`` (a new pick for the same key
        replaces the old one, keeping its place in the order)."""
        if not 0 <= int(label) < self.n_classes:
            raise ValueError(f"label {label} is not one of {self.n_classes} classes")
        self._entries[key] = (embed(shape_probs), int(label))
        while len(self._entries) > self.capacity:
            del self._entries[next(iter(self._entries))]

    def forget(self, key: Hashable) -> None:
        """The user picked the page's first reading of ``key`` back: no correction."""
        self._entries.pop(key, None)

    def boost(self, shape_probs) -> np.ndarray:
        if not self._entries:
            return np.zeros(self.n_classes)
        shapes, labels = zip(*self._entries.values())
        return boost(embed(shape_probs), np.stack(shapes), labels, self.tau, self.n_classes)

    def apply(self, probs, shape_probs) -> np.ndarray:
        """``probs`` (after the size cue) moved by what the corrections say about this shape."""
        if not self._entries:
            return np.asarray(probs, dtype=np.float64)
        return apply(probs, self.boost(shape_probs), self.beta)


def with_corrections(shape_probs: np.ndarray, order: Sequence[Sequence[int]], cfg: dict | None,
                     y: np.ndarray, labels: Sequence[str], cue=None,
                     heights: np.ndarray | None = None, top_k: int = 3
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each writer (one list of row indices in ``order``) writes their characters one after
    another as one text line, and corrects every reading whose true class (``y``) is among the
    ``top_k`` guesses shown by picking it. Returns the probabilities each character was first
    read with (after the size cue ``cue``, a SizeCue, when given, and the corrections so far) and
    which characters were corrected. Characters the user could not correct (truth not shown)
    stay as read, and the size cue sees the text as shown, picks included."""
    probs = np.array(shape_probs, dtype=np.float64, copy=True)
    corrected = np.zeros(len(probs), dtype=bool)
    for idx in order:
        memory = Adaptation(cfg, probs.shape[1])
        previous: list[tuple[float, str]] = []
        for i in idx:
            p = probs[i]
            if cue is not None:
                p = cue.apply(p, cue.ratio(float(heights[i]), previous))
            p = memory.apply(p, shape_probs[i])
            probs[i] = p
            shown = int(np.argmax(p))
            top = np.argsort(-p, kind="stable")[:top_k]
            if shown != y[i] and y[i] in top:
                memory.remember(i, shape_probs[i], int(y[i]))
                corrected[i] = True
                shown = int(y[i])
            if cue is not None:
                previous.append((float(heights[i]), labels[shown]))
    return probs, corrected
