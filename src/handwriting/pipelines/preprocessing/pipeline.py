"""preprocessing: uint8 EMNIST splits (+ optional UNIPEN strokes) -> float32 sets + class weights,
and the UNIPEN pen paths the stroke model trains on."""

from kedro.pipeline import Pipeline, node

from .nodes import (
    combine_training_sets,
    compute_class_weights,
    prepare_pen_train,
    prepare_stroke_sets,
    prepare_test,
    prepare_train,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(prepare_train, ["emnist_train", "params:preprocessing"],
                 ["emnist_train_set", "validation_set"], name="prepare_train"),
            node(prepare_pen_train,
                 ["unipen_strokes", "labels", "params:canvas_spec", "params:preprocessing"],
                 "pen_train_set", name="prepare_pen_train"),
            node(combine_training_sets, ["emnist_train_set", "pen_train_set"], "train_set",
                 name="combine_training_sets"),
            node(prepare_stroke_sets,
                 ["unipen_strokes", "labels", "params:preprocessing", "params:stroke_modelling"],
                 ["stroke_train_set", "stroke_validation_set"], name="prepare_stroke_sets"),
            node(prepare_test, ["emnist_test", "params:preprocessing"], "test_set",
                 name="prepare_test"),
            node(compute_class_weights, ["train_set", "labels", "params:preprocessing"],
                 "class_weights", name="compute_class_weights"),
        ]
    )
