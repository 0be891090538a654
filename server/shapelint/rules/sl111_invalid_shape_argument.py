"""SL111 invalid-shape-argument: a shape argument Keras cannot convert to a shape."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import LayerValue
from shapelint.rules.base import Rule, RuleContext, tuple_code
from shapelint.source import NodeRef
from shapelint.values import UNKNOWN, Const, Seq, Value

# Layer keywords that declare the model's input shape (InputLayer's `shape` too).
_LAYER_KEYWORDS = ("input_shape", "batch_input_shape", "batch_shape")


@dataclass(frozen=True)
class ShapeProblem:
    """Why Keras rejects a shape argument, and the dimension at fault (None: the whole value)."""

    reason: str
    kind: str  # "int" | "nested" | "float" | "negative"
    index: int | None = None


class InvalidShapeArgument(Rule):
    code = "SL111"
    name = "invalid-shape-argument"
    summary = "A shape argument is not a tuple of non-negative integers."
    what_it_does = """
Checks the shape given to `keras.Input(shape=...)`, `InputLayer` and the `input_shape=` /
`batch_input_shape=` of a `Sequential` model's first layer: a plain number (`shape=28`,
or `input_shape=(13)`, which is 13 in parentheses, not a tuple), a tuple inside the tuple
(`shape=((28, 28), 1)`, `shape=(x.shape[1:], 1)`), a float size (`shape=(img_size / 2, 3)`)
or a negative size.

