"""The state a loop pass starts from, as a key: equal keys mean a pass changed nothing a later pass reads.

A literal loop is followed item by item while each pass changes the state (a list grows, a tensor
is rebound to a new layer's output, a model gets a layer); once a pass leaves the state as it
found it, the remaining items cannot teach anything new but their own values, and the loop goes on
as one abstract pass (control_flow.py). The key holds the names of the loop's scope (the loop
target excepted: it changes by design) and the parts of mutable objects that later code reads: a
model's layers, inputs, outputs and compilation, a layer's calls, an instance's attributes.
Names of enclosing scopes cannot be rebound by the loop; only the objects they hold can change.
"""

from __future__ import annotations

from collections.abc import Collection

from shapelint.facts import LayerValue, ModelValue
from shapelint.scope import Scope
from shapelint.values import DatasetValue, DictValue, InstanceValue, ListOf, Seq, Value

_MAX_DEPTH = 6  # nesting followed into sequences and attributes; deeper objects count by identity
_OBJECTS = (ModelValue, LayerValue, InstanceValue)  # mutable: what they hold changes, not who they are
_HOLDERS = (*_OBJECTS, Seq, DictValue)


class LoopState:
    """The keys of the passes of one loop running in `scope` (its target's names `skip`ped)."""

    def __init__(self, scope: Scope, skip: Collection[str]) -> None:
        self.scope = scope
        self.skip = skip
        # The loop cannot rebind the names of enclosing scopes: their objects are found once.
        self.outer: list[Value] = []
        parent = scope.parent
        while parent is not None:
            self.outer.extend(value for value in parent.names.values() if isinstance(value, _OBJECTS))
            parent = parent.parent

    def key(self) -> tuple[object, ...]:
        """The state the next pass starts from: the scope's bindings, and what its objects hold."""
        names = dict(self.scope.names)
        for name in self.skip:
            names.pop(name, None)
        seen: set[int] = set()
        held = [_key(value, 0, seen) for value in names.values() if isinstance(value, _HOLDERS)]
        held.extend(_key(value, 0, seen) for value in self.outer)
        return names, tuple(held)


def _key(value: Value, depth: int, seen: set[int]) -> object:
    kind = type(value)
    if kind is Seq:
        assert isinstance(value, Seq)
        if depth >= _MAX_DEPTH:
            return value
        return ("seq", value.kind, tuple(_key(item, depth + 1, seen) for item in value.items), value.shape_of)
    if isinstance(value, ModelValue):
        if id(value) in seen or depth >= _MAX_DEPTH:
            return ("model", id(value))
        seen.add(id(value))
        return (
            "model",
            id(value),
            len(value.layers),
            len(value.inputs),
            tuple(_key(output, depth + 1, seen) for output in value.outputs),
            value.broken,
            value.compile_node,
            value.loss,
            id(value.built_from),
            value.traced,
            value.name,
            id(value.subclass),
        )
    if isinstance(value, LayerValue):
        return ("layer", id(value), len(value.calls))
    if isinstance(value, InstanceValue):
        if id(value) in seen or depth >= _MAX_DEPTH:
            return ("instance", id(value))
        seen.add(id(value))
        attributes = tuple((name, _key(item, depth + 1, seen)) for name, item in value.attributes.items())
        library = _key(value.library_object, depth + 1, seen) if value.library_object is not None else None
        return ("instance", id(value), attributes, library)
    if isinstance(value, DictValue) and depth < _MAX_DEPTH:
        return (
            "dict",
            tuple(_key(item, depth + 1, seen) for item in value.keys),
            tuple(_key(item, depth + 1, seen) for item in value.values),
        )
    if isinstance(value, (ListOf, DatasetValue)):
        return value  # elements are arrays and data: compared as they are
    return value  # frozen values compare by what they hold; functions and classes by identity


def same_state(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two keys are equal (a library object's state that cannot be compared: not equal)."""
    try:
        return bool(a == b)
    except Exception:
        return False
