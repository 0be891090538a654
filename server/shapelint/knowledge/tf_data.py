"""tf.data, and everything else Keras iterates as batches: Python generators, `keras.utils.Sequence`.

A `DatasetValue` holds one sample's structure (`element`: an array, a tuple or a dict of them,
any part of which may be unknown) and whether Keras reads it in batches. Methods that keep the
element (`shuffle`, `prefetch`...) return the dataset; `batch`/`unbatch`/`padded_batch`/`rebatch`
move the batch axis; `map`/`flat_map` trace the user's function (a lambda or a function of the
file) on the element; `zip`/`concatenate` combine datasets. `data_source` turns whatever a model
is fed (a dataset, a generator object, a Sequence instance, an image iterator) into a dataset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shapelint.calls import CallArgs
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.registry import Evaluator, attribute, function, method, subclass_of
from shapelint.shapes import Shape
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    DatasetValue,
    DictValue,
    InstanceValue,
    ObjectValue,
    Seq,
    TensorValue,
    Value,
    const_int,
    int_tuple,
    join_values,
)

# Methods that return a dataset of the same element structure.
_SAME_ELEMENT = (
    "shuffle",
    "prefetch",
    "cache",
    "repeat",
    "skip",
    "with_options",
    "filter",
    "shard",
    "ignore_errors",
    "take_while",
    "assert_cardinality",
)
_SEQUENCE_CLASSES = (
    "keras.utils.Sequence",
    "keras.utils.PyDataset",
    "keras.utils.data_utils.Sequence",
    "keras.utils.all_utils.Sequence",
    "keras.utils.py_dataset_adapter.PyDataset",
    "keras.trainers.data_adapters.py_dataset_adapter.PyDataset",
)


@dataclass(frozen=True)
class BatchSource:
    """The state of a library object Keras iterates as batches (an ImageDataGenerator iterator)."""

    dataset: DatasetValue
    class_names: tuple[str, ...] | None = None


# Element structures ---------------------------------------------------------------------------


def _structure(value: Value, leaf: object) -> Value:
    """Apply `leaf(array) -> Value` to every array of a structure; unknown parts stay unknown."""
    value = value.as_array() or value  # a DataFrame or Series is its array here
    if isinstance(value, ArrayValue):
        return leaf(value)  # type: ignore[operator, no-any-return]
    if isinstance(value, TensorValue):  # a layer called in a map function
        return leaf(ArrayValue(value.shape, value.dtype, kind="tensor"))  # type: ignore[operator, no-any-return]
    if isinstance(value, DatasetValue):
        return value  # the windows of `window`: datasets inside an element
    if isinstance(value, Seq):
        return Seq(tuple(_structure(item, leaf) for item in value.items), "tuple")
    if isinstance(value, DictValue):
        return DictValue(value.keys, tuple(_structure(item, leaf) for item in value.values))
    return UNKNOWN


def _known(value: Value) -> bool:
    """Whether any part of an element structure is known."""
    if isinstance(value, Seq):
        return any(_known(item) for item in value.items)
    if isinstance(value, DictValue):
        return any(_known(item) for item in value.values)
    return value is not UNKNOWN


def slice_element(value: Value) -> Value:
    """One element of Dataset.from_tensor_slices(value): every array loses its first axis."""

    def leaf(array: ArrayValue) -> Value:
        if not array.shape.dims:
            return UNKNOWN
        return ArrayValue(array.shape.drop_first(), array.dtype, array.name, kind="tensor", classes=array.classes)

    return _structure(value, leaf)


def _tensors(value: Value) -> Value:
    """A structure as the tensors a dataset holds (`from_tensors`, generator output)."""
    if isinstance(value, TensorValue):
        return ArrayValue(value.shape, value.dtype, kind="tensor")
    return _structure(value, lambda a: replace(a, kind="tensor", origin=None))


def _batched(value: Value, batched: bool, size: int | None = None) -> Value:
    def leaf(array: ArrayValue) -> Value:
        shape = array.shape.with_batch(size) if batched else array.shape
        return ArrayValue(shape, array.dtype, array.name, kind=array.kind, classes=array.classes)

    return _structure(value, leaf)


def dataset_batches(dataset: DatasetValue) -> tuple[Value, Value]:
    """What fit() sees from a dataset: (x, y) batches, x alone, or unknown."""
    element = _batched(dataset.element, dataset.batched)
    if isinstance(element, Seq) and len(element.items) in (2, 3):
        return element.items[0], element.items[1]
    if isinstance(element, Seq) and len(element.items) == 1:
        return element.items[0], UNKNOWN
    return element, UNKNOWN


def seen_element(dataset: DatasetValue) -> Value:
    """One element as iterating the dataset gives it: a batch (batch axis first) when batched."""
    return _batched(dataset.element, dataset.batched, dataset.batch_size)


def from_batches(batch: Value) -> DatasetValue | None:
    """A source whose every element is a batch (a generator's yield, a Sequence's __getitem__)."""
    if not _known(batch):
        return None
    lead: set[int | None] = set()

    def leaf(array: ArrayValue) -> Value:
        if array.shape.dims:
            lead.add(array.shape.dims[0])
        return array

    _structure(batch, leaf)
    size = lead.pop() if len(lead) == 1 else None
    return DatasetValue(slice_element(batch), batched=True, batch_size=size)


def _dataset(element: Value, batched: bool = False, **fields: int | None) -> Value:
    return DatasetValue(element, batched, **fields) if _known(element) else UNKNOWN  # type: ignore[arg-type]


# What Keras is fed ----------------------------------------------------------------------------


class _Sequences:
    """The Sequence/PyDataset instances of one analysis, and the batch each one's __getitem__ gives."""

    def __init__(self, ev: Evaluator) -> None:
        self.instances: dict[int, InstanceValue] = {}
        self.traced: dict[int, DatasetValue | None] = {}


