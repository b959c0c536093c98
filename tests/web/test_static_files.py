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
    tfjs = {name: version for name, version in pins.items() if name.startswith("@tensorflow/")}
    assert tfjs == {"@tensorflow/tfjs": "4.22.0", "@tensorflow/tfjs-backend-wasm": "4.22.0"}
    assert set(versions["packages"].values()) == {"4.22.0"}
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for name, version in {**tfjs, **versions["packages"]}.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    for name, info in versions["files"].items():
        data = (WEB / "vendor" / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == info["sha256"], f"{name} differs from VERSIONS.json"
    on_disk = {p.name for p in (WEB / "vendor").iterdir()} - {"VERSIONS.json"}
    assert on_disk == set(versions["files"]), "web/vendor/ holds exactly the files VERSIONS.json lists"
    # the page imports the runtime by the names the build gave it
    runtime = (WEB / "js" / "runtime.js").read_text()
    assert f"RUNTIME = '{versions['runtime']}'" in runtime
    assert f"CPU_BACKEND = '{versions['cpu_backend']}'" in runtime


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


def test_service_worker_fetches_nothing_at_install():
    """The worker caches what the page fetched (sw.js, js/offline.js): a precache list would
    download the shell a second time (tests/web/test_page.py checks the bytes served)."""
    sw = (WEB / "sw.js").read_text()
    install = re.search(r"addEventListener\('install',(.*?)\n\}\);", sw, re.S).group(1)
    assert "fetch" not in install and "addAll" not in install and "cache.add" not in install


def test_manifest_icons_exist():
    manifest = json.loads((WEB / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "./" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        assert (WEB / icon["src"]).is_file(), icon["src"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
