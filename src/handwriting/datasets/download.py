"""Download the official EMNIST release and keep only one variant's files.

Why so careful: the archive is ~536 MB behind a slow server. A download that dies half way
must resume (HTTP Range on a ``.part`` file), a corrupt one must never be mistaken for data
(md5 + ``zipfile.testzip`` + IDX magic numbers + official counts), and nothing half-written may
ever sit under a final file name (every file is written to a temporary name, then
``os.replace``d). Only the standard library (urllib) and tqdm are used.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import logging
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

from tqdm.auto import tqdm

from handwriting.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, IDXFormatError, read_idx_header

logger = logging.getLogger(__name__)

OFFICIAL_URL = "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip"
# md5 of gzip.zip as pinned by torchvision: pytorch/vision, torchvision/datasets/mnist.py,
# class EMNIST, ``md5 = "58c8d27c78d21e728a6bc7b3cc06412e"`` (the same archive is served at
# www.itl.nist.gov/iaui/vip/cs_links/EMNIST/gzip.zip, the URL torchvision used earlier).
OFFICIAL_MD5 = "58c8d27c78d21e728a6bc7b3cc06412e"

VARIANTS = ("byclass", "bymerge", "balanced", "letters", "digits", "mnist")
SPLITS = ("train", "test")
# Image counts of the official release (Cohen et al. 2017, "EMNIST: an extension of MNIST to
# handwritten letters", table II). Checked after a download, never on user-supplied folders.
OFFICIAL_COUNTS: dict[str, dict[str, int]] = {
    "byclass": {"train": 697_932, "test": 116_323},
    "bymerge": {"train": 697_932, "test": 116_323},
    "balanced": {"train": 112_800, "test": 18_800},
    "letters": {"train": 124_800, "test": 20_800},
    "digits": {"train": 240_000, "test": 40_000},
    "mnist": {"train": 60_000, "test": 10_000},
}

_CHUNK = 1 << 20
_UMASK = os.umask(0)
os.umask(_UMASK)
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class DownloadError(RuntimeError):
    """The archive could not be fetched or did not verify; the message says what to do."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the published checksum."""


# ---- file names ----------------------------------------------------------------------------


def check_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise ValueError(f"Unknown EMNIST variant {variant!r}; expected one of {VARIANTS}")
    return variant


def split_filenames(variant: str, split: str) -> tuple[str, str]:
    """Official (images, labels) file names of one split."""
    check_variant(variant)
    if split not in SPLITS:
        raise ValueError(f"Unknown EMNIST split {split!r}; expected one of {SPLITS}")
    prefix = f"emnist-{variant}-{split}"
    return f"{prefix}-images-idx3-ubyte.gz", f"{prefix}-labels-idx1-ubyte.gz"


def mapping_filename(variant: str) -> str:
    return f"emnist-{check_variant(variant)}-mapping.txt"


def variant_filenames(variant: str) -> list[str]:
    """The five files a variant needs: 2 splits x (images, labels) + the label mapping."""
    names = [name for split in SPLITS for name in split_filenames(variant, split)]
    return [*names, mapping_filename(variant)]


