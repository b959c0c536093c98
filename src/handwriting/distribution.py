"""Where a model trains: the ``tf.distribute`` strategy named by a model's ``distribution``
parameter, so that the same node uses every device present without a code change.

- ``auto`` (the default): ``MirroredStrategy`` over every local GPU when there is one, else
  TensorFlow's default strategy (one device: the CPU, exactly as without a strategy).
- ``mirrored``: ``MirroredStrategy`` over every local GPU, or over every logical CPU device when
  there is none (the tests split the CPU into two logical devices to run this path).
- ``multi_worker``: ``MultiWorkerMirroredStrategy``, the machines and this one's place among them
  read from ``TF_CONFIG``. TensorFlow wants it created before any other TensorFlow work in the
  process: run the training node alone on each worker (``kedro run --nodes train_model``). The
  fit runs in Keras 2 (tf_keras), since Keras 3's fails under this strategy; the node returns
  the same network in Keras 3, weight for weight.
- ``none``: the default strategy, whatever devices there are.

The parameters' ``batch_size`` stays the global batch: each step's batch is split over the
replicas, so more devices do the same steps faster rather than other steps. On one device the
weights are those of a run without a strategy, bit for bit; over several they differ slightly
(each replica's batch-norm statistics cover its share of the batch; sums run in another order).
"""

from __future__ import annotations

CHOICES = ("auto", "mirrored", "multi_worker", "none")


def training_strategy(name: str | None = "auto"):
    """The ``tf.distribute.Strategy`` that ``name`` asks for (one of ``CHOICES``; None: auto)."""
    import tensorflow as tf

    name = name or "auto"
    if name not in CHOICES:
        raise ValueError(f"unknown distribution {name!r} (use one of {', '.join(CHOICES)})")
    if name == "multi_worker":  # before listing devices, which starts TensorFlow's runtime
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
    if name == "mirrored" or (name == "auto" and gpus):
        return tf.distribute.MirroredStrategy(
            gpus or [d.name for d in tf.config.list_logical_devices("CPU")])
    return tf.distribute.get_strategy()


def strategy_name(strategy) -> str:
    """The name ``tf.distribute`` gives ``strategy``'s kind, as training histories record it."""
    import tensorflow as tf

    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return "MultiWorkerMirroredStrategy"  # its class is CollectiveAllReduceStrategy
    if isinstance(strategy, tf.distribute.MirroredStrategy):
        return "MirroredStrategy"
    return "default"
