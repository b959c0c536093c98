"""Parameters are checked against one schema before the first node runs: the committed
configuration passes, and each bad value or unknown key fails with its dotted key, the value
and what is allowed."""

from __future__ import annotations

import copy

import pytest
from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from handwriting.datasets import emnist
from handwriting.parameters import ParameterError, validate
from handwriting.settings import CONFIG_LOADER_ARGS, CONFIG_LOADER_CLASS

from conftest import REPO


def _parameters(env: str) -> dict:
    loader = CONFIG_LOADER_CLASS(conf_source=str(REPO / "conf"), env=env, **CONFIG_LOADER_ARGS)
    return dict(loader["parameters"])


BASE = _parameters("local")  # what a plain `kedro run` reads: conf/base, then conf/local


@pytest.mark.parametrize("env", ["local", "quick"])
def test_the_committed_configuration_passes(env):
    validate(_parameters(env))


def _problems(**changes) -> str:
    """The error for BASE with ``changes`` ({"dotted.key": value}) applied."""
    params = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *path, last = dotted.split(".")
        target = params
        for key in path:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[int(last) if isinstance(target, list) else last] = value
    with pytest.raises(ParameterError) as caught:
        validate(params)
    return str(caught.value)


SUBSET = "must be null (all), a fraction in (0, 1] or a count >= 1000"


@pytest.mark.parametrize("value", ["abc", 2.0, 1, -5, 0, 0.0, True])
def test_a_subset_is_all_a_fraction_or_a_count_large_enough_to_split(value):
    # 2.0 once meant everything, 1 trained an epoch and died without a validation loss, -5
    # failed only after the pen strokes were rendered, "abc" with a TypeError inside a node
    shown = "true" if value is True else repr(value)
    assert f"preprocessing.train_subset = {shown}: {SUBSET}" in _problems(
        **{"preprocessing.train_subset": value})


@pytest.mark.parametrize("key", ["preprocessing.test_subset", "preprocessing.unipen.train_subset",
                                 "stroke_modelling.train_subset", "reporting.pen_eval_subset"])
def test_every_subset_is_checked(key):
    assert f"{key} = 2.0: {SUBSET}" in _problems(**{key: 2.0})


@pytest.mark.parametrize("value", [None, 1.0, 0.25, 1000, 12000])
def test_good_subsets_pass(value):
    params = copy.deepcopy(BASE)
    params["preprocessing"]["train_subset"] = value
    validate(params)


def test_a_misspelled_key_is_rejected_with_a_suggestion():
    params = copy.deepcopy(BASE)
    params["modelling"]["epoch"] = 3
    params["modeling"] = {}
    with pytest.raises(ParameterError) as caught:
        validate(params)
    message = str(caught.value)
    assert "modelling.epoch: unknown key; did you mean 'epochs'?" in message
    assert "modeling: unknown key; did you mean 'modelling'?" in message


def test_an_unknown_layer_type_or_option_fails_before_training():
    message = _problems(**{"modelling.architecture.2.type": "convv",
                           "stroke_modelling.architecture.0.kernel": 5})
    assert ("modelling.architecture[2].type = 'convv': must be one of conv, max_pool, flatten, "
            "global_avg_pool, dropout, dense (did you mean 'conv'?)") in message
    assert "stroke_modelling.architecture[0].kernel: unknown key; did you mean 'kernel_size'?" \
        in message
    # the image model's layers are not the stroke model's
    assert "modelling.architecture[0].type = 'conv1d'" in _problems(
        **{"modelling.architecture.0.type": "conv1d"})
    assert "stroke_modelling.architecture[0].filters: missing" in _problems(
        **{"stroke_modelling.architecture.0": {"type": "conv1d"}})


