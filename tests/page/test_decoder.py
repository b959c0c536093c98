"""The word decoder (handwriting.page.decoder): case and digit consistency within a word."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.page.decoder import (
    DEFAULT_FREE_PENALTY,
    FLOOR,
    MODES,
    PATTERNS,
    WORD_WINDOW,
    decode_word,
    groups,
    restrict,
    word_window_start,
)

LABELS = [str(d) for d in range(10)] + [chr(c) for c in range(65, 91)] + [chr(c) for c in range(97, 123)]


def p(**mass: float) -> np.ndarray:
    """A probability vector with the given mass on the named classes, the rest spread thinly."""
    v = np.full(len(LABELS), 1e-4)
    for label, x in mass.items():
        v[LABELS.index(label.lstrip("_"))] = x  # _0 stands for "0" (not a keyword argument name)
    return v / v.sum()


def test_groups_split_the_62_classes():
    g = groups(LABELS)
    assert g["digits"].sum() == 10 and g["upper"].sum() == 26 and g["lower"].sum() == 26
    assert not (g["digits"] & g["upper"]).any() and not (g["upper"] & g["lower"]).any()


def test_a_single_character_is_its_top_guess():
    rng = np.random.default_rng(0)
    for _ in range(300):
        probs = rng.dirichlet(np.full(62, 0.3))
        out, _ = decode_word([probs], LABELS, free_penalty=rng.uniform(0, 10))
        assert out == [LABELS[int(np.argmax(probs))]]


def test_ambiguous_letters_follow_the_case_of_the_word():
    # "hello" whose o looks more like a zero or a capital O on its own
    word = [p(h=0.9), p(e=0.9), p(l=0.6, _1=0.3), p(l=0.6, I=0.3), p(O=0.4, _0=0.35, o=0.25)]
    assert [LABELS[int(np.argmax(x))] for x in word][-1] == "O"
    out, pattern = decode_word(word, LABELS)
    assert "".join(out) == "hello" and pattern == "lower"
    # "Hello": the first letter may be a capital
    out, pattern = decode_word([p(H=0.9)] + word[1:], LABELS)
    assert "".join(out) == "Hello" and pattern == "capital"
    # "BOX" whose X could be x on its own, and "2020" whose zeros could be O or o
    assert "".join(decode_word([p(B=0.9), p(O=0.45, _0=0.4, o=0.15), p(x=0.5, X=0.4)], LABELS)[0]) == "BOX"
    zero = p(O=0.45, _0=0.4, o=0.15)
    assert "".join(decode_word([p(_2=0.9), zero, p(_2=0.8, Z=0.15), zero], LABELS)[0]) == "2020"


def test_a_mixed_word_needs_strong_evidence():
    # "iPhone": the P is a capital with near certainty
    word = [p(i=0.95), p(P=0.98, p=0.01), p(h=0.95), p(o=0.9), p(n=0.95), p(e=0.95)]
    assert "".join(decode_word(word, LABELS, free_penalty=4.0)[0]) == "iPhone"
    # weak evidence for the capital: the word stays lowercase...
    word[1] = p(P=0.6, p=0.4)
    out, pattern = decode_word(word, LABELS, free_penalty=4.0)
    assert "".join(out) == "iphone" and pattern == "lower"
    # ...unless the penalty is 0: then every character is its own top guess
    assert "".join(decode_word(word, LABELS, free_penalty=0.0)[0]) == "iPhone"


def test_penalty_zero_is_per_character_argmax():
    rng = np.random.default_rng(1)
    for _ in range(200):
        word = list(rng.dirichlet(np.full(62, 0.2), size=rng.integers(1, 8)))
        out, _ = decode_word(word, LABELS, free_penalty=0.0)
        assert out == [LABELS[int(np.argmax(x))] for x in word]


def test_fixed_characters_keep_their_label_and_rule_out_patterns():
    word = [p(x=0.5, X=0.45), p(y=0.5, Y=0.45), p(z=0.5, Z=0.45)]
    assert "".join(decode_word(word, LABELS)[0]) == "xyz"
    # the user picked "X" for the first character: "Xyz" (capital) fits, lowercase no longer does
    out, pattern = decode_word([None] + word[1:], LABELS, fixed=["X", None, None])
    assert "".join(out) == "Xyz" and pattern == "capital"
    # a fixed "Y" in the middle rules out lower and capital: UPPERCASE
    out, pattern = decode_word([word[0], None, word[2]], LABELS, fixed=[None, "Y", None])
    assert "".join(out) == "XYZ" and pattern == "upper"
    # a fixed character that fits no pattern: the others are their own top guesses
    out, pattern = decode_word([word[0], None], LABELS, fixed=[None, "7"])
    assert out == ["x", "7"] and pattern == "free"


def test_patterns_and_ties():
    assert PATTERNS == ("lower", "capital", "upper", "digits")
    assert decode_word([], LABELS) == ([], "free")
    # exact tie between cases: the earlier pattern (lower) wins
    tie = np.zeros(62)
    tie[LABELS.index("c")] = tie[LABELS.index("C")] = 0.5
    assert decode_word([tie, tie], LABELS)[0] == ["c", "c"]


@pytest.mark.parametrize("bad, match", [
    (dict(probs=[np.ones(61) / 61], labels=LABELS), "expected 62 probabilities"),
    (dict(probs=[None], labels=LABELS, fixed=["?"]), "not a class"),
    (dict(probs=[None, None], labels=LABELS, fixed=["a"]), "fixed entries"),
    (dict(probs=[np.ones(62) / 62], labels=LABELS, free_penalty=-1), "free_penalty"),
])
def test_bad_input_is_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        decode_word(**bad)


# ---- input modes (restrict) ---------------------------------------------------------------------

GROUP_OF_MODE = {"digits": "0123456789", "lower": "abcdefghijklmnopqrstuvwxyz",
                 "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def test_modes():
    assert MODES == ("auto", "digits", "lower", "upper")


@pytest.mark.parametrize("mode", ["digits", "lower", "upper"])
def test_restrict_masks_to_the_group_and_renormalises(mode):
    rng = np.random.default_rng(3)
    inside = np.array([c in GROUP_OF_MODE[mode] for c in LABELS])
    for _ in range(100):
        probs = rng.dirichlet(np.full(62, 0.3)).astype(np.float32)
        out = restrict(probs, LABELS, mode)
        assert out.dtype == np.float64 and out.shape == (62,)
        assert (out[~inside] == 0).all()
        assert out.sum() == pytest.approx(1.0, abs=1e-12)
        # within the group, proportional to the input: the order of the classes is kept
        np.testing.assert_allclose(out[inside], probs[inside] / probs[inside].astype(np.float64).sum(),
                                   rtol=1e-12)
        assert LABELS[int(np.argmax(out))] == LABELS[int(np.flatnonzero(inside)[np.argmax(probs[inside])])]
        assert restrict(out, LABELS, mode) == pytest.approx(out, abs=1e-15), "idempotent"


def test_restrict_reads_a_round_shape_as_the_mode_wants():
    ring = p(O=0.45, o=0.25, _0=0.2, Q=0.05)
    top = lambda v: LABELS[int(np.argmax(v))]  # noqa: E731
    assert top(restrict(ring, LABELS, "auto")) == "O"
    assert top(restrict(ring, LABELS, "digits")) == "0"
    assert top(restrict(ring, LABELS, "lower")) == "o"
    assert top(restrict(ring, LABELS, "upper")) == "O"
    # the zero's share of the digits' mass (0.2 against nine digits of 1e-4 each)
    assert restrict(ring, LABELS, "digits")[LABELS.index("0")] == pytest.approx(0.2 / (0.2 + 9e-4))


def test_restrict_auto_is_the_identity():
    probs = np.random.default_rng(4).dirichlet(np.full(62, 0.5)).astype(np.float32)
    out = restrict(probs, LABELS, "auto")
    assert out.dtype == np.float64 and (out == probs.astype(np.float64)).all()
    assert out is not probs
    plain = [0.0] * 62
    assert restrict(plain, LABELS, "auto").tolist() == plain


@pytest.mark.parametrize("mode", ["digits", "lower", "upper"])
def test_restrict_with_no_mass_in_the_group_gives_equal_shares(mode):
    probs = np.zeros(62)
    probs[LABELS.index("x" if mode != "lower" else "7")] = 1.0  # all mass outside the group
    out = restrict(probs, LABELS, mode)
    inside = np.array([c in GROUP_OF_MODE[mode] for c in LABELS])
    assert (out[inside] == 1 / inside.sum()).all() and (out[~inside] == 0).all()
    assert np.isfinite(out).all()
    # the decoder reads it without trouble: ties go to the first class of the group
    word, _ = decode_word([out], LABELS)
    assert word == [GROUP_OF_MODE[mode][0]]


def test_restrict_rejects_bad_input():
    with pytest.raises(ValueError, match="unknown mode"):
        restrict(np.ones(62) / 62, LABELS, "numbers")
    with pytest.raises(ValueError, match="unknown mode"):
        restrict(np.ones(62) / 62, LABELS, "Digits")
    with pytest.raises(ValueError, match="expected 62 probabilities"):
        restrict(np.ones(61) / 61, LABELS, "digits")
    with pytest.raises(ValueError, match="no class belongs"):
        restrict(np.ones(26) / 26, LABELS[10:36], "digits")  # a model with uppercase letters only


def test_a_word_in_one_mode_follows_it():
    # "2020" written in 123 mode: even zeros that look like O on their own are digits
    ring = p(O=0.5, o=0.3, _0=0.15)
    word = [restrict(x, LABELS, "digits") for x in (p(Z=0.5, _2=0.4), ring, p(Z=0.5, _2=0.4), ring)]
    out, pattern = decode_word(word, LABELS)
    assert "".join(out) == "2020" and pattern == "digits"
    # without the mode the same ink is a word of letters
    assert "".join(decode_word([p(Z=0.5, _2=0.4), ring, p(Z=0.5, _2=0.4), ring], LABELS)[0]) == "ZOZO"


@pytest.mark.parametrize("penalty", [0.0, DEFAULT_FREE_PENALTY, 10.0, 24.0])
def test_a_word_mixing_modes_keeps_each_character_in_its_mode(penalty):
    """"ab" in abc mode, then "12" in 123 mode, in one word: no pattern fits, the word is read
    free, every character its own top guess within its mode; nothing is -inf or NaN."""
    ink = [p(a=0.4, _0=0.3, o=0.2), p(b=0.35, _6=0.5), p(l=0.6, _1=0.3, I=0.1), p(z=0.6, _2=0.35)]
    modes = ["lower", "lower", "digits", "digits"]
    word = [restrict(x, LABELS, m) for x, m in zip(ink, modes)]
    for x in word:
        assert np.isfinite(x).all() and (x >= 0).all()
    out, pattern = decode_word(word, LABELS, free_penalty=penalty)
    assert "".join(out) == "ab12" and pattern == "free"
    # the worst case for the bound in the docstring: flat evidence within each group
    flat = [restrict(np.zeros(62), LABELS, m) for m in ("upper", "digits", "lower")]
    out, pattern = decode_word(flat, LABELS, free_penalty=penalty)
    assert "".join(out) == "A0a" and pattern == "free"
    assert -np.log(FLOOR) - np.log(26) > 24.0


def test_an_auto_character_can_join_the_mode_of_its_word():
    # a ring written in Auto followed by digits written in 123 mode: the word is read as digits
    word = [p(O=0.45, o=0.2, _0=0.3), restrict(p(l=0.6, _1=0.35), LABELS, "digits")]
    out, pattern = decode_word(word, LABELS)
    assert "".join(out) == "01" and pattern == "digits"


def test_the_word_window_starts_after_the_last_space_and_never_far_back():
    assert word_window_start([]) == 0
    assert word_window_start([1, 1, None]) == 3  # just after a space: nothing to decode
    assert word_window_start([1, None, 1, 1]) == 2
    # as the page does after each character of a line without spaces: the characters decoded
    # stop growing at the window (they grew with the line before)
    line, decoded = [], []
    for _ in range(1500):
        line.append(1)
        decoded.append(len(line) - word_window_start(line))
    assert decoded[:WORD_WINDOW] == list(range(1, WORD_WINDOW + 1))
    assert set(decoded[WORD_WINDOW:]) == {WORD_WINDOW}


def test_the_word_window_is_far_beyond_the_words_the_benchmarks_write():
    """Every word of the benchmarks' text (unipen_lines.py) is decoded whole, as before."""
    import re

    from pydoc_data import topics

    words = (w for text in topics.topics.values() for w in re.findall(r"[0-9A-Za-z]+", text))
    assert max(map(len, words)) < WORD_WINDOW
