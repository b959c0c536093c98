"""Training-time augmentation: small affine jitter and stroke-thickness changes, on batches.

Drawings on the page vary in slant, size, position and apparent pen width far more than the
EMNIST scans; these transforms are mild versions of those variations. Applied to whole batches
inside tf.data so the CPU cost stays small; never part of the exported model.

Every random draw is stateless, derived from one seed per batch (``Draws``): the training
pipeline hands each batch a seed from a seeded stream, so the same parameters give the same
augmentations, whatever order tf.data's parallel map happens to run the batches in.
"""

from __future__ import annotations

import math

import tensorflow as tf


class Draws:
    """Independent stateless random draws from one seed (an int64 pair), one after another;
    without a seed, a random one (for direct calls, such as the tests')."""

    def __init__(self, seed=None):
        if seed is None:
            seed = tf.random.uniform([2], 0, 2**31 - 1, dtype=tf.int64)
        self.seed = tf.cast(seed, tf.int64)
        self.count = 0

    def _next(self) -> tf.Tensor:
        self.count += 1
        return tf.random.experimental.stateless_fold_in(self.seed, self.count)

    def uniform(self, shape, low: float = 0.0, high: float = 1.0) -> tf.Tensor:
        return tf.random.stateless_uniform(shape, self._next(), low, high)

    def normal(self, shape, stddev: float) -> tf.Tensor:
        return tf.random.stateless_normal(shape, self._next(), stddev=stddev)


def _affine_matrices(batch: int, cfg: dict, size: int, draws: Draws) -> tf.Tensor:
    """Per-image output->input projective transforms (8 numbers each) for rotate/scale/shear/shift."""
    def uniform(limit):
        return draws.uniform([batch], -limit, limit)

    angle = uniform(math.radians(cfg.get("rotation_degrees", 0.0)))
    shear = uniform(math.radians(cfg.get("shear_degrees", 0.0)))
    zoom = 1.0 + uniform(cfg.get("zoom", 0.0))
    aspect = 1.0 + uniform(cfg.get("aspect", 0.0))
    sx, sy = zoom * aspect, zoom / aspect
    shift = cfg.get("shift_pixels", 0.0)
    tx, ty = uniform(shift), uniform(shift)
    cos, sin, tan = tf.cos(angle), tf.sin(angle), tf.tan(shear)
    # forward map (about the centre): p' = R(angle) . Shear . Scale . p + t ; we need its inverse.
    a00, a01 = cos * sx, (cos * tan - sin) * sy
    a10, a11 = sin * sx, (sin * tan + cos) * sy
    det = a00 * a11 - a01 * a10
    i00, i01, i10, i11 = a11 / det, -a01 / det, -a10 / det, a00 / det
    c = (size - 1) / 2.0
    ox, oy = c + tx, c + ty  # output centre
    b0 = c - (i00 * ox + i01 * oy)
    b1 = c - (i10 * ox + i11 * oy)
    zeros = tf.zeros([batch])
    return tf.stack([i00, i01, b0, i10, i11, b1, zeros, zeros], axis=1)


def _thickness(images: tf.Tensor, cfg: dict, draws: Draws) -> tf.Tensor:
    """Randomly thicken (grey dilation) or thin (grey erosion) some images' strokes."""
    p_dilate, p_erode = cfg.get("dilate_probability", 0.0), cfg.get("erode_probability", 0.0)
    if not (p_dilate or p_erode):
        return images
    dilated = tf.nn.max_pool2d(images, 2, 1, "SAME")
    eroded = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
    u = draws.uniform([tf.shape(images)[0], 1, 1, 1])
    out = tf.where(u < p_dilate, dilated, images)
    return tf.where((u >= p_dilate) & (u < p_dilate + p_erode), eroded, out)


def augment_batch(images: tf.Tensor, cfg: dict, seed=None) -> tf.Tensor:
    """Augment a float32 (B, 28, 28, 1) batch according to ``cfg`` (see parameters_modelling.yml),
    its random draws derived from ``seed`` (``Draws``)."""
    draws = Draws(seed)
    size = images.shape[1]
    batch = tf.shape(images)[0]
    transforms = _affine_matrices(batch, cfg, size, draws)
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.constant([size, size]),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")
    return tf.clip_by_value(_thickness(out, cfg, draws), 0.0, 1.0)


def augment_paths(paths: tf.Tensor, cfg: dict, seed=None) -> tf.Tensor:
    """Augment a float32 (B, points, 5) batch of pen paths (handwriting.page.trajectory).

    Each path gets its own rotation, shear and aspect change plus a little Gaussian jitter on
    x, y; it is then re-centred and re-scaled to a longer side of 1 and its dx, dy recomputed,
    so an augmented path is again exactly what the spec would give for a distorted drawing
    (up to the arc-length resampling, which an affine map bends only slightly).
    """
    draws = Draws(seed)
    batch = tf.shape(paths)[0]

    def uniform(limit):
        return draws.uniform([batch], -limit, limit)

    angle = uniform(math.radians(cfg.get("rotation_degrees", 0.0)))
    tan = tf.tan(uniform(math.radians(cfg.get("shear_degrees", 0.0))))
    aspect = 1.0 + uniform(cfg.get("aspect", 0.0))
    cos, sin = tf.cos(angle), tf.sin(angle)
    a = tf.reshape(tf.stack([cos * aspect, (cos * tan - sin) / aspect,
                             sin * aspect, (sin * tan + cos) / aspect], axis=1), [-1, 2, 2])
    xy = tf.einsum("bij,bnj->bni", a, paths[..., :2])
    jitter = cfg.get("jitter", 0.0)
    if jitter:
        xy = xy + draws.normal(tf.shape(xy), stddev=jitter)
    lo, hi = tf.reduce_min(xy, axis=1, keepdims=True), tf.reduce_max(xy, axis=1, keepdims=True)
    side = tf.maximum(tf.reduce_max(hi - lo, axis=2, keepdims=True), 1e-6)
    xy = (xy - (lo + hi) / 2) / side
    d = tf.concat([xy[:, 1:] - xy[:, :-1], tf.zeros_like(xy[:, :1])], axis=1)
    return tf.concat([xy, d, paths[..., 4:]], axis=2)
