"""Engine guarantees: unknown is silent, broken code still gets checked, the target Keras matters."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import SYNTAX_ERROR_CODE, analyze, analyze_notebook

KERAS3 = Config(keras_version=3)
KERAS2 = Config(keras_version=2)

MODEL_784 = """
inputs = keras.Input(shape=(784,))
model = keras.Model(inputs, keras.layers.Dense(10)(inputs))
model.compile(loss="mse")
model.fit(x_train, y_train)
"""


@pytest.mark.parametrize(
    "source",
    [
        "import numpy as np\nimport keras\nx_train = np.load('x.npy')\ny_train = np.load('y.npy')\n",
        "import pandas as pd\nimport keras\ndf = pd.read_csv('d.csv')\nx_train = df.values\ny_train = df['y'].values\n",
        "import numpy as np\nimport keras\ndef train(x_train, y_train):\n    pass\n",
        "import tensorflow as tf\nimport keras\nds = tf.data.TFRecordDataset('f')\nx_train = ds\ny_train = None\n",
        "import numpy as np\nimport keras\nx_train = np.random.rand(n, 28, 28)\ny_train = np.zeros(n)\n",
    ],
    ids=["np.load", "pandas", "parameters", "tf.data", "unknown-count"],
)
def test_unknown_data_is_silent(source: str) -> None:
    # For the unknown-count case the sample shape is still known: (28, 28) vs (784,) is reported.
    text = source + MODEL_784
    codes = [d.code for d in analyze(text, KERAS3).diagnostics]
    if "unknown-count" in source or "rand(n, 28, 28)" in source:
        assert codes == ["SL103"]
    else:
        assert codes == []


def test_function_parameters_are_unknown_inside_the_function() -> None:
    text = """
import keras
def build(shape):
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))
"""
    assert analyze(text, KERAS3).diagnostics == ()


def test_functions_called_with_known_arguments_are_followed() -> None:
    text = """
import keras
def build(shape):
    inputs = keras.Input(shape=shape)
    return keras.Model(inputs, keras.layers.Conv2D(4, 3)(inputs))
model = build((28, 28))
"""
    found = [(d.code, d.range.start.line) for d in analyze(text, KERAS3).diagnostics]
    assert found == [("SL102", 4)]


def test_if_else_with_different_shapes_is_unknown() -> None:
    text = """
import numpy as np
import keras
if flag:
    x = np.zeros((100, 28, 28))
else:
    x = np.zeros((100, 784))
inputs = keras.Input(shape=(784,))
model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
model.fit(x, np.zeros((100, 1)))
"""
    assert analyze(text, KERAS3).diagnostics == ()


def test_if_else_with_the_same_shape_stays_known() -> None:
    text = """
import numpy as np
import keras
if flag:
    x = np.zeros((100, 28, 28))
else:
    x = np.ones((100, 28, 28))
inputs = keras.Input(shape=(784,))
model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
model.fit(x, np.zeros((100, 1)))
"""
    assert [d.code for d in analyze(text, KERAS3).diagnostics] == ["SL103"]


def test_syntax_error_is_reported_and_the_rest_is_checked() -> None:
    text = """
import numpy as np
import keras
data = np.random.rand(1000, 50, 1)
oops = (1, 2
inputs = keras.Input(shape=(1000, 50, 1))
model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(4)(inputs)))
model.fit(data, np.zeros((1000, 1)))
def broken(:
    pass
"""
    diagnostics = analyze(text, KERAS3).diagnostics
    codes = [(d.code, d.range.start.line) for d in diagnostics]
    assert ("SL101", 5) in codes
    syntax = [d for d in diagnostics if d.code == SYNTAX_ERROR_CODE]
    assert {d.range.start.line for d in syntax} == {4, 8}
    assert all("does not parse" in d.message for d in syntax)


@pytest.mark.parametrize("cut", range(1, 12))
def test_half_typed_file_never_crashes(cut: int) -> None:
    text = (
        "import numpy as np\nimport keras\nx = np.random.rand(10, 28, 28)\n"
        "inputs = keras.Input(shape=(28, 28, 1))\nh = keras.layers.Conv2D(8, 3)(inputs)\n"
        "model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(h)))\nmodel.fit(x, y)\n"
    )
    for end in range(0, len(text), max(1, len(text) // (cut * 7))):
        analyze(text[:end], KERAS3)


def test_the_trailing_axis_case_is_silent_for_keras_2_and_3() -> None:
    # tf-keras 2.21 trains it too (Functional._conform_to_reference_input adds the axis).
    text = """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(inputs))
