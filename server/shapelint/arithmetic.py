"""Python arithmetic on constant values: `28 * 28`, `n_classes + 1`, `"a" + "b"`, `(1,) + (2,)`."""

from __future__ import annotations

import math

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
