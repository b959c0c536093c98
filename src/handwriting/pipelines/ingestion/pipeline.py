"""Ingestion pipeline: mapping -> labels; each raw split checked against them."""

from kedro.pipeline import Node, Pipeline

from .nodes import build_labels, validate_split


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                build_labels,
                inputs=["emnist_mapping_raw", "params:ingestion"],
                outputs="labels",
                name="build_labels",
            ),
            Node(
                validate_split,
                inputs=["emnist_train_raw", "labels"],
                outputs="emnist_train",
                name="validate_emnist_train",
            ),
            Node(
                validate_split,
                inputs=["emnist_test_raw", "labels"],
                outputs="emnist_test",
                name="validate_emnist_test",
            ),
        ]
    )
