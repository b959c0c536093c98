"""Support code for the web tests (also used by web/scripts/screenshot.py): a static server for
``web/``, Chromium settings, the page's init script, model folders, page helpers."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
MODEL = WEB / "model"
from handwriting.static_server import CHROMIUM, CHROMIUM_ARGS  # noqa: E402,F401
from handwriting.datasets.static_model import StaticModelDirectory  # noqa: E402
from handwriting.page.manifest import MANIFEST, read_model_file, read_model_files  # noqa: E402
IN_CI = bool(os.environ.get("CI"))

# Collected in every page before any of its own scripts run: page errors and CSP violations.
INIT_SCRIPT = """
window.__cspViolations = [];
window.__pageErrors = [];
window.__results = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
window.addEventListener('error', (e) => window.__pageErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__pageErrors.push(String(e.reason)));
window.addEventListener('handwriting:result', (e) => {
  window.__results.push(e.detail ? e.detail.top.map((g) => g.label) : null);
});
"""


# ---- static server ------------------------------------------------------------------------------


from handwriting.static_server import StaticServer, serve, serving  # noqa: E402,F401


def copy_web(dest: Path, model_dir: Path | None) -> Path:
    """A copy of web/ whose model/ folder is ``model_dir`` (or absent when None)."""
    shutil.copytree(WEB, dest, ignore=shutil.ignore_patterns("model"))
    if model_dir is not None:
        shutil.copytree(model_dir, dest / "model")
    return dest


def _model_source() -> Path | None:
    env = os.environ.get("HANDWRITING_TEST_MODEL_DIR")
    if env:  # an explicit choice wins
        if not (Path(env) / MANIFEST).is_file():
            raise RuntimeError(f"HANDWRITING_TEST_MODEL_DIR={env} has no {MANIFEST} (a model folder "
                               "as the deployment pipeline writes it)")
        return Path(env)
    if (MODEL / MANIFEST).is_file():
        return MODEL
    return None


def publish_model(model_dir: Path, files: dict[str, bytes]) -> Path:
    """Write ``files`` ({logical name: bytes}) as the model folder ``model_dir``, as the deployment
    pipeline does (manifest + content-addressed files)."""
    StaticModelDirectory(str(model_dir)).save(files)
    return model_dir


def edit_model(model_dir: Path, files: dict[str, bytes | None] | None = None,
               metadata: dict | None = None) -> dict[str, bytes]:
    """Publish ``model_dir`` again with ``files`` changed ({name: bytes}, ``None`` removes one) and
    its metadata.json's keys replaced by ``metadata``'s (``None`` removes one). Returns the files
    now published."""
    published = read_model_files(model_dir)
    if metadata is not None:
        meta = json.loads(published["metadata.json"])
        for key, value in metadata.items():
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
        published["metadata.json"] = json.dumps(meta, indent=1).encode()
    for name, content in (files or {}).items():
        if content is None:
            published.pop(name, None)
        else:
            published[name] = content
    publish_model(model_dir, published)
    return published


def model_metadata(model_dir: Path) -> dict:
    """The model folder's metadata.json, checked against its manifest."""
    return json.loads(read_model_file(model_dir, "metadata.json"))


LABELS = [chr(c) for c in [*range(48, 58), *range(65, 91), *range(97, 123)]]


