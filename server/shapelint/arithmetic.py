"""Python arithmetic on constant values: `28 * 28`, `n_classes + 1`, `"a" + "b"`, `(1,) + (2,)`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from shapelint.values import UNKNOWN, Const, Seq, Value


def scalar_const(value: Value) -> float | int | None:
    if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
        return value.value
    return None


def const_binary(left: Value, right: Value, operator: str) -> Value:
    """Arithmetic on int/float constants (28 * 28, n_classes + 1)."""
    a, b = scalar_const(left), scalar_const(right)
    if a is None or b is None:
        if isinstance(left, Const) and isinstance(right, Const) and operator == "+":
            if isinstance(left.value, str) and isinstance(right.value, str):
                return Const(left.value + right.value)
        if isinstance(left, Seq) and isinstance(right, Seq) and operator == "+":
            return Seq(left.items + right.items, left.kind)
        return UNKNOWN
    try:
        result: float | int
        if operator == "+":
            result = a + b
        elif operator == "-":
            result = a - b
        elif operator == "*":
            result = a * b
        elif operator == "/":
            result = a / b
        elif operator == "//":
            result = a // b
        elif operator == "%":
            result = a % b
        elif operator == "**":
            if abs(b) > 64:
                return UNKNOWN
            result = a**b
        else:
            return UNKNOWN
    except (ZeroDivisionError, OverflowError, ValueError):
        return UNKNOWN
    if isinstance(result, float) and not math.isfinite(result):
        return UNKNOWN
    return Const(result)


_PLAIN = (bool, int, float, str, type(None))  # constants whose truth and comparisons are Python's own


def truthiness(value: Value) -> bool | None:
    """Whether `if value:` takes its branch, when that is known: a plain constant, or a literal
    list or tuple (its length decides)."""
    if isinstance(value, Const) and isinstance(value.value, _PLAIN):
        return bool(value.value)
    if isinstance(value, Seq):
        return bool(value.items)
    return None


_COMPARISONS: dict[str, Callable[[Any, Any], bool | None]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "is": lambda a, b: a is b if a is None or b is None or isinstance(a, bool) else None,
    "is not": lambda a, b: a is not b if a is None or b is None or isinstance(a, bool) else None,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def const_compare(left: Value, comparisons: list[tuple[str, Value]]) -> Value:
    """A chained comparison of plain constants (`__name__ == "__main__"`, `n > 1`, `mode in ("a", "b")`)
    as Python computes it; UNKNOWN when an operand is not a plain constant (or a literal list or tuple of them)."""
    current = _plain(left)
    if current is _NOT_PLAIN:
        return UNKNOWN
    for operator, right in comparisons:
        other = _plain(right)
        compare = _COMPARISONS.get(operator)
        if other is _NOT_PLAIN or compare is None:
            return UNKNOWN
        try:
            outcome = compare(current, other)
        except TypeError:  # "<" between str and int: Python raises, so the branch is not known either
            return UNKNOWN
        if outcome is None:
            return UNKNOWN
        if not outcome:
            return Const(False)
        current = other
    return Const(True)


_NOT_PLAIN = object()


def _plain(value: Value) -> object:
    if isinstance(value, Const) and isinstance(value.value, _PLAIN):
        return value.value
    if isinstance(value, Seq):  # a literal list or tuple, as the right side of `in`
        items = tuple(_plain(item) for item in value.items)
        if any(item is _NOT_PLAIN for item in items):
            return _NOT_PLAIN
        return list(items) if value.kind == "list" else items  # [1] == (1,) is False
    return _NOT_PLAIN
