"""keras.ops / tf / keras.backend tensor functions on Keras tensors inside functional graphs.

Expected shapes are the ones Keras 3.15 gives for `keras.ops.*` on the same KerasTensors (tf.* and
`keras.backend.*` follow their Keras 2 meaning: Keras 3 accepts them only inside a Lambda).
"""

from __future__ import annotations

import pytest
from shapelint.engine import analyze
from shapelint.values import UNKNOWN

PRELUDE = """import numpy as np
import keras
import tensorflow as tf
from keras import layers, ops
from keras import backend as K
inp = keras.Input((10, 8))
other = keras.Input((10, 4))
flat = keras.Input((32,))
weights = np.zeros((8, 3))
"""


def described(expression: str) -> str | None:
    value = analyze(PRELUDE + f"result = {expression}\n").facts.module_names.get("result")
    return value.describe() if value is not None and value is not UNKNOWN else None


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("ops.concatenate([inp, other], axis=-1)", "KerasTensor (None, 10, 12)"),
        ("tf.concat([inp, other], axis=2)", "KerasTensor (None, 10, 12)"),
        ("K.concatenate([inp, other])", "KerasTensor (None, 10, 12)"),  # axis -1 by default
        ("ops.reshape(inp, (-1, 80))", "KerasTensor (None, 80)"),
        ("tf.reshape(inp, (-1, 5, 16))", "KerasTensor (None, 5, 16)"),
        ("tf.expand_dims(inp, -1)", "KerasTensor (None, 10, 8, 1)"),
        ("ops.expand_dims(flat, 1)", "KerasTensor (None, 1, 32)"),
        ("K.expand_dims(inp)", "KerasTensor (None, 10, 8, 1)"),
        ("ops.squeeze(ops.expand_dims(inp, 1), axis=1)", "KerasTensor (None, 10, 8)"),
        ("ops.transpose(inp, (0, 2, 1))", "KerasTensor (None, 8, 10)"),
        ("tf.transpose(inp, perm=[0, 2, 1])", "KerasTensor (None, 8, 10)"),
        ("K.permute_dimensions(inp, (0, 2, 1))", "KerasTensor (None, 8, 10)"),
        ("ops.matmul(inp, ops.transpose(inp, (0, 2, 1)))", "KerasTensor (None, 10, 10)"),
        ("inp @ ops.transpose(inp, (0, 2, 1))", "KerasTensor (None, 10, 10)"),
        ("tf.matmul(inp, weights)", "KerasTensor (None, 10, 3)"),
        ("K.mean(inp, axis=1)", "KerasTensor (None, 8)"),
        ("tf.reduce_sum(inp, axis=-1, keepdims=True)", "KerasTensor (None, 10, 1)"),
        ("ops.max(inp, axis=(1, 2))", "KerasTensor (None,)"),
        ("ops.mean(inp, 1, True)", "KerasTensor (None, 1, 8)"),
        ("inp[:, 0]", "KerasTensor (None, 8)"),
        ("inp[:, :, :3]", "KerasTensor (None, 10, 3)"),
        ("inp * 2 + 1", "KerasTensor (None, 10, 8)"),
        ("tf.nn.relu(inp)", "KerasTensor (None, 10, 8)"),
        ("ops.add(inp, inp)", "KerasTensor (None, 10, 8)"),
        ("ops.multiply(flat, 0.5)", "KerasTensor (None, 32)"),
        ("ops.stack([inp, inp], axis=1)", "KerasTensor (None, 2, 10, 8)"),
        ("tf.cast(inp, tf.float16)", "KerasTensor (None, 10, 8)"),
        ("keras.activations.relu(inp)", "KerasTensor (None, 10, 8)"),
        ("ops.matmul(inp, weights) + np.zeros((3,))", "KerasTensor (None, 10, 3)"),  # a tensor plus a bias array
        ("np.zeros((10, 1)) * inp", "KerasTensor (None, 10, 8)"),
    ],
)
def test_tensor_functions_on_keras_tensors(expression: str, expected: str) -> None:
    assert described(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "ops.concatenate([inp, flat], axis=-1)",  # ranks differ: Keras raises, the shape is unknown
        "ops.matmul(inp, other)",  # 8 != 10 on the contracted axis
        "K.mean(inp, axis=n_unknown)",
        "ops.transpose(inp, (0, 1))",  # too few axes
        "ops.reshape(inp, shape_unknown)",
        "ops.mean(inp, axis=5)",
    ],
)
def test_what_a_tensor_function_would_reject_or_not_know_stays_unknown(expression: str) -> None:
    assert described(expression) is None


def test_a_rejected_tensor_function_is_not_an_array_finding() -> None:
    facts = analyze(PRELUDE + "result = ops.concatenate([inp, flat], axis=-1)\n").facts
    assert facts.array_problems == []


def test_preprocess_input_keeps_the_shape() -> None:
    assert described("keras.applications.mobilenet_v2.preprocess_input(inp)") == "KerasTensor (None, 10, 8)"
    assert described("keras.applications.vgg16.preprocess_input(np.zeros((4, 32, 32, 3)))") == (
        "ndarray (4, 32, 32, 3) float32"
    )
    assert described("keras.applications.vgg16.preprocess_input(unknown_images)") is None


def test_arrays_give_eager_tensors() -> None:
    assert described("tf.reduce_mean(np.zeros((4, 5)), axis=0)") == "Tensor (5,) float64"
    assert described("tf.concat([np.zeros((4, 5)), np.zeros((2, 5))], 0)") == "Tensor (6, 5) float64"


def test_an_op_output_reaches_the_next_layer_and_its_rule() -> None:
    source = PRELUDE + "x = tf.reduce_mean(inp, axis=1)\ny = layers.LSTM(4)(x)\n"
    assert [d.code for d in analyze(source).diagnostics] == ["SL104"]
    fixed = PRELUDE + "x = tf.reduce_mean(inp, axis=1, keepdims=True)\ny = layers.LSTM(4)(x)\n"
    assert [d.code for d in analyze(fixed).diagnostics] == []
