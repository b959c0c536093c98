"""modelling: train/validation sets + class weights -> trained Keras model + history; pen paths
-> the stroke model + history; training writers' ink heights -> the page's size cue; a general
word list -> the page's lexicon; the training contributors' pen lines -> the words model."""

from kedro.pipeline import Pipeline, node

from .language_model import build_lexicon
from .nodes import fit_size_cue, train_model, train_stroke_model
from .decoder_tuning import tune_text_decoder
from .word_training import train_word_model


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(train_model,
                 ["train_set", "validation_set", "class_weights", "labels", "params:modelling"],
                 ["model", "training_history"], name="train_model"),
            node(train_stroke_model,
                 ["stroke_train_set", "stroke_validation_set", "labels",
                  "params:stroke_modelling"],
                 ["stroke_model", "stroke_training_history"], name="train_stroke_model"),
            node(fit_size_cue,
                 ["unipen_strokes", "labels", "params:preprocessing", "params:size_cue"],
                 "size_cue", name="fit_size_cue"),
            node(train_word_model,
                 ["word_train_set", "word_validation_set", "params:word_modelling"],
                 ["word_model", "word_training_history"], name="train_word_model"),
            node(tune_text_decoder,
                 ["word_model", "word_training_history", "word_validation_set", "lexicon",
                  "params:text_decoder"],
                 "text_decoder", name="tune_text_decoder"),
            node(build_lexicon, ["word_frequencies", "params:language_model"], "lexicon",
                 name="build_lexicon"),
        ]
    )
