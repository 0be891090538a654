"""SL201 input-shape-argument: `input_shape=` on a layer, which Keras 3 deprecates for `keras.Input`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix, Position, Range, Severity, TextEdit, code_in_message
from shapelint.facts import InputFact
from shapelint.rules.base import Rule, RuleContext
from shapelint.source import NodeRef
from shapelint.syntax import dotted_name, simple_statement_lines
from shapelint.values import RefValue, const_int

_SOURCES = ("input_shape", "input_dim", "batch_input_shape")


class InputShapeArgument(Rule):
    code = "SL201"
    name = "input-shape-argument"
    summary = "`input_shape=` on a layer is deprecated in Keras 3: start the model with `keras.Input`."
    severity = Severity.INFORMATION
    what_it_does = """
Reports `input_shape=`, `input_dim=` and `batch_input_shape=` on the first layer of a
`Sequential` model when the target is Keras 3, and offers to move the shape into a
`keras.Input(shape=...)` placed first.
"""
    why_is_this_bad = """
Keras 3 warns "Do not pass an `input_shape`/`input_dim` argument to a layer. When using
Sequential models, prefer using an `Input(shape)` object as the first layer in the model
instead." `batch_input_shape=` is no longer accepted at all: Keras 3 raises "Unrecognized
keyword arguments passed to Dense". An explicit `keras.Input` also makes the sample shape
easy to find and compare with the data.
"""
    example = """
model = keras.Sequential([
    layers.Dense(64, activation="relu", input_shape=(20,)),
    layers.Dense(1),
])
"""
    use_instead = """
model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Dense(64, activation="relu"),
    layers.Dense(1),
])
"""
    VALID = (
        """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(20,)), layers.Dense(1)])
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(20,))
model = keras.Model(inputs, layers.Dense(1)(inputs))
""",
    )
    INVALID = (
        """
import keras
from keras import layers
model = keras.Sequential([
    layers.Dense(64, activation="relu", input_shape=(20,)),  # info: SL201
    layers.Dense(1),
])
""",
        """
import tensorflow as tf
model = tf.keras.models.Sequential()
model.add(tf.keras.layers.Dense(8, input_dim=4, activation="relu"))  # info: SL201
model.add(tf.keras.layers.Dense(1))
""",
        """
from tensorflow import keras
from tensorflow.keras.layers import Conv2D, Flatten
model = keras.Sequential([Conv2D(8, 3, input_shape=(28, 28, 1)), Flatten()])  # info: SL201
""",
        """
