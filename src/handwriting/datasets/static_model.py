"""The web app's model folder (``web/model``) as a Kedro dataset, replaced atomically.

``save`` writes every file into a sibling temporary folder, then swaps folders with renames, so
a page being served (or a failed run) never sees a half-written model: readers get the old
folder or the new one, whole. ``load`` returns ``{filename: bytes}``. What an interrupted save
left beside the folder (a process killed between the renames) is cleared, with a warning, by the
next save: a previous model left without its folder is put back first, so it stays the fallback.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

logger = logging.getLogger(__name__)


class StaticModelDirectory(AbstractDataset[dict[str, bytes], dict[str, bytes]]):
    """A folder of static files, written all at once or not at all."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> dict[str, bytes]:
        if not (self._path / "model.json").is_file():
            raise DatasetError(
                f"no model in {self._path}: model.json is missing. Run `kedro run` "
                "(or `kedro run --pipeline deployment` after training) to create it.")
        return {p.name: p.read_bytes() for p in sorted(self._path.iterdir()) if p.is_file()}

    def save(self, data: dict[str, bytes]) -> None:
        if "model.json" not in data:
            raise DatasetError("refusing to write a model folder without model.json")
        for name in data:
            if Path(name).name != name or name.startswith("."):
                raise DatasetError(f"bad file name for {self._path}: {name!r}")
        parent = self._path.parent
        parent.mkdir(parents=True, exist_ok=True)
        self._clear_leftovers()
        staging = Path(tempfile.mkdtemp(prefix=f".{self._path.name}.new-", dir=parent))
        try:
            for name, content in data.items():
                with open(staging / name, "wb") as fh:
                    fh.write(content)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(staging, 0o755)
            self._swap_in(staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("wrote %d files to %s", len(data), self._path)

    def _clear_leftovers(self) -> None:
        """Remove the staging and retired folders an interrupted save left (they would be copied
        to the host with the rest of ``web/``); a retired model whose folder is gone goes back."""
        parent, name = self._path.parent, self._path.name
        retired = sorted(parent.glob(f".{name}.old-*"))
        if retired and not self._path.exists():
            logger.warning("%s was missing after an interrupted save: putting back %s",
                           self._path, retired[-1].name)
            os.rename(retired.pop(), self._path)
        for leftover in retired + sorted(parent.glob(f".{name}.new-*")):
            logger.warning("removing %s, left by an interrupted save of %s", leftover, self._path)
            shutil.rmtree(leftover)

    def _swap_in(self, staging: Path) -> None:
        if not self._path.exists():
            os.rename(staging, self._path)
            return
        retired = Path(tempfile.mkdtemp(prefix=f".{self._path.name}.old-", dir=self._path.parent))
        os.rmdir(retired)
        os.rename(self._path, retired)
        try:
            os.rename(staging, self._path)
        except BaseException:
            os.rename(retired, self._path)  # put the previous model back
            raise
        shutil.rmtree(retired, ignore_errors=True)

    def _exists(self) -> bool:
        return (self._path / "model.json").is_file()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
