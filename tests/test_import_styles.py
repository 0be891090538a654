"""The same mistakes are found whatever way the program imports Keras and NumPy."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze

CONFIG = Config(keras_version=3)

# (imports, how to spell Input, how to spell a layer module prefix)
STYLES = {
    "import keras": ("import keras", "keras.Input", "keras.layers."),
    "from tensorflow import keras": ("from tensorflow import keras", "keras.Input", "keras.layers."),
    "import tensorflow as tf": ("import tensorflow as tf", "tf.keras.Input", "tf.keras.layers."),
    "import tensorflow": ("import tensorflow", "tensorflow.keras.Input", "tensorflow.keras.layers."),
    "keras.layers.Input": ("import keras", "keras.layers.Input", "keras.layers."),
    "from keras import Input": ("from keras import Input, layers", "Input", "layers."),
    "from tensorflow.keras.layers import Input": (
        "from tensorflow.keras.layers import Input, Conv2D, Dense, LSTM\nfrom tensorflow.keras import Model",
        "Input",
        "",
    ),
    "import tensorflow.keras as K": ("import tensorflow.keras as K", "K.Input", "K.layers."),
    "from keras import layers as L": ("import keras\nfrom keras import layers as L", "keras.Input", "L."),
    "star import": ("from tensorflow.keras.layers import *\nimport keras", "Input", ""),
}


def program(style: str, body: str) -> str:
    imports, input_name, prefix = STYLES[style]
    model = (
        "tf.keras.Model"
        if "tf" in input_name.split(".")[0]
        else (
            "tensorflow.keras.Model"
            if input_name.startswith("tensorflow")
            else ("K.Model" if input_name.startswith("K.") else "keras.Model" if "import keras" in imports else "Model")
        )
    )
    if style == "from keras import Input":
        imports += "\nfrom keras import Model"
    return "import numpy as np\n" + imports + "\n" + body.format(Input=input_name, L=prefix, Model=model)


BATCH_AXIS = """
data = np.random.rand(1000, 50, 1)
inputs = {Input}(shape=(1000, 50, 1))
outputs = {L}Dense(1)({L}LSTM(8)(inputs))
model = {Model}(inputs, outputs)
model.compile(loss="mse")
model.fit(data, np.zeros((1000, 1)))
"""
CHANNEL = """
inputs = {Input}(shape=(64, 64))
x = {L}Conv2D(8, 3)(inputs)
"""
MNIST = """
x_train = np.zeros((60000, 28, 28))
inputs = {Input}(shape=(784,))
model = {Model}(inputs, {L}Dense(10)(inputs))
model.compile(loss="mse")
model.fit(x_train, np.zeros((60000, 10)))
"""


@pytest.mark.parametrize("style", sorted(STYLES))
@pytest.mark.parametrize(
    ("body", "code", "line"),
    [(BATCH_AXIS, "SL101", 2), (CHANNEL, "SL102", 2), (MNIST, "SL103", 5)],
    ids=["SL101", "SL102", "SL103"],
)
def test_finding_under_import_style(style: str, body: str, code: str, line: int) -> None:
    """`line` counts from the body's first line."""
    text = program(style, body)
    first_line = body.strip().splitlines()[0].split("{")[0]
    offset = text.count("\n", 0, text.index("\n" + first_line) + 1)
    found = [(d.code, d.range.start.line - offset + 1) for d in analyze(text, CONFIG).diagnostics]
    assert found == [(code, line)], text