import keras
model = keras.Sequential()
model.add(keras.layers.LSTM(8, batch_input_shape=(32, 10, 3)))  # error: SL201
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        if context.keras_major < 3:
            return
        input_code: str | None = None  # how the file spells keras.Input, found at the first finding
        spelled = False
        for fact in context.facts.inputs:
            if fact.source not in _SOURCES or fact.call is None or fact.shape_node is None:
                continue
            if not spelled:
                input_code, spelled = self._input_code(context), True
            declaration = _declaration(fact, input_code or "keras.Input")
            declared = code_in_message(declaration)
            if fact.source == "batch_input_shape":
                message = (
                    f'Keras 3 does not accept `batch_input_shape=` on a layer (it raises "Unrecognized '
                    f'keyword arguments"). Start the model with {declared} instead.'
                )
            else:
                message = (
                    f'`{fact.source}=` on a layer is deprecated in Keras 3 (it warns "Do not pass an '
                    f'`input_shape`/`input_dim` argument to a layer"). Start the model with {declared} '
                    f"instead."
                )
            fix = self._fix(context, fact, declaration) if input_code else None
            diagnostic = context.diagnostic(self, fact.shape_node, message, [fix])
            if diagnostic is None:
                continue
            if fact.source == "batch_input_shape":
                diagnostic = replace(diagnostic, severity=Severity.ERROR)
            yield diagnostic

    def _input_code(self, context: RuleContext) -> str | None:
        """How this file spells keras.Input: its own alias for Input, keras, or keras.layers."""
        best: dict[str, str] = {}
        for (chunk, _), (node, value) in context.facts.node_values.items():
            if not isinstance(value, RefValue) or value.name not in ("keras.Input", "keras", "keras.layers"):
                continue
            if not isinstance(node, (cst.Name, cst.Attribute)):
                continue
            code = dotted_name(node) or context.code(NodeRef(chunk, node))
            if value.name != "keras.Input":
                code += ".Input"
            if value.name not in best or len(code) < len(best[value.name]):
                best[value.name] = code
        for name in ("keras.Input", "keras", "keras.layers"):
            if name in best:
                return best[name]
        # Not used in this part of the program (statement_groups.py): how the imports spell it.
        return context.facts.spelling("keras.Input")

    def _fix(self, context: RuleContext, fact: InputFact, declared: str) -> Fix | None:
        """The edits when the layer is the first of a `Sequential([...])` list or added by `model.add(...)`
        on a line of its own; what the tree says is checked first, code and places are made last."""
        layer_ref = fact.call
        assert layer_ref is not None and fact.shape_node is not None
        if not 0 <= layer_ref.chunk < len(context.program.chunks):
            return None  # declared in an imported module
        module = context.program.chunks[layer_ref.chunk].module
        call = layer_ref.node
        if module is None or not isinstance(call, cst.Call):
            return None
        without = _without_argument(call, fact.shape_node.node)
        if without is None:
            return None
        listed_first = any(_first_listed(model.node.node, call) for model in fact.models if model.node is not None)
        adder = None if listed_first else _add_call(module, call)
        if not listed_first and adder is None:
            return None
        span = context.range(layer_ref)
        if span is None:
            return None
        layer_code = module.code_for_node(without)
        label = f"Start the model with {declared}"
        if listed_first:
            prefix = context.program.line_text(span.start.line)[: span.start.column]
            separator = f"\n{prefix}" if not prefix.strip() else " "
            return context.fix(label, TextEdit(span, f"{declared},{separator}{layer_code}"))
        assert adder is not None
        add_span = context.range(NodeRef(layer_ref.chunk, adder))
        if add_span is None:
            return None
        prefix = context.program.line_text(add_span.start.line)[: add_span.start.column]
        if prefix.strip():
            return None
        assert isinstance(adder.func, cst.Attribute)
        receiver = module.code_for_node(adder.func.value)
        start = Position(add_span.start.line, add_span.start.column)
        return context.fix(
            label,
            TextEdit(Range(start, start), f"{receiver}.add({declared})\n{prefix}"),
            TextEdit(span, layer_code),
        )


def _declaration(fact: InputFact, input_code: str | None) -> str:
    assert fact.shape_node is not None
    node = fact.shape_node.node
    code = cst.Module([]).code_for_node(node)
    if fact.source == "input_dim" or const_int(fact.shape_value) is not None:
        # A lone number (`input_dim=13`, or `input_shape=(13)`, which is no tuple) becomes a 1-tuple.
        if isinstance(node, cst.BaseExpression) and node.lpar:
            code = cst.Module([]).code_for_node(node.with_changes(lpar=[], rpar=[]))
        return f"{input_code}(shape=({code},))"
    if fact.source == "batch_input_shape":
        return f"{input_code}(batch_shape={code})"
    return f"{input_code}(shape={code})"


def _first_listed(sequential: cst.CSTNode, call: cst.Call) -> bool:
    """Whether `call` is the first element of the list (or tuple) a `Sequential(...)` call is given."""
    if not isinstance(sequential, cst.Call) or not sequential.args:
        return False
    listed = sequential.args[0].value
    elements = listed.elements if isinstance(listed, (cst.List, cst.Tuple)) else ()
    return bool(elements) and elements[0].value is call


def _without_argument(call: cst.Call, value: cst.CSTNode) -> cst.Call | None:
    """The call with the argument whose value is `value` removed, commas kept tidy."""
    args = list(call.args)
    index = next((i for i, arg in enumerate(args) if arg.value is value and arg.keyword is not None), None)
    if index is None:
        return None
    removed = args.pop(index)
    if index == len(args) and index > 0:
        args[index - 1] = args[index - 1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def _add_call(module: cst.Module, layer_call: cst.Call) -> cst.Call | None:
    """The `model.add(<layer_call>)` statement's call that adds this layer, if it is written that way.

    Only statements are searched (a fix needs the call on a line of its own), not every node.
    """
    for line in simple_statement_lines(module.body):
        for small in line.body:
            call = small.value if isinstance(small, cst.Expr) else None
            if (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "add"
                and len(call.args) == 1
                and call.args[0].value is layer_call
            ):
                return call
    return None