@subclass_of("keras.utils.Sequence")
def _sequence_subclass(ev: Evaluator, instance: InstanceValue, call: CallArgs) -> None:
    ev.state(_Sequences).instances[id(instance)] = instance


for _name in _SEQUENCE_CLASSES[1:]:
    subclass_of(_name)(_sequence_subclass)


def data_source(ev: Evaluator, value: Value) -> DatasetValue | None:
    """The dataset Keras reads from `value` given as x: a tf.data.Dataset, a generator object, a
    `keras.utils.Sequence` instance (its `__getitem__` traced with an unknown index), or an image iterator."""
    if isinstance(value, DatasetValue):
        return value
    if isinstance(value, ObjectValue):
        if value.cls == "builtins.generator" and isinstance(value.state, Value):
            return from_batches(value.state)
        if isinstance(value.state, BatchSource):
            return value.state.dataset
        return None
    if isinstance(value, InstanceValue):
        sequences = ev.state(_Sequences)
        if id(value) not in sequences.instances or "__getitem__" not in value.cls.methods:
            return None
        if id(value) not in sequences.traced:
            sequences.traced[id(value)] = None  # a __getitem__ that feeds the model itself stops here
            batch = ev.call(BoundMethod(value, "__getitem__"), CallArgs([UNKNOWN], {}))
            sequences.traced[id(value)] = from_batches(batch)
        return sequences.traced[id(value)]
    return None


# Making datasets ------------------------------------------------------------------------------


@function("tensorflow.data.Dataset.from_tensor_slices")
def _from_tensor_slices(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "tensors")
    return _dataset(slice_element(source)) if source is not None else UNKNOWN


@function("tensorflow.data.Dataset.from_tensors")
def _from_tensors(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "tensors")
    return DatasetValue(_tensors(source), cardinality=1) if source is not None and _known(_tensors(source)) else UNKNOWN


@function("tensorflow.data.Dataset.range")
def _range(ev: Evaluator, call: CallArgs) -> Value:
    return DatasetValue(ArrayValue(Shape(()), dtype_name(call.kwargs.get("dtype")) or "int64", kind="tensor"))


