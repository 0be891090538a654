"""SL112 weight-shape-mismatch: arrays given as a layer's weights that do not have its weights' shapes."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic
from shapelint.facts import LayerCallFact, LayerValue
from shapelint.rules.base import Rule, RuleContext
from shapelint.shapes import Shape, format_shape
from shapelint.source import NodeRef
from shapelint.values import UNKNOWN, ArrayValue, Const, Seq, Value, const_int


class WeightShapeMismatch(Rule):
    code = "SL112"
    name = "weight-shape-mismatch"
    summary = "Arrays given as a layer's weights do not have the shapes of its weights."
    what_it_does = """
Compares the arrays given to `Embedding(..., weights=[matrix])` and to `layer.set_weights([...])`
(on `Dense` and `Embedding` layers) with the weights the layer has: an `Embedding(input_dim,
output_dim)` has one `(input_dim, output_dim)` matrix; a `Dense(units)` on inputs of `n` features
has a kernel `(n, units)` and, unless `use_bias=False`, a bias `(units,)`. It reports a wrong
count and a wrong shape. Keras 2 (tf-keras) also takes `weights=` on `Dense`, which is checked
the same way for a Keras 2 target (Keras 3 accepts `weights=` only on `Embedding`).
"""
    why_is_this_bad = """
Keras raises `Layer embedding weight shape (10000, 100) is not compatible with provided weight
shape (10001, 100)` or `You called set_weights(weights) on layer 'dense' with a weight list of
length 1, but the layer was expecting 2 weights`. With pretrained embeddings the usual cause is
a vocabulary size off by one (index 0 is reserved for padding) or a matrix built for another
tokenizer; with copied weights, a kernel stored the other way round (`(units, inputs)`).
"""
    example = """
embedding_matrix = np.zeros((len(word_index) + 1, 100))
layers.Embedding(len(word_index), 100, weights=[embedding_matrix])
"""
    use_instead = """
embedding_matrix = np.zeros((len(word_index) + 1, 100))
layers.Embedding(len(word_index) + 1, 100, weights=[embedding_matrix])
"""
    VALID = (
        """
import numpy as np
import keras
from keras import layers
matrix = np.zeros((5000, 64))
inputs = keras.Input(shape=(40,))
x = layers.Embedding(5000, 64, weights=[matrix], trainable=False)(inputs)
dense = layers.Dense(8)
y = dense(x)
dense.set_weights([np.ones((64, 8)), np.zeros(8)])
""",
        # Shapes not known: nothing to say.
        """
import keras
from keras import layers
def load(layer, arrays):
    layer.set_weights(arrays)
dense = layers.Dense(8)
dense(keras.Input(shape=(4,)))
load(dense, [])
""",
    )
    INVALID = (
        """
import numpy as np
import keras
from keras import layers
vocabulary = 5000
matrix = np.zeros((vocabulary + 1, 64))
inputs = keras.Input(shape=(40,))
x = layers.Embedding(vocabulary, 64, weights=[matrix])(inputs)  # error: SL112
""",
        """
import numpy as np
import keras
from keras import layers
dense = layers.Dense(8)
outputs = dense(keras.Input(shape=(4,)))
dense.set_weights([np.ones((8, 4)), np.zeros(8)])  # error: SL112
""",
        """
