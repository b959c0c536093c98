"""The project's config loader: paths a user names in the environment must exist."""

from __future__ import annotations

import pytest

from handwriting.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

from conftest import REPO


def _catalog() -> dict:
    return dict(CONFIG_LOADER_CLASS(conf_source=str(REPO / "conf"), **CONFIG_LOADER_ARGS)["catalog"])


@pytest.mark.parametrize("variable", ["HANDWRITING_EMNIST_DIR", "HANDWRITING_UNIPEN_FILE"])
def test_a_path_the_user_names_must_exist_before_anything_runs(monkeypatch, tmp_path, variable):
    missing = tmp_path / "typo"
    monkeypatch.setenv(variable, str(missing))
    with pytest.raises(Exception, match=f"{variable} is set to '{missing}', which does not exist"):
        _catalog()
    assert not missing.exists()  # nothing was created in its place


def test_named_paths_and_defaults(monkeypatch, tmp_path):
    (tmp_path / "pens.jsonl.gz").write_bytes(b"")
    monkeypatch.setenv("HANDWRITING_EMNIST_DIR", str(tmp_path))
    monkeypatch.setenv("HANDWRITING_UNIPEN_FILE", str(tmp_path / "pens.jsonl.gz"))
    catalog = _catalog()
    assert catalog["emnist_train_raw"]["directory"] == str(tmp_path)
    assert catalog["unipen_strokes"]["dataset"]["filepath"] == str(tmp_path / "pens.jsonl.gz")
    monkeypatch.delenv("HANDWRITING_EMNIST_DIR")
    monkeypatch.setenv("HANDWRITING_UNIPEN_FILE", "")  # set but empty: the default
    catalog = _catalog()
    assert catalog["emnist_train_raw"]["directory"] == "data/01_raw/emnist"
    assert catalog["unipen_strokes"]["dataset"]["filepath"] == "data/01_raw/unipen/unipen_chars.jsonl.gz"
