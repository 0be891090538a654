"""h5py: the datasets of an HDF5 file, their shapes and dtypes read from its headers, never its data.

`h5py.File(path)` (read mode) is a handle on the file; `f["x"]` a dataset whose shape and dtype come
from its object header (`hdf5_headers.py`, through `ev.workspace` only, bounded); `f["x"][:]`,
`f["x"][()]`, `np.array(f["x"])` and slices of it are arrays. Groups (`f["test"]["x"]`, `f["test/x"]`)
and `keys()` are followed. h5py itself is never imported: layouts the reader does not understand,
or a file opened to be written, are unknown.

    with h5py.File("data/digits.h5", "r") as f:
        x_train = f["x_train"][:]          # (24, 8, 8) float32, from the dataspace message
"""

from __future__ import annotations

from dataclasses import dataclass

from shapelint.calls import CallArgs
from shapelint.hdf5_headers import HDF5_SIGNATURE, Hdf5Error, Hdf5File, Hdf5Object
from shapelint.indexing import index_shape
from shapelint.knowledge.paths import path_text
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.shapes import Shape, format_shape
from shapelint.values import UNKNOWN, ArrayValue, Const, ObjectValue, Seq, Value, const_int, const_str

_FILE = "h5py.File"
_GROUP = "h5py.Group"


@dataclass(frozen=True)
class Hdf5Place:
    """A group of an HDF5 file in the workspace: the file's real path and the group's path in it."""

    located: str
    path: str


@dataclass(frozen=True)
class Hdf5DatasetValue(Value):
    """An h5py Dataset: array-like, its data read only when indexed (which shapelint never does)."""

    array: ArrayValue

    def as_array(self) -> ArrayValue | None:
        return self.array

    def describe(self) -> str:
        dtype = f" {self.array.dtype}" if self.array.dtype else ""
        return f"h5py Dataset {format_shape(self.array.shape)}{dtype}"


def _open(ev: Evaluator, place: Hdf5Place) -> Hdf5File | None:
    try:
        return Hdf5File(lambda offset, length: ev.workspace.read_range(place.located, offset, length))
    except Hdf5Error:
        return None


def _member(ev: Evaluator, place: Hdf5Place, key: Value | None) -> Value:
    name = const_str(key) if key is not None else None
    hdf5 = _open(ev, place)
    if name is None or hdf5 is None:
        return UNKNOWN
    path = f"{place.path}/{name.strip('/')}" if not name.startswith("/") else name
    try:
        found = hdf5.lookup(path)
    except Hdf5Error:
        return UNKNOWN
    if found is None:
        return ev.unknown(f"no `{name}` in the file")
    if found.kind == "group":
        return ObjectValue(_GROUP, Hdf5Place(place.located, path))
    if found.shape is None:
        return UNKNOWN
    return Hdf5DatasetValue(ArrayValue(Shape(found.shape), found.dtype))


@function("h5py.File")
def _file(ev: Evaluator, call: CallArgs) -> Value:
    """h5py.File(name, mode="r"): a handle for reading; writing modes (the file may be new) are unknown."""
    name = path_text(call.get(0, "name"))
    mode = call.get(1, "mode")
    if name is None or mode not in (None, Const("r")):
        return UNKNOWN
    located = ev.workspace.locate(name)
    if located is None:
        return ev.unknown("file not found or not readable")
    if ev.workspace.read_head(located, len(HDF5_SIGNATURE)) != HDF5_SIGNATURE:
        return UNKNOWN  # an HDF5 file may start at 512, 1024...: not looked for
    return ObjectValue(_FILE, Hdf5Place(located, ""))


def _getitem(ev: Evaluator, handle: ObjectValue, call: CallArgs) -> Value:
    if not isinstance(handle.state, Hdf5Place) or len(call.args) != 1:
        return UNKNOWN
    return _member(ev, handle.state, call.args[0])


def _enter(ev: Evaluator, handle: ObjectValue, call: CallArgs) -> Value:
    return handle


def _keys(ev: Evaluator, handle: ObjectValue, call: CallArgs) -> Value:
    place = handle.state
    hdf5 = _open(ev, place) if isinstance(place, Hdf5Place) else None
    if hdf5 is None or not isinstance(place, Hdf5Place):
        return UNKNOWN
    try:
        group = hdf5.lookup(place.path)
        names = sorted(hdf5.members(group)) if isinstance(group, Hdf5Object) and group.kind == "group" else None
    except Hdf5Error:
        return UNKNOWN
    return Seq(tuple(Const(name) for name in names), "list") if names is not None else UNKNOWN


for _class in (_FILE, _GROUP):
    method(_class, "__getitem__", "get")(_getitem)
    method(_class, "keys")(_keys)
method(_FILE, "__enter__")(_enter)


def _index(key: Value) -> tuple[str, object] | None:
    """One index of `dataset[...]` in indexing.py's terms, or None when not a literal one."""
    if isinstance(key, Const) and isinstance(key.value, slice):
        parts = (key.value.start, key.value.stop, key.value.step)
        return ("slice", parts) if all(p is None or type(p) is int for p in parts) else None
    if key == Const(Ellipsis):
        return "ellipsis", None
    number = const_int(key)
    return ("int", number) if number is not None else None


@method(Hdf5DatasetValue, "__getitem__")
def _read(ev: Evaluator, dataset: Hdf5DatasetValue, call: CallArgs) -> Value:
    """`ds[:]`, `ds[()]`, `ds[...]`, `ds[:100]`, `ds[0]`: an ndarray of the selection."""
    if len(call.args) == 1 and call.args[0] == Seq(()):
        return dataset.array  # ds[()]: everything
    indexes = [_index(key) for key in call.args]
    if not indexes or any(index is None for index in indexes):
        return UNKNOWN
    shape = index_shape(dataset.array.shape, [index for index in indexes if index is not None])
    return ArrayValue(shape, dataset.array.dtype) if shape is not None else UNKNOWN


@attribute(Hdf5DatasetValue, "shape")
def _shape(ev: Evaluator, dataset: Hdf5DatasetValue, name: str) -> Value:
    dims = dataset.array.shape.dims
    return Seq(tuple(Const(d) for d in dims)) if dims is not None and None not in dims else UNKNOWN


@attribute(Hdf5DatasetValue, "value")
def _value(ev: Evaluator, dataset: Hdf5DatasetValue, name: str) -> Value:
    return dataset.array  # h5py 2's whole-dataset read


@method(Hdf5DatasetValue, "__len__")
def _len(ev: Evaluator, dataset: Hdf5DatasetValue, call: CallArgs) -> Value:
    first = dataset.array.shape[0] if dataset.array.shape.rank else None
    return Const(first) if first is not None else UNKNOWN