model = keras.Model(inputs, keras.layers.Dense(10)(x))
model.fit(x_train, y_train)
"""
    assert analyze(text, KERAS3).diagnostics == ()
    assert analyze(text, KERAS2).diagnostics == ()


@pytest.mark.parametrize("config", [KERAS3, KERAS2], ids=["keras3", "keras2"])
def test_one_dimensional_data_into_an_input_of_one_feature_is_silent(config: Config) -> None:
    # Both Keras versions add the trailing axis: (200,) trains into Input((1,)) (tf-keras 2.21 measured).
    text = """
import numpy as np
import keras
x = np.linspace(0.0, 1.0, 200)
model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, 3.0 * x)
"""
    assert analyze(text, config).diagnostics == ()


def test_noqa_silences_a_code_or_everything() -> None:
    line = "inputs = keras.Input(shape=(64, 64))\nx = keras.layers.Conv2D(8, 3)(inputs)"
    base = "import keras\n" + line
    assert [d.code for d in analyze(base, KERAS3).diagnostics] == ["SL102"]
    assert analyze(base + "  # noqa: SL102", KERAS3).diagnostics == ()
    assert analyze(base + "  # noqa", KERAS3).diagnostics == ()
    assert [d.code for d in analyze(base + "  # noqa: SL101", KERAS3).diagnostics] == ["SL102"]


def test_select_and_ignore() -> None:
    text = "import keras\ninputs = keras.Input(shape=(64, 64))\nx = keras.layers.Conv2D(8, 3)(inputs)\n"
    assert analyze(text, Config(keras_version=3, ignore=frozenset({"SL102"}))).diagnostics == ()
    assert analyze(text, Config(keras_version=3, select=frozenset({"SL101"}))).diagnostics == ()
    assert len(analyze(text, Config(keras_version=3, select=frozenset({"SL1"}))).diagnostics) == 1


def test_notebook_cells_are_one_program_and_positions_are_cell_relative() -> None:
    cells = [
        "import numpy as np\nimport keras\n%matplotlib inline\ndata = np.random.rand(1000, 50, 1)\n",
        "# the model\ninputs = keras.Input(shape=(1000, 50, 1))\n"
        "model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(4)(inputs)))\n",
        "model.fit(data, np.zeros((1000, 1)))",
    ]
    analysis = analyze_notebook(cells, KERAS3)
    (diagnostic,) = analysis.diagnostics
    assert (diagnostic.code, diagnostic.cell, diagnostic.range.start.line) == ("SL101", 1, 1)
    hover = analysis.hover_at(Position(3, 1), cell=0)
    assert hover is not None and hover.cell == 0 and "(1000, 50, 1)" in hover.markdown


def test_hover_and_inlay_hints() -> None:
    text = """import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(28, 28, 1))
h = keras.layers.Conv2D(32, 3)(inputs)
model = keras.Model(inputs, h)
"""
    analysis = analyze(text, KERAS3)
    hover = analysis.hover_at(Position(1, 2))
    assert hover is not None and hover.markdown == "`x_train`: ndarray (60000, 28, 28) uint8"
    assert [(h.position.line, h.label) for h in analysis.inlay_hints] == [
        (2, "→ (None, 28, 28, 1)"),  # the declared input, batch axis included
        (3, "→ (None, 26, 26, 32)"),
    ]
    layer_hover = analysis.hover_at(Position(3, 6))
    assert layer_hover is not None and "(None, 28, 28, 1) → output (None, 26, 26, 32)" in layer_hover.markdown
    model_hover = analysis.hover_at(Position(4, 2))
    assert model_hover is not None and "| Conv2D | (None, 26, 26, 32) |" in model_hover.markdown


SUBCLASS = """
import numpy as np
from tensorflow import keras

class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = keras.layers.Conv2D(8, 3)
        self.flat = keras.layers.Flatten()
        self.out = keras.layers.Dense(10)

    def call(self, inputs):
        return self.out(self.flat(self.conv(inputs)))

x = np.random.rand(100, {image})
y = np.random.randint(0, 10, size=(100,))
model = Net()
model.compile(loss="{loss}", optimizer="adam")
model.fit(x, y)
"""


@pytest.mark.parametrize(
    ("image", "loss", "codes"),
    [
        ("28, 28, 1", "sparse_categorical_crossentropy", []),
        ("28, 28", "sparse_categorical_crossentropy", [("SL102", 19)]),
        ("28, 28, 1", "categorical_crossentropy", [("SL105", 19)]),
    ],
)
def test_model_subclass_is_traced_with_the_data_shape(image: str, loss: str, codes: list[tuple[str, int]]) -> None:
    text = SUBCLASS.format(image=image, loss=loss)
    assert [(d.code, d.range.start.line + 1) for d in analyze(text, KERAS3).diagnostics] == codes


def test_train_test_split_keeps_the_sample_shape_and_splits_rows() -> None:
    text = """
