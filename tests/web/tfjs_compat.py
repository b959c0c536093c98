"""Import ``tensorflowjs`` without its optional heavy dependencies.

tensorflowjs 4.22 imports tensorflow_decision_forests, tensorflow_hub and jax at package import
time, although converting / loading a Keras LayersModel needs none of them. They are installed
``--no-deps`` here, so missing ones are replaced by empty stand-in modules before the import.
"""

from __future__ import annotations

import importlib.util
import sys
import types


def import_tensorflowjs():
    for name in ("tensorflow_decision_forests", "tensorflow_hub"):
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            sys.modules[name] = types.ModuleType(name)
    jax_mod = "tensorflowjs.converters.jax_conversion"
    if jax_mod not in sys.modules and importlib.util.find_spec("jax") is None:
        # Stubbing jax itself would make keras believe jax is installed; stub the converter.
        m = types.ModuleType(jax_mod)

        def convert_jax(*args, **kwargs):
            raise ImportError("jax is not installed")

        m.convert_jax = convert_jax
        sys.modules[jax_mod] = m
    import tensorflowjs

    return tensorflowjs
