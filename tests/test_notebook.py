"""The exploration notebook runs top to bottom, loading through the catalog."""

import os
from pathlib import Path

import nbformat
import pytest
from nbconvert.preprocessors import ExecutePreprocessor

REPO = Path(__file__).resolve().parents[1]
EMNIST = Path(os.environ.get("HANDWRITING_SHARED_DIR", REPO.parent / "shared")) / "emnist"


@pytest.mark.slow
@pytest.mark.skipif(not EMNIST.exists() and not os.environ.get("CI"), reason="../shared/emnist absent")
def test_notebook_runs(monkeypatch):
    monkeypatch.setenv("HANDWRITING_EMNIST_DIR", str(EMNIST))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(REPO / "notebooks" / "exploration.ipynb", as_version=4)
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(REPO / "notebooks")}})
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []))
    assert "label order from the mapping file: 0123456789ABC" in outputs
    assert "upright 7: top rows" in outputs
