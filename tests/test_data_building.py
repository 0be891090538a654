"""Python that builds data: lists grown in loops of unknown length, reshapes to literal targets, np.prod."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import ArrayValue, Const, ListOf, TensorValue

KERAS3 = Config(keras_version=3)
LOOP = """
import os
import numpy as np
images, labels = [], []
for name in os.listdir(folder):
    image = np.zeros((64, 64, 3))
    images.append(image)
"""


def names_of(code: str) -> dict[str, object]:
    return dict(analyze(code, KERAS3).facts.module_names)


def dims_of(code: str, name: str = "r") -> tuple[int | None, ...] | None:
    value = names_of(code).get(name)
    return value.shape.dims if isinstance(value, ArrayValue) else None


def test_arrays_appended_in_a_loop_of_unknown_count_make_a_list_of_that_element() -> None:
    value = names_of(LOOP)["images"]
    assert isinstance(value, ListOf)
    assert isinstance(value.element, ArrayValue) and value.element.shape.dims == (64, 64, 3)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("np.array(images)", (None, 64, 64, 3)),
        ("np.asarray(images)", (None, 64, 64, 3)),
        ("np.stack(images)", (None, 64, 64, 3)),
        ("np.stack(images, axis=-1)", (64, 64, 3, None)),
        ("np.concatenate(images)", (None, 64, 3)),
        ("np.concatenate(images, axis=2)", (64, 64, None)),
        ("np.vstack(images)", (None, 64, 3)),
        ("np.array(images).reshape(-1, 64 * 64 * 3)", (None, 12288)),
    ],
)
def test_a_list_of_unknown_length_becomes_an_array_with_an_unknown_count(
    expression: str, expected: tuple[int | None, ...]
) -> None:
    assert dims_of(LOOP + f"r = {expression}\n") == expected


@pytest.mark.parametrize(
    "body",
    [
        "    images.append(np.zeros((64, 64, 3)))\n    images.append(np.zeros((32, 32, 3)))\n",  # two shapes
        "    images.append(unknown_thing)\n",
        "    images.append(np.zeros((64, 64, 3)))\n    images = other\n",
        "    images.insert(0, np.zeros((64, 64, 3)))\n    images.insert(0, np.zeros((32, 32, 3)))\n",
        "    images.append(np.zeros((64, 64, 3)))\n    images[-1] = unknown_thing\n",
    ],
)
def test_a_list_grown_with_items_that_disagree_stays_unknown(body: str) -> None:
    code = f"import numpy as np\nimages = []\nfor f in files:\n{body}r = np.array(images)\n"
    value = names_of(code).get("r")
    assert not isinstance(value, ArrayValue) or value.shape.dims in (None, (None, None, None, 3))


@pytest.mark.parametrize(
    "grow",
    [
        "images.insert(0, image)",
        "images.append(image)",
        "images.extend([image])",
        "images.append(image)\n    images.sort(key=len)",
        "images.append(image)\n    images.reverse()",
        "images.append(image)\n    images[0] = image * 2",
        "images.append(image)\n    images.pop()\n    images.append(image)",
    ],
)
def test_a_list_grown_in_a_loop_by_insert_or_extend_is_followed(grow: str) -> None:
    code = f"import numpy as np\nimages = []\nfor f in files:\n    image = np.zeros((64, 64, 3))\n    {grow}\n"
    assert dims_of(code + "r = np.array(images)\n") == (None, 64, 64, 3)


def test_extend_by_an_array_adds_its_rows() -> None:
    code = "import numpy as np\nrows = []\nfor f in files:\n    rows.extend(np.zeros((10, 5)))\nr = np.array(rows)\n"
    assert dims_of(code) == (None, 5)


def test_windows_over_a_series_appended_in_a_loop() -> None:
    code = """
import numpy as np
series = np.random.rand(1000)
x, y = [], []
for i in range(60, len(series)):
    x.append(series[i - 60:i])
    y.append(series[i])
r = np.array(x)
w = []
for start in starts:
    w.append(series[start:start + 30])
q = np.array(w)
"""
    assert dims_of(code) == (None, 60)
    assert dims_of(code, "q") == (None, 30)


def test_iterating_a_list_of_unknown_length_gives_its_element() -> None:
    code = LOOP + "flat = []\nfor item in images:\n    flat.append(item.reshape(-1))\nr = np.array(flat)\n"
    assert dims_of(code) == (None, 12288)


def test_a_short_known_loop_still_unrolls_to_an_exact_count() -> None:
    code = "import numpy as np\nimages = []\nfor i in range(5):\n    images.append(np.zeros((8, 8)))\n"
    code += "r = np.array(images)\n"
    assert dims_of(code) == (5, 8, 8)


def test_layers_appended_in_a_loop_are_not_turned_into_a_list_of_arrays() -> None:
    code = "import keras\nblocks = []\nfor n in sizes:\n    blocks.append(keras.layers.Dense(n))\n"
    assert not isinstance(names_of(code)["blocks"], ListOf)


def test_images_appended_in_a_loop_into_conv2d_without_a_channel_axis_is_reported() -> None:
    code = """
