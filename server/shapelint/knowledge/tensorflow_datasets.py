"""`tensorflow_datasets.load` for the common datasets, and TF1's `input_data.read_data_sets` MNIST loader.

Each table entry is the documented feature spec of one sample (tfds catalog); image sizes that
vary between samples (tf_flowers, cats_vs_dogs) have unknown height and width.
"""

from __future__ import annotations

from dataclasses import dataclass

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.shapes import Shape
from shapelint.values import UNKNOWN, ArrayValue, Const, DatasetValue, ObjectValue, Seq, Value, const_int, const_str


@dataclass(frozen=True)
class TfdsSpec:
    sample: tuple[int | None, ...] | None  # None: text, whose shape shapelint does not model
    classes: int


TFDS: dict[str, TfdsSpec] = {
    "mnist": TfdsSpec((28, 28, 1), 10),
    "fashion_mnist": TfdsSpec((28, 28, 1), 10),
    "kmnist": TfdsSpec((28, 28, 1), 10),
    "emnist": TfdsSpec((28, 28, 1), 62),
    "cifar10": TfdsSpec((32, 32, 3), 10),
    "cifar100": TfdsSpec((32, 32, 3), 100),
    "svhn_cropped": TfdsSpec((32, 32, 3), 10),
    "horses_or_humans": TfdsSpec((300, 300, 3), 2),
    "rock_paper_scissors": TfdsSpec((300, 300, 3), 3),
    "beans": TfdsSpec((500, 500, 3), 3),
    "tf_flowers": TfdsSpec((None, None, 3), 5),
    "cats_vs_dogs": TfdsSpec((None, None, 3), 2),
    "imdb_reviews": TfdsSpec(None, 2),
    "ag_news_subset": TfdsSpec(None, 4),
}


def _dataset(spec: TfdsSpec, batched: bool) -> DatasetValue:
    image: Value = ArrayValue(Shape(spec.sample), "uint8") if spec.sample is not None else UNKNOWN
    label = ArrayValue(Shape(()), "int64", classes=spec.classes)
    return DatasetValue(Seq((image, label)), batched=batched)


@function("tensorflow_datasets.load")
def _load(ev: Evaluator, call: CallArgs) -> Value:
    """tfds.load(name, split=, as_supervised=True, batch_size=, with_info=)."""
    name = const_str(call.get(0, "name") or UNKNOWN)
    spec = TFDS.get(name.split(":")[0].split("/")[0]) if name else None
    if spec is None or call.has_star or call.kwargs.get("as_supervised") != Const(True):
        return UNKNOWN  # without as_supervised the element is a dict of features
    batch_value = call.kwargs.get("batch_size")
    batch = None if batch_value is None or batch_value == Const(None) else const_int(batch_value)
    if batch_value is not None and batch_value != Const(None) and (batch is None or batch < 1):
        return UNKNOWN  # batch_size=-1 gives whole tensors, not a dataset
    split = call.get(1, "split")
    if isinstance(split, Seq):
        result: Value = Seq(tuple(_dataset(spec, batch is not None) for _ in split.items), "list")
    elif const_str(split or UNKNOWN) is not None:
        result = _dataset(spec, batch is not None)
    else:
        return UNKNOWN  # no split: a dict of every split
    return Seq((result, UNKNOWN)) if call.kwargs.get("with_info") == Const(True) else result


# TF1: tensorflow.examples.tutorials.mnist.input_data.read_data_sets -------------------------------

_READER = "tensorflow.examples.tutorials.mnist.input_data.read_data_sets"
_SPLITS = "tf1.mnist.Datasets"
_SPLIT = "tf1.mnist.DataSet"


@function(_READER, "tensorflow.contrib.learn.python.learn.datasets.mnist.read_data_sets")
def _read_data_sets(ev: Evaluator, call: CallArgs) -> Value:
    """read_data_sets(dir, one_hot=False, dtype=float32, reshape=True, validation_size=5000)."""
    one_hot = call.get(1, "one_hot")
    reshape = call.get(3, "reshape")
    validation = call.get(4, "validation_size")
    size = 5000 if validation is None else const_int(validation)
    if (one_hot is not None and not isinstance(one_hot, Const)) or size is None:
        return UNKNOWN
    if reshape is not None and reshape != Const(True):
        return UNKNOWN
    hot = bool(one_hot.value) if isinstance(one_hot, Const) else False
    return ObjectValue(_SPLITS, {"train": 60000 - size, "validation": size, "test": 10000, "one_hot": hot})


@attribute(_SPLITS, "train", "validation", "test")
def _split(ev: Evaluator, datasets: ObjectValue, name: str) -> Value:
    if not isinstance(datasets.state, dict):
        return UNKNOWN
    return ObjectValue(_SPLIT, (datasets.state[name], datasets.state["one_hot"]))


def _images(rows: int | None) -> ArrayValue:
    return ArrayValue(Shape((rows, 784)), "float32")


def _labels(rows: int | None, one_hot: bool) -> ArrayValue:
    if one_hot:
        return ArrayValue(Shape((rows, 10)), "float64")
    return ArrayValue(Shape((rows,)), "uint8", classes=10)


@attribute(_SPLIT, "images", "labels", "num_examples")
def _split_attribute(ev: Evaluator, split: ObjectValue, name: str) -> Value:
    if not isinstance(split.state, tuple):
        return UNKNOWN
    rows, one_hot = split.state
    if name == "num_examples":
        return Const(rows)
    return _images(rows) if name == "images" else _labels(rows, one_hot)


@method(_SPLIT, "next_batch")
def _next_batch(ev: Evaluator, split: ObjectValue, call: CallArgs) -> Value:
    if not isinstance(split.state, tuple):
        return UNKNOWN
    size = call.get(0, "batch_size")
    rows = const_int(size) if size is not None else None
    return Seq((_images(rows), _labels(rows, split.state[1])))
