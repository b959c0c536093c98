"""preprocessing: uint8 EMNIST splits -> float32 (N, 28, 28, 1) sets + class weights."""

from kedro.pipeline import Pipeline, node

from .nodes import compute_class_weights, prepare_test, prepare_train


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(prepare_train, ["emnist_train", "params:preprocessing"],
                 ["train_set", "validation_set"], name="prepare_train"),
            node(prepare_test, ["emnist_test", "params:preprocessing"], "test_set",
                 name="prepare_test"),
            node(compute_class_weights, ["train_set", "labels", "params:preprocessing"],
                 "class_weights", name="compute_class_weights"),
        ]
    )
