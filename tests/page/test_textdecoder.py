"""The text decoder reads what a words model's per-frame probabilities spell, helped by the
lexicon: noisy and ambiguous spellings of lexicon words come out as the words, codes and names
outside the lexicon still come out, case and punctuation as written."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ctc_posteriors import spell

from handwriting.page.lexicon import Lexicon, format_lexicon
from handwriting.page.textdecoder import (ALPHABET, BLANK, DEFAULT_PARAMS, check_params,
                                          decode_text, encode_text, greedy_decode, last_word)

# a small lexicon with made-up frequencies (shares of the running words)
WORDS = {"the": 0.2, "hello": 0.05, "world": 0.05, "week": 0.04, "so": 0.1, "i'm": 0.03,
         "don't": 0.03, "i": 0.1, "cat": 0.03, "cut": 0.01, "sat": 0.02, "morning": 0.02,
         "a": 0.15, "there": 0.05, "o'clock": 0.01, "it": 0.1, "is": 0.02}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    total = sum(WORDS.values())
    return Lexicon(format_lexicon(((w, math.log(f / total)) for w, f in WORDS.items()), 0.25,
                                  "test words"))


def test_the_alphabet_is_printable_ascii_then_the_blank():
    assert ALPHABET[0] == " " and ALPHABET[-1] == "~" and len(ALPHABET) == 95
    assert [ord(c) for c in ALPHABET] == sorted(ord(c) for c in ALPHABET)
    assert BLANK == 95
    assert encode_text("x86 (415)") == [ALPHABET.index(c) for c in "x86 (415)"]
    with pytest.raises(ValueError):
        encode_text("café")


def test_a_noisy_spelling_of_a_lexicon_line_decodes_to_it(lexicon):
    probs = spell("hello world it is morning", noise=0.3, rng=np.random.default_rng(4))
    assert decode_text(probs, lexicon)["text"] == "hello world it is morning"


def test_the_lexicon_flips_an_ambiguous_frame_toward_the_word(lexicon):
    # the second letter looks a little more like c than e: the best path reads "hcllo"
    probs = spell("hello", confusions={1: {"c": 0.55, "e": 0.45}})
    assert greedy_decode(probs)["text"] == "hcllo"
    assert decode_text(probs, None)["text"] == "hcllo"  # the open vocabulary alone
    got = decode_text(probs, lexicon)
    assert got["text"] == "hello"
    assert [a["word"] for a in got["alternatives"][:2]] == ["hello", "hcllo"]
    # through the punctuation around a word, too
    probs = spell("week:", confusions={1: {"c": 0.55, "e": 0.45}})
    assert decode_text(probs, lexicon)["text"] == "week:"
    probs = spell("\"so", confusions={2: {"c": 0.55, "o": 0.45}})
    assert decode_text(probs, lexicon)["text"] == "\"so"


def test_codes_names_and_numbers_outside_the_lexicon_still_decode(lexicon):
    for text in ["x86", "(415)", "Rincewind", "1995", "it is 10:30", "a-b", "C3PO"]:
        assert decode_text(spell(text), lexicon)["text"] == text, text


def test_case_patterns_read_the_lowercase_lexicon(lexicon):
    for text in ["hello", "Hello", "HELLO", "I'm", "Don't", "DON'T", "o'clock"]:
        assert decode_text(spell(text), lexicon)["text"] == text, text
    # an ambiguous letter takes the case of the rest of the word
    probs = spell("hEllo", confusions={1: {"E": 0.55, "e": 0.45}})
    assert decode_text(probs, lexicon)["text"] == "hello"
    probs = spell("HELLo", confusions={4: {"o": 0.55, "O": 0.45}})
    assert decode_text(probs, lexicon)["text"] == "HELLO"
    # a mixed-case word is not a lexicon word: it costs the open vocabulary's price
    mixed = decode_text(spell("heLlo"), lexicon)
    lower = decode_text(spell("hello"), lexicon)
    assert mixed["text"] == "heLlo" and mixed["score"] < lower["score"] - 5


def test_the_beam_sums_alignments_where_the_best_path_does_not():
    # each frame: blank 0.4, "a" 0.35, "b" 0.25. The best path is blank, blank: "" (0.16); but
    # "a" has three alignments (a a, a -, - a) worth 0.4025
    row = np.zeros(BLANK + 1)
    row[BLANK], row[ALPHABET.index("a")], row[ALPHABET.index("b")] = 0.4, 0.35, 0.25
    probs = np.stack([row, row])
    assert greedy_decode(probs) == {"text": "", "score": pytest.approx(2 * math.log(0.4))}
    got = decode_text(probs, None, {"lm_weight": 0.0})
    assert got["text"] == "a"
    assert got["score"] == pytest.approx(math.log(0.35 * 0.35 + 2 * 0.35 * 0.4))


def test_a_repeated_letter_needs_a_blank_between(lexicon):
    # "ll" with no blank frame between the two l's reads as one l
    probs = spell("hello", gap=0)
    assert greedy_decode(probs)["text"] == "helo"
    assert decode_text(spell("hello"), lexicon)["text"] == "hello"


def test_no_leading_or_double_space_and_alternatives_for_the_last_word(lexicon):
    probs = spell("the cat", confusions={5: {"a": 0.5, "u": 0.5}})
    got = decode_text(probs, lexicon)
    assert got["text"] == "the cat"  # "cat" is the more frequent
    words = [a["word"] for a in got["alternatives"]]
    assert words[:2] == ["cat", "cut"] and len(words) == len(set(words)) <= 5
    scores = [a["score"] for a in got["alternatives"]]
    assert scores == sorted(scores, reverse=True) and scores[0] == got["score"]
    assert all("  " not in h["text"] and not h["text"].startswith(" ") for h in got["hypotheses"])
    assert decode_text(np.zeros((0, BLANK + 1)), lexicon) == {
        "text": "", "score": 0.0, "hypotheses": [{"text": "", "score": 0.0}],
        "alternatives": [{"word": "", "score": 0.0}]}


def test_last_word():
    assert last_word("it is ") == "is" and last_word("x86") == "x86" and last_word("") == ""


def test_parameters_are_checked():
    assert check_params(None) == DEFAULT_PARAMS
    assert check_params({"beam": 4})["beam"] == 4
    for bad in [{"beem": 4}, {"beam": 0}, {"beam": 2.5}, {"lm_weight": -1}, {"char_threshold": 2},
                {"oov_word_penalty": math.inf}, {"beam": True}]:
        with pytest.raises(ValueError):
            check_params(bad)
    with pytest.raises(ValueError):
        decode_text(np.full((3, 95), 1 / 95))  # no blank column
    with pytest.raises(ValueError):
        decode_text(np.full((3, 96), np.nan))


def test_skipping_new_prefixes_by_their_bound_changes_nothing(lexicon, monkeypatch):
    rng = np.random.default_rng(9)
    cases = [spell("it is a cat", noise=0.4, rng=rng), spell("x86 so", noise=0.6, rng=rng)]
    cases += [rng.dirichlet(np.full(BLANK + 1, 0.05), size=30) for _ in range(6)]
    params = [{}, {"word_bonus": 3.0}, {"number_penalty": 12.0, "oov_word_penalty": 1.0},
              {"beam": 3}]
    pruned = [decode_text(p, lexicon, q) for p in cases for q in params]
    # a letter after a number: the open word's penalty (1) replaces the number's (12), so "9x"
    # scores above "9" although its "x" is less likely than the blank
    nine = np.zeros((2, BLANK + 1))
    nine[0, [ALPHABET.index("9"), BLANK]] = 0.99, 0.01
    nine[1, [ALPHABET.index("x"), BLANK]] = 0.4, 0.6
    nine_x = decode_text(nine, None, {"number_penalty": 12.0, "oov_word_penalty": 1.0, "beam": 2})
    assert nine_x["text"] == "9x"
    monkeypatch.setattr("handwriting.page.textdecoder._Prefixes.bound", lambda self, i: math.inf)
    assert [decode_text(p, lexicon, q) for p in cases for q in params] == pruned
    assert decode_text(nine, None, {"number_penalty": 12.0, "oov_word_penalty": 1.0,
                                    "beam": 2}) == nine_x


def test_ink_is_never_read_as_nothing():
    # a model unsure of a name ("Ed": each letter 0.3, blank 0.7): the empty reading is the
    # likelier, and pays no language model cost, but the model saw characters: it reads some of them
    probs = np.zeros((5, BLANK + 1))
    probs[:, BLANK] = 1.0
    for frame, ch in ((1, "E"), (3, "d")):
        probs[frame, BLANK], probs[frame, ALPHABET.index(ch)] = 0.7, 0.3
    lexicon = Lexicon(format_lexicon([("the", -1.0)], step=0.25, attribution="t"))
    out = decode_text(probs, lexicon, {"lm_weight": 0.5, "oov_word_penalty": 15.0})
    assert out["text"] in {"Ed", "E", "d"} and out["hypotheses"][-1]["text"] == ""
    assert out["hypotheses"][-1]["score"] > out["score"]  # the empty reading scored higher
