"""What a recurrent or deeper words model would cost, before anyone trains one (issue 26).

The shipped words model is convolutional. It underfits its own training ink, so a larger or
recurrent model is the next candidate, and training one wants a GPU. This measures, with
untrained weights (cost does not depend on the weights), each candidate's size, its training
throughput on this CPU (Keras, CTC loss, batches like the pipeline's) and its reading latency in
headless Chromium on wasm (TF.js 4.22 from node_modules, all kernels) for a word, a short line
and a ten-word line.

    .venv/bin/python -m benchmarks.word_architectures

Writes benchmarks/results/word_architectures.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from benchmarks import _browser as B
from handwriting.page.penline import FEATURES
from handwriting.word_model import CLASSES

REPO = B.REPO
RESULTS = REPO / "benchmarks" / "results"
TFJS = REPO / "node_modules" / "@tensorflow"
LENGTHS = (64, 200, 1200)  # points: a median word, a short line, a ten-word line
BATCH = (64, 188)  # pieces x points: the pipeline's 12,000 points per batch

VARIANTS = {
    "shipped": {},
    "cnn_deeper": {"dilations": [1, 2, 4, 1, 2, 4, 1, 2, 4, 1]},
    "cnn_wider": {"width": 192},
    "cnn_bigru": {"head": "gru"},
    "cnn_bilstm": {"head": "lstm"},
}


def build(params: dict, keras, name: str = "word_model"):
    """build_word_model's layers, with an optional bidirectional recurrent layer before the
    logits (128 units each way)."""
    layers = keras.layers
    width, kernel = int(params["width"]), int(params["kernel_size"])
    inputs = keras.Input((None, FEATURES), name="penline")
    x = layers.Conv1D(width // 2, kernel, padding="same", activation="relu", name="stem")(inputs)
    x = layers.Conv1D(width, kernel, strides=2, padding="same", name="reduce")(x)
    x = layers.LayerNormalization(name="reduce_norm")(x)
    x = layers.ReLU(name="reduce_relu")(x)
    for i, dilation in enumerate(params["dilations"]):
        y = layers.Conv1D(width, kernel, dilation_rate=int(dilation), padding="same",
                          name=f"block{i}_conv")(x)
        y = layers.LayerNormalization(name=f"block{i}_norm")(y)
        y = layers.ReLU(name=f"block{i}_relu")(y)
        x = layers.Add(name=f"block{i}_add")([x, y])
    head = params.get("head")
    if head:
        # TF.js 4.22 refuses Keras' default GRU (reset_after=True)
        cell = (layers.GRU(128, return_sequences=True, reset_after=False) if head == "gru"
                else layers.LSTM(128, return_sequences=True))
        x = layers.Bidirectional(cell, name=f"bi{head}")(x)
    logits = layers.Dense(CLASSES, name="logits")(x)
    probs = layers.Softmax(name="probabilities")(logits)
    return keras.Model(inputs, probs, name=name)


def train_throughput(params: dict, steps: int = 8) -> float:
    """Training points per second on this CPU: Adam, CTC loss, random pen lines and labels."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = build(params, keras)
    logits_model = keras.Model(model.inputs, model.get_layer("logits").output)
    optimizer = keras.optimizers.Adam(1e-3)
    n, points = BATCH
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, points, FEATURES)).astype(np.float32)
    y = rng.integers(0, CLASSES - 1, size=(n, 12)).astype(np.int32)
    y_len = np.full(n, 12, np.int32)
    lengths = np.full(n, points, np.int32)

    @tf.function
    def step(x, lengths, y, y_len):
        with tf.GradientTape() as tape:
            logits = logits_model(x, training=True)
            loss = tf.reduce_mean(tf.nn.ctc_loss(y, logits, y_len, (lengths + 1) // 2,
                                                 logits_time_major=False, blank_index=-1))
        grads = tape.gradient(loss, logits_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, logits_model.trainable_variables))
        return loss

    for _ in range(2):
        step(x, lengths, y, y_len)
    t0 = time.perf_counter()
    for _ in range(steps):
        float(step(x, lengths, y, y_len))
    return n * points * steps / (time.perf_counter() - t0)


def export(params: dict, folder: Path) -> tuple[int, int]:
    """The tf_keras twin converted to TF.js float16 in ``folder``; (parameters, weight bytes)."""
    import tf_keras
    from handwriting.tfjs_compat import save_tfjs

    model = build(params, tf_keras)
    save_tfjs(model, folder, quantization_dtype_map={"float16": "*"})
    weights = sum(p.stat().st_size for p in folder.glob("*.bin"))
    return int(model.count_params()), weights


