"""One network description, buildable in Keras 3 (training) and in tf_keras (TF.js export).

The architecture is data (a list of layer dicts from parameters_modelling.yml), so variants need
no code change, and the deployment can rebuild the identical network in tf_keras -- the only
Keras whose saved topology TF.js 4.22 loads -- and copy the trained weights across.

Layer dicts (``type`` plus options):
  conv        filters, kernel_size=3, batch_norm=false   (same padding, ReLU)
  max_pool    pool_size=2
  dropout     rate
  flatten
  global_avg_pool
  dense       units, batch_norm=false                     (ReLU)
  conv1d      filters, kernel_size=3, batch_norm=false   (1-D, for the stroke model's (points, 5)
              trajectories; same padding, ReLU)
  max_pool1d  pool_size=2
  global_pool1d                                           (average and max over the sequence,
                                                           concatenated)
A final Dense(num_classes, softmax) is always appended. Batch norm uses momentum 0.9 rather than
Keras's 0.99: with the few hundred steps of a quick subset run, 0.99 leaves the moving statistics
near their initial values and the model is at chance level in inference mode.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any


def _relu_block(L, x, spec: dict, tag: str, make):
    """``make(**kw)``'s layer with ReLU, or without bias + batch norm + ReLU (``batch_norm``)."""
    bn = spec.pop("batch_norm", False)
    x = make(use_bias=not bn, activation=None if bn else "relu", name=tag)(x)
    if bn:
        x = L.BatchNormalization(momentum=0.9, name=f"{tag}_bn")(x)
        x = L.Activation("relu", name=f"{tag}_relu")(x)
    return x


def build_model(layers: list[dict[str, Any]], num_classes: int, keras: ModuleType,
                input_shape: tuple[int, ...] = (28, 28, 1), name: str = "handwriting_cnn",
                input_name: str = "image", sequence_as_image: bool = False):
    """Build the network described by ``layers`` with the given Keras module.

    ``sequence_as_image`` builds the 1-D layers as the equivalent 2-D ones on a (length, 1, C)
    input: Conv2D with a (k, 1) kernel instead of Conv1D, and so on. It is the same function
    with the same weights (reshaped), and TF.js runs it as one fused conv + bias + ReLU per
    layer, where its Conv1D is several ops (reshape, conv2d, reshape, bias, activation).
    """
    L = keras.layers
    if sequence_as_image:
        length, channels = input_shape
        input_shape = (length, 1, channels)
    inputs = keras.Input(shape=tuple(input_shape), name=input_name)
    x = inputs
    for i, spec in enumerate(layers):
        spec = dict(spec)
        kind = spec.pop("type")
        tag = f"{kind}_{i}"
        if kind in ("conv", "conv1d"):
            k = spec.pop("kernel_size", 3)
            conv = L.Conv1D if kind == "conv1d" and not sequence_as_image else L.Conv2D
            size = (k, 1) if kind == "conv1d" and sequence_as_image else k
            x = _relu_block(L, x, spec, tag, lambda **kw: conv(
                spec.pop("filters"), size, padding="same", **kw))
        elif kind == "max_pool1d":
            size = spec.pop("pool_size", 2)
            x = (L.MaxPooling2D((size, 1), name=tag) if sequence_as_image
                 else L.MaxPooling1D(size, name=tag))(x)
        elif kind == "global_pool1d":
            avg, top = ((L.GlobalAveragePooling2D, L.GlobalMaxPooling2D) if sequence_as_image
                        else (L.GlobalAveragePooling1D, L.GlobalMaxPooling1D))
            x = L.Concatenate(name=tag)([avg(name=f"{tag}_avg")(x), top(name=f"{tag}_max")(x)])
        elif kind == "max_pool":
            x = L.MaxPooling2D(spec.pop("pool_size", 2), name=tag)(x)
        elif kind == "dropout":
            x = L.Dropout(spec.pop("rate"), name=tag)(x)
        elif kind == "flatten":
            x = L.Flatten(name=tag)(x)
        elif kind == "global_avg_pool":
            x = L.GlobalAveragePooling2D(name=tag)(x)
        elif kind == "dense":
            x = _relu_block(L, x, spec, tag, lambda **kw: L.Dense(spec.pop("units"), **kw))
        else:
            raise ValueError(f"unknown layer type {kind!r} in layer {i}")
        if spec:
            raise ValueError(f"layer {i} ({kind}): unknown options {sorted(spec)}")
    outputs = L.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
