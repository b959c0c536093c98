"""Kedro project settings.

The config loader gets one custom resolver, ``env``, so that the catalog can take the EMNIST
directory from an environment variable (``${env:HANDWRITING_EMNIST_DIR,data/01_raw/emnist}``).
"""

import os

from kedro.config import OmegaConfigLoader


def _env(name: str, default: str | None = None) -> str | None:
    """Read an environment variable, with a default, for use inside catalog.yml."""
    value = os.environ.get(name)
    return value if value not in (None, "") else default


CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "custom_resolvers": {"env": _env},
    # conf/local (or another env) may override single nested parameters, e.g. only
    # modelling.epochs, without restating the whole modelling block.
    "merge_strategy": {"parameters": "soft"},
}