def build_throwaway_model(dest: Path, seed: int = 0) -> Path:
    """An untrained CNN (input 28x28x1, 62-way softmax) in the web/model/ format: a manifest
    naming model.json, a weights file and metadata.json. Its guesses are meaningless; it lets the
    tests that need *a* model (controls, failure modes, parity, offline) run without a trained
    one. The last layer is scaled up so that its probabilities are far from uniform (no ties)."""
    import datetime
    import hashlib

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from handwriting.tfjs_compat import converters

    h5_conversion, _ = converters()
    import numpy as np
    import tf_keras as keras

    from handwriting.page.preprocess import CanvasSpec

    keras.utils.set_random_seed(seed)
    layers = keras.layers
    model = keras.Sequential(
        [
            layers.Input((28, 28, 1)),
            layers.Conv2D(8, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(len(LABELS), activation="softmax"),
        ]
    )
    w, b = model.layers[-1].get_weights()
    model.layers[-1].set_weights([w * 8.0, b])
    raw = dest / "raw"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy": the converter's own business
        h5_conversion.save_keras_model(model, str(raw))
    topology = json.loads((raw / "model.json").read_text())
    data = b"".join((raw / p).read_bytes() for g in topology["weightsManifest"] for p in g["paths"])
    digest = hashlib.sha256(data).hexdigest()[:16]
    name = f"weights.{digest}.bin"
    topology["weightsManifest"] = [
        {"paths": [name], "weights": [w for g in topology["weightsManifest"] for w in g["weights"]]}
    ]
    meta = {
        "labels": LABELS,
        "model_version": digest,
        "quantization": None,
        "weights_bytes": len(data),
        "metrics": {"accuracy": 0.0, "top3_accuracy": 0.0, "case_folded_accuracy": 0.0, "n_test": 0,
                    "data": "untrained test model (tests/web/conftest.py)"},
        "canvas_spec": CanvasSpec().to_dict(),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    out = publish_model(dest / "model", {name: data, "model.json": json.dumps(topology).encode(),
                                         "metadata.json": json.dumps(meta, indent=1).encode()})
    shutil.rmtree(raw)
    assert np.isfinite(model.predict(np.zeros((1, 28, 28, 1), np.float32), verbose=0)).all()
    return out


STROKE_ARCHITECTURE = [
    {"type": "conv1d", "filters": 16, "kernel_size": 5},
    {"type": "max_pool1d", "pool_size": 2},
    {"type": "conv1d", "filters": 24, "kernel_size": 3},
    {"type": "global_pool1d"},
]


def build_stroke_model(model_dir: Path, points: int = 64, weight: float = 1.0, seed: int = 1,
                       quantization: str | None = "float16", labels: list[str] | None = None,
                       path: str = "stroke_model.json") -> dict:
    """An untrained stroke model (1-D CNN over ``(points, 5)`` trajectories) published into an
    existing web model folder: ``<path>`` and its weights file beside the image model's, and a
    ``stroke_model`` entry in its metadata.json. The labels are metadata.json's
    unless given (a mismatch is for failure tests). The last layer is scaled so that its
    probabilities are far from uniform. Returns the ``stroke_model`` entry."""
    import hashlib
    import tempfile

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tf_keras

    from handwriting.model_architecture import build_model
    from handwriting.tfjs_compat import converters

    files = read_model_files(model_dir)
    meta = json.loads(files["metadata.json"])
    n_out = len(labels if labels is not None else meta["labels"])
    tf_keras.utils.set_random_seed(seed)
    model = build_model(STROKE_ARCHITECTURE, n_out, tf_keras, input_shape=(points, 5),
                        name="stroke_model", input_name="strokes")
    w, b = model.layers[-1].get_weights()
    model.layers[-1].set_weights([w * 6.0, b])
    h5_conversion, _ = converters()
    dtype_map = {None: None, "float16": {"float16": "*"}, "uint8": {"uint8": "*"}}[quantization]
    with tempfile.TemporaryDirectory(prefix="stroke-export-") as tmp:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h5_conversion.save_keras_model(model, tmp, quantization_dtype_map=dtype_map)
        topology = json.loads((Path(tmp) / "model.json").read_text())
        data = b"".join((Path(tmp) / p).read_bytes() for g in topology["weightsManifest"] for p in g["paths"])
    name = f"weights.{hashlib.sha256(data).hexdigest()[:16]}.bin"
    topology["weightsManifest"] = [
        {"paths": [name], "weights": [w for g in topology["weightsManifest"] for w in g["weights"]]}
    ]
    entry = {"path": path, "points": points, "weight": weight, "weights_bytes": len(data),
             "quantization": quantization}
    meta["stroke_model"] = entry
    files.update({name: data, path: json.dumps(topology).encode(),
                  "metadata.json": json.dumps(meta, indent=1).encode()})
    publish_model(model_dir, files)
    return entry


WORDS_PARAMS = {"width": 16, "kernel_size": 3, "dilations": [1], "dropout": 0, "step": 0.2}
THROWAWAY_WORDS = ["the", "cat", "sat", "on", "mat", "a", "of", "and", "in", "to"]


def build_words_model(model_dir: Path, seed: int = 2) -> dict:
    """An untrained words model (1-D CNN with CTC outputs over pen lines) and a ten-word lexicon
    published into an existing web model folder through the deployment nodes, with a
    ``words_model`` entry (marked ``test_model``) in its metadata.json. Its readings are
    meaningless but not empty: the last layer is scaled so that a few characters stand out.
    Returns the ``words_model`` entry."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tf_keras as keras  # what the export is built with: no second Keras to import

    from handwriting.page.lexicon import format_lexicon
    from handwriting.pipelines.deployment.words import export_word_tfjs, package_words
    from handwriting.word_model import build_word_model

    keras.utils.set_random_seed(seed)
    model = build_word_model(WORDS_PARAMS, keras)
    logits = model.get_layer("logits")
    w, b = logits.get_weights()
    logits.set_weights([w * 4.0, b])
    export = export_word_tfjs(model, {"trained": True}, WORDS_PARAMS, {"quantization": None})
    weights = sum(len(v) for k, v in export.items() if k.endswith(".bin"))
    check = {"shipped": True, "weights_bytes": weights, "quantization": None}
    lexicon = format_lexicon([(w, -1.0 - i * 0.3) for i, w in enumerate(sorted(THROWAWAY_WORDS))],
                             step=0.25, attribution="test list")
    package = package_words(export, check, lexicon, {"params": {}}, WORDS_PARAMS)
    entry = {**package["metadata"], "test_model": True}
    edit_model(model_dir, files=package["files"], metadata={"words_model": entry})
    assert np.isfinite(model.predict(np.zeros((1, 8, 4), np.float32), verbose=0)).all()
    return entry


VIEWPORT = {"width": 1000, "height": 800}

class PageErrors(list):
    """Uncaught page errors and console errors, collected for assertions."""


def attach_error_log(page) -> PageErrors:
    log = PageErrors()
    page.on("pageerror", lambda exc: log.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: log.append(f"console.{msg.type}: {msg.text}") if msg.type == "error" else None)
    return log


def open_app(page, base_url: str, query: str = "", words: bool = False,
             wait_state=("ready",)) -> None:
    """Open the page and wait until it has finished loading (ready or error). Without ``words``
    the page is the character-at-a-time page that most tests write on: ``?words=off``, the words
    model (if the folder has one) not even downloaded; with it, the page as it ships (words mode
    when the folder has a words model)."""
    from web_input import wait_for

    if not words:
        query = f"{query}&words=off" if query else "words=off"
    sep = "&" if "?" in base_url else "?"
    page.goto(base_url + (sep + query if query else ""))
    wait_for(page, "() => ['ready', 'error'].includes(document.documentElement.dataset.state)", timeout=60_000)
    state = page.evaluate("document.documentElement.dataset.state")
    if wait_state and state not in wait_state:
        err = page.evaluate("document.getElementById('error').textContent")
        raise AssertionError(f"page state {state!r}: {err}")


# ---- offline (service worker) -------------------------------------------------------------------

CACHED_MODEL_FILES_JS = ("async () => (await (await caches.open('hw-model')).keys())"
                         ".map((r) => r.url.split('/').pop())")


@contextlib.contextmanager
def service_worker_site(browser, root: Path, words: bool = False, cache: bool = False,
                        log: list | None = None):
    """Serve ``root`` to a fresh browser context with the service worker on; yields
    ``(page, server)`` once the worker controls the page (opened as ``open_app`` does with
    ``words``). ``cache``, ``log``: as ``serve`` takes them (a host's caching; the bodies sent).
    Cleans up the copy afterwards."""
    from web_input import wait_for

    srv = serve(root, cache=cache, log=log)
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(INIT_SCRIPT)
    try:
        page = ctx.new_page()
        open_app(page, srv.url, words=words)
        wait_for(page, "async () => (await navigator.serviceWorker.ready) && "
                       "navigator.serviceWorker.controller !== null", timeout=30_000)
        yield page, srv
    finally:
        ctx.close()
        try:
            srv.close()
        except Exception:
            pass
        shutil.rmtree(root, ignore_errors=True)


def reload_offline(page, srv) -> None:
    """Stop the server and reload: everything must now come from the service worker's caches."""
    from web_input import wait_for

    srv.close()
    page.reload()
    wait_for(page, "() => ['ready', 'error'].includes(document.documentElement.dataset.state)",
             timeout=60_000)
    assert page.evaluate("document.documentElement.dataset.state") == "ready", \
        page.locator("#error").text_content()
