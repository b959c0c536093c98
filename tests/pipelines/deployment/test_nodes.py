import json

import keras
import numpy as np
import pytest

from handwriting.datasets.static_model import StaticModelDirectory
from handwriting.model_architecture import build_model
from handwriting.pipelines.deployment.nodes import (
    export_tfjs,
    load_tfjs,
    package_web_model,
    tf_keras_twin,
    verify_export,
)

LABELS = list("0123456789")
ARCH = [{"type": "conv", "filters": 4, "batch_norm": True}, {"type": "max_pool"},
        {"type": "flatten"}, {"type": "dense", "units": 8}]
MODELLING = {"architecture": ARCH}
REPORTING = {"case_fold_letters": "cox"}
TOLERANCE = {"none": 1e-5, "float16": 0.02, "uint8": 0.15}


@pytest.fixture(scope="module")
def trained():
    """A small Keras 3 model with non-trivial weights (incl. batch-norm statistics)."""
    keras.utils.set_random_seed(0)
    model = build_model(ARCH, len(LABELS), keras)
    rng = np.random.default_rng(0)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32)
                       if "variance" in w.path else rng.normal(0, 0.5, w.shape).astype(np.float32)
                       for w in model.weights])
    x = rng.uniform(0, 1, (64, 28, 28, 1)).astype(np.float32)
    y = np.asarray(model.predict(x, verbose=0)).argmax(1)
    return model, {"x": x, "y": y}


def test_tf_keras_twin_reproduces_keras(trained):
    model, test = trained
    twin = tf_keras_twin(model, ARCH, len(LABELS))
    np.testing.assert_allclose(twin.predict(test["x"], verbose=0),
                               model.predict(test["x"], verbose=0), atol=1e-6)


def test_tf_keras_twin_rejects_other_architecture(trained):
    with pytest.raises(ValueError, match="does not match"):
        tf_keras_twin(trained[0], [{"type": "flatten"}], len(LABELS))
    with pytest.raises(ValueError, match="does not match"):
        tf_keras_twin(trained[0], [{"type": "flatten"}], len(LABELS), fold=True)


FOLD_ARCH = [{"type": "conv", "filters": 4, "batch_norm": True}, {"type": "max_pool"},
             {"type": "conv", "filters": 6, "batch_norm": True}, {"type": "flatten"},
             {"type": "dense", "units": 8, "batch_norm": True}, {"type": "dropout", "rate": 0.5}]


def test_folded_twin_has_no_batch_norm_and_same_outputs():
    import tf_keras

    keras.utils.set_random_seed(1)
    model = build_model(FOLD_ARCH, len(LABELS), keras)
    rng = np.random.default_rng(1)
    # Statistics far from the identity (mean 0, var 1, gamma 1, beta 0), so a wrong fold shows.
    model.set_weights([rng.uniform(0.2, 3.0, w.shape).astype(np.float32)
                       if "variance" in w.path or "gamma" in w.path
                       else rng.normal(0, 0.7, w.shape).astype(np.float32)
                       for w in model.weights])
    x = rng.uniform(0, 1, (32, 28, 28, 1)).astype(np.float32)
    folded = tf_keras_twin(model, FOLD_ARCH, len(LABELS), fold=True)
    assert not [layer for layer in folded.layers
                if isinstance(layer, tf_keras.layers.BatchNormalization)]
    assert folded.count_params() == model.count_params() - 3 * (4 + 6 + 8)  # 4 BN vectors -> 1 bias
    expected = np.asarray(model.predict(x, verbose=0))
    np.testing.assert_allclose(folded.predict(x, verbose=0), expected, atol=2e-5)  # float32 rounding at large logits
    assert (folded.predict(x, verbose=0).argmax(1) == expected.argmax(1)).all()