import os
import numpy as np
import keras
images = []
for name in os.listdir("data"):
    images.append(np.zeros((64, 64)))
x = np.array(images)
inputs = keras.Input(shape=x.shape[1:])
features = keras.layers.Conv2D(8, 3)(inputs)
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL102"]
    fixed = code.replace("x = np.array(images)", "x = np.array(images)[..., np.newaxis]")
    assert not analyze(fixed, KERAS3).diagnostics


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("r = load().reshape(-1, 28, 28, 1)", (None, 28, 28, 1)),
        ("r = load().reshape((-1, 784))", (None, 784)),
        ("r = load().reshape(n, 28, 28)", (None, 28, 28)),
        ("r = np.reshape(load(), (-1, 28, 28))", (None, 28, 28)),
        ("r = load().reshape(x.shape[0], x.shape[1], 1)", None),  # more than the sample axis unknown
        ("r = load().reshape(shape)", None),
    ],
)
def test_reshape_of_an_unknown_array_to_a_literal_target(code: str, expected: tuple[int | None, ...] | None) -> None:
    assert dims_of("import numpy as np\n" + code) == expected


def test_reshape_of_an_unknown_array_feeds_a_model() -> None:
    code = """
import numpy as np
import keras
x = np.load_somehow("x").reshape(-1, 28, 28)
model = keras.Sequential([keras.Input(shape=(28, 28, 3)), keras.layers.Conv2D(4, 3),
                          keras.layers.Flatten(), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL103"]
    assert not analyze(code.replace("reshape(-1, 28, 28)", "reshape(-1, 28, 28, 3)"), KERAS3).diagnostics


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("r = np.prod((28, 28, 3))", 2352),
        ("x = np.zeros((10, 8, 8, 2))\nr = np.prod(x.shape[1:])", 128),
        ("import math\nr = math.prod([4, 5])", 20),
        ("r = np.prod(unknown_shape)", None),
    ],
)
def test_np_prod_of_literal_dims_is_a_number(code: str, expected: int | None) -> None:
    value = names_of("import numpy as np\n" + code).get("r")
    assert (value.value if isinstance(value, Const) else None) == expected


def test_np_prod_feeds_a_layer_width() -> None:
    code = """
import numpy as np
import keras
shape = (8, 8, 3)
inputs = keras.Input(shape=shape)
flat = keras.layers.Flatten()(inputs)
hidden = keras.layers.Dense(np.prod(shape))(flat)
out = keras.layers.Reshape((8, 8, 2))(hidden)
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL104"]
    assert not analyze(code.replace("(8, 8, 2)", "(8, 8, 3)"), KERAS3).diagnostics


def test_continue_and_break_inside_nested_loops_keep_the_list_of_arrays() -> None:
    code = """
import numpy as np
images = []
for category in ["cats", "dogs"]:
    for name in listing(category):
        if unreadable(name):
            continue
        images.append(np.zeros((8, 8)))
        if enough(images):
            break
r = np.array(images)
"""
    assert dims_of(code) == (None, 8, 8)


def test_shape_arithmetic_feeds_reshape_and_dense_sizes() -> None:
    code = """
import numpy as np
import keras
x = np.zeros((100, 28, 28))
h, w = x.shape[1], x.shape[2]
inputs = keras.Input(shape=(h, w))
flat = keras.layers.Reshape((h * w,))(inputs)
hidden = keras.layers.Dense(len(x[0]))(flat)
"""
    names = analyze(code, KERAS3).facts.module_names
    flat, hidden = names["flat"], names["hidden"]
    assert isinstance(flat, TensorValue) and flat.shape.dims == (None, 784)
    assert isinstance(hidden, TensorValue) and hidden.shape.dims == (None, 28)
    wrong = code.replace("Reshape((h * w,))", "Reshape((h * w + 1,))")
    assert [d.code for d in analyze(wrong, KERAS3).diagnostics] == ["SL104"]


@pytest.mark.parametrize(
    "change",
    ["images.sort(key=len)", "images.reverse()", "images.pop()", "images[0] = np.ones((64, 64, 3))", "del images[0]"],
)
def test_a_list_of_unknown_length_reordered_or_shortened_keeps_its_items(change: str) -> None:
    code = "import numpy as np\nimages = []\nfor f in files:\n    images.append(np.zeros((64, 64, 3)))\n"
    assert dims_of(code + change + "\nr = np.array(images)\n") == (None, 64, 64, 3)