import numpy as np
import keras
from keras import layers
dense = layers.Dense(8)
outputs = dense(keras.Input(shape=(4,)))
dense.set_weights([np.ones((4, 8))])  # error: SL112
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        for fact in context.facts.layer_calls:
            layer = fact.layer
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            given = layer.config.get("weights")
            if given is None or layer.args is None:
                continue
            if layer.kind != "keras.layers.Embedding" and not (
                context.keras_major < 3 and layer.kind == "keras.layers.Dense"
            ):
                continue
            node = layer.args.node_of(None, "weights")
            found = self._compare(context, layer, fact, given, node, "weights=")
            if found is not None:
                yield found
        for call, chunk in _set_weights_calls(context):
            receiver = _value(context, chunk, call.func.value) if isinstance(call.func, cst.Attribute) else None
            if not isinstance(receiver, LayerValue) or not receiver.calls or len(call.args) != 1:
                continue
            if _line(context, receiver.calls[0].call) > _line(context, NodeRef(chunk, call)):
                continue  # not built yet where the weights are set
            argument = call.args[0].value
            given = _value(context, chunk, argument)
            if not isinstance(given, Seq) and isinstance(argument, (cst.List, cst.Tuple)):
                given = Seq(tuple(_value(context, chunk, element.value) or UNKNOWN for element in argument.elements))
            found = self._compare(context, receiver, receiver.calls[0], given, NodeRef(chunk, call), "set_weights")
            if found is not None:
                yield found

    def _compare(
        self,
        context: RuleContext,
        layer: LayerValue,
        fact: LayerCallFact,
        given: Value | None,
        node: NodeRef | None,
        how: str,
    ) -> Diagnostic | None:
        expected = layer_weight_shapes(layer, fact)
        if expected is None or not isinstance(given, Seq):
            return None
        arrays = [item if isinstance(item, ArrayValue) else None for item in given.items]
        name = layer.short_name
        if len(arrays) != len(expected):
            if any(a is None for a in arrays):
                return None
            message = (
                f"{name} has {len(expected)} weight{'s' if len(expected) != 1 else ''} "
                f"({', '.join(format_shape(s) for s in expected)}) but {how} gives {len(arrays)} "
                f'array{"s" if len(arrays) != 1 else ""}: Keras raises "expecting {len(expected)} weights".'
            )
            return context.diagnostic(self, node, message)
        for index, (array, shape) in enumerate(zip(arrays, expected)):
            if array is None or not array.shape.fully_known or array.shape == shape:
                continue
            which = ("embeddings", "kernel", "bias")[0 if layer.kind == "keras.layers.Embedding" else 1 + index]
            hint = ""
            fix = None
            if array.shape.dims is not None and tuple(reversed(array.shape.dims)) == shape.dims:
                hint = " The array is transposed: " + (f"give {array.name}.T." if array.name else "transpose it (.T).")
                element = _element(node, index)
                if element is not None:
                    new = f"{context.code(element)}.T"
                    # Unsafe: right for weights stored (outputs, inputs) as PyTorch does; the values are not seen.
                    fix = context.fix(f"Transpose the {which}: {new}", context.replace(element, new), safe=False)
            elif layer.kind == "keras.layers.Embedding" and shape.dims and array.shape.dims:
                hint = (
                    f" Give the layer input_dim={array.shape.dims[0]} (the matrix's row count; with a tokenizer's "
                    "word_index that is len(word_index) + 1)."
                )
                given_dim = layer.args.node_of(0, "input_dim") if layer.args is not None else None
                if (
                    array.name
                    and how == "weights="
                    and given_dim is not None
                    and shape.dims[1:] == array.shape.dims[1:]
                ):
                    new = f"{array.name}.shape[0]"
                    fix = context.fix(f"Size the vocabulary by the matrix: {new}", context.replace(given_dim, new))
            message = (
                f"{name}'s {which} has shape {format_shape(shape)} but {how} gives "
                f'{_called(array)}of shape {format_shape(array.shape)}: Keras raises "weight shape '
                f'{format_shape(shape)} is not compatible with provided weight shape {format_shape(array.shape)}".'
                + hint
            )
            return context.diagnostic(self, node, message, [fix])
        return None


def layer_weight_shapes(layer: LayerValue, fact: LayerCallFact) -> tuple[Shape, ...] | None:
    """The shapes of a built Dense or Embedding layer's weights, in `get_weights()` order; None when unknown."""
    config = layer.config
    if layer.kind == "keras.layers.Embedding":
        rows, width = const_int(config.get("input_dim", Const(None))), const_int(config.get("output_dim", Const(None)))
        return (Shape((rows, width)),) if rows is not None and width is not None else None
    if layer.kind == "keras.layers.Dense":
        units = const_int(config.get("units", Const(None)))
        if units is None or not fact.input_shapes or not fact.input_shapes[0].dims:
            return None
        features = fact.input_shapes[0].dims[-1]
        use_bias = config.get("use_bias", Const(True))
        if not isinstance(features, int) or not isinstance(use_bias, Const) or not isinstance(use_bias.value, bool):
            return None
        kernel = Shape((features, units))
        return (kernel, Shape((units,))) if use_bias.value else (kernel,)
    return None


def _element(ref: NodeRef | None, index: int) -> NodeRef | None:
    """The `index`-th element of a list written in `ref` (`[w, b]`, or `set_weights([w, b])`)."""
    if ref is None:
        return None
    node = ref.node
    if isinstance(node, cst.Call) and len(node.args) == 1:
        node = node.args[0].value
    if not isinstance(node, (cst.List, cst.Tuple)) or index >= len(node.elements):
        return None
    element = node.elements[index]
    return None if isinstance(element, cst.StarredElement) else NodeRef(ref.chunk, element.value)


def _called(array: ArrayValue) -> str:
    return f"`{array.name}` " if array.name else "an array "


def _value(context: RuleContext, chunk: int, node: cst.CSTNode) -> Value | None:
    value = context.facts.node_values.get(chunk, node)
    return value if not isinstance(value, LayerCallFact) else None


def _line(context: RuleContext, ref: NodeRef | None) -> int:
    span = context.range(ref)
    return span.start.line if span is not None else 1 << 30


class _SetWeightsFinder(cst.CSTVisitor):
    """Collects the `<name>.set_weights(...)` calls of a tree (one class for the process: a class
    made per call would be a heap of cyclic garbage for every analysis)."""

    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "set_weights":
            self.calls.append(node)


def _set_weights_calls(context: RuleContext) -> Iterator[tuple[cst.Call, int]]:
    """Every `<name>.set_weights(...)` call of the analysed chunks, with its chunk."""
    mentioning = context.program.chunks_mentioning("set_weights")
    analysed = {chunk.index for chunk in context.chunks} if mentioning else set()
    for chunk in mentioning:
        if chunk.module is None or chunk.index not in analysed:
            continue
        finder = _SetWeightsFinder()
        chunk.module.visit(finder)
        for call in finder.calls:
            yield call, chunk.index