def test_an_input_pooled_away_fails_before_training():
    # 28 -> 14 -> 7 -> 3 after the committed three pools; two more leave less than a pool
    image = BASE["modelling"]["architecture"]
    deeper = image[:6] + [{"type": "max_pool"}, {"type": "max_pool"}] + image[6:]
    assert ("modelling.architecture[7] (max_pool, pool_size 2): the input (canvas_spec.size = 28) "
            "is down to 1 here, less than the pool") in _problems(
        **{"modelling.architecture": deeper})
    # the stroke model's pools against its points: 4 -> 2 -> 1 before its third pool
    assert ("stroke_modelling.architecture[6] (max_pool1d, pool_size 2): the input "
            "(stroke_modelling.points = 4) is down to 1 here") in _problems(
        **{"stroke_modelling.points": 4})
    # a convolution after flatten has no axis to work on
    assert "modelling.architecture[7] (conv) comes after modelling.architecture[6] (flatten)" in \
        _problems(**{"modelling.architecture.7": {"type": "conv", "filters": 8}})
    # ...each checked once the keys are sound on their own: a bad key is reported alone
    message = _problems(**{"stroke_modelling.points": 4, "modelling.epochs": 0})
    assert "modelling.epochs = 0" in message and "down to" not in message


def test_types_ranges_and_choices_name_what_is_allowed():
    message = _problems(**{
        "modelling.epochs": True,  # a YAML true is not the integer 1
        "modelling.learning_rate": 0,
        "preprocessing.validation_fraction": 1,
        "deployment.quantization": "int8",
        "modelling.lr_schedule": "linear",
        "modelling.architecture.7.rate": 1.5,
    })
    assert message.startswith("6 bad parameters")  # every problem at once
    for line in [
        "modelling.epochs = true: must be an integer >= 1",
        "modelling.learning_rate = 0: must be a number > 0",
        "preprocessing.validation_fraction = 1: must be a number in (0, 1)",
        "deployment.quantization = 'int8': must be one of null, float16, uint8",
        "modelling.lr_schedule = 'linear': must be one of null, cosine",
        "modelling.architecture[7].rate = 1.5: must be a number in [0, 1)",
    ]:
        assert line in message


def test_the_training_strategy_is_one_the_nodes_know():
    assert ("stroke_modelling.distribution = 'tpu': must be one of auto, mirrored, multi_worker, "
            "none") in _problems(**{"stroke_modelling.distribution": "tpu"})
    params = copy.deepcopy(BASE)
    params["modelling"]["distribution"] = "mirrored"
    validate(params)


def test_ints_pass_for_numbers_and_optional_keys_may_be_left_out():
    params = copy.deepcopy(BASE)
    params["modelling"]["learning_rate"] = 1  # an int where a float is expected
    params["deployment"]["quantization"] = None
    del params["modelling"]["augmentation"], params["line_decoder"], params["canvas_spec"]
    validate(params)
    del params["modelling"]["epochs"]
    with pytest.raises(ParameterError, match=r"modelling\.epochs: missing"):
        validate(params)


class _Recorder:
    """What a run did: the datasets it loaded for nodes and the nodes it started."""

    def __init__(self) -> None:
        self.events: list[str] = []

    @hook_impl
    def before_dataset_loaded(self, dataset_name: str) -> None:
        self.events.append(f"load {dataset_name}")

    @hook_impl
    def before_node_run(self, node) -> None:
        self.events.append(f"run {node.name}")


def test_a_bad_runtime_parameter_fails_the_run_before_any_node(monkeypatch):
    # `kedro run --env quick --pipeline ingestion --params modelling.epoch=3` (epochs misspelled),
    # in-process; were the check missing, the EMNIST files would be reached: make that loud,
    # never a download
    for variable in ("HANDWRITING_EMNIST_DIR", "HANDWRITING_UNIPEN_FILE"):
        monkeypatch.delenv(variable, raising=False)

    def no_emnist(self, names):
        raise AssertionError(f"a node's input was read: {names}")

    monkeypatch.setattr(emnist._EMNISTFiles, "_ensure", no_emnist)
    bootstrap_project(REPO)
    recorder = _Recorder()
    with KedroSession.create(project_path=REPO, env="quick",
                             runtime_params={"modelling": {"epoch": 3}}) as session:
        session._hook_manager.register(recorder)
        with pytest.raises(ParameterError, match=r"modelling\.epoch: unknown key; did you mean "
                                                 r"'epochs'\?"):
            session.run(pipeline_name="ingestion")
    assert recorder.events == []
