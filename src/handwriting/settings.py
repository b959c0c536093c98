"""Kedro project settings.

The config loader gets one custom resolver, ``user_path``, so that the catalog can take the
EMNIST directory and the UNIPEN file from environment variables
(``${user_path:HANDWRITING_EMNIST_DIR,data/01_raw/emnist}``).
Every run checks its parameters before the first node (``hooks.ParameterCheck``), ends with
its headline figures (``hooks.HeadlineFigures``) and records its raw files' sha256 in its MLflow
run (``hooks.DataIdentity``; kedro-mlflow's own hook, registered by the plugin, starts the run).

Kedro imports this module before any pipeline, so the known-harmless noise of a run is turned
off here, each by name; every other warning still shows.
"""

import logging
import os
import warnings
from pathlib import Path

from kedro.config import OmegaConfigLoader

from handwriting.hooks import data_identity, hooks, parameter_check

# TensorFlow's C++ start-up notes (CPU instructions it was not built for) are information; its
# warnings and errors still show. Must be set before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
# Kedro 1.7 registers its resolvers with a call omegaconf 2.4 deprecates: nothing to do here;
# kedro-mlflow registers its resolver the same way.
for _module in (r"kedro\.config\.omegaconf_config", r"kedro_mlflow\.framework\.hooks\.mlflow_hook"):
    warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated",
                            category=UserWarning, module=_module)
# Each node loads its models afresh, so Keras traces a new predict function per model and input
# shape, and TensorFlow counts those as excessive retracing: a handful per run, no loop.
logging.getLogger("tensorflow").addFilter(
    lambda record: "triggered tf.function retracing" not in record.getMessage())


def _user_path(name: str, default: str | None = None) -> str | None:
    """The path environment variable ``name`` names, else ``default``, for catalog.yml.

    A path the user names must exist: a typo fails here, when the configuration is read and
    before any node runs, not later as a fresh download into a new folder or a run that quietly
    goes without pen data. (The default may be missing: the pipeline downloads EMNIST there.)
    """
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if not Path(value).exists():
        raise ValueError(f"{name} is set to {value!r}, which does not exist (from "
                         f"{Path.cwd()}); point it at your copy, or unset it to use {default}")
    return value


HOOKS = (parameter_check, hooks, data_identity)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"user_path": _user_path},
    # conf/local (or another env) may override single nested parameters, e.g. only
    # modelling.epochs, without restating the whole modelling block.
    "merge_strategy": {"parameters": "soft"},
}
