"""NumPy (and TensorFlow eager) transfer functions: arguments' abstract values -> result.

Each entry maps a canonical function name to a small function of the call's arguments;
the end of the module registers them (and array methods/attributes) in the registry.
A function that cannot know its result returns UNKNOWN; a call NumPy itself would
reject (a reshape to the wrong size) raises ArrayProblem so a rule can report it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, MethodHandler, attribute, constant, function, method, operator
from shapelint.shapes import (
    UNKNOWN_SHAPE,
    Dim,
    ReshapeError,
    Shape,
    Symbol,
    broadcast,
    concatenate,
    format_shape,
    normalize_axis,
    reshape,
)
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    ListOf,
    ObjectValue,
    RefValue,
    Seq,
    SymbolicInt,
    Value,
    const_int,
    dim_value,
    int_tuple,
    shape_tuple,
)


class ArrayProblem(Exception):
    """A NumPy call that would raise at run time (kind: "reshape", "axis", "concatenate")."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


Transfer = Callable[[CallArgs], Value]

_DTYPE_ALIASES = {
    "float": "float64",
    "int": "int64",
    "bool": "bool",
    "complex": "complex128",
    "float_": "float64",
    "int_": "int64",
    "double": "float64",
    "single": "float32",
    "half": "float16",
    "uint8": "uint8",
}
_DTYPE_NAMES = {
    "float16",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "complex64",
    "complex128",
    "bfloat16",
    "str",
    "object",
}


def dtype_name(value: Value | None) -> str | None:
    """'float32' for np.float32, tf.float32, 'float32', float, int, ..."""
    if value is None:
        return None
    if isinstance(value, Const) and isinstance(value.value, str):
        name = value.value
    elif isinstance(value, RefValue):
        name = value.name.rsplit(".", 1)[-1]
    else:
        return None
    name = _DTYPE_ALIASES.get(name, name)
    return name if name in _DTYPE_NAMES else None


def is_float_dtype(dtype: str | None) -> bool:
    return dtype is not None and (dtype.startswith("float") or dtype == "bfloat16")


def _shape_from(value: Value | None) -> Shape | None:
    """A shape argument: an int, a tuple/list of ints, or x.shape."""
    if value is None:
        return None
    return shape_tuple(value)


def _array(shape: Shape | None, dtype: str | None, kind: str = "ndarray") -> Value:
    return UNKNOWN if shape is None else ArrayValue(shape, dtype, kind=kind)


def _sized(index: int | None, name: str = "size", dtype: str = "float64") -> Transfer:
    """Functions whose result shape is their `size` argument (scalar when absent)."""

    def transfer(call: CallArgs) -> Value:
        size = call.get(index, name)
        if size is None or (isinstance(size, Const) and size.value is None):
            return UNKNOWN  # a scalar
        return _array(_shape_from(size), dtype_name(call.get(None, "dtype")) or dtype)

    return transfer


def _dims_varargs(dtype: str) -> Transfer:
    """np.random.rand(d0, d1, ...)."""

    def transfer(call: CallArgs) -> Value:
        if call.has_star or call.kwargs:
            return UNKNOWN
        if not call.args:
            return UNKNOWN
        dims = [const_int(a) for a in call.args]
        if any(d is None for d in dims):
            return ArrayValue(Shape(tuple(dims)), dtype)
        return ArrayValue(Shape(tuple(dims)), dtype)

    return transfer


def _filled(dtype_default: str, shape_index: int = 0, dtype_index: int | None = 1) -> Transfer:
    def transfer(call: CallArgs) -> Value:
        shape = _shape_from(call.get(shape_index, "shape"))
        return _array(shape, dtype_name(call.get(dtype_index, "dtype")) or dtype_default)

    return transfer


def _like(call: CallArgs) -> Value:
    source = call.get(0, "a") or call.get(0, "prototype")
    if not isinstance(source, ArrayValue):
        return UNKNOWN
    return ArrayValue(source.shape, dtype_name(call.get(None, "dtype")) or source.dtype)


