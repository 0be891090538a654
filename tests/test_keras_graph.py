"""`model.layers`, `model.get_layer(...)` and what their layers answer (keras_graph.py).

The orders below are the ones Keras 3.15 prints for the same models (`[l.name for l in m.layers]`).
"""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import UNKNOWN

BRANCHING = """import keras
from keras import layers
inp = keras.Input((32,), name="in")
x = layers.Dense(8, name="x1")(inp)
y = layers.Dense(6, name="y1")(x)
z = layers.Add()([layers.Dense(6, name="skip")(inp), y])
model = keras.Model(inp, z)
"""


def names_of(source: str) -> dict[str, str | None]:
    names = analyze(source).facts.module_names
    return {
        name: (value.describe() if value is not UNKNOWN else None)
        for name, value in names.items()
        if name.startswith("r_")
    }


def described(prelude: str, expression: str) -> str | None:
    return names_of(prelude + f"r_ = {expression}\n")["r_"]


def test_functional_layers_are_listed_by_depth_then_traversal_order() -> None:
    # Keras: ['in', 'x1', 'skip', 'y1', 'add'] (skip was made last but is as deep as x1's successor).
    found = names_of(BRANCHING + "r_names = [layer.name for layer in model.layers]\nr_count = len(model.layers)\n")
    assert found["r_count"] == "5"
    assert described(BRANCHING, "model.layers[2].output") == "KerasTensor (None, 6)"  # skip
    assert described(BRANCHING, "model.layers[1].output") == "KerasTensor (None, 8)"  # x1
    assert described(BRANCHING, "model.layers[-1].output") == "KerasTensor (None, 6)"  # add


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("model.layers[0].output", "KerasTensor (None, 32)"),  # the InputLayer
        ("model.get_layer('x1').output", "KerasTensor (None, 8)"),
        ("model.get_layer(name='skip').output", "KerasTensor (None, 6)"),
        ("model.get_layer(index=1).output", "KerasTensor (None, 8)"),
        ("model.get_layer('in').output", "KerasTensor (None, 32)"),
        ("model.output_shape", "(None, 6)"),
        ("model.input_shape", "(None, 32)"),
        ("model.layers[1].input", "KerasTensor (None, 32)"),
        ("keras.Model(inputs=model.input, outputs=model.layers[-2].output).output", "KerasTensor (None, 6)"),
        ("keras.Model(model.inputs, model.get_layer('x1').output).output_shape", "(None, 8)"),
    ],
)
def test_layers_of_a_functional_model(expression: str, expected: str) -> None:
    assert described(BRANCHING, expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "model.get_layer('dense')",  # a name Keras makes up: not known
        "model.get_layer('nowhere')",
        "model.layers[1].output_shape",  # Keras 3 layers have no output_shape
    ],
)
def test_what_is_not_certain_stays_unknown(expression: str) -> None:
    assert described(BRANCHING, expression) is None


def test_keras2_layers_have_output_shape() -> None:
    facts = analyze(BRANCHING + "r_ = model.layers[1].output_shape\n", Config(keras_version=2)).facts
    assert facts.module_names["r_"].describe() == "(None, 8)"


SEQUENTIAL = """import keras
from keras import layers
model = keras.Sequential([keras.Input((10,)), layers.Dense(8), layers.Dense(4)])
legacy = keras.Sequential([layers.InputLayer((10,)), layers.Dense(3)])
"""


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("model.layers[-2].output", "KerasTensor (None, 8)"),
        ("model.layers[0].output", "KerasTensor (None, 8)"),  # the Input is not a layer of a Sequential
        ("model.layers[1].input", "KerasTensor (None, 8)"),
        ("legacy.layers[0].output", "KerasTensor (None, 3)"),  # nor a leading InputLayer
        ("keras.Model(model.input, model.layers[0].output).output", "KerasTensor (None, 8)"),
        ("model.output_shape", "(None, 4)"),
    ],
)
def test_layers_of_a_sequential_model(expression: str, expected: str) -> None:
    assert described(SEQUENTIAL, expression) == expected


def test_a_graph_through_an_op_the_facts_do_not_record_has_unknown_layers() -> None:
    source = """import keras
from keras import layers
inp = keras.Input((8,))
inner = keras.Model(inp, layers.Dense(4)(inp))
outer_in = keras.Input((8,))
model = keras.Model(outer_in, layers.Dense(2)(inner(outer_in)))
"""
    assert described(source, "model.layers") is None
    assert described(source, "model.output") == "KerasTensor (None, 2)"


def test_feature_extractor_output_fed_to_dense_without_flatten_is_reported() -> None:
    source = """import numpy as np
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3, name="conv")(inputs)
x = layers.Flatten()(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
features = keras.Model(inputs=model.input, outputs=model.get_layer("conv").output)
head = layers.Dense(10, activation="softmax")(features.output)
classifier = keras.Model(features.input, head)
classifier.compile(loss="categorical_crossentropy")
classifier.fit(np.zeros((64, 28, 28, 1)), np.zeros((64, 10)))
"""
    codes = [d.code for d in analyze(source).diagnostics]
    assert "SL105" in codes
    fixed = source.replace('outputs=model.get_layer("conv").output', "outputs=model.layers[-2].output")
    assert [d.code for d in analyze(fixed).diagnostics if d.code != "SL201"] == []


def test_a_sequential_holding_an_item_the_engine_cannot_model_has_unknown_layers() -> None:
    source = """import keras
from keras import layers
model = keras.Sequential([keras.Input((10,)), layers.Dense(8), make_block(), layers.Dense(4)])
"""
    assert described(source, "model.layers[-2]") is None
