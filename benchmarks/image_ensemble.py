"""Experiment (issue 27): what would an ensemble of the shipped image CNN buy on EMNIST?

Trains more copies of the shipped image model with other seeds, and a wider CNN (the project's
own ``train_model`` node and ``modelling`` parameters, on the model inputs of the project's last
`kedro run`), and reads each alone and the members averaged (geometric mean of their
probabilities) on the validation split, where a choice would be made, with the test file beside
it. Member ``shipped:42`` is the project's own trained model. Each member's probabilities are
kept under benchmarks/results/models/image_ensemble/ and reused.

    .venv/bin/python -m benchmarks.image_ensemble --members shipped:42 shipped:1 shipped:2 wide:42

Writes benchmarks/results/image_ensemble.md and .json.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from benchmarks._project import RESULTS, data_path, parameters

CACHE = RESULTS / "models" / "image_ensemble"
# Architectures a member may have (None: the shipped one, parameters_modelling.yml's).
ARCHITECTURES = {
    "shipped": None,
    "wide": [{"type": "conv", "filters": 32, "batch_norm": True}, {"type": "max_pool"},
             {"type": "conv", "filters": 64, "batch_norm": True}, {"type": "max_pool"},
             {"type": "conv", "filters": 128, "batch_norm": True}, {"type": "max_pool"},
             {"type": "flatten"}, {"type": "dropout", "rate": 0.25}],
}


def member_probabilities(member: str, sets: dict, inputs: dict) -> dict:
    """Validation and test probabilities of ``member`` (architecture:seed; shipped:42 is the
    project's own model), trained now unless cached."""
    architecture, seed = member.split(":")
    seed = int(seed)
    path = CACHE / f"{architecture}_{seed}.npz"
    if path.is_file():
        return dict(np.load(path))
    import keras

    if architecture == "shipped" and seed == 42:
        model = keras.models.load_model(data_path("model"))
    else:
        from handwriting.pipelines.modelling.nodes import train_model

        params = {**parameters()["modelling"], "seed": seed}
        if ARCHITECTURES[architecture]:
            params["architecture"] = ARCHITECTURES[architecture]
        model, _ = train_model(sets["train"], sets["validation"], inputs["class_weights"],
                                     inputs["labels"], params)
    out = {split: model.predict(sets[split]["x"], batch_size=1024, verbose=0)
           for split in ("validation", "test")}
    out["parameters"] = np.array(model.count_params())
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, **out)
    return out


def accuracy(probabilities: np.ndarray, y: np.ndarray) -> float:
    return float((probabilities.argmax(1) == y).mean())


def geometric_mean(members: list[np.ndarray]) -> np.ndarray:
    return np.mean([np.log(p + 1e-9) for p in members], axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", nargs="+",
                        default=["shipped:42", "shipped:1", "shipped:2", "shipped:3"],
                        help=f"architecture:seed, architecture one of {', '.join(ARCHITECTURES)}")
    args = parser.parse_args()
    sets = {split: dict(np.load(data_path(f"{split}_set")))
            for split in ("train", "validation", "test")}
    inputs = {"class_weights": json.loads(data_path("class_weights").read_text()),
              "labels": json.loads(data_path("labels").read_text())}
    seeds = args.members
    probs = {s: member_probabilities(s, sets, inputs) for s in seeds}
    y = {split: sets[split]["y"] for split in ("validation", "test")}
    rows = []
    for k in range(1, len(seeds) + 1):
        for combo in itertools.combinations(seeds, k):
            rows.append({"members": list(combo), **{
                split: accuracy(geometric_mean([probs[s][split] for s in combo]), y[split])
                for split in ("validation", "test")}})
    singles = [r for r in rows if len(r["members"]) == 1 and r["members"][0].startswith("shipped")]
    mean_single = {split: float(np.mean([r[split] for r in singles]))
                   for split in ("validation", "test")}
    result = {"seeds": seeds, "rows": rows, "mean_single": mean_single,
              "parameters": {s: int(probs[s]["parameters"]) for s in seeds}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "image_ensemble.json").write_text(json.dumps(result, indent=2))
    lines = ["# An ensemble of the shipped image CNN (experiment)", "",
             "Members (architecture:seed): the shipped recipe (`modelling` parameters) trained with "
             "other seeds on the project's model inputs, shipped:42 the project's own model; wide: "
             "32/64/128 filters instead of 16/32/64. Ensembles average the "
             "members' log probabilities. Validation: where a choice is made; test: reported. "
             "`python -m benchmarks.image_ensemble`.", "",
             "| members | parameters | validation exact | test exact |", "|---|---:|---:|---:|"]
    for r in rows:
        size = sum(int(probs[m]["parameters"]) for m in r["members"])
        lines.append(f"| {' + '.join(r['members'])} | {size:,} | {100 * r['validation']:.2f}% | "
                     f"{100 * r['test']:.2f}% |")
    lines += ["", f"One shipped-architecture member, mean over seeds: validation {100 * mean_single['validation']:.2f}%, "
              f"test {100 * mean_single['test']:.2f}%."]
    (RESULTS / "image_ensemble.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
