"""preprocessing: uint8 EMNIST splits (+ optional UNIPEN strokes) -> float32 sets + class weights,
the UNIPEN pen paths the stroke model trains on, and the UNIPEN words and lines as pen lines
split by contributor."""

from kedro.pipeline import Pipeline, node

from .nodes import (
    combine_training_sets,
    compute_class_weights,
    prepare_pen_train,
    prepare_stroke_sets,
    prepare_test,
    prepare_train,
)
from .words import penline_set, penline_training_set, split_word_ink


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
            node(split_word_ink, ["unipen_words", "params:words"],
                 ["word_ink_train", "word_ink_validation", "word_ink_test"],
                 name="split_word_ink"),
            node(penline_training_set, ["word_ink_train", "params:word_modelling"], "word_train_set",
                 name="prepare_word_train_set"),
            node(penline_set, ["word_ink_validation", "params:word_modelling"],
                 "word_validation_set", name="prepare_word_validation_set"),
            node(penline_set, ["word_ink_test", "params:word_modelling"], "word_test_set",
                 name="prepare_word_test_set"),
            node(compute_class_weights, ["train_set", "labels", "params:preprocessing"],
                 "class_weights", name="compute_class_weights"),
        ]
    )
