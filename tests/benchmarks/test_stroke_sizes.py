"""benchmarks/stroke_sizes.py: its variants override keys of the shipped recipe, row traced reads
the EMNIST training file upright into pen paths, and its table renders what was measured (no
training here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import keras
import numpy as np
from emnist_files import idx_bytes, write_gz

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

import stroke_sizes as S  # noqa: E402

from handwriting.model_architecture import build_model  # noqa: E402


# one measured row, as run_variant returns it
ROW = {"what": "x", "parameters": 1000, "float16_bytes": 2000, "uint8_bytes": 1000,
       "train_samples": 1234,
       "epochs_run": 3, "best_epoch": 2, "val_accuracy": 0.5, "stroke_clean_accuracy": 0.6,
       "fused_clean_accuracy": 0.7, "fused_clean_case_folded_accuracy": 0.8,
       "fused_clean_digit_accuracy": 0.9, "fused_all_accuracy": 0.65,
       "image_clean_accuracy": 0.55, "image_clean_case_folded_accuracy": 0.66,
       "image_clean_digit_accuracy": 0.77, "n_clean": 10, "n_all": 20}


def test_variants_override_keys_of_the_shipped_recipe():
    conf = S._params()["stroke_modelling"]
    assert S.VARIANTS["shipped"][1] == {}
    sizes = {}
    for name, (_, overrides) in S.VARIANTS.items():
        assert set(overrides) <= set(conf) | set(S.BENCHMARK_KEYS), name  # keys the recipe has
        arch = overrides.get("architecture", conf["architecture"])
        model = build_model(arch, 62, keras, input_shape=(conf["points"], 5))
        sizes[name] = model.count_params()
    assert sizes["narrow"] < sizes["shipped"] < sizes["wide"]
    same_layers = ("shipped", "seed", "pool_late", "pool_late_seed", "pool_all", "first",
                   "clean_only", "data_half", "data_quarter", "warp", "wobble")
    assert len({sizes[n] for n in same_layers}) == 1
    # the rows measured against the first shipped recipe keep its schedule and pooling
    for name in ("first", "wide", "narrow", "clean_only"):
        assert S.VARIANTS[name][1]["epochs"] == 20, name
    assert S.VARIANTS["clean_only"][1]["architecture"] == S.VARIANTS["pool_late"][1]["architecture"]
    # the shipped stroke model fits beside the uint8 image model in the 150 KB budget as float16
    assert 59_070 + 2 * sizes["shipped"] <= 150_000 < 59_070 + 2 * sizes["wide"]
    # ... and the mid rows only as uint8
    assert 59_070 + sizes["mid"] <= 150_000 < 59_070 + 2 * sizes["mid"]
    assert sizes["mid"] == sizes["mid_seed"] and sizes["traced"] == sizes["shipped"]


def test_traced_emnist_turns_the_training_file_upright_into_pen_paths(tmp_path):
    upright_l = np.zeros((28, 28), np.uint8)
    upright_l[4:22, 6:9] = 255       # down the left side
    upright_l[19:22, 6:22] = 255     # then along the bottom
    bar = np.zeros((28, 28), np.uint8)
    bar[12:15, 4:24] = 255
    blank = np.zeros((28, 28), np.uint8)
    stored = np.stack([upright_l.T, blank, bar.T])   # EMNIST stores images transposed
    write_gz(tmp_path / "emnist-byclass-train-images-idx3-ubyte.gz", idx_bytes(stored))
    write_gz(tmp_path / "emnist-byclass-train-labels-idx1-ubyte.gz",
             idx_bytes(np.array([1, 0, 2], np.uint8)))
    (tmp_path / "emnist-byclass-mapping.txt").write_text("0 76\n1 76\n2 45\n")  # L, L, -
    labels = ["-", "x", "L"]
    out = S.traced_emnist(labels, 16, tmp_path)
    assert out["x"].shape == (2, 16, 5) and out["y"].tolist() == [2, 0]  # the blank left out
    x, y, dx, dy, pen = out["x"][0].T
    assert y[0] < -0.4 and dy[0] > 0 and abs(dx[0]) < dy[0]   # from the top, downwards first
    assert x[-1] > 0.3 and y[-1] > 0.3                        # ends bottom right
    assert np.ptp(out["x"][1][:, 1]) < 0.1                    # the bar lies flat


def test_variant_overrides_change_only_the_nested_keys_they_name():
    conf = S._params()["stroke_modelling"]
    warp = S.deep_merge(conf, S.VARIANTS["warp"][1])
    assert warp["augmentation"] == {**conf["augmentation"], "warp": 0.05}
    assert {k: v for k, v in warp.items() if k != "augmentation"} == {
        k: v for k, v in conf.items() if k != "augmentation"}
    wide = S.deep_merge(conf, S.VARIANTS["wide"][1])
    assert wide["architecture"] == S.VARIANTS["wide"][1]["architecture"]  # lists replace
    assert conf["augmentation"].get("warp") is None  # the recipe itself is left alone


def test_markdown_lists_measured_rows_in_variant_order():
    md = S.markdown({"wide": {**ROW, "fused_clean_accuracy": 0.71}, "shipped": ROW},
                    {"command": "cmd", "cpu_cores": 2})
    lines = [line for line in md.splitlines() if line.startswith("| `")]
    assert [line.split("`")[1] for line in lines] == ["shipped", "wide"]
    assert "**70.00%**" in lines[0] and "**71.00%**" in lines[1] and "55.00%" in md
    assert "| 1,234 |" in lines[0]  # training paths


def test_pipeline_model_is_reused_only_for_the_recipe_it_was_trained_with(tmp_path, monkeypatch):
    from handwriting.pipelines.modelling.nodes import stroke_recipe

    conf = S._params()["stroke_modelling"]
    models = tmp_path / "data" / "06_models"
    models.mkdir(parents=True)
    build_model(conf["architecture"], 62, keras, input_shape=(conf["points"], 5)).save(
        models / "stroke_model.keras")
    history = models / "stroke_training_history.json"
    history.write_text(json.dumps({"trained": True, "recipe": stroke_recipe(conf)}))
    monkeypatch.setattr(S, "REPO", tmp_path)

    model, _ = S._pipeline_model({**conf, "verbose": 0, "fusion_weight": 3.0}, shipped=False)
    assert model is not None  # neither key changes what is trained
    for name in ("seed", "first", "pool_late", "clean_only", "data_half", "data_quarter"):
        assert S._pipeline_model({**conf, **S.VARIANTS[name][1]}, shipped=False) == (None, None)
    # a history from before recipes were recorded: the shipped row only, and only if the layers
    # match (the same weights with a pooling layer moved do not)
    history.write_text(json.dumps({"trained": True}))
    assert S._pipeline_model(conf, shipped=False) == (None, None)
    assert S._pipeline_model(conf, shipped=True)[0] is not None
    assert S._pipeline_model({**conf, **S.VARIANTS["pool_late"][1]}, shipped=True) == (None, None)


def test_markdown_states_the_measured_seed_spread():
    rows = {"shipped": ROW, "seed": {**ROW, "stroke_clean_accuracy": 0.583,
                                     "fused_clean_accuracy": 0.706}}
    md = S.markdown(rows, {"command": "cmd", "cpu_cores": 2})
    assert "rows `shipped` and `seed` differ by 1.7 points for the stroke model alone and 0.6 fused" in md
    assert "span" not in md  # two draws are one pair, not a spread

    rows["shipped_now"] = {**ROW, "stroke_clean_accuracy": 0.62, "fused_clean_accuracy": 0.69}
    rows["seed_now"] = {**ROW, "stroke_clean_accuracy": 0.61, "fused_clean_accuracy": 0.70}
    rows["shipped_x2"] = {**ROW, "stroke_clean_accuracy": 0.9}  # shipped's model: not a draw
    md = S.markdown(rows, {"command": "cmd", "cpu_cores": 2})
    assert "rows `shipped_now` and `seed_now` differ by 1.0 points for the stroke model alone" in md
    assert ("the 4 draws of the shipped recipe here (rows `shipped`, `seed`, `shipped_now`, "
            "`seed_now`) span 3.7 points for the stroke model alone") in md
