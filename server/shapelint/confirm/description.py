"""A Keras model as plain data: what the confirmation worker rebuilds, and nothing more.

The interpreter resolves a model in the user's program to literal layer configs and
a graph; this module holds that result as frozen dataclasses, converts it to and
from JSON and hashes it. Nothing here imports TensorFlow or the user's code.

JSON form (the wire format and the cache key):

    {"keras_major": 3, "kind": "functional",
     "inputs": [{"name": "a", "shape": [50, 1], "batch_size": null, "dtype": null, "keras_name": null}],
     "layers": [{"id": "lstm", "class_name": "keras.layers.LSTM", "args": [32], "kwargs": {},
                 "inputs": ["input:a"], "call_kwargs": {}}],
     "outputs": ["lstm"], "loss": "mse",
     "feeds": [{"method": "fit", "x": [{"shape": [1000, 50, 1], "dtype": "float64"}],
                "y": [{"shape": [1000, 1], "dtype": "float64"}]}]}

A literal is a JSON scalar, a list of literals, or a nested layer
`{"__layer__": "keras.layers.LSTM", "args": [...], "kwargs": {...}}` (for wrappers
such as `Bidirectional(LSTM(8))`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, Union, cast, get_args

ModelKind = Literal["sequential", "functional"]
FeedMethod = Literal["fit", "evaluate", "predict", "train_on_batch", "validation_data"]

MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
FEED_METHODS: tuple[str, ...] = get_args(FeedMethod)

# A literal argument value. Lists are held as tuples so descriptions stay hashable.
LiteralValue: TypeAlias = Union[int, float, str, bool, tuple["LiteralValue", ...], "NestedLayer", None]
Dim: TypeAlias = int | None

_NESTED_LAYER_KEY = "__layer__"


class DescriptionError(ValueError):
    """A JSON document that is not a valid model description."""


@dataclass(frozen=True)
class NestedLayer:
    """A layer passed as an argument to another layer (`Bidirectional(LSTM(8))`)."""

    class_name: str
    args: tuple[LiteralValue, ...] = ()
    kwargs: tuple[tuple[str, LiteralValue], ...] = ()


@dataclass(frozen=True)
class InputSpec:
    """A declared model input: `keras.Input(shape=..., batch_size=..., dtype=..., name=...)`.

    `name` is the reference other nodes use (`"input:<name>"`); `keras_name` is the
    `name=` argument the user gave `keras.Input`, if any (it shows in Keras's messages).
    `shape` is per sample, without the batch axis.
    """

    name: str
    shape: tuple[Dim, ...]
    batch_size: int | None = None
    dtype: str | None = None
    keras_name: str | None = None


@dataclass(frozen=True)
class LayerNode:
    """One layer construction (and, for functional models, its call).

    `inputs` are tensor references: `"input:<name>"`, `"<layer id>"` or
    `"<layer id>:<k>"` for a layer's k-th output. Empty for sequential layers.
    """

    id: str
    class_name: str
    args: tuple[LiteralValue, ...] = ()
    kwargs: tuple[tuple[str, LiteralValue], ...] = ()
    inputs: tuple[str, ...] = ()
    call_kwargs: tuple[tuple[str, LiteralValue], ...] = ()


@dataclass(frozen=True)
class ArraySpec:
    """An array given to the model: full shape (sample axis first) and NumPy dtype name."""

    shape: tuple[int, ...]
    dtype: str = "float32"


@dataclass(frozen=True)
class Feed:
    """One `fit`/`evaluate`/`predict`/`train_on_batch` call or one `validation_data`."""

    method: FeedMethod
    x: tuple[ArraySpec, ...]
    y: tuple[ArraySpec, ...] = ()


@dataclass(frozen=True)
class ModelDescription:
    """A model as the worker rebuilds it: layers, graph, declared inputs, loss and data."""

    keras_major: int
    kind: ModelKind
    inputs: tuple[InputSpec, ...]
    layers: tuple[LayerNode, ...]
    outputs: tuple[str, ...] = ()
    loss: str | None = None
    feeds: tuple[Feed, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The description as JSON-ready Python values (lists, dicts, scalars)."""
        return {
            "keras_major": self.keras_major,
            "kind": self.kind,
            "inputs": [
                {
                    "name": spec.name,
                    "shape": list(spec.shape),
                    "batch_size": spec.batch_size,
                    "dtype": spec.dtype,
                    "keras_name": spec.keras_name,
                }
                for spec in self.inputs
            ],
            "layers": [
                {
                    "id": node.id,
                    "class_name": node.class_name,
                    "args": [_literal_to_json(value) for value in node.args],
                    "kwargs": _pairs_to_json(node.kwargs),
                    "inputs": list(node.inputs),
                    "call_kwargs": _pairs_to_json(node.call_kwargs),
                }
                for node in self.layers
            ],
            "outputs": list(self.outputs),
            "loss": self.loss,
            "feeds": [
                {
                    "method": feed.method,
                    "x": [_array_to_json(spec) for spec in feed.x],
                    "y": [_array_to_json(spec) for spec in feed.y],
                }
                for feed in self.feeds
            ],
        }

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace. Equal descriptions give equal text."""
        return canonical_json(self.to_dict())

    def content_hash(self) -> str:
        """sha256 (hex) of the canonical JSON: the cache key of this description."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelDescription:
        """Parse and validate JSON-ready values; raise `DescriptionError` when malformed."""
        root = _Reader(data, "description")
        keras_major = root.integer("keras_major")
        if keras_major not in (2, 3):
            raise DescriptionError(f"description.keras_major must be 2 or 3, got {keras_major}")
        kind = root.choice("kind", MODEL_KINDS)
        inputs = tuple(_input_from_json(item, f"inputs[{i}]") for i, item in enumerate(root.array("inputs")))
        layers = tuple(_layer_from_json(item, f"layers[{i}]") for i, item in enumerate(root.array("layers")))
        outputs = tuple(root.strings("outputs", default=()))
        loss = root.optional_string("loss")
        feeds = tuple(_feed_from_json(item, f"feeds[{i}]") for i, item in enumerate(root.array("feeds", default=())))
        return cls(
            keras_major=keras_major,
            kind=cast(ModelKind, kind),
            inputs=inputs,
            layers=layers,
            outputs=outputs,
            loss=loss,
            feeds=feeds,
        )

    @classmethod
    def from_json(cls, text: str) -> ModelDescription:
        """Parse the JSON text written by `to_json` (or any equivalent document)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise DescriptionError(f"description is not JSON: {error}") from error
        if not isinstance(data, dict):
            raise DescriptionError("description must be a JSON object")
        return cls.from_dict(data)


def canonical_json(data: Any) -> str:
    """JSON with sorted keys and no whitespace; NaN and infinities are refused."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


# To JSON -------------------------------------------------------------------------------------


def _literal_to_json(value: LiteralValue) -> Any:
    if isinstance(value, NestedLayer):
        return {
            _NESTED_LAYER_KEY: value.class_name,
            "args": [_literal_to_json(item) for item in value.args],
            "kwargs": _pairs_to_json(value.kwargs),
        }
    if isinstance(value, tuple):
        return [_literal_to_json(item) for item in value]
    return value


def _pairs_to_json(pairs: tuple[tuple[str, LiteralValue], ...]) -> dict[str, Any]:
    # Keyword order does not matter to Python, so it must not change the hash either.
    return {key: _literal_to_json(value) for key, value in pairs}


def _array_to_json(spec: ArraySpec) -> dict[str, Any]:
    return {"shape": list(spec.shape), "dtype": spec.dtype}


# From JSON -----------------------------------------------------------------------------------


class _Reader:
    """Typed access to one JSON object with error messages that name the field."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, Mapping):
            raise DescriptionError(f"{where} must be an object")
        self.data: Mapping[str, Any] = data
        self.where = where

    def _get(self, key: str, default: object = ...) -> Any:
        if key in self.data:
            return self.data[key]
        if default is ...:
            raise DescriptionError(f"{self.where}.{key} is missing")
        return default

    def integer(self, key: str) -> int:
        value = self._get(key)
        if not _is_int(value):
            raise DescriptionError(f"{self.where}.{key} must be an integer")
        return cast(int, value)

    def optional_integer(self, key: str) -> int | None:
        value = self._get(key, None)
        if value is not None and not _is_int(value):
            raise DescriptionError(f"{self.where}.{key} must be an integer or null")
        return cast("int | None", value)

    def string(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str):
            raise DescriptionError(f"{self.where}.{key} must be a string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self._get(key, None)
        if value is not None and not isinstance(value, str):
            raise DescriptionError(f"{self.where}.{key} must be a string or null")
        return value

    def choice(self, key: str, allowed: Sequence[str]) -> str:
        value = self.string(key)
        if value not in allowed:
            raise DescriptionError(f"{self.where}.{key} must be one of {', '.join(allowed)}; got {value!r}")
        return value

    def array(self, key: str, default: object = ...) -> list[Any]:
        value = self._get(key, default)
        if not isinstance(value, (list, tuple)):
            raise DescriptionError(f"{self.where}.{key} must be a list")
        return list(value)

    def strings(self, key: str, default: object = ...) -> list[str]:
        values = self.array(key, default)
        if not all(isinstance(item, str) for item in values):
            raise DescriptionError(f"{self.where}.{key} must be a list of strings")
        return values

    def dims(self, key: str, allow_none: bool) -> tuple[Dim, ...]:
        values = self.array(key)
        for item in values:
            if item is None and allow_none:
                continue
            if not _is_int(item) or item < 0:
                raise DescriptionError(f"{self.where}.{key} must hold non-negative integers")
        return tuple(values)

    def pairs(self, key: str) -> tuple[tuple[str, LiteralValue], ...]:
        value = self._get(key, {})
        where = f"{self.where}.{key}"
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, (list, tuple)):
            # Also accept [[name, value], ...], the tuple-of-pairs shape of the dataclass.
            if not all(isinstance(item, (list, tuple)) and len(item) == 2 for item in value):
                raise DescriptionError(f"{where} must be an object or a list of [name, value] pairs")
            items = [(item[0], item[1]) for item in value]
        else:
            raise DescriptionError(f"{where} must be an object")
        if not all(isinstance(name, str) for name, _ in items):
            raise DescriptionError(f"{where} keys must be strings")
        return tuple((name, _literal_from_json(item, f"{where}.{name}")) for name, item in items)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _literal_from_json(value: object, where: str) -> LiteralValue:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DescriptionError(f"{where} must be a finite number")
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_literal_from_json(item, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(value, Mapping) and _NESTED_LAYER_KEY in value:
        reader = _Reader(value, where)
        return NestedLayer(
            class_name=reader.string(_NESTED_LAYER_KEY),
            args=tuple(
                _literal_from_json(item, f"{where}.args[{i}]") for i, item in enumerate(reader.array("args", ()))
            ),
            kwargs=reader.pairs("kwargs"),
        )
    # Other objects could name arbitrary classes for Keras to deserialize: not literals.
    raise DescriptionError(f"{where} is not a literal (number, string, bool, null, list or nested layer)")


def _input_from_json(data: object, where: str) -> InputSpec:
    reader = _Reader(data, where)
    return InputSpec(
        name=reader.string("name"),
        shape=reader.dims("shape", allow_none=True),
        batch_size=reader.optional_integer("batch_size"),
        dtype=reader.optional_string("dtype"),
        keras_name=reader.optional_string("keras_name"),
    )


def _layer_from_json(data: object, where: str) -> LayerNode:
    reader = _Reader(data, where)
    return LayerNode(
        id=reader.string("id"),
        class_name=reader.string("class_name"),
        args=tuple(_literal_from_json(item, f"{where}.args[{i}]") for i, item in enumerate(reader.array("args", ()))),
        kwargs=reader.pairs("kwargs"),
        inputs=tuple(reader.strings("inputs", ())),
        call_kwargs=reader.pairs("call_kwargs"),
    )


def _array_from_json(data: object, where: str) -> ArraySpec:
    reader = _Reader(data, where)
    shape = reader.dims("shape", allow_none=False)
    return ArraySpec(shape=cast("tuple[int, ...]", shape), dtype=reader.optional_string("dtype") or "float32")


def _feed_from_json(data: object, where: str) -> Feed:
    reader = _Reader(data, where)
    return Feed(
        method=cast(FeedMethod, reader.choice("method", FEED_METHODS)),
        x=tuple(_array_from_json(item, f"{where}.x[{i}]") for i, item in enumerate(reader.array("x"))),
        y=tuple(_array_from_json(item, f"{where}.y[{i}]") for i, item in enumerate(reader.array("y", ()))),
    )