import numpy as np
from sklearn.model_selection import train_test_split
X = np.random.rand(1000, 8)
y = np.random.randint(0, 3, size=(1000,))
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=1)
"""
    names = analyze(text, KERAS3).facts.module_names
    shapes = {n: names[n].shape.dims for n in ("X_train", "X_test", "y_train", "y_test")}  # type: ignore[attr-defined]
    assert shapes == {"X_train": (800, 8), "X_test": (200, 8), "y_train": (800,), "y_test": (200,)}


def test_application_base_model_declares_its_input() -> None:
    text = """
import numpy as np
from tensorflow.keras.applications import VGG16
from tensorflow.keras import layers, models
x = np.random.rand(100, {size}, {size}, 3)
y = np.random.randint(0, 10, size=(100,))
base = VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 3))
model = models.Sequential([base, layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x, y)
"""
    assert analyze(text.format(size=64), KERAS3).diagnostics == ()
    found = [(d.code, d.range.start.line) for d in analyze(text.format(size=32), KERAS3).diagnostics]
    assert found == [("SL103", 9)]


def test_multi_head_attention_takes_query_and_value() -> None:
    text = """import keras
q = keras.Input(shape=(10, 16))
v = keras.Input(shape=(12, 16))
att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8)(q, v)
"""
    assert [h.label for h in analyze(text, KERAS3).inlay_hints] == [
        "→ (None, 10, 16)",
        "→ (None, 12, 16)",
        "→ (None, 10, 16)",
    ]


def test_arithmetic_on_tensors_of_unknown_rank() -> None:
    text = (
        "from tensorflow.keras import layers\n"
        'x = layers.Conv2D(32, 3, data_format="channels_first")(inputs)\n'
        'x = layers.MaxPooling2D(2, data_format="channels_first")(x) - x\n'
    )
    assert analyze(text, KERAS3).diagnostics == ()


TEST_CLASS = """
import unittest
import numpy as np
import keras


class {header}
    def {set_up}(self):
        self.model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])

    def test_predicts(self):
        self.model.predict(np.zeros((3, 6)))

    def helper(self):
        self.model.predict(np.zeros((3, 7)))
"""


@pytest.mark.parametrize(
    ("header", "set_up"),
    [
        ("ModelTest(unittest.TestCase):", "setUp"),
        ("TestModel:", "setup_method"),  # pytest's own test classes
        ("Base(unittest.TestCase):\n    pass\n\n\nclass ModelTest(Base):", "setUp"),
    ],
)
def test_the_test_methods_of_a_test_class_run_as_their_runner_runs_them(header: str, set_up: str) -> None:
    # unittest/pytest run test_predicts after the set-up: predict raises (6 features for 4). helper is
    # no test: nobody runs it.
    text = TEST_CLASS.format(header=header, set_up=set_up)
    found = [(d.code, d.range.start.line) for d in analyze(text, KERAS3).diagnostics]
    assert found == [("SL103", text.splitlines().index("        self.model.predict(np.zeros((3, 6)))"))]


def test_a_class_no_test_runner_instantiates_is_not_run() -> None:
    text = TEST_CLASS.format(header="ModelChecks:", set_up="setUp")
    assert analyze(text, KERAS3).diagnostics == ()


def test_input_dim_of_a_layer_the_catalog_does_not_know_is_not_an_input_shape() -> None:
    # keras.layers.ReversibleEmbedding(input_dim=100, ...): a vocabulary size, as for Embedding.
    text = """
import numpy as np
from keras import layers, models
model = models.Sequential([layers.ReversibleEmbedding(input_dim=100, output_dim=32)])
model(np.random.randint(0, 100, size=(4, 10)))
"""
    assert analyze(text, KERAS3).diagnostics == ()


def test_a_function_nobody_calls_takes_no_guess_from_its_defaults() -> None:
    # deepface's MiniFASNetV2(conv6_kernel=(7, 7)) is only ever called with (5, 5), from another module:
    # the default is not what the function runs with.
    text = """
import keras
def build(kernel=(7, 7)):
    inputs = keras.Input(shape=(5, 5, 8))
    return keras.Model(inputs, keras.layers.DepthwiseConv2D(kernel)(inputs))
"""
    assert analyze(text, KERAS3).diagnostics == ()
    called = text + "build()\n"  # called with its defaults: Keras raises "negative output size"
    assert [d.code for d in analyze(called, KERAS3).diagnostics] == ["SL109"]


def test_a_parameterized_test_method_takes_no_guess_from_its_defaults() -> None:
    # absl runs test_width with 4, then 6: its default is never what it runs with.
    text = """
import numpy as np
import keras
from absl.testing import parameterized


class ModelTest(parameterized.TestCase):
    @parameterized.parameters((4,), (6,))
    def test_width(self, width=6):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
        model.predict(np.zeros((3, width)))

    def test_plain(self):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
        model.predict(np.zeros((3, 5)))
"""
    assert [(d.code, d.range.start.line) for d in analyze(text, KERAS3).diagnostics] == [("SL103", 14)]
