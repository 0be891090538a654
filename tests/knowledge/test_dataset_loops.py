"""`for x, y in dataset` / `for batch in generator()`: the loop targets hold one element Keras would read."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import analyze
from shapelint.testing import actual, expected

CONFIG = Config(keras_version=3)
HEAD = (
    "import numpy as np\nimport tensorflow as tf\nimport keras\n"
    "x = np.zeros((100, 28, 28), dtype='float32')\n"
    "y = np.zeros((100,), dtype='int64')\n"
    "ds = tf.data.Dataset.from_tensor_slices((x, y))\n"
)
HEAD_LINES = HEAD.count("\n")


def hover_in_loop(loop: str) -> str | None:
    """The hover on `seen` at the start of the line after the loop header (`seen = <target>`)."""
    analysis = analyze(HEAD + loop, CONFIG)
    assert not analysis.facts.internal_errors
    hover = analysis.hover_at(Position(HEAD_LINES + 1, 4))
    return hover.markdown if hover is not None else None


@pytest.mark.parametrize(
    ("loop", "shape"),
    [
        ("for images, labels in ds.batch(32):\n    seen = images\n", "`seen`: ndarray (None, 28, 28) float32"),
        ("for images, labels in ds.batch(32).take(1):\n    seen = labels\n", "`seen`: ndarray (None,) int64"),
        ("for images, labels in ds:\n    seen = images\n", "`seen`: ndarray (28, 28) float32"),
        (
            "for batch in ds.batch(8, drop_remainder=True):\n    seen = batch[0]\n",
            "`seen`: ndarray (8, 28, 28) float32",
        ),
        (
            "for images, labels in ds.batch(4).as_numpy_iterator():\n    seen = images\n",
            "`seen`: ndarray (None, 28, 28)",
        ),
    ],
)
def test_a_loop_over_a_dataset_binds_one_element(loop: str, shape: str) -> None:
    found = hover_in_loop(loop)
    assert found is not None and found.startswith(shape)


def test_a_loop_over_a_generator_or_a_sequence_binds_one_batch() -> None:
    generator = "def batches():\n    while True:\n        yield np.zeros((8, 4)), np.zeros((8,))\n"
    sequence = (
        "class Batches(keras.utils.Sequence):\n"
        "    def __len__(self):\n        return 10\n"
        "    def __getitem__(self, index):\n        return np.zeros((16, 5)), np.zeros((16, 1))\n"
    )
    code = (
        "import numpy as np\nimport keras\n"
        + generator
        + sequence
        + "for a, b in batches():\n    g = a\nfor c, d in Batches():\n    s = d\n"
    )
    analysis = analyze(code, CONFIG)
    assert not analysis.facts.internal_errors
    lines = code.split("\n")
    g_line, s_line = lines.index("    g = a"), lines.index("    s = d")
    g_hover, s_hover = analysis.hover_at(Position(g_line, 4)), analysis.hover_at(Position(s_line, 4))
    assert g_hover is not None and g_hover.markdown.startswith("`g`: ndarray (8, 4)")
    assert s_hover is not None and s_hover.markdown.startswith("`s`: ndarray (16, 1)")


def test_a_loop_over_something_unknown_still_binds_nothing() -> None:
    unknown = hover_in_loop("for images, labels in unknown_source():\n    seen = images\n")
    assert unknown is not None and unknown.startswith("shape unknown: `unknown_source` is not defined")
    frame = hover_in_loop("for column in {'a': 1}:\n    seen = column\n")  # a plain Python loop: unchanged
    assert frame is None


def test_a_rule_sees_the_batch_inside_the_loop() -> None:
    code = HEAD + (
        "model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])\n"
        "model.compile(loss='sparse_categorical_crossentropy')\n"
        "for images, labels in ds.batch(32).take(1):\n"
        "    model.predict(images)\n"
        "    model.predict(images[0])  # error: SL108\n"
        "    model.train_on_batch(images, labels)\n"
    )
    analysis = analyze(code, CONFIG)
    assert actual(analysis.diagnostics) == expected(code)


def test_a_rule_sees_a_wrong_input_for_the_batches_of_a_loop() -> None:
    code = HEAD + (
        "model = keras.Sequential([keras.Input(shape=(28, 28, 3)), keras.layers.Conv2D(4, 3)])\n"
        "for images, labels in ds.batch(32):\n"
        "    model.predict(images)  # error: SL103\n"
    )
    analysis = analyze(code, CONFIG)
    assert actual(analysis.diagnostics) == expected(code)
