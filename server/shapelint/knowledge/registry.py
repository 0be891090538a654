"""One registry of library knowledge: every handler the interpreter may call, by canonical name.

The interpreter knows Python; everything it knows about a library comes from here. Each
overlay module in `shapelint/knowledge/` registers its handlers when imported, and the
registry imports every module of that package (pkgutil discovery) the first time it is
asked, so adding a library is adding a file.

Registration (names are canonical, as `shapelint.names.canonical_name` produces them):

    @function("numpy.zeros", "numpy.ones")
    def _filled(ev: Evaluator, call: CallArgs) -> Value: ...

    @function_prefix("keras.layers.", lambda name: name[13:14].isupper())
    def _layer(ev: Evaluator, call: CallArgs, name: str) -> Value: ...   # a family, after exact names

    @method(ArrayValue, "reshape", "astype")           # receiver: a Value subclass, or
    @method("numpy.random.Generator", "normal")        # the canonical class of an ObjectValue
    def _reshape(ev: Evaluator, receiver: Value, call: CallArgs) -> Value: ...

    @attribute(ArrayValue, "shape", "ndim")
    def _shape(ev: Evaluator, receiver: Value, name: str) -> Value: ...

    @operator(ArrayValue)                              # `a + b` when either is an array
    def _arithmetic(ev: Evaluator, left: Value, right: Value, op: str) -> Value: ...

    @subclass_of("keras.Model")                        # a class in the file derives from it
    def _model_subclass(ev: Evaluator, instance: InstanceValue, call: CallArgs) -> None: ...

    constant("numpy.newaxis", Const(None))             # a library name that is a plain value

Calling a library object (a layer, a model) is the method `"__call__"` of its value type.
Handlers return UNKNOWN for anything they cannot know (`return ev.unknown("why")` says why);
unknown is never an error.

Lookups the interpreter calls: `find_function`, `find_method`, `find_attribute`,
`find_operator`, `find_subclass_hook`, `find_constant`, `has_function` (exact names only, for star imports),
and `registered_names()` lists every handler.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from shapelint.values import ObjectValue, Value

if TYPE_CHECKING:
    from shapelint.calls import CallArgs
    from shapelint.facts import ProgramFacts
    from shapelint.shapes import Shape
    from shapelint.source import NodeRef
    from shapelint.values import InstanceValue
    from shapelint.workspace import Workspace

T = TypeVar("T")


class Evaluator(Protocol):
    """What a handler may ask of the interpreter that calls it (one per analysis)."""

    @property
    def keras_major(self) -> int:
        """The target Keras major version (2 or 3)."""
        ...

    @property
    def facts(self) -> ProgramFacts:
        """The facts of this analysis, which Keras handlers add inputs, models, calls and feeds to."""
        ...

    @property
    def learned(self) -> Mapping[str, Shape]:
        """Layer output shapes TensorFlow reported for layers the catalog does not know."""
        ...

    @property
    def branch_path(self) -> tuple[int, ...]:
        """The branches of unknown outcome the running code is in, outermost first (control_flow.py):
        an object made where this path is longer than it was, and changed in place here, may or may
        not be changed after the branch."""
        ...

    @property
    def workspace(self) -> Workspace:
        """The analysed document's place on disk and whether it may be read from."""
        ...

    def report_array_problem(self, kind: str, message: str, node: NodeRef | None) -> None:
        """Record a mistake NumPy would raise (a reshape to the wrong size...) for the rules."""
        ...

    def mutate(self, old: Value, new: Value) -> None:
        """`old` was changed in place (`df.pop("y")`): names bound to it see `new` after this statement."""
        ...

    def call(self, func: Value, call: CallArgs) -> Value:
        """Call any value as the interpreter would: a user function, a lambda, a library object."""
        ...

    def state(self, factory: Callable[[Evaluator], T]) -> T:
        """Per-analysis state of one overlay, made by `factory(evaluator)` on first use."""
        ...

    def unknown(self, reason: str) -> Value:
        """UNKNOWN, with the reason in a few words, for the call being handled.

        `return ev.unknown("file not found or not readable")` from `np.load` makes hovers say
        "shape unknown: `np.load('x.npy')` — file not found or not readable" and `shapelint coverage`
        count it under "`numpy.load` — file not found or not readable". Keep the reason short and
        free of paths or values, so the same cause groups across files. A handler that returns plain
        UNKNOWN gets the cause of its first unknown argument, else "result unknown for these arguments".
        """
        ...


