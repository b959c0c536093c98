"""The size cue: how tall a character is against its writer's other characters.

The page fits every drawing to its box (as EMNIST's conversion did), so a lowercase s and an S,
or an o, an O and a 0, look alike to both models. The same hand draws them at different heights
(a lowercase o at about two thirds of a capital, a g or a 9 with a tail), and the page sees the
characters written before it in the same text line. This module is the specification of how the
page uses that; ``web/js/sizecue.js`` is its copy, ``tests/web/test_sizecue_parity.py`` checks
the two agree.

1. Each character's ink height is the height of its bounding box (any unit; only ratios count).
2. ``typical[c]``: the median, over training writers, of a class-c character's height divided by
   its writer's median character height (a lowercase o is about 0.66 of it, an f 1.5).
3. The reference of a new character: the median of ``height / typical[label]`` of the (up to)
   ``k`` characters before it in the line, with the labels the text now shows; none before
   ``least`` characters. Dividing by ``typical`` makes the reference an estimate of the writer's
   usual height whatever the previous characters were (all lowercase in a word, anything in a
   list of codes), so one likelihood serves both.
4. ``r = clip(ln(height / reference), -clip, clip)``; a few recordings are tens of times their
   writer's usual size.
5. ``r`` falls in one of ``bins`` equal bins over [-clip, clip]: ``b = floor((r + clip) * bins /
   (2 clip))``, kept within 0 .. bins - 1.
6. ``loglik[c][b]``: ln P(bin b | class c), a histogram of the training writers' characters
   (each against the characters before it, in a random order per writer) with ``alpha`` added to
   every bin. The models saw only size-free inputs, so size is treated as independent evidence:
   p_c <- p_c * exp(weight * loglik[c][b]), renormalised (in log space, p floored at 1e-30).
   Without a reference (r NaN) the probabilities are left as they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from handwriting.page.fusion import normalise_log

CLIP = 1.0
K = 5
LEAST = 3


def ink_height(strokes: Sequence[Sequence[Sequence[float]]]) -> float:
    """Height of the bounding box of all points (0 without points)."""
    ys = [float(p[1]) for stroke in strokes for p in stroke]
    return max(ys) - min(ys) if ys else 0.0


def log_ratio(height, reference, clip: float = CLIP) -> np.ndarray:
    """ln(height / reference), clipped to +-clip; NaN where either is not a positive number."""
    height = np.atleast_1d(np.asarray(height, np.float64))
    reference = np.atleast_1d(np.asarray(reference, np.float64))
    ok = np.isfinite(reference) & (reference > 0) & np.isfinite(height) & (height > 0)
    out = np.full(np.broadcast(height, reference).shape, np.nan)
    h, ref = np.broadcast_arrays(height, reference)
    out[ok] = np.clip(np.log(h[ok] / ref[ok]), -clip, clip)
    return out


def typical_heights(y: np.ndarray, heights: np.ndarray, writers: np.ndarray, n_classes: int
                    ) -> np.ndarray:
    """Per class, the median of height / the writer's median height (1.0 for a class never
    seen). Writers whose median height is 0 are skipped."""
    y, heights, writers = np.asarray(y), np.asarray(heights, np.float64), np.asarray(writers)
    usual = np.full(len(heights), np.nan)
    for w in np.unique(writers):
        m = writers == w
        usual[m] = np.median(heights[m])
    rel = np.where(usual > 0, heights / np.where(usual > 0, usual, 1), np.nan)
    out = np.ones(n_classes)
    for c in range(n_classes):
        v = rel[(y == c) & np.isfinite(rel) & (rel > 0)]
        if len(v):
            out[c] = float(np.median(v))
    return out


def reference(heights: Sequence[float], labels: Sequence[int], typical: np.ndarray,
              k: int = K, least: int = LEAST) -> float:
    """The reference from the characters before the new one (oldest first): the median of
    height / typical[label] over the last ``k`` with a positive height; NaN with fewer than
    ``least`` of them."""
    norm = [h / typical[c] for h, c in zip(heights, labels) if h > 0 and typical[c] > 0]
    return _median_of_last(norm, k, least)


def _median_of_last(norm: list[float], k: int, least: int) -> float:
    """The median of the last ``k`` normalised heights; NaN with fewer than ``least``."""
    if len(norm) < max(least, 1):
        return float("nan")
    return float(np.median(norm[-k:]))


def sequence_ratios(heights: Sequence[float], labels: Sequence[int], typical: np.ndarray,
                    k: int = K, least: int = LEAST, clip: float = CLIP) -> np.ndarray:
    """``log_ratio`` of each character of one sequence (a text line) against the ``reference``
    of the characters before it (kept as the line goes, not recomputed from its start)."""
    out = np.full(len(heights), np.nan)
    norm: list[float] = []  # what ``reference`` keeps of the characters so far
    for j, (h, c) in enumerate(zip(heights, labels)):
        out[j] = log_ratio(h, _median_of_last(norm, k, least), clip)[0]
        if h > 0 and typical[c] > 0:
            norm.append(h / typical[c])
    return out


def writer_sequences(writers: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Each writer's characters (indices) in a random order: the order they are written in."""
    by_writer: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(writers):
        by_writer[w].append(i)
    return [rng.permutation(np.asarray(idx)) for _, idx in sorted(by_writer.items())]


