"""Load and convert TF.js LayersModels with tensorflowjs's Keras converter, without its optional
heavy dependencies.

tensorflowjs 4.22 imports every converter eagerly from its package ``__init__``; the SavedModel
and JAX converters need tensorflow_decision_forests, tensorflow_hub and jax, which pull a second
full TensorFlow into the environment. The Keras (LayersModel) path needs none of them, so inert
placeholder modules stand in for the missing ones while tensorflowjs is imported, and are taken
out of ``sys.modules`` again right after: other libraries (matplotlib, keras) probe
``sys.modules`` for jax and must not find a fake one. A placeholder raises a clear ImportError if
anything actually tries to use it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import tempfile
import types
import warnings
from pathlib import Path

import numpy as np

_OPTIONAL = ("tensorflow_decision_forests", "tensorflow_hub", "jax", "jax.experimental",
             "jax.experimental.jax2tf")


class _Missing(types.ModuleType):
    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        raise ImportError(
            f"{self.__name__} is not installed: handwriting only uses tensorflowjs's Keras converter"
        )


def _install_placeholders() -> list[str]:
    installed = []
    for name in _OPTIONAL:
        if name in sys.modules:
            continue
        root = name.split(".")[0]
        if root not in sys.modules and importlib.util.find_spec(root) is not None:
            continue  # the real package is installed: let it be imported normally
        module = _Missing(name)
        module.__path__ = []  # behave as a package so submodule imports resolve
        sys.modules[name] = module
        installed.append(name)
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)
    return installed


def converters():
    """Return ``(keras_h5_conversion, keras_tfjs_loader)`` from tensorflowjs."""
    placeholders = _install_placeholders()
    try:
        h5 = importlib.import_module("tensorflowjs.converters.keras_h5_conversion")
        loader = importlib.import_module("tensorflowjs.converters.keras_tfjs_loader")
    finally:
        for name in placeholders:
            sys.modules.pop(name, None)
    return h5, loader


def _unbuilt_metrics_note(record: logging.LogRecord) -> bool:
    return "compiled metrics have yet to be built" not in record.getMessage()


def save_tfjs(model, directory: str | Path, **converter_args) -> None:
    """Convert a tf_keras model to a TF.js LayersModel in ``directory`` (``converter_args``:
    tensorflowjs's ``quantization_dtype_map``, ``weight_shard_size_bytes``).

    The converter goes through a temporary HDF5 file (tensorflowjs 4.22 has no other route), on
    which tf_keras warns that HDF5 is legacy and, the model being built to predict and never
    compiled, that its compiled metrics are unbuilt. Both are about that scratch file, so both
    are silenced here, for this call only.
    """
    h5, _ = converters()
    tf_logger = logging.getLogger("tensorflow")
    tf_logger.addFilter(_unbuilt_metrics_note)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="You are saving your model as an HDF5 file",
                                    category=UserWarning)
            h5.save_keras_model(model, str(directory), **converter_args)
    finally:
        tf_logger.removeFilter(_unbuilt_metrics_note)


def load_tfjs(files: dict[str, bytes], model_file: str = "model.json"):
    """Load a TF.js LayersModel given as ``{filename: bytes}`` back into tf_keras."""
    _, loader = converters()
    with tempfile.TemporaryDirectory(prefix="tfjs-load-") as tmp:
        for name, content in files.items():
            (Path(tmp) / name).write_bytes(content)
        return loader.load_keras_model(str(Path(tmp) / model_file))


def as_model_input(model, x: np.ndarray) -> np.ndarray:
    """``x`` reshaped to what ``model`` takes (a pen path (N, points, 5) for an export that takes
    it as (N, points, 1, 5), see build_model's ``sequence_as_image``)."""
    return np.reshape(x, (len(x),) + tuple(model.input_shape[1:]))
