"""The lexicon file: front-coded sorted words with quantised log-probabilities, read back into a
trie that knows each word's log-probability and the best one below every prefix."""

from __future__ import annotations

import math

import pytest

from handwriting.page.lexicon import MAX_COST, Lexicon, format_lexicon, parse_lexicon

WORDS = [("the", math.log(0.5)), ("then", math.log(0.1)), ("there", math.log(0.2)),
         ("don't", math.log(0.15)), ("do", math.log(0.05))]


def test_words_round_trip_with_costs_quantised_to_the_step():
    text = format_lexicon(WORDS, 0.25, "test list, CC0")
    lines = text.splitlines()
    assert lines[0] == "lexicon 1 step=0.25 words=5 | test list, CC0"
    # sorted, each sharing its prefix with the previous word: do, don't, the, then, there
    assert [line[1:] for line in lines[1:]] == ["0do", "2n't", "0the", "3n", "3re"]
    lexicon = parse_lexicon(text)
    assert len(lexicon) == 5 and lexicon.attribution == "test list, CC0"
    for word, logp in WORDS:
        assert lexicon.logp(word) == -round(-logp / 0.25) * 0.25
        assert abs(lexicon.logp(word) - logp) <= 0.125
    assert "th" not in lexicon and "thence" not in lexicon and lexicon.logp("x") == -math.inf


def test_each_prefix_knows_the_best_word_below_it():
    lexicon = Lexicon(format_lexicon(WORDS, 0.25, "x"))
    assert lexicon.best_logp[lexicon.node("th")] == lexicon.logp("the")
    assert lexicon.best_logp[lexicon.node("ther")] == lexicon.logp("there")
    assert lexicon.best_logp[lexicon.node("don")] == lexicon.logp("don't")
    assert lexicon.best_logp[0] == lexicon.logp("the")
    assert lexicon.node("x") == -1


def test_rare_words_are_clipped_to_the_last_cost():
    lexicon = Lexicon(format_lexicon([("a", 0.0), ("zyzzyva", -1000.0)], 0.5, "x"))
    assert lexicon.logp("zyzzyva") == -MAX_COST * 0.5 and lexicon.logp("a") == 0.0


@pytest.mark.parametrize("words", [[("Hello", -1.0)], [("it's'", -1.0)], [("x86", -1.0)],
                                   [("a", -1.0), ("a", -2.0)], [("a", 0.5)]])
def test_only_lowercase_words_once_each_with_a_log_probability(words):
    with pytest.raises(ValueError):
        format_lexicon(words, 0.25, "x")


def test_a_malformed_file_is_rejected_with_its_line():
    good = format_lexicon(WORDS, 0.25, "x")
    lines = good.splitlines()
    for text, where in [("", "first line"), (good.replace("words=5", "words=6"), "promises 6"),
                        ("\n".join([lines[0], lines[2], lines[1], *lines[3:]]), "line 2"),
                        (good.replace(lines[4], lines[4][0] + "9n"), "line 5"),
                        (good.replace(lines[3], lines[3] + "Q"), "line 4")]:
        with pytest.raises(ValueError, match=where):
            Lexicon(text)
