"""Synthetic words-model outputs for the text decoder's tests: per-frame probabilities over the
alphabet and the CTC blank that spell a given text, as a CTC model's peaky outputs do."""

from __future__ import annotations

import numpy as np

from handwriting.page.textdecoder import ALPHABET, BLANK


def spell(text: str, *, frames: int = 2, gap: int = 1, peak: float = 0.95,
          rng: np.random.Generator | None = None, noise: float = 0.0,
          confusions: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """[T, 96] float32 probabilities: each character of ``text`` for ``frames`` frames (``peak``
    of the mass, the rest spread evenly), ``gap`` blank frames before and after each one.
    ``confusions`` {position: {char: probability}} shares a character's frames with other
    characters (an ambiguous letter); ``noise`` mixes in Dirichlet noise of that weight."""
    rows = []
    uniform = (1 - peak) / BLANK

    def row(weights: dict[int, float]) -> np.ndarray:
        r = np.full(BLANK + 1, uniform)
        for index, w in weights.items():
            r[index] = w
        return r / r.sum()

    for position, ch in enumerate(text):
        rows.extend(row({BLANK: peak}) for _ in range(gap))
        share = (confusions or {}).get(position)
        weights = {ALPHABET.index(ch): peak}
        if share:
            weights = {ALPHABET.index(c): peak * w for c, w in share.items()}
        rows.extend(row(weights) for _ in range(frames))
    rows.extend(row({BLANK: peak}) for _ in range(gap))
    probs = np.array(rows)
    if noise:
        rng = rng or np.random.default_rng(0)
        probs = (1 - noise) * probs + noise * rng.dirichlet(np.full(BLANK + 1, 0.1), size=len(probs))
    return probs.astype(np.float32)
