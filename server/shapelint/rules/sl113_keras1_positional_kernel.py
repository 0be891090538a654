"""SL113 keras1-positional-kernel: `Convolution2D(32, 3, 3)` written for Keras 1 reads the second 3 as strides."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic, Range, Severity, TextEdit
from shapelint.facts import LayerCallFact, LayerValue
from shapelint.rules.base import Rule, RuleContext
from shapelint.shapes import format_shape
from shapelint.source import NodeRef
from shapelint.values import TensorValue, const_int

# Keras 1 names whose Keras 1 signature was (nb_filter, nb_row, nb_col[, nb_dim3]).
_KERAS1_NAMES = {"Convolution2D": 2, "Convolution3D": 3}


class Keras1PositionalKernel(Rule):
    code = "SL113"
    name = "keras1-positional-kernel"
    summary = "A Keras 1 style `Convolution2D(32, 3, 3)`: Keras 2 and 3 read the second 3 as the strides."
    severity = Severity.WARNING
    what_it_does = """
Reports `Convolution2D(filters, rows, cols)` (and `Convolution3D` with three sizes) written the
Keras 1 way, with the kernel's sizes as separate positional arguments. Since Keras 2 the
signature is `Conv2D(filters, kernel_size, strides, padding, ...)`, so the layer gets a square
kernel of the first size and a stride of the second: it divides the height and width by that
stride. The finding is on the layer where the shrinking starts, with the shape it outputs.
"""
    why_is_this_bad = """
Nothing raises at that layer: the model is smaller than meant, and a later layer fails with
`Negative dimension size`, or a `Dense` after `Flatten` gets other sizes than the code from the
Keras 1 tutorial expects. Both Keras 2 (tf-keras) and Keras 3 read the arguments this way.
"""
    example = """
model.add(Convolution2D(32, 3, 3, input_shape=(28, 28, 1)))   # strides=3: (None, 9, 9, 32)
"""
    use_instead = """
model.add(Convolution2D(32, (3, 3), input_shape=(28, 28, 1)))  # (None, 26, 26, 32)
"""
    VALID = (
        """
import keras
from keras.layers import Convolution2D, Conv2D
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    Convolution2D(32, (3, 3), activation="relu"),
    Conv2D(32, 3, 2, padding="same"),
])
""",
    )
    INVALID = (
        """
import keras
from keras.layers import Convolution2D, MaxPooling2D, Flatten, Dense
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    Convolution2D(32, 3, 3, activation="relu"),  # warning: SL113
    MaxPooling2D(pool_size=(2, 2)),
    Flatten(),
    Dense(10, activation="softmax"),
])
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        # Layers after a failing one in a Sequential are never applied: they are found in the model.
        layers = [fact.layer for fact in context.facts.layer_calls] + [
            layer for model in context.facts.models for layer in model.layers if isinstance(layer, LayerValue)
        ]
        calls: dict[int, LayerCallFact] | None = None  # made for the first finding
        for layer in layers:
            if id(layer) in seen or layer.node is None or layer.args is None:
                continue
            seen.add(id(layer))
            call = layer.node.node
            if not isinstance(call, cst.Call) or layer.args.has_star:
                continue
            if _last_name(call.func) not in _KERAS1_NAMES:
                continue  # the written name is computed only where it can be a Keras 1 name
            written = context.code(NodeRef(layer.node.chunk, call.func)).rsplit(".", 1)[-1]
            rank = _KERAS1_NAMES.get(written)
            positional = [arg for arg in call.args if arg.keyword is None]
            if rank is None or len(positional) != rank + 1 or len(call.args) < rank + 1:
                continue
            sizes = [const_int(value) for value in layer.args.args[1 : rank + 1]]
            if any(size is None or size < 1 for size in sizes) or sizes[1] == 1:
                continue
            if calls is None:
                calls = {id(fact.layer): fact for fact in context.facts.layer_calls}
            diagnostic = self._report(context, layer, calls.get(id(layer)), written, positional, sizes)
            if diagnostic is not None:
                yield diagnostic

    def _report(
        self,
        context: RuleContext,
        layer: LayerValue,
        fact: LayerCallFact | None,
        written: str,
        positional: list[cst.Arg],
        sizes: list[int | None],
    ) -> Diagnostic | None:
        assert layer.node is not None
        chunk = layer.node.chunk
        first = context.range(NodeRef(chunk, positional[1].value))
        last = context.range(NodeRef(chunk, positional[-1].value))
        if first is None or last is None:
            return None
        kernel = f"({', '.join(str(size) for size in sizes)})"
        output = ""
        if (
            fact is not None
            and isinstance(fact.output, TensorValue)
            and fact.output.shape.dims is not None
            and fact.input_shapes
        ):
            output = f": it outputs {format_shape(fact.output.shape)} from {format_shape(fact.input_shapes[0])}"
        filters = context.code(NodeRef(chunk, positional[0].value))
        message = (
            f"{written}({filters}, {', '.join(str(size) for size in sizes)}) is Keras 1 style: Keras 2 and 3 read "
            f"it as kernel_size={sizes[0]}, strides={sizes[1]}{output}. For a {kernel} kernel write "
            f"kernel_size={kernel}."
        )
        # Unsafe: the stride goes back to 1, so every later size (and Dense's weights) changes.
        fix = context.fix(f"Use kernel_size={kernel}", TextEdit(Range(first.start, last.end), kernel), safe=False)
        return context.diagnostic(self, layer.node, message, [fix])


def _last_name(func: cst.BaseExpression) -> str | None:
    """The name a callee's code ends with (`Convolution2D` in `layers.Convolution2D`), read off the tree.

    Code that ends with `.Convolution2D` or is `Convolution2D` is a Name or an Attribute of that name.
    """
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None
