"""The training nodes under tf.distribute: the CPU split into two logical devices stands in for
two GPUs, two processes on this machine for two machines. TensorFlow fixes its devices once per
process, so each run is a fresh subprocess."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from handwriting.distribution import training_strategy

TESTS = Path(__file__).resolve().parents[2]  # toy_images lives there

# Trains the image node under the distribution in argv[1], the CPU split into argv[2] logical
# devices, and prints what it saw.
SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf

    distribution, devices = sys.argv[1], int(sys.argv[2])
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(devices)])

    from handwriting.distribution import training_strategy
    from handwriting.pipelines.modelling.nodes import train_model
    from toy_images import bar_images as toy

    params = {"seed": 1, "architecture": [{"type": "conv", "filters": 4, "batch_norm": True},
                                          {"type": "max_pool"}, {"type": "flatten"}],
              "batch_size": 32, "epochs": 4, "learning_rate": 0.01, "lr_schedule": None,
              "label_smoothing": 0.0, "use_class_weights": True,
              "early_stopping": {"patience": 10, "restore_best_weights": False},
              "augmentation": {"enabled": True, "rotation_degrees": 5, "shift_pixels": 1},
              "verbose": 0, "distribution": distribution}
    model, history = train_model(toy(384, 0), toy(96, 1), {"2": 2.0}, list("abc"), params)
    kernel = model.layers[1].kernel.value  # the first conv's weights, one copy per replica
    copies = getattr(kernel, "values", (kernel,))
    val = toy(96, 2)
    print(json.dumps({
        "strategy": history["strategy"], "replicas": history["replicas"],
        "loss": history["metrics"]["loss"],
        "accuracy": float((model.predict(val["x"], verbose=0).argmax(1) == val["y"]).mean()),
        "copies_on": sorted(c.device.split("/")[-1] for c in copies),
        "copies_equal": all(np.array_equal(c.numpy(), copies[0].numpy()) for c in copies),
        "kernel_sum": float(np.sum(model.layers[1].get_weights()[0])),
        "auto_replicas": (training_strategy("auto").num_replicas_in_sync
                          if distribution != "multi_worker" else None)}))
""")


def _start(distribution: str, devices: int, tf_config: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    env.pop("TF_CONFIG", None)
    if tf_config:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen([sys.executable, "-c", SCRIPT, distribution, str(devices)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err[-4000:]
    return json.loads(out.strip().splitlines()[-1])


def test_mirrored_training_uses_both_logical_devices_and_learns():
    run = _result(_start("mirrored", 2))
    assert run["strategy"] == "MirroredStrategy" and run["replicas"] == 2
    # each replica holds its own copy of every weight, kept equal by the all-reduce
    assert run["copies_on"] == ["device:CPU:0", "device:CPU:1"] and run["copies_equal"]
    assert run["loss"][-1] < 0.5 * run["loss"][0]
    assert run["accuracy"] > 0.9
    # without a GPU, the default leaves a many-device CPU alone: one replica, as before
    assert run["auto_replicas"] == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_multi_worker_training_trains_one_model_over_two_processes():
    """Two workers on this machine, as TF_CONFIG would name two machines: each trains on its
    share of every batch, and both end with the same weights."""
    workers = [f"localhost:{_free_port()}" for _ in range(2)]
    runs = [_result(p) for p in [
        _start("multi_worker", 1, {"cluster": {"worker": workers},
                                   "task": {"type": "worker", "index": i}}) for i in range(2)]]
    for run in runs:
        assert run["strategy"] == "MultiWorkerMirroredStrategy" and run["replicas"] == 2
        assert run["loss"][-1] < 0.5 * run["loss"][0] and run["accuracy"] > 0.9
    assert runs[0]["loss"] == runs[1]["loss"] and runs[0]["kernel_sum"] == runs[1]["kernel_sum"]


def test_unknown_distribution_is_refused():
    with pytest.raises(ValueError, match="unknown distribution 'tpu'"):
        training_strategy("tpu")
