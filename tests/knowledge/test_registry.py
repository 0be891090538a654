"""The library registry: every registered handler resolves and answers, unknown names stay unknown."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from shapelint.calls import CallArgs
from shapelint.facts import LayerValue, ModelValue
from shapelint.interpreter import Interpreter
from shapelint.knowledge import registry
from shapelint.knowledge.hdf5 import Hdf5DatasetValue
from shapelint.knowledge.pandas import DataFrameValue, SeriesValue
from shapelint.shapes import Shape
from shapelint.source import parse_program
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    ClassValue,
    DatasetValue,
    DictValue,
    InstanceValue,
    ObjectValue,
    Seq,
    TensorValue,
    Value,
)

REGISTERED = registry.registered_names()
INTERPRETER = Path(__file__).parents[2] / "server" / "shapelint" / "interpreter.py"
LIBRARY_PREFIXES = ("numpy.", "keras.", "tensorflow.", "sklearn.", "pandas.")


def _evaluator() -> Interpreter:
    return Interpreter(parse_program([""], notebook=False))


def _receiver(name: str) -> Value:
    """A sample receiver for a registered method or attribute's receiver name."""
    samples: dict[str, Value] = {
        "ArrayValue": ArrayValue(Shape((4, 3)), "float32"),
        "TensorValue": TensorValue(Shape((None, 3))),
        "DatasetValue": DatasetValue(Seq((ArrayValue(Shape((3,))), ArrayValue(Shape(()))))),
        "ModelValue": ModelValue("functional", None),
        "LayerValue": LayerValue("keras.layers.Dense", None, {}, None),
        "Seq": Seq(()),
        "DictValue": DictValue((), ()),
        "DataFrameValue": DataFrameValue(("a", "b")),
        "SeriesValue": SeriesValue("a"),
        "Hdf5DatasetValue": Hdf5DatasetValue(ArrayValue(Shape((4, 3)), "float32")),
        "_Unknown": UNKNOWN,
        "InstanceValue": InstanceValue(ClassValue(cst.parse_statement("class C: pass"), 0, [], {})),  # type: ignore[arg-type]
    }
    return samples.get(name, ObjectValue(name))


def test_the_registry_lists_the_libraries_shapelint_knows() -> None:
    functions = REGISTERED["functions"]
    for name in ("numpy.zeros", "keras.Input", "keras.Sequential", "keras.Model", "keras.layers.Dense"):
        assert name in functions
    assert "keras.datasets.mnist.load_data" in functions
    assert "tensorflow.data.Dataset.from_tensor_slices" in functions
    assert "builtins.len" in functions
    assert "ArrayValue.reshape" in REGISTERED["methods"]
    assert "ModelValue.fit" in REGISTERED["methods"]
    assert "ArrayValue.shape" in REGISTERED["attributes"]
    assert "keras.Model" in REGISTERED["subclass_hooks"]


@pytest.mark.parametrize("name", REGISTERED["functions"])
def test_every_registered_function_resolves_and_answers_without_arguments(name: str) -> None:
    handler = registry.find_function(name)
    assert handler is not None
    assert isinstance(handler(_evaluator(), CallArgs([], {})), Value)


@pytest.mark.parametrize("key", REGISTERED["methods"])
def test_every_registered_method_resolves_and_answers_without_arguments(key: str) -> None:
    receiver_name, _, method = key.rpartition(".")
    receiver = _receiver(receiver_name)
    handler = registry.find_method(receiver, method)
    assert handler is not None
    assert isinstance(handler(_evaluator(), receiver, CallArgs([], {})), Value)


@pytest.mark.parametrize("key", REGISTERED["attributes"])
def test_every_registered_attribute_resolves(key: str) -> None:
    receiver_name, _, name = key.rpartition(".")
    receiver = _receiver(receiver_name)
    handler = registry.find_attribute(receiver, name)
    assert handler is not None
    assert isinstance(handler(_evaluator(), receiver, name), Value)


def test_families_resolve_by_prefix_after_exact_names() -> None:
    assert registry.find_function("keras.layers.SomeFutureLayer") is not None  # capitalised: a layer
    assert registry.find_function("keras.layers.some_function") is None
    assert registry.find_function("keras.losses.CategoricalCrossentropy") is not None
    assert not registry.has_function("keras.layers.SomeFutureLayer")  # star imports take exact names only


@pytest.mark.parametrize("name", ["numpy.not_a_function", "keras.Nothing", "mypackage.load", ""])
def test_an_unknown_name_has_no_handler(name: str) -> None:
    assert registry.find_function(name) is None


def test_an_unknown_method_or_attribute_has_no_handler() -> None:
    array = ArrayValue(Shape((2,)))
    assert registry.find_method(array, "no_such_method") is None
    assert registry.find_attribute(array, "no_such_attribute") is None
    assert registry.find_method(ObjectValue("mypackage.Thing"), "fit") is None


def test_registering_a_name_twice_with_another_handler_is_refused() -> None:
    with pytest.raises(ValueError, match="two handlers"):
        registry.function("numpy.zeros")(lambda ev, call: call.args[0])


def library_names_in(source: str) -> list[str]:
    """String literals in `source` that name a library object (what the walker must not know)."""
    return sorted(
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(LIBRARY_PREFIXES)
    )


def test_the_interpreter_names_no_library() -> None:
    assert library_names_in(INTERPRETER.read_text(encoding="utf-8")) == []


def test_the_library_name_check_finds_a_name() -> None:
    assert library_names_in('if name == "keras.Input":\n    pass\n') == ["keras.Input"]
