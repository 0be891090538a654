"""tf.data in depth, generators and Sequences: the element Keras reads, traced through the user's functions."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.testing import actual, expected

CONFIG = Config(keras_version=3)
HEAD = (
    "import numpy as np\nimport tensorflow as tf\nfrom tensorflow import keras\n"
    "x = np.zeros((100, 32, 32, 3), dtype='float32')\n"
    "y = np.zeros((100,), dtype='int64')\n"
    "ds = tf.data.Dataset.from_tensor_slices((x, y))\n"
)


def described(text: str, name: str) -> str:
    analysis = analyze(HEAD + text, CONFIG)
    assert not analysis.facts.internal_errors
    return analysis.facts.module_names[name].describe()


def findings(text: str) -> None:
    """The findings of a program are exactly the ones its comments mark."""
    analysis = analyze(text, CONFIG)
    assert not analysis.facts.internal_errors
    assert actual(analysis.diagnostics) == expected(text)


@pytest.mark.parametrize(
    ("code", "element"),
    [
        ("ds.map(lambda a, b: (tf.image.resize(a, (64, 48)), b))", "(Tensor (64, 48, 3) float32, Tensor () int64)"),
        ("ds.map(lambda a, b: a)", "Tensor (32, 32, 3) float32"),
        ("ds.map(lambda a, b: {'image': a, 'label': b})", "{'image': Tensor (32, 32, 3) float32, 'label': Tensor ()"),
        ("ds.batch(8).map(lambda a, b: (tf.image.resize(a, (16, 16)), b))", "(Tensor (16, 16, 3) float32"),
        ("ds.map(prepare)", "(Tensor (32, 32, 1) float32, Tensor () int64)"),
        ("ds.map(lambda a, b: (unknown_function(a), b))", "(unknown, Tensor () int64)"),
    ],
)
def test_map_traces_lambdas_and_functions_of_the_file(code: str, element: str) -> None:
    text = (
        "def prepare(image, label):\n"
        "    image = tf.image.rgb_to_grayscale(image)\n"
        "    return tf.cast(image, tf.float32) / 255.0, label\n"
        f"mapped = {code}\n"
    )
    assert element in described(text, "mapped")


def test_map_of_a_batched_dataset_keeps_the_batch_axis() -> None:
    assert described("b = ds.batch(8).map(lambda a, b: (a, b))\n", "b").endswith("(batched)")
    text = "b = ds.batch(8).map(lambda a, b: (tf.reshape(a, (-1, 32 * 32 * 3)), b))\n"
    assert described(text, "b") == "Dataset of (Tensor (3072,) float32, Tensor () int64) (batched)"


def test_batch_of_batches_and_unbatch() -> None:
    text = (
        "twice = ds.batch(4, drop_remainder=True).batch(2)\n"
        "flat = ds.batch(4).unbatch()\n"
        "samples = tf.data.Dataset.from_tensors((x, y)).unbatch()\n"
        "padded = ds.map(lambda a, b: a).padded_batch(4, padded_shapes=(40, 40, 3))\n"
        "rebatched = ds.batch(4).rebatch(2)\n"
    )
    assert described(text, "twice") == "Dataset of (Tensor (4, 32, 32, 3) float32, Tensor (4,) int64) (batched)"
    assert described(text, "flat") == described(text, "samples")
    assert described(text, "padded") == "Dataset of Tensor (40, 40, 3) float32 (batched)"
    assert described(text, "rebatched").endswith("(batched)")


def test_window_then_flat_map_batch_gives_windows_of_known_length() -> None:
    text = (
        "series = tf.data.Dataset.from_tensor_slices(np.zeros((500, 4), dtype='float32'))\n"
        "windows = series.window(10, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(10)).batch(32)\n"
        "ragged = series.window(10, shift=1).flat_map(lambda w: w.batch(10))\n"
    )
    assert described(text, "windows") == "Dataset of Tensor (10, 4) float32 (batched)"
    assert described(text, "ragged") == "Dataset of Tensor (None, 4) float32"


def test_zip_concatenate_take_and_same_element_methods() -> None:
    text = (
        "images = tf.data.Dataset.from_tensor_slices(x)\n"
        "labels = tf.data.Dataset.from_tensor_slices(y)\n"
        "zipped = tf.data.Dataset.zip((images, labels))\n"
        "zipped_args = tf.data.Dataset.zip(images, labels)\n"
        "both = ds.concatenate(ds).shuffle(100).cache().prefetch(tf.data.AUTOTUNE).repeat().skip(1).take(5)\n"
        "named = tf.data.Dataset.zip({'a': images, 'b': labels})\n"
        "mixed = tf.data.Dataset.zip((images, labels.batch(2)))\n"
    )
    element = "(Tensor (32, 32, 3) float32, Tensor () int64)"
    assert described(text, "zipped") == f"Dataset of {element}"
    assert described(text, "zipped_args") == f"Dataset of {element}"
    assert described(text, "both") == f"Dataset of {element}"
    assert described(text, "named") == "Dataset of {'a': Tensor (32, 32, 3) float32, 'b': Tensor () int64}"
    assert described(text, "mixed") == "unknown"


def test_from_generator_signature_shapes_range_and_from_tensors() -> None:
    text = (
        "def gen():\n"
        "    for i in range(10):\n"
        "        yield np.zeros((8,)), 1\n"
        "signature = (tf.TensorSpec(shape=(None, 64), dtype=tf.float32),"
        " tf.TensorSpec(shape=(None,), dtype=tf.int32))\n"
        "declared = tf.data.Dataset.from_generator(gen, output_signature=signature)\n"
        "shapes = tf.data.Dataset.from_generator(gen, (tf.float32, tf.int32), ((20,), ()))\n"
        "traced = tf.data.Dataset.from_generator(gen)\n"
        "counting = tf.data.Dataset.range(10)\n"
        "whole = tf.data.Dataset.from_tensors(x)\n"
    )
    # Every part leads with a None axis: batches, read as such (batching it again nests them).
    assert described(text, "declared") == "Dataset of (Tensor (64,) float32, Tensor () int32) (batched)"
    assert described(text, "shapes") == "Dataset of (Tensor (20,) float32, Tensor () int32)"
    assert described(text, "traced") == "Dataset of (Tensor (8,) float64, unknown)"
    assert described(text, "counting") == "Dataset of Tensor () int64"
    assert described(text, "whole") == "Dataset of Tensor (100, 32, 32, 3) float32"


def test_an_unknown_label_keeps_the_known_images() -> None:
    findings(
        "import numpy as np\nimport tensorflow as tf\n"
        "x = np.zeros((100, 28, 28, 1))\n"
        "ds = tf.data.Dataset.from_tensor_slices((x, labels_from_somewhere)).batch(32)\n"
        "model = tf.keras.Sequential([tf.keras.Input(shape=(32, 32, 1)), tf.keras.layers.Flatten(),"
        " tf.keras.layers.Dense(10)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(ds)  # error: SL103\n"
    )


def test_map_resize_into_a_model_of_another_size_is_found() -> None:
    findings(
        "import numpy as np\nimport tensorflow as tf\n"
        "x = np.zeros((100, 300, 300, 3))\ny = np.zeros((100,))\n"
        "ds = tf.data.Dataset.from_tensor_slices((x, y))\n"
        "ds = ds.map(lambda image, label: (tf.image.resize(image, (128, 128)), label)).batch(16)\n"
        "inputs = tf.keras.Input(shape=(224, 224, 3))\n"
        "model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(tf.keras.layers.Flatten()(inputs)))\n"
        "model.compile(loss='mse')\n"
        "model.fit(ds, validation_data=ds)  # error: SL103\n"
    )


def test_datasets_returned_by_helper_functions() -> None:
    findings(
        "import numpy as np\nimport tensorflow as tf\n"
        "def make_dataset(images, labels, batch_size=32):\n"
        "    ds = tf.data.Dataset.from_tensor_slices((images, labels))\n"
        "    return ds.shuffle(1000).batch(batch_size).prefetch(tf.data.AUTOTUNE)\n"
        "train = make_dataset(np.zeros((100, 20)), np.zeros((100, 1)))\n"
        "model = tf.keras.Sequential([tf.keras.Input(shape=(16,)), tf.keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(train)  # error: SL103\n"
    )


def test_a_layer_called_in_a_map_over_single_samples_says_nothing() -> None:
    findings(
        "import numpy as np\nimport tensorflow as tf\n"
        "x = np.zeros((10, 64, 64, 3))\n"
        "resize = tf.keras.Sequential([tf.keras.layers.Resizing(32, 32), tf.keras.layers.Rescaling(1 / 255)])\n"
        "ds = tf.data.Dataset.from_tensor_slices(x).map(lambda image: resize(image)).batch(4)\n"
    )


GENERATOR_MODEL = (
    "import numpy as np\nimport tensorflow as tf\n"
    "inputs = tf.keras.Input(shape=(128,))\n"
    "model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(inputs))\n"
    "model.compile(loss='mse')\n"
)


def test_a_generator_function_yields_batches() -> None:
    findings(
        GENERATOR_MODEL + "def batches():\n"
        "    while True:\n"
        "        yield np.zeros((32, 64)), np.zeros((32, 1))\n"
        "model.fit(batches(), steps_per_epoch=10)  # error: SL103\n"
        "model.fit_generator(batches(), steps_per_epoch=10)  # error: SL103\n"
        "model.predict(batches(), steps=1)  # error: SL103\n"
        "model.evaluate_generator(generator=batches(), steps=1)  # error: SL103\n"
    )


def test_a_generator_of_matching_batches_is_silent() -> None:
    findings(
        GENERATOR_MODEL + "def batches(x, y, size=32):\n"
        "    for start in range(0, len(x), size):\n"
        "        yield x[start:start + size], y[start:start + size]\n"
        "model.fit(batches(np.zeros((1000, 128)), np.zeros((1000, 1))), epochs=2)\n"
        "model.fit(batches(np.zeros((1000, 128)), np.zeros((1000, 1))),"
        " validation_data=batches(np.zeros((50, 128)), np.zeros((50, 1))))\n"
    )


def test_yield_from_and_next() -> None:
    text = (
        "def inner():\n"
        "    yield np.zeros((4, 10)), np.zeros((4,))\n"
        "def outer():\n"
        "    yield from inner()\n"
        "xb, yb = next(outer())\n"
        "first = next(iter(ds.batch(8)))\n"
    )
    assert described(text, "xb") == "ndarray (4, 10) float64"
    assert described(text, "first") == "(ndarray (None, 32, 32, 3) float32, ndarray (None,) int64)"


@pytest.mark.parametrize("base", ["keras.utils.Sequence", "keras.utils.PyDataset", "tf.keras.utils.Sequence"])
def test_sequence_subclasses_give_the_batch_of_getitem(base: str) -> None:
    findings(
        GENERATOR_MODEL + "from tensorflow import keras\n"
        f"class Batches({base}):\n"
        "    def __init__(self, x, y, batch_size):\n"
        "        super().__init__()\n"
        "        self.x, self.y = x, y\n"
        "        self.batch_size = batch_size\n"
        "    def __len__(self):\n"
        "        return len(self.x) // self.batch_size\n"
        "    def __getitem__(self, index):\n"
        "        start = index * self.batch_size\n"
        "        return self.x[start:start + self.batch_size], self.y[start:start + self.batch_size]\n"
        "train = Batches(np.zeros((100, 100)), np.zeros((100, 1)), 10)\n"
        "model.fit(train, epochs=2)  # error: SL103\n"
        "model.fit(Batches(np.zeros((100, 128)), np.zeros((100, 1)), 10))\n"
    )


def test_a_class_that_is_not_a_sequence_is_not_read_as_one() -> None:
    findings(
        GENERATOR_MODEL + "class Batches:\n"
        "    def __getitem__(self, index):\n"
        "        return np.zeros((8, 64)), np.zeros((8, 1))\n"
        "model.fit(Batches())\n"
    )


def test_lambda_is_a_callable_value() -> None:
    text = (
        "double = lambda a, scale=2: a * scale\n"
        "doubled = double(np.zeros((3, 4)))\n"
        "nested = (lambda a: (lambda b: b[0])(a))(np.zeros((5, 6)))\n"
        "recursive = lambda n: recursive(n)\n"
        "deep = recursive(1)\n"
    )
    assert described(text, "doubled") == "ndarray (3, 4) float64"
    assert described(text, "nested") == "ndarray (6,) float64"
    assert described(text, "deep") == "unknown"


def test_keyword_arguments_spread_from_a_literal_dict_reach_the_sequence() -> None:
    findings(
        "import numpy as np\nfrom tensorflow import keras\n"
        "class DataGenerator(keras.utils.Sequence):\n"
        "    def __init__(self, ids, batch_size=32, dim=(8, 8), n_classes=10, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "        self.ids, self.batch_size, self.dim, self.n_classes = ids, batch_size, dim, n_classes\n"
        "    def __getitem__(self, index):\n"
        "        X = np.empty((self.batch_size, *self.dim, 1))\n"
        "        y = np.empty((self.batch_size), dtype=int)\n"
        "        return X, keras.utils.to_categorical(y, num_classes=self.n_classes)\n"
        "params = {'dim': (8, 8), 'batch_size': 4, 'n_classes': 6}\n"
        "model = keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Flatten(),"
        " keras.layers.Dense(6, activation='softmax')])\n"
        "model.compile(loss='categorical_crossentropy', optimizer='adam')\n"
        "model.fit(DataGenerator(ids_from_somewhere, **params))\n"
        "model.fit(DataGenerator(ids_from_somewhere, **params_from_somewhere))\n"
        "model.fit(DataGenerator(ids_from_somewhere, n_classes=5, dim=(8, 8)))  # error: SL105\n"
    )


def test_a_default_is_not_assumed_when_unknown_keyword_arguments_may_pass_it() -> None:
    text = (
        "def make(width=10, *, height=20):\n"
        "    return np.zeros((width, height))\n"
        "exact = make(**{'width': 3})\n"
        "spread = make(**options_from_somewhere)\n"
        "starred = make(*[4], height=5)\n"
    )
    assert described(text, "exact") == "ndarray (3, 20) float64"
    assert described(text, "spread") == "ndarray (None, None) float64"
    assert described(text, "starred") == "ndarray (4, 5) float64"


def test_from_generator_of_batches_fed_directly_is_checked_as_batches() -> None:
    findings(
        GENERATOR_MODEL + "def batches():\n"
        "    while True:\n"
        "        yield np.zeros((32, 64)), np.zeros((32, 1))\n"
        "spec = (tf.TensorSpec((None, 64), tf.float32), tf.TensorSpec((None, 1), tf.float32))\n"
        "ds = tf.data.Dataset.from_generator(batches, output_signature=spec)\n"
        "again = ds.batch(4)\n"
        "model.fit(ds, steps_per_epoch=2)  # error: SL103\n"
    )
    text = (
        "spec = (tf.TensorSpec((None, 64), tf.float32), tf.TensorSpec((None, 1), tf.float32))\n"
        "again = tf.data.Dataset.from_generator(g, output_signature=spec).batch(4)\n"
    )
    assert described(text, "again") == "Dataset of (Tensor (None, 64) float32, Tensor (None, 1) float32) (batched)"
