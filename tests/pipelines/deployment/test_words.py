"""The words model for the page: converted, loaded back, compared with Keras, packaged with the
lexicon and the decoder settings, and part of the model version."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from handwriting.page.lexicon import format_lexicon
from handwriting.page.penline import penline_features
from handwriting.page.textdecoder import ALPHABET
from handwriting.pipelines.deployment.nodes import model_version
from handwriting.pipelines.deployment.words import (
    LEXICON_FILE,
    WORD_MODEL_FILE,
    export_word_tfjs,
    package_words,
    verify_word_export,
)
from handwriting.tfjs_compat import load_tfjs
from handwriting.word_model import build_word_model, frames

WORD_PARAMS = {"width": 16, "kernel_size": 3, "dilations": [1, 2], "dropout": 0.1, "step": 0.2}
DEPLOY = {"quantization": "uint8", "word_quantization": None, "word_verify_samples": 5,
          "tolerance": {"none": 1e-5, "float16": 0.02, "uint8": 0.15}}


@pytest.fixture(scope="module")
def word_model():
    keras.utils.set_random_seed(3)
    model = build_word_model(WORD_PARAMS, keras)
    # weights away from their initial values, so a wrong copy or transpose shows
    model.set_weights([w + np.random.default_rng(i).normal(0, 0.05, w.shape).astype(w.dtype)
                       for i, w in enumerate(model.get_weights())])
    return model


def validation_set(n=8):
    rng = np.random.default_rng(0)
    pieces = [penline_features([np.cumsum(rng.normal(0, 1, (rng.integers(5, 60), 2)), 0).tolist()])
              for _ in range(n)]
    lengths = [len(p) for p in pieces]
    return {"x": np.concatenate(pieces), "offsets": np.concatenate([[0], np.cumsum(lengths)]),
            "label": np.array(["ab"] * n), "kind": np.array(["word"] * n)}


def test_export_reloads_and_matches_keras(word_model):
    export = export_word_tfjs(word_model, {"trained": True}, WORD_PARAMS, DEPLOY)
    assert WORD_MODEL_FILE in export and any(k.endswith(".bin") for k in export)
    check = verify_word_export(export, word_model, validation_set(), DEPLOY)
    assert check["shipped"] and check["pieces"] == 5 and check["max_abs_probability_difference"] < 1e-5
    assert check["cer_keras"] == check["cer_exported"]
    reloaded = load_tfjs(export, WORD_MODEL_FILE)
    assert reloaded(np.zeros((1, 9, 4), np.float32)).shape == (1, frames(9), len(ALPHABET) + 1)


def test_an_export_that_differs_from_keras_is_refused(word_model):
    export = export_word_tfjs(word_model, {"trained": True}, WORD_PARAMS, DEPLOY)
    other = build_word_model(WORD_PARAMS, keras)  # the same layers, other weights
    with pytest.raises(ValueError, match="words model's TF.js export differs from the Keras model"):
        verify_word_export(export, other, validation_set(), DEPLOY)


def test_an_export_that_reads_worse_is_refused(word_model):
    export = export_word_tfjs(word_model, {"trained": True}, WORD_PARAMS,
                              {**DEPLOY, "word_quantization": "uint8"})
    loose = {**DEPLOY, "word_quantization": "uint8", "word_tolerance": 1.0,
             "word_cer_tolerance": -1.0}  # no difference is small enough
    with pytest.raises(ValueError, match="reads .* of characters wrong against Keras"):
        verify_word_export(export, word_model, validation_set(), loose)
    assert verify_word_export(export, word_model, validation_set(),
                              {**loose, "word_cer_tolerance": 1.0})["shipped"]


def test_untrained_model_ships_nothing(word_model):
    assert export_word_tfjs(word_model, {"trained": False}, WORD_PARAMS, DEPLOY) == {}
    assert verify_word_export({}, word_model, validation_set(), DEPLOY) == {"shipped": False}
    assert package_words({}, {"shipped": False}, "", {}, WORD_PARAMS) == {}


def test_package_holds_the_model_the_lexicon_and_the_decoder_settings(word_model):
    export = export_word_tfjs(word_model, {"trained": True}, WORD_PARAMS, DEPLOY)
    check = verify_word_export(export, word_model, validation_set(), DEPLOY)
    lexicon = format_lexicon([("the", -0.7), ("cat", -2.3)], step=0.25, attribution="test list")
    package = package_words(export, check, lexicon, {"params": {"lm_weight": 0.8}}, WORD_PARAMS)
    assert set(package["files"]) == set(export) | {LEXICON_FILE}
    meta = package["metadata"]
    assert meta["path"] == WORD_MODEL_FILE and meta["lexicon"] == LEXICON_FILE
    assert meta["step"] == 0.2 and meta["alphabet"] == ALPHABET and meta["decoder"]["lm_weight"] == 0.8
    json.dumps(meta)
    with pytest.raises(ValueError, match="unknown"):
        package_words(export, check, lexicon, {"params": {"lm_wieght": 0.8}}, WORD_PARAMS)
    with pytest.raises(ValueError, match="not verified"):
        package_words(export, {"shipped": False}, lexicon, {"params": {}}, WORD_PARAMS)
    # the words model and the lexicon are part of the version the page checks
    assert model_version({"a": b"1"}, None, package["files"]) != model_version({"a": b"1"})