def literal_array_shape(value: Value) -> tuple[Shape, str | None] | None:
    """Shape and dtype of a nested list literal (or of arrays inside it), as np.array sees it."""
    if isinstance(value, ArrayValue):
        return value.shape, value.dtype
    converted = value.as_array()  # a DataFrame or Series
    if converted is not None:
        return converted.shape, converted.dtype
    if isinstance(value, Const):
        if isinstance(value.value, bool):
            return Shape(()), "bool"
        if isinstance(value.value, int):
            return Shape(()), "int64"
        if isinstance(value.value, float):
            return Shape(()), "float64"
        if isinstance(value.value, str):
            return Shape(()), "str"  # a literal string is one element (labels, texts)
        return None
    if isinstance(value, Seq):
        if not value.items:
            return Shape((0,)), "float64"
        items = value.items
        if len(items) > 1 and items.count(items[0]) == len(items):
            # One element repeated ([f(i) for i in range(10**6)]): look at it once, counting at C speed.
            one = literal_array_shape(Seq(items[:1], value.kind))
            if one is None or one[0].dims is None:
                return None
            return Shape((len(items), *one[0].dims[1:])), one[1]
        inner = [literal_array_shape(item) for item in value.items]
        if any(i is None for i in inner):
            # An unknown element may be a list or an array itself (`np.array([tokens])`): a
            # guessed scalar would be a fabricated shape.
            return None
        shapes = {i[0] for i in inner if i is not None}
        if len(shapes) != 1:
            return None  # ragged: NumPy makes an object array or raises
        dtypes = {i[1] for i in inner if i is not None}
        dtype = "float64" if "float64" in dtypes else dtypes.pop() if len(dtypes) == 1 else None
        (shape,) = shapes
        if shape.dims is None:
            return None
        return Shape((len(value.items), *shape.dims)), dtype
    return None


def _np_array(call: CallArgs) -> Value:
    source = call.get(0, "object")
    if source is None:
        return UNKNOWN
    if isinstance(source, ObjectValue) and hasattr(source.state, "as_array"):
        # A library object that converts to an array (a PIL image) says what it becomes.
        converted = source.state.as_array()
        if isinstance(converted, ArrayValue) and call.get(1, "dtype") is not None:
            return replace(converted, dtype=dtype_name(call.get(1, "dtype")))
        return converted  # type: ignore[no-any-return]
    if isinstance(source, ListOf):
        return _stack(CallArgs([source], {})) if call.get(1, "dtype") is None else UNKNOWN
    found = literal_array_shape(source)
    if found is None:
        return UNKNOWN
    shape, dtype = found
    if shape.dims == ():
        return UNKNOWN
    return ArrayValue(shape, dtype_name(call.get(1, "dtype")) or dtype)


def _arange(call: CallArgs) -> Value:
    numbers = [const_int(a) for a in call.args[:3]]
    if not numbers or any(n is None for n in numbers) or call.has_star:
        return ArrayValue(Shape((None,)), "int64") if call.args else UNKNOWN
    values = [n for n in numbers if n is not None]
    return ArrayValue(Shape((len(range(*values)),)), dtype_name(call.get(None, "dtype")) or "int64")


def _linspace(call: CallArgs) -> Value:
    num = call.get(2, "num")
    count = 50 if num is None else const_int(num)
    return ArrayValue(Shape((count,)), "float64")


def expand_dims(shape: Shape, axes: Sequence[int]) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    rank = len(shape.dims) + len(axes)
    positions = []
    for axis in axes:
        index = normalize_axis(axis, rank)
        if index is None:
            raise ArrayProblem("axis", f"axis {axis} is out of bounds for the result of rank {rank}")
        positions.append(index)
    out: list[Dim] = []
    symbols: list[Symbol | None] = []
    source = iter(zip(shape.dims, shape.symbol_list()))
    for i in range(rank):
        dim, symbol = (1, None) if i in positions else next(source)
        out.append(dim)
        symbols.append(symbol)
    return Shape(tuple(out), tuple(symbols))


def _axes(value: Value | None) -> list[int] | None:
    if value is None:
        return None
    dims = int_tuple(value, allow_none=False)
    if dims is None:
        return None
    return [d for d in dims if d is not None]


def _expand_dims(call: CallArgs) -> Value:
    source = call.get(0, "a")
    axes = _axes(call.get(1, "axis"))
    if not isinstance(source, ArrayValue) or axes is None:
        return UNKNOWN
    return ArrayValue(expand_dims(source.shape, axes), source.dtype, kind=source.kind)


def reshape_array(source: ArrayValue, target: Value | Sequence[Value]) -> Value:
    if isinstance(target, Value):
        wanted = shape_tuple(target)
    elif len(target) == 1:
        wanted = shape_tuple(target[0])
    else:  # x.reshape(len(x), 28, 28, 1): each argument an int, a symbolic size (len(x)) or unknown
        wanted = Shape(
            tuple(const_int(v) for v in target),
            tuple(v.symbol if type(v) is SymbolicInt else None for v in target),
        )
    if wanted is None or wanted.dims is None:
        return UNKNOWN
    try:
        result = reshape(source.shape, wanted.dims, wanted.symbols)
        return ArrayValue(result, source.dtype, kind=source.kind, classes=source.classes)
    except ReshapeError as error:
        raise ArrayProblem("reshape", str(error)) from None


