"""Lambda layers and the program's Layer subclasses: output shapes from their own code (keras_tracing.py).

Shapes are the ones Keras 3.15 gives for the same layers on KerasTensors.
"""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import UNKNOWN

PRELUDE = """import keras
import tensorflow as tf
from keras import layers, ops
from keras import backend as K
inp = keras.Input((10, 8))
flat = keras.Input((32,))

class Scale(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)
    def call(self, inputs):
        return inputs

class Twice(layers.Layer):
    def call(self, inputs):
        return inputs * 2

class Linear(keras.layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
    def call(self, inputs):
        return tf.matmul(inputs, self.w)

class Deeper(Linear):
    pass

class Opaque(layers.Layer):
    def call(self, inputs):
        return some_library_function(inputs)
"""


def described(expression: str) -> str | None:
    value = analyze(PRELUDE + f"result = {expression}\n").facts.module_names.get("result")
    return value.describe() if value is not None and value is not UNKNOWN else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("layers.Lambda(lambda x: x * 2)(inp)", "KerasTensor (None, 10, 8)"),
        ("layers.Lambda(lambda x: tf.expand_dims(x, -1))(inp)", "KerasTensor (None, 10, 8, 1)"),
        ("layers.Lambda(lambda x: K.mean(x, axis=1))(inp)", "KerasTensor (None, 8)"),
        ("layers.Lambda(lambda x: ops.reshape(x, (-1, 80)))(inp)", "KerasTensor (None, 80)"),
        ("layers.Lambda(lambda t: t[0] - t[1])([inp, inp])", "KerasTensor (None, 10, 8)"),
        ("layers.Lambda(lambda x: x[:, :4], output_shape=(4,))(flat)", "KerasTensor (None, 4)"),
        ("layers.Lambda(some_function, output_shape=(7,))(flat)", "KerasTensor (None, 7)"),
        ("layers.Lambda(lambda x, k: x[:, :k], arguments={'k': 5})(flat)", "KerasTensor (None, 5)"),
        ("layers.Lambda(lambda x: x[:, :3], output_shape=lambda s: (s[0], 3))(flat)", "KerasTensor (None, 3)"),
        ("Scale(5)(flat)", "KerasTensor (None, 5)"),
        ("Twice()(inp)", "KerasTensor (None, 10, 8)"),
        ("Linear(7)(flat)", "KerasTensor (None, 7)"),
        ("Deeper(3)(inp)", "KerasTensor (None, 10, 3)"),
        ("keras.Sequential([keras.Input((32,)), Twice(), layers.Dense(2)]).output", "KerasTensor (None, 2)"),
    ],
)
def test_output_shapes_from_the_layers_own_code(expression: str, expected: str) -> None:
    assert described(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "layers.Lambda(some_function)(flat)",  # code the engine does not see
        "layers.Lambda(lambda x: x[:, :4], output_shape=(5,))(flat)",  # Keras 2 and 3 disagree: unknown
        "layers.Lambda(lambda x: some_library_function(x))(flat)",
        "Opaque()(flat)",
    ],
)
def test_unknown_code_leaves_the_output_unknown(expression: str) -> None:
    assert described(expression) == "KerasTensor (?)"


def test_a_custom_layer_output_reaches_the_rules() -> None:
    source = PRELUDE + "x = Linear(7)(inp)\ny = layers.Conv2D(4, 3)(x)\n"
    assert [d.code for d in analyze(source).diagnostics] == ["SL102"]
    fixed = PRELUDE + "x = Linear(7)(inp)\ny = layers.Conv1D(4, 3)(x)\n"
    assert list(analyze(fixed).diagnostics) == []


def test_a_lambda_output_reaches_the_rules() -> None:
    source = PRELUDE + "x = layers.Lambda(lambda t: K.mean(t, axis=1))(inp)\ny = layers.LSTM(4)(x)\n"
    assert [d.code for d in analyze(source).diagnostics] == ["SL104"]


def test_custom_layers_keep_the_model_out_of_confirmation() -> None:
    # The TensorFlow worker cannot rebuild the program's own classes: their layers have no arguments to send.
    facts = analyze(PRELUDE + "x = Twice()(inp)\n").facts
    (call,) = [fact for fact in facts.layer_calls if fact.layer.kind == "Twice"]
    assert call.layer.args is None


def test_keras2_traces_call_even_when_compute_output_shape_is_defined() -> None:
    source = PRELUDE + "result = Scale(5)(flat)\n"  # Scale.call returns its input unchanged
    assert analyze(source, Config(keras_version=3)).facts.module_names["result"].describe() == "KerasTensor (None, 5)"
    assert analyze(source, Config(keras_version=2)).facts.module_names["result"].describe() == "KerasTensor (None, 32)"
