"""The page runs one whole, intact model version or says which file is wrong: a host that switches
versions during a load, a weights file damaged at the same length, and a damaged copy in the
service worker's cache. Each test serves its own copy of web/."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from web_input import glyph, wait_for
from web_support import (
    CACHED_MODEL_FILES_JS,
    copy_web,
    open_app,
    publish_model,
    service_worker_site,
    serving,
)

from handwriting.page.manifest import file_path, read_manifest, read_model_file, read_model_files

pytestmark = [pytest.mark.web]

VERSION_JS = "handwriting.app.recognizer.metadata.model_version"
PROBS_JS = "async (s) => (await handwriting.recognize(s)).imageProbs"


def _other_version(model) -> dict[str, bytes]:
    """The model's files as another version: every weight negated (for uint8-quantized weights,
    q -> 255 - q), so its readings differ, and a new model_version."""
    import json

    files = read_model_files(model)
    size = {"float32": 4, "int32": 4, "float16": 2, "uint8": 1}
    for topology_name in ("model.json", "stroke_model.json"):
        if topology_name not in files:
            continue
        for group in json.loads(files[topology_name])["weightsManifest"]:
            data = bytearray(b"".join(files[p] for p in group["paths"]))
            offset = 0
            for w in group["weights"]:
                width = size[(w.get("quantization") or w)["dtype"]]
                n = int(np.prod(w["shape"], dtype=np.int64))
                view = np.frombuffer(data, np.uint8, n * width, offset).copy()
                view[width - 1::width] ^= 0xFF if width == 1 else 0x80
                data[offset:offset + n * width] = view.tobytes()
                offset += n * width
            for p in group["paths"]:
                files[p], data = bytes(data[:len(files[p])]), data[len(files[p]):]
    meta = json.loads(files["metadata.json"])
    meta["model_version"] = "other-" + meta["model_version"]
    files["metadata.json"] = json.dumps(meta).encode()
    return files


def _weights_name(model) -> str:
    """The logical name of the image model's (first) weights file."""
    import json

    topology = json.loads(read_model_file(model, "model.json"))
    return topology["weightsManifest"][0]["paths"][0]


def _reading(page) -> tuple[str, np.ndarray]:
    return page.evaluate(VERSION_JS), np.array(page.evaluate(PROBS_JS, glyph("7")))


def test_a_host_that_switches_versions_mid_load_never_gives_a_mix(context, model_dir, tmp_path):
    """Right after the page read manifest.json, the host replaces the whole model folder with
    another version (the files the page is about to ask for are gone). The page never runs the
    metadata of one version with the weights of another: it shows an error naming the missing
    file, with a Retry that then loads the new version whole. (The deployment's own publish keeps
    the previous version's files, so a page midway through it finishes that version:
    tests/datasets/test_static_model.py.)"""
    root = copy_web(tmp_path / "web", model_dir)
    other = publish_model(tmp_path / "other" / "model", _other_version(model_dir))
    old_version, new_version = read_manifest(model_dir)["version"], read_manifest(other)["version"]
    with serving(root) as url:
        reference = context.new_page()
        open_app(reference, url, "nosw")
        old = _reading(reference)
        assert old[0] == old_version

        def serve_then_switch(route):
            route.fulfill(response=route.fetch())
            if not switched:
                switched.append(True)
                shutil.rmtree(root / "model")
                shutil.copytree(other, root / "model")

        switched = []
        page = context.new_page()
        page.route("**/model/manifest.json", serve_then_switch)
        open_app(page, url, "nosw", wait_state=("error",))
        msg = page.locator("#error").text_content()
        assert "(model/files/" in msg and "404" in msg, msg
        page.click("#btn-retry")
        wait_for(page, "() => handwriting.state !== 'loading'", timeout=60_000)
        assert page.evaluate("handwriting.state") == "ready", page.locator("#error").text_content()
        version, probs = _reading(page)
        assert version == new_version
        assert np.abs(probs - old[1]).max() > 1e-3, "the new version's weights"


def test_a_weights_file_damaged_at_the_same_length_is_an_error_naming_it_then_retry(context, model_dir,
                                                                                   tmp_path):
    root = copy_web(tmp_path / "web", model_dir)
    name = _weights_name(root / "model")
    path = root / "model" / file_path(read_manifest(root / "model"), name)
    good = path.read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x40
    path.write_bytes(bytes(bad))
    with serving(root) as url:
        page = context.new_page()
        open_app(page, url, "nosw", wait_state=("error",))
        msg = page.locator("#error").text_content()
        assert f"{name} (files/" in msg and "SHA-256 does not match" in msg, msg
        assert page.evaluate("window.__results") == []
        path.write_bytes(good)  # the host is fixed
        page.click("#btn-retry")
        wait_for(page, "() => handwriting.state !== 'loading'", timeout=60_000)
        assert page.evaluate("handwriting.state") == "ready", page.locator("#error").text_content()
        assert page.locator("#error").is_hidden()
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7")) is not None


def test_a_damaged_copy_in_the_service_worker_cache_is_replaced(browser, model_dir, tmp_path):
    name = _weights_name(model_dir)
    address = file_path(read_manifest(model_dir), name)
    good = read_model_file(model_dir, name)
    with service_worker_site(browser, copy_web(tmp_path / "web", model_dir)) as (page, srv):
        wait_for(page, f"async (n) => (await ({CACHED_MODEL_FILES_JS})()).includes(n)",
                 address.split("/")[-1], timeout=30_000)
        cached_bytes = """async (path) => {
            const hit = await (await caches.open('hw-model')).match(new URL('model/' + path, location.href).href);
            return hit ? Array.from(new Uint8Array(await hit.arrayBuffer())) : null; }"""
        page.evaluate("""async (path) => {
            const cache = await caches.open('hw-model');
            const url = new URL('model/' + path, location.href).href;
            const bytes = new Uint8Array(await (await cache.match(url)).arrayBuffer());
            bytes[bytes.length >> 1] ^= 0x40;  // same length, other bytes
            await cache.put(url, new Response(bytes)); }""", address)
        assert bytes(page.evaluate(cached_bytes, address)) != good
        page.reload()
        wait_for(page, "() => ['ready', 'error'].includes(document.documentElement.dataset.state)",
                 timeout=60_000)
        assert page.evaluate("handwriting.state") == "ready", page.locator("#error").text_content()
        assert page.evaluate("(s) => handwriting.replay(s)", glyph("7")) is not None
        wait_for(page, "async (path) => { const hit = await (await caches.open('hw-model')).match("
                       "new URL('model/' + path, location.href).href); return !!hit; }", address)
        assert bytes(page.evaluate(cached_bytes, address)) == good, "the damaged copy was replaced"
