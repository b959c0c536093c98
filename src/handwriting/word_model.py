"""The words model: a 1-D convolutional network over a pen line (handwriting.page.penline) that
gives, for every other point, probabilities over the text decoder's characters and the CTC blank
(handwriting.page.textdecoder: ALPHABET + blank).

Convolutions only, no recurrent layers: every layer runs once over the whole line, so the page
reads a ten-word line in a handful of TF.js operations, and it trains fast on CPUs. Context
comes from dilated residual blocks: with kernel 5 and dilations 1, 2, 4, 1, 2, 4 a frame sees
about 60 points of the line around it (a few characters either side).

Shared by the modelling pipeline (training) and the deployment pipeline (the tf_keras twin it
converts for the page), so both build the same layers from the same parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handwriting.page.penline import FEATURES
from handwriting.page.textdecoder import ALPHABET, BLANK
from handwriting.page.wordreader import STRIDE, frames  # the page's spec: points per frame

CLASSES = len(ALPHABET) + 1
"""The model's outputs per frame: the alphabet, then the CTC blank."""


def build_word_model(params: dict, keras, name: str = "word_model"):
    """The Keras model: ``(batch, points, 4)`` pen lines -> ``(batch, frames, CLASSES)``
    probabilities. Layer names are fixed so that weights carry over to the export's twin."""
    layers = keras.layers
    width, kernel = int(params["width"]), int(params["kernel_size"])
    inputs = keras.Input((None, FEATURES), name="penline")
    x = layers.Conv1D(width // 2, kernel, padding="same", activation="relu", name="stem")(inputs)
    x = layers.Conv1D(width, kernel, strides=STRIDE, padding="same", name="reduce")(x)
    x = layers.LayerNormalization(name="reduce_norm")(x)
    x = layers.ReLU(name="reduce_relu")(x)
    for i, dilation in enumerate(params["dilations"]):
        y = layers.Conv1D(width, kernel, dilation_rate=int(dilation), padding="same",
                          name=f"block{i}_conv")(x)
        y = layers.LayerNormalization(name=f"block{i}_norm")(y)
        y = layers.ReLU(name=f"block{i}_relu")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    x = layers.Dropout(float(params.get("dropout", 0.0)), name="dropout")(x)
    logits = layers.Dense(CLASSES, name="logits")(x)
    probs = layers.Softmax(name="probabilities")(logits)
    return keras.Model(inputs, probs, name=name)


def logits_of(model, keras):
    """The same layers, ending before the softmax (what the CTC loss takes)."""
    return keras.Model(model.inputs, model.get_layer("logits").output)


def encode_texts(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Labels as class indices, padded with the blank: ``(int32 (n, longest), int32 lengths)``."""
    longest = max((len(t) for t in texts), default=0)
    out = np.full((len(texts), max(longest, 1)), BLANK, dtype=np.int32)
    lengths = np.zeros(len(texts), dtype=np.int32)
    for i, text in enumerate(texts):
        codes = [ALPHABET.index(c) for c in text]
        out[i, :len(codes)] = codes
        lengths[i] = len(codes)
    return out, lengths


def readable(text: str) -> bool:
    """Whether the model can write ``text``: only the alphabet's characters, and at least one."""
    return bool(text) and all(c in ALPHABET for c in text)
