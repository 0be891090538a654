"""Summaries of calls to the program's own functions: a helper that only computes data (no layer
applied, no model changed, no attribute written) returns the same abstract value for the same
abstract arguments, so it is interpreted once per distinct argument shapes (the interpreter
keeps the results per analysis, bounded per function by `MAX_SUMMARIES_PER_FUNCTION`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shapelint.calls import CallArgs
from shapelint.facts import UnknownReason
from shapelint.source import NodeRef
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    DatasetValue,
    DictValue,
    FunctionValue,
    ObjectValue,
    RefValue,
    Seq,
    SymbolicInt,
    Value,
)


@dataclass(frozen=True)
class Summary:
    """A summarised call: its result, and why that result is unknown (noted again at every call site
    answered from the summary, so hovers and `shapelint coverage` say why there too)."""

    result: Value
    reason: UnknownReason | None = None
    site: NodeRef | None = None  # the call that was interpreted

    def reason_at(self, site: NodeRef) -> UnknownReason | None:
        """The reason as another call site says it: a cause located at the first call moves to this one."""
        reason = self.reason
        first = self.site
        if reason is None or first is None or reason.node is None:
            return reason
        if reason.node.chunk == first.chunk and reason.node.node is first.node:
            return replace(reason, node=site)
        return reason


def summary_key(function: FunctionValue, call: CallArgs) -> tuple[object, ...] | None:
    """The summary key of a call whose arguments are all plain data, or None."""
    args = tuple(_data_key(value) for value in call.args)
    kwargs = tuple(sorted((name, _data_key(value)) for name, value in call.kwargs.items()))
    if any(a is None for a in args) or any(v is None for _, v in kwargs):
        return None
    key = (function, args, kwargs, call.has_star)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _data_key(value: Value) -> object | None:
    """An argument as a cache key: arrays by shape and dtype only; None when it is not plain data."""
    if isinstance(value, ArrayValue):
        # Shapes compare by dims only: the symbols (rows of which file) are part of the key too.
        return replace(value, name=None, origin=None), value.shape.symbols
    if isinstance(value, Seq):
        items = tuple(_data_key(item) for item in value.items)
        return None if any(i is None for i in items) else ("seq", value.kind, items)
    if isinstance(value, (Const, RefValue, SymbolicInt)) or value is UNKNOWN:
        return value
    if isinstance(value, ObjectValue) and isinstance(value.state, (type(None), int, float, str, bool)):
        return value
    return None


def is_data(value: Value, depth: int = 0) -> bool:
    """Whether a value is immutable data a cached call result may share between call sites."""
    if isinstance(value, (Const, RefValue, ArrayValue, ObjectValue, SymbolicInt)) or value is UNKNOWN:
        return True
    if isinstance(value, Seq) and depth < 8:
        return all(is_data(item, depth + 1) for item in value.items)
    if isinstance(value, DictValue) and depth < 8:
        return all(is_data(item, depth + 1) for item in (*value.keys, *value.values))
    if isinstance(value, DatasetValue) and depth < 8:
        return is_data(value.element, depth + 1)
    return False
