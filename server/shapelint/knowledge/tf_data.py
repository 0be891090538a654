"""tf.data: `Dataset.from_tensor_slices` and the dataset methods that keep or batch its element."""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, function, method
from shapelint.values import UNKNOWN, ArrayValue, DatasetValue, DictValue, Seq, Value

# Methods that return a dataset of the same element structure.
_SAME_ELEMENT = (
    "shuffle",
    "prefetch",
    "cache",
    "repeat",
    "take",
    "skip",
    "with_options",
    "filter",
    "apply",
    "shard",
    "ignore_errors",
    "enumerate_not",
)


def slice_element(value: Value) -> Value:
    """One element of Dataset.from_tensor_slices(value): every array loses its first axis."""
    value = value.as_array() or value  # a DataFrame or Series slices as its array
    if isinstance(value, ArrayValue):
        if not value.shape.dims:
            return UNKNOWN
        return ArrayValue(value.shape.drop_first(), value.dtype, value.name, classes=value.classes)
    if isinstance(value, Seq):
        items = tuple(slice_element(item) for item in value.items)
        return UNKNOWN if any(i is UNKNOWN for i in items) else Seq(items, "tuple")
    if isinstance(value, DictValue):
        values = tuple(slice_element(item) for item in value.values)
        return UNKNOWN if any(v is UNKNOWN for v in values) else DictValue(value.keys, values)
    return UNKNOWN


def _batched(value: Value, batched: bool) -> Value:
    if isinstance(value, ArrayValue):
        shape = value.shape.with_batch(None) if batched else value.shape
        return ArrayValue(shape, value.dtype, value.name, classes=value.classes)
    if isinstance(value, Seq):
        return Seq(tuple(_batched(item, batched) for item in value.items), value.kind)
    if isinstance(value, DictValue):
        return DictValue(value.keys, tuple(_batched(item, batched) for item in value.values))
    return UNKNOWN


def dataset_batches(dataset: DatasetValue) -> tuple[Value, Value]:
    """What fit() sees from a dataset: (x, y) batches, x alone, or unknown."""
    element = _batched(dataset.element, dataset.batched)
    if isinstance(element, Seq) and len(element.items) in (2, 3):
        return element.items[0], element.items[1]
    return element, UNKNOWN


@function("tensorflow.data.Dataset.from_tensor_slices")
def _from_tensor_slices(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "tensors")
    element = slice_element(source) if source is not None else UNKNOWN
    return DatasetValue(element) if element is not UNKNOWN else UNKNOWN


@method(DatasetValue, *_SAME_ELEMENT)
def _same_element(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return dataset


@method(DatasetValue, "batch", "padded_batch")
def _batch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return DatasetValue(dataset.element, batched=True) if not dataset.batched else UNKNOWN


@method(DatasetValue, "unbatch")
def _unbatch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return DatasetValue(dataset.element, batched=False) if dataset.batched else UNKNOWN
