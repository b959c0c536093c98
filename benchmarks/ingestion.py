"""Benchmark: our vectorised IDX reader vs python-mnist on the same EMNIST byclass files.

Usage: .venv/bin/python -m benchmarks.ingestion [--emnist-dir DIR] [--out benchmarks/results]

Each reader runs in its own subprocess, which reports its own wall time for the load and its
peak resident memory (VmHWM from /proc/self/status, cross-checked with ru_maxrss), so the
numbers of one reader never mix with another's. Results on the given files are then
extrapolated linearly to the full official train split (697,932 images); the output says so.
Optionally (default on) our reader is also *measured* on a synthetic full-size file made by
tiling the given train images up to 697,932.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

FULL_TRAIN = 697_932
REPO = Path(__file__).resolve().parents[1]
READERS = {
    "ours": "handwriting.datasets.idx (np.frombuffer)",
    "python-mnist-lists": "python-mnist 0.7, EMNIST mode, return_type='lists' (its default)",
    "python-mnist-numpy": "python-mnist 0.7, EMNIST mode, return_type='numpy'",
}


def _proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


# ---- child: load once, report ------------------------------------------------------------------


def child(reader: str, directory: Path, split: str) -> None:
    """Load one split with one reader; print a JSON line with time and memory."""
    import numpy as np

    images_path = directory / f"emnist-byclass-{split}-images-idx3-ubyte.gz"
    labels_path = directory / f"emnist-byclass-{split}-labels-idx1-ubyte.gz"
    if reader == "ours":
        from handwriting.datasets.idx import read_idx_images, read_idx_labels
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            import mnist
    baseline = _proc_status_kb("VmRSS")

    start = time.perf_counter()
    if reader == "ours":
        images, labels = read_idx_images(images_path), read_idx_labels(labels_path)
    else:
        mode = "lists" if reader == "python-mnist-lists" else "numpy"
        loader = mnist.MNIST(str(directory), return_type=mode, gz=True)
        loader.select_emnist("byclass")
        images, labels = loader.load_training() if split == "train" else loader.load_testing()
    seconds = time.perf_counter() - start
    peak = _proc_status_kb("VmHWM")
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # Fingerprint of the stored bytes, to show both readers read the same data (after the peak
    # was taken). python-mnist's EMNIST mode transposes images to upright; undo that.
    n = len(labels)
    array = np.asarray(images, dtype=np.uint8).reshape(n, 28, 28)
    if reader != "ours":
        array = array.transpose(0, 2, 1)
    digest = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
    digest_labels = hashlib.sha256(np.asarray(labels, dtype=np.uint8).tobytes()).hexdigest()
    print(
        json.dumps(
            {
                "reader": reader,
                "images": n,
                "load_seconds": seconds,
                "baseline_rss_kib": baseline,
                "peak_rss_kib": peak,
                "ru_maxrss_kib": maxrss,
                "images_dtype_returned": str(getattr(images, "dtype", type(images).__name__)),
                "sha256_images_as_stored": digest,
                "sha256_labels": digest_labels,
            }
        )
    )


# ---- parent ----------------------------------------------------------------------------------


def run_child(reader: str, directory: Path, split: str) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(  # this module alone (the package's __init__ is empty), then the reader
        [sys.executable, "-m", "benchmarks.ingestion", "--child", reader, "--emnist-dir",
         str(directory), "--split", split],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{reader} failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_wall_seconds"] = wall
    return result


def summarise(runs: list[dict], full: int) -> dict:
    """Median over repeats; linear extrapolation of time and of memory above the baseline."""
    n = runs[0]["images"]
    seconds = statistics.median(r["load_seconds"] for r in runs)
    peak = statistics.median(r["peak_rss_kib"] for r in runs)
    baseline = statistics.median(r["baseline_rss_kib"] for r in runs)
    factor = full / n
    return {
        "reader": runs[0]["reader"],
        "description": READERS[runs[0]["reader"]],
        "images": n,
        "repeats": len(runs),
        "load_seconds": round(seconds, 3),
        "peak_rss_mib": round(peak / 1024, 1),
        "baseline_rss_mib": round(baseline / 1024, 1),
        "load_memory_mib": round((peak - baseline) / 1024, 1),
        "images_dtype_returned": runs[0]["images_dtype_returned"],
        "sha256_images_as_stored": runs[0]["sha256_images_as_stored"],
        "sha256_labels": runs[0]["sha256_labels"],
        "extrapolated_to_images": full,
        "extrapolation_factor": round(factor, 4),
        "extrapolated_load_seconds": round(seconds * factor, 1),
        "extrapolated_peak_rss_mib": round((baseline + (peak - baseline) * factor) / 1024, 1),
        "runs": runs,
    }


def make_synthetic_full(directory: Path, target: Path, full: int) -> None:
    """Tile the train split up to ``full`` images (same bytes per image as the real file)."""
    import numpy as np

    from handwriting.datasets.idx import read_idx_images, read_idx_labels

    images = read_idx_images(directory / "emnist-byclass-train-images-idx3-ubyte.gz")
    labels = read_idx_labels(directory / "emnist-byclass-train-labels-idx1-ubyte.gz")
    target.mkdir(parents=True, exist_ok=True)
    with gzip.open(target / "emnist-byclass-train-images-idx3-ubyte.gz", "wb", compresslevel=6) as f:
        f.write(np.array([2051, full, 28, 28], dtype=">u4").tobytes())
        written = 0
        while written < full:
            take = min(len(images), full - written)
            f.write(images[:take].tobytes())
            written += take
    with gzip.open(target / "emnist-byclass-train-labels-idx1-ubyte.gz", "wb") as f:
        f.write(np.array([2049, full], dtype=">u4").tobytes())
        f.write(np.resize(labels, full).tobytes())


def write_markdown(result: dict, path: Path) -> None:
    n = result["rows"][0]["images"]
    full = result["full_train_images"]
    lines = [
        "# Ingestion benchmark: EMNIST byclass train images",
        "",
        f"Files: `{result['emnist_dir']}` ({result['split']} split, **{n:,} images**). "
        f"Machine: {result['machine']}. Each reader ran in its own subprocess; peak memory is "
        "that process's VmHWM (whole process, Python and numpy included); load memory is the "
        "peak minus the RSS after imports.",
        "",
        f"**The last two columns are an extrapolation**, linear in the number of images, from "
        f"{n:,} measured images to the {full:,} images of the official train split "
        f"(factor {full / n:.2f}); they were not measured.",
        "",
        "| reader | images | load time (s) | peak RSS (MiB) | load memory (MiB) | "
        f"extrapolated time for {full:,} (s) | extrapolated peak RSS for {full:,} (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        lines.append(
            f"| {row['description']} | {row['images']:,} | {row['load_seconds']:.2f} | "
            f"{row['peak_rss_mib']:,.0f} | {row['load_memory_mib']:,.0f} | "
            f"{row['extrapolated_load_seconds']:,.1f} | {row['extrapolated_peak_rss_mib']:,.0f} |"
        )
    same = len({r["sha256_images_as_stored"] for r in result["rows"]}) == 1
    lines += [
        "",
        f"All readers returned the same images and labels: **{'yes' if same else 'NO'}** "
        "(sha256 of the stored bytes; python-mnist's EMNIST mode transposes to upright, undone "
        "before hashing).",
        "",
        f"1-minute load average before/after the runs: {result['load_average_before_after'][0]} / "
        f"{result['load_average_before_after'][1]} on {os.cpu_count()} CPUs (a shared machine: "
        "absolute times are noisy, the ratios between readers are the point).",
    ]
    synthetic = result.get("synthetic_full")
    if synthetic:
        lines += [
            "",
            f"Measured, not extrapolated: our reader on a synthetic full-size file "
            f"({synthetic['images']:,} images, the {n:,} real ones tiled, gzip level 6): "
            f"**{synthetic['load_seconds']:.2f} s**, peak RSS **{synthetic['peak_rss_mib']:,.0f} MiB** "
            f"(load memory {synthetic['load_memory_mib']:,.0f} MiB; the uint8 payload alone is "
            f"{synthetic['images'] * 784 / 2**20:,.0f} MiB).",
        ]
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emnist-dir", type=Path,
                        help="the byclass files (default: benchmarks._project.EMNIST)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--split", default="train", choices=["train", "test"])
    parser.add_argument("--repeats", type=int, default=3, help="runs of our reader (median)")
    parser.add_argument("--reference-repeats", type=int, default=1, help="runs of each python-mnist mode")
    parser.add_argument("--no-synthetic-full", action="store_true", help="skip the full-size measurement")
    parser.add_argument("--child", choices=sorted(READERS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # always given --emnist-dir by the parent
        child(args.child, args.emnist_dir, args.split)
        return
    if args.emnist_dir is None:
        # imported only here: the memory children load this module and their reader, no more
        from benchmarks._project import EMNIST

        args.emnist_dir = EMNIST

    import numpy as np

    import mnist  # noqa: F401  (fail early when python-mnist is not installed)

    load_before = os.getloadavg()
    rows = []
    for reader in READERS:
        repeats = args.repeats if reader == "ours" else args.reference_repeats
        runs = [run_child(reader, args.emnist_dir, args.split) for _ in range(repeats)]
        rows.append(summarise(runs, FULL_TRAIN))
        print(f"{reader}: {rows[-1]['load_seconds']} s, peak {rows[-1]['peak_rss_mib']} MiB", file=sys.stderr)

    synthetic = None
    if not args.no_synthetic_full and args.split == "train":
        with tempfile.TemporaryDirectory() as tmp:
            make_synthetic_full(args.emnist_dir, Path(tmp), FULL_TRAIN)
            runs = [run_child("ours", Path(tmp), "train") for _ in range(args.repeats)]
        synthetic = summarise(runs, FULL_TRAIN)
        synthetic.pop("extrapolation_factor")
        for key in ("extrapolated_load_seconds", "extrapolated_peak_rss_mib", "extrapolated_to_images"):
            synthetic.pop(key)
        print(f"ours, synthetic full size: {synthetic['load_seconds']} s", file=sys.stderr)

    result = {
        "what": "Load EMNIST byclass images+labels (one split) with each reader, each in its own subprocess",
        "emnist_dir": str(args.emnist_dir),
        "split": args.split,
        "full_train_images": FULL_TRAIN,
        "extrapolation": (
            f"extrapolated_* fields are LINEAR EXTRAPOLATIONS from {rows[0]['images']} measured "
            f"images to {FULL_TRAIN} (time x factor; memory = baseline + (peak - baseline) x factor), "
            "not measurements"
        ),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {platform.system()} {platform.release()}",
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "rows": rows,
        "synthetic_full": synthetic,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingestion.json").write_text(json.dumps(result, indent=2) + "\n")
    write_markdown(result, args.out / "ingestion.md")
    print((args.out / "ingestion.md").read_text())


if __name__ == "__main__":
    main()
