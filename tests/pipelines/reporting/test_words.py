"""The words model's report: words right exactly as labelled (case and punctuation included),
words inside lines matched in order, CER, with and without the language model, grouped by
style, contributor, kind and lexicon; a seeded subset; misread words drawn as ink."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from ctc_posteriors import spell

from handwriting.page.lexicon import format_lexicon
from handwriting.page.penline import penline_features
from handwriting.page.wordreader import frames
from handwriting.evaluation import words_matched
from handwriting.pipelines.reporting.words import evaluate_word_model, ink_of, plot_word_failures

LEXICON = format_lexicon(((w, math.log(f)) for w, f in
                          {"the": 0.4, "cat": 0.2, "sat": 0.2, "hello": 0.1, "world": 0.1}.items()),
                         0.25, "test")

# label, what the stand-in model spells (ambiguous letters: {position: {char: share}}), kind,
# style, contributor
PIECES = [
    ("hello", "hello", None, "word", "PRINTED", "aaa"),
    ("Hello", "hello", None, "word", "PRINTED", "aaa"),        # case: wrong
    ("cat", "cat", {1: {"u": 0.55, "a": 0.45}}, "word", "CURSIVE", "bbb"),  # the LM mends it
    ("x86", "x86", None, "word", "MIXED", "bbb"),              # a code, out of the lexicon
    ("Rincewind", "Rincewlnd", None, "word", "?", "aaa"),      # out of the lexicon, misread
    ("the cat sat", "the cat sat", None, "text", "MIXED", "aaa"),
    ("hello world", "hello wurld", None, "text", "CURSIVE", "bbb"),
]


class SpellingModel:
    """A stand-in words model: a pen line's length says which piece it is; it spells that
    piece's text over exactly ``frames(points)`` frames."""

    def __init__(self, texts_by_points: dict[int, tuple[str, dict | None]]):
        self.texts = texts_by_points

    def __call__(self, x, training=False):
        out = []
        for row in x:
            text, confusions = self.texts[len(row)]
            probs = spell(text, frames=1, gap=1, confusions=confusions)
            need = frames(len(row))
            assert len(probs) <= need, "the test's lines are too short for their text"
            pad = np.zeros((need - len(probs), probs.shape[1]), np.float32)
            pad[:, -1] = 1.0
            out.append(np.concatenate([probs, pad]))
        return np.stack(out)


def word_set() -> tuple[dict, SpellingModel]:
    """Pen lines of distinct lengths (a wiggle of 2 * len + 3 .. points), their labels and
    details, and the model that spells each."""
    feats, texts = [], {}
    for n, (label, spelt, confusions, *_rest) in enumerate(PIECES):
        points = 4 * len(spelt) + 8 + 2 * n
        t = np.linspace(0, 6 * len(spelt), points)
        f = penline_features([np.stack([t, np.sin(t)], axis=1).tolist()])[:points]
        f = np.concatenate([f, np.repeat(f[-1:], points - len(f), axis=0)])
        feats.append(f)
        texts[points] = (spelt, confusions)
    lengths = [len(f) for f in feats]
    data = {"x": np.concatenate(feats), "offsets": np.concatenate([[0], np.cumsum(lengths)]),
            "label": np.array([p[0] for p in PIECES]), "kind": np.array([p[3] for p in PIECES]),
            "style": np.array([p[4] for p in PIECES]), "contrib": np.array([p[5] for p in PIECES]),
            "writer": np.array(["w"] * len(PIECES)), "quality": np.array(["GOOD"] * len(PIECES))}
    return data, SpellingModel(texts)


PARAMS = {"word_eval_subset": None, "word_eval_seed": 0, "word_failures": 10}


def test_words_in_a_line_are_matched_in_order():
    assert words_matched("the cat sat", "the cat sat") == [True, True, True]
    assert words_matched("the cat sat", "the hat sat") == [True, False, True]
    assert sum(words_matched("the cat sat", "the sat cat")) == 2  # a word counts once
    assert words_matched("the cat sat", "thecat sat") == [False, False, True]
    assert words_matched("a b", "") == [False, False]


def test_no_words_model_reports_none():
    data, model = word_set()
    assert evaluate_word_model(model, {"trained": False}, data, LEXICON, {"params": {}},
                               PARAMS) == {"available": False}
    fig = plot_word_failures({"available": False}, data)
    assert "no words model" in fig.axes[0].texts[0].get_text()
    plt.close(fig)