PAGE = """<!doctype html><meta charset=utf-8>
<script src="tfjs/tfjs/dist/tf.min.js"></script>
<script src="tfjs/tfjs-backend-wasm/dist/tf-backend-wasm.min.js"></script>
<script>
window.measure = async (names, lengths, runs) => {
  tf.wasm.setWasmPaths(new URL('tfjs/tfjs-backend-wasm/dist/', location.href).href);
  await tf.setBackend('wasm'); await tf.ready();
  const out = {};
  for (const name of names) {
    const model = await tf.loadLayersModel(`models/${name}/model.json`);
    out[name] = {};
    for (const n of lengths) {
      const x = tf.randomNormal([1, n, 4]);
      for (let i = 0; i < 3; i++) await model.predict(x).data();
      const times = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await model.predict(x).data();
        times.push(performance.now() - t0);
      }
      x.dispose();
      times.sort((a, b) => a - b);
      out[name][n] = {median: times[Math.floor(runs / 2)], p90: times[Math.floor(runs * 0.9)]};
    }
    model.dispose();
  }
  return {backend: tf.getBackend(), version: tf.version.tfjs, latency: out};
};
</script>"""


def browser_latency(root: Path, names: list[str], runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    with B.serve(root) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=B.CHROMIUM, args=B.CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(url + "index.html")
        result = page.evaluate("([n, l, r]) => window.measure(n, l, r)", [names, list(LENGTHS), runs])
        result["chromium"] = browser.version
        browser.close()
    return result


def markdown(r: dict) -> str:
    base = r["variants"]["shipped"]["train_points_per_s"]
    lines = [
        "# Words model candidates: size, training speed, reading latency",
        "",
        f"Untrained weights (cost does not depend on them). {r['machine']}; TF.js "
        f"{r['tfjs']} on `{r['backend']}` in headless Chromium {r['chromium']}, median of "
        f"{r['runs']} warm readings (model only, no decoding). Training: Keras, CTC loss, batches "
        f"of {BATCH[0]} x {BATCH[1]} points, Adam. The shipped model's training took "
        f"{r['shipped_epoch_minutes']}.",
        "",
        "| model | parameters | float16 | training points/s | against shipped | "
        + " | ".join(f"{n} points (ms)" for n in LENGTHS) + " |",
        "|---|---:|---:|---:|---:|" + "---:|" * len(LENGTHS),
    ]
    for name, v in r["variants"].items():
        lat = " | ".join(f"{v['latency'][str(n)]['median']:.1f}" for n in LENGTHS)
        lines.append(f"| {name} | {v['parameters']:,} | {v['weights_bytes'] / 1000:.0f} KB | "
                     f"{v['train_points_per_s']:,.0f} | {v['train_points_per_s'] / base:.2f}x | "
                     f"{lat} |")
    lines += ["", f"Re-run: `.venv/bin/python -m benchmarks.word_architectures` "
              f"(wall time {r['wall_seconds']:.0f} s).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    base = yaml.safe_load((REPO / "conf/base/parameters_modelling.yml").read_text())["word_modelling"]
    results = {}
    with tempfile.TemporaryDirectory(prefix="word-arch-") as tmp:
        root = Path(tmp)
        (root / "index.html").write_text(PAGE)
        for package, files in (("tfjs", ["tf.min.js"]), ("tfjs-backend-wasm", [
                "tf-backend-wasm.min.js", "tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm",
                "tfjs-backend-wasm-threaded-simd.wasm"])):
            (root / "tfjs" / package / "dist").mkdir(parents=True)
            for f in files:
                shutil.copy(TFJS / package / "dist" / f, root / "tfjs" / package / "dist" / f)
        for name, change in VARIANTS.items():
            params = {**base, **change}
            params_count, weights = export(params, root / "models" / name)
            rate = train_throughput(params)
            results[name] = {"change": change, "parameters": params_count,
                             "weights_bytes": weights, "train_points_per_s": rate}
            print(f"{name}: {params_count:,} parameters, {weights / 1000:.0f} KB, "
                  f"{rate:,.0f} training points/s", flush=True)
        browser = browser_latency(root, list(VARIANTS), args.runs)
    for name, lat in browser["latency"].items():
        results[name]["latency"] = lat
    history = json.loads((REPO / "data/06_models/word_training_history.json").read_text()) \
        if (REPO / "data/06_models/word_training_history.json").exists() else {}
    seconds = history.get("train_seconds")
    report = {
        "machine": f"{os.cpu_count()} CPU cores ({platform.machine()})",
        "tfjs": browser["version"], "backend": browser["backend"],
        "chromium": browser["chromium"], "runs": args.runs, "variants": results,
        "shipped_epoch_minutes": (f"{seconds / 60:.0f} minutes here" if seconds
                                  else "(no training history found)"),
        "wall_seconds": time.perf_counter() - started,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "word_architectures.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / "word_architectures.md").write_text(markdown(report))
    print(markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
