"""Abstract values the interpreter computes for expressions.

Immutable facts (arrays, tensors, constants) are frozen dataclasses; program objects
that user code mutates (functions, classes, instances) are plain classes with identity.
This module is the bottom of the data model: it imports no facts, layers or libraries
(Keras layers and models, which point at layer specs and facts, live in facts.py).
`UNKNOWN` is the value of everything the engine cannot know, and every consumer treats
it as "say nothing".
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shapelint.shapes import Shape, Symbol, format_shape

if TYPE_CHECKING:
    import libcst as cst

    from shapelint.source import NodeRef


class Value:
    """Base of every abstract value."""

    def describe(self) -> str:
        return "unknown"

    def as_array(self) -> ArrayValue | None:
        """The array `np.asarray(value)` makes of this library object (a DataFrame), when known."""
        return None


class _Unknown(Value):
    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Value = _Unknown()


@dataclass(frozen=True)
class Const(Value):
    """A Python literal: int, float, str, bool, None, or a slice/Ellipsis marker."""

    value: Any

    def describe(self) -> str:
        return repr(self.value)


@dataclass(frozen=True)
class SymbolicInt(Value):
    """An int nobody knows that names a shared size: `len(df)` or `x.shape[0]` of rows read from a file.

    Code that wants an int sees no `Const` and treats it as unknown; shape arguments keep its symbol.
    """

    symbol: Symbol

    def describe(self) -> str:
        return self.symbol.name


def dim_value(shape: Shape, axis: int) -> Value:
    """The value of `shape[axis]`: a Const, a SymbolicInt, or UNKNOWN."""
    dim = shape[axis]
    if dim is not None:
        return Const(dim)
    symbol = shape.symbol(axis)
    return SymbolicInt(symbol) if symbol is not None else UNKNOWN


@dataclass(frozen=True)
class Seq(Value):
    """A tuple or list of values. `shape_of`/`shape_offset` remember `x.shape[k:]`."""

    items: tuple[Value, ...]
    kind: str = "tuple"  # "tuple" | "list"
    shape_of: ArrayValue | None = None
    shape_offset: int = 0

    def describe(self) -> str:
        inner = ", ".join(item.describe() for item in self.items)
        return f"[{inner}]" if self.kind == "list" else f"({inner}{',' if len(self.items) == 1 else ''})"


@dataclass(frozen=True)
class ListOf(Value):
    """A list of unknown length whose every item is `element` (arrays appended in a widened loop)."""

    element: Value

    def describe(self) -> str:
        return f"[{self.element.describe()}, ...]"


@dataclass(frozen=True)
class DictValue(Value):
    keys: tuple[Value, ...]
    values: tuple[Value, ...]

    def describe(self) -> str:
        return "{" + ", ".join(f"{k.describe()}: {v.describe()}" for k, v in zip(self.keys, self.values)) + "}"

    def get(self, key: object) -> Value | None:
        for k, v in zip(self.keys, self.values):
            if isinstance(k, Const) and k.value == key:
                return v
        return None


@dataclass(frozen=True)
class ArrayValue(Value):
    """A NumPy array or eager tensor: the leading axis is the sample axis when fed to Keras."""

    shape: Shape
    dtype: str | None = None
    name: str | None = None  # the variable it was last bound to, for messages
    origin: NodeRef | None = None  # the expression that created it
    kind: str = "ndarray"  # "ndarray" | "tensor"
    classes: int | None = None  # integer labels: how many classes their values span (max + 1)
    classes_documented: bool = False  # `classes` is a dataset's documented count, not a random range

    def describe(self) -> str:
        dtype = f" {self.dtype}" if self.dtype else ""
        kind = "ndarray" if self.kind == "ndarray" else "Tensor"
        return f"{kind} {format_shape(self.shape)}{dtype}"


@dataclass(frozen=True)
class DatasetValue(Value):
    """A tf.data.Dataset: the element structure (x, y) and whether it is batched.

    `element` is one sample; when `batched`, each element Keras reads is a batch of them (of
    exactly `batch_size` when that is known). `cardinality`: the number of elements, when known
    (the windows of `window`); `class_names`: the class folders of `image_dataset_from_directory`.
    """

    element: Value
    batched: bool = False
    batch_size: int | None = None
    cardinality: int | None = None
    class_names: tuple[str, ...] | None = None

    def describe(self) -> str:
        return f"Dataset of {self.element.describe()}{' (batched)' if self.batched else ''}"


_tensor_ids = itertools.count()


@dataclass(frozen=True)
class TensorValue(Value):
    """A symbolic Keras tensor; its shape includes the batch axis."""

    shape: Shape
    dtype: str | None = None
    # The model inputs it derives from (ids of InputFact), to group findings by root cause.
    roots: frozenset[int] = frozenset()
    # What made it (an input or a layer call), by its number in ProgramFacts.producer().
    producer_id: int | None = None
    uid: int = field(default_factory=lambda: next(_tensor_ids), compare=False)

    def describe(self) -> str:
        return f"KerasTensor {format_shape(self.shape)}"


@dataclass(frozen=True)
class RefValue(Value):
    """A module, function or class known by its canonical dotted name (e.g. keras.layers.Dense)."""

    name: str

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class ObjectValue(Value):
    """An instance of a known library class, e.g. numpy.random.Generator."""

    cls: str
    state: Any = None

    def describe(self) -> str:
        return self.cls


@dataclass(frozen=True)
class BoundMethod(Value):
    receiver: Value
    name: str


class FunctionValue(Value):
    """A function defined in the analysed file."""

    def __init__(self, node: cst.FunctionDef, chunk: int, closure: dict[str, Value]) -> None:
        self.node = node
        self.chunk = chunk
        self.closure = closure

    def describe(self) -> str:
        return f"function {self.node.name.value}"


class LambdaValue(Value):
    """A lambda expression of the analysed file: called, its body is evaluated in its closure."""

    def __init__(self, node: cst.Lambda, chunk: int, closure: Any) -> None:
        self.node = node
        self.chunk = chunk
        self.closure = closure

    def describe(self) -> str:
        return "lambda"


class ClassValue(Value):
    """A class defined in the analysed file (a keras.Model or keras.layers.Layer subclass matters)."""

    def __init__(self, node: cst.ClassDef, chunk: int, bases: list[Value], closure: dict[str, Value]) -> None:
        self.node = node
        self.chunk = chunk
        self.bases = bases
        self.closure = closure
        self.methods: dict[str, FunctionValue] = {}

    def describe(self) -> str:
        return f"class {self.node.name.value}"

    def lineage(self, limit: int = 8) -> Iterator[ClassValue]:
        """This class, then the program's own classes it derives from, breadth first (the library's are
        not followed); at most `limit` visits."""
        pending, visited = [self], 0
        while pending and visited < limit:
            current = pending.pop(0)
            visited += 1
            yield current
            pending.extend(base for base in current.bases if isinstance(base, ClassValue))


class ModuleValue(Value):
    """A module of the user's project read from the workspace: its top-level names (shared, never mutated)."""

    def __init__(self, name: str, path: str | None, names: Mapping[str, Value], folder: str | None = None) -> None:
        self.name = name  # as imported, e.g. "utils.data"
        self.path = path  # the module's file (None: a namespace package)
        self.names = names
        self.folder = folder  # a package's folder, where its submodules are

    def describe(self) -> str:
        return f"module {self.name}"


