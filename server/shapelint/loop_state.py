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
from dataclasses import dataclass

from shapelint.facts import LayerValue, ModelValue
from shapelint.scope import Scope
from shapelint.values import DictValue, InstanceValue, Seq, Value

_MAX_DEPTH = 6  # nesting followed into sequences and attributes; deeper objects count by identity
_OBJECTS = (ModelValue, LayerValue, InstanceValue)  # mutable: what they hold changes, not who they are


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
        # Sequences and dicts (immutable) already scanned: whether they hold objects, each kept alive.
        self._scanned: dict[int, tuple[Value, bool]] = {}

    def key(self, scope: Scope | None = None) -> tuple[object, ...]:
        """The state the next pass starts from (in the loop's scope, or a copy of it): the scope's
        bindings, and what its objects hold."""
        names = dict((scope or self.scope).names)
        for name in self.skip:
            names.pop(name, None)
        seen: set[int] = set()
        held = [
            self._key(value, 0, seen)
            for value in names.values()
            if isinstance(value, _OBJECTS) or (isinstance(value, (Seq, DictValue)) and self._holds_objects(value))
        ]
        held.extend(self._key(value, 0, seen) for value in self.outer)
        return names, tuple(held)

    def _key(self, value: Value, depth: int, seen: set[int]) -> object:
        if isinstance(value, (Seq, DictValue)):
            if depth >= _MAX_DEPTH or not self._holds_objects(value):
                return value  # plain data compares by what it holds
            parts = value.items if isinstance(value, Seq) else (*value.keys, *value.values)
            return ("holder", value, tuple(self._key(item, depth + 1, seen) for item in parts))
        if isinstance(value, ModelValue):
            if id(value) in seen or depth >= _MAX_DEPTH:
                return ("model", id(value))
            seen.add(id(value))
            return (
                "model",
                id(value),
                len(value.layers),
                len(value.inputs),
                tuple(self._key(output, depth + 1, seen) for output in value.outputs),
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
            attributes = tuple((name, self._key(item, depth + 1, seen)) for name, item in value.attributes.items())
            library = self._key(value.library_object, depth + 1, seen) if value.library_object is not None else None
            return ("instance", id(value), attributes, library)
        return value  # frozen values compare by what they hold; functions and classes by identity

    def _holds_objects(self, value: Seq | DictValue, depth: int = 0) -> bool:
        """Whether a sequence or dict holds a model, layer or instance (at any depth followed)."""
        found = self._scanned.get(id(value))
        if found is not None:
            return found[1]
        parts = value.items if isinstance(value, Seq) else (*value.keys, *value.values)
        holds = any(
            isinstance(item, _OBJECTS)
            or (isinstance(item, (Seq, DictValue)) and depth < _MAX_DEPTH and self._holds_objects(item, depth + 1))
            for item in parts
        )
        self._scanned[id(value)] = (value, holds)
        return holds


@dataclass(frozen=True)
class Growth:
    """What one pass appended to lists of the loop's scope, when that is all it changed."""

    added: tuple[tuple[str, tuple[Value, ...]], ...]


def grown_by(before: tuple[object, ...], after: tuple[object, ...]) -> Growth | None:
    """The items a pass appended to lists, when the state after it is the state before it with
    longer lists and nothing else changed; else None."""
    names_before, held_before = before
    names_after, held_after = after
    assert isinstance(names_before, dict) and isinstance(names_after, dict)
    if names_before.keys() != names_after.keys() or not _equal(held_before, held_after):
        return None
    added = []
    for name, now in names_after.items():
        was = names_before[name]
        if now is was or _equal(now, was):
            continue
        if not (
            isinstance(now, Seq)
            and isinstance(was, Seq)
            and now.kind == was.kind == "list"
            and len(now.items) > len(was.items)
            and _equal(now.items[: len(was.items)], was.items)
        ):
            return None
        added.append((name, now.items[len(was.items) :]))
    return Growth(tuple(added)) if added else None


def same_growth(a: Growth | None, b: Growth | None) -> bool:
    """Whether two passes appended the same items to the same lists."""
    return a is not None and b is not None and _equal(a, b)


def _equal(a: object, b: object) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def same_state(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Whether two keys are equal (a library object's state that cannot be compared: not equal)."""
    try:
        return bool(a == b)
    except Exception:
        return False
