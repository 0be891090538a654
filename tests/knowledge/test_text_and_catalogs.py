"""Keras text preprocessing, keras.datasets.imdb/reuters, tensorflow_datasets and TF1's MNIST reader."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.values import ArrayValue, DatasetValue, Seq

KERAS3 = Config(keras_version=3)


def value_of(code: str, name: str = "r") -> object:
    return analyze(code, KERAS3).facts.module_names.get(name)


def dims_of(code: str, name: str = "r") -> tuple[int | None, ...] | None:
    value = value_of(code, name)
    return value.shape.dims if isinstance(value, ArrayValue) else None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from keras.utils import pad_sequences\nr = pad_sequences(seqs, maxlen=100)", (None, 100)),
        (
            "from tensorflow.keras.preprocessing.sequence import pad_sequences\n"
            "r = pad_sequences([[1, 2], [3]], maxlen=5)",
            (2, 5),
        ),
        ("import keras\nr = keras.preprocessing.sequence.pad_sequences(seqs, 30, padding='post')", (None, 30)),
        ("from keras.utils import pad_sequences\nr = pad_sequences(seqs)", (None, None)),
    ],
)
def test_pad_sequences_is_samples_by_maxlen(code: str, expected: tuple[int | None, ...]) -> None:
    assert dims_of(code) == expected


def test_pad_sequences_with_a_computed_maxlen_is_unknown() -> None:
    assert dims_of("from keras.utils import pad_sequences\nr = pad_sequences(seqs, maxlen=longest(seqs))") is None


def test_pad_sequences_dtype_argument() -> None:
    value = value_of("from keras.utils import pad_sequences\nr = pad_sequences(seqs, maxlen=4, dtype='float32')")
    assert isinstance(value, ArrayValue) and value.dtype == "float32"


def test_tokenizer_matrix_width_is_num_words_and_sequences_have_unknown_lengths() -> None:
    code = """
import numpy as np
from tensorflow.keras.preprocessing.text import Tokenizer
texts = np.array(["a b", "c", "d e f"])
tok = Tokenizer(num_words=5000)
tok.fit_on_texts(texts)
m = tok.texts_to_matrix(texts, mode="tfidf")
s = tok.texts_to_sequences(texts)
u = Tokenizer().texts_to_matrix(texts)
"""
    assert dims_of(code, "m") == (3, 5000)
    assert dims_of(code, "s") == (3,)
    assert dims_of(code, "u") == (3, None)


@pytest.mark.parametrize(
    ("code", "name", "expected", "classes"),
    [
        ("(r, q), (s, t) = imdb.load_data(num_words=10000)", "r", (25000,), None),
        ("(r, q), (s, t) = imdb.load_data(num_words=10000)", "t", (25000,), 2),
        ("(r, q), (s, t) = imdb.load_data(maxlen=200)", "r", (None,), None),
        ("(r, q), (s, t) = reuters.load_data(num_words=10000)", "q", (8982,), 46),
        ("(r, q), (s, t) = reuters.load_data()", "s", (2246,), None),
    ],
)
def test_imdb_and_reuters_are_object_arrays_of_sequences(
    code: str, name: str, expected: tuple[int | None, ...], classes: int | None
) -> None:
    value = value_of("from tensorflow.keras.datasets import imdb, reuters\n" + code, name)
    assert isinstance(value, ArrayValue) and value.shape.dims == expected
    if name in ("q", "t"):
        assert value.classes == classes
    else:
        assert value.dtype == "object"


def test_padded_imdb_into_a_longer_input_is_reported() -> None:
    code = """
import keras
from keras.datasets import imdb
from keras.utils import pad_sequences
(x_train, y_train), _ = imdb.load_data(num_words=10000)
x_train = pad_sequences(x_train, maxlen=100)
model = keras.Sequential([keras.Input(shape=(200,)), keras.layers.Embedding(10000, 16),
                          keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
"""
    assert [d.code for d in analyze(code, KERAS3).diagnostics] == ["SL103"]
    assert not analyze(code.replace("shape=(200,)", "shape=(100,)"), KERAS3).diagnostics


@pytest.mark.parametrize(
    ("name", "sample", "classes"),
    [
        ("mnist", (28, 28, 1), 10),
        ("cifar10", (32, 32, 3), 10),
        ("cifar100", (32, 32, 3), 100),
        ("tf_flowers", (None, None, 3), 5),
        ("horses_or_humans", (300, 300, 3), 2),
    ],
)
def test_tfds_load_as_supervised_gives_image_label_pairs(
    name: str, sample: tuple[int | None, ...], classes: int
) -> None:
    code = f"import tensorflow_datasets as tfds\nr = tfds.load('{name}', split='train', as_supervised=True)"
    value = value_of(code)
    assert isinstance(value, DatasetValue) and not value.batched
    assert isinstance(value.element, Seq)
    image, label = value.element.items
    assert isinstance(image, ArrayValue) and image.shape.dims == sample
    assert isinstance(label, ArrayValue) and label.shape.dims == () and label.classes == classes


def test_tfds_load_split_list_batch_size_and_with_info() -> None:
    code = """
import tensorflow_datasets as tfds
(train, test), info = tfds.load(
    "fashion_mnist", split=["train", "test"], as_supervised=True, with_info=True, batch_size=32
)
d = tfds.load("mnist", split="train")
e = tfds.load("mnist", split="train", as_supervised=True, batch_size=-1)
f = tfds.load("some_unlisted_dataset", split="train", as_supervised=True)
"""
    names = analyze(code, KERAS3).facts.module_names
    assert isinstance(names["train"], DatasetValue) and names["train"].batched
    assert isinstance(names["test"], DatasetValue)
    for unknown in ("d", "e", "f"):  # dict elements, whole tensors, a dataset not in the table
        assert not isinstance(names[unknown], DatasetValue)


def test_tfds_imdb_reviews_knows_the_label_only() -> None:
    value = value_of(
        "import tensorflow_datasets as tfds\nr = tfds.load('imdb_reviews', split='test', as_supervised=True)"
    )
    assert isinstance(value, DatasetValue) and isinstance(value.element, Seq)
    text, label = value.element.items
    assert not isinstance(text, ArrayValue) and isinstance(label, ArrayValue)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("mnist.train.images", (55000, 784)),
        ("mnist.validation.images", (5000, 784)),
        ("mnist.test.labels", (10000, 10)),
        ("mnist.train.next_batch(100)[0]", (100, 784)),
        ("mnist.train.next_batch(100)[1]", (100, 10)),
        ("plain.train.labels", (55000,)),
        ("small.train.images", (59000, 784)),
    ],
)
def test_tf1_mnist_reader(expression: str, expected: tuple[int, ...]) -> None:
    code = f"""
from tensorflow.examples.tutorials.mnist import input_data
mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
plain = input_data.read_data_sets("MNIST_data/")
small = input_data.read_data_sets("MNIST_data/", validation_size=1000)
r = {expression}
"""
    assert dims_of(code) == expected


def test_tf1_mnist_reader_without_flattening_is_unknown() -> None:
    code = (
        "from tensorflow.examples.tutorials.mnist import input_data\n"
        "m = input_data.read_data_sets('d', reshape=False)\nr = m.train.images"
    )
    assert dims_of(code) is None
