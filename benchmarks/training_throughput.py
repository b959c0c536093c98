"""Training speed of the image model: samples per second through the modelling node.

Runs the pipeline's own `train_model` node with the project's modelling parameters (the shipped
recipe: architecture, batch size, augmentation) on random 28x28 images, so the figure is the one
a `kedro run` records in its training history (`samples_per_second`, validation passes
included), on whatever this machine has: its CPU, or every local GPU under the `auto`
distribution. The images are random because speed does not depend on what they show; the
benchmark needs no data and runs on any machine the project is installed on.

    .venv/bin/python -m benchmarks.training_throughput                  # 60,000 images, 2 epochs
    .venv/bin/python -m benchmarks.training_throughput --distribution mirrored --devices 2

``--devices N`` splits the CPU into N logical devices first (what the tests do to run the
mirrored path without GPUs). Rows are merged into benchmarks/results/training_throughput.json
and .md by machine and setting, so a GPU machine's row sits beside this CPU's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

from benchmarks._project import RESULTS, parameters

STEM = "training_throughput"


def _machine() -> dict:
    import tensorflow as tf

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor()) \
        if os.path.exists("/proc/cpuinfo") else platform.processor()
    gpus = [tf.config.experimental.get_device_details(d).get("device_name", d.name)
            for d in tf.config.list_physical_devices("GPU")]
    return {"cpu": cpu, "cpu_cores": os.cpu_count(), "gpus": gpus,
            "tensorflow": tf.__version__, "platform": platform.platform()}


def measure(samples: int, epochs: int, distribution: str, devices: int) -> dict:
    import tensorflow as tf

    if devices > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])
    from handwriting.pipelines.modelling.nodes import train_model

    modelling = parameters()["modelling"]
    labels = [str(i) for i in range(62)]
    rng = np.random.default_rng(0)

    def images(n: int) -> dict:
        return {"x": rng.uniform(0, 1, (n, 28, 28, 1)).astype(np.float32),
                "y": rng.integers(0, len(labels), n)}

    params = {**modelling, "epochs": epochs, "verbose": 0, "distribution": distribution,
              "early_stopping": {**modelling["early_stopping"], "patience": epochs}}
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    _, history = train_model(images(samples), images(max(samples // 20, 1)), {}, labels, params)
    return {
        "machine": _machine(),
        "distribution": distribution, "logical_cpu_devices": devices,
        "strategy": history["strategy"], "replicas": history["replicas"],
        "samples": samples, "validation_samples": history["validation_samples"],
        "epochs": history["epochs_run"], "batch_size": params["batch_size"],
        "parameters": history["parameters"],
        "augmentation": bool((params.get("augmentation") or {}).get("enabled")),
        "samples_per_second": history["samples_per_second"],
        "wall_seconds": time.perf_counter() - started,
        "load_average_before_after": [load_before, os.getloadavg()[0]],
    }


def _key(row: dict) -> tuple:
    m = row["machine"]
    return (m["cpu"], m["cpu_cores"], tuple(m["gpus"]), row["distribution"],
            row["logical_cpu_devices"])


def write(rows: list[dict]) -> None:
    lines = [
        "# Training speed of the image model",
        "",
        "The modelling node's `train_model` with the project's modelling parameters (the shipped "
        "recipe) on random 28x28 images; samples per second as the training history records "
        "them (all epochs' training samples over the fit's wall time, validation passes "
        "included; the first epoch also traces the graph). Re-run: "
        "`python -m benchmarks.training_throughput` (`--distribution`, `--devices`). The "
        "1-minute load average is read before and after: above the core count, other work "
        "shared the machine and the figure is pessimistic.",
        "",
        "| machine | distribution | strategy (replicas) | samples × epochs | batch | samples/s | "
        "load before / after |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        m = r["machine"]
        where = f"{m['cpu']}, {m['cpu_cores']} cores" + (
            f", {len(m['gpus'])} GPU: {', '.join(m['gpus'])}" if m["gpus"] else "")
        setting = r["distribution"] + (f", CPU as {r['logical_cpu_devices']} logical devices"
                                       if r["logical_cpu_devices"] > 1 else "")
        before, after = r["load_average_before_after"]
        lines.append(f"| {where} (TensorFlow {m['tensorflow']}) | {setting} | {r['strategy']} "
                     f"({r['replicas']}) | {r['samples']:,} × {r['epochs']} | {r['batch_size']} | "
                     f"**{r['samples_per_second']:,.0f}** | {before:.1f} / {after:.1f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{STEM}.md").write_text("\n".join(lines) + "\n")
    (RESULTS / f"{STEM}.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=60_000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--distribution", default="auto",
                    help="auto, mirrored, multi_worker or none (handwriting.distribution)")
    ap.add_argument("--devices", type=int, default=1,
                    help="split the CPU into this many logical devices first")
    args = ap.parse_args(argv)
    os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
    row = measure(args.samples, args.epochs, args.distribution, args.devices)
    path = RESULTS / f"{STEM}.json"
    rows = json.loads(path.read_text())["rows"] if path.exists() else []
    rows = [r for r in rows if _key(r) != _key(row)] + [row]
    write(rows)
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
