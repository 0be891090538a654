"""SL103 data-input-mismatch on Sequential models: Keras 3 trains some, Keras 2 raises on all.

Every case below was run under TensorFlow 2.21 with Keras 3.15 and with tf-keras 2.21
(`TF_USE_LEGACY_KERAS=1`): `runs` says whether Keras 3 trained it. Keras 2 raised on each
("Input 0 of layer "sequential" is incompatible with the layer: expected shape=(None, 10)").
"""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Severity
from shapelint.engine import analyze

HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"
TOKENS = "x = np.random.randint(0, 1000, size=(64, 12))\n"
SERIES = "x = np.random.rand(64, 12, 3)\n"
EMBED = "layers.Embedding(1000, 8)"
LENGTH = "layers.Embedding(1000, 8, input_length=10)"
POOL = "layers.GlobalAveragePooling1D()"
INPUT = "keras.Input((10,))"
SEQUENCES = "layers.LSTM(4, return_sequences=True)"
FIT = "model.compile(loss='mse')\nmodel.fit(x, np.zeros((64, 1)))\n"

CASES = [
    # (name, data, layers, Keras 3 trains it)
    ("input_length then pooling", TOKENS, f"{LENGTH}, {POOL}", True),
    ("input_length then Flatten", TOKENS, f"{LENGTH}, layers.Flatten()", True),
    ("input_length then LSTM", TOKENS, f"{LENGTH}, layers.LSTM(4)", True),
    ("Input, Embedding, pooling", TOKENS, f"{INPUT}, {EMBED}, {POOL}", True),
    ("Input, Embedding, Conv1D, pooling", TOKENS, f"{INPUT}, {EMBED}, layers.Conv1D(4, 3), {POOL}", True),
    ("Input, LSTM", SERIES, "keras.Input((10, 3)), layers.LSTM(4)", True),
    ("input_shape on LSTM", SERIES, "layers.LSTM(4, input_shape=(10, 3))", True),
    ("Input, Dense on sequences, pooling", SERIES, f"keras.Input((10, 3)), layers.Dense(5), {POOL}", True),
    ("Input, Dense", "x = np.random.rand(64, 12)\n", "keras.Input((10,)), layers.Dense(4)", False),
    ("Input, Flatten", SERIES, "keras.Input((10, 3)), layers.Flatten()", False),
    ("Input, Embedding, LSTM sequences, Flatten", TOKENS, f"{INPUT}, {EMBED}, {SEQUENCES}, layers.Flatten()", False),
]  # fmt: skip


def sl103(source: str, keras_version: int) -> list[Severity]:
    diagnostics = analyze(source, Config(keras_version=keras_version)).diagnostics
    return [d.severity for d in diagnostics if d.code == "SL103"]


@pytest.mark.parametrize(("data", "stack", "runs"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_keras3_warns_where_sequential_trains_and_keras2_errs(data: str, stack: str, runs: bool) -> None:
    source = HEAD + data + f"model = keras.Sequential([{stack}, layers.Dense(1)])\n" + FIT
    assert sl103(source, 3) == [Severity.WARNING if runs else Severity.ERROR]
    assert sl103(source, 2) == [Severity.ERROR]


def test_the_warning_says_why() -> None:
    stack = f"{INPUT}, {EMBED}, {POOL}"
    source = HEAD + TOKENS + f"model = keras.Sequential([{stack}, layers.Dense(1)])\n" + FIT
    (diagnostic,) = [d for d in analyze(source, Config(keras_version=3)).diagnostics if d.code == "SL103"]
    assert "Keras 3 runs a Sequential model's layers on the data" in diagnostic.message
    assert "a functional model, or Keras 2, raises here" in diagnostic.message
    length = (
        HEAD + TOKENS + "model = keras.Sequential([layers.Embedding(1000, 8, input_length=10), layers.LSTM(4)])\n" + FIT
    )
    (diagnostic,) = [d for d in analyze(length, Config(keras_version=3)).diagnostics if d.code == "SL103"]
    assert "Keras 3 ignores input_length" in diagnostic.message


def test_a_functional_model_still_errs_under_keras3() -> None:
    source = (
        HEAD
        + TOKENS
        + (
            "inputs = keras.Input((10,))\n"
            "h = layers.GlobalAveragePooling1D()(layers.Embedding(1000, 8)(inputs))\n"
            "model = keras.Model(inputs, layers.Dense(1)(h))\n"
        )
        + FIT
    )
    assert sl103(source, 3) == [Severity.ERROR]


def test_a_layer_not_known_here_leaves_the_error() -> None:
    stack = f"{INPUT}, {EMBED}, layers.Lambda(lambda t: t), {POOL}"
    source = HEAD + TOKENS + f"model = keras.Sequential([{stack}, layers.Dense(1)])\n" + FIT
    assert sl103(source, 3) == [Severity.ERROR]
