"""Run the mistakes for real with `model.fit` and print Keras's error texts as JSON.

Executed by test_confirm_tensorflow.py in a separate process, so the test process
itself never imports TensorFlow. Each entry is the program the test describes.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

import keras
import numpy as np
from keras import layers

SPARSE = "sparse_categorical_crossentropy"


def fit(build: Callable[[], Any], x: Any, y: Any, loss: str) -> str | None:
    """Build, compile and fit one epoch; Keras's error text (colors removed), or None."""
    keras.backend.clear_session()
    try:
        model = build()
        model.compile(loss=loss, optimizer="sgd")
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    except Exception as error:
        return re.sub(r"\x1b\[[0-9;]*m", "", str(error)).strip()
    return None


def conv_model(shape: tuple[int, ...]) -> Callable[[], Any]:
    return lambda: keras.Sequential([keras.Input(shape), layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)])


def dense_model() -> Any:
    return keras.Sequential([keras.Input((784,)), layers.Dense(10)])


labels = np.zeros((64,), "int64")
print(
    json.dumps(
        {
            "batch_axis": fit(conv_model((64, 28, 28)), np.zeros((64, 28, 28), "uint8"), labels, SPARSE),
            "no_channel": fit(conv_model((28, 28)), np.zeros((64, 28, 28)), labels, SPARSE),
            "mnist_784": fit(dense_model, np.zeros((64, 28, 28), "uint8"), labels, SPARSE),
            "integer_labels": fit(dense_model, np.zeros((64, 784), "float32"), labels, "categorical_crossentropy"),
            "correct": fit(conv_model((28, 28, 1)), np.zeros((64, 28, 28, 1)), labels, SPARSE),
        }
    )
)
