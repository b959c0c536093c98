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

A character that does not fit the word's pattern may still leave it, as an *exception* that
takes its own top guess ("iPhone": a capital P inside a lowercase word; "x86": two digits after
a letter), at a cost of ``free_penalty`` nats: under a pattern, each character scores the larger
of its best log-probability among the classes the pattern allows and its top log-probability
minus ``free_penalty``; a pattern's score is the sum. So a character leaves the pattern only when
its ink gives at least e**free_penalty times more evidence for its own top guess than for the
pattern's best class, and each exception is paid for separately: one odd character does not
free the rest of the word (the 0 of "2064" stays a digit when its 6 looks like a G). The word is
reported as ``free`` when its best pattern needed at least one exception.

A one-character word is always its top guess: the pattern of its top guess's group reads it
without an exception, and no other pattern scores more. So recognising isolated characters is
unchanged. A character the user picked by hand is fixed: it keeps its label, and counts as an
exception (``-free_penalty``) under a pattern it does not fit. ``free_penalty`` 0 makes every
character its own top guess (the decoder off).

Input modes. Like a handwriting keyboard's "123" key, the page has a mode control: ``auto`` (any
class, the default), ``digits``, ``lower`` or ``upper``. A mode restricts what a newly recognised
character may be (``restrict``): its probabilities are masked to the mode's group (``groups``) and
renormalised, so its top guesses and the evidence the decoder reads are all of that group; each
character keeps the mode it was written in. The decoder then runs unchanged. A word written in one
mode fits that mode's pattern(s); in a word mixing modes (``abc`` then ``123`` inside one word) a
restricted character has probability 0 (counted as ``FLOOR``, about -27.6 nats) outside its
group, while its top guess in its group has at least 1/26 (-3.3 nats): under a pattern that
contradicts its mode it is an exception whenever ``free_penalty`` is below 24.3 nats (the shipped
one is 8), and keeps its top guess within its mode.

This module is the specification; ``web/js/decoder.js`` implements the same functions for the
page, and tests/web/test_decoder_parity.py checks that the two agree. The page decodes at most the
last ``WORD_WINDOW`` characters of a word (``word_window_start``), so a line without spaces does
not cost more for every character.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

PATTERNS = ("lower", "capital", "upper", "digits")
# The shipped value, chosen by cross-fitting over writers (docs/results.md); web/js/decoder.js
# has the same default.
DEFAULT_FREE_PENALTY = 8.0
FLOOR = 1e-12  # probabilities below this count as this (log 0 would make every pattern -inf)
MODES = ("auto", "digits", "lower", "upper")  # the page's input modes; "auto" restricts nothing
# The most characters of a word decoded together (see word_window_start); web/js/decoder.js has
# the same. Far beyond a real word (45 letters for the longest in English dictionaries; 29 in the
# benchmarks' text), so real words are decoded whole, exactly as without a window.
WORD_WINDOW = 64


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


def word_window_start(line: Sequence) -> int:
    """Where the characters the page decodes as the current word start in ``line`` (one entry per
    character, ``None`` for a space): after the last space, and at most ``WORD_WINDOW``
    characters before the end.

    Without the bound a line without spaces (a URL, a long number, a user who never presses
    Space) is decoded again from its start after every character, so each character costs more
    than the last. With it, the characters before the window keep the labels they were given
    while they were in it, and each character costs at most a window's decoding.
    """
    start = len(line)
    while start > 0 and line[start - 1] is not None and len(line) - start < WORD_WINDOW:
        start -= 1
    return start


def _allowed(pattern: str, position: int, masks: dict[str, np.ndarray]) -> np.ndarray:
    if pattern == "capital":
        return masks["upper"] if position == 0 else masks["lower"]
    return masks[pattern]


def decode_word(probs: np.ndarray | Sequence[Sequence[float] | None], labels: Sequence[str],
                fixed: Sequence[str | None] | None = None, free_penalty: float = DEFAULT_FREE_PENALTY
                ) -> tuple[list[str], str]:
    """Labels for one word's characters, and the pattern chosen (``"free"`` when it needed an
    exception).

    ``probs`` holds one probability vector over ``labels`` per character (``None`` where the
    character is ``fixed``); ``fixed[i]`` is a label the user chose, or ``None``;
    ``free_penalty`` is what each exception costs (nats). Ties go to the earlier pattern in
    ``PATTERNS``, a character keeps the pattern's class when leaving it would score the same, and
    within a character the lower class index wins (``argmax``): the same rules as
    ``web/js/decoder.js``; the scores are summed in character order, as there.
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

    def best(pattern: str) -> tuple[float, list[str], int]:
        total, out, exceptions = 0.0, [], 0
        for i, (lp, f) in enumerate(zip(logp, fixed)):
            allowed = _allowed(pattern, i, masks)
            if f is not None:
                exceptions += not allowed[index[f]]
                out.append(f)
                continue
            k = int(np.argmax(np.where(allowed, lp, -np.inf)))
            top = int(np.argmax(lp))
            if lp[top] - free_penalty > lp[k]:  # strict >: a tie keeps the pattern's class
                total += float(lp[top])
                exceptions += 1
                out.append(labels[top])
            else:
                total += float(lp[k])
                out.append(labels[k])
        # the penalties last, so that patterns reading equal classes tie exactly
        return total - exceptions * free_penalty, out, exceptions

    pattern, pattern_score, pattern_out, pattern_exceptions = "free", -np.inf, [], 0
    for name in PATTERNS:  # strict >: ties go to the earlier pattern
        score, out, exceptions = best(name)
        if score > pattern_score:
            pattern, pattern_score, pattern_out, pattern_exceptions = name, score, out, exceptions
    return pattern_out, ("free" if pattern_exceptions else pattern)
