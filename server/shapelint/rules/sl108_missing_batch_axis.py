"""SL108 missing-batch-axis: one sample given where Keras expects a batch."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.rules.base import (
    Rule,
    RuleContext,
    array_for_input,
    input_line_note,
    keras3_adjusts,
    reads_as_batch,
)
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.shapes import format_shape, shapes_compatible
from shapelint.source import NodeRef


class MissingBatchAxis(Rule):
    code = "SL108"
    name = "missing-batch-axis"
    summary = "A single sample is passed where Keras expects a batch of samples."
    what_it_does = """
Finds `predict`, `evaluate` and model calls given ONE sample: an array whose whole shape is the
input's per-sample shape, such as `x_test[0]` or `np.array([f1, ..., f13])` for `Input(shape=(13,))`.
"""
    why_is_this_bad = """
Keras always reads the first axis as the batch axis, so a single `(28, 28)` image is taken as 28
samples of shape `(28,)` and fails with `expected shape=(None, 28, 28), found shape=(None, 28)`.
"""
    example = """
prediction = model.predict(x_test[0])
"""
    use_instead = """
prediction = model.predict(x_test[0:1])      # or np.expand_dims(x_test[0], 0)
"""
    VALID = (
        """
import numpy as np
import keras
x_test = np.random.rand(10, 13)
inputs = keras.Input(shape=(13,))
model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
model.predict(x_test[0:1])
model.predict(np.array([[1.0] * 13]))
""",
    )
    INVALID = (
        """
import numpy as np
import keras
x_test = np.random.rand(10, 28, 28)
inputs = keras.Input(shape=(28, 28))
model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
model.predict(x_test[0])  # error: SL108
""",
        """
import numpy as np
import keras
inputs = keras.Input(shape=(4,))
model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
model.predict(np.array([5.1, 3.5, 1.4, 0.2]))  # error: SL108
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        flagged = {fact.id for fact, _ in inputs_with_sample_axis(context)}
        for feed in context.facts.feeds:
            if feed.dataset is not None:
                continue
            model = feed.model
            for index, fact in enumerate(model.input_facts):
                if fact.id in flagged:
                    continue
                found = array_for_input(feed, model, index)
                if found is None or found[0].shape.dims is None or fact.per_sample.dims is None:
                    continue
                data, node = found
                one_sample = shapes_compatible(data.shape, fact.per_sample) or (
                    keras3_adjusts(data.shape, fact.per_sample)
                )
                # A shape Keras can read as a batch (even of one) is not one sample.
                if not one_sample or not data.shape.dims or reads_as_batch(data.shape, fact.per_sample):
                    continue
                name = f"`{data.name}`" if data.name else "x"
                message = (
                    f"{feed.label} gets {name} of shape {format_shape(data.shape)}, the shape of ONE sample "
                    f"for the input {format_shape(fact.per_sample)}{input_line_note(context, fact)}. Keras reads "
                    f"the first axis as the batch axis; give it a batch of one: shape "
                    f"{format_shape(data.shape.with_batch(1))}."
                )
                diagnostic = context.diagnostic(
                    self,
                    node or feed.call,
                    message,
                    [_fix(context, node)],
                    related=[(fact.call, "the model input is declared here")],
                )
                if diagnostic is not None:
                    yield diagnostic


def _fix(context: RuleContext, node: NodeRef | None) -> Fix | None:
    if node is None:
        return None
    expression = node.node
    # x[3] -> x[3:4] keeps the batch axis.
    if isinstance(expression, cst.Subscript) and len(expression.slice) == 1:
        index = expression.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer):
            number = int(index.value.value)
            value_code = context.code(NodeRef(node.chunk, expression.value))
            new = f"{value_code}[{number}:{number + 1}]" if number != -1 else f"{value_code}[-1:]"
            return context.fix(f"Keep the batch axis: {new}", context.replace(node, new))
    # np.array([a, b, c]) -> np.array([[a, b, c]])
    if (
        isinstance(expression, cst.Call)
        and expression.args
        and isinstance(expression.args[0].value, cst.List)
    ):
        inner = NodeRef(node.chunk, expression.args[0].value)
        code = context.code(inner)
        return context.fix("Wrap the sample in a batch of one", context.replace(inner, f"[{code}]"))
    new = context.expand_dims_code(context.code(node), 0)
    return context.fix(f"Add the batch axis: {new}", context.replace(node, new))
