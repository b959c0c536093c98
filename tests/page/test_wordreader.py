"""The reading of a word or a line: ink -> pen line -> the words model -> the text decoder, as the
page does it, and many lines at once for reports with the same readings as one at a time."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fake_word_models import smooth, spelling

from handwriting.page.lexicon import Lexicon, format_lexicon
from handwriting.page.penline import penline_features
from handwriting.page.textdecoder import ALPHABET
from handwriting.page.wordreader import frames, line_probabilities, read_line, read_lines

WORDS = {"the": 0.3, "cat": 0.1, "sat": 0.1, "hello": 0.2, "world": 0.2, "cut": 0.1}


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(format_lexicon(((w, math.log(f)) for w, f in WORDS.items()), 0.25, "test"))


def scribble(width: float, rng, strokes: int = 3) -> list:
    """Seeded random ink: ``strokes`` wandering strokes across ``width``."""
    out = []
    for k in range(strokes):
        pts = np.cumsum(rng.normal(0, 0.1, size=(int(rng.integers(5, 40)), 2)), axis=0)
        out.append((pts + [k * width / strokes, 0]).tolist())
    return out


def test_no_ink_reads_nothing_without_running_the_model(lexicon):
    def predict(features):
        raise AssertionError("the model was run on no ink")
    for strokes in ([], [[]], None):
        assert read_line(strokes, predict, lexicon, {}) == {
            "text": "", "score": 0.0, "alternatives": [], "frames": 0}


def test_a_line_is_read_with_the_lexicon_and_the_settings_decoder(lexicon):
    ink = scribble(10, np.random.default_rng(1), strokes=6)
    settings = {"step": 0.2, "decoder": {"alternatives": 2}}
    got = read_line(ink, spelling("hello world"), lexicon, settings)
    assert got["text"] == "hello world"
    assert got["frames"] == frames(len(penline_features(ink, 0.2)))
    assert [a["word"] for a in got["alternatives"]][0] == "world" and len(got["alternatives"]) <= 2
    # the open vocabulary alone still reads a code
    assert read_line(ink, spelling("x86"), None, {})["text"] == "x86"


def test_the_settings_step_is_the_pen_line_spacing():
    ink = scribble(10, np.random.default_rng(2))
    seen = []

    def predict(features):
        seen.append(len(features))
        return smooth(features)
    read_line(ink, predict, None, {"step": 0.1})
    read_line(ink, predict, None, {"step": 0.4})
    assert seen == [len(penline_features(ink, 0.1)), len(penline_features(ink, 0.4))]
    assert seen[0] > 3 * seen[1]


def test_rows_past_the_line_are_dropped():
    ink = scribble(10, np.random.default_rng(3))
    base = read_line(ink, smooth, None, {})
    padded = read_line(ink, lambda f: np.concatenate([smooth(f), smooth(f)]), None, {})
    batch = read_line(ink, lambda f: smooth(f)[None], None, {})  # a batch of one, as Keras gives
    assert padded == base and batch == base
    assert base["frames"] == frames(len(penline_features(ink)))


def test_a_model_of_other_characters_or_too_few_frames_is_refused():
    ink = scribble(10, np.random.default_rng(4))
    with pytest.raises(ValueError, match="alphabet"):
        read_line(ink, smooth, None, {"alphabet": ALPHABET[1:]})
    with pytest.raises(ValueError, match="expected at least"):
        read_line(ink, lambda f: smooth(f)[:2], None, {})
    with pytest.raises(ValueError, match="expected at least"):
        read_line(ink, lambda f: smooth(f)[:, :95], None, {})


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    from handwriting.word_model import build_word_model
    keras.utils.set_random_seed(0)
    return build_word_model({"width": 16, "kernel_size": 5, "dilations": [1, 2], "dropout": 0},
                            keras)


def test_lines_read_together_read_as_each_alone(tiny_model, lexicon):
    """Lines of the same length share a model call; every line's probabilities are those of the
    line alone (odd and even lengths, which a padded batch would shift)."""
    rng = np.random.default_rng(5)
    inks = [scribble(float(rng.uniform(2, 12)), rng, int(rng.integers(1, 5))) for _ in range(12)]
    inks += [inks[0], inks[3], [], inks[0]]  # equal lengths, and no ink
    features = [penline_features(s) for s in inks]
    lengths = [len(f) for f in features]
    assert any(n % 2 for n in lengths) and any(n and n % 2 == 0 for n in lengths)
    calls = []

    def model(x, training=False):
        calls.append(x.shape)
        return tiny_model(x, training=training)
    together = line_probabilities(features, model)
    assert len(calls) == len({n for n in lengths if n})  # one call per distinct length
    for f, probs in zip(features, together):
        assert probs.shape == (frames(len(f)), 96)
        if len(f):
            alone = np.asarray(tiny_model(f[None], training=False))[0]
            np.testing.assert_allclose(probs, alone, atol=1e-5)
    settings = {"decoder": {"beam": 4}}
    readings = read_lines(inks, tiny_model, lexicon, settings)
    alone = [read_line(s, lambda f: tiny_model(f[None], training=False), lexicon, settings)
             for s in inks]
    for a, b in zip(readings, alone, strict=True):  # scores: the batch's float rounding aside
        assert (a["text"], a["frames"]) == (b["text"], b["frames"])
        assert [x["word"] for x in a["alternatives"]] == [x["word"] for x in b["alternatives"]]
        assert math.isclose(a["score"], b["score"], rel_tol=1e-5)
    # a small batch budget splits a length's lines over calls, with the same result
    calls.clear()
    split = line_probabilities(features, model, batch_points=1)
    assert len(calls) == sum(1 for n in lengths if n)
    for a, b in zip(split, together):
        np.testing.assert_allclose(a, b, atol=1e-5)
