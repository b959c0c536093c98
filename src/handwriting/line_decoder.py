"""Word-level decoding of the page's text line: one case (or digits) per word, unless the ink insists.

A single character is often ambiguous by shape alone once it is scaled to its box: o/O/0, x/X,
s/S, l/1/I, z/Z/2. Its neighbours in the word are not: in "hello" the "o" is lowercase because
the word is. So the page does not commit each character on its own; after every character it
decodes the current word (the characters since the last space) as a whole, choosing the likeliest
of four patterns, each character the likeliest class the pattern allows:

- ``lower``    every character a lowercase letter ("hello")
- ``capital``  an uppercase letter, then lowercase letters ("Hello")
- ``upper``    every character an uppercase letter ("HELLO")
- ``digits``   every character a digit ("2024")

or, if no pattern fits, ``free``: each character's own top guess ("iPhone", "utf8"). A pattern's
score is the sum of its characters' log-probabilities; ``free`` scores the same sum over all
classes minus ``free_penalty`` (nats), so a word leaves the patterns only when the ink gives at
least e**free_penalty times more evidence for the mixed reading than for the best pattern.

A one-character word is always its top guess (every pattern, like ``free``, then takes the best
class of its own group, and ``free`` never beats the best pattern), so recognising isolated
characters is unchanged. A character the user picked by hand is fixed: patterns it does not fit
are ruled out, and it keeps its label.

Input modes. Like a handwriting keyboard's "123" key, the page has a mode control: ``auto`` (any
class, the default), ``digits``, ``lower`` or ``upper``. A mode restricts what a newly recognised
character may be (``restrict``): its probabilities are masked to the mode's group (``groups``) and
renormalised, so its top guesses and the evidence the decoder reads are all of that group; each
character keeps the mode it was written in. The decoder then runs unchanged. A word written in one
mode fits that mode's pattern(s); a word mixing modes (``abc`` then ``123`` inside one word) fits
no pattern, because a restricted character has probability 0 (counted as ``FLOOR``, about -27.6
nats) outside its group, while its best class in its group has at least 1/26 (-3.3 nats): any
pattern that contradicts a character's mode loses to ``free`` by at least 24.4 nats minus
``free_penalty``, so for any ``free_penalty`` below that (the shipped one is 3.4) the word is read
``free``, each character its own top guess within its mode.

This module is the specification; ``web/js/decoder.js`` implements the same functions for the
page, and tests/web/test_decoder_parity.py checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PATTERNS = ("lower", "capital", "upper", "digits")
# ln(((1 - q) / 4) / q) for q = 0.82%, the share of English-prose words that fit no pattern
# (conf/base/parameters_deployment.yml explains it; web/js/decoder.js has the same default).
DEFAULT_FREE_PENALTY = 3.4
FLOOR = 1e-12  # probabilities below this count as this (log 0 would make every pattern -inf)
MODES = ("auto", "digits", "lower", "upper")  # the page's input modes; "auto" restricts nothing


def groups(labels: Sequence[str]) -> dict[str, np.ndarray]:
    """Boolean masks over the classes: which labels are lowercase, uppercase letters, digits."""
    labels = [str(c) for c in labels]
    return {"lower": np.array([c.isalpha() and c.islower() for c in labels]),
            "upper": np.array([c.isalpha() and c.isupper() for c in labels]),
            "digits": np.array([c.isdigit() for c in labels])}


def restrict(probs: Sequence[float] | np.ndarray, labels: Sequence[str], mode: str) -> np.ndarray:
    """One character's probabilities restricted to an input mode's group, renormalised (float64).

    ``auto`` returns them unchanged (as float64). Otherwise every class outside the group
    (``groups(labels)[mode]``) gets 0 and the group's probabilities are divided by their sum,
    added up in class order (as ``web/js/decoder.js`` does, so both give the same bits). When the
    group has no mass at all (every one of its probabilities is 0), every class of the group gets
    the same share. An unknown mode, a wrong length or a mode whose group is empty raise
    ``ValueError``.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: expected one of {', '.join(MODES)}")
    labels = [str(c) for c in labels]
    p = np.array(probs, dtype=np.float64)  # a copy
    if p.shape != (len(labels),):
        raise ValueError(f"expected {len(labels)} probabilities, got {p.shape}")
    if mode == "auto":
        return p
    mask = groups(labels)[mode]
    if not mask.any():
        raise ValueError(f"no class belongs to mode {mode!r}")
    p[~mask] = 0.0
    total = 0.0
    for x in p[mask].tolist():  # sequential, in class order: numpy's pairwise sum differs in the last bit
        total += x
    if total > 0:
        p[mask] /= total
    else:
        p[mask] = 1.0 / int(mask.sum())
    return p


def _allowed(pattern: str, position: int, masks: dict[str, np.ndarray]) -> np.ndarray:
    if pattern == "capital":
        return masks["upper"] if position == 0 else masks["lower"]
    return masks[pattern]


def decode_word(probs: np.ndarray | Sequence[Sequence[float] | None], labels: Sequence[str],
                fixed: Sequence[str | None] | None = None, free_penalty: float = DEFAULT_FREE_PENALTY
                ) -> tuple[list[str], str]:
    """Labels for one word's characters, and the pattern chosen (or ``"free"``).

    ``probs`` holds one probability vector over ``labels`` per character (``None`` where the
    character is ``fixed``); ``fixed[i]`` is a label the user chose, or ``None``. Ties go to the
    earlier pattern in ``PATTERNS``, a pattern beats ``free`` on a tie, and within a character the
    lower class index wins (``argmax``): the same rules as ``web/js/decoder.js``.
    """
    labels = [str(c) for c in labels]
    n = len(probs)
    fixed = list(fixed) if fixed is not None else [None] * n
    if len(fixed) != n:
        raise ValueError(f"{n} probability vectors but {len(fixed)} fixed entries")
    if n == 0:
        return [], "free"
    if free_penalty < 0:
        raise ValueError(f"free_penalty must be >= 0, got {free_penalty}")
    masks = groups(labels)
    index = {c: i for i, c in enumerate(labels)}
    logp: list[np.ndarray | None] = []
    for i, (p, f) in enumerate(zip(probs, fixed)):
        if f is not None:
            if f not in index:
                raise ValueError(f"fixed label {f!r} at position {i} is not a class")
            logp.append(None)
            continue
        p = np.asarray(p, dtype=np.float64)
        if p.shape != (len(labels),):
            raise ValueError(f"character {i}: expected {len(labels)} probabilities, got {p.shape}")
        logp.append(np.log(np.maximum(p, FLOOR)))

    def best(pattern: str) -> tuple[float, list[str]]:
        total, out = 0.0, []
        for i, (lp, f) in enumerate(zip(logp, fixed)):
            allowed = _allowed(pattern, i, masks)
            if f is not None:
                if not allowed[index[f]]:
                    return -np.inf, []
                out.append(f)
                continue
            scores = np.where(allowed, lp, -np.inf)
            k = int(np.argmax(scores))
            total += float(scores[k])
            out.append(labels[k])
        return total, out

    pattern, pattern_score, pattern_out = "free", -np.inf, []
    for name in PATTERNS:  # strict >: ties go to the earlier pattern
        score, out = best(name)
        if score > pattern_score:
            pattern, pattern_score, pattern_out = name, score, out
    free_score = sum(float(np.max(lp)) for lp in logp if lp is not None) - free_penalty
    if free_score > pattern_score:  # strict >: a tie keeps the pattern
        return [f if f is not None else labels[int(np.argmax(lp))]
                for lp, f in zip(logp, fixed)], "free"
    return pattern_out, pattern