def test_the_report_counts_exact_words_with_and_without_the_language_model():
    data, model = word_set()
    report = evaluate_word_model(model, {"trained": True}, data, LEXICON,
                                 {"params": {"lm_weight": 1.0}}, PARAMS)
    assert report["available"] and report["pieces"] == len(PIECES) and report["sample"] is None
    assert report["decoder"]["lm_weight"] == 1.0
    lm, plain = report["with_language_model"], report["best_path"]
    # isolated words: hello right; Hello (read lower) wrong; cat mended by the lexicon only;
    # x86 right; Rincewind misread. Lines: the cat sat 3/3, hello world 1/2
    assert lm["by_kind"]["word"] == {"pieces": 5, "cer": pytest.approx(2 / 25), "words": 5,
                                     "words_right": pytest.approx(3 / 5)}
    assert plain["by_kind"]["word"]["words_right"] == pytest.approx(2 / 5)
    assert lm["by_kind"]["text"]["words"] == 5 and lm["by_kind"]["text"]["words_right"] == 0.8
    assert lm["overall"]["words"] == 10 and lm["overall"]["words_right"] == pytest.approx(0.7)
    assert set(lm["by_style"]) == {"PRINTED", "MIXED", "CURSIVE", "other"}
    assert lm["by_style"]["PRINTED"]["words_right"] == 0.5
    assert lm["by_style"]["other"] == {"pieces": 1, "cer": pytest.approx(1 / 9), "words": 1,
                                       "words_right": 0.0}
    assert set(lm["by_contributor"]) == {"aaa", "bbb"}
    # in the lexicon: hello, Hello, cat, the, cat, sat, hello, world; out: x86, Rincewind
    assert lm["by_lexicon"] == {"in": {"words": 8, "words_right": pytest.approx(6 / 8)},
                                "out": {"words": 2, "words_right": 0.5}}
    assert report["lexicon_coverage"] == {"words": 9, "covered": 8, "share": pytest.approx(8 / 9)}
    failures = {f["label"]: f for f in report["failures"]}
    assert set(failures) == {"Hello", "Rincewind"}
    assert failures["Hello"]["reading"] == "hello"
    assert failures["Rincewind"]["best_path"] == "Rincewlnd"
    fig = plot_word_failures(report, data)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 2 and any("'Hello' read 'hello'" in t for t in titles)
    plt.close(fig)


def test_a_subset_is_seeded_and_stated():
    data, model = word_set()
    params = {**PARAMS, "word_eval_subset": 0.5, "word_eval_seed": 3}
    a = evaluate_word_model(model, {"trained": True}, data, LEXICON, {"params": {}}, params)
    b = evaluate_word_model(model, {"trained": True}, data, LEXICON, {"params": {}}, params)
    assert a["pieces"] < len(PIECES) and a["pieces_in_test_set"] == len(PIECES)
    assert a["sample"] == {"size": 0.5, "seed": 3, "stratified_by": "contributor and kind"}
    assert a["with_language_model"] == b["with_language_model"]
    assert a["lexicon_coverage"]["words"] == 9  # coverage is of every test word


def test_ink_is_drawn_back_from_the_pen_line():
    strokes = [[[0, 0], [10, 0], [10, 10]], [[20, 0], [20, 10]]]
    ink = ink_of(penline_features(strokes, 0.5))
    assert len(ink) == 2
    # the shape comes back in writing heights, up to a shift
    np.testing.assert_allclose(ink[0][-1] - ink[0][0], [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(ink[1][-1] - ink[1][0], [0.0, 1.0], atol=1e-6)


def test_the_run_closes_with_the_words_figures():
    from handwriting.hooks import _words_line

    data, model = word_set()
    report = evaluate_word_model(model, {"trained": True}, data, LEXICON, {"params": {}}, PARAMS)
    lm, plain = report["with_language_model"], report["best_path"]
    line = _words_line(report)
    assert f"{len(PIECES)} pieces: words right {100 * lm['overall']['words_right']:.2f}%" in line
    assert f"printed {100 * lm['by_style']['PRINTED']['words_right']:.2f}%" in line
    assert f"(no language model {100 * plain['overall']['words_right']:.2f}%)" in line
    assert "no words model" in _words_line({"available": False})


def test_word_training_curves_show_each_epoch_or_say_there_is_no_words_model():
    from handwriting.pipelines.reporting.words import plot_word_training_curves

    history = {"trained": True, "best_epoch": 3, "train_samples": 70, "train_seconds": 120,
               "metrics": {"loss": [3.0, 1.5, 1.1], "val_cer": [0.6, 0.4, 0.3],
                           "val_words_right": [0.1, 0.3, 0.45]}}
    fig = plot_word_training_curves(history)
    cer, words_right = fig.axes[1].get_lines()[:2]
    assert list(cer.get_ydata()) == [0.6, 0.4, 0.3]
    assert list(words_right.get_ydata()) == [0.1, 0.3, 0.45]
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [3.0, 1.5, 1.1]
    kept = fig.axes[0].get_lines()[1]
    assert list(kept.get_xdata()) == [3, 3]
    plt.close(fig)
    note = plot_word_training_curves({"trained": False})
    assert "not trained" in note.axes[0].texts[0].get_text() and not note.axes[0].get_lines()
    plt.close(note)


def test_word_fit_reads_training_and_validation_pieces_by_the_best_path():
    from handwriting.pipelines.reporting.words import measure_word_fit

    # a stand-in model that spells "cat" for every line: right on the "cat" pieces only
    class Spells:
        def __call__(self, x, training=False):
            cat = spell("cat")
            blank = np.zeros((frames(x.shape[1]) - len(cat), cat.shape[1]), np.float32)
            blank[:, -1] = 1.0
            return np.stack([np.concatenate([cat, blank])] * len(x))

    def word_set(labels):
        ink = [np.zeros((40, 4), np.float32)] * len(labels)  # the stand-in ignores the ink
        return {"x": np.concatenate(ink), "label": np.array(labels),
                "offsets": np.concatenate([[0], np.cumsum([len(f) for f in ink])]),
                "kind": np.array(["word"] * len(labels))}

    fit = measure_word_fit(Spells(), {"trained": True}, word_set(["cat", "cat", "cat", "dog"]),
                           word_set(["cot", "dog"]), {"word_fit_pieces": 10})
    assert fit["training"] == {"pieces": 4, "cer": 3 / 12, "words_right": 0.75}
    assert fit["validation"] == {"pieces": 2, "cer": 4 / 6, "words_right": 0.0}
    assert measure_word_fit(Spells(), {"trained": False}, word_set(["cat"]), word_set(["cat"]),
                            {}) == {"available": False}