def bin_of(r, bins: int, clip: float = CLIP) -> np.ndarray:
    """The bin of each (finite) ``r``: floor((r + clip) * bins / (2 clip)), within 0 .. bins-1."""
    r = np.asarray(r, np.float64)
    return np.clip(np.floor((r + clip) * bins / (2 * clip)), 0, bins - 1).astype(np.int64)


def fit_likelihood(y: np.ndarray, r: np.ndarray, n_classes: int, bins: int, alpha: float,
                   clip: float = CLIP) -> np.ndarray:
    """ln P(bin | class), (n_classes, bins): each class's histogram of its finite ``r`` with
    ``alpha`` added to every bin (a class never seen: uniform, so no effect)."""
    ok = np.isfinite(r)
    counts = np.zeros((n_classes, bins))
    np.add.at(counts, (np.asarray(y)[ok], bin_of(r[ok], bins, clip)), 1)
    counts += alpha
    return np.log(counts / counts.sum(axis=1, keepdims=True))


def apply(probs: np.ndarray, r, loglik: np.ndarray, clip: float = CLIP, weight: float = 1.0
          ) -> np.ndarray:
    """``probs`` (rows, or one row) times exp(weight * loglik[:, bin(r)]), renormalised; rows
    whose r is NaN are left as they are; float64."""
    p = np.array(probs, dtype=np.float64, copy=True)
    one = p.ndim == 1
    p = np.atleast_2d(p)
    r = np.broadcast_to(np.atleast_1d(np.asarray(r, np.float64)), (len(p),))
    ok = np.isfinite(r)
    if ok.any():
        b = bin_of(r[ok], loglik.shape[1], clip)
        p[ok] = normalise_log(np.log(np.maximum(p[ok], 1e-30)) + weight * loglik[:, b].T)
    return p[0] if one else p


def fit_size_cue(y: np.ndarray, heights: np.ndarray, writers: np.ndarray, labels: list[str],
                 k: int = K, least: int = LEAST, clip: float = CLIP, bins: int = 10,
                 alpha: float = 1.0, weight: float = 1.0, seed: int = 0) -> dict:
    """Everything the page needs (``metadata.json``'s ``size_cue``): the typical heights and the
    size likelihood of every class, from each writer's characters written in a random order,
    each against the reference of the ones before it (true labels)."""
    y, heights, writers = np.asarray(y), np.asarray(heights, np.float64), np.asarray(writers)
    typical = typical_heights(y, heights, writers, len(labels))
    r = np.full(len(y), np.nan)
    for idx in writer_sequences(writers, np.random.default_rng(seed)):
        r[idx] = sequence_ratios(heights[idx], y[idx], typical, k, least, clip)
    loglik = fit_likelihood(y, r, len(labels), bins, alpha, clip)
    return {"k": int(k), "least": int(least), "clip": float(clip), "bins": int(bins),
            "alpha": float(alpha), "weight": float(weight),
            "typical": {c: round(float(t), 4) for c, t in zip(labels, typical)},
            "loglik": {c: [round(float(v), 4) for v in row] for c, row in zip(labels, loglik)},
            "characters": int(np.isfinite(r).sum()), "writers": int(len(np.unique(writers)))}


class SizeCue:
    """The page's use of a fitted size cue (``fit_size_cue``'s dict): the twin of sizecue.js."""

    def __init__(self, cfg: dict, labels: Sequence[str]):
        self.labels = list(labels)
        self.k, self.least, self.clip = int(cfg["k"]), int(cfg["least"]), float(cfg["clip"])
        self.bins, self.weight = int(cfg["bins"]), float(cfg["weight"])
        if self.k < 1 or self.least < 0 or self.bins < 1 or not self.clip > 0 or not self.weight >= 0:
            raise ValueError(f"size_cue: k, least, bins, clip or weight out of range: {cfg!r}")
        self.typical = np.array([float(cfg["typical"].get(c, 1.0)) for c in self.labels])
        self.loglik = np.zeros((len(self.labels), self.bins))
        for i, c in enumerate(self.labels):
            row = cfg["loglik"].get(c)
            if row is not None:
                if len(row) != self.bins:
                    raise ValueError(f"size_cue: loglik[{c!r}] has {len(row)} bins, not {self.bins}")
                self.loglik[i] = row
        self.index = {c: i for i, c in enumerate(self.labels)}

    def ratio(self, height: float, previous: Sequence[tuple[float, str]]) -> float:
        """r of a new character of ``height`` after ``previous`` (height, label) characters."""
        prev = [(h, self.index[c]) for h, c in previous if c in self.index]
        ref = reference([h for h, _ in prev], [c for _, c in prev], self.typical, self.k,
                        self.least)
        return float(log_ratio(height, ref, self.clip)[0])

    def apply(self, probs: np.ndarray, r: float) -> np.ndarray:
        return apply(probs, r, self.loglik, self.clip, self.weight)

    def in_sequence(self, probs: np.ndarray, heights: np.ndarray,
                    order: Sequence[Sequence[int]]) -> np.ndarray:
        """Rows of ``probs`` as the page would give them with the characters written in
        ``order`` (lists of row indices, one list per text line), each moved against the ones
        before it in its line, whose labels are their top guesses after the cue (what one-character
        words show in Auto mode)."""
        out = np.array(probs, dtype=np.float64, copy=True)
        for idx in order:
            previous: list[tuple[float, str]] = []
            for i in idx:
                out[i] = self.apply(out[i], self.ratio(float(heights[i]), previous))
                previous.append((float(heights[i]), self.labels[int(np.argmax(out[i]))]))
        return out
