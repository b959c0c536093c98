"""The model folder's manifest, twice: web/js/manifest.js against handwriting.page.manifest, in
Node: the same manifests (valid and broken) get the same verdicts and messages, the same paths, and
the same bytes pass or fail; the page's plain-JavaScript SHA-256 equals hashlib's."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from test_trajectory_parity import run

from handwriting.page.manifest import ManifestError, file_path, parse_manifest, verify_file

pytestmark = [pytest.mark.web]

SCRIPT = """
import { parseManifest, filePath, verifyFile, sha256Hex, sha256Fallback } from %s;
let data = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) data += chunk;
const { texts, checks, blobs } = JSON.parse(data);
const verdict = async (f) => { try { return { ok: await f() }; } catch (e) { return { error: e.message, name: e.name }; } };
const parsed = [];
for (const t of texts) parsed.push(await verdict(() => { const m = parseManifest(t); return { m, paths: Object.keys(m.files).map((n) => filePath(m, n)) }; }));
const verified = [];
for (const c of checks) {
  const bytes = Uint8Array.from(Buffer.from(c.hex, 'hex'));
  verified.push(await verdict(async () => { await verifyFile(parseManifest(c.manifest), c.name, bytes, sha256Fallback); return 'ok'; }));
}
const digests = [];
for (const hex of blobs) {
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
  digests.push([sha256Fallback(bytes), await sha256Hex(bytes)]);
}
process.stdout.write(JSON.stringify({ parsed, verified, digests }));
"""

D = hashlib.sha256(b"{}").hexdigest()
W = hashlib.sha256(b"\x00\x01").hexdigest()
GOOD = {"format": 1, "version": "abc", "files": {"model.json": {"sha256": D, "bytes": 2},
                                                 "weights.x.bin": {"sha256": W, "bytes": 2}}}


def _with(**changes) -> str:
    m = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        if key.startswith("file_"):
            m["files"][key[5:].replace("__", ".")] = value
        else:
            m[key] = value
    return json.dumps(m, ensure_ascii=False)


def manifest_texts() -> list[str]:
    entry = {"sha256": W, "bytes": 2}
    return [
        json.dumps(GOOD),
        json.dumps({**GOOD, "format": 1.0, "extra": [1]}),  # 1.0 is 1 in JSON; unknown keys pass
        _with(file_metadata__json={"sha256": D, "bytes": 5.0}),
        "not json", "", "[1, 2]", "null", '{"format": NaN}', json.dumps(GOOD) + "x",
        _with(format=2), _with(format="1"), _with(format=True), _with(format=None),
        _with(version=""), _with(version=3), _with(version=None),
        _with(files=[]), _with(files=None), _with(files={}),
        _with(files={"weights.x.bin": entry}),  # no model.json
        _with(**{"file_../x__bin": entry}), _with(**{"file_a/b__bin": entry}),
        _with(file__hidden__bin=entry), _with(file_notes__csv=entry), _with(file_noext=entry),
        _with(file_lexicon__txt={"sha256": W, "bytes": 2}),  # the words model's lexicon
        _with(**{"file_é__bin": entry}), _with(**{"file_" + "a" * 201 + "__bin": entry}),
        _with(file_x__bin=[1]), _with(file_x__bin="abc"),
        _with(file_x__bin={"sha256": W.upper(), "bytes": 2}),
        _with(file_x__bin={"sha256": W[:63], "bytes": 2}),
        _with(file_x__bin={"sha256": W + "\n", "bytes": 2}),
        _with(file_x__bin={"sha256": 12, "bytes": 2}),
        _with(file_x__bin={"sha256": W}),
        *[_with(file_x__bin={"sha256": W, "bytes": b}) for b in (-1, 1.5, "2", True, None, 2**53)],
        _with(file_x__bin={"sha256": W, "bytes": 2**53 - 1}),
        '{"format": 1, "version": "v", "files": {"model.json": {"sha256": "%s", "bytes": 1e999}}}' % D,
    ]


def checks() -> list[dict]:
    good = json.dumps(GOOD)
    return [
        {"manifest": good, "name": "weights.x.bin", "hex": "0001"},
        {"manifest": good, "name": "model.json", "hex": b"{}".hex()},
        {"manifest": good, "name": "weights.x.bin", "hex": "0002"},  # same length, other bytes
        {"manifest": good, "name": "weights.x.bin", "hex": "000102"},  # one byte too many
        {"manifest": good, "name": "weights.x.bin", "hex": ""},
        {"manifest": good, "name": "metadata.json", "hex": "00"},  # not in the manifest
        {"manifest": good, "name": "model.json", "hex": b"{}".hex().upper()},
    ]


def blobs() -> list[bytes]:
    rng = np.random.default_rng(25)
    lengths = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_001]
    return [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in lengths] + [b"abc", b"\xff" * 200]


def _python_verdict(f):
    try:
        return {"ok": f()}
    except ManifestError as e:
        return {"error": str(e), "name": "ManifestError"}


def _parsed(text):
    m = parse_manifest(text)
    return {"m": m, "paths": [file_path(m, n) for n in m["files"]]}


def _verified(c):
    verify_file(parse_manifest(c["manifest"]), c["name"], bytes.fromhex(c["hex"]))
    return "ok"


@pytest.fixture(scope="module")
def both():
    texts, cases, data = manifest_texts(), checks(), blobs()
    js = run(SCRIPT, "manifest.js", {"texts": texts, "checks": cases, "blobs": [b.hex() for b in data]})
    py = {"parsed": [_python_verdict(lambda t=t: _parsed(t)) for t in texts],
          "verified": [_python_verdict(lambda c=c: _verified(c)) for c in cases]}
    return texts, cases, data, js, py


def test_the_same_manifests_get_the_same_verdicts_and_messages(both):
    texts, _, _, js, py = both
    for text, p, j in zip(texts, py["parsed"], js["parsed"], strict=True):
        assert p == j, text
    valid = [p for p in py["parsed"] if "ok" in p]
    assert len(valid) == 5 and len(py["parsed"]) - len(valid) >= 35, "most of the cases are broken"
    assert valid[0]["ok"]["paths"] == [f"files/{D}.json", f"files/{W}.bin"]
    assert f"files/{W}.txt" in valid[3]["ok"]["paths"]
    errors = [p["error"] for p in py["parsed"] if "error" in p]
    assert all(e.startswith("manifest.json") for e in errors)
    assert len(set(errors)) >= 12, "the messages say what is wrong, not one generic message"


def test_the_same_bytes_pass_and_the_same_fail_naming_the_file(both):
    _, cases, _, js, py = both
    assert py["verified"] == js["verified"]
    verdicts = [v.get("ok", v.get("error")) for v in py["verified"]]
    assert verdicts[:2] == ["ok", "ok"]
    assert verdicts[2] == f"weights.x.bin (files/{W}.bin): SHA-256 does not match the manifest (a damaged or mixed copy)"
    assert verdicts[3] == f"weights.x.bin (files/{W}.bin): 3 bytes, the manifest says 2"
    assert "names no metadata.json" in verdicts[5]


def test_the_page_sha256_without_subtle_crypto_is_sha256(both):
    _, _, data, js, _ = both
    for blob, (fallback, subtle) in zip(data, js["digests"], strict=True):
        assert fallback == subtle == hashlib.sha256(blob).hexdigest(), len(blob)
