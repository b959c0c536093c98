"""The five pipelines, and ``__default__`` = all of them joined through the catalog."""

from kedro.pipeline import Pipeline

from handwriting.pipelines import deployment, ingestion, modelling, preprocessing, reporting


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = {
        "ingestion": ingestion.create_pipeline(),
        "preprocessing": preprocessing.create_pipeline(),
        "modelling": modelling.create_pipeline(),
        "reporting": reporting.create_pipeline(),
        "deployment": deployment.create_pipeline(),
    }
    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))
    return pipelines
