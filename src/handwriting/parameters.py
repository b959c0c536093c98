"""What every parameter may be, checked once before the first node runs.

``SCHEMA`` mirrors conf/base/parameters_*.yml: a dict per section, a ``Rule`` per value, a list
of layer dicts for an architecture. Every key is required unless wrapped in ``optional`` (the
nodes' own defaults apply then), and a key the schema does not name is an error: a misspelled
key would otherwise be silently ignored. ``validate`` reports every problem at once, each with
its dotted key, the value and what is allowed.

Subset sizes (``train_subset`` and the like) are a fraction in (0, 1], a count of at least
``MIN_SUBSET`` items, or null for everything. A subset keeps every class at least one item, but a
class with one item cannot also be validated on (a count of 1 trained an epoch, then failed for
want of a validation loss); how small is too small depends on the data, not known before it is
read, so the floor is a round count that leaves the rarest EMNIST classes a few items each.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import Any, Callable

from handwriting.distribution import CHOICES as DISTRIBUTIONS

MIN_SUBSET = 1000


@dataclass(frozen=True)
class Rule:
    """A check on one value and, for the message, what it allows."""

    allows: str
    test: Callable[[Any], bool]
    required: bool = True


@dataclass(frozen=True)
class Section:
    """A nested dict of rules (a plain dict in ``SCHEMA``) that may be left out."""

    keys: dict
    required: bool = False


def optional(spec: Rule | dict) -> Rule | Section:
    """``spec`` (a rule, or a section's dict) for a key that may be left out."""
    if isinstance(spec, dict):
        return Section(spec)
    return Rule(spec.allows, spec.test, required=False)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)  # YAML true is not 1 here


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def integer(low: int) -> Rule:
    return Rule(f"an integer >= {low}", lambda v: _is_int(v) and v >= low)


def number(low: float, high: float | None = None, *, above: bool = False,
           below: bool = False) -> Rule:
    """A finite number (an int will do) from ``low`` to ``high``; ``above`` / ``below`` leave
    out the ends."""
    if high is None:
        allows = f"a number {'>' if above else '>='} {low}"
    else:
        allows = f"a number in {'(' if above else '['}{low}, {high}{')' if below else ']'}"

    def test(v: Any) -> bool:
        return (_is_number(v) and (v > low if above else v >= low)
                and (high is None or (v < high if below else v <= high)))

    return Rule(allows, test)


def one_of(*values: Any) -> Rule:
    shown = ", ".join("null" if v is None else str(v) for v in values)
    # `is` for None and the booleans, so that 0 does not pass for false
    return Rule(f"one of {shown}", lambda v: any(
        v is c if c is None or isinstance(c, bool) else (type(v) is type(c) and v == c)
        for c in values))


def nullable(rule: Rule) -> Rule:
    return Rule(f"null or {rule.allows}", lambda v: v is None or rule.test(v))


BOOL = Rule("true or false", lambda v: isinstance(v, bool))
TEXT = Rule("a non-empty string", lambda v: isinstance(v, str) and v != "")
SEED = integer(0)
FRACTION = number(0, 1, above=True, below=True)       # a share of something, not none nor all
PROBABILITY = number(0, 1)
SUBSET = Rule(f"null (all), a fraction in (0, 1] or a count >= {MIN_SUBSET}",
              lambda v: v is None or (isinstance(v, float) and 0 < v <= 1)
              or (_is_int(v) and v >= MIN_SUBSET))
QUANTIZATION = one_of(None, "float16", "uint8")


@dataclass(frozen=True)
class Layers:
    """An architecture: a non-empty list of layer dicts whose ``type`` is one of ``layers``,
    each with that type's own keys (handwriting.model_architecture)."""

    layers: dict[str, dict[str, Rule]]


_CONV = {"filters": integer(1), "kernel_size": optional(integer(1)), "batch_norm": optional(BOOL)}
_POOL = {"pool_size": optional(integer(1))}
_DROPOUT = {"rate": number(0, 1, below=True)}
_DENSE = {"units": integer(1), "batch_norm": optional(BOOL)}

