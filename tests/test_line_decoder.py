"""The word decoder (handwriting.line_decoder): case and digit consistency within a word."""

from __future__ import annotations

import numpy as np
import pytest

from handwriting.line_decoder import PATTERNS, decode_word, groups

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
