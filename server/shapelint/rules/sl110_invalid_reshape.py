"""SL110 invalid-reshape: a NumPy reshape to a shape with a different number of elements."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import ArrayProblemFact
from shapelint.rules.base import Rule, RuleContext
from shapelint.shapes import format_dims, format_shape
from shapelint.source import NodeRef
from shapelint.values import ArrayValue, RefValue, Value, const_int, int_tuple

_ARITHMETIC: dict[type[cst.BaseBinaryOp], Callable[[int, int], int]] = {
    cst.Multiply: operator.mul,
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.FloorDivide: operator.floordiv,
}


class InvalidReshape(Rule):
    code = "SL110"
    name = "invalid-reshape"
    summary = "An array is reshaped to a shape with a different number of elements."
    what_it_does = """
Checks `x.reshape(...)` and `np.reshape(x, ...)` when both the array's shape and the target
are known, and reports a target whose product differs from the array's size, showing both
products.
"""
    why_is_this_bad = """
NumPy raises `ValueError: cannot reshape array of size 47040000 into shape
(60000,28,28,3)` as soon as the line runs. The usual causes: a sample count copied from
the training set onto the test set, a grayscale image reshaped as if it had 3 colour
channels, and a series reshaped into windows it does not have enough values for.
"""
    example = """
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_test = x_test.reshape(60000, 28, 28, 1)     # x_test has 10000 images
"""
    use_instead = """
x_test = x_test.reshape(-1, 28, 28, 1)        # -1: however many samples there are
"""
    VALID = (
        """
import numpy as np
x = np.zeros((100, 784))
a = x.reshape(-1, 28, 28, 1)
b = x.reshape((100, 28, 28))
c = np.reshape(x, (100, 28, 28, 1))
d = x.reshape(x.shape[0], 784)
""",
        # Unknown sizes: nothing to say.
        """
import numpy as np
def prepare(x):
    return x.reshape(60000, 28, 28, 1)
""",
    )
    INVALID = (
        """
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train = x_train.reshape(60000, 28, 28, 1)
x_test = x_test.reshape(60000, 28, 28, 1)  # error: SL110
""",
        """
import numpy as np
flat = np.random.rand(500, 4096)
images = flat.reshape(500, 64, 64, 3)  # error: SL110
""",
        """
import numpy as np
readings = np.random.rand(2400, 50)
windows = np.reshape(readings, (readings.shape[0], 20, 3))  # error: SL110
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for problem in context.facts.array_problems:
            if problem.kind != "reshape" or problem.call is None:
                continue
            diagnostic = self._report(context, problem)
            if diagnostic is not None:
                yield diagnostic

    def _report(self, context: RuleContext, problem: ArrayProblemFact) -> Diagnostic | None:
        assert problem.call is not None
        found = _reshape_call(context, problem.call)
        if found is None:
            return context.diagnostic(self, problem.call, f"This reshape would fail: {problem.message}.")
        array, target, target_nodes = found
        size = array.shape.size
        if size is None or array.shape.dims is None or any(d is None for d in target):
            return context.diagnostic(self, problem.call, f"This reshape would fail: {problem.message}.")
        dims = [d for d in target if d is not None]
        name = f"`{array.name}`" if array.name else "the array"
        source = f"{name} has shape {format_shape(array.shape)}: {_product_text(array.shape.dims)}"
        if -1 in dims:
            message = (
                f"Cannot reshape to {format_dims(dims)}: {source} elements, which is not a multiple of "
                f"{_product_text([d for d in dims if d != -1])}, so no size for -1 keeps the number of "
                f"elements."
            )
            return context.diagnostic(self, problem.call, message)
        message = (
            f"Cannot reshape to {format_dims(dims)}: that needs {_product_text(dims)} elements, but "
            f"{source}. A reshape must keep the number of elements."
        )
        message += _hint(array, dims)
        fix = self._sample_axis_fix(context, array, dims, target_nodes)
        return context.diagnostic(self, problem.call, message, [fix])

    def _sample_axis_fix(
        self, context: RuleContext, array: ArrayValue, dims: list[int], nodes: list[NodeRef] | None
    ) -> Fix | None:
        """Only the sample count is wrong (every other axis already fits): -1 lets NumPy count them."""
        shape = array.shape.dims
        if nodes is None or shape is None or not shape or len(dims) < 2 or dims[0] == shape[0]:
            return None
        per_sample = array.shape.drop_first().size
        if per_sample is None or math.prod(dims[1:]) != per_sample:
            return None
        new = format_dims([-1, *dims[1:]])
        return context.fix(f"Let NumPy count the samples: {new}", context.replace(nodes[0], "-1"))


