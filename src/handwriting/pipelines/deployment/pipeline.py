"""deployment: Keras models (image, stroke, words) -> verified TF.js LayersModels + lexicon +
metadata, published
into web/model; the deployment reports are written last, from the published folder, so they
describe a model that shipped."""

from kedro.pipeline import Pipeline, node

from .nodes import (
    export_stroke_tfjs,
    export_tfjs,
    package_web_model,
    report_deployment,
    verify_export,
    verify_stroke_export,
)
from .words import export_word_tfjs, package_words, verify_word_export


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(export_tfjs, ["model", "labels", "params:modelling", "params:deployment"],
                 "tfjs_export", name="export_tfjs"),
            node(verify_export,
                 ["tfjs_export", "model", "test_set", "labels", "params:reporting",
                  "params:deployment"],
                 "export_check", name="verify_export"),
            node(export_stroke_tfjs,
                 ["stroke_model", "stroke_training_history", "labels", "params:stroke_modelling",
                  "params:deployment"],
                 "stroke_tfjs_export", name="export_stroke_tfjs"),
            node(verify_stroke_export,
                 ["stroke_tfjs_export", "stroke_model", "stroke_validation_set",
                  "params:deployment"],
                 "stroke_export_check", name="verify_stroke_export"),
            node(export_word_tfjs,
                 ["word_model", "word_training_history", "params:word_modelling",
                  "params:deployment"],
                 "word_tfjs_export", name="export_word_tfjs"),
            node(verify_word_export,
                 ["word_tfjs_export", "word_model", "word_validation_set", "params:deployment"],
                 "word_export_check", name="verify_word_export"),
            node(package_words,
                 ["word_tfjs_export", "word_export_check", "lexicon", "text_decoder",
                  "params:word_modelling"],
                 "words_package", name="package_words"),
            node(package_web_model,
                 ["tfjs_export", "labels", "test_metrics", "pen_metrics", "export_check",
                  "params:canvas_spec", "params:line_decoder", "stroke_tfjs_export",
                  "stroke_export_check", "params:stroke_modelling", "size_cue",
                  "params:adaptation", "words_package"],
                 "tfjs_model", name="package_web_model"),
            node(report_deployment,
                 ["tfjs_model", "tfjs_export", "stroke_tfjs_export", "export_check",
                  "stroke_export_check", "words_package"],
                 ["deployment_report", "stroke_deployment_report"], name="report_deployment"),
        ]
    )
