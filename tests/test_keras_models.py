"""Keras model semantics in keras_models.py: nested models called on tensors, predict_classes.

Keras 3.15 checks a nested model's declared input against the tensor it is called on ("Input 0 of
layer 'functional' is incompatible with the layer: expected shape=(None, 32), found shape=(None, 64)"),
for functional and Sequential models alike; an unbuilt Sequential is built by the call.
"""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import UNKNOWN

ENCODER = """import numpy as np
import keras
from keras import layers
enc_in = keras.Input((32,))
encoder = keras.Model(enc_in, layers.Dense(8)(enc_in))
stack = keras.Sequential([keras.Input((32,)), layers.Dense(16), layers.Dense(4)])
unbuilt = keras.Sequential([layers.Dense(8), layers.Dense(3)])
convs = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.GlobalAveragePooling2D()])
"""


def analysed(source: str, keras_version: int = 3):  # type: ignore[no-untyped-def]
    return analyze(source, Config(keras_version=keras_version))


def described(prelude: str, expression: str) -> str | None:
    value = analysed(prelude + f"r_ = {expression}\n").facts.module_names.get("r_")
    return value.describe() if value is not None and value is not UNKNOWN else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("encoder(keras.Input((32,)))", "KerasTensor (None, 8)"),
        ("stack(keras.Input((32,)))", "KerasTensor (None, 4)"),
        ("unbuilt(keras.Input((12,)))", "KerasTensor (None, 3)"),  # built by the call
        ("unbuilt(encoder(keras.Input((32,))))", "KerasTensor (None, 3)"),
        ("convs(keras.Input((32, 32, 3)))", "KerasTensor (None, 4)"),
        ("layers.Dense(2)(stack(encoder(enc_in)[:, :1] * 0 + keras.Input((32,))))", "KerasTensor (None, 2)"),
    ],
)
def test_a_nested_model_gives_its_output_for_the_tensor_it_is_called_on(expression: str, expected: str) -> None:
    assert described(ENCODER, expression) == expected


@pytest.mark.parametrize(
    "call",
    [
        "encoder(keras.Input((64,)))",
        "stack(keras.Input((16,)))",
        "convs(keras.Input((64, 64, 3)))",  # Keras checks the whole declared shape, not only the rank
        "convs(keras.Input((32, 32)))",
    ],
)
def test_a_nested_model_called_on_a_shape_its_input_rejects_is_reported(call: str) -> None:
    analysis = analysed(ENCODER + f"out = {call}  # here\n")
    found = [(d.code, d.range.start.line) for d in analysis.diagnostics]
    assert found == [("SL104", ENCODER.count("\n"))]
    assert "was built for inputs of shape" in analysis.diagnostics[0].message
    assert analysis.facts.module_names["out"].describe() == "KerasTensor (?)"  # nothing follows from it


@pytest.mark.parametrize(
    "call",
    [
        "encoder(keras.Input((32,)))",
        "encoder(unknown_tensor)",
        "encoder(keras.Input((32, 1)))",  # Keras may drop one trailing size-1 axis: not modelled, silent
        "encoder(keras.Input((None,)))",
    ],
)
def test_compatible_or_unknown_calls_are_silent(call: str) -> None:
    assert list(analysed(ENCODER + f"out = {call}\n").diagnostics) == []


def test_data_given_to_the_outer_model_reaches_the_inner_model() -> None:
    source = (
        ENCODER
        + """outer_in = keras.Input((32,))
outer = keras.Model(outer_in, layers.Dense(2, activation="softmax")(encoder(outer_in)))
outer.compile(loss="categorical_crossentropy")
outer.fit(np.zeros((64, 32)), np.zeros((64, 3)))
"""
    )
    assert [d.code for d in analysed(source).diagnostics] == ["SL105"]  # 2 units against 3 classes
    assert list(analysed(source.replace("(64, 3)", "(64, 2)")).diagnostics) == []


def test_an_inner_models_input_is_not_a_data_shape() -> None:
    # The inner Input declares (32,); the data has 64 samples of 32 features: nothing to report.
    source = """import numpy as np
import keras
from keras import layers
x = np.zeros((64, 32))
inner_in = keras.Input(shape=x.shape[1:])
inner = keras.Model(inner_in, layers.Dense(8)(inner_in))
outer_in = keras.Input(shape=(32,))
outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
outer.compile(loss="mse")
outer.fit(x, np.zeros((64, 1)))
"""
    assert list(analysed(source).diagnostics) == []


