"""Correct code that once drew a finding: each class of false alarm stays silent (issue 13).

Every program here runs under TensorFlow 2.21 / Keras 3.15; the comment says what it prints.
"""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze

KERAS3 = Config(keras_version=3)
KERAS2 = Config(keras_version=2)


def codes(text: str, config: Config = KERAS3) -> list[str]:
    return sorted(d.code for d in analyze(text, config).diagnostics if d.code != "SL201")


# --- a batch of one is not one sample (SL108) ---------------------------------------------

ONE_FEATURE = """
import numpy as np
import keras
model = keras.Sequential([keras.Input(shape={declared}), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.array([-1.0, 0.0, 1.0, 2.0]), np.array([-3.0, -1.0, 1.0, 3.0]), epochs=1, verbose=0)
print(model.predict({data}, verbose=0).shape)
"""


@pytest.mark.parametrize("config", [KERAS3, KERAS2], ids=["keras3", "keras2"])
@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("(1,)", "np.array([10.0])"),  # prints (1, 1): a batch of one scalar
        ("(1,)", "np.array([10.0, 20.0])"),  # prints (2, 1)
        ("[1]", "np.array([[10.0]])"),  # prints (1, 1)
    ],
)
def test_one_dimensional_batch_for_a_size_one_input_is_not_one_sample(declared: str, data: str, config: Config) -> None:
    found = codes(ONE_FEATURE.format(declared=declared, data=data), config)
    # Keras 2 mode may still question the 1-D `fit` data (SL103); never the batch of one.
    assert found == [] if config is KERAS3 else "SL108" not in found


def test_batch_of_one_scalar_for_a_scalar_input_is_not_one_sample() -> None:
    # Input(shape=()) reads (k,) data as k scalars; a batch of one is (1,). Prints (1, 1).
    text = """
import numpy as np
import keras
model = keras.Sequential([keras.Input(shape=(), dtype="int32"), keras.layers.Embedding(10, 2), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.array([1, 2, 3, 4]), np.array([-3.0, -1.0, 1.0, 3.0]), epochs=1, verbose=0)
print(model.predict(np.array([7]), verbose=0).shape)
"""
    assert codes(text) == []


def test_input_dim_one_with_a_batch_of_one_is_silent() -> None:
    # hello-world notebook: input_shape=[1], fit on (6,), predict on a batch of one (prints (1, 1)).
    text = """
import numpy as np
import keras
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0], dtype=float)
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0], dtype=float)
model = keras.Sequential([keras.layers.Dense(units=1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=1, verbose=0)
new_x = 7.0
print(model.predict(np.array([new_x]), verbose=0)[0])
"""
    assert codes(text) == []


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("(4,)", "np.array([5.1, 3.5, 1.4, 0.2])"),  # Keras: expected shape=(None, 4), found (None, 1)
        ("(28, 28)", "np.zeros((28, 28))"),
        ("(28, 28, 1)", "np.zeros((28, 28, 1))"),
    ],
)
def test_one_sample_without_batch_axis_is_still_reported(declared: str, data: str) -> None:
    assert codes(ONE_FEATURE.replace("model.fit(", "# model.fit(").format(declared=declared, data=data)) == ["SL108"]


# --- an unknown element has no guessed shape --------------------------------------------

UNKNOWN_TOKENS = """
import numpy as np
import keras
from mytokenizer import encode
tokens = encode("the film was great")
model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(1)])
print(model.predict({data}, verbose=0).shape)
"""


@pytest.mark.parametrize("data", ["np.array([tokens])", "np.array([tokens, tokens])", "np.asarray([tokens])"])
def test_array_of_unknown_elements_has_unknown_shape(data: str) -> None:
    # `encode` returns 10 token ids: (1, 10) fits; a guessed scalar element made it (1,).
    assert codes(UNKNOWN_TOKENS.format(data=data)) == []


# --- a user-defined layer has an unknown output ------------------------------------------

CUSTOM_LAYER = """
import numpy as np
import keras


class Standardize(keras.layers.Layer):
    def call(self, inputs):
        return keras.ops.reshape(inputs, (-1, 28 * 28)) / 255.0


x = np.random.rand(8, 28, 28).astype("float32")
y = np.random.randint(0, 10, (8,))
{model}
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y, epochs=1, verbose=0)
print(model.predict(x, verbose=0).shape)
"""


