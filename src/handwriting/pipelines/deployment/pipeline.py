"""deployment: Keras model -> verified TF.js LayersModel + metadata, swapped into web/model."""

from kedro.pipeline import Pipeline, node

from .nodes import export_tfjs, package_web_model, verify_export


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(export_tfjs, ["model", "labels", "params:modelling", "params:deployment"],
                 "tfjs_export", name="export_tfjs"),
            node(verify_export,
                 ["tfjs_export", "model", "test_set", "labels", "params:reporting",
                  "params:deployment"],
                 "deployment_report", name="verify_export"),
            node(package_web_model,
                 ["tfjs_export", "labels", "test_metrics", "pen_metrics", "deployment_report",
                  "params:canvas_spec", "params:line_decoder"],
                 "tfjs_model", name="package_web_model"),
        ]
    )
