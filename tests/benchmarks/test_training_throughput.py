"""benchmarks.training_throughput: the modelling node's samples per second, recorded per machine
and setting (a tiny run here)."""

import json

from benchmarks import training_throughput as T


def test_records_the_nodes_speed_and_keeps_one_row_per_machine_and_setting(tmp_path, monkeypatch):
    monkeypatch.setattr(T, "RESULTS", tmp_path)
    here = {"machine": T._machine(), "distribution": "auto", "logical_cpu_devices": 1,
            "samples_per_second": 1.0}
    gpu = {**here, "machine": {**here["machine"], "gpus": ["NVIDIA H100"]}, "strategy": "default",
           "replicas": 1, "samples": 10, "epochs": 1, "batch_size": 128,
           "samples_per_second": 9999.0, "load_average_before_after": [0.1, 0.2]}
    (tmp_path / "training_throughput.json").write_text(json.dumps({"rows": [here, gpu]}))
    T.main(["--samples", "256", "--epochs", "1"])
    kept, row = json.loads((tmp_path / "training_throughput.json").read_text())["rows"]
    assert kept == gpu  # another machine's row stays; this machine's old row is replaced
    assert row["replicas"] == max(len(row["machine"]["gpus"]), 1)  # every GPU, else the CPU
    assert row["samples"] == 256 and row["epochs"] == 1 and row["samples_per_second"] > 1.0
    md = (tmp_path / "training_throughput.md").read_text()
    assert "1 GPU: NVIDIA H100" in md and "**9,999**" in md and "| auto | default (1) |" in md