def _reshape(call: CallArgs) -> Value:
    source = call.get(0, "a")
    target = call.get(1, "newshape") or call.get(1, "shape")
    if source is UNKNOWN and target is not None:
        return known_but_rows(reshape_array(ArrayValue(UNKNOWN_SHAPE), target))  # the target gives the shape
    if not isinstance(source, ArrayValue) or target is None:
        return UNKNOWN
    return reshape_array(source, target)


def squeeze(shape: Shape, axes: list[int] | None) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    if axes is None:
        if any(d is None for d in shape.dims):
            return UNKNOWN_SHAPE
        return Shape(tuple(d for d in shape.dims if d != 1))
    rank = len(shape.dims)
    drop = set()
    for axis in axes:
        index = normalize_axis(axis, rank)
        if index is None:
            raise ArrayProblem("axis", f"axis {axis} is out of bounds for an array of rank {rank}")
        if shape.dims[index] not in (1, None):
            raise ArrayProblem("axis", f"cannot squeeze axis {axis} of size {shape.dims[index]}: only size-1 axes")
        drop.add(index)
    return Shape(tuple(d for i, d in enumerate(shape.dims) if i not in drop))


def _squeeze(call: CallArgs) -> Value:
    source = call.get(0, "a")
    if not isinstance(source, ArrayValue):
        return UNKNOWN
    axes = _axes(call.get(1, "axis"))
    if call.get(1, "axis") is not None and axes is None:
        return UNKNOWN
    return ArrayValue(squeeze(source.shape, axes), source.dtype, kind=source.kind)


def transpose(shape: Shape, axes: list[int] | None) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    symbols = shape.symbol_list()
    if axes is None:
        return Shape(tuple(reversed(shape.dims)), tuple(reversed(symbols)))
    rank = len(shape.dims)
    if sorted(a % rank for a in axes) != list(range(rank)) or len(axes) != rank:
        raise ArrayProblem("axis", f"axes {tuple(axes)} do not match an array of rank {rank}")
    return Shape(tuple(shape.dims[a] for a in axes), tuple(symbols[a] for a in axes))


def _transpose(call: CallArgs) -> Value:
    source = call.get(0, "a")
    if not isinstance(source, ArrayValue):
        return UNKNOWN
    raw = call.get(1, "axes")
    axes = _axes(raw)
    if raw is not None and axes is None:
        return UNKNOWN
    return ArrayValue(transpose(source.shape, axes), source.dtype, kind=source.kind)


def moveaxis(shape: Shape, source: list[int], destination: list[int]) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    rank = len(shape.dims)
    src = [normalize_axis(a, rank) for a in source]
    dst = [normalize_axis(a, rank) for a in destination]
    if None in src or None in dst or len(src) != len(dst):
        raise ArrayProblem("axis", f"moveaxis axes out of bounds for an array of rank {rank}")
    order = [n for n in range(rank) if n not in src]
    for d, s in sorted(zip(dst, src)):
        assert d is not None
        order.insert(d, s)
    return Shape(tuple(shape.dims[i] for i in order if i is not None))


def _moveaxis(call: CallArgs) -> Value:
    array = call.get(0, "a")
    source = _axes(call.get(1, "source"))
    destination = _axes(call.get(2, "destination"))
    if not isinstance(array, ArrayValue) or source is None or destination is None:
        return UNKNOWN
    return ArrayValue(moveaxis(array.shape, source, destination), array.dtype, kind=array.kind)


def _swapaxes(call: CallArgs) -> Value:
    array = call.get(0, "a")
    first = const_int(call.get(1, "axis1") or UNKNOWN)
    second = const_int(call.get(2, "axis2") or UNKNOWN)
    if not isinstance(array, ArrayValue) or first is None or second is None or array.shape.dims is None:
        return UNKNOWN
    rank = len(array.shape.dims)
    a, b = normalize_axis(first, rank), normalize_axis(second, rank)
    if a is None or b is None:
        raise ArrayProblem("axis", f"swapaxes axes out of bounds for an array of rank {rank}")
    dims = list(array.shape.dims)
    dims[a], dims[b] = dims[b], dims[a]
    return ArrayValue(Shape(tuple(dims)), array.dtype, kind=array.kind)