class InstanceValue(Value):
    """An instance of a class defined in the file: attributes set in __init__."""

    def __init__(self, cls: ClassValue) -> None:
        self.cls = cls
        self.attributes: dict[str, Value] = {}
        # The library object it also is (a keras.Model for a subclass of it): attributes the class
        # does not define are that object's.
        self.library_object: Value | None = None

    def describe(self) -> str:
        return f"{self.cls.node.name.value} instance"


def join_values(a: Value, b: Value) -> Value:
    """What is known of a value that is `a` on one path and `b` on another."""
    if a is b:
        return a
    if isinstance(b, ListOf) and not isinstance(a, ListOf):
        a, b = b, a
    if isinstance(a, ListOf):
        # No run of the loop (an empty list), or items that agree with the element: still a ListOf.
        if isinstance(b, Seq) and b.kind == "list":
            items = b.items
        elif isinstance(b, ListOf):
            items = (b.element,)
        else:
            return UNKNOWN
        element = a.element
        for item in items:
            element = join_values(element, item)
        return ListOf(element) if isinstance(element, ArrayValue) else UNKNOWN
    if isinstance(a, ArrayValue) and isinstance(b, ArrayValue):
        from shapelint.shapes import join

        if a.shape == b.shape and a.shape.symbols == b.shape.symbols and a.dtype == b.dtype:
            return a
        return ArrayValue(join(a.shape, b.shape), a.dtype if a.dtype == b.dtype else None, a.name)
    if isinstance(a, Seq) and isinstance(b, Seq) and len(a.items) == len(b.items) and a.kind == b.kind:
        # (x, y) from two return statements: each part keeps what both paths agree on.
        return Seq(tuple(join_values(x, y) for x, y in zip(a.items, b.items)), a.kind)
    try:
        if a == b:
            return a
    except Exception:
        return UNKNOWN
    return UNKNOWN


def const_int(value: Value) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return value.value
    return None


def const_str(value: Value) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None


def int_tuple(value: Value, allow_none: bool = True) -> tuple[int | None, ...] | None:
    """A shape-like literal ((28, 28), [784], 10, x.shape[1:]) as dims; None when not known."""
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool):
        return (value.value,)
    if not isinstance(value, Seq):
        return None
    dims: list[int | None] = []
    for item in value.items:
        number = const_int(item)
        if number is not None:
            dims.append(number)
        elif allow_none and (
            item is UNKNOWN or type(item) is SymbolicInt or (isinstance(item, Const) and item.value is None)
        ):
            dims.append(None)
        else:
            return None
    return tuple(dims)


def shape_tuple(value: Value) -> Shape | None:
    """Like `int_tuple`, as a Shape whose symbolic items (`len(x)`) keep their symbol: `(len(x), 10)`."""
    dims = int_tuple(value)
    if dims is None:
        return None
    items = value.items if isinstance(value, Seq) else ()
    symbols = tuple(item.symbol if type(item) is SymbolicInt else None for item in items)
    return Shape(dims, symbols if len(symbols) == len(dims) else None)


def literal(value: Value) -> object:
    """The plain Python value of a fully literal abstract value, or raise ValueError."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq):
        items = [literal(item) for item in value.items]
        return items if value.kind == "list" else tuple(items)
    if isinstance(value, DictValue):
        return {literal(k): literal(v) for k, v in zip(value.keys, value.values)}  # type: ignore[misc]
    raise ValueError("not a literal")
