"""benchmarks.web_audit: which downloads are the words model's, and the table against the targets
(the browser runs themselves are the command's; tests/web covers the page)."""

from __future__ import annotations

import json

from benchmarks import web_audit as W
from handwriting.datasets.static_model import StaticModelDirectory
from handwriting.page.manifest import read_manifest


def test_the_words_model_is_its_topology_its_weights_and_the_lexicon(tmp_path):
    words = {"paths": ["weights.words.bin"], "weights": []}
    files = {
        "metadata.json": json.dumps({"words_model": {"path": "word_model.json", "lexicon": "lexicon.txt"}}).encode(),
        "model.json": json.dumps({"weightsManifest": [{"paths": ["weights.image.bin"]}]}).encode(),
        "weights.image.bin": b"\0" * 100,
        "word_model.json": json.dumps({"weightsManifest": [words]}).encode(),
        "weights.words.bin": b"\1" * 1000,
        "lexicon.txt": b"the\nof\n",
    }
    StaticModelDirectory(str(tmp_path / "model")).save(files)
    named = read_manifest(tmp_path / "model")["files"]
    path = lambda name: f"/model/files/{named[name]['sha256']}{name[name.rindex('.'):]}"  # noqa: E731
    assert W.words_files(tmp_path) == {path(n): len(files[n])
                                       for n in ("word_model.json", "lexicon.txt", "weights.words.bin")}
    assert W.words_files(tmp_path / "elsewhere") == {}


def test_the_table_holds_each_figure_against_its_target():
    run = {"performance": 94, "tbt_ms": 250.0, "accessibility": 100, "best-practices": 100,
           "load_average": 3.0, "benchmark_index": 1500.0}
    preset = {"median": dict(run), "runs": [run], "failing_in_any_run": []}
    result = {
        "browser": "Chromium 1", "machine": {"cpu_cores": 2}, "command": "web_audit", "wall_s": 60,
        "axe_version": "4.14.1", "lighthouse": {"version": "12.2.3", "mobile": preset, "desktop": preset},
        "axe": {"390 px, words, fresh": [], "1280 px, characters, info panel open": [
            {"rule": "region", "impact": "moderate", "nodes": ["#pad", "footer"]}]},
        "visits": {"first": {"bytes": 2_300_000, "responses": 30, "words_model_and_lexicon": 1_200_000,
                             "fetched_twice": [], "by_path": {}},
                   "repeat": {"bytes": 0, "responses": 0, "by_path": {}},
                   "words_model_and_lexicon_size": 1_200_000, "page_errors": []},
    }
    table = W.markdown(result)
    assert "| Lighthouse mobile: performance (median of 1) | >= 95 | 94 | **no** |" in table
    assert "| Lighthouse mobile: accessibility (median of 1) | == 100 | 100 | yes |" in table
    assert "| Lighthouse desktop: total blocking time, ms (median of 1) | <= 200 | 250 | **no** |" in table
    assert "| axe-core violations, 390 px, words, fresh | 0 | 0 | yes |" in table
    assert "| axe-core violations, 1280 px, characters, info panel open | 0 | 1: `region` (2) on 2 elements | **no** |" in table
    assert "| <= 1,200,000 B | 1,100,000 B | yes |" in table  # the words model counted on its own
    assert "| 0 B | 0 B | yes |" in table