def _arrays(value: Value | None) -> list[ArrayValue] | None:
    if not isinstance(value, Seq):
        return None
    arrays = []
    for item in value.items:
        found = literal_array_shape(item)
        if found is None:
            return None
        arrays.append(item if isinstance(item, ArrayValue) else ArrayValue(found[0], found[1]))
    return arrays


def _common_dtype(arrays: Sequence[ArrayValue]) -> str | None:
    dtypes = {a.dtype for a in arrays}
    return dtypes.pop() if len(dtypes) == 1 else None


def _join_unknown_count(items: ListOf, axis: int, promote: int) -> Value:
    """Concatenating a list of unknown length of one array shape: that axis becomes unknown."""
    element = items.element
    if not isinstance(element, ArrayValue) or not element.shape.dims:
        return UNKNOWN
    dims = element.shape.dims
    if promote == 2 and len(dims) == 1:
        dims = (1, *dims)
    if promote == 1 and len(dims) == 1:
        axis = 0
    index = normalize_axis(axis, len(dims))
    if index is None:
        return UNKNOWN
    return ArrayValue(Shape(tuple(None if i == index else d for i, d in enumerate(dims))), element.dtype)


def _concatenate(axis_default: int | None, promote: int = 0) -> Transfer:
    def transfer(call: CallArgs) -> Value:
        source = call.get(0, "arrays") or call.get(0, "tup")
        if isinstance(source, ListOf):
            axis_value = call.get(1, "axis")
            axis = axis_default if axis_value is None else const_int(axis_value)
            return _join_unknown_count(source, axis, promote) if axis is not None else UNKNOWN
        arrays = _arrays(source)
        if not arrays:
            return UNKNOWN
        axis_value = call.get(1, "axis")
        axis = axis_default if axis_value is None else const_int(axis_value)
        if axis is None:
            return UNKNOWN
        shapes = [a.shape for a in arrays]
        if promote:  # hstack/vstack promote 1-D inputs
            shapes = [
                Shape((1, *s.dims)) if promote == 2 and s.dims is not None and len(s.dims) == 1 else s for s in shapes
            ]
            if promote == 1 and all(s.dims is not None and len(s.dims) == 1 for s in shapes):
                axis = 0
        joined = concatenate(shapes, axis)
        if joined is None:
            listed = ", ".join(format_shape(s) for s in shapes)
            raise ArrayProblem("concatenate", f"cannot concatenate arrays of shapes {listed} along axis {axis}")
        return ArrayValue(joined, _common_dtype(arrays))

    return transfer


def _stack(call: CallArgs) -> Value:
    source = call.get(0, "arrays")
    if isinstance(source, ListOf):
        element = source.element  # one shape for every item; their count is unknown
        axis = const_int(call.get(1, "axis") or Const(0))
        if not isinstance(element, ArrayValue) or element.shape.dims is None or axis is None:
            return UNKNOWN
        index = normalize_axis(axis, len(element.shape.dims) + 1)
        if index is None:
            return UNKNOWN
        dims: list[Dim] = list(element.shape.dims)
        dims.insert(index, None)
        return ArrayValue(Shape(tuple(dims)), element.dtype)
    arrays = _arrays(source)
    if not arrays:
        return UNKNOWN
    axis = const_int(call.get(1, "axis") or Const(0))
    if axis is None:
        return UNKNOWN
    shapes = {a.shape for a in arrays}
    if len(shapes) != 1:
        if all(s.fully_known for s in shapes):
            listed = ", ".join(format_shape(a.shape) for a in arrays)
            raise ArrayProblem("concatenate", f"np.stack needs arrays of one shape, got {listed}")
        return UNKNOWN
    (shape,) = shapes
    if shape.dims is None:
        return UNKNOWN
    index = normalize_axis(axis, len(shape.dims) + 1)
    if index is None:
        return UNKNOWN
    dims = list(shape.dims)
    dims.insert(index, len(arrays))
    return ArrayValue(Shape(tuple(dims)), _common_dtype(arrays))


def _eye(call: CallArgs) -> Value:
    n = const_int(call.get(0, "N") or UNKNOWN)
    m_value = call.get(1, "M")
    m = n if m_value is None or m_value == Const(None) else const_int(m_value)
    return ArrayValue(Shape((n, m)), dtype_name(call.get(3, "dtype")) or "float64")


