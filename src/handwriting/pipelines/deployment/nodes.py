"""Convert the trained model to TF.js, prove the conversion, and package it for the page.

TF.js 4.22 cannot load a Keras 3 model's topology (``batch_shape``, DTypePolicy, weight names),
so the same architecture is rebuilt in tf_keras, the trained weights are copied across, and that
twin is converted. The export is then loaded back and must reproduce Keras's probabilities on
real test images before anything replaces the model the page serves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from handwriting.evaluation import accuracy_summary, predict
from handwriting.model_architecture import build_model
from handwriting.page.fusion import uses_stroke_model
from handwriting.page.preprocess import CanvasSpec
from handwriting.tfjs_compat import as_model_input, load_tfjs, save_tfjs

logger = logging.getLogger(__name__)

_QUANTIZATION = {None: None, "float16": {"float16": "*"}, "uint8": {"uint8": "*"}}


def fold_batch_norm(architecture: list[dict]) -> list[dict]:
    """The architecture with every batch-norm layer merged into the conv/dense layer before it."""
    return [{k: v for k, v in layer.items() if k != "batch_norm"} for layer in architecture]


def _folded_weights(model, layer_name: str) -> list[np.ndarray]:
    """Kernel and bias of ``layer_name`` with its batch norm (``<name>_bn``) folded in.

    In inference a batch norm is ``gamma * (z - mean) / sqrt(var + eps) + beta`` on the layer's
    output ``z = x @ kernel``: a per-channel scale and shift, which the kernel and a bias absorb.
    TF.js then runs one fused conv+bias+ReLU op instead of conv, batch norm and ReLU.
    """
    layer = model.get_layer(layer_name)
    bn = model.get_layer(f"{layer_name}_bn")
    gamma, beta, mean, var = (np.asarray(w, np.float64) for w in bn.get_weights())
    scale = gamma / np.sqrt(var + bn.epsilon)
    weights = layer.get_weights()
    kernel = np.asarray(weights[0], np.float64) * scale
    bias = beta - mean * scale
    if len(weights) > 1:  # a bias before the batch norm is shifted and scaled too
        bias = bias + np.asarray(weights[1], np.float64) * scale
    return [kernel.astype(np.float32), bias.astype(np.float32)]


def tf_keras_twin(model, architecture: list[dict], num_classes: int, fold: bool = False,
                  sequence_as_image: bool = False, **build_kwargs):
    """The same network in tf_keras, carrying ``model``'s trained weights.

    With ``fold``, batch-norm layers are merged into the layer before them: the same function
    with fewer ops at inference. ``sequence_as_image`` rebuilds 1-D layers as their 2-D
    equivalents (see build_model), with the weights reshaped. ``build_kwargs`` (input_shape,
    name, input_name) go to build_model, for networks other than the image CNN.
    """
    import tf_keras

    twin = build_model(architecture, num_classes, tf_keras, **build_kwargs)
    source, target = model.get_weights(), twin.get_weights()
    shapes = [w.shape for w in source], [w.shape for w in target]
    if shapes[0] != shapes[1]:
        raise ValueError(
            "the trained model does not match parameters_modelling.yml's architecture "
            f"(weight shapes {shapes[0]} vs {shapes[1]}); retrain or restore the parameters")
    twin.set_weights(source)
    if not fold and not sequence_as_image:
        return twin
    final = build_model(fold_batch_norm(architecture) if fold else architecture, num_classes,
                        tf_keras, sequence_as_image=sequence_as_image, **build_kwargs)
    bn_names = {layer.name for layer in twin.layers
                if isinstance(layer, tf_keras.layers.BatchNormalization)}
    for layer in final.layers:
        if not layer.weights:
            continue
        if fold and f"{layer.name}_bn" in bn_names:
            weights = _folded_weights(twin, layer.name)
        else:
            weights = twin.get_layer(layer.name).get_weights()
        # a (k, in, out) Conv1D kernel is the (k, 1, in, out) kernel of its Conv2D form
        layer.set_weights([np.reshape(w, t.shape) for w, t in zip(weights, layer.get_weights())])
    return final


def _hash_weight_files(directory: Path, model_file: str = "model.json") -> dict[str, bytes]:
    """Read the converter's output, renaming weight shards to content-hashed names and the
    topology to ``model_file``."""
    manifest = json.loads((directory / "model.json").read_text())
    files: dict[str, bytes] = {}
    for group in manifest["weightsManifest"]:
        renamed = []
        for shard in group["paths"]:
            content = (directory / shard).read_bytes()
            name = f"weights.{hashlib.sha256(content).hexdigest()[:16]}.bin"
            files[name] = content
            renamed.append(name)
        group["paths"] = renamed
    files[model_file] = json.dumps(manifest, separators=(",", ":")).encode()
    return files


def _checked_quantization(quantization: str | None) -> str | None:
    if quantization not in _QUANTIZATION:
        raise ValueError(f"quantization must be null, float16 or uint8, not {quantization!r}")
    return quantization


def _convert(twin, quantization: str | None, model_file: str = "model.json") -> dict[str, bytes]:
    """Run the converter on a tf_keras twin (quantisation already checked)."""
    with tempfile.TemporaryDirectory(prefix="tfjs-export-") as tmp:
        save_tfjs(twin, tmp, quantization_dtype_map=_QUANTIZATION[quantization],
                  weight_shard_size_bytes=64 * 1024 * 1024)
        files = _hash_weight_files(Path(tmp), model_file)
    logger.info("converted %s to TF.js (%s): %s", model_file, quantization or "float32",
                {k: len(v) for k, v in files.items()})
    return files


def export_tfjs(model, labels: list[str], modelling_params: dict, params: dict) -> dict[str, bytes]:
    """Convert to a TF.js LayersModel (optionally quantised); returns ``{filename: bytes}``."""
    quantization = _checked_quantization(params.get("quantization"))
    twin = tf_keras_twin(model, modelling_params["architecture"], len(labels),
                         fold=bool(params.get("fold_batch_norm", False)))
    return _convert(twin, quantization)


STROKE_MODEL_FILE = "stroke_model.json"


def _stroke_quantization(params: dict) -> str | None:
    """The stroke model's own quantisation (``stroke_quantization``), else the image model's."""
    return params.get("stroke_quantization", params.get("quantization"))


def export_stroke_tfjs(stroke_model, stroke_history: dict, labels: list[str],
                       stroke_params: dict, params: dict) -> dict[str, bytes]:
    """The stroke model as a TF.js LayersModel (``stroke_model.json`` + hashed weights), or ``{}``
    when it was not trained or its fusion weight is 0 (the page then uses the image model alone)."""
    from handwriting.page.trajectory import FEATURES

    if not uses_stroke_model(stroke_history, stroke_params):
        logger.info("no stroke model to ship (not trained, or fusion_weight 0)")
        return {}
    quantization = _checked_quantization(_stroke_quantization(params))
    twin = tf_keras_twin(stroke_model, stroke_params["architecture"], len(labels),
                         fold=bool(params.get("fold_batch_norm", False)),
                         input_shape=(int(stroke_params["points"]), FEATURES),
                         name="stroke_model", input_name="strokes", sequence_as_image=True)
    return _convert(twin, quantization, STROKE_MODEL_FILE)


def _weights_bytes(files: dict[str, bytes]) -> int:
    return int(sum(len(v) for k, v in files.items() if k.endswith(".bin")))


def _compare_with_keras(keras_probs: np.ndarray, tfjs_probs: np.ndarray, quantization: str | None,
                        params: dict, what: str) -> dict:
    """The export-vs-Keras figures of a report; raises (so nothing is deployed) when the largest
    probability difference exceeds the tolerance for the quantisation. ``what`` names the export
    in the log line and the error."""
    max_diff = float(np.abs(keras_probs - tfjs_probs).max())
    tolerance = float(params["tolerance"][str(quantization).lower()])
    report = {
        "quantization": quantization,
        "verified_on": int(len(keras_probs)),
        "max_abs_probability_difference": max_diff,
        "tolerance": tolerance,
        "top1_agreement": float((keras_probs.argmax(1) == tfjs_probs.argmax(1)).mean()),
    }
    logger.info("%s vs Keras on %d inputs: max |dp| = %.2e (tolerance %.0e), top-1 agreement "
                "%.4f", what, len(keras_probs), max_diff, tolerance, report["top1_agreement"])
    if not max_diff <= tolerance:
        raise ValueError(
            f"{what} differs from the Keras model by {max_diff:.3g} in probability "
            f"(tolerance {tolerance:g} for quantization={quantization}); web/model left unchanged")
    return report


def verify_export(tfjs_export: dict[str, bytes], model, test_set: dict, labels: list[str],
                  reporting_params: dict, params: dict) -> dict:
    """Load the export back and compare its predictions with Keras's on real test images.

    Raises (so nothing is deployed) when the largest probability difference exceeds the
    tolerance for the chosen quantisation.
    """
    n = params.get("verify_samples") or len(test_set["y"])
    x, y = test_set["x"][:n], test_set["y"][:n]
    keras_probs = predict(model, x)
    tfjs_probs = predict(load_tfjs(tfjs_export), x)
    report = _compare_with_keras(keras_probs, tfjs_probs, params.get("quantization"), params,
                                 "TF.js export")
    letters = reporting_params["case_fold_letters"]
    return {
        **report,
        "keras": accuracy_summary(y, keras_probs, labels, letters),
        "exported": accuracy_summary(y, tfjs_probs, labels, letters),
        "weights_bytes": _weights_bytes(tfjs_export),
        "model_json_bytes": len(tfjs_export["model.json"]),
    }


def verify_stroke_export(stroke_tfjs_export: dict[str, bytes], stroke_model,
                         stroke_validation_set: dict, params: dict) -> dict:
    """Load the stroke model's export back and compare it with Keras on real pen paths (the
    validation writers'); raises over the quantisation's tolerance, so nothing is deployed."""
    if not stroke_tfjs_export:
        return {"shipped": False}
    n = params.get("verify_samples") or len(stroke_validation_set["y"])
    x = stroke_validation_set["x"][:n]
    exported = load_tfjs(stroke_tfjs_export, STROKE_MODEL_FILE)
    report = _compare_with_keras(predict(stroke_model, x),
                                 predict(exported, as_model_input(exported, x)),
                                 _stroke_quantization(params), params,
                                 "the stroke model's TF.js export")
    return {"shipped": True, **report, "weights_bytes": _weights_bytes(stroke_tfjs_export)}


def _line_decoder(params: dict | None) -> dict:
    """The page's word decoder settings, checked here so a bad value fails the run, not the page."""
    from handwriting.page.decoder import DEFAULT_FREE_PENALTY

    penalty = float((params or {}).get("free_penalty", DEFAULT_FREE_PENALTY))
    if not penalty >= 0:
        raise ValueError(f"line_decoder.free_penalty must be >= 0, got {penalty}")
    return {"free_penalty": penalty}


