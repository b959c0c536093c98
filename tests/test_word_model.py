"""The words model's shape and labels, as training and the page rely on them."""

from __future__ import annotations

import keras
import numpy as np

from handwriting.page.textdecoder import ALPHABET, BLANK
from handwriting.word_model import CLASSES, build_word_model, encode_texts, frames, logits_of, readable

PARAMS = {"width": 8, "kernel_size": 3, "dilations": [1, 2], "dropout": 0.1}


def test_frames_are_what_the_model_outputs_and_sum_to_one():
    model = build_word_model(PARAMS, keras)
    for points in (1, 2, 7, 8, 33):
        probs = model(np.random.default_rng(points).normal(size=(2, points, 4)).astype("float32"))
        assert probs.shape == (2, frames(points), CLASSES)
        np.testing.assert_allclose(np.sum(probs, axis=-1), 1, atol=1e-5)
    logits = logits_of(model, keras)
    assert logits.output.shape[-1] == CLASSES and logits.layers[-1].name == "logits"


def test_labels_encode_to_the_alphabet_padded_with_blank():
    codes, lengths = encode_texts(["Hi!", "a b"])
    assert CLASSES == len(ALPHABET) + 1 == BLANK + 1
    assert lengths.tolist() == [3, 3]
    assert "".join(ALPHABET[c] for c in codes[0]) == "Hi!" and codes[1, 1] == ALPHABET.index(" ")
    codes, lengths = encode_texts(["x86", "(415)"])
    assert codes[0, 3:].tolist() == [BLANK, BLANK] and lengths.tolist() == [3, 5]
    assert readable("x86") and readable("I'm (415)") and not readable("") and not readable("caf\u00e9")
