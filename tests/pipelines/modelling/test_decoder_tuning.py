"""Choosing the text decoder's settings on the validation contributors' readings."""

from __future__ import annotations

import numpy as np
from ctc_posteriors import spell

from handwriting.page.lexicon import format_lexicon
from handwriting.pipelines.modelling.decoder_tuning import score_readings, tune_text_decoder
from handwriting.word_model import frames

LEXICON = format_lexicon([("hello", -1.0), ("world", -1.5), ("help", -2.0)], step=0.25,
                         attribution="test list")


class Replay:
    """A stand-in words model that gives each pen line's prepared probabilities."""

    def __init__(self, outputs):
        self.outputs = outputs

    def __call__(self, x, training=False):
        rows = [self.outputs[int(line[0, 0])] for line in x]
        assert all(len(probs) == frames(x.shape[1]) for probs in rows)
        return np.stack(rows)


def _validation(outputs, labels):
    pieces = [np.full((2 * len(p), 4), i, np.float32) for i, p in enumerate(outputs)]
    lengths = [len(p) for p in pieces]
    return {"x": np.concatenate(pieces), "offsets": np.concatenate([[0], np.cumsum(lengths)]),
            "label": np.array(labels), "kind": np.array(["word"] * len(labels))}


def test_the_setting_that_reads_most_words_is_chosen():
    # "hcllo": the model prefers c over e, a little; only a language model reads "hello"
    outputs = [spell("hello", confusions={1: {"c": 0.6, "e": 0.4}}), spell("world"),
               spell("x86")]
    val = _validation(outputs, ["hello", "world", "x86"])
    params = {"pieces": 10, "grid": {"lm_weight": [0.0, 1.0]}, "fixed": {"beam": 8}}
    tuned = tune_text_decoder(Replay(outputs), {"trained": True}, val, LEXICON, params)
    assert tuned["tuned"] and tuned["params"]["lm_weight"] == 1.0 and tuned["params"]["beam"] == 8
    assert [r["words_right"] for r in tuned["grid"]] == [2 / 3, 1.0]
    assert tuned["best_path"]["words_right"] == 2 / 3 and tuned["validation"]["cer"] == 0.0


def test_without_a_words_model_the_fixed_settings_ship():
    tuned = tune_text_decoder(None, {"trained": False}, {}, LEXICON,
                              {"pieces": 1, "grid": {}, "fixed": {"lm_weight": 0.7}})
    assert tuned["tuned"] is False and tuned["params"]["lm_weight"] == 0.7


def test_scores():
    assert score_readings(["ab", "c d"], ["ab", "cd"], ["word", "text"]) == {
        "cer": 1 / 4, "all_words_right": 1 / 2, "all_words": 2, "words_right": 1.0,
        "pieces": 2, "words": 1}
    # a line's words count one by one, matched in order
    assert score_readings(["the hat sat"], ["the cat sat"], ["text"])["all_words_right"] == 2 / 3


def test_words_in_lines_count_in_the_choice():
    # the language model turns an isolated "helo" into "help" (wrong) but reads a line's two
    # "hcllo" as "hello" (right): on isolated words alone no language model would win
    iso = spell("helo", confusions={3: {"o": 0.6, "p": 0.4}})
    line = spell("hello world hello", confusions={1: {"c": 0.6, "e": 0.4}, 13: {"c": 0.6, "e": 0.4}})
    val = _validation([iso, line], ["helo", "hello world hello"])
    val["kind"] = np.array(["word", "text"])
    params = {"pieces": 10, "grid": {"lm_weight": [0.0, 1.0]}, "fixed": {"beam": 8}}
    tuned = tune_text_decoder(Replay([iso, line]), {"trained": True}, val, LEXICON, params)
    assert [r["words_right"] for r in tuned["grid"]] == [1.0, 0.0]
    assert [r["all_words_right"] for r in tuned["grid"]] == [2 / 4, 3 / 4]
    assert tuned["params"]["lm_weight"] == 1.0
