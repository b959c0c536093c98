"""Kedro project settings.

The config loader gets one custom resolver, ``env``, so that the catalog can take the EMNIST
directory from an environment variable (``${env:HANDWRITING_EMNIST_DIR,data/01_raw/emnist}``).
Every run ends with its headline figures (``hooks.HeadlineFigures``).

Kedro imports this module before any pipeline, so the known-harmless noise of a run is turned
off here, each by name; every other warning still shows.
"""

import logging
import os
import warnings

from kedro.config import OmegaConfigLoader

from handwriting.hooks import hooks

# TensorFlow's C++ start-up notes (CPU instructions it was not built for) are information; its
# warnings and errors still show. Must be set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
# Kedro 1.7 registers its resolvers with a call omegaconf 2.4 deprecates: nothing to do here.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated",
                        category=UserWarning, module=r"kedro\.config\.omegaconf_config")
# Each node loads its models afresh, so Keras traces a new predict function per model and input
# shape, and TensorFlow counts those as excessive retracing: a handful per run, no loop.
logging.getLogger("tensorflow").addFilter(
    lambda record: "triggered tf.function retracing" not in record.getMessage())


def _env(name: str, default: str | None = None) -> str | None:
    """Read an environment variable, with a default, for use inside catalog.yml."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


HOOKS = (hooks,)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"env": _env},
    # conf/local (or another env) may override single nested parameters, e.g. only
    # modelling.epochs, without restating the whole modelling block.
    "merge_strategy": {"parameters": "soft"},
}
