"""What `value[index]` is: Python sequences and dicts, and NumPy's basic and advanced indexing.

The interpreter evaluates each index to a kind ("int", "slice", "ellipsis", "newaxis",
"array", "mask", "window", "key", "unknown") with its value; this module computes the
result from those kinds alone.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from shapelint.shapes import Dim, Shape, Symbol
from shapelint.values import UNKNOWN, ArrayValue, Const, DictValue, Seq, TensorValue, Value, const_int, int_tuple

Index = tuple[str, object]


def subscript_value(base: Value, indexes: list[Index]) -> Value:
    """`base[indexes]`, or UNKNOWN."""
    if isinstance(base, Seq):
        if len(indexes) != 1:
            return UNKNOWN
        kind, value = indexes[0]
        if kind == "int":
            assert isinstance(value, int)
            try:
                return base.items[value]
            except IndexError:
                return UNKNOWN
        if kind == "slice":
            start, stop, step = value  # type: ignore[misc]
            if None in (start, stop, step) and "?" in (start, stop, step):
                return UNKNOWN
            sliced = base.items[slice(start, stop, step)]
            offset = base.shape_offset
            if base.shape_of is not None and step in (None, 1) and (start or 0) >= 0:
                return Seq(sliced, base.kind, base.shape_of, offset + (start or 0))
            return Seq(sliced, base.kind)
        return UNKNOWN
    if isinstance(base, DictValue):
        if len(indexes) == 1 and indexes[0][0] == "key":
            found = base.get(indexes[0][1])
            return found if found is not None else UNKNOWN
        return UNKNOWN
    if isinstance(base, (ArrayValue, TensorValue)):
        shape = index_shape(base.shape, indexes)
        if shape is None:
            return UNKNOWN
        if isinstance(base, ArrayValue):
            return ArrayValue(shape, base.dtype, kind=base.kind, classes=base.classes)
        return TensorValue(shape, base.dtype, base.roots)
    return UNKNOWN


def index_shape(shape: Shape, indexes: list[tuple[str, object]]) -> Shape | None:
    """The shape of `array[indexes]` under NumPy's basic and (single) advanced indexing."""
    if shape.dims is None:
        return None
    if any(kind in ("unknown", "key", "mask") for kind, _ in indexes):
        return None
    consumed = sum(1 for kind, _ in indexes if kind in ("int", "slice", "array", "window"))
    ellipses = sum(1 for kind, _ in indexes if kind == "ellipsis")
    if ellipses > 1 or consumed > len(shape.dims):
        return None
    expanded: list[tuple[str, object]] = []
    for kind, value in indexes:
        if kind == "ellipsis":
            expanded.extend([("slice", (None, None, None))] * (len(shape.dims) - consumed))
        else:
            expanded.append((kind, value))
    dims = list(shape.dims)
    symbols = shape.symbol_list()
    out: list[Dim] = []
    named: list[Symbol | None] = []  # the symbol of each dim of `out`, kept by whole slices only
    axis = 0
    advanced_done = False
    for kind, value in expanded:
        named.extend([None] * (len(out) - len(named)))
        if kind == "newaxis":
            out.append(1)
            continue
        dim = dims[axis]
        symbol = symbols[axis]
        axis += 1
        if kind == "int":
            continue
        if kind == "window":
            out.append(value if dim is None or (isinstance(value, int) and value <= dim) else None)  # type: ignore[arg-type]
            continue
        if kind == "slice":
            start, stop, step = value  # type: ignore[misc]
            if "?" in (start, stop, step):
                out.append(None)
            elif dim is None:
                out.append(None)
                if start in (None, 0) and stop is None and step in (None, 1):
                    named.append(symbol)  # `x[:, 1:]` keeps every row: still the same rows
            else:
                out.append(len(range(*slice(start, stop, step).indices(dim))))
            continue
        if kind == "array":
            if advanced_done:
                return None
            advanced_done = True
            index = value
            assert isinstance(index, Shape)
            if index.dims is None:
                return None
            named.extend([None] * (len(out) - len(named)))
            named.extend(index.symbol_list())
            out.extend(index.dims)
    named.extend([None] * (len(out) - len(named)))
    named.extend(symbols[axis:])
    out.extend(dims[axis:])
    return Shape(tuple(out), tuple(named))


def index_of(value: Value) -> Index:
    """The kind of one evaluated index (`numpy.newaxis` already resolved to None)."""
    if value == Const(None):
        return "newaxis", None
    number = const_int(value)
    if number is not None:
        return "int", number
    if isinstance(value, Const):
        return "key", value.value
    if isinstance(value, ArrayValue):
        return ("mask", value) if value.dtype == "bool" else ("array", value.shape)
    if isinstance(value, Seq):
        dims = int_tuple(value, allow_none=False)
        if dims is not None:
            return "array", Shape((len(dims),))
    return "unknown", None


def slice_bound(value: Value) -> object:
    """A slice bound: an int, None (omitted or `None`), or "?" (not known)."""
    number = const_int(value)
    return number if number is not None else (None if value == Const(None) else "?")


def iteration_items(value: Value) -> tuple[Value, ...] | None:
    """The items a `for` loop over a literal sequence (or a dict's keys) visits, or None."""
    if isinstance(value, Seq):
        return value.items
    if isinstance(value, DictValue):
        return value.keys
    return None


def unpack(value: Value, count: int) -> list[Value]:
    """`a, b = value`: one value per target (unknown when the count does not match)."""
    if isinstance(value, Seq) and len(value.items) == count:
        return list(value.items)
    if isinstance(value, ArrayValue) and value.shape.dims and value.shape.dims[0] == count:
        return [ArrayValue(value.shape.drop_first(), value.dtype)] * count
    return [UNKNOWN] * count


def index_value(item: cst.BaseSlice, evaluate: Callable[[cst.BaseExpression], Value]) -> Value:
    """One index of a subscript as a value: a slice is `Const(slice(start, stop, step))` of literals."""
    if type(item) is cst.Slice:
        bounds: list[object] = []
        for part in (item.lower, item.upper, item.step):
            value = evaluate(part) if part is not None else Const(None)
            if not isinstance(value, Const) or not (value.value is None or type(value.value) in (int, str)):
                return UNKNOWN  # literal bounds only: positions, or labels for pandas' .loc
            bounds.append(value.value)
        return Const(slice(*bounds))
    assert type(item) is cst.Index
    if isinstance(item.value, cst.Ellipsis):
        return Const(Ellipsis)
    return evaluate(item.value)
