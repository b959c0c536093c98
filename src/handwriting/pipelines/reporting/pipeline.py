"""reporting: test metrics, per-class table, confusion heatmap, training curves, pen strokes,
the words model's figures and misread words; their headline figures for the run's MLflow record."""

from kedro.pipeline import Pipeline, node

from .nodes import (
    evaluate_model,
    evaluate_pen_strokes,
    plot_confusion_matrix,
    plot_stroke_training_curves,
    plot_training_curves,
)
from .run_metrics import run_metrics
from .words import (evaluate_word_model, measure_word_fit, plot_word_failures,
                    plot_word_training_curves)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(evaluate_model,
                 ["model", "test_set", "labels", "training_history", "params:reporting"],
                 ["test_metrics", "per_class_metrics", "confusion_matrix"],
                 name="evaluate_model"),
            node(plot_confusion_matrix, ["confusion_matrix", "labels"], "confusion_matrix_plot",
                 name="plot_confusion_matrix"),
            node(plot_training_curves, "training_history", "training_curves_plot",
                 name="plot_training_curves"),
            node(plot_stroke_training_curves, "stroke_training_history",
                 "stroke_training_curves_plot", name="plot_stroke_training_curves"),
            node(evaluate_pen_strokes,
                 ["model", "stroke_model", "stroke_training_history", "unipen_strokes",
                  "labels", "params:canvas_spec", "params:preprocessing",
                  "params:stroke_modelling", "params:reporting", "size_cue",
                  "params:adaptation"],
                 "pen_metrics", name="evaluate_pen_strokes"),
            node(evaluate_word_model,
                 ["word_model", "word_training_history", "word_test_set", "lexicon",
                  "text_decoder", "params:reporting"],
                 "word_metrics", name="evaluate_word_model"),
            node(plot_word_failures, ["word_metrics", "word_test_set"], "word_failures_plot",
                 name="plot_word_failures"),
            node(plot_word_training_curves, "word_training_history", "word_training_curves_plot",
                 name="plot_word_training_curves"),
            node(measure_word_fit,
                 ["word_model", "word_training_history", "word_train_set", "word_validation_set",
                  "params:reporting"],
                 "word_fit", name="measure_word_fit"),
            node(run_metrics, ["test_metrics", "pen_metrics", "word_metrics", "training_history"],
                 "run_metrics", name="record_run_metrics"),
        ]
    )
