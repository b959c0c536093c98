"""Pure helpers of benchmarks.unipen_lines: the text, the ink assignment, the scoring and the
decoding of whole lines. Fast, no browser, no model, no UNIPEN file."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import unipen_lines as L
from benchmarks._project import REPO, RESULTS
from handwriting.page.manifest import read_model_file

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


def test_corpus_prior_odds_of_a_pattern_are_3_4_nats():
    """ln(((1 - q) / 4) / q) of the corpus: the decoder's first free_penalty, before the
    cross-fit (docs/results.md)."""
    words = L.corpus_words()
    q = sum(L.word_pattern(w) == "free" for w in words) / len(words)
    # (the topic texts change a little between Python versions; so may q, slightly)
    assert L.prior_odds(q) == pytest.approx(3.4, abs=0.15)


def test_crossfit_chooses_each_groups_value_on_the_other_writers():
    # writer a's lines read best with 1, the others' with 5 (ties go to the smaller value)
    truth = ["ab ", "ab ", "ab ", "ab "]
    texts = {1.0: ["ab ", "xx ", "xx ", "xx "], 5.0: ["xx ", "ab ", "ab ", "ab "],
             9.0: ["xx ", "ab ", "ab ", "ab "]}
    who = ["a", "b", "c", "d"]
    out = L.crossfit_penalty(truth, texts, who, folds=4, seed=0)
    assert sorted(out["choices"]) == [5.0, 5.0, 5.0, 5.0]  # a's fold is outvoted by b, c, d
    assert out["exact"] == 0.75 and out["chosen_on_all"] == 5.0
    out = L.crossfit_penalty(truth, texts, who, folds=2, seed=1)
    assert out["folds"] == 2 and len(out["choices"]) == 2
    ok, n = L.line_hits(["ab cd ", "x "], ["ab cx ", "y "])
    assert list(ok) == [3, 0] and list(n) == [4, 1]


def test_penalty_to_ship_keeps_the_shipped_value_unless_the_choice_is_better_beyond_noise():
    pair = lambda low: {"by_writer": {"low": low, "high": low + 0.01}}  # noqa: E731
    assert L.penalty_to_ship({"chosen_on_all": 8.0}, 8.0) == 8.0
    assert L.penalty_to_ship({"chosen_on_all": 12.0, "against_shipped": pair(-0.001)}, 8.0) == 8.0
    assert L.penalty_to_ship({"chosen_on_all": 12.0, "against_shipped": pair(0.002)}, 8.0) == 12.0
    with pytest.raises(ValueError, match="paired comparison"):
        L.penalty_to_ship({"chosen_on_all": 12.0}, 8.0)


def test_shipped_free_penalty_is_what_the_cross_fit_rule_ships():
    """The configured and shipped free_penalty is the one the committed line benchmark's rule
    holds (the cross-fit's choice on every writer, or the value shipped when it ran if the choice
    is not better beyond the writers' noise), and leaves input modes a margin inside a word."""
    import json

    import yaml

    conf = yaml.safe_load((REPO / "conf" / "base" / "parameters_deployment.yml").read_text())
    penalty = conf["line_decoder"]["free_penalty"]
    result = json.loads((RESULTS / "unipen_lines.json").read_text())
    cf = result["crossfit"]
    assert cf["ship"] == penalty == result["free_penalty"] and penalty in L.CHOOSABLE
    assert cf["ship"] == L.penalty_to_ship(cf, result["free_penalty"])
    meta = json.loads(read_model_file(REPO / "web" / "model", "metadata.json"))
    assert meta["line_decoder"]["free_penalty"] == penalty
    assert penalty <= 24.4 / 2


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


def test_number_lines_are_seeded_digit_strings_of_every_length():
    lines = L.number_lines(300, 6, seed=3)
    words = [w for line in lines for w in line]
    assert len(lines) == 300 and all(len(line) == 6 for line in lines)
    assert all(w.isdigit() and 1 <= len(w) <= 6 for w in words)
    assert {len(w) for w in words} == set(range(1, 7))
    assert set("".join(words)) == set("0123456789")
    assert L.number_lines(300, 6, seed=3) == lines and L.number_lines(300, 6, seed=4) != lines
    assert {L.word_pattern(w) for w in words} == {"digits"}


def test_by_word_length_scores_each_character_by_its_words_length():
    truth = ["7 10 2024 ", "0 31 "]
    text = ["7 lo 2024 ", "o 31 "]
    rows = L.by_word_length(truth, text, spans=((1, 1), (2, 3), (4, 6)))
    assert [r["n"] for r in rows] == [2, 4, 4]
    assert [r["exact"] for r in rows] == [0.5, 0.5, 1.0]
    assert L.by_word_length(truth, text, spans=((7, 9),))[0]["exact"] is None


def test_writer_interval_resamples_whole_writers():
    lines = [["ab"], ["ab"], ["cd"]]
    truth = ["ab ", "ab ", "cd "]
    text = ["ab ", "ab ", "xx "]  # writer a reads all 4 right, writer b none of 2
    iv = L.writer_interval(lines, truth, text, ["a", "a", "b"], reps=500, seed=1)
    assert iv["estimate"] == pytest.approx(4 / 6) and iv["writers"] == 2
    # a resample holds a's lines, b's, or both: 0, 2/3 or 1 of the characters right
    assert iv["low"] == 0.0 and iv["high"] == 1.0
    same = L.writer_interval(lines, truth, truth, ["a", "a", "b"], reps=50)
    assert same["low"] == same["high"] == same["estimate"] == 1.0
