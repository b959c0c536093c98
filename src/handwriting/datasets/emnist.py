"""Kedro datasets over the official EMNIST files: one split's images and labels, the mapping.

Why datasets and not node code: nodes stay pure (arrays in, arrays out) while the catalog owns
where the files live (``HANDWRITING_EMNIST_DIR``) and whether they may be downloaded. When the
files are present, loading never touches the network.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from handwriting.datasets.download import (
    OFFICIAL_MD5,
    OFFICIAL_URL,
    DownloadError,
    check_variant,
    download_emnist,
    mapping_filename,
    split_filenames,
)
from handwriting.datasets.idx import IDXFormatError, read_idx_images, read_idx_labels

logger = logging.getLogger(__name__)

ENV_VAR = "HANDWRITING_EMNIST_DIR"


class EMNISTFilesMissingError(DatasetError, FileNotFoundError):
    """The EMNIST files are not in the folder and downloading is switched off."""


class _EMNISTFiles:
    """Shared logic: locate a variant's files, download them when allowed."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        variant: str,
        download: bool,
        url: str,
        md5: str | None,
        expected_counts: Mapping[str, int] | None,
    ) -> None:
        self._directory = Path(directory)
        self._variant = check_variant(variant)
        self._download = bool(download)
        self._url = url
        self._md5 = md5
        self._expected_counts = dict(expected_counts) if expected_counts is not None else None

    def _ensure(self, names: list[str]) -> list[Path]:
        paths = [self._directory / name for name in names]
        missing = [p for p in paths if not p.is_file()]
        if not missing:
            return paths
        if not self._download:
            raise EMNISTFilesMissingError(
                f"EMNIST {self._variant} file(s) missing from {self._directory.resolve()}: "
                f"{', '.join(p.name for p in missing)}. Point {ENV_VAR} at a folder holding the "
                f"official gzip files (e.g. `{ENV_VAR}=/path/to/emnist kedro run`), or set "
                f"`download: true` on this catalog entry to fetch {self._url}."
            )
        logger.info(
            "EMNIST %s file(s) missing from %s (%s); downloading",
            self._variant,
            self._directory,
            ", ".join(p.name for p in missing),
        )
        try:
            download_emnist(
                self._directory,
                self._variant,
                url=self._url,
                md5=self._md5,
                expected_counts=self._expected_counts,
            )
        except DownloadError as exc:
            raise DownloadError(
                f"{exc}\nIf you have the EMNIST files locally, point {ENV_VAR} at their folder."
            ) from exc
        return paths

    def _base_description(self) -> dict[str, Any]:
        return {
            "directory": str(self._directory),
            "variant": self._variant,
            "download": self._download,
            "url": self._url,
        }


class EMNISTSplitDataset(_EMNISTFiles, AbstractDataset[None, dict[str, np.ndarray]]):
    """One split (train or test) of an EMNIST variant, as stored: uint8 images (N,28,28), labels (N,).

    Images keep the official (transposed) orientation; preprocessing fixes it.
    ``expected_counts`` only applies to files this dataset downloads (default: official counts).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        split: str,
        variant: str = "byclass",
        download: bool = True,
        url: str = OFFICIAL_URL,
        md5: str | None = OFFICIAL_MD5,
        expected_counts: Mapping[str, int] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(directory, variant, download, url, md5, expected_counts)
        self._split = split
        self._names = list(split_filenames(self._variant, split))
        self.metadata = metadata

    def load(self) -> dict[str, np.ndarray]:
        images_path, labels_path = self._ensure(self._names)
        images = read_idx_images(images_path)
        labels = read_idx_labels(labels_path)
        if images.shape[0] != labels.shape[0]:
            raise IDXFormatError(
                images_path,
                f"holds {images.shape[0]} images but {labels_path} holds {labels.shape[0]} "
                f"labels; the two files of a split must have the same count",
            )
        logger.info("Loaded EMNIST %s %s: %d images", self._variant, self._split, images.shape[0])
        return {"images": images, "labels": labels}

    def save(self, data: Any) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: the EMNIST files are inputs")

    def _exists(self) -> bool:
        return all((self._directory / name).is_file() for name in self._names)

    def _describe(self) -> dict[str, Any]:
        return {**self._base_description(), "split": self._split}


class EMNISTMappingDataset(_EMNISTFiles, AbstractDataset[None, list[str]]):
    """The variant's label mapping (``label ascii_code`` per line) as characters in label order."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        variant: str = "byclass",
        download: bool = True,
        url: str = OFFICIAL_URL,
        md5: str | None = OFFICIAL_MD5,
        expected_counts: Mapping[str, int] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(directory, variant, download, url, md5, expected_counts)
        self._name = mapping_filename(self._variant)
        self.metadata = metadata

    def load(self) -> list[str]:
        (path,) = self._ensure([self._name])
        return parse_mapping(path)

    def save(self, data: Any) -> None:
        raise DatasetError(f"{type(self).__name__} is read-only: the EMNIST files are inputs")

    def _exists(self) -> bool:
        return (self._directory / self._name).is_file()

    def _describe(self) -> dict[str, Any]:
        return self._base_description()


class MappingFormatError(ValueError):
    """A mapping file that is not ``label ascii_code`` lines with labels 0..N-1."""


def parse_mapping(path: str | os.PathLike[str]) -> list[str]:
    """Read ``label ascii_code`` lines into characters indexed by label; strict on format."""
    path = Path(path)
    chars: dict[int, str] = {}
    try:
        text = path.read_text(encoding="ascii", errors="strict")
    except UnicodeDecodeError as exc:
        raise MappingFormatError(f"{path}: not an ASCII text file ({exc})") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) != 2:
                raise ValueError
            label, code = int(fields[0]), int(fields[1])
            char = chr(code)
        except (ValueError, OverflowError):
            raise MappingFormatError(
                f"{path}, line {number}: expected 'label ascii_code' (two integers), got {line!r}"
            ) from None
        if label in chars:
            raise MappingFormatError(f"{path}, line {number}: label {label} appears twice")
        chars[label] = char
    if not chars:
        raise MappingFormatError(f"{path}: no mapping lines")
    if sorted(chars) != list(range(len(chars))):
        gaps = sorted(set(range(max(max(chars) + 1, len(chars)))) - set(chars))
        raise MappingFormatError(
            f"{path}: labels must be 0..{len(chars) - 1} without gaps; "
            f"missing {gaps[:10]}{'...' if len(gaps) > 10 else ''}, "
            f"found labels {min(chars)}..{max(chars)}"
        )
    return [chars[label] for label in range(len(chars))]
