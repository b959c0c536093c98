"""reporting.run_metrics: the figures an MLflow run records, in the form kedro-mlflow's
MlflowMetricsHistoryDataset logs."""

from handwriting.pipelines.reporting.run_metrics import run_metrics

TEST = {"accuracy": 0.8, "top3_accuracy": 0.97, "case_folded_accuracy": 0.85, "n_test": 3000,
        "data": "EMNIST byclass test file", "parameters": 59406,
        "by_group": {"digit": {"accuracy": 0.9, "n": 1000}},
        "class_balanced": {"accuracy": 0.7}, "most_confused": [["o", "0", 12]]}
PEN = {"available": True, "fusion_weight": 1.0, "writers": "held-out writers only",
       "clean": {"accuracy": 0.7, "n_test": 900, "by_group": {"digit": {"accuracy": 0.9}}},
       "stroke_model": {"clean": {"accuracy": 0.6}},
       "with_corrections": {"picks": {"accuracy": 0.99}}}
WORDS = {"available": True, "pieces": 40, "decoder": {"beam": 16},
         "with_language_model": {"overall": {"words_right": 0.5, "cer": 0.2, "words": 90},
                                 "by_style": {"PRINTED": {"words_right": 0.4}},
                                 "by_contributor": {"nic": {"words_right": 0.3}}}}
HISTORY = {"metrics": {"val_accuracy": [0.5, 0.6, 0.7], "loss": [2.0, 1.0, 0.5]}}


def test_headline_figures_flat_and_curves_by_epoch():
    logged = run_metrics(TEST, PEN, WORDS, HISTORY)
    assert logged["emnist.accuracy"] == {"value": 0.8, "step": 0}
    assert logged["emnist.n_test"] == {"value": 3000.0, "step": 0}
    assert logged["pen.clean.accuracy"]["value"] == 0.7
    assert logged["pen.stroke_model.clean.accuracy"]["value"] == 0.6
    assert logged["pen.fusion_weight"]["value"] == 1.0
    assert logged["words.with_language_model.overall.words_right"]["value"] == 0.5
    assert logged["words.with_language_model.by_style.PRINTED.words_right"]["value"] == 0.4
    assert logged["training.val_accuracy"] == [{"value": 0.5, "step": 1}, {"value": 0.6, "step": 2},
                                              {"value": 0.7, "step": 3}]


def test_breakdowns_and_settings_stay_in_the_reports():
    names = set(run_metrics(TEST, PEN, WORDS, HISTORY))
    for left_out in ("by_group", "class_balanced", "most_confused", "by_contributor", "picks",
                     "decoder"):
        assert not any(left_out in name for name in names), left_out
    assert "words.with_language_model.overall.words" not in names  # a count, not a figure


def test_no_pen_or_words_figures_when_the_run_had_none():
    names = set(run_metrics(TEST, {"available": False}, {"available": False}, {}))
    assert names == {"emnist.accuracy", "emnist.top3_accuracy", "emnist.case_folded_accuracy",
                     "emnist.n_test", "emnist.parameters"}
