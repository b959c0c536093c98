"""The model folder's manifest (web/js/manifest.js in Python): which files make one model version.

``web/model/manifest.json`` is ``{"format": 1, "version": ..., "files": {name: {"sha256", "bytes"}}}``
with the logical names the page asks for (``metadata.json``, ``model.json``, the weight files the
topologies name). Each file lives at ``files/<sha256><suffix>``: addressed by its content, so it
never changes, and a reader that read one manifest gets one version whole. The manifest is the only
file replaced in place. Every check here gives the same verdict and message as the page's.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
REQUIRED = ("model.json",)
SUFFIXES = (".json", ".bin", ".txt")

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(ValueError):
    """A manifest that is not one, or a file that does not match it."""


def _quoted(name: str) -> str:
    return json.dumps(name, ensure_ascii=False)


def check_name(name: object) -> str:
    """A logical file name: a plain file name ending in .json, .bin or .txt (the lexicon)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or len(name) > 200:
        raise ManifestError(f"{MANIFEST}: bad file name {_quoted(str(name))}")
    if suffix(name) not in SUFFIXES:
        raise ManifestError(f"{MANIFEST}: {_quoted(name)} must end in .json, .bin or .txt")
    return name


def suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def _is_count(x: object) -> bool:
    # 5.0 counts as 5: JSON does not tell them apart, and the page cannot
    return (isinstance(x, (int, float)) and not isinstance(x, bool)
            and 0 <= x <= 2**53 - 1 and x == int(x))


def _no_constant(name: str):
    raise ValueError(name)  # NaN and Infinity are not JSON (the page's parser refuses them)


def parse_manifest(text: str | bytes) -> dict:
    """The manifest in ``text``, checked: ``{"format", "version", "files": {name: {"sha256",
    "bytes"}}}``; a ManifestError says what is wrong."""
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError):
        raise ManifestError(f"{MANIFEST} is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ManifestError(f"{MANIFEST} must be a JSON object")
    if raw.get("format") != FORMAT or isinstance(raw.get("format"), bool):
        raise ManifestError(f"{MANIFEST}: format must be {FORMAT} (this page reads no other)")
    version = raw.get("version")
    if not isinstance(version, str) or not version:
        raise ManifestError(f"{MANIFEST}: version must be a non-empty string")
    files = raw.get("files")
    if not isinstance(files, dict):
        raise ManifestError(f"{MANIFEST}: files must be an object")
    checked = {}
    for name, entry in files.items():
        check_name(name)
        if not isinstance(entry, dict):
            raise ManifestError(f"{MANIFEST}: {_quoted(name)} must be an object")
        digest = entry.get("sha256")
        if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
            raise ManifestError(f"{MANIFEST}: {_quoted(name)} needs a sha256 of 64 lowercase hex digits")
        if not _is_count(entry.get("bytes")):
            raise ManifestError(f"{MANIFEST}: {_quoted(name)} needs bytes, a whole number >= 0")
        checked[name] = {"sha256": digest, "bytes": int(entry["bytes"])}
    for name in REQUIRED:
        if name not in checked:
            raise ManifestError(f"{MANIFEST} names no {name}")
    return {"format": FORMAT, "version": version, "files": checked}


def file_path(manifest: dict, name: str) -> str:
    """Where logical file ``name`` lives, relative to the model folder: files/<sha256><suffix>."""
    entry = manifest["files"].get(name)
    if entry is None:
        raise ManifestError(f"{MANIFEST} names no {name}")
    return f"{FILES}/{entry['sha256']}{suffix(name)}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify_file(manifest: dict, name: str, data: bytes) -> bytes:
    """``data`` when it is file ``name`` of the manifest (its size and SHA-256), else a
    ManifestError naming the file."""
    entry = manifest["files"].get(name)
    where = f"{name} ({file_path(manifest, name)})"
    if len(data) != entry["bytes"]:
        raise ManifestError(f"{where}: {len(data)} bytes, the manifest says {entry['bytes']}")
    if sha256_hex(data) != entry["sha256"]:
        raise ManifestError(f"{where}: SHA-256 does not match the manifest (a damaged or mixed copy)")
    return data


def build_manifest(files: dict[str, bytes], version: str) -> dict:
    """The manifest of ``files`` ({logical name: bytes}) as model ``version``."""
    entries = {check_name(n): {"sha256": sha256_hex(b), "bytes": len(b)} for n, b in sorted(files.items())}
    return parse_manifest(json.dumps({"format": FORMAT, "version": version, "files": entries}))


def read_manifest(folder: Path) -> dict:
    return parse_manifest((Path(folder) / MANIFEST).read_bytes())


def read_model_file(folder: Path, name: str, manifest: dict | None = None) -> bytes:
    """Logical file ``name`` of the model folder, checked against its manifest."""
    manifest = manifest if manifest is not None else read_manifest(folder)
    path = Path(folder) / file_path(manifest, name)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ManifestError(f"{name} ({file_path(manifest, name)}) is missing") from None
    return verify_file(manifest, name, data)


def read_model_files(folder: Path) -> dict[str, bytes]:
    """``{logical name: bytes}`` of every file of the model folder, each checked."""
    manifest = read_manifest(folder)
    return {name: read_model_file(folder, name, manifest) for name in manifest["files"]}