def _elementwise_unary(call: CallArgs) -> Value:
    source = call.get(0, "x")
    return source if isinstance(source, ArrayValue) else UNKNOWN


def reduced(shape: Shape, axes: Sequence[int], keepdims: bool) -> Shape | None:
    """The shape of a reduction over `axes` (sum, mean, max...), or None when an axis is out of range."""
    if shape.dims is None:
        return None
    indexes = {normalize_axis(axis, len(shape.dims)) for axis in axes}
    if None in indexes or not axes:
        return None
    if keepdims:
        return Shape(tuple(1 if i in indexes else d for i, d in enumerate(shape.dims)))
    return Shape(tuple(d for i, d in enumerate(shape.dims) if i not in indexes))


def _reduction(call: CallArgs) -> Value:
    source = call.get(0, "a")
    if not isinstance(source, ArrayValue) or source.shape.dims is None:
        return UNKNOWN
    axis_value = call.get(1, "axis")
    keepdims = call.get(None, "keepdims")
    if axis_value is None or keepdims is not None:
        return UNKNOWN
    axis = const_int(axis_value)
    if axis is None:
        return UNKNOWN
    shape = reduced(source.shape, [axis], False)
    return ArrayValue(shape, source.dtype) if shape is not None else UNKNOWN


def _prod(call: CallArgs) -> Value:
    """np.prod / math.prod of literal numbers or of a known `x.shape[1:]`: a number (a layer width)."""
    source = call.get(0, "a")
    if not isinstance(source, Seq) or call.get(1, "axis") is not None:
        return UNKNOWN
    numbers = [const_int(item) for item in source.items]
    if any(n is None for n in numbers):
        return UNKNOWN
    return Const(math.prod(n for n in numbers if n is not None))


def _argmax(call: CallArgs) -> Value:
    result = _reduction(call)
    return ArrayValue(result.shape, "int64") if isinstance(result, ArrayValue) else UNKNOWN


def _to_categorical(call: CallArgs) -> Value:
    labels = call.get(0, "x") or call.get(0, "y")
    if not isinstance(labels, ArrayValue) or labels.shape.dims is None:
        return UNKNOWN
    classes_value = call.get(1, "num_classes")
    classes = const_int(classes_value) if classes_value is not None else None
    dims, symbols = labels.shape.dims, labels.shape.symbol_list()
    if dims and dims[-1] == 1 and len(dims) > 1:
        dims, symbols = dims[:-1], symbols[:-1]
    if classes is None and classes_value is None:
        classes = labels.classes  # Keras uses max(label) + 1
    return ArrayValue(Shape((*dims, classes), (*symbols, None)), "float32")


def _tensor_constant(call: CallArgs) -> Value:
    source = call.get(0, "value")
    if source is None:
        return UNKNOWN
    found = literal_array_shape(source)
    if found is None or found[0].dims == ():
        return UNKNOWN
    shape_value = call.get(2, "shape")
    shape = _shape_from(shape_value) if shape_value is not None else found[0]
    return _array(shape, dtype_name(call.get(1, "dtype")) or found[1], kind="tensor")


def _tensor_filled(call: CallArgs) -> Value:
    shape = _shape_from(call.get(0, "shape"))
    return _array(shape, dtype_name(call.get(None, "dtype")) or "float32", kind="tensor")


def _permutation(call: CallArgs) -> Value:
    source = call.get(0, "x")
    if isinstance(source, ArrayValue):
        return source
    n = const_int(source) if source is not None else None
    return ArrayValue(Shape((n,)), "int64") if source is not None else UNKNOWN


def _choice(call: CallArgs) -> Value:
    size = call.get(1, "size")
    if size is None or size == Const(None):
        return UNKNOWN
    source = call.get(0, "a")
    dtype = source.dtype if isinstance(source, ArrayValue) else "int64"
    return _array(_shape_from(size), dtype)


def _label_range(call: CallArgs) -> int | None:
    """randint(low, high) / integers(low, high) draw from [low, high): labels of high classes."""
    low = const_int(call.get(0, "low") or UNKNOWN)
    high_value = call.get(1, "high")
    high = low if high_value is None or high_value == Const(None) else const_int(high_value)
    if high_value is None or high_value == Const(None):
        low = 0
    return high if low == 0 and high is not None and high > 0 else None


def _randint(call: CallArgs) -> Value:
    size = call.get(2, "size")
    if size is None or size == Const(None):
        return UNKNOWN
    shape = _shape_from(size)
    if shape is None:
        return UNKNOWN
    return ArrayValue(shape, dtype_name(call.get(3, "dtype")) or "int64", classes=_label_range(call))


