"""The web app's model folder (``web/model``) as a Kedro dataset, published in one atomic step.

The folder holds ``manifest.json`` (which files make this model version, each with its SHA-256:
see ``handwriting.page.manifest``) and ``files/<sha256><suffix>``, files addressed by their content
that never change. ``save`` writes the new files into a staging folder outside what a host copies
(same filesystem), moves them into ``files/``, then replaces ``manifest.json`` with one rename: a
reader sees the previous version or the new one, whole. Files named by neither the new manifest
nor the previous one are then pruned, so a page midway through loading the previous version still
finishes. ``load`` returns ``{logical name: bytes}``, each file checked against the manifest.

What an interrupted save left (staging files, the old flat layout's files, ``.model.new-*`` /
``.model.old-*`` folders beside the folder from the older swap-by-rename code) is removed, with a
warning, by the next save.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from handwriting.page.manifest import (
    FILES,
    MANIFEST,
    ManifestError,
    build_manifest,
    check_name,
    file_path,
    parse_manifest,
    read_model_files,
    sha256_hex,
)

logger = logging.getLogger(__name__)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(path, 0o644)


def _sync_dir(path: Path) -> None:
    """Make the renames into ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _version(data: dict[str, bytes]) -> str:
    """metadata.json's model_version; without one, a digest of the files."""
    try:
        version = json.loads(data["metadata.json"]).get("model_version")
    except (KeyError, ValueError, AttributeError):
        version = None
    if isinstance(version, str) and version:
        return version
    return build_manifest(data, "-")["files"]["model.json"]["sha256"][:16]


class StaticModelDirectory(AbstractDataset[dict[str, bytes], dict[str, bytes]]):
    """A model folder (manifest + content-addressed files) published all at once or not at all.

    ``staging``: where new files are written before they are moved in; it must be on the same
    filesystem as ``path`` and outside the folder a host copies (default: ``.<name>.staging``
    beside ``path``, removed after each save).
    """

    def __init__(self, path: str, staging: str | None = None,
                 metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self._staging = (Path(staging) if staging else
                         self._path.parent / f".{self._path.name}.staging")
        self.metadata = metadata

    # ---- load -----------------------------------------------------------------------------------

    def load(self) -> dict[str, bytes]:
        if not (self._path / MANIFEST).is_file():
            raise DatasetError(
                f"no model in {self._path}: {MANIFEST} is missing. Run `kedro run` "
                "(or `kedro run --pipeline deployment` after training) to create it.")
        try:
            return read_model_files(self._path)
        except ManifestError as err:
            raise DatasetError(f"{self._path}: {err}") from None

    # ---- save -----------------------------------------------------------------------------------

    def save(self, data: dict[str, bytes]) -> None:
        if "model.json" not in data:
            raise DatasetError("refusing to write a model folder without model.json")
        for name in data:
            try:
                check_name(name)
            except ManifestError:
                raise DatasetError(f"bad file name for {self._path}: {name!r}") from None
        manifest = build_manifest(data, _version(data))
        files = self._path / FILES
        self._restore_retired()
        self._clear_staging()
        files.mkdir(parents=True, exist_ok=True)
        self._staging.mkdir(parents=True, exist_ok=True)
        previous = self._previous_manifest()
        for name, content in data.items():
            target = self._path / file_path(manifest, name)
            if target.is_file() and sha256_hex(target.read_bytes()) == target.name[:64]:
                continue  # already there (a damaged copy is written again)
            staged = self._staging / target.name
            _write_synced(staged, content)
            self._move(staged, target)
        _sync_dir(files)
        staged = self._staging / MANIFEST
        _write_synced(staged, (json.dumps(manifest, indent=1) + "\n").encode())
        self._move(staged, self._path / MANIFEST)  # the one step readers see
        _sync_dir(self._path)
        self._prune(manifest, previous)
        self._clear_staging()
        logger.info("published model version %s (%d files) to %s",
                    manifest["version"], len(data), self._path)

    def _move(self, src: Path, dst: Path) -> None:
        try:
            os.replace(src, dst)
        except OSError as err:
            if err.errno != errno.EXDEV:
                raise
            # staging on another filesystem: copy beside the target, then rename there
            part = dst.with_name(f".{dst.name}.part")
            shutil.copyfile(src, part)
            with open(part, "rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(part, 0o644)
            os.replace(part, dst)
            src.unlink()

    def _previous_manifest(self) -> dict | None:
        try:
            return parse_manifest((self._path / MANIFEST).read_bytes())
        except FileNotFoundError:
            return None
        except ManifestError as err:
            logger.warning("ignoring the unreadable %s in %s: %s", MANIFEST, self._path, err)
            return None

    def _prune(self, manifest: dict, previous: dict | None) -> None:
        """Remove what neither the new manifest nor the previous one names: older versions' files,
        the old flat layout's files, half-copied ``.part`` files."""
        keep = {file_path(m, n) for m in (manifest, previous) if m for n in m["files"]}
        for entry in sorted((self._path / FILES).iterdir()):
            if f"{FILES}/{entry.name}" in keep:
                continue
            if entry.name.startswith("."):
                logger.warning("removing %s, left by an interrupted save of %s", entry, self._path)
            self._remove(entry)
        for entry in sorted(self._path.iterdir()):
            if entry.name not in (MANIFEST, FILES):
                logger.warning("removing %s: not part of the published model (an older layout "
                               "or an interrupted save)", entry)
                self._remove(entry)

    @staticmethod
    def _remove(entry: Path) -> None:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()

    def _clear_staging(self) -> None:
        if not self._staging.exists():
            return
        for entry in sorted(self._staging.iterdir()):
            logger.warning("removing %s, left by an interrupted save of %s", entry, self._path)
            self._remove(entry)
        self._staging.rmdir()

    def _restore_retired(self) -> None:
        """The older swap-by-rename code left ``.<name>.new-*`` / ``.<name>.old-*`` folders beside
        the model folder (inside what a host copies) when interrupted: remove them, putting a
        retired model back first when its folder is gone, so it stays the fallback."""
        parent, name = self._path.parent, self._path.name
        if not parent.is_dir():
            return
        retired = sorted(parent.glob(f".{name}.old-*"))
        if retired and not self._path.exists():
            logger.warning("%s was missing after an interrupted save: putting back %s",
                           self._path, retired[-1].name)
            os.rename(retired.pop(), self._path)
        for leftover in retired + sorted(parent.glob(f".{name}.new-*")):
            logger.warning("removing %s, left by an interrupted save of %s", leftover, self._path)
            shutil.rmtree(leftover)

    def _exists(self) -> bool:
        return (self._path / MANIFEST).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "staging": str(self._staging)}
