"""Pure helpers of benchmarks/unipen_lines.py: the text, the ink assignment, the scoring and the
decoding of whole lines. Fast, no browser, no model, no UNIPEN file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import unipen_lines as L  # noqa: E402

LABELS = list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def test_corpus_is_real_prose_with_every_pattern():
    words = L.corpus_words()
    assert len(words) > 20_000
    assert all(w.isascii() and w.isalnum() for w in words)
    share = {p: sum(L.word_pattern(w) == p for w in words) / len(words)
             for p in ("lower", "capital", "upper", "digits", "free")}
    assert share["lower"] > 0.5 and all(v > 0 for v in share.values())
    assert L.corpus_words("It's 2024: the iPhone, x86 and HTTP!") == [
        "It", "s", "2024", "the", "iPhone", "x86", "and", "HTTP"]


def test_shipped_free_penalty_is_the_corpus_prior_odds():
    """conf/base/parameters_deployment.yml's free_penalty is ln(((1 - q) / 4) / q) of the corpus."""
    import yaml

    words = L.corpus_words()
    q = sum(L.word_pattern(w) == "free" for w in words) / len(words)
    conf = yaml.safe_load((BENCH.parent / "conf" / "base" / "parameters_deployment.yml").read_text())
    # (the topic texts change a little between Python versions; so may q, slightly)
    assert conf["line_decoder"]["free_penalty"] == pytest.approx(L.prior_odds(q), abs=0.15)


@pytest.mark.parametrize("word, pattern", [
    ("hello", "lower"), ("Hello", "capital"), ("I", "capital"), ("HTTP", "upper"),
    ("2024", "digits"), ("iPhone", "free"), ("x86", "free"), ("HeLLo", "free")])
def test_word_pattern(word, pattern):
    assert L.word_pattern(word) == pattern


def test_sample_lines_are_consecutive_words_and_seeded():
    words = [f"w{i}" for i in range(100)]
    a = L.sample_lines(words, 7, 4, seed=3)
    assert a == L.sample_lines(words, 7, 4, seed=3) and a != L.sample_lines(words, 7, 4, seed=4)
    for line in a:
        first = int(line[0][1:])
        assert line == [f"w{first + k}" for k in range(4)]


def test_assign_ink_prefers_the_lines_writer_and_rotates_its_samples():
    pool = {"w1": {"a": [1, 2], "b": [3]}, "w2": {"a": [4], "c": [5]}}
    lines = [["aaa", "b", "c"]] * 20
    ink, who, own, other = L.assign_ink(lines, pool, seed=0)
    assert set(who) == {"w1", "w2"} and own + other == 20 * 5
    for ids, w in zip(ink, who):
        a_ids = ids[0]
        if w == "w1":
            assert sorted(a_ids[:2]) == [1, 2], "both samples of 'a' before a repeat"
            assert ids[1] == [3] and ids[2] == [5]  # 'c' from the other writer
        else:
            assert a_ids == [4, 4, 4] and ids[1] == [3] and ids[2] == [5]
    assert L.assign_ink(lines, pool, seed=0) == (ink, who, own, other)


def test_char_accuracy_counts_characters_groups_and_words():
    truth = ["Hello 42 ", "ok "]
    text = ["HeLlo 4Z ", "0k "]
    acc = L.char_accuracy(truth, text)
    assert acc["overall"]["n"] == 9
    assert acc["overall"]["exact"] == pytest.approx(6 / 9)
    # l/L fold, 2/Z and o/0 do not
    assert acc["overall"]["case_folded"] == pytest.approx(7 / 9)
    assert acc["digit"] == {"n": 2, "exact": 0.5, "case_folded": 0.5}
    assert acc["words"] == {"n": 3, "exact": 0.0}
    with pytest.raises(ValueError, match="lengths differ"):
        L.char_accuracy(["ab "], ["a "])


def _onehot(label, p=0.6, other=None, q=0.39):
    v = np.full(62, 1e-4)
    v[LABELS.index(label)] = p
    if other:
        v[LABELS.index(other)] = q
    return v / v.sum()


def test_decode_lines_decodes_word_by_word():
    lines = [["no", "10"]]
    probs = [[_onehot("n"), _onehot("O", 0.5, "o", 0.45), _onehot("1"), _onehot("O", 0.5, "0", 0.45)]]
    assert L.decode_lines(lines, probs, LABELS, 0.0) == ["nO 1O "]
    assert L.decode_lines(lines, probs, LABELS, 4.0) == ["no 10 "]
    assert L.decode_lines(lines, probs, LABELS, float("inf")) == ["no 10 "]