_integers = _randint


def _default_rng(call: CallArgs) -> Value:
    return ObjectValue("numpy.random.Generator")


def _random_state(call: CallArgs) -> Value:
    return ObjectValue("numpy.random.RandomState")


_RANDOM_MODULE: dict[str, Transfer] = {
    "rand": _dims_varargs("float64"),
    "randn": _dims_varargs("float64"),
    "random": _sized(0),
    "random_sample": _sized(0),
    "ranf": _sized(0),
    "sample": _sized(0),
    "standard_normal": _sized(0),
    "randint": _randint,
    "normal": _sized(2),
    "uniform": _sized(2),
    "binomial": _sized(2, dtype="int64"),
    "poisson": _sized(1, dtype="int64"),
    "exponential": _sized(1),
    "beta": _sized(2),
    "gamma": _sized(2),
    "choice": _choice,
    "permutation": _permutation,
}
_GENERATOR: dict[str, Transfer] = {
    "random": _sized(0),
    "standard_normal": _sized(0),
    "integers": _integers,
    "normal": _sized(2),
    "uniform": _sized(2),
    "binomial": _sized(2, dtype="int64"),
    "poisson": _sized(1, dtype="int64"),
    "exponential": _sized(1),
    "choice": _choice,
    "permutation": _permutation,
}

FUNCTIONS: dict[str, Transfer] = {
    "numpy.zeros": _filled("float64"),
    "numpy.ones": _filled("float64"),
    "numpy.empty": _filled("float64"),
    "numpy.full": _filled("float64", dtype_index=2),
    "numpy.zeros_like": _like,
    "numpy.ones_like": _like,
    "numpy.empty_like": _like,
    "numpy.full_like": _like,
    "numpy.array": _np_array,
    "numpy.asarray": _np_array,
    "numpy.asanyarray": _np_array,
    "numpy.ascontiguousarray": _np_array,
    "numpy.copy": _np_array,
    "numpy.arange": _arange,
    "numpy.linspace": _linspace,
    "numpy.expand_dims": _expand_dims,
    "numpy.reshape": _reshape,
    "numpy.squeeze": _squeeze,
    "numpy.transpose": _transpose,
    "numpy.moveaxis": _moveaxis,
    "numpy.rollaxis": lambda call: UNKNOWN,
    "numpy.swapaxes": _swapaxes,
    "numpy.concatenate": _concatenate(0),
    "numpy.stack": _stack,
    "numpy.vstack": _concatenate(0, promote=2),
    "numpy.row_stack": _concatenate(0, promote=2),
    "numpy.hstack": _concatenate(1, promote=1),
    "numpy.eye": _eye,
    "numpy.identity": lambda call: _eye(CallArgs([call.get(0, "n") or UNKNOWN], {})),
    "numpy.sqrt": _elementwise_unary,
    "numpy.exp": _elementwise_unary,
    "numpy.log": _elementwise_unary,
    "numpy.abs": _elementwise_unary,
    "numpy.sin": _elementwise_unary,
    "numpy.cos": _elementwise_unary,
    "numpy.tanh": _elementwise_unary,
    "numpy.clip": _elementwise_unary,
    "numpy.round": _elementwise_unary,
    "numpy.floor": _elementwise_unary,
    "numpy.sum": _reduction,
    "numpy.mean": _reduction,
    "numpy.max": _reduction,
    "numpy.min": _reduction,
    "numpy.std": _reduction,
    "numpy.argmax": _argmax,
    "numpy.prod": _prod,
    "math.prod": _prod,
    "numpy.argmin": _argmax,
    "numpy.random.default_rng": _default_rng,
    "numpy.random.RandomState": _random_state,
    "keras.utils.to_categorical": _to_categorical,
    "keras.utils.np_utils.to_categorical": _to_categorical,
    "tensorflow.constant": _tensor_constant,
    "tensorflow.convert_to_tensor": _tensor_constant,
    "tensorflow.zeros": _tensor_filled,
    "tensorflow.ones": _tensor_filled,
    "tensorflow.random.normal": _tensor_filled,
    "tensorflow.random.uniform": _tensor_filled,
    "tensorflow.random.truncated_normal": _tensor_filled,
    "keras.ops.zeros": _tensor_filled,
    "keras.ops.ones": _tensor_filled,
}
for _name, _transfer in _RANDOM_MODULE.items():
    FUNCTIONS[f"numpy.random.{_name}"] = _transfer
    FUNCTIONS[f"numpy.random.RandomState.{_name}"] = _transfer