@pytest.mark.parametrize(
    "model",
    [
        # each prints (8, 10)
        "model = keras.Sequential([keras.Input(shape=(28, 28)), Standardize(), keras.layers.Dense(10)])",
        "model = keras.Sequential([keras.Input(shape=(28, 28)), Standardize()])\nmodel.add(keras.layers.Dense(10))",
        'model = keras.Sequential([Standardize(), keras.layers.Dense(10, activation="softmax")])',
        'model = keras.Sequential([Standardize(), keras.layers.Dense(10, activation="softmax", input_shape=(784,))])',
    ],
    ids=["with-input", "added-after", "first-layer", "first-layer-then-input-shape"],
)
def test_custom_layer_in_a_sequential_has_an_unknown_output(model: str) -> None:
    assert codes(CUSTOM_LAYER.format(model=model)) == []


def test_layers_after_a_custom_layer_are_still_checked_for_their_own_arguments() -> None:
    # The model before the custom layer is still known: a Dense on a 1-D input is reported.
    text = CUSTOM_LAYER.format(
        model="model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Reshape((28, 29)), Standardize()])"
    )
    assert "SL104" in codes(text)


# --- a heuristic premise is a warning that says why ---------------------------------------


def test_channel_order_read_from_a_size_three_axis_is_a_warning_when_shapes_may_match() -> None:
    text = """
import sys
import numpy as np
import keras
size = int(sys.argv[1])
x = np.random.rand(100, 3, size, size)
inputs = keras.Input(shape=(size, size, 3))
model = keras.Model(inputs, keras.layers.Conv2D(8, 3)(inputs))
model.predict(x)
"""
    (finding,) = analyze(text, KERAS3).diagnostics
    assert (finding.code, finding.severity.name) == ("SL107", "WARNING")
    assert "because axis 1 has size 3" in finding.message


def test_class_count_from_a_random_range_is_a_warning_and_from_a_dataset_an_error() -> None:
    random_labels = """
import numpy as np
import keras
x = np.random.rand(100, 4)
y = np.random.randint(0, 10, size=(100,))
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y)
"""
    (finding,) = analyze(random_labels, KERAS3).diagnostics
    assert (finding.code, finding.severity.name) == ("SL105", "WARNING")
    assert "going by the range it was drawn from" in finding.message
    dataset_labels = """
import keras
(x, y), _ = keras.datasets.cifar100.load_data()
model = keras.Sequential([keras.Input(shape=(32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y)
"""
    (finding,) = analyze(dataset_labels, KERAS3).diagnostics
    assert (finding.code, finding.severity.name) == ("SL105", "ERROR")


# --- code a test expects to raise ---------------------------------------------------------

EXPECTS_RAISE = """
import unittest
import numpy as np
import pytest
import keras
from pytest import raises

model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])


def test_wrong_width():
    with {opening}:
        model.predict(np.zeros((3, 5)))
    model.predict(np.zeros((3, 6)))
"""


@pytest.mark.parametrize(
    "opening",
    [
        "pytest.raises(ValueError)",
        "raises(ValueError, match='incompatible')",
        "unittest.TestCase().assertRaisesRegex(ValueError, 'expected axis')",
        "np.testing.assert_raises(ValueError)",
        "pytest.warns(UserWarning), pytest.raises(ValueError)",
    ],
)
def test_a_block_a_test_expects_to_raise_is_not_reported(opening: str) -> None:
    # Under pytest the first predict raises ValueError, as the test expects; the second (line 13, from 0) is a mistake.
    findings = analyze(EXPECTS_RAISE.format(opening=opening), KERAS3).diagnostics
    assert [(d.code, d.range.start.line) for d in findings] == [("SL103", 13)]


def test_a_block_under_another_context_manager_is_still_reported() -> None:
    text = EXPECTS_RAISE.format(opening="np.errstate(all='ignore')")
    assert [(d.code, d.range.start.line) for d in analyze(text, KERAS3).diagnostics] == [("SL103", 12), ("SL103", 13)]
