"""modelling: train/validation sets + class weights -> trained Keras model + history."""

from kedro.pipeline import Pipeline, node

from .nodes import train_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(train_model,
                 ["train_set", "validation_set", "class_weights", "labels", "params:modelling"],
                 ["model", "training_history"], name="train_model"),
        ]
    )