@pytest.mark.parametrize("fold", [False, True])
@pytest.mark.parametrize("quantization", [None, "float16", "uint8"])
def test_export_loads_back_and_matches(trained, quantization, fold):
    model, test = trained
    params = {"quantization": quantization, "verify_samples": None, "tolerance": TOLERANCE,
              "fold_batch_norm": fold}
    files = export_tfjs(model, LABELS, MODELLING, params)
    manifest = json.loads(files["model.json"])
    shards = manifest["weightsManifest"][0]["paths"]
    assert all(s in files and s.startswith("weights.") for s in shards)
    config = json.dumps(manifest["modelTopology"])
    assert "batch_shape" not in config and "DTypePolicy" not in config  # what TF.js 4.22 rejects
    report = verify_export(files, model, test, LABELS, REPORTING, params)
    assert report["max_abs_probability_difference"] <= TOLERANCE[str(quantization).lower()]
    assert report["verified_on"] == 64
    layers = [layer["class_name"] for layer in manifest["modelTopology"]["model_config"]["config"]["layers"]]
    assert ("BatchNormalization" in layers) != fold
    bytes_f32 = model.count_params() * 4
    expected = {None: bytes_f32, "float16": bytes_f32 // 2, "uint8": bytes_f32 // 4}[quantization]
    assert report["weights_bytes"] == pytest.approx(expected, rel=0.1)
    if quantization is None:
        assert report["max_abs_probability_difference"] < 1e-5
        assert report["top1_agreement"] == 1.0


def test_weight_file_name_changes_with_weights(trained):
    model, _ = trained
    params = {"quantization": None}
    a = set(export_tfjs(model, LABELS, MODELLING, params))
    changed = keras.models.clone_model(model)
    changed.set_weights([w + 0.01 for w in model.get_weights()])
    b = set(export_tfjs(changed, LABELS, MODELLING, params))
    assert a != b and "model.json" in a & b


def test_verify_export_fails_on_a_wrong_export(trained):
    model, test = trained
    params = {"quantization": None, "verify_samples": 32, "tolerance": TOLERANCE}
    other = keras.models.clone_model(model)
    other.set_weights([w * 1.5 for w in model.get_weights()])
    wrong = export_tfjs(other, LABELS, MODELLING, params)
    with pytest.raises(ValueError, match="differs from the Keras model"):
        verify_export(wrong, model, test, LABELS, REPORTING, params)


def test_package_adds_metadata(trained, tmp_path):
    model, test = trained
    params = {"quantization": "float16", "verify_samples": None, "tolerance": TOLERANCE}
    files = export_tfjs(model, LABELS, MODELLING, params)
    report = verify_export(files, model, test, LABELS, REPORTING, params)
    metrics = {"accuracy": 1.0, "parameters": model.count_params(), "data": "toy"}
    out = package_web_model(files, LABELS, metrics, {"available": False}, report, {"radius": 1.0})
    meta = json.loads(out["metadata.json"])
    assert meta["labels"] == LABELS and meta["quantization"] == "float16"
    assert meta["canvas_spec"]["radius"] == 1.0 and meta["canvas_spec"]["size"] == 28
    assert meta["metrics"]["accuracy"] == report["exported"]["accuracy"]
    assert len(meta["model_version"]) == 16 and "pen" not in meta["metrics"]
    pen = {"available": True, "clean": {"accuracy": 0.7, "case_folded_accuracy": 0.8, "n_test": 9}}
    with_pen = json.loads(package_web_model(files, LABELS, metrics, pen, report, {})["metadata.json"])
    assert with_pen["metrics"]["pen"]["accuracy"] == 0.7 and with_pen["metrics"]["pen"]["n"] == 9
    # the page's word decoder settings travel in metadata.json; a bad value fails the run
    assert meta["line_decoder"] == {"free_penalty": 8.0}
    tuned = package_web_model(files, LABELS, metrics, pen, report, {}, {"free_penalty": 2.5})
    assert json.loads(tuned["metadata.json"])["line_decoder"] == {"free_penalty": 2.5}
    with pytest.raises(ValueError, match="free_penalty"):
        package_web_model(files, LABELS, metrics, pen, report, {}, {"free_penalty": -1})
    # the size cue travels too when it was fitted; a malformed one fails the run
    assert "size_cue" not in meta
    cue = {"fitted": True, "k": 5, "least": 3, "clip": 1.0, "bins": 2, "alpha": 1.0, "weight": 1.0,
           "typical": {c: 1.0 for c in LABELS}, "loglik": {c: [-0.5, -1.0] for c in LABELS},
           "characters": 10, "writers": 2}
    sized = json.loads(package_web_model(files, LABELS, metrics, pen, report, {}, None, None, None,
                                         None, cue)["metadata.json"])
    assert sized["size_cue"] == {k: v for k, v in cue.items() if k != "fitted"}
    assert "in_sequence" not in sized["metrics"]["pen"]  # no such figure in these pen metrics
    seq = {**pen, "in_sequence": {"clean": {"accuracy": 0.8, "case_folded_accuracy": 0.9}}}
    both = json.loads(package_web_model(files, LABELS, metrics, seq, report, {}, None, None, None,
                                        None, cue)["metadata.json"])
    assert both["metrics"]["pen"]["in_sequence"] == {"accuracy": 0.8, "case_folded_accuracy": 0.9}
    no_cue = json.loads(package_web_model(files, LABELS, metrics, seq, report, {})["metadata.json"])
    assert "in_sequence" not in no_cue["metrics"]["pen"]  # the page has no cue to do it with
    unfitted = package_web_model(files, LABELS, metrics, pen, report, {}, None, None, None, None,
                                 {"fitted": False})
    assert "size_cue" not in json.loads(unfitted["metadata.json"])
    with pytest.raises(ValueError, match="size_cue is malformed"):
        package_web_model(files, LABELS, metrics, pen, report, {}, None, None, None, None,
                          {"fitted": True, "k": 5})
    # learning from picks: its settings ship when enabled, with the pipeline's figure for it
    assert "adaptation" not in meta
    fixes = {**pen, "with_corrections": {"clean": {"accuracy": 0.85, "case_folded_accuracy": 0.91}}}
    on = {"enabled": True, "tau": 0.4, "beta": 1.0}
    learnt = json.loads(package_web_model(files, LABELS, metrics, fixes, report, {}, None, None,
                                          None, None, None, on)["metadata.json"])
    assert learnt["adaptation"] == {"tau": 0.4, "beta": 1.0, "capacity": 500}
    assert learnt["metrics"]["pen"]["with_corrections"] == {"accuracy": 0.85,
                                                            "case_folded_accuracy": 0.91}
    off = json.loads(package_web_model(files, LABELS, metrics, fixes, report, {}, None, None, None,
                                       None, None, {"enabled": False, "tau": 0.4})["metadata.json"])
    assert "adaptation" not in off and "with_corrections" not in off["metrics"]["pen"]
    for bad in ({"enabled": True, "tau": 0}, {"enabled": True, "beta": -1},
                {"enabled": True, "capacity": 0}, {"enabled": True, "taus": 1}):
        with pytest.raises(ValueError, match="adaptation is malformed"):
            package_web_model(files, LABELS, metrics, pen, report, {}, None, None, None, None,
                              None, bad)
    # written through the dataset, it loads back in tf_keras
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save(out)
    back = load_tfjs(ds.load())
    np.testing.assert_allclose(back.predict(test["x"], verbose=0),
                               model.predict(test["x"], verbose=0), atol=0.02)


# ---- the stroke model --------------------------------------------------------------------------

STROKE_PARAMS = {"points": 16, "fusion_weight": 1.0,
                 "architecture": [{"type": "conv1d", "filters": 6, "kernel_size": 3,
                                   "batch_norm": True}, {"type": "max_pool1d"},
                                  {"type": "global_pool1d"}]}


@pytest.fixture(scope="module")
def stroke_trained():
    keras.utils.set_random_seed(1)
    model = build_model(STROKE_PARAMS["architecture"], len(LABELS), keras, input_shape=(16, 5),
                        name="stroke_model", input_name="strokes")
    rng = np.random.default_rng(1)
    model.set_weights([rng.uniform(0.5, 1.5, w.shape).astype(np.float32)
                       if "variance" in w.path else rng.normal(0, 0.5, w.shape).astype(np.float32)
                       for w in model.weights])
    x = rng.uniform(-0.5, 0.5, (40, 16, 5)).astype(np.float32)
    return model, {"x": x, "y": np.zeros(40, np.int64)}


@pytest.mark.parametrize("fold", [False, True])
def test_stroke_twin_with_2d_layers_is_the_same_function(stroke_trained, fold):
    from handwriting.pipelines.deployment.nodes import as_model_input

    stroke_model, paths = stroke_trained
    twin = tf_keras_twin(stroke_model, STROKE_PARAMS["architecture"], len(LABELS), fold=fold,
                         sequence_as_image=True, input_shape=(16, 5))
    assert twin.input_shape == (None, 16, 1, 5)
    np.testing.assert_allclose(twin.predict(as_model_input(twin, paths["x"]), verbose=0),
                               stroke_model.predict(paths["x"], verbose=0), atol=1e-5)


def test_stroke_model_export_folds_loads_back_and_ships_beside_the_image_model(
        trained, stroke_trained, tmp_path):
    from handwriting.pipelines.deployment.nodes import (
        STROKE_MODEL_FILE,
        as_model_input,
        export_stroke_tfjs,
        verify_stroke_export,
    )

    model, test = trained
    stroke_model, paths = stroke_trained
    params = {"quantization": "float16", "verify_samples": None, "tolerance": TOLERANCE,
              "fold_batch_norm": True}
    files = export_stroke_tfjs(stroke_model, {"trained": True}, LABELS, STROKE_PARAMS, params)
    assert STROKE_MODEL_FILE in files and "model.json" not in files
    topology = json.loads(files[STROKE_MODEL_FILE])
    layers = [layer["class_name"] for layer in topology["modelTopology"]["model_config"]["config"]["layers"]]
    # folded, and 1-D layers exported as their 2-D forms (fused ops in TF.js)
    assert "BatchNormalization" not in layers and "Conv1D" not in layers
    assert "Conv2D" in layers and "GlobalMaxPooling2D" in layers
    report = verify_stroke_export(files, stroke_model, paths, params)
    assert report["shipped"] and report["max_abs_probability_difference"] <= 0.02
    back = load_tfjs(files, STROKE_MODEL_FILE)
    assert back.input_shape == (None, 16, 1, 5)
    np.testing.assert_allclose(back.predict(as_model_input(back, paths["x"]), verbose=0),
                               stroke_model.predict(paths["x"], verbose=0), atol=0.02)

    # its own quantisation when set (the image model keeps deployment.quantization)
    small = export_stroke_tfjs(stroke_model, {"trained": True}, LABELS, STROKE_PARAMS,
                               {**params, "stroke_quantization": "uint8"})
    small_report = verify_stroke_export(small, stroke_model, paths,
                                        {**params, "stroke_quantization": "uint8"})
    assert small_report["quantization"] == "uint8"
    assert small_report["weights_bytes"] < report["weights_bytes"]

    # not trained, or weight 0: nothing to ship, and the page gets the image model alone
    assert export_stroke_tfjs(stroke_model, {"trained": False}, LABELS, STROKE_PARAMS, params) == {}
    assert export_stroke_tfjs(stroke_model, {"trained": True}, LABELS,
                              {**STROKE_PARAMS, "fusion_weight": 0}, params) == {}
    assert verify_stroke_export({}, stroke_model, paths, params) == {"shipped": False}

    # a wrong export is caught before anything is deployed
    other = {**files}
    twin = build_model(STROKE_PARAMS["architecture"], len(LABELS), keras, input_shape=(16, 5))
    with pytest.raises(ValueError, match="stroke model's TF.js export differs"):
        verify_stroke_export(other, twin, paths, params)

    image_files = export_tfjs(model, LABELS, MODELLING, params)
    image_report = verify_export(image_files, model, test, LABELS, REPORTING, params)
    metrics = {"accuracy": 1.0}
    out = package_web_model(image_files, LABELS, metrics, {"available": False}, image_report, {},
                            None, files, report, STROKE_PARAMS)
    meta = json.loads(out["metadata.json"])
    assert meta["stroke_model"] == {"path": STROKE_MODEL_FILE, "points": 16, "weight": 1.0,
                                    "weights_bytes": report["weights_bytes"],
                                    "quantization": "float16"}
    alone = package_web_model(image_files, LABELS, metrics, {"available": False}, image_report, {})
    assert "stroke_model" not in json.loads(alone["metadata.json"])
    assert json.loads(alone["metadata.json"])["model_version"] != meta["model_version"]
    # the same files with another decoder setting are another version; the creation time is not
    retuned = package_web_model(image_files, LABELS, metrics, {"available": False}, image_report,
                                {}, {"free_penalty": 2.0})
    again = package_web_model(image_files, LABELS, metrics, {"available": False}, image_report, {})
    versions = [json.loads(p["metadata.json"])["model_version"] for p in (alone, retuned, again)]
    assert versions[0] != versions[1] and versions[0] == versions[2]
    with pytest.raises(ValueError, match="not verified"):
        package_web_model(image_files, LABELS, metrics, {"available": False}, image_report, {},
                          None, files, {"shipped": False}, STROKE_PARAMS)
    ds = StaticModelDirectory(str(tmp_path / "model"))
    ds.save(out)
    loaded = ds.load()
    assert {STROKE_MODEL_FILE, "model.json", "metadata.json"} <= set(loaded)
    shipped = load_tfjs(loaded, STROKE_MODEL_FILE)
    np.testing.assert_allclose(shipped.predict(as_model_input(shipped, paths["x"]), verbose=0),
                               stroke_model.predict(paths["x"], verbose=0), atol=0.02)
    np.testing.assert_allclose(load_tfjs(loaded).predict(test["x"], verbose=0),
                               model.predict(test["x"], verbose=0), atol=0.02)


# ---- the pipeline: reports about a model are written once it is published ---------------------

def _deployment_catalog(trained, tmp_path, web_model):
    from kedro.io import DataCatalog, MemoryDataset
    from kedro_datasets.json import JSONDataset

    model, test = trained
    inputs = {
        "model": model, "labels": LABELS, "params:modelling": MODELLING,
        "params:deployment": {"quantization": None, "verify_samples": 16, "tolerance": TOLERANCE},
        "test_set": test, "params:reporting": REPORTING, "stroke_model": model,
        "stroke_training_history": {"trained": False}, "params:stroke_modelling": STROKE_PARAMS,
        "stroke_validation_set": {"x": test["x"], "y": test["y"]},
        "test_metrics": {"accuracy": 1.0}, "pen_metrics": {"available": False},
        "params:canvas_spec": {}, "params:line_decoder": {}, "size_cue": {"fitted": False},
        "params:adaptation": {"enabled": False},
        "word_model": None, "word_training_history": {"trained": False},
        "params:word_modelling": {}, "word_validation_set": {}, "lexicon": "",
        "text_decoder": {"tuned": False, "params": {}},
    }
    datasets = {name: MemoryDataset(value, copy_mode="assign") for name, value in inputs.items()}
    datasets["tfjs_model"] = StaticModelDirectory(str(web_model))
    for name in ("deployment_report", "stroke_deployment_report"):
        datasets[name] = JSONDataset(filepath=str(tmp_path / f"{name}.json"))
    return DataCatalog(datasets)


def test_reports_are_written_only_once_the_model_is_published(trained, tmp_path):
    from kedro.runner import SequentialRunner

    from handwriting.pipelines.deployment.pipeline import create_pipeline

    previous = {"model": "the one the host serves"}
    for name in ("deployment_report", "stroke_deployment_report"):
        (tmp_path / f"{name}.json").write_text(json.dumps(previous))
    (tmp_path / "not-a-folder").write_text("")  # the model folder's parent cannot be created
    failing = _deployment_catalog(trained, tmp_path, tmp_path / "not-a-folder" / "model")
    with pytest.raises(Exception, match="not-a-folder"):
        SequentialRunner().run(create_pipeline(), failing)
    for name in ("deployment_report", "stroke_deployment_report"):
        assert json.loads((tmp_path / f"{name}.json").read_text()) == previous, name

    web_model = tmp_path / "web" / "model"
    SequentialRunner().run(create_pipeline(), _deployment_catalog(trained, tmp_path, web_model))
    report = json.loads((tmp_path / "deployment_report.json").read_text())
    assert report["verified_on"] == 16 and report["max_abs_probability_difference"] < 1e-5
    assert json.loads((tmp_path / "stroke_deployment_report.json").read_text()) == {
        "shipped": False}
    assert "model.json" in StaticModelDirectory(str(web_model)).load()


def test_reports_refuse_a_published_model_of_another_version(trained):
    from handwriting.pipelines.deployment.nodes import model_version, report_deployment

    model, test = trained
    files = export_tfjs(model, LABELS, MODELLING, {"quantization": None})
    check = {"verified_on": 1}
    meta = {"labels": LABELS, "line_decoder": {"free_penalty": 8.0}}
    meta["model_version"] = model_version(files, metadata=meta)
    published = {**files, "metadata.json": json.dumps(meta).encode()}
    assert report_deployment(published, files, {}, check, {"shipped": False}) == (
        check, {"shipped": False})
    # the settings changed after the version was taken: not the version verified either
    edited = {**meta, "line_decoder": {"free_penalty": 2.0}}
    with pytest.raises(ValueError, match=f"version {meta['model_version']}, not the verified"):
        report_deployment({**files, "metadata.json": json.dumps(edited).encode()}, files, {},
                          check, {"shipped": False})
    stale = {**files, "metadata.json": b'{"model_version": "0123456789abcdef"}'}
    with pytest.raises(ValueError, match="version 0123456789abcdef, not the verified"):
        report_deployment(stale, files, {}, check, {"shipped": False})
    with pytest.raises(ValueError, match="no readable metadata.json"):
        report_deployment(files, files, {}, check, {"shipped": False})