for _name, _transfer in _GENERATOR.items():
    FUNCTIONS[f"numpy.random.Generator.{_name}"] = _transfer


# Methods and attributes of arrays -------------------------------------------------------------


def array_method(array: ArrayValue, name: str, call: CallArgs) -> Value:
    """x.reshape(...), x.astype(...), ... ; UNKNOWN for anything not modelled."""
    if name == "reshape":
        if not call.args and "shape" in call.kwargs:
            return reshape_array(array, call.kwargs["shape"])
        if call.has_star or not call.args:
            return UNKNOWN
        return reshape_array(array, call.args)
    if name == "astype":
        return ArrayValue(
            array.shape, dtype_name(call.get(0, "dtype")), array.name, kind=array.kind, classes=array.classes
        )
    if name in ("flatten", "ravel"):
        size = array.shape.size
        return ArrayValue(
            Shape((size,)) if array.shape.dims is not None else UNKNOWN_SHAPE,
            array.dtype,
            classes=array.classes,
        )
    if name == "squeeze":
        raw = call.get(0, "axis")
        axes = _axes(raw)
        if raw is not None and axes is None:
            return UNKNOWN
        return ArrayValue(squeeze(array.shape, axes), array.dtype, kind=array.kind)
    if name == "transpose":
        if not call.args:
            return ArrayValue(transpose(array.shape, None), array.dtype, kind=array.kind)
        axes = _axes(call.args[0]) if len(call.args) == 1 else [const_int(a) for a in call.args]  # type: ignore[misc]
        if axes is None or any(a is None for a in axes):
            return UNKNOWN
        return ArrayValue(transpose(array.shape, axes), array.dtype, kind=array.kind)
    if name in ("copy", "numpy"):
        return ArrayValue(array.shape, array.dtype, kind="ndarray" if name == "numpy" else array.kind)
    if name == "swapaxes":
        return _swapaxes(CallArgs([array, *call.args], call.kwargs))
    if name in ("sum", "mean", "max", "min", "std", "argmax", "argmin"):
        result = _reduction(CallArgs([array, *call.args], call.kwargs))
        if name.startswith("arg") and isinstance(result, ArrayValue):
            return ArrayValue(result.shape, "int64")
        return result
    return UNKNOWN


def array_attribute(array: ArrayValue, name: str) -> Value:
    if name == "shape":
        if array.shape.dims is None:
            return UNKNOWN
        return Seq(tuple(dim_value(array.shape, axis) for axis in range(len(array.shape.dims))), shape_of=array)
    if name == "T":
        return ArrayValue(transpose(array.shape, None), array.dtype, kind=array.kind)
    if name == "ndim":
        return Const(array.shape.rank) if array.shape.rank is not None else UNKNOWN
    if name == "size":
        size = array.shape.size
        return Const(size) if size is not None else UNKNOWN
    if name == "dtype":
        return Const(array.dtype) if array.dtype else UNKNOWN
    return UNKNOWN


def binary_result(left: Value, right: Value, operator: str) -> Value:
    """Arithmetic between arrays and scalars, with NumPy broadcasting."""
    if operator == "@":
        return _matmul(left, right)
    arrays = [v for v in (left, right) if isinstance(v, ArrayValue)]
    if not arrays:
        return UNKNOWN
    if len(arrays) == 2:
        assert isinstance(left, ArrayValue) and isinstance(right, ArrayValue)
        shape = broadcast(left.shape, right.shape)
        if shape is None:
            raise ArrayProblem(
                "broadcast",
                f"operands could not be broadcast together with shapes {format_shape(left.shape)} "
                f"{format_shape(right.shape)}",
            )
        dtype = left.dtype if left.dtype == right.dtype else None
        return ArrayValue(shape, dtype, kind=left.kind)
    array = arrays[0]
    other = right if array is left else left
    if not isinstance(other, Const) or not isinstance(other.value, (int, float)):
        return ArrayValue(array.shape, None, kind=array.kind)
    dtype = array.dtype
    if operator == "/" or isinstance(other.value, float):
        dtype = "float64" if not is_float_dtype(dtype) else dtype
    return ArrayValue(array.shape, dtype, kind=array.kind)