IMAGE_LAYERS = Layers({"conv": _CONV, "max_pool": _POOL, "flatten": {}, "global_avg_pool": {},
                       "dropout": _DROPOUT, "dense": _DENSE})
STROKE_LAYERS = Layers({"conv1d": _CONV, "max_pool1d": _POOL, "global_pool1d": {},
                        "flatten": {}, "dropout": _DROPOUT, "dense": _DENSE})


def _training(architecture: Layers, augmentation: dict) -> dict:
    """What the image and the stroke model's training share."""
    return {
        "seed": SEED,
        "architecture": architecture,
        "batch_size": integer(1),
        "epochs": integer(1),
        "learning_rate": number(0, above=True),
        "lr_schedule": optional(one_of(None, "cosine")),
        "label_smoothing": optional(number(0, 1, below=True)),
        "early_stopping": {
            "monitor": optional(one_of("val_loss", "val_accuracy")),
            "patience": integer(0),
            "restore_best_weights": optional(BOOL),
        },
        "augmentation": optional({"enabled": optional(BOOL), **augmentation}),
        "verbose": optional(one_of(0, 1, 2)),
        "shuffle_buffer": optional(integer(1)),
        "distribution": optional(one_of(*DISTRIBUTIONS)),
    }


CONTRIBUTORS = Rule("a list of contributor codes (strings)", lambda v: (
    isinstance(v, list) and all(isinstance(c, str) and c for c in v)))
_ANGLE = optional(number(0, 90, below=True))  # degrees either way; 90 would shear to infinity
_STRETCH = optional(number(0, 1, below=True))  # 1 +- this: 1 would squash to nothing