def test_a_subclassed_model_used_as_a_layer_is_traced() -> None:
    source = """import keras
from keras import layers
class Block(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(5)
    def call(self, inputs):
        return self.dense(inputs)
inp = keras.Input((3,))
r_ = Block()(inp)
"""
    assert analysed(source).facts.module_names["r_"].describe() == "KerasTensor (None, 5)"


def test_predict_classes_is_a_feed_and_gives_class_indices() -> None:
    source = """import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
binary = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
r_classes = model.predict_classes(np.zeros((10, 4)))
r_binary = binary.predict_classes(np.zeros((10, 4)))
r_proba = model.predict_proba(np.zeros((10, 4)))
model.predict_classes(np.zeros((10, 5)))
"""
    analysis = analysed(source, keras_version=2)
    names = analysis.facts.module_names
    assert names["r_classes"].describe() == "ndarray (10,) int64"
    assert names["r_binary"].describe() == "ndarray (10, 1) int32"
    assert names["r_proba"].describe() == "ndarray (10, 3) float32"
    assert [(d.code, d.range.start.line) for d in analysis.diagnostics] == [("SL103", 8)]


APPLICATIONS = """import keras
base = keras.applications.MobileNetV2(include_top=False, weights=None)
fixed = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(224, 224, 3))
topped = keras.applications.VGG16(weights=None)
pooled = keras.applications.VGG16(include_top=False, pooling="avg", weights=None)
"""


@pytest.mark.parametrize(
    ("call", "reported"),
    [
        ("base(keras.Input((160, 160, 3)))", False),  # no input_shape: any image size
        ("pooled(keras.Input((160, 160, 3)))", False),
        ("fixed(keras.Input((160, 160, 3)))", True),  # Keras 3.15: "expected shape=(None, 224, 224, 3)"
        ("topped(keras.Input((160, 160, 3)))", True),  # include_top fixes 224x224
    ],
)
def test_an_application_used_as_a_layer_is_checked_like_keras_does(call: str, reported: bool) -> None:
    codes = [d.code for d in analysed(APPLICATIONS + f"out = {call}\n").diagnostics]
    assert codes == (["SL104"] if reported else [])


def test_a_model_inside_a_sequential_is_checked_where_it_is_added() -> None:
    source = (
        ENCODER
        + """outer = keras.Sequential([keras.Input((64,)), encoder, layers.Dense(2)])
added = keras.Sequential()
added.add(keras.Input((64,)))
added.add(encoder)
fine = keras.Sequential([keras.Input((32,)), encoder, layers.Dense(2)])
"""
    )
    lines = [d.range.start.line for d in analysed(source).diagnostics if d.code == "SL104"]
    start = ENCODER.count("\n")
    assert lines == [start, start + 3]
    assert analysed(source).facts.module_names["fine"].describe() == "Sequential model: (None, 32) -> (None, 2)"


def test_data_fed_to_a_sequential_reaches_an_unbuilt_model_inside() -> None:
    source = (
        ENCODER
        + """outer = keras.Sequential([unbuilt, layers.Dense(5, activation="softmax")])
outer.compile(loss="categorical_crossentropy")
outer.fit(np.zeros((50, 12)), np.zeros((50, 4)))
r_ = outer.predict(np.zeros((5, 12)))
"""
    )
    analysis = analysed(source)
    assert analysis.facts.module_names["r_"].describe() == "ndarray (5, 5) float32"
    assert [d.code for d in analysis.diagnostics] == ["SL105"]  # 5 units, 4 classes


def test_model_to_estimator_feeds_the_input_fn_data_to_the_model() -> None:
    source = """import numpy as np
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy")
estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
def input_fn():
    return tf.data.Dataset.from_tensor_slices((np.zeros((100, 5)), np.zeros((100, 3)))).batch(10)
estimator.train(input_fn=input_fn, steps=10)
"""
    found = [(d.code, d.range.start.line) for d in analysed(source, keras_version=2).diagnostics]
    assert found == [("SL103", 7)]
    assert list(analysed(source.replace("(100, 5)", "(100, 4)"), keras_version=2).diagnostics) == []
