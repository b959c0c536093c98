"""hooks.DataIdentity: the raw files a run read, by sha256, in the run's MLflow record."""

from __future__ import annotations

import hashlib
import sys
import types

from kedro.pipeline import Pipeline, node

from handwriting.hooks import DataIdentity, raw_files


class _Context:
    def __init__(self, catalog: dict):
        self.config_loader = {"catalog": catalog}


def _fake_mlflow(monkeypatch, active: bool) -> dict:
    logged: dict = {}
    fake = types.SimpleNamespace(active_run=lambda: object() if active else None,
                                 log_params=logged.update)
    monkeypatch.setitem(sys.modules, "mlflow", fake)
    return logged


def _setup(tmp_path):
    emnist = tmp_path / "emnist"
    emnist.mkdir()
    for name in ("emnist-byclass-mapping.txt", "emnist-byclass-test-images-idx3-ubyte.gz",
                 "emnist-letters-mapping.txt"):
        (emnist / name).write_bytes(name.encode())
    pens = tmp_path / "pens.jsonl.gz"
    pens.write_bytes(b"pens")
    model = tmp_path / "model.keras"
    model.write_bytes(b"model")
    catalog = {
        "emnist_test_raw": {"type": "x", "directory": str(emnist), "variant": "byclass",
                            "metadata": {"raw_input": True}},
        "unipen_strokes": {"type": "kedro.io.CachedDataset", "metadata": {"raw_input": True},
                           "dataset": {"type": "y", "filepath": str(pens)}},
        "model": {"type": "z", "filepath": str(model)},  # an input, but not a raw one
        "unipen_words": {"type": "y", "filepath": str(tmp_path / "missing.jsonl.gz"),
                         "metadata": {"raw_input": True}},
    }
    pipeline = Pipeline([node(lambda *a: 0, ["emnist_test_raw", "unipen_strokes", "model",
                                             "unipen_words"], "out", name="n")])
    hook = DataIdentity()
    hook.after_context_created(_Context(catalog))
    return hook, pipeline, emnist, pens


def test_each_raw_file_read_is_a_parameter_holding_its_sha256(tmp_path, monkeypatch):
    logged = _fake_mlflow(monkeypatch, active=True)
    hook, pipeline, emnist, pens = _setup(tmp_path)
    hook.after_pipeline_run({}, pipeline, None)
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
           for p in [*emnist.iterdir(), pens]}
    # the variant's EMNIST files and the wrapped UNIPEN file; not another variant, not the model,
    # not a file that is not there
    assert logged == {f"data.{name}": sha[name] for name in (
        "emnist-byclass-mapping.txt", "emnist-byclass-test-images-idx3-ubyte.gz",
        "pens.jsonl.gz")}


def test_nothing_is_logged_without_an_active_run(tmp_path, monkeypatch):
    logged = _fake_mlflow(monkeypatch, active=False)
    hook, pipeline, *_ = _setup(tmp_path)
    hook.after_pipeline_run({}, pipeline, None)
    assert logged == {}
    monkeypatch.delitem(sys.modules, "mlflow")  # kedro-mlflow not installed: not imported here
    hook.after_pipeline_run({}, pipeline, None)
    assert "mlflow" not in sys.modules


def test_raw_files_of_an_entry(tmp_path):
    (tmp_path / "a.gz").write_bytes(b"a")
    assert raw_files({"filepath": str(tmp_path / "a.gz")}) == [tmp_path / "a.gz"]
    assert raw_files({"dataset": {"filepath": str(tmp_path / "a.gz")}}) == [tmp_path / "a.gz"]
    assert raw_files({"filepath": str(tmp_path / "b.gz")}) == []
    assert raw_files({"type": "x"}) == []