_UNVERSIONED = ("model_version", "created")  # metadata.json's fields the version leaves out


def model_version(*exports: dict[str, bytes] | None, metadata: dict | None = None) -> str:
    """The version metadata.json gives a model: a digest of its exported files (image model,
    stroke model, words model and lexicon) and of ``metadata`` (metadata.json's fields but its
    version and creation time), so that new settings alone (a retuned decoder, another canvas
    spec) make a new version too."""
    everything = {k: v for files in exports for k, v in (files or {}).items()}
    digest = hashlib.sha256(b"".join(everything[k] for k in sorted(everything)))
    if metadata is not None:
        digest.update(json.dumps({k: v for k, v in metadata.items() if k not in _UNVERSIONED},
                                 sort_keys=True).encode())
    return digest.hexdigest()[:16]


def package_web_model(tfjs_export: dict[str, bytes], labels: list[str], test_metrics: dict,
                      pen_metrics: dict, export_check: dict, canvas_spec: dict | None,
                      line_decoder: dict | None = None,
                      stroke_tfjs_export: dict[str, bytes] | None = None,
                      stroke_export_check: dict | None = None,
                      stroke_params: dict | None = None,
                      size_cue: dict | None = None,
                      adaptation: dict | None = None,
                      words_package: dict | None = None) -> dict[str, bytes]:
    """Add metadata.json (labels, metrics, canvas spec, word decoder, stroke model, size cue,
    learning from picks, words model, version) beside the export(s)."""
    from handwriting.page.adapt import checked
    stroke_tfjs_export = stroke_tfjs_export or {}
    word_files = (words_package or {}).get("files", {})
    everything = {**tfjs_export, **stroke_tfjs_export, **word_files}
    exported = export_check["exported"]
    metadata = {
        "labels": list(labels),
        "model_version": None,  # set last, from everything else
        "quantization": export_check["quantization"],
        "weights_bytes": export_check["weights_bytes"],
        "metrics": {
            "accuracy": exported["accuracy"],
            "top3_accuracy": exported["top3_accuracy"],
            "case_folded_accuracy": exported["case_folded_accuracy"],
            "by_group": exported["by_group"],
            "class_balanced": exported.get("class_balanced"),
            "n_test": exported["n_test"],
            "keras_accuracy": test_metrics["accuracy"],
            "parameters": test_metrics.get("parameters"),
            "data": test_metrics.get("data"),
        },
        "canvas_spec": CanvasSpec.from_dict(canvas_spec or {}).to_dict(),
        "line_decoder": _line_decoder(line_decoder),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if pen_metrics.get("available"):
        metadata["metrics"]["pen"] = {  # Keras on held-out writers' real pen strokes
            "accuracy": pen_metrics["clean"]["accuracy"],
            "case_folded_accuracy": pen_metrics["clean"]["case_folded_accuracy"],
            "n": pen_metrics["clean"]["n_test"],
            "data": "UNIPEN pen trajectories of held-out writers, clean contributors",
            "models": "image and stroke model, fused" if stroke_tfjs_export else "image model",
        }
        seq = pen_metrics.get("in_sequence")
        if seq and (size_cue or {}).get("fitted"):  # the page with its size cue, in a row
            metadata["metrics"]["pen"]["in_sequence"] = {
                "accuracy": seq["clean"]["accuracy"],
                "case_folded_accuracy": seq["clean"]["case_folded_accuracy"]}
        fixes = pen_metrics.get("with_corrections")
        if fixes and (adaptation or {}).get("enabled"):  # ... and learning from the user's picks
            metadata["metrics"]["pen"]["with_corrections"] = {
                "accuracy": fixes["clean"]["accuracy"],
                "case_folded_accuracy": fixes["clean"]["case_folded_accuracy"]}
    if stroke_tfjs_export:
        if not (stroke_export_check or {}).get("shipped"):
            raise ValueError("the stroke model's export was not verified")
        metadata["stroke_model"] = {
            "path": STROKE_MODEL_FILE,
            "points": int(stroke_params["points"]),
            "weight": float(stroke_params["fusion_weight"]),
            "weights_bytes": stroke_export_check["weights_bytes"],
            "quantization": stroke_export_check["quantization"],
        }
    if (size_cue or {}).get("fitted"):
        from handwriting.page.sizecue import SizeCue

        cue = {k: v for k, v in size_cue.items() if k != "fitted"}
        try:  # a malformed one fails the run, not the page
            SizeCue(cue, labels)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"size_cue is malformed: {err!r}") from err
        metadata["size_cue"] = cue
    if (adaptation or {}).get("enabled"):
        try:  # a bad setting fails the run, not the page
            metadata["adaptation"] = checked(adaptation)
        except (TypeError, ValueError) as err:
            raise ValueError(f"adaptation is malformed: {err}") from err
    if word_files:
        metadata["words_model"] = words_package["metadata"]
    metadata["model_version"] = model_version(tfjs_export, stroke_tfjs_export, word_files,
                                              metadata=metadata)
    files = dict(everything)
    files["metadata.json"] = json.dumps(metadata, indent=2).encode()
    return files


def report_deployment(tfjs_model: dict[str, bytes], tfjs_export: dict[str, bytes],
                      stroke_tfjs_export: dict[str, bytes], export_check: dict,
                      stroke_export_check: dict,
                      words_package: dict | None = None) -> tuple[dict, dict]:
    """The deployment reports (image and stroke model), from the checks of the exports, once
    the page's model folder holds them: this node reads the published folder, so it runs only
    after the publish succeeded, and a failed publish leaves the previous reports as they were.
    Raises when the folder holds another version than the one verified."""
    try:
        metadata = json.loads(tfjs_model["metadata.json"])
        published = metadata["model_version"]
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"the published model has no readable metadata.json version: {err!r}; "
                         "the deployment reports were not written") from err
    expected = model_version(tfjs_export, stroke_tfjs_export, (words_package or {}).get("files"),
                             metadata=metadata)
    if published != expected:
        raise ValueError(f"the published model is version {published}, not the verified "
                         f"{expected}; the deployment reports were not written")
    return export_check, stroke_export_check
