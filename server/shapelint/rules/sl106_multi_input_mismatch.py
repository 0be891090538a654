"""SL106 multi-input-mismatch: a multi-input model given the wrong number, or order, of arrays."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import FeedFact, ModelValue
from shapelint.rules.base import Rule, RuleContext, fitting_order, tuple_code
from shapelint.shapes import format_shape
from shapelint.source import NodeRef
from shapelint.values import ArrayValue, DictValue, Seq


class MultiInputMismatch(Rule):
    code = "SL106"
    name = "multi-input-mismatch"
    summary = "A model with several inputs is given the wrong number of arrays, or arrays in the wrong order."
    what_it_does = """
For models with several inputs, checks that `fit`/`evaluate`/`predict` get one array per input,
in the order of `Model(inputs=[...])` (or a dict keyed by the inputs' names), and says which
order would fit when the arrays are merely swapped.
"""
    why_is_this_bad = """
Keras raises `Layer "model" expects 2 input(s), but it received 1 input tensors`, or, when the
order is wrong, an incompatible-shape error deep inside a layer that names neither array.
"""
    example = """
model = keras.Model(inputs=[demographics_input, review_input], outputs=output)  # (5,), (200,)
model.fit([review_ratings, demographics], y)                                    # swapped
"""
    use_instead = """
model.fit([demographics, review_ratings], y)
# or, by name: model.fit({"demographics": demographics, "reviews": review_ratings}, y)
"""
    VALID = (
        """
import numpy as np
import keras
a = np.random.rand(100, 5)
b = np.random.rand(100, 200)
ia = keras.Input(shape=(5,))
ib = keras.Input(shape=(200,))
out = keras.layers.Dense(1)(keras.layers.concatenate([ia, ib]))
model = keras.Model(inputs=[ia, ib], outputs=out)
model.compile(loss="mse")
model.fit([a, b], np.zeros((100, 1)))
""",
        """
import numpy as np
import keras
a = np.random.rand(100, 5)
b = np.random.rand(100, 200)
ia = keras.Input(shape=(5,), name="a")
ib = keras.Input(shape=(200,), name="b")
model = keras.Model(inputs=[ia, ib], outputs=keras.layers.Dense(1)(keras.layers.concatenate([ia, ib])))
model.fit({"b": b, "a": a}, np.zeros((100, 1)))
""",
    )
    INVALID = (
        """
import numpy as np
import keras
demographics = np.random.rand(1000, 5)
review_ratings = np.random.rand(1000, 200)
demographics_input = keras.Input(shape=(5,))
review_input = keras.Input(shape=(200,))
merged = keras.layers.concatenate([keras.layers.Dense(16)(demographics_input), keras.layers.Dense(64)(review_input)])
model = keras.Model(inputs=[demographics_input, review_input], outputs=keras.layers.Dense(1)(merged))
model.compile(loss="binary_crossentropy")
model.fit([review_ratings, demographics], np.zeros((1000, 1)))  # error: SL106
""",
        """
import numpy as np
import keras
left = np.random.rand(100, 8)
ia = keras.Input(shape=(8,))
ib = keras.Input(shape=(8,))
model = keras.Model([ia, ib], keras.layers.Dense(1)(keras.layers.subtract([ia, ib])))
model.predict(left)  # error: SL106
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for feed in context.facts.feeds:
            model = feed.model
            if len(model.inputs) < 2:
                continue
            diagnostic = self._check_feed(context, feed, model)
            if diagnostic is not None:
                yield diagnostic

    def _check_feed(self, context: RuleContext, feed: FeedFact, model: ModelValue) -> Diagnostic | None:
        declared = [fact.per_sample for fact in model.input_facts]
        expected = ", ".join(format_shape(shape) for shape in declared)
        count = len(declared)
        where = feed.x_node or feed.call
        x = feed.x
        if isinstance(x, ArrayValue):
            message = (
                f"The model has {count} inputs (samples of shapes {expected}) but {feed.label} gets one array "
                f"of shape {format_shape(x.shape)}. Pass a list with one array per input, in the order of "
                "Model(inputs=[...])."
            )
            return context.diagnostic(self, where, message)
        if isinstance(x, Seq):
            if len(x.items) != count:
                message = (
                    f"The model has {count} inputs (samples of shapes {expected}) but {feed.label} gets "
                    f"{len(x.items)} arrays. Pass exactly one array per input, in the order of Model(inputs=[...])."
                )
                return context.diagnostic(self, where, message)
            arrays = [item for item in x.items if isinstance(item, ArrayValue)]
            if len(arrays) != count:
                return None
            order = fitting_order(arrays, declared, context.keras_major)
            if order is None:
                return None
            given = ", ".join(format_shape(a.shape) for a in arrays)
            wanted = ", ".join(_name(arrays[i], i) for i in order)
            message = (
                f"{feed.label} gets arrays of shapes {given} for inputs expecting samples of shapes {expected}: "
                f"they are in the wrong order. Pass [{wanted}]."
            )
            return context.diagnostic(self, where, message, [self._reorder_fix(context, feed.x_node, order)])
        if isinstance(x, DictValue):
            names = [name for name in model.input_names if name]
            keys = [k.value for k in x.keys if hasattr(k, "value")]
            if len(names) != count or not all(isinstance(k, str) for k in keys):
                return None
            unknown = [k for k in keys if k not in names]
            missing = [n for n in names if n not in keys]
            if not unknown and not missing:
                return None
            message = (
                f"{feed.label} gets a dict with keys {sorted(keys)} but the model's inputs are named {names}: "
                f"{'no input is named ' + ', '.join(map(repr, unknown)) if unknown else ''}"
                f"{'; ' if unknown and missing else ''}"
                f"{'nothing is given for ' + ', '.join(map(repr, missing)) if missing else ''}."
            )
            return context.diagnostic(self, where, message)
        return None

    def _reorder_fix(self, context: RuleContext, node: NodeRef | None, order: tuple[int, ...]) -> Fix | None:
        if node is None or not isinstance(node.node, (cst.List, cst.Tuple)):
            return None
        elements = [context.code(NodeRef(node.chunk, e.value)) for e in node.node.elements]
        reordered = [elements[i] for i in order]
        new = f"[{', '.join(reordered)}]" if isinstance(node.node, cst.List) else tuple_code(reordered)
        return context.fix(f"Reorder the inputs: {new}", context.replace(node, new))


def _name(array: ArrayValue, index: int) -> str:
    return array.name or f"array {index + 1}"