# ---- atomic writes ---------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_writer(dest: Path) -> Iterator[BinaryIO]:
    """Write to a temporary file beside ``dest``; fsync and rename on success, delete on error."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable; not supported everywhere, so best effort."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---- download ------------------------------------------------------------------------------


def file_md5(path: Path, chunk_size: int = _CHUNK) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _fetch_once(url: str, part: Path, timeout: float, progress: bool) -> None:
    """One HTTP request that appends to ``part`` (resuming) or rewrites it (server ignored Range).

    Raises ``_Incomplete`` when the connection ends early, so the caller can resume.
    """
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "handwriting-emnist/1.0"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (https/http URL)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:
            # The range starts at or past the end: either the .part is already complete, or it
            # is longer than the file (stale). Content-Range "bytes */total" tells which.
            total = _total_from_content_range(exc.headers.get("Content-Range"))
            exc.close()
            if total == offset:
                logger.info("%s is already complete (%d bytes)", part, offset)
                return
            logger.warning("Discarding %s: server rejected resuming at byte %d", part, offset)
            part.unlink()
            raise _Incomplete("stale partial download discarded") from exc
        raise
    with response:
        status = response.status
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header is not None else None
        if offset and status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                raise DownloadError(
                    f"{url}: server answered a Range request for byte {offset} with "
                    f"Content-Range {response.headers.get('Content-Range')!r}"
                )
            mode, start = "ab", offset
            logger.info("Resuming %s at byte %d", part.name, offset)
        else:
            if offset:
                logger.warning(
                    "Server ignored the Range request (HTTP %d); restarting %s from zero",
                    status,
                    part.name,
                )
            mode, start = "wb", 0
        total = start + length if length is not None else None
        received = 0
        with (
            part.open(mode) as f,
            tqdm(
                total=total,
                initial=start,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                desc=part.name.removesuffix(".part"),
                disable=not progress,
                leave=False,
            ) as bar,
        ):
            try:
                while chunk := response.read(_CHUNK):
                    f.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
            except (http.client.IncompleteRead, ConnectionError, TimeoutError, OSError) as exc:
                f.flush()
                os.fsync(f.fileno())
                raise _Incomplete(
                    f"connection lost after {start + received} bytes: {exc}", received
                ) from exc
            f.flush()
            os.fsync(f.fileno())
        if length is not None and received < length:
            raise _Incomplete(
                f"connection closed after {start + received} of {total} bytes", received
            )


class _Incomplete(Exception):
    """The transfer stopped early; the .part file holds what arrived and can be resumed."""

    def __init__(self, message: str, received: int = 0) -> None:
        super().__init__(message)
        self.received = received


def _total_from_content_range(value: str | None) -> int | None:
    if not value:
        return None
    match = re.search(r"/(\d+)\s*$", value)
    return int(match.group(1)) if match else None


def download_file(
    url: str,
    dest: str | os.PathLike[str],
    md5: str | None = None,
    *,
    retries: int = 3,
    timeout: float = 30.0,
    backoff: float = 1.0,
    progress: bool = True,
) -> Path:
    """Fetch ``url`` to ``dest``: resumable via ``dest.part``, checked, then renamed into place.

    An interrupted transfer is resumed from the ``.part`` file, here or in a later run.
    ``retries`` bounds consecutive attempts that bring no new bytes (a flaky but progressing
    connection keeps going; an unreachable server fails after ``retries + 1`` tries).
    A checksum mismatch deletes the ``.part`` file and raises ``ChecksumError``.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = _part_path(dest)
    failures = 0
    while True:
        try:
            _fetch_once(url, part, timeout, progress)
            break
        except (_Incomplete, urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                raise DownloadError(f"Downloading {url} failed: HTTP {exc.code} {exc.reason}") from exc
            failures = 0 if getattr(exc, "received", 0) else failures + 1
            if failures > retries:
                kept = f" What arrived is kept in {part}; running again resumes from there." if part.exists() else ""
                raise DownloadError(f"Downloading {url} failed ({exc}).{kept}") from exc
            logger.warning("Download of %s interrupted (%s); retrying", url, exc)
            if failures:
                time.sleep(backoff * 2 ** (failures - 1))
    if md5:
        actual = file_md5(part)
        if actual.lower() != md5.lower():
            part.unlink(missing_ok=True)
            raise ChecksumError(
                f"{url}: md5 of the downloaded file is {actual}, expected {md5}. The partial "
                f"file was deleted; run again to download afresh."
            )
        logger.info("md5 of %s verified (%s)", dest.name, actual)
    with part.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(part, dest)
    _fsync_dir(dest.parent)
    return dest


# ---- archive -------------------------------------------------------------------------------


def verify_zip(path: Path) -> None:
    """Check the zip's structure and every member's CRC."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise DownloadError(f"{path} is not a readable zip archive: {exc}") from exc
    if bad is not None:
        raise DownloadError(f"{path}: member {bad!r} fails its CRC check (corrupt archive)")


def _members_by_name(zf: zipfile.ZipFile, names: Sequence[str]) -> dict[str, zipfile.ZipInfo]:
    """Find each wanted file; the official archive keeps them under ``gzip/``."""
    found: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        base = info.filename.rsplit("/", 1)[-1]
        if base in names and not info.is_dir():
            if base not in found or info.filename == f"gzip/{base}":
                found[base] = info
    return found


def extract_files(zip_path: Path, names: Sequence[str], directory: Path) -> list[Path]:
    """Extract only ``names`` (by base name) into ``directory``, each atomically."""
    with zipfile.ZipFile(zip_path) as zf:
        members = _members_by_name(zf, names)
        missing = [name for name in names if name not in members]
        if missing:
            raise DownloadError(f"{zip_path} lacks {', '.join(missing)}")
        written = []
        for name in names:
            dest = directory / name
            with zf.open(members[name]) as src, atomic_writer(dest) as out:
                shutil.copyfileobj(src, out, _CHUNK)
            written.append(dest)
            logger.info("Extracted %s", dest)
    return written


def verify_idx_files(
    directory: Path,
    variant: str,
    names: Sequence[str],
    expected_counts: Mapping[str, int] | None,
) -> None:
    """Check magic numbers (and counts, when given) of the IDX files among ``names``."""
    problems = []
    for split in SPLITS:
        for name, magic in zip(split_filenames(variant, split), (IMAGES_MAGIC, LABELS_MAGIC)):
            if name not in names:
                continue
            try:
                header = read_idx_header(directory / name, magic)
            except IDXFormatError as exc:
                problems.append(str(exc))
                continue
            if expected_counts is not None and split in expected_counts:
                if header.count != expected_counts[split]:
                    problems.append(
                        f"{directory / name}: holds {header.count} items, the official "
                        f"{variant} {split} split has {expected_counts[split]}"
                    )
    if problems:
        raise DownloadError("Downloaded EMNIST files failed verification:\n  " + "\n  ".join(problems))


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Serialise downloads into one folder (e.g. train and test datasets under ParallelRunner)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    # Locking the directory itself (Linux allows flock on a directory) leaves no lock file.
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def download_emnist(
    directory: str | os.PathLike[str],
    variant: str = "byclass",
    *,
    url: str = OFFICIAL_URL,
    md5: str | None = OFFICIAL_MD5,
    expected_counts: Mapping[str, int] | None = None,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 30.0,
) -> list[Path]:
    """Make sure ``directory`` holds the variant's 5 files, downloading the release if not.

    Files already there are left alone (no network when all are present). Otherwise the whole
    archive is fetched, verified (md5, zip CRCs), only the missing files of ``variant`` are
    extracted, their magic numbers and counts checked (``expected_counts`` defaults to the
    official counts), and the archive is deleted.
    """
    check_variant(variant)
    directory = Path(directory)
    counts = OFFICIAL_COUNTS[variant] if expected_counts is None else expected_counts
    directory.mkdir(parents=True, exist_ok=True)
    wanted = variant_filenames(variant)
    with _directory_lock(directory):
        missing = [name for name in wanted if not (directory / name).is_file()]
        if not missing:
            return [directory / name for name in wanted]
        archive = directory / f"emnist-{url.rstrip('/').rsplit('/', 1)[-1] or 'gzip.zip'}"
        if archive.exists() and md5 and file_md5(archive) != md5.lower():
            logger.warning("Discarding %s left by an earlier run: wrong md5", archive)
            archive.unlink()
        if not archive.exists():
            logger.info("Downloading the EMNIST release from %s into %s", url, directory)
            download_file(url, archive, md5, retries=retries, timeout=timeout, progress=progress)
        try:
            verify_zip(archive)
        except DownloadError:
            archive.unlink(missing_ok=True)
            raise
        extracted = extract_files(archive, missing, directory)
        try:
            verify_idx_files(directory, variant, missing, counts)
        except DownloadError:
            for path in extracted:
                path.unlink(missing_ok=True)
            raise
        archive.unlink()
        logger.info("EMNIST %s ready in %s (archive deleted)", variant, directory)
    return [directory / name for name in wanted]