@function("tensorflow.data.Dataset.list_files")
def _list_files(ev: Evaluator, call: CallArgs) -> Value:
    return DatasetValue(ArrayValue(Shape(()), "string", kind="tensor"))


@function("tensorflow.TensorSpec")
def _tensor_spec(ev: Evaluator, call: CallArgs) -> Value:
    dims = int_tuple(call.get(0, "shape") or UNKNOWN)
    if dims is None:
        return UNKNOWN
    return ObjectValue(
        "tensorflow.TensorSpec", ArrayValue(Shape(dims), dtype_name(call.get(1, "dtype")), kind="tensor")
    )


@function("tensorflow.TensorShape")
def _tensor_shape(ev: Evaluator, call: CallArgs) -> Value:
    dims = int_tuple(call.get(0, "dims") or UNKNOWN)
    return Seq(tuple(Const(d) for d in dims)) if dims is not None else UNKNOWN


def _from_signature(signature: Value) -> Value:
    """The element a structure of tf.TensorSpec describes."""
    if isinstance(signature, ObjectValue) and signature.cls == "tensorflow.TensorSpec":
        return signature.state if isinstance(signature.state, ArrayValue) else UNKNOWN
    if isinstance(signature, Seq):
        return Seq(tuple(_from_signature(item) for item in signature.items), "tuple")
    if isinstance(signature, DictValue):
        return DictValue(signature.keys, tuple(_from_signature(item) for item in signature.values))
    return UNKNOWN


def _from_shapes(shapes: Value, types: Value) -> Value:
    """The element `output_shapes=` (with `output_types=`) describes: a shape, or a structure of shapes."""
    dims = int_tuple(shapes)
    if dims is not None and not (isinstance(shapes, Seq) and any(isinstance(i, Seq) for i in shapes.items)):
        return ArrayValue(Shape(dims), dtype_name(types), kind="tensor")
    if isinstance(shapes, Seq):
        kinds = types.items if isinstance(types, Seq) and len(types.items) == len(shapes.items) else None
        return Seq(
            tuple(_from_shapes(item, kinds[i] if kinds else UNKNOWN) for i, item in enumerate(shapes.items)), "tuple"
        )
    if isinstance(shapes, DictValue):
        kinds_by_key = types if isinstance(types, DictValue) else None
        return DictValue(
            shapes.keys,
            tuple(
                _from_shapes(
                    item, (kinds_by_key.get(k.value) if kinds_by_key and isinstance(k, Const) else None) or UNKNOWN
                )
                for k, item in zip(shapes.keys, shapes.values)
            ),
        )
    return UNKNOWN


@function("tensorflow.data.Dataset.from_generator")
def _from_generator(ev: Evaluator, call: CallArgs) -> Value:
    signature = call.get(None, "output_signature")
    if signature is not None:
        element = _from_signature(signature)
    elif call.get(2, "output_shapes") is not None:
        element = _from_shapes(call.get(2, "output_shapes") or UNKNOWN, call.get(1, "output_types") or UNKNOWN)
    else:
        # No declared shapes: what the generator function yields (TensorFlow checks nothing else).
        generator = call.get(0, "generator")
        arguments = call.get(3, "args")
        made = (
            ev.call(generator, CallArgs(list(arguments.items) if isinstance(arguments, Seq) else [], {}))
            if generator
            else UNKNOWN
        )
        element = made.state if isinstance(made, ObjectValue) and made.cls == "builtins.generator" else UNKNOWN
        element = _tensors(element) if isinstance(element, Value) else UNKNOWN
        return _dataset(element)
    if _leading_none(element):
        # Every declared part starts with a None axis: the generator yields batches. The same
        # dataset, said as batches of samples, so that fit() on it is not mistaken for unbatched data.
        return from_batches(element) or UNKNOWN
    return _dataset(element)


def _leading_none(element: Value) -> bool:
    leads: list[bool] = []

    def leaf(array: ArrayValue) -> Value:
        leads.append(bool(array.shape.dims) and array.shape.dims[0] is None)  # type: ignore[index]
        return array

    _structure(element, leaf)
    return bool(leads) and all(leads)