SCHEMA: dict[str, Any] = {
    "ingestion": {"num_classes": one_of(62)},  # EMNIST byclass; the model and the page need 62
    "preprocessing": {
        "seed": SEED,
        "train_subset": optional(SUBSET),
        "test_subset": optional(SUBSET),
        "validation_fraction": FRACTION,
        "class_weights": optional({
            "power": optional(number(0)),
            "max_weight": optional(nullable(number(0, above=True))),
        }),
        "unipen": {
            "train": optional(BOOL),
            "heldout_fraction": FRACTION,
            "train_clean_only": optional(BOOL),
            "train_subset": optional(SUBSET),
            "repeat": optional(integer(1)),
        },
    },
    "canvas_spec": optional({  # handwriting.page.preprocess.CanvasSpec
        "size": optional(one_of(28)),  # the image model's input is 28x28
        "inner": optional(number(0, 28, above=True)),
        "radius": optional(number(0)),
        "softness": optional(Rule("a finite number (<= 0: a hard edge)", _is_number)),
    }),
    "modelling": {
        **_training(IMAGE_LAYERS, {
            "rotation_degrees": optional(number(0, 180)),
            "shear_degrees": _ANGLE,
            "zoom": _STRETCH,
            "aspect": _STRETCH,
            "shift_pixels": optional(number(0, 14)),
            "dilate_probability": optional(PROBABILITY),
            "erode_probability": optional(PROBABILITY),
        }),
        "use_class_weights": optional(BOOL),
    },
    "stroke_modelling": {
        **_training(STROKE_LAYERS, {
            "rotation_degrees": optional(number(0, 180)),
            "shear_degrees": _ANGLE,
            "aspect": _STRETCH,
            "jitter": optional(number(0)),
        }),
        "points": integer(2),
        "validation_writers": optional(FRACTION),
        "train_subset": optional(SUBSET),
        "clean_only": optional(BOOL),
        "class_weight_power": optional(number(0)),
        "fusion_weight": number(0),
    },
    "size_cue": {  # handwriting.page.sizecue
        "enabled": optional(BOOL),
        "k": integer(1),
        "least": integer(0),
        "clip": number(0, above=True),
        "bins": integer(1),
        "alpha": number(0, above=True),  # 0 would leave empty bins at probability 0
        "weight": number(0),
        "seed": SEED,
    },
    "reporting": {
        "case_fold_letters": Rule("a string of letters",
                                  lambda v: isinstance(v, str) and v.isalpha()),
        "top_confusions": optional(integer(0)),
        "data_description": optional(TEXT),
        "pen_eval_subset": optional(SUBSET),
        "word_eval_subset": optional(SUBSET),  # handwriting.pipelines.reporting.words
        "word_eval_seed": optional(SEED),
        "word_failures": optional(integer(0)),
        "word_fit_pieces": optional(integer(1)),
    },
    "deployment": {
        "quantization": optional(QUANTIZATION),
        "stroke_quantization": optional(QUANTIZATION),
        "word_quantization": optional(QUANTIZATION),
        "word_verify_samples": optional(nullable(integer(1))),
        "word_tolerance": optional(number(0)),
        "word_cer_tolerance": optional(number(0)),
        "fold_batch_norm": optional(BOOL),
        "verify_samples": optional(nullable(integer(1))),
        "tolerance": {name: number(0) for name in ("none", "float16", "uint8")},
    },
    "line_decoder": optional({"free_penalty": optional(number(0))}),
    "language_model": {  # handwriting.pipelines.modelling.language_model
        "words": integer(1),
        "step": number(0, 1, above=True),  # nats; beyond 1 the cost scale is too coarse to rank
        "attribution": TEXT,
    },
    "words": {  # handwriting.pipelines.preprocessing.words
        "test_contributors": CONTRIBUTORS,
        "validation_contributors": CONTRIBUTORS,
        "x_scale": optional(Rule("a mapping of contributor codes to numbers > 0", lambda v: (
            isinstance(v, dict) and all(_is_number(f) and f > 0 for f in v.values())))),
    },
    "word_modelling": {  # handwriting.word_model, handwriting.pipelines.modelling.word_training
        "seed": SEED,
        "step": number(0, above=True),
        "max_points": integer(16),
        "width": integer(2),
        "kernel_size": integer(1),
        "dilations": Rule("a non-empty list of integers >= 1", lambda v: (
            isinstance(v, list) and len(v) > 0 and all(_is_int(d) and d >= 1 for d in v))),
        "dropout": optional(number(0, 1, below=True)),
        "batch_points": integer(1),
        "batch_most": integer(1),
        "epochs": integer(1),
        "learning_rate": number(0, above=True),
        "lr_schedule": optional(one_of(None, "cosine")),
        "clip_norm": optional(nullable(number(0, above=True))),
        "patience": integer(1),
        "progress_lines": optional(integer(1)),
        "augmentation": optional({
            "enabled": optional(BOOL),
            "stretch": _STRETCH,
            "shear_degrees": _ANGLE,
            "rotation_degrees": optional(number(0, 180)),
        }),
    },
    "text_decoder": {  # handwriting.pipelines.modelling.decoder_tuning
        "pieces": integer(1),
        "grid": Rule("a mapping of decoder settings to non-empty lists of values", lambda v: (
            isinstance(v, dict) and all(isinstance(x, list) and x for x in v.values()))),
        "fixed": optional(Rule("a mapping of decoder settings", lambda v: isinstance(v, dict))),
    },
    "adaptation": optional({  # handwriting.page.adapt
        "enabled": optional(BOOL),
        "tau": optional(number(0, above=True)),
        "beta": optional(number(0)),
        "capacity": optional(integer(1)),
    }),
}


class ParameterError(ValueError):
    """Parameters that do not fit ``SCHEMA``; the message lists every problem."""


