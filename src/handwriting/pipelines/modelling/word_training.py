"""Train the words model (handwriting.word_model) on the training contributors' pen lines with the
CTC loss; the validation contributors' character error rate picks the epoch kept.

Pieces of similar length are batched together (a batch holds about ``batch_points`` points), so
little of a batch is padding. Each batch's pen lines are stretched, sheared and slanted anew
(``augmentation``), in feature space: the steps ``(dx, dy)`` and the height ``y`` are linear in
the ink, so a linear map of the ink is the same map of its features.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from handwriting.evaluation import edit_distance
from handwriting.page.textdecoder import greedy_decode
from handwriting.word_model import build_word_model, encode_texts, frames, logits_of

logger = logging.getLogger(__name__)


def _pieces(word_set: dict) -> list[np.ndarray]:
    x, offsets = word_set["x"], word_set["offsets"]
    return [x[a:b] for a, b in zip(offsets[:-1], offsets[1:])]


def _batches(lengths: np.ndarray, batch_points: int, most: int, rng=None) -> list[np.ndarray]:
    """Indices grouped by length (about ``batch_points`` points, at most ``most`` pieces each);
    the order of the batches shuffled by ``rng`` (None: shortest first)."""
    order = np.argsort(lengths, kind="stable")
    groups, current = [], []
    for i in order:
        current.append(i)
        if len(current) * lengths[i] >= batch_points or len(current) >= most:
            groups.append(np.array(current))
            current = []
    if current:
        groups.append(np.array(current))
    if rng is not None:
        rng.shuffle(groups)
    return groups


def _padded(pieces: list[np.ndarray], index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    longest = max(len(pieces[i]) for i in index)
    longest += -longest % 8  # fewer distinct shapes to compile
    x = np.zeros((len(index), longest, pieces[index[0]].shape[1]), np.float32)
    for row, i in enumerate(index):
        x[row, :len(pieces[i])] = pieces[i]
    return x, np.array([len(pieces[i]) for i in index], np.int32)


def augment_penlines(x: np.ndarray, cfg: dict, rng) -> np.ndarray:
    """Each pen line of the batch under its own random linear map of the ink: width stretched by
    1 +- ``stretch``, slanted by +- ``shear_degrees``, turned by +- ``rotation_degrees``."""
    n = len(x)
    sx = 1 + rng.uniform(-1, 1, n) * cfg.get("stretch", 0.0)
    shear = np.tan(np.radians(rng.uniform(-1, 1, n) * cfg.get("shear_degrees", 0.0)))
    turn = np.radians(rng.uniform(-1, 1, n) * cfg.get("rotation_degrees", 0.0))
    cos, sin = np.cos(turn), np.sin(turn)
    # ink (u, v) -> rotate(shear(stretch(u, v))); y is a height, so it follows v's row
    a = cos * sx
    b = cos * shear - sin
    c = sin * sx
    d = sin * shear + cos
    out = x.copy()
    dx, dy = x[..., 0], x[..., 1]
    out[..., 0] = a[:, None] * dx + b[:, None] * dy
    out[..., 1] = c[:, None] * dx + d[:, None] * dy
    out[..., 2] = d[:, None] * (x[..., 2] + 0.5) - 0.5
    return out


def character_error_rate(model, word_set: dict, batch_points: int = 40000) -> dict:
    """Best-path (no language model) readings of every piece: character error rate and the
    share of isolated words read exactly."""
    pieces = _pieces(word_set)
    labels = word_set["label"]
    errors = chars = right = words = 0
    for index in _batches(np.array([len(p) for p in pieces]), batch_points, 256):
        x, n = _padded(pieces, index)
        probs = model(x, training=False).numpy()
        for row, i in enumerate(index):
            text = greedy_decode(probs[row, :frames(n[row])])["text"]
            errors += edit_distance(text, labels[i])
            chars += len(labels[i])
            if word_set["kind"][i] == "word":
                words += 1
                right += text == labels[i]
    return {"cer": errors / max(chars, 1), "words_right": right / max(words, 1)}


def train_word_model(word_train_set: dict, word_validation_set: dict, params: dict):
    """Build and train the words model; return it (the best epoch's weights) and its history.
    Without training pieces (no words file) the model is returned untrained, with
    ``history["trained"] = False``, and the page does without it."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(params["seed"])
    model = build_word_model(params, keras)
    pieces = _pieces(word_train_set)
    if not pieces or len(word_validation_set["label"]) == 0:
        logger.warning("no word ink: the words model is not trained (the page reads characters)")
        return model, {"trained": False, "parameters": int(model.count_params())}
    logits_model = logits_of(model, keras)
    labels, label_lengths = encode_texts(list(word_train_set["label"]))
    lengths = np.array([len(p) for p in pieces])
    per_epoch = _batches(lengths, int(params["batch_points"]), int(params["batch_most"]))
    steps = len(per_epoch) * int(params["epochs"])
    lr = params["learning_rate"]
    if params.get("lr_schedule") == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(lr, decay_steps=steps, alpha=0.02)
    optimizer = keras.optimizers.Adam(learning_rate=lr, clipnorm=params.get("clip_norm"))

    @tf.function(input_signature=[tf.TensorSpec((None, None, 4), tf.float32),
                                  tf.TensorSpec((None,), tf.int32),
                                  tf.TensorSpec((None, None), tf.int32),
                                  tf.TensorSpec((None,), tf.int32)])
    def train_step(x, points, y, y_len):
        with tf.GradientTape() as tape:
            logits = logits_model(x, training=True)
            loss = tf.nn.ctc_loss(y, logits, y_len, (points + 1) // 2, logits_time_major=False,
                                  blank_index=-1)
            loss = tf.reduce_mean(loss / tf.cast(y_len, tf.float32))  # per character
        grads = tape.gradient(loss, logits_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, logits_model.trainable_variables))
        return loss

    rng = np.random.default_rng(params["seed"])
    aug = params.get("augmentation") or {}
    history = {"loss": [], "val_cer": [], "val_words_right": [], "seconds": []}
    best, best_weights, waited = np.inf, None, 0
    started = time.perf_counter()
    log_every = max(1, len(per_epoch) // int(params.get("progress_lines", 4)))
    for epoch in range(int(params["epochs"])):
        t0, losses, seen = time.perf_counter(), [], 0
        batches = _batches(lengths, int(params["batch_points"]), int(params["batch_most"]), rng)
        for k, index in enumerate(batches, 1):
            x, points = _padded(pieces, index)
            if aug.get("enabled"):
                x = augment_penlines(x, aug, rng)
            longest = int(label_lengths[index].max())
            losses.append(float(train_step(x, points, labels[index, :longest],
                                           label_lengths[index])))
            seen += len(index)
            if k % log_every == 0 and k < len(batches):
                rate = seen / (time.perf_counter() - t0)
                logger.info("words model epoch %d/%d: %d%% (loss %.3f, %.0f pieces/s, about "
                            "%.0f s left in this epoch)", epoch + 1, params["epochs"],
                            100 * k // len(batches), np.mean(losses[-log_every:]), rate,
                            (len(pieces) - seen) / rate)
        val = character_error_rate(model, word_validation_set)
        history["loss"].append(float(np.mean(losses)))
        history["val_cer"].append(val["cer"])
        history["val_words_right"].append(val["words_right"])
        history["seconds"].append(time.perf_counter() - t0)
        logger.info("words model epoch %d/%d: loss %.3f, validation CER %.4f, isolated words "
                    "right %.4f (best path, no language model), %.0f s", epoch + 1,
                    params["epochs"], history["loss"][-1], val["cer"], val["words_right"],
                    history["seconds"][-1])
        if val["cer"] < best:
            best, best_weights, waited = val["cer"], model.get_weights(), 0
        else:
            waited += 1
            if waited >= int(params["patience"]):
                logger.info("words model: no better validation CER for %d epochs, stopping", waited)
                break
    model.set_weights(best_weights)
    seconds = time.perf_counter() - started
    epochs_run = len(history["loss"])
    return model, {
        "trained": True,
        "metrics": history,
        "epochs": int(params["epochs"]),
        "epochs_run": epochs_run,
        "best_epoch": int(np.argmin(history["val_cer"])) + 1,
        "monitor": "val_cer",
        "train_seconds": seconds,
        "samples_per_second": epochs_run * len(pieces) / seconds,
        "train_samples": len(pieces),
        "validation_samples": int(len(word_validation_set["label"])),
        "parameters": int(model.count_params()),
    }