@function("tensorflow.data.Dataset.zip")
def _zip(ev: Evaluator, call: CallArgs) -> Value:
    datasets = call.get(0, "datasets") if len(call.args) <= 1 else Seq(tuple(call.args))
    if datasets is None:
        return UNKNOWN
    if isinstance(datasets, DatasetValue):
        return datasets
    parts = datasets.items if isinstance(datasets, Seq) else datasets.values if isinstance(datasets, DictValue) else ()
    if not parts or not all(isinstance(p, DatasetValue) for p in parts):
        return UNKNOWN
    batched = {p.batched for p in parts if isinstance(p, DatasetValue)}
    if len(batched) != 1:
        return UNKNOWN
    elements = tuple(p.element for p in parts if isinstance(p, DatasetValue))
    element = DictValue(datasets.keys, elements) if isinstance(datasets, DictValue) else Seq(elements, "tuple")
    return _dataset(element, batched.pop())


# Dataset methods ------------------------------------------------------------------------------


@method(DatasetValue, *_SAME_ELEMENT)
def _same_element(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return replace(dataset, class_names=None)


@method(DatasetValue, "take")
def _take(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    count = const_int(call.get(0, "count") or UNKNOWN)
    if count is not None and count >= 0 and dataset.cardinality is not None:
        count = min(count, dataset.cardinality)
    return replace(dataset, class_names=None, cardinality=count if count is not None and count >= 0 else None)


def _batch_size(dataset: DatasetValue, call: CallArgs) -> int | None:
    """The exact length of every batch, when known: a literal size and drop_remainder, or a short dataset."""
    size = const_int(call.get(0, "batch_size") or UNKNOWN)
    if size is None or size <= 0:
        return None
    if call.get(1, "drop_remainder") == Const(True):
        return size
    if dataset.cardinality is not None and 0 < dataset.cardinality <= size:
        return dataset.cardinality
    return None


@method(DatasetValue, "batch")
def _batch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    # Batching a batched dataset makes batches of batches: the old batch axis becomes a sample axis.
    element = seen_element(dataset)
    return _dataset(element, True, batch_size=_batch_size(dataset, call))


@method(DatasetValue, "padded_batch")
def _padded_batch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    element = seen_element(dataset)
    padded = call.get(1, "padded_shapes")
    if padded is not None:
        element = _padded(element, padded)
    return _dataset(element, True, batch_size=_batch_size(dataset, call))


def _padded(element: Value, shapes: Value) -> Value:
    """Each component padded to `padded_shapes` (None there: the longest in the batch, unknown here)."""
    if isinstance(element, ArrayValue):
        dims = int_tuple(shapes)
        if dims is None or element.shape.rank != len(dims):
            return UNKNOWN
        return replace(element, shape=Shape(tuple(d if d is not None and d >= 0 else None for d in dims)))
    if isinstance(element, Seq) and isinstance(shapes, Seq) and len(shapes.items) == len(element.items):
        return Seq(tuple(_padded(e, s) for e, s in zip(element.items, shapes.items)), "tuple")
    if isinstance(element, DictValue) and isinstance(shapes, DictValue):
        return DictValue(
            element.keys,
            tuple(
                _padded(v, shapes.get(k.value) or UNKNOWN) if isinstance(k, Const) else UNKNOWN
                for k, v in zip(element.keys, element.values)
            ),
        )
    return UNKNOWN


@method(DatasetValue, "unbatch")
def _unbatch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    if dataset.batched:
        return DatasetValue(dataset.element)
    return _dataset(slice_element(dataset.element))


@method(DatasetValue, "rebatch")
def _rebatch(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return DatasetValue(dataset.element, True) if dataset.batched else UNKNOWN


@method(DatasetValue, "window")
def _window(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    """A dataset of windows: each component of an element becomes a dataset of `size` elements or fewer."""
    size = const_int(call.get(0, "size") or UNKNOWN)
    whole = call.get(3, "drop_remainder") == Const(True)
    length = size if whole and size is not None and size > 0 else None
    element = seen_element(dataset)

    def leaf(array: ArrayValue) -> Value:
        return DatasetValue(array, cardinality=length)

    windows = _structure(element, leaf)
    return DatasetValue(windows) if _known(windows) else UNKNOWN


@method(DatasetValue, "map")
def _map(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    function_value = call.get(0, "map_func")
    if function_value is None:
        return UNKNOWN
    result = _apply(ev, function_value, seen_element(dataset), dataset.batched)
    element = slice_element(result) if dataset.batched else _tensors(result)
    return _dataset(element, dataset.batched, batch_size=dataset.batch_size, cardinality=dataset.cardinality)


@method(DatasetValue, "flat_map", "interleave")
def _flat_map(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    function_value = call.get(0, "map_func")
    if function_value is None:
        return UNKNOWN
    result = _apply(ev, function_value, seen_element(dataset), dataset.batched)
    if not isinstance(result, DatasetValue):
        return UNKNOWN
    return _dataset(seen_element(result))


def _apply(ev: Evaluator, function_value: Value, element: Value, batched: bool) -> Value:
    """Trace a map function on one element: a tuple element is passed as positional arguments."""
    arguments = list(element.items) if isinstance(element, Seq) else [element]
    tracing = ev.state(SampleTracing)
    # Layers called on single samples behave unlike layers called on batches: say nothing of them.
    tracing.depth += 0 if batched else 1
    try:
        return ev.call(function_value, CallArgs(arguments, {}))
    finally:
        tracing.depth -= 0 if batched else 1


class SampleTracing:
    """Per analysis: > 0 while a map function runs on single (unbatched) samples.

    Keras models (keras_models.py) record no layer or model call made then: Keras treats an
    unbatched sample unlike a batch, so findings about such calls would be wrong.
    """

    def __init__(self, ev: Evaluator) -> None:
        self.depth = 0


@method(DatasetValue, "concatenate")
def _concatenate(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    other = call.get(0, "dataset")
    if not isinstance(other, DatasetValue) or other.batched != dataset.batched:
        return UNKNOWN
    return _dataset(_join(dataset.element, other.element), dataset.batched)


def _join(a: Value, b: Value) -> Value:
    if isinstance(a, Seq) and isinstance(b, Seq) and len(a.items) == len(b.items):
        return Seq(tuple(_join(x, y) for x, y in zip(a.items, b.items)), "tuple")
    return join_values(a, b)


@method(DatasetValue, "as_numpy_iterator", "__iter__")
def _iterate(ev: Evaluator, dataset: DatasetValue, call: CallArgs) -> Value:
    return dataset


@attribute(DatasetValue, "class_names")
def _class_names(ev: Evaluator, dataset: DatasetValue, name: str) -> Value:
    if dataset.class_names is None:
        return UNKNOWN
    return Seq(tuple(Const(n) for n in dataset.class_names), "list")


@attribute(DatasetValue, "element_spec")
def _element_spec(ev: Evaluator, dataset: DatasetValue, name: str) -> Value:
    def leaf(array: ArrayValue) -> Value:
        return ObjectValue("tensorflow.TensorSpec", array)

    return _structure(seen_element(dataset), leaf)


@function("builtins.iter")
def _iter(ev: Evaluator, call: CallArgs) -> Value:
    source = call.args[0] if call.args else None
    return source if source is not None and data_source(ev, source) is not None else UNKNOWN


@function("builtins.next")
def _next(ev: Evaluator, call: CallArgs) -> Value:
    """`next(iter(dataset))`, `next(generator)`: one element, a batch when the source is batched."""
    source = call.args[0] if call.args else None
    dataset = data_source(ev, source) if source is not None else None
    if dataset is None:
        return UNKNOWN
    element = seen_element(dataset)
    if isinstance(element, Seq):
        return Seq(tuple(_arrays(item) for item in element.items), "tuple")
    return _arrays(element)


def _arrays(value: Value) -> Value:
    return _structure(value, lambda a: replace(a, kind="ndarray"))
