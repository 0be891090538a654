"""tf.one_hot / keras.ops.one_hot: the indices' shape with a new axis of size depth."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.knowledge.one_hot import one_hot_shape
from shapelint.shapes import Shape
from shapelint.values import UNKNOWN

PRELUDE = """import numpy as np
import tensorflow as tf
import keras
from keras import backend as K
y = np.random.randint(0, 10, size=(600,))
inp = keras.Input((5,), dtype="int32")
"""


def described(expression: str) -> str | None:
    names = analyze(PRELUDE + f"result = {expression}\n").facts.module_names
    value = names.get("result")
    return value.describe() if value is not None and value is not UNKNOWN else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("tf.one_hot(y, 10)", "Tensor (600, 10) float32"),
        ("tf.one_hot(indices=y, depth=10)", "Tensor (600, 10) float32"),
        ("tf.one_hot(y.reshape(-1, 1), 10)", "Tensor (600, 1, 10) float32"),  # the size-1 axis stays
        ("tf.one_hot(y, 10, axis=0)", "Tensor (10, 600) float32"),
        ("tf.one_hot([1, 2, 3], 4)", "Tensor (3, 4) float32"),
        ("tf.one_hot(y, 10, dtype=tf.int32)", "Tensor (600, 10) int32"),
        ("keras.ops.one_hot(y, 10)", "Tensor (600, 10) float32"),
        ("keras.ops.one_hot(y, num_classes=3)", "Tensor (600, 3) float32"),
        ("K.one_hot(y, 10)", "Tensor (600, 10) float32"),
        ("keras.ops.one_hot(inp, 7)", "KerasTensor (None, 5, 7)"),
        ("tf.one_hot(y, n_unknown)", "Tensor (600, None) float32"),  # an unknown depth is an unknown size
    ],
)
def test_one_hot_adds_an_axis_of_size_depth(expression: str, expected: str) -> None:
    assert described(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "tf.one_hot(unknown_labels, 10)",  # indices of unknown shape
        "tf.one_hot(y)",  # no depth: TensorFlow raises, shapelint says nothing
        "tf.one_hot(y, 10, axis=5)",  # an axis out of range
        "tf.one_hot(inp, 7)",  # tf ops do not take Keras tensors in Keras 3
    ],
)
def test_one_hot_is_unknown_when_its_shape_is_not_known(expression: str) -> None:
    assert described(expression) is None


def test_one_hot_shape_inserts_the_new_axis() -> None:
    assert one_hot_shape(Shape((4, 2)), 3, -1) == Shape((4, 2, 3))
    assert one_hot_shape(Shape((4, 2)), 3, 1) == Shape((4, 3, 2))
    assert one_hot_shape(Shape(None), 3, -1) is None


MODEL = """import numpy as np
import tensorflow as tf
import keras
from keras import layers
x = np.random.rand(600, 8)
y = np.random.randint(0, 10, size=(600,))
labels = tf.one_hot(y, 10)
model = keras.Sequential([keras.Input((8,)), layers.Dense(UNITS, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, labels, epochs=1)
"""


def test_one_hot_labels_are_checked_against_the_output_units() -> None:
    wrong = analyze(MODEL.replace("UNITS", "5"), Config(keras_version=3)).diagnostics
    assert [d.code for d in wrong] == ["SL105"]
    assert "10 classes" in wrong[0].message
    right = analyze(MODEL.replace("UNITS", "10"), Config(keras_version=3)).diagnostics
    assert right == ()
