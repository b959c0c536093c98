"""Static checks of web/: vendored runtime, CSP, service-worker precache list, manifest."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from web_support import ROOT, WEB

pytestmark = [pytest.mark.web, pytest.mark.slow]


def test_vendored_runtime_matches_the_pins():
    versions = json.loads((WEB / "vendor" / "VERSIONS.json").read_text())
    pins = json.loads((ROOT / "package.json").read_text())["devDependencies"]
    assert pins == {"@tensorflow/tfjs": "4.22.0", "@tensorflow/tfjs-backend-wasm": "4.22.0"}
    assert versions["packages"] == pins
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for name, info in versions["files"].items():
        data = (WEB / "vendor" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], f"{name} differs from VERSIONS.json"


def test_csp_is_strict():
    html = (WEB / "index.html").read_text()
    m = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert m, "CSP meta tag"
    csp = {d.split()[0]: d.split()[1:] for d in m.group(1).split(";") if d.strip()}
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    # no inline scripts, styles or event handlers anywhere in the page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "<style" not in html and not re.search(r'\sstyle="', html)
    assert not re.search(r"\son[a-z]+=", html)


def test_service_worker_precaches_existing_files():
    sw = (WEB / "sw.js").read_text()
    shell = re.search(r"const SHELL = \[(.*?)\];", sw, re.S).group(1)
    paths = re.findall(r"'([^']+)'", shell)
    # cache.addAll refuses a list with a path twice: the worker would never install
    assert len(paths) == len(set(paths)), "sw.js precaches a path twice"
    assert "vendor/tf.min.js" in paths and "index.html" in paths
    for p in paths:
        assert p == "./" or (WEB / p).is_file(), f"sw.js precaches missing {p}"
    js = {f"js/{p.name}" for p in (WEB / "js").glob("*.js")}
    assert js <= set(paths), "every module is precached"
    vendored = {f"vendor/{n}" for n in json.loads((WEB / "vendor" / "VERSIONS.json").read_text())["files"]}
    assert vendored <= set(paths)


def test_manifest_icons_exist():
    manifest = json.loads((WEB / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "./" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        assert (WEB / icon["src"]).is_file(), icon["src"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
