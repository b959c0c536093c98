"""The page's TensorFlow.js runtime (web/scripts/build_tfjs.mjs): it holds the kernels every layer
of the shipped models runs, and it is the build of the pinned packages, byte for byte."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from web_support import ROOT, WEB

from handwriting.page.manifest import read_manifest, read_model_file

pytestmark = [pytest.mark.web]

# The wasm kernels a TF.js layer runs at inference (tfjs-layers 4.22, read with tf.profile on each
# layer of the shipped models), besides its activation's (ACTIVATION_KERNELS). A layer class not
# listed here has not been checked: add it, with its kernels, and build the runtime again.
LAYER_KERNELS = {
    "InputLayer": set(),
    "Conv1D": {"Reshape", "Conv2D", "Add"},           # conv1d is a conv2d of height 1, then the bias
    "Conv2D": {"FusedConv2D", "Conv2D", "Add"},       # fused with bias and relu/linear, else unfused
    "Dense": {"Reshape", "Transpose", "_FusedMatMul", "Add"},
    "MaxPooling2D": {"MaxPool"},
    "GlobalAveragePooling2D": {"Mean"},
    "GlobalMaxPooling2D": {"Max"},
    "Concatenate": {"Concat"},
    "Flatten": {"Reshape"},
    "Dropout": {"Identity"},                          # inference: the input as it is
    "LayerNormalization": {"Mean", "Cast", "Reshape", "Sub", "Square", "Tile", "FusedBatchNorm"},
    "ReLU": {"Relu"},
    "Add": {"Identity", "Add"},
    "Softmax": {"Softmax"},
}
ACTIVATION_KERNELS = {"linear": set(), "relu": {"Relu"}, "softmax": {"Softmax"}}
MODEL_KERNELS = {"Slice"}  # LayersModel.predict slices its input into batches


def _layers(config: dict):
    """(class name, config) of every layer of a Keras model config, nested models included."""
    for layer in config.get("layers", []):
        if layer["class_name"] in ("Sequential", "Functional", "Model"):
            yield from _layers(layer["config"])
        else:
            yield layer["class_name"], layer["config"]


def _shipped_topologies():
    model = WEB / "model"
    manifest = read_manifest(model)
    for name in manifest["files"]:
        if name.endswith(".json"):
            data = json.loads(read_model_file(model, name, manifest))
            if "modelTopology" in data:
                topology = data["modelTopology"]
                yield name, topology.get("model_config", topology)


def _kernels_needed(config: dict) -> dict[str, set[str]]:
    """{layer description: kernels} for one model config; unknown layers and activations map to
    None."""
    needed: dict[str, set[str] | None] = {"model": MODEL_KERNELS}
    for cls, cfg in _layers(config["config"]):
        kernels = LAYER_KERNELS.get(cls)
        activation = cfg.get("activation")
        if kernels is not None and activation is not None:
            extra = ACTIVATION_KERNELS.get(activation)
            kernels = None if extra is None else kernels | extra
        needed[f"{cls}" + (f" ({activation})" if activation else "")] = kernels
    return needed


def test_every_layer_of_the_shipped_models_has_its_kernels_in_the_runtime():
    versions = json.loads((WEB / "vendor" / "VERSIONS.json").read_text())
    built = set(versions["kernels"])
    topologies = dict(_shipped_topologies())
    assert {"model.json", "stroke_model.json"} <= set(topologies), "the image and stroke models ship"
    for name, config in topologies.items():
        for layer, kernels in _kernels_needed(config).items():
            assert kernels is not None, (
                f"{name}: layer {layer} is not known to the page's runtime: add it to LAYER_KERNELS "
                "(tf.profile its kernels) and its kernels to web/scripts/build_tfjs.mjs")
            missing = kernels - built
            assert not missing, (f"{name}: layer {layer} needs kernels {sorted(missing)} that the "
                                 "runtime lacks: add them to KERNELS in web/scripts/build_tfjs.mjs")


def test_a_layer_the_runtime_lacks_is_caught():
    lstm = {"config": {"layers": [{"class_name": "LSTM", "config": {"activation": "tanh"}}]}}
    assert _kernels_needed(lstm)["LSTM (tanh)"] is None
    gelu = {"config": {"layers": [{"class_name": "Dense", "config": {"activation": "gelu"}}]}}
    assert _kernels_needed(gelu)["Dense (gelu)"] is None


def test_the_runtime_is_the_build_of_the_pinned_packages(tmp_path):
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "esbuild").is_dir():
        if os.environ.get("CI"):
            pytest.fail("node and node_modules (npm ci) are needed to check the runtime build")
        pytest.skip("node or node_modules (npm ci) missing")
    subprocess.run([node, str(WEB / "scripts" / "build_tfjs.mjs"), str(tmp_path)], check=True,
                   capture_output=True, cwd=ROOT, timeout=120)
    built = {p.name: p.read_bytes() for p in (tmp_path / "vendor").iterdir()}
    shipped = {p.name: p.read_bytes() for p in (WEB / "vendor").iterdir()}
    assert sorted(built) == sorted(shipped), "web/vendor/ differs from `npm run build:tfjs`"
    for name, data in built.items():
        assert data == shipped[name], f"web/vendor/{name} differs from `npm run build:tfjs`"
    assert (tmp_path / "js" / "runtime.js").read_bytes() == (WEB / "js" / "runtime.js").read_bytes()
