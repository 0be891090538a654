"""Python's built-in functions and the methods of lists and dicts the interpreter models.

`len`, `range`, `list`/`tuple`, `int`/`float`, `zip`, `enumerate`; `list.copy`,
`dict.keys`/`values`/`items`. Everything else built in is unknown.
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.knowledge import registry
from shapelint.knowledge.registry import Evaluator, FunctionHandler, function, method
from shapelint.limits import MAX_UNROLL
from shapelint.values import UNKNOWN, ArrayValue, Const, DictValue, ObjectValue, Seq, Value, const_int, dim_value


@function("builtins.len")
def _len(ev: Evaluator, call: CallArgs) -> Value:
    first = call.args[0] if call.args else None
    if isinstance(first, Seq):
        return Const(len(first.items))
    if isinstance(first, DictValue):
        return Const(len(first.keys))
    if isinstance(first, ArrayValue) and first.shape.dims:
        return dim_value(first.shape, 0)  # the row count, or its symbol (rows of one file)
    length = registry.find_method(first, "__len__") if first is not None else None
    return length(ev, first, CallArgs([], {})) if length is not None else UNKNOWN


@function("builtins.dict")
def _dict(ev: Evaluator, call: CallArgs) -> Value:
    """dict(mapping) / dict(pairs) / dict(key=value); a library mapping through its `items()`."""
    if call.has_star:
        return UNKNOWN
    first = call.args[0] if call.args else None
    if first is None:
        pairs: tuple[Value, ...] = ()
    elif isinstance(first, DictValue):
        pairs = tuple(Seq((k, v)) for k, v in zip(first.keys, first.values))
    else:
        items = registry.find_method(first, "items")
        source = items(ev, first, CallArgs([], {})) if items is not None else first
        if not isinstance(source, Seq) or len(source.items) > MAX_UNROLL:
            return UNKNOWN
        pairs = source.items
    keys: list[Value] = []
    values: list[Value] = []
    for pair in pairs:
        if not isinstance(pair, Seq) or len(pair.items) != 2:
            return UNKNOWN
        keys.append(pair.items[0])
        values.append(pair.items[1])
    for name, value in call.kwargs.items():
        keys.append(Const(name))
        values.append(value)
    return DictValue(tuple(keys), tuple(values))


@function("builtins.range")
def _range(ev: Evaluator, call: CallArgs) -> Value:
    numbers = [const_int(a) for a in call.args]
    if not numbers or any(n is None for n in numbers) or call.has_star:
        return UNKNOWN
    values = range(*[n for n in numbers if n is not None])
    if len(values) > MAX_UNROLL:
        return ObjectValue("builtins.range", len(values))  # too long to unroll; its length still counts
    return Seq(tuple(Const(v) for v in values), "list")


def _sequence(kind: str) -> FunctionHandler:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        first = call.args[0] if call.args else None
        if isinstance(first, Seq):
            return Seq(first.items, kind)
        if first is None:
            return Seq((), kind)
        return UNKNOWN

    return handler


function("builtins.list")(_sequence("list"))
function("builtins.tuple")(_sequence("tuple"))


def _conversion(kind: type) -> FunctionHandler:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        first = call.args[0] if call.args else None
        if not isinstance(first, Const):
            return UNKNOWN
        try:
            return Const(kind(first.value))
        except (TypeError, ValueError):
            return UNKNOWN

    return handler


function("builtins.int")(_conversion(int))
function("builtins.float")(_conversion(float))


@function("builtins.zip")
def _zip(ev: Evaluator, call: CallArgs) -> Value:
    sequences = [a for a in call.args if isinstance(a, Seq)]
    if call.args and len(sequences) == len(call.args):
        return Seq(tuple(Seq(group) for group in zip(*(s.items for s in sequences))), "list")
    return UNKNOWN


@function("builtins.enumerate")
def _enumerate(ev: Evaluator, call: CallArgs) -> Value:
    first = call.args[0] if call.args else None
    if isinstance(first, Seq):
        return Seq(tuple(Seq((Const(i), item)) for i, item in enumerate(first.items)), "list")
    return UNKNOWN


@method(Seq, "copy")
def _copy(ev: Evaluator, receiver: Seq, call: CallArgs) -> Value:
    return receiver


@method(DictValue, "keys")
def _keys(ev: Evaluator, receiver: DictValue, call: CallArgs) -> Value:
    return Seq(receiver.keys, "list")


@method(DictValue, "values")
def _values(ev: Evaluator, receiver: DictValue, call: CallArgs) -> Value:
    return Seq(receiver.values, "list")


@method(DictValue, "items")
def _items(ev: Evaluator, receiver: DictValue, call: CallArgs) -> Value:
    return Seq(tuple(Seq((k, v)) for k, v in zip(receiver.keys, receiver.values)), "list")