def _shown(value: Any) -> str:
    """``value`` as it is written in YAML or --params (null, true) where that differs."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)


def _unknown(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {hint}allowed: {', '.join(sorted(known))}"


def _check(value: Any, spec: Any, where: str, problems: list[str]) -> None:
    if isinstance(spec, Rule):
        if not spec.test(value):
            problems.append(f"{where} = {_shown(value)}: must be {spec.allows}")
    elif isinstance(spec, Layers):
        _check_layers(value, spec, where, problems)
    else:
        keys = spec.keys if isinstance(spec, Section) else spec
        _check_dict(value, keys, where, problems)


def _check_dict(value: Any, keys: dict, where: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        problems.append(f"{where} = {_shown(value)}: must be a mapping of "
                        f"{', '.join(sorted(keys))}")
        return
    for key, item in value.items():
        inner = f"{where}.{key}" if where else str(key)
        if key in keys:
            _check(item, keys[key], inner, problems)
        else:
            problems.append(f"{inner}: {_unknown(str(key), list(keys))}")
    for key, spec in keys.items():
        if key not in value and getattr(spec, "required", True):
            problems.append(f"{where}.{key}: missing" if where else f"{key}: missing section")


def _check_layers(value: Any, spec: Layers, where: str, problems: list[str]) -> None:
    if not isinstance(value, list) or not value:
        problems.append(f"{where} = {_shown(value)}: must be a non-empty list of layers")
        return
    for i, layer in enumerate(value):
        at = f"{where}[{i}]"
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind not in spec.layers:
            close = difflib.get_close_matches(kind, list(spec.layers), n=1) \
                if isinstance(kind, str) else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{at}.type = {_shown(kind)}: must be one of "
                            f"{', '.join(spec.layers)}{hint}")
            continue
        _check_dict({k: v for k, v in layer.items() if k != "type"}, spec.layers[kind], at,
                    problems)


_POOLS = {"max_pool", "max_pool1d"}
_ENDS = {"flatten", "global_avg_pool", "global_pool1d"}  # no spatial axis after these


def _check_input_fits(architecture: list[dict], size: int, where: str, size_key: str,
                      problems: list[str]) -> None:
    """The input, ``size`` long along each axis (``size_key``), through ``architecture``: a pooling
    layer (valid padding) divides it, rounding down, and a side smaller than the pool fails in
    Keras when training starts; convolutions (same padding) keep it; after flatten or a global
    pool there is no axis left to convolve or pool."""
    end = None
    for i, layer in enumerate(architecture):
        kind = layer["type"]
        if kind in _ENDS and end is None:
            end = i
        elif kind not in _ENDS and kind.startswith(("conv", "max_pool")) and end is not None:
            problems.append(f"{where}[{i}] ({kind}) comes after {where}[{end}] "
                            f"({architecture[end]['type']}), which leaves no axis to work on")
            return
        if kind in _POOLS:
            pool = layer.get("pool_size", 2)
            if size < pool:
                problems.append(
                    f"{where}[{i}] ({kind}, pool_size {pool}): the input ({size_key}) is down "
                    f"to {size} here, less than the pool; remove a pooling layer or enlarge the "
                    "input")
                return
            size //= pool


def _check_across(params: dict) -> list[str]:
    """Values that are each allowed but do not fit together (checked once every key is)."""
    problems: list[str] = []
    size = (params.get("canvas_spec") or {}).get("size", 28)
    _check_input_fits(params["modelling"]["architecture"], size, "modelling.architecture",
                      f"canvas_spec.size = {size}", problems)
    points = params["stroke_modelling"]["points"]
    _check_input_fits(params["stroke_modelling"]["architecture"], points,
                      "stroke_modelling.architecture", f"stroke_modelling.points = {points}",
                      problems)
    return problems


def validate(params: dict) -> None:
    """Raise ``ParameterError`` listing every parameter that does not fit ``SCHEMA``, then every
    set of values that do not fit together (the image and stroke models' inputs through their
    architectures)."""
    problems: list[str] = []
    _check_dict(params, SCHEMA, "", problems)
    if not problems:
        problems = _check_across(params)
    if problems:
        raise ParameterError(
            f"{len(problems)} bad parameter{'s' if len(problems) > 1 else ''} (conf/*/parameters*.yml "
            "or --params); nothing has run:\n  " + "\n  ".join(problems))
