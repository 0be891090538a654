"""Lists and dicts changed in place, and what the names bound to them hold afterwards.

`dims[0] = 1`, `del dims[0]`, `dims.pop(0)`, `d["x"] = a` or `d.update(...)` change a container
in place, but the interpreter's values are immutable: a change makes a new value, and the names
bound to the container must see it, or the next reshape reads a shape the program no longer has.

`changed` computes the container after a change, and what the call returns: exactly, by doing
the change on a Python list or dict of the items, when the index or key is a constant and the
items are known; otherwise the container becomes UNKNOWN. `rebind` applies the changes after the
statement that made them: the name or instance attribute the change went through gets the new
container (`dims`, `self.dims`). Whatever else holds the same object becomes unknown: another name
(`other = dims`; the engine cannot tell a real alias from a value it merely shares, such as a
helper's cached result), an instance attribute, and the container the changed one was reached in
(`shapes[0][0] = 1` changes `shapes`). A change made inside a call to a container from outside it
(an argument, a name of an enclosing scope) also makes the callers' names bound to it unknown, up
to the end of the top-level statement or of the uncalled function's run (`Escaped`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from shapelint.facts import UnknownReason
from shapelint.scope import Scope
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    DictValue,
    InstanceValue,
    ListOf,
    Seq,
    Value,
    const_int,
    join_values,
)

# Methods that change a list or a dict in place (subscript assignment and `del` included).
LIST_CHANGES = frozenset(
    {"__setitem__", "__delitem__", "append", "extend", "insert", "pop", "remove", "clear", "reverse", "sort"}
)
DICT_CHANGES = frozenset({"__setitem__", "__delitem__", "pop", "popitem", "clear", "update", "setdefault"})
_NONE = Const(None)
_MAX_ESCAPED = 64  # containers changed inside calls whose callers' names are still to be made unknown
_MAX_SCANNED = 64  # items of a list or dict looked through for a changed container (longer ones are not)
_MAX_OUTSIDE = 256  # containers of a call's arguments, nested ones included, known as from outside it


def changes_in_place(receiver: Value, method: str) -> bool:
    """Whether `receiver.method(...)` changes the receiver, a list or a dict, in place."""
    if isinstance(receiver, (Seq, ListOf)):
        return method in LIST_CHANGES and not (isinstance(receiver, Seq) and receiver.kind != "list")
    return isinstance(receiver, DictValue) and method in DICT_CHANGES


@dataclass(frozen=True)
class Changed:
    """A container after a change in place (UNKNOWN: not followed), and what the call returns."""

    after: Value
    result: Value


NOT_FOLLOWED = Changed(UNKNOWN, UNKNOWN)
Holder = tuple[Scope | InstanceValue, str]  # a name of a scope, or an attribute of an instance


def changed(container: Value, method: str, args: Sequence[Value], kwargs: Mapping[str, Value]) -> Changed:
    """`container.method(*args, **kwargs)` for a list or dict method that changes it in place. The
    container after it is a new object, even when it holds the same (whatever still holds the old
    one is forgotten: `rebind`)."""
    if isinstance(container, Seq) and container.kind == "list":
        found = _list_changed(container, method, args, kwargs)
    elif isinstance(container, DictValue):
        found = _dict_changed(container, method, args, kwargs)
    elif isinstance(container, ListOf):
        found = _list_of_changed(container, method, args, kwargs)
    else:
        return NOT_FOLLOWED
    return replace(found, after=replace(found.after)) if found.after is container else found


def _list_of_changed(container: ListOf, method: str, args: Sequence[Value], kwargs: Mapping[str, Value]) -> Changed:
    """A list of unknown length whose every item is `container.element`: reordered or shortened it
    still is; what is added (at a constant position, not a slice) joins its element."""
    if method in ("append", "extend", "insert"):
        added = args[0] if method == "append" and len(args) == 1 and not kwargs else UNKNOWN
        return Changed(join_values(container, Seq((added,), "list")), _NONE)
    if method == "__setitem__" and len(args) == 2 and const_int(args[0]) is not None:
        return Changed(join_values(container, Seq((args[1],), "list")), _NONE)
    if method in ("sort", "reverse", "remove", "__delitem__") or (method == "pop" and len(args) <= 1):
        if method == "__delitem__" and const_int(args[0]) is None:
            return NOT_FOLLOWED  # a slice, or an index that may be one
        return Changed(container, container.element if method == "pop" else _NONE)
    if method == "clear":
        return Changed(Seq((), "list"), _NONE)
    return NOT_FOLLOWED


def _list_changed(container: Seq, method: str, args: Sequence[Value], kwargs: Mapping[str, Value]) -> Changed:
    items = list(container.items)
    result: Value = _NONE
    if method == "extend" and len(args) == 1 and not kwargs and isinstance(args[0], ArrayValue) and args[0].shape.dims:
        # Extending by an array adds its rows: a list of rows, count forgotten.
        return Changed(join_values(ListOf(ArrayValue(args[0].shape.drop_first(), args[0].dtype)), container), _NONE)
    if method in ("sort", "reverse") and items and all(item == items[0] for item in items[1:]):
        return Changed(container, _NONE)  # equal items: any order is the same list
    if method == "sort":
        return _sorted(items, kwargs) if not args else NOT_FOLLOWED
    if kwargs:
        return NOT_FOLLOWED
    indexes = [const_int(arg) for arg in args]
    try:
        if method == "append" and len(args) == 1:
            items.append(args[0])
        elif method == "extend" and len(args) == 1 and isinstance(args[0], Seq):
            items.extend(args[0].items)
        elif method == "insert" and len(args) == 2 and indexes[0] is not None:
            items.insert(indexes[0], args[1])
        elif method in ("__setitem__", "__delitem__", "pop") and len(args) <= 2 and None not in indexes[:1]:
            if method == "__setitem__" and len(args) == 2:
                items[indexes[0]] = args[1]  # type: ignore[index]
            elif method == "__delitem__" and len(args) == 1:
                del items[indexes[0]]  # type: ignore[arg-type]
            elif method == "pop" and len(args) <= 1:
                result = items.pop(*indexes)  # type: ignore[arg-type]
            else:
                return NOT_FOLLOWED
        elif method == "remove" and len(args) == 1 and isinstance(args[0], Const):
            # Python compares items in order: only constants compare as Python would.
            at = next((at for at, item in enumerate(items) if not isinstance(item, Const) or item == args[0]), None)
            if at is None or items[at] != args[0]:
                return NOT_FOLLOWED
            del items[at]
        elif method == "clear" and not args:
            items = []
        elif method == "reverse" and not args:
            items.reverse()
        else:
            return NOT_FOLLOWED
    except IndexError:
        return NOT_FOLLOWED  # Python raises: what follows does not run as written
    return Changed(Seq(tuple(items), "list"), result)


def _sorted(items: list[Value], kwargs: Mapping[str, Value]) -> Changed:
    """`list.sort()` (with `reverse=`) of numbers or of strings; anything else is not followed."""
    if set(kwargs) - {"reverse"} or not all(isinstance(item, Const) for item in items):
        return NOT_FOLLOWED
    descending = kwargs.get("reverse", Const(False))
    values = [item.value for item in items]  # type: ignore[attr-defined]
    numbers = all(type(value) in (int, float) for value in values)
    if not isinstance(descending, Const) or not (numbers or all(type(value) is str for value in values)):
        return NOT_FOLLOWED
    ordered = sorted(items, key=lambda item: item.value, reverse=bool(descending.value))  # type: ignore[attr-defined]
    return Changed(Seq(tuple(ordered), "list"), _NONE)


def _dict_changed(container: DictValue, method: str, args: Sequence[Value], kwargs: Mapping[str, Value]) -> Changed:
    keys = [key for key in container.keys if isinstance(key, Const)]
    if len(keys) != len(container.keys) or (kwargs and method != "update"):
        return NOT_FOLLOWED
    # The change done on a Python dict keyed by the constants, which hashes and compares as Python does.
    entries: dict[object, tuple[Const, Value]] = {key.value: (key, value) for key, value in zip(keys, container.values)}

    def put(key: Const, value: Value) -> None:
        entries[key.value] = (entries[key.value][0] if key.value in entries else key, value)

    result: Value = _NONE
    key = args[0] if args and isinstance(args[0], Const) else None
    try:
        if method == "__setitem__" and len(args) == 2 and key is not None:
            put(key, args[1])
        elif method == "__delitem__" and len(args) == 1 and key is not None:
            del entries[key.value]
        elif method == "pop" and 1 <= len(args) <= 2 and key is not None and (key.value in entries or len(args) == 2):
            found = entries.pop(key.value, None)
            result = found[1] if found is not None else args[1]
        elif method == "popitem" and not args and entries:
            result = Seq(entries.popitem()[1])
        elif method == "setdefault" and 1 <= len(args) <= 2 and key is not None:
            if key.value not in entries:
                put(key, args[1] if len(args) == 2 else _NONE)
            result = entries[key.value][1]
        elif method == "clear" and not args:
            entries.clear()
        elif method == "update" and len(args) <= 1:
            update = args[0] if args else DictValue((), ())
            if not isinstance(update, DictValue) or not all(isinstance(k, Const) for k in update.keys):
                return NOT_FOLLOWED
            for new_key, value in [*zip(update.keys, update.values), *((Const(k), v) for k, v in kwargs.items())]:
                put(new_key, value)  # type: ignore[arg-type]  # every key checked a Const above
        else:
            return NOT_FOLLOWED
    except (KeyError, TypeError):
        return NOT_FOLLOWED  # Python raises (a missing key, an unhashable one)
    pairs = list(entries.values())
    return Changed(DictValue(tuple(k for k, _ in pairs), tuple(v for _, v in pairs)), result)


@dataclass(frozen=True)
class ContainerChange:
    """One change in place: the container before and after, the expression it went through
    (`dims`, `self.dims`, `shapes[0]`; None: a value no name holds), and why `after` is UNKNOWN."""

    before: Value
    after: Value
    through: cst.BaseExpression | None
    reason: UnknownReason | None = None


@dataclass
class Escaped:
    """Containers changed inside a call that came from outside it (see the module doc), numbered
    in the order they escaped, and how far each scope was rid of them: a scope's names are looked
    through once for the containers that escaped since (by the first statement that ends in it
    after), not at every statement."""

    containers: list[tuple[int, Value]] = field(default_factory=list)  # (number, container)
    _added: int = 0
    _forgotten: dict[int, tuple[Scope, int]] = field(default_factory=dict)  # id(scope) -> (scope, number)

    def add(self, container: Value) -> None:
        if all(container is not kept for _, kept in self.containers):
            self._added += 1
            self.containers.append((self._added, container))
            del self.containers[:-_MAX_ESCAPED]

    def forget(self, chain: Sequence[Scope]) -> None:
        """Make the names of the scopes of `chain` bound to an escaped container unknown."""
        if not self.containers:
            return
        for scope in chain:
            seen = self._forgotten.get(id(scope))
            done = seen[1] if seen is not None and seen[0] is scope else 0
            if done < self._added:
                pending = {id(container): container for number, container in self.containers if number > done}
                _forget_in(scope, pending)
                self._forgotten[id(scope)] = (scope, self._added)

    def clear(self) -> None:
        self.containers.clear()
        self._forgotten.clear()


def outside_ids(arguments: Sequence[Value]) -> frozenset[int]:
    """The ids of a call's arguments and of what they hold: the items of lists, tuples and dicts and
    the attributes of objects of the file's classes (up to _MAX_SCANNED of each, _MAX_OUTSIDE in
    all). A change of any of them inside the call is a change of a container from outside it
    (`fill((dims, 1))` changing `pair[0]`, or `self.dims.pop(0)` in a method, changes `dims`)."""
    found: set[int] = set()
    pending = list(arguments)
    while pending and len(found) < _MAX_OUTSIDE:
        value = pending.pop()
        if id(value) in found:
            continue
        found.add(id(value))
        if isinstance(value, Seq) and len(value.items) <= _MAX_SCANNED:
            pending.extend(value.items)
        elif isinstance(value, DictValue) and len(value.values) <= _MAX_SCANNED:
            pending.extend(value.values)
        elif isinstance(value, InstanceValue) and len(value.attributes) <= _MAX_SCANNED:
            pending.extend(value.attributes.values())
    return frozenset(found)


def rebind(
    changes: Sequence[ContainerChange],
    scope: Scope,
    escaped: Escaped,
    in_call: bool,
    arguments: frozenset[int],
) -> bool:
    """Apply the changes a statement made to the names of `scope` and its enclosing scopes, and to
    the callers' names of containers changed in calls before (`escaped`). `in_call`: the statement
    runs in a function call, whose arguments are the objects `arguments` holds the ids of.
    Returns whether a container from outside the call, or an object's attribute, was changed (the
    call is then not summarised)."""
    chain = _chain(scope)
    outside = False
    for change in changes:
        changed_here = [change.before]
        holder = _holder(change.through, chain)
        if holder is not None and _value_at(holder) is change.before:
            _set(holder, change.after, change.reason)
            outside = outside or not isinstance(holder[0], Scope)  # an object's attribute: seen wherever it is
        # The container the changed one was reached in (`shapes` of `shapes[0][0] = 1`) changed too.
        container = _holder(_container_of(change.through), chain)
        if container is not None and _value_at(container) is not UNKNOWN:
            changed_here.append(_value_at(container))
            _set(container, UNKNOWN, None)
            outside = outside or not isinstance(container[0], Scope)
        for before in changed_here:
            if in_call and (id(before) in arguments or any(_binds(outer, before) for outer in chain[1:])):
                outside = True
                escaped.add(before)
            _forget(before, chain)
    escaped.forget(chain)
    if not in_call:
        escaped.clear()
    return outside


def _value_at(holder: Holder) -> Value:
    where, name = holder
    return where.names[name] if isinstance(where, Scope) else where.attributes[name]


def _set(holder: Holder, value: Value, reason: UnknownReason | None) -> None:
    where, name = holder
    if not isinstance(where, Scope):
        where.attributes[name] = value
    elif value is UNKNOWN:
        where.bind_unknown(name, reason)
    else:
        where.bind(name, value)


def _chain(scope: Scope) -> list[Scope]:
    found = []
    current: Scope | None = scope
    while current is not None:
        found.append(current)
        current = current.parent
    return found


def _binds(scope: Scope, value: Value) -> bool:
    return any(bound is value for bound in scope.names.values())


def _forget(container: Value, chain: Sequence[Scope]) -> None:
    """Names and instance attributes still bound to a changed container, or to a list, tuple or dict
    holding it as an item (`all_shapes = [dims]`), become unknown."""
    for scope in chain:
        _forget_in(scope, {id(container): container})


def _forget_in(scope: Scope, containers: dict[int, Value]) -> None:
    """`_forget` of several containers (by id) in one scope, its names looked through once."""

    def stale(value: Value) -> bool:
        return containers.get(id(value)) is value or _holds(value, containers)

    for name, value in list(scope.names.items()):
        if stale(value):
            scope.bind_unknown(name, None)
        elif isinstance(value, InstanceValue):
            for attribute, held in list(value.attributes.items()):
                if stale(held):
                    value.attributes[attribute] = UNKNOWN


def _holds(value: Value, containers: dict[int, Value]) -> bool:
    if isinstance(value, Seq) and len(value.items) <= _MAX_SCANNED:
        return any(containers.get(id(item)) is item for item in value.items)
    if isinstance(value, DictValue) and len(value.values) <= _MAX_SCANNED:
        return any(containers.get(id(item)) is item for item in value.values)
    return False


def _holder(through: cst.BaseExpression | None, chain: Sequence[Scope]) -> Holder | None:
    """Where the expression a change went through is bound: a name's scope, or the instance whose
    attribute it is (`self.dims`, `a.b.dims`); None for any other expression."""
    if isinstance(through, cst.Name):
        return next(((scope, through.value) for scope in chain if through.value in scope.names), None)
    if isinstance(through, cst.Attribute):
        owner = _attribute_owner(through.value, chain)
        if isinstance(owner, InstanceValue) and through.attr.value in owner.attributes:
            return owner, through.attr.value
    return None


def _attribute_owner(node: cst.BaseExpression, chain: Sequence[Scope]) -> Value | None:
    if isinstance(node, cst.Name):
        return next((scope.names[node.value] for scope in chain if node.value in scope.names), None)
    if isinstance(node, cst.Attribute):
        owner = _attribute_owner(node.value, chain)
        return owner.attributes.get(node.attr.value) if isinstance(owner, InstanceValue) else None
    return None


def _container_of(through: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """The expression of the container an item was reached in: `shapes` of `shapes[0]` and of
    `shapes[0][1]`, `self.shapes` of `self.shapes[0]`; None for a name or an attribute."""
    if not isinstance(through, cst.Subscript):
        return None
    node: cst.BaseExpression = through
    while isinstance(node, cst.Subscript):
        node = node.value
    return node