FunctionHandler = Callable[["Evaluator", "CallArgs"], Value]
PrefixHandler = Callable[["Evaluator", "CallArgs", str], Value]
MethodHandler = Callable[["Evaluator", Any, "CallArgs"], Value]
AttributeHandler = Callable[["Evaluator", Any, str], Value]
SubclassHook = Callable[["Evaluator", "InstanceValue", "CallArgs"], None]
OperatorHandler = Callable[["Evaluator", Value, Value, str], Value]
Receiver = type[Value] | str


@dataclass(frozen=True)
class _Prefix:
    prefix: str
    accepts: Callable[[str], bool]
    handler: PrefixHandler


_functions: dict[str, FunctionHandler] = {}
_prefixes: list[_Prefix] = []
_methods: dict[tuple[Receiver, str], MethodHandler] = {}
_attributes: dict[tuple[Receiver, str], AttributeHandler] = {}
_subclass_hooks: dict[str, SubclassHook] = {}
_constants: dict[str, Value] = {}
_operators: list[tuple[int, type[Value], OperatorHandler]] = []  # (priority, operand type, handler)
_loaded = False
_load_lock = threading.Lock()
_NOT_OVERLAYS = frozenset({"registry"})


def _add(table: dict[Any, Any], key: object, handler: object) -> None:
    if key in table and table[key] is not handler:
        raise ValueError(f"two handlers registered for {key!r}")
    table[key] = handler


def function(*names: str) -> Callable[[FunctionHandler], FunctionHandler]:
    """Register `handler(ev, call)` for library functions or classes called by these canonical names."""

    def register(handler: FunctionHandler) -> FunctionHandler:
        for name in names:
            _add(_functions, name, handler)
        return handler

    return register


def function_prefix(
    prefix: str, accepts: Callable[[str], bool] = lambda name: True
) -> Callable[[PrefixHandler], PrefixHandler]:
    """Register `handler(ev, call, name)` for every name under `prefix` that `accepts`, after exact names."""

    def register(handler: PrefixHandler) -> PrefixHandler:
        _prefixes.append(_Prefix(prefix, accepts, handler))
        return handler

    return register


def method(receiver: Receiver, *names: str) -> Callable[[MethodHandler], MethodHandler]:
    """Register `handler(ev, receiver, call)` for `receiver.name(...)` (receiver: Value type or class name)."""

    def register(handler: MethodHandler) -> MethodHandler:
        for name in names:
            _add(_methods, (receiver, name), handler)
        return handler

    return register


def attribute(receiver: Receiver, *names: str) -> Callable[[AttributeHandler], AttributeHandler]:
    """Register `handler(ev, receiver, name)` for reading `receiver.name`."""

    def register(handler: AttributeHandler) -> AttributeHandler:
        for name in names:
            _add(_attributes, (receiver, name), handler)
        return handler

    return register


def subclass_of(name: str) -> Callable[[SubclassHook], SubclassHook]:
    """Register `hook(ev, instance, call)`, run when a class of the file that derives from `name` is made."""

    def register(hook: SubclassHook) -> SubclassHook:
        _add(_subclass_hooks, name, hook)
        return hook

    return register


