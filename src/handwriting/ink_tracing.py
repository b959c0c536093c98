"""Pen paths guessed from images of ink: more writers for the stroke model.

The stroke model learns from real pen paths, and UNIPEN's training writers are all there are
(benchmarks/results/stroke_sizes.md: fewer of their characters cost accuracy, so more would
help). EMNIST's images come from many other writers (NIST's forms) but hold no pen order, so this
module guesses one: the ink is thresholded and thinned to a one-pixel skeleton (Zhang and Suen,
1984), and the skeleton is walked the way most people write. Each stroke starts at the free end
nearest the top left (the smallest row + column / 2), or, on a closed loop (no free end), at
its top left going left (counter-clockwise); it goes straight on at a junction where it can,
straight through a crossing already walked when the line goes on beyond, and takes the corner
pixels of a staircase along on a diagonal step. It ends where no unvisited pixel is next; the
next stroke starts at the top-left end left. The pixel staircase is smoothed with a
[1/4, 1/2, 1/4] kernel. The result is a drawing in the trajectory
spec's input format (``trajectory_spec``: strokes of ``[x, y]``, y down).

These are guesses: a 9 drawn loop first is walked tail first, and a junction can split one
pen stroke into two. Only ``benchmarks/stroke_sizes.py`` uses them. On held-out writers (fused,
clean): added to the real pens (row ``traced``) they made the stroke model worse, 79.38% exact
against 80.34%; as pre-training before the real pens (rows ``traced_pretrain*``, two seeds) they
gained 0.25 points exact and 0.18 case-folded on average and lost 1.1 on digits, short of the
rule set before measuring, so the pipeline does not use them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# the 8 neighbours (dy, dx), clockwise from north: P2 .. P9 in Zhang and Suen's naming
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def skeletonize(ink: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning of a batch of binary images ``(N, H, W)``: one-pixel-wide lines
    that keep each shape's connectivity. Iterates until no pixel changes."""
    if ink.ndim != 3:
        raise ValueError(f"expected images of shape (N, H, W), got {ink.shape}")
    b = np.pad(ink.astype(np.uint8), ((0, 0), (1, 1), (1, 1)))
    h, w = ink.shape[1:]
    while True:
        changed = False
        for step in (0, 1):
            n = [b[:, 1 + dy:1 + dy + h, 1 + dx:1 + dx + w] for dy, dx in _NEIGHBOURS]
            count = sum(p.astype(np.int32) for p in n)  # B(P1): ink neighbours
            ring = n + n[:1]
            rises = sum(((ring[i] == 0) & (ring[i + 1] == 1)).astype(np.int32) for i in range(8))
            p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
            side = ((p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0) if step == 0
                    else (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0))
            remove = (b[:, 1:-1, 1:-1] == 1) & (count >= 2) & (count <= 6) & (rises == 1) & side
            if remove.any():
                changed = True
                b = b.copy()
                b[:, 1:-1, 1:-1][remove] = 0
        if not changed:
            return b[:, 1:-1, 1:-1].astype(bool)


def _smooth(points: list[tuple[int, int]]) -> list[list[float]]:
    """``[x, y]`` points of a walk of (row, column) pixels, the staircase smoothed."""
    a = np.array([[c, r] for r, c in points], dtype=np.float64)
    if len(a) >= 3:
        a[1:-1] = 0.25 * a[:-2] + 0.5 * a[1:-1] + 0.25 * a[2:]
    return a.tolist()


def trace_skeleton(skeleton: np.ndarray, min_pixels: int = 3) -> list[list[list[float]]]:
    """Strokes (lists of ``[x, y]``) walking a skeleton ``(H, W)`` as described in the module
    docstring; walks shorter than ``min_pixels`` (specks) are dropped."""
    pixels = {(int(r), int(c)) for r, c in zip(*np.nonzero(skeleton))}

    def free_neighbours(p):
        return [(p[0] + dy, p[1] + dx) for dy, dx in _NEIGHBOURS
                if (p[0] + dy, p[1] + dx) in unvisited]

    def cosine(a, b, heading):
        step = (b[0] - a[0], b[1] - a[1])
        return (step[0] * heading[0] + step[1] * heading[1]) / np.hypot(*step) / np.hypot(*heading)

    def near(p, q):
        return max(abs(p[0] - q[0]), abs(p[1] - q[1])) <= 1

    unvisited = set(pixels)
    strokes = []
    while unvisited:
        ends = [p for p in unvisited if len(free_neighbours(p)) <= 1]
        start = min(ends or unvisited, key=lambda p: (p[0] + 0.5 * p[1], p[1]))
        walk, heading = [start], None
        unvisited.discard(start)
        while True:
            cur = walk[-1]
            options = free_neighbours(cur)
            if not options and heading is not None:
                # a crossing already walked: go straight through it when the line goes on
                over = (cur[0] + heading[0], cur[1] + heading[1])
                beyond = [q for q in free_neighbours(over) if cosine(over, q, heading) >= 0.7]
                if over in pixels and beyond:
                    walk.append(over)
                    cur, options = over, beyond
            if not options:
                break
            if heading is None:  # leftmost first step (a loop goes counter-clockwise), then up
                nxt = min(options, key=lambda q: (q[1] - cur[1], q[0] - cur[0]))
            else:  # straightest on (ties: the first clockwise from north)
                nxt = max(options, key=lambda q: cosine(cur, q, heading))
            heading = (nxt[0] - cur[0], nxt[1] - cur[1])
            walk.append(nxt)
            unvisited.discard(nxt)
            if heading[0] and heading[1]:
                # a diagonal step passes the corner pixels of a staircase: they are this
                # line's, unless a branch leaves from them
                for corner in ((cur[0] + heading[0], cur[1]), (cur[0], cur[1] + heading[1])):
                    if corner in unvisited and all(near(q, cur) or near(q, nxt)
                                                   for q in free_neighbours(corner)):
                        unvisited.discard(corner)
        if len(walk) > 4 and max(abs(walk[0][0] - walk[-1][0]), abs(walk[0][1] - walk[-1][1])) == 1:
            walk.append(walk[0])  # a loop closes where it started
        if len(walk) >= min_pixels:
            strokes.append(_smooth(walk))
    return strokes


def traced_drawings(images: np.ndarray, threshold: int = 96, batch: int = 5000
                    ) -> Iterator[list[list[list[float]]]]:
    """A guessed drawing (strokes) for each upright uint8 image ``(N, H, W)``: ink above
    ``threshold``, thinned, walked. An image with no ink gives ``[]``."""
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images of shape (N, H, W), got {images.dtype} "
                         f"{images.shape}")
    for i in range(0, len(images), batch):
        for skeleton in skeletonize(images[i:i + batch] > threshold):
            yield trace_skeleton(skeleton)
