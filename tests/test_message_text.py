"""Messages and fix titles quote source code on one line, shortened, and name notebook places by cell."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import code_in_message
from shapelint.engine import analyze, analyze_notebook

KERAS3 = Config(keras_version=3)

MULTI_LINE_INPUT_SHAPE = """import keras
model = keras.Sequential([
    keras.layers.Dense(
        8,
        input_shape=(
            13,
        ),
    ),
])
"""


def test_multi_line_input_shape_is_quoted_on_one_line() -> None:
    (diagnostic,) = analyze(MULTI_LINE_INPUT_SHAPE, KERAS3).diagnostics
    assert diagnostic.code == "SL201"
    assert "\n" not in diagnostic.message
    assert "Start the model with keras.Input(shape=(13,)) instead." in diagnostic.message
    (fix,) = diagnostic.fixes
    assert fix.message == "Start the model with keras.Input(shape=(13,))"
    # The edit itself keeps the code as written.
    assert any("(\n            13,\n        )" in edit.content for edit in fix.edits)


def test_long_input_shape_is_shortened_in_the_message() -> None:
    long_shape = "(\n" + "".join(f"            IMAGE_SIZE_{i} // 2,\n" for i in range(12)) + "        )"
    text = MULTI_LINE_INPUT_SHAPE.replace("(\n            13,\n        )", long_shape)
    (diagnostic,) = analyze(text, KERAS3).diagnostics
    assert "\n" not in diagnostic.message and "…" in diagnostic.message
    assert len(diagnostic.message) < 260


def test_code_in_message() -> None:
    assert code_in_message("foo(\n    a,\n    b,\n)") == "foo(a, b,)"
    assert code_in_message("x[0]") == "x[0]"
    assert code_in_message("f( a )") == "f( a )"  # single-line code is quoted as written
    shortened = code_in_message("a" * 100, limit=20)
    assert len(shortened) == 20 and shortened.endswith("…")


def test_notebook_message_names_the_cell_of_the_declaration() -> None:
    cells = [
        "import numpy as np\nimport keras\nx = np.zeros((100, 784))\n",
        "%matplotlib inline\nmodel = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])\n",
        "%time model.predict(x[0])\n",
    ]
    (diagnostic,) = analyze_notebook(cells, KERAS3).diagnostics
    assert diagnostic.code == "SL108" and "(declared on cell 2, line 2)" in diagnostic.message