def operator(operand: type[Value], priority: int = 0) -> Callable[[OperatorHandler], OperatorHandler]:
    """Register `handler(ev, left, right, op)` for `left op right` when either operand is an `operand`.

    When both operands have handlers, the lowest priority wins (NumPy's arrays before Keras tensors).
    """

    def register(handler: OperatorHandler) -> OperatorHandler:
        _operators.append((priority, operand, handler))
        _operators.sort(key=lambda entry: entry[0])
        return handler

    return register


def constant(name: str, value: Value) -> None:
    """A library name that stands for a plain value (`numpy.newaxis` is None)."""
    _add(_constants, name, value)


def load_overlays() -> None:
    """Import every overlay module of `shapelint.knowledge` once; each registers its handlers."""
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded:
            return
        package = importlib.import_module("shapelint.knowledge")
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if module.name not in _NOT_OVERLAYS and not module.name.startswith("_"):
                importlib.import_module(f"shapelint.knowledge.{module.name}")
        _loaded = True


def find_function(name: str) -> FunctionHandler | None:
    """The handler for calling the library object `name`, or None when nothing is known of it."""
    load_overlays()
    handler = _functions.get(name)
    if handler is not None:
        return handler
    for entry in _prefixes:
        if name.startswith(entry.prefix) and entry.accepts(name):
            found = entry.handler
            return lambda ev, call: found(ev, call, name)
    return None


def has_function(name: str) -> bool:
    """Whether `name` is registered by its exact name (what `from m import *` may bring in)."""
    load_overlays()
    return name in _functions


def _receiver_keys(receiver: Value) -> tuple[Receiver, ...]:
    """What handlers of `receiver` are registered by: an ObjectValue's class name, then its Value types."""
    kind = type(receiver)
    types = _VALUE_TYPES.get(kind)
    if types is None:
        types = _VALUE_TYPES[kind] = tuple(cls for cls in kind.__mro__ if issubclass(cls, Value))
    return (receiver.cls, *types) if isinstance(receiver, ObjectValue) else types


_VALUE_TYPES: dict[type, tuple[type[Value], ...]] = {}  # a value's class -> its Value classes, most derived first


def find_method(receiver: Value, name: str) -> MethodHandler | None:
    """The handler for `receiver.name(...)`, or None."""
    load_overlays()
    for key in _receiver_keys(receiver):
        handler = _methods.get((key, name))
        if handler is not None:
            return handler
    return None


def find_attribute(receiver: Value, name: str) -> AttributeHandler | None:
    """The handler for reading `receiver.name`, or None."""
    load_overlays()
    for key in _receiver_keys(receiver):
        handler = _attributes.get((key, name))
        if handler is not None:
            return handler
    return None


def find_operator(left: Value, right: Value) -> OperatorHandler | None:
    """The handler for an arithmetic operator between two values, or None (plain Python arithmetic)."""
    load_overlays()
    for _, operand, handler in _operators:
        if isinstance(left, operand) or isinstance(right, operand):
            return handler
    return None


def find_subclass_hook(name: str) -> SubclassHook | None:
    """What making an instance of a file's subclass of the library class `name` does, or None."""
    load_overlays()
    return _subclass_hooks.get(name)


def find_constant(name: str) -> Value | None:
    """The plain value a library name stands for, or None."""
    load_overlays()
    return _constants.get(name)


def registered_names() -> dict[str, list[str]]:
    """Every registered handler, by kind: the one list of what shapelint knows of libraries."""
    load_overlays()

    def receiver_name(receiver: Receiver) -> str:
        return receiver if isinstance(receiver, str) else receiver.__name__

    return {
        "functions": sorted(_functions),
        "prefixes": [entry.prefix for entry in _prefixes],
        "methods": sorted(f"{receiver_name(r)}.{n}" for r, n in _methods),
        "attributes": sorted(f"{receiver_name(r)}.{n}" for r, n in _attributes),
        "subclass_hooks": sorted(_subclass_hooks),
        "constants": sorted(_constants),
        "operators": [operand.__name__ for _, operand, _ in _operators],
    }