def _hint(array: ArrayValue, dims: list[int]) -> str:
    shape = array.shape.dims
    if shape is None or not shape or len(dims) < 2:
        return ""
    per_sample = array.shape.drop_first().size
    if dims[0] != shape[0] and per_sample is not None and math.prod(dims[1:]) == per_sample:
        return (
            f" Each sample fits {format_dims(dims[1:])}, but there are {shape[0]} samples, not {dims[0]}: "
            f"use -1 for the first axis."
        )
    size = array.shape.size
    if size is not None and dims[-1] == 3 and size * 3 == math.prod(dims):
        return (
            " The data has one channel, not 3: reshape to a last axis of 1, and if the model needs 3 "
            "channels repeat it (np.repeat(x, 3, axis=-1))."
        )
    return ""


def _product_text(dims: list[int] | tuple[int | None, ...]) -> str:
    known = [d for d in dims if d is not None]
    size = math.prod(known)
    if len(known) == 1:
        return f"{size:,}"
    return " * ".join(str(d) for d in known) + f" = {size:,}"


def _reshape_call(
    context: RuleContext, call_ref: NodeRef
) -> tuple[ArrayValue, tuple[int | None, ...], list[NodeRef] | None] | None:
    """The array reshaped, the target dims, and the node of each target dim (None unless all are literal)."""
    call = call_ref.node
    if not isinstance(call, cst.Call):
        return None
    if (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "reshape"
        and not _is_module(context, call_ref.chunk, call.func.value)
    ):
        subject: cst.BaseExpression = call.func.value
        arguments = [a for a in call.args if a.keyword is None]
        keyword = next((a for a in call.args if a.keyword is not None and a.keyword.value == "shape"), None)
        if keyword is not None:
            arguments = [keyword]
    else:
        if not call.args:
            return None
        subject = call.args[0].value
        rest = call.args[1:]
        arguments = [a for a in rest if a.keyword is None or a.keyword.value in ("newshape", "shape")][:1]
    array = _value(context, call_ref.chunk, subject)
    if not isinstance(array, ArrayValue) or not arguments or any(a.star for a in arguments):
        return None
    if len(arguments) == 1 and isinstance(arguments[0].value, (cst.Tuple, cst.List)):
        elements = arguments[0].value.elements
        if any(isinstance(e, cst.StarredElement) for e in elements):
            return None
        expressions = [e.value for e in elements]
    else:
        expressions = [a.value for a in arguments]
    if len(expressions) == 1 and not isinstance(expressions[0], (cst.Integer, cst.UnaryOperation)):
        named = _value(context, call_ref.chunk, expressions[0])  # x.reshape(shape) with a named tuple
        dims = int_tuple(named) if isinstance(named, Value) else None
        return (array, dims, None) if dims is not None else None
    target = tuple(_dim(context, call_ref.chunk, e) for e in expressions)
    return array, target, [NodeRef(call_ref.chunk, e) for e in expressions]


def _dim(context: RuleContext, chunk: int, node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = _dim(context, chunk, node.expression)
        return -inner if inner is not None else None
    if isinstance(node, cst.BinaryOperation) and type(node.operator) in _ARITHMETIC:
        left, right = _dim(context, chunk, node.left), _dim(context, chunk, node.right)
        if left is None or right is None or (right == 0 and isinstance(node.operator, cst.FloorDivide)):
            return None
        return _ARITHMETIC[type(node.operator)](left, right)
    value = _value(context, chunk, node)
    return const_int(value) if isinstance(value, Value) else None


def _value(context: RuleContext, chunk: int, node: cst.CSTNode) -> object:
    return context.facts.node_values.get(chunk, node)


def _is_module(context: RuleContext, chunk: int, node: cst.BaseExpression) -> bool:
    return isinstance(_value(context, chunk, node), RefValue)