def matmul_shape(left: Shape, right: Shape) -> Shape | None:
    """`a @ b` for operands of rank >= 2 (leading axes broadcast); None when not known.

    Raises ArrayProblem when the contracted axes provably differ.
    """
    a, b = left.dims, right.dims
    if a is None or b is None or len(a) < 2 or len(b) < 2:
        return None
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise ArrayProblem(
            "matmul",
            f"matmul: shapes {format_shape(left)} and {format_shape(right)} are not aligned ({a[-1]} != {b[-2]})",
        )
    batch = broadcast(Shape(a[:-2]), Shape(b[:-2]))
    if batch is None or batch.dims is None:
        return None
    return Shape((*batch.dims, a[-2], b[-1]))


def _matmul(left: Value, right: Value) -> Value:
    if not isinstance(left, ArrayValue) or not isinstance(right, ArrayValue):
        return UNKNOWN
    shape = matmul_shape(left.shape, right.shape)
    if shape is None:
        return UNKNOWN
    return ArrayValue(shape, left.dtype if left.dtype == right.dtype else None)


# Registration ---------------------------------------------------------------------------------

_ARRAY_METHODS = ("reshape", "astype", "flatten", "ravel", "squeeze", "transpose", "copy", "numpy", "swapaxes")
_ARRAY_REDUCTIONS = ("sum", "mean", "max", "min", "std", "argmax", "argmin")
_ARRAY_ATTRIBUTES = ("shape", "T", "ndim", "size", "dtype")


def _function_handler(transfer: Transfer) -> Callable[[Evaluator, CallArgs], Value]:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        try:
            result = transfer(call)
        except ArrayProblem as problem:
            ev.report_array_problem(problem.kind, problem.message, call.node)
            return UNKNOWN
        if isinstance(result, ArrayValue) and result.origin is None:
            result = replace(result, origin=call.node)
        return result

    return handler


def _object_method_handler(transfer: Transfer) -> MethodHandler:
    # Methods of a random generator object: the same transfer as the module-level function.
    def handler(ev: Evaluator, receiver: Value, call: CallArgs) -> Value:
        return transfer(call)

    return handler


for _name, _transfer in FUNCTIONS.items():
    if ".Generator." in _name or ".RandomState." in _name:
        _class, _, _method = _name.rpartition(".")
        method(_class, _method)(_object_method_handler(_transfer))
    else:
        function(_name)(_function_handler(_transfer))


def _array_method_handler(name: str) -> Callable[[Evaluator, ArrayValue, CallArgs], Value]:
    def handler(ev: Evaluator, array: ArrayValue, call: CallArgs) -> Value:
        try:
            result = array_method(array, name, call)
        except ArrayProblem as problem:
            ev.report_array_problem(problem.kind, problem.message, call.node)
            return UNKNOWN
        return replace(result, origin=call.node) if isinstance(result, ArrayValue) else result

    return handler


for _name in (*_ARRAY_METHODS, *_ARRAY_REDUCTIONS):
    method(ArrayValue, _name)(_array_method_handler(_name))


def _array_attribute(ev: Evaluator, array: ArrayValue, name: str) -> Value:
    found = array_attribute(array, name)
    # An attribute the array cannot answer stays a method reference, as before the registry.
    return found if found is not UNKNOWN else BoundMethod(array, name)


attribute(ArrayValue, *_ARRAY_ATTRIBUTES)(_array_attribute)


def known_but_rows(result: Value) -> Value:
    """A reshape of an unknown array is kept only when every axis but the sample axis is literal."""
    if isinstance(result, ArrayValue) and result.shape.dims and None not in result.shape.dims[1:]:
        return result
    return UNKNOWN


def _reshape_attribute_of_unknown(ev: Evaluator, receiver: Value, name: str) -> Value:
    return BoundMethod(receiver, name)


@method(type(UNKNOWN), "reshape")
def _reshape_of_unknown(ev: Evaluator, receiver: Value, call: CallArgs) -> Value:
    """`x.reshape(-1, 28, 28, 1)` of an array shapelint does not know: the literal target is the shape."""
    return known_but_rows(_array_method_handler("reshape")(ev, ArrayValue(UNKNOWN_SHAPE), call))


# Only `reshape` is read from an unknown value: whatever had it is array-like, and the target says all.
attribute(type(UNKNOWN), "reshape")(_reshape_attribute_of_unknown)
constant("numpy.newaxis", Const(None))


@operator(ArrayValue, priority=0)
def _array_arithmetic(ev: Evaluator, left: Value, right: Value, op: str) -> Value:
    try:
        return binary_result(left, right, op)
    except ArrayProblem:
        return UNKNOWN  # broadcasting errors are NumPy's to report; shapes stay unknown
