"""The lexicon node keeps the most frequent lexicon words of the general list, and the coverage
check counts the written words the lexicon can read."""

from __future__ import annotations

import math

import pytest

from handwriting.page.lexicon import Lexicon, lexicon_coverage, written_words
from handwriting.pipelines.modelling.language_model import build_lexicon

PARAMS = {"words": 4, "step": 0.25, "attribution": "test list"}
FREQUENCIES = {"the": 0.05, "of": 0.03, "don't": 0.01, "0000": 0.04, "u.s": 0.002, "café": 0.01,
               "zebra": 0.0001, "a": 0.02, "-": 0.01, "hello": 0.001}


def test_the_most_frequent_lexicon_words_with_their_share_of_the_kept_words():
    lexicon = Lexicon(build_lexicon(FREQUENCIES, PARAMS))
    # numbers, abbreviations, accents and symbols are the decoder's open vocabulary
    assert len(lexicon) == 4 and all(w in lexicon for w in ["the", "of", "a", "don't"])
    assert "hello" not in lexicon and "0000" not in lexicon
    assert lexicon.logp("the") == pytest.approx(math.log(0.05 / 0.11), abs=0.125)
    assert lexicon.attribution == "test list"
    assert "hello" in Lexicon(build_lexicon(FREQUENCIES, {**PARAMS, "words": 100}))


def test_an_empty_list_is_an_error():
    with pytest.raises(ValueError, match="no lowercase word"):
        build_lexicon({"0000": 0.5}, PARAMS)


def test_coverage_counts_alphabetic_words_in_the_case_patterns_the_decoder_reads():
    lexicon = build_lexicon(FREQUENCIES, PARAMS)
    labels = ["The", "(of)", "x86", "DON'T", "tHe", "hello world", "1995", "a"]
    assert written_words(labels) == ["The", "of", "DON'T", "tHe", "hello", "world", "a"]
    assert lexicon_coverage(lexicon, labels) == {"words": 7, "covered": 4, "share": 4 / 7}
    assert lexicon_coverage(Lexicon(lexicon), []) == {"words": 0, "covered": 0, "share": None}


def test_the_language_model_parameters_are_checked():
    from handwriting.parameters import SCHEMA, _check

    problems: list[str] = []
    _check({"words": 0, "step": 0, "attribution": ""}, SCHEMA["language_model"], "language_model",
           problems)
    assert problems == ["language_model.words = 0: must be an integer >= 1",
                        "language_model.step = 0: must be a number in (0, 1]",
                        "language_model.attribution = '': must be a non-empty string"]
    problems.clear()
    _check({"words": 50000, "step": 0.25}, SCHEMA["language_model"], "language_model", problems)
    assert problems == ["language_model.attribution: missing"]