Keras 2 (tf-keras) differs on one case: it reads `keras.Input(shape=28)` as `(28,)`, so that
case is reported only when the target is Keras 3. It rejects the others too, with other words
("Dimension value must be integer or None", "'int' object is not iterable", "Dimension -1
must be >= 0").
"""
    why_is_this_bad = """
Keras raises before the model exists: `Cannot convert '28' to a shape.`, `Cannot convert
'((28, 28), 1)' to a shape. Found invalid dimension '(28, 28)'`, or `Negative dimensions are
not allowed`. A shape is a flat tuple of sizes, one per axis of a sample.
"""
    example = """
inputs = keras.Input(shape=(x_train.shape[1:], 1))
model = keras.Sequential([layers.Dense(64, input_shape=(13))])
"""
    use_instead = """
inputs = keras.Input(shape=(*x_train.shape[1:], 1))
model = keras.Sequential([keras.Input(shape=(13,)), layers.Dense(64)])
"""
    VALID = (
        """
import keras
from keras import layers
a = keras.Input(shape=(28, 28, 1))
b = keras.Input(shape=[784])
c = keras.Input(shape=(None, 8))
d = keras.Input(shape=(28 // 2, 3))
model = keras.Sequential([layers.Dense(4, input_shape=(13,)), layers.Dense(1)])
""",
        # The sizes are not known: nothing to say.
        """
import keras
def build(n):
    return keras.Input(shape=(n, 1))
""",
        # A layer's input_shape counts only on a Sequential model's first layer.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(8,))
outputs = layers.Dense(4, input_shape=8)(inputs)
""",
    )
    INVALID = (
        """
import keras
inputs = keras.Input(shape=28)  # error: SL111
""",
        """
import numpy as np
import keras
from keras import layers
x = np.zeros((100, 28, 28))
inputs = keras.Input(shape=(x.shape[1:], 1))  # error: SL111
""",
        """
import keras
from keras import layers
model = keras.Sequential([
    layers.Dense(64, activation="relu", input_shape=(13)),  # error: SL111  # info: SL201
    layers.Dense(1),
])
""",
        """
import keras
size = 64
inputs = keras.Input(shape=(size / 2, size / 2, 3))  # error: SL111
""",
        """
import keras
inputs = keras.Input(shape=(-1, 28))  # error: SL111
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for fact in context.facts.inputs:
            if fact.source not in ("Input", "batch_shape") or fact.shape_node is None:
                continue
            keras_input_int = fact.source == "Input" and context.keras_major < 3
            yield from self._report(context, fact.shape_value, fact.shape_node, "shape", keras_input_int)
        seen: set[int] = set()
        for model in context.facts.models:
            if model.kind != "sequential" or not model.layers or id(model.layers[0]) in seen:
                continue
            if not isinstance(model.layers[0], LayerValue):
                continue  # a nested model first: its own inputs are checked where declared
            seen.add(id(model.layers[0]))
            yield from self._first_layer(context, model.layers[0])

    def _first_layer(self, context: RuleContext, layer: LayerValue) -> Iterator[Diagnostic]:
        args = layer.args
        if args is None:
            return
        keywords = (
            ("shape", "input_shape", "batch_shape") if layer.kind == "keras.layers.InputLayer" else _LAYER_KEYWORDS
        )
        for keyword in keywords:
            value = layer.config.get(keyword)
            position = 0 if layer.kind == "keras.layers.InputLayer" and keyword in ("shape", "input_shape") else None
            node = args.node_of(position, keyword)
            if value is None or node is None:
                continue
            # Keras 2's InputLayer(input_shape=28) reads 28 as (28,), like its Input(shape=28).
            lenient = context.keras_major < 3 and layer.kind == "keras.layers.InputLayer"
            yield from self._report(context, value, node, keyword, lenient)

    def _report(
        self, context: RuleContext, value: Value, node: NodeRef, keyword: str, int_allowed: bool
    ) -> Iterator[Diagnostic]:
        problem = shape_problem(value)
        if problem is None or (problem.kind == "int" and int_allowed):
            return
        written = _unparenthesized(context, node)
        raises = (
            f"Keras raises \"Cannot convert '{_python_repr(value)}' to a shape\""
            if context.keras_major >= 3
            else "Keras 2 raises while it builds the input"
        )
        message = (
            f"{keyword}={written} is not a shape: {problem.reason}. {raises}; a shape is a flat tuple of sizes, "
            "one per axis of a sample" + (f", e.g. {keyword}=({written},)." if problem.kind == "int" else ".")
        )
        diagnostic = context.diagnostic(self, node, message, [_fix(context, value, node, problem)])
        if diagnostic is not None:
            yield diagnostic


def shape_problem(value: Value) -> ShapeProblem | None:
    """Why Keras 3's `standardize_shape` rejects `value`, or None (valid, or not known)."""
    if isinstance(value, Const):
        if isinstance(value.value, bool):
            return None
        if isinstance(value.value, int):
            return ShapeProblem(f"{value.value} is a number, not a tuple", "int")
        if isinstance(value.value, float):
            return ShapeProblem(f"{value.value} is a number, not a tuple", "float")
        return None
    if not isinstance(value, Seq):
        return None
    for index, item in enumerate(value.items):
        if isinstance(item, Seq):
            return ShapeProblem(f"its item {_python_repr(item)} is itself a tuple", "nested", index)
        if isinstance(item, Const) and isinstance(item.value, float):
            return ShapeProblem(f"the size {item.value!r} is a float", "float", index)
        if isinstance(item, Const) and isinstance(item.value, int) and not isinstance(item.value, bool):
            if item.value < 0:
                return ShapeProblem(f"the size {item.value} is negative", "negative", index)
    return None


def _python_repr(value: Value) -> str:
    if isinstance(value, Const):
        return repr(value.value)
    if isinstance(value, Seq):
        inner = ", ".join(_python_repr(item) for item in value.items)
        if value.kind == "list":
            return f"[{inner}]"
        return f"({inner},)" if len(value.items) == 1 else f"({inner})"
    return "?" if value is UNKNOWN else value.describe()


def _unparenthesized(context: RuleContext, node: NodeRef) -> str:
    """The argument's code without the parentheses around it (`(13)` is 13)."""
    code = context.code(node).strip()
    if isinstance(node.node, (cst.Tuple, cst.List)):
        return code  # a tuple's parentheses are its own
    for _ in getattr(node.node, "lpar", ()) or ():
        if code.startswith("(") and code.endswith(")"):
            code = code[1:-1].strip()
    return code


def _fix(context: RuleContext, value: Value, node: NodeRef, problem: ShapeProblem) -> Fix | None:
    """A fix that keeps the sizes the user wrote; none for a negative size (its intent is unknown)."""
    if problem.kind == "int":
        new = f"({_unparenthesized(context, node)},)"
        return context.fix(f"Make it a tuple: {new}", context.replace(node, new))
    literal = node.node
    if not isinstance(literal, (cst.Tuple, cst.List)) or not isinstance(value, Seq):
        return None
    if len(literal.elements) != len(value.items) or any(isinstance(e, cst.StarredElement) for e in literal.elements):
        return None
    items: list[str] = []
    for element, item in zip(literal.elements, value.items):
        ref = NodeRef(node.chunk, element.value)
        code = context.code(ref)
        if isinstance(item, Seq):
            inner = element.value
            if isinstance(inner, (cst.Tuple, cst.List)) and not any(
                isinstance(e, cst.StarredElement) for e in inner.elements
            ):
                items.extend(context.code(NodeRef(node.chunk, e.value)) for e in inner.elements)
            else:
                items.append(f"*{code}")  # x.shape[1:] inside the tuple: unpack it
        elif isinstance(item, Const) and isinstance(item.value, float):
            number = _integral_code(element.value, code, item.value)
            if number is None:
                return None
            items.append(number)
        elif isinstance(item, Const) and isinstance(item.value, int) and item.value < 0:
            return None
        else:
            items.append(code)
    new = tuple_code(items)
    return context.fix(f"Write a flat tuple of integer sizes: {new}", context.replace(node, new))


def _integral_code(node: cst.BaseExpression, code: str, number: float) -> str | None:
    """Integer code for a float size that is a whole number: `28.0` -> `28`, `a / 2` -> `a // 2`."""
    if not number.is_integer():
        return None
    if isinstance(node, cst.Float):
        return str(int(number))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Divide) and code.count(" / ") == 1:
        return code.replace(" / ", " // ")
    return None
