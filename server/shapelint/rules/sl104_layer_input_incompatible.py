"""SL104 layer-input-incompatible: a layer receives a rank or size it cannot take."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import LayerCallFact, LayerValue
from shapelint.knowledge.layers import LayerProblem
from shapelint.rules.base import (
    Rule,
    RuleContext,
    constructor_argument_edit,
    layer_producer,
    line_note,
    tensor_input_fact,
)
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.rules.shared_channel_axis import input_fix, is_missing_channel_axis
from shapelint.shapes import Dim, Shape, format_dims, format_shape
from shapelint.source import NodeRef
from shapelint.values import Const, TensorValue, const_int, int_tuple

# What each axis of a layer's input means, batch axis included, by layer family and rank.
_AXES = {
    ("recurrent", 1): "(batch, timesteps, features)",
    ("conv", 1): "(batch, steps, channels)",
    ("pool", 1): "(batch, steps, channels)",
    ("global-pool", 1): "(batch, steps, channels)",
    ("conv", 2): "(batch, height, width, channels)",
    ("pool", 2): "(batch, height, width, channels)",
    ("global-pool", 2): "(batch, height, width, channels)",
    ("conv", 3): "(batch, depth, height, width, channels)",
    ("pool", 3): "(batch, depth, height, width, channels)",
    ("global-pool", 3): "(batch, depth, height, width, channels)",
}
# Layers whose weights are sized by the input's channel/feature axis at the first call (Keras
# then pins that axis in the layer's input spec, so a later call with another size fails).
_WEIGHTS_FIX_INPUT_AXIS = ("dense", "conv")
# Convolutions that take exactly rank + 2 axes in Keras 2 too (its other Conv*D fold extra leading axes).
_EXACT_RANK_IN_KERAS2 = frozenset({"keras.layers.SeparableConv1D", "keras.layers.Conv1DTranspose"})
_ELEMENTWISE_VERBS = {
    "Add": "adds them",
    "Subtract": "subtracts them",
    "Multiply": "multiplies them",
    "Average": "averages them",
    "Maximum": "takes their maximum",
    "Minimum": "takes their minimum",
}


class LayerInputIncompatible(Rule):
    code = "SL104"
    name = "layer-input-incompatible"
    summary = "A layer is given a tensor whose rank or size it cannot take."
    what_it_does = """
Follows every tensor through the model and checks what each layer receives: recurrent
layers (`LSTM`, `GRU`, `SimpleRNN`) and `Conv1D` need 3-D input `(batch, steps, features)`;
`Concatenate`, `Add`, `Multiply` and the other merge layers need inputs that agree on every
axis they do not join; `Reshape` must keep the number of values per sample; a `Dense` or
convolution layer object called twice must get the same feature size both times; a
convolution must get exactly its own rank (`Conv1D` takes 3-D input, never images). Keras 2
differs on the last case: its `Conv1D`, `Conv2D` and `Conv3D` fold extra leading axes into the
batch, so with a Keras 2 target only `SeparableConv1D` and `Conv1DTranspose` are reported.
"""
    why_is_this_bad = """
Keras raises `Input 0 of layer "lstm" is incompatible with the layer: expected ndim=3,
found ndim=2` (or "requires inputs with matching shapes except for the concatenation axis")
while building the model. The common causes: stacking a second `LSTM` after one without
`return_sequences=True`, a `Flatten` before a recurrent layer, feature vectors without a
time or channel axis, and a residual `Add` whose branches have different channel counts.
"""
    example = """
x = layers.LSTM(64)(inputs)        # returns (batch, 64): the last step only
x = layers.LSTM(32)(x)             # needs (batch, timesteps, features)
"""
    use_instead = """
x = layers.LSTM(64, return_sequences=True)(inputs)   # (batch, timesteps, 64)
x = layers.LSTM(32)(x)
"""
    VALID = (
        # Dense on 3-D input applies to the last axis: fine in Keras.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(10, 8))
x = layers.Dense(16)(inputs)
x = layers.LSTM(4)(x)
""",
        # Stacked recurrent layers with return_sequences=True, through a Dropout.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(30, 5))
x = layers.LSTM(32, return_sequences=True)(inputs)
x = layers.Dropout(0.2)(x)
x = layers.GRU(16)(x)
""",
        # Concatenate on the last axis with different last sizes; Add with a size-1 axis broadcasts.
        """
import keras
from keras import layers
a = keras.Input(shape=(10, 4))
b = keras.Input(shape=(10, 7))
c = layers.Concatenate(axis=-1)([a, b])
d = layers.Add()([keras.Input(shape=(10, 1)), keras.Input(shape=(10, 8))])
""",
        # Reshape that keeps the size; Reshape with -1.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(784,))
x = layers.Reshape((28, 28, 1))(inputs)
y = layers.Reshape((-1, 4))(inputs)
""",
        # One Dense object shared by inputs of the same width (a siamese tower).
        """
import keras
from keras import layers
left = keras.Input(shape=(20,))
right = keras.Input(shape=(20,))
tower = layers.Dense(8)
merged = layers.concatenate([tower(left), tower(right)])
""",
        # LSTM on a declared 3-D input; Conv1D after an Embedding.
        """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(100,)),
    layers.Embedding(5000, 32),
    layers.Conv1D(16, 5),
    layers.LSTM(8),
])
""",
        # The Input includes the sample axis: SL101 reports the cause, not every layer after it.
        """
import numpy as np
import keras
from keras import layers
data = np.random.rand(1000, 50, 1)
inputs = keras.Input(shape=data.shape)
x = layers.LSTM(8)(inputs)
""",
    )
    INVALID = (
        # Keras 3 convolutions take exactly their rank: Conv1D on images.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(64, 64, 3))
x = layers.Conv1D(16, 3, activation="relu")(inputs)  # error: SL104
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(30, 5))
x = layers.LSTM(64)(inputs)
x = layers.LSTM(32)(x)  # error: SL104
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(30, 5))
x = layers.GRU(64)(inputs)
x = layers.Dropout(0.3)(x)
x = layers.GRU(32)(x)  # error: SL104
""",
        """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
x_train = np.random.rand(500, 13)
model = keras.Sequential([
    keras.Input(shape=(13,)),
    layers.LSTM(16),  # error: SL104
    layers.Dense(1),
])
""",
        """
import keras
from keras import layers
price = keras.Input(shape=(50, 8))
news = keras.Input(shape=(40, 8))
merged = layers.Concatenate(axis=-1)([price, news])  # error: SL104
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(64, 3, padding="same")(inputs)
x = layers.Add()([inputs, x])  # error: SL104
""",
        """
import keras
from keras import layers
generator = keras.Sequential([
    keras.Input(shape=(100,)),
    layers.Dense(7 * 7 * 64),
    layers.Reshape((7, 7, 128)),  # error: SL104
])
""",
        """
from keras import Input, layers
user = Input(shape=(20,))
item = Input(shape=(30,))
tower = layers.Dense(16)
user_vec = tower(user)
item_vec = tower(item)  # error: SL104
""",
        """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(64, 64, 1)),
    layers.Conv2D(8, 3),
    layers.LSTM(16),  # error: SL104
])
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        cascaded = frozenset(fact.id for fact, _ in inputs_with_sample_axis(context))
        for fact in context.facts.layer_calls:
            if fact.roots & cascaded:
                continue
            problem = fact.problem
            if problem is None:
                found = self._extra_conv_axes(context, fact) or self._shared_layer(context, fact, cascaded)
            elif problem.kind == "rank" and not is_missing_channel_axis(fact):
                found = self._rank(context, fact, problem)
            elif problem.kind == "merge":
                found = self._merge(context, fact, problem)
            elif problem.kind == "reshape":
                found = self._reshape(context, fact)
            elif problem.kind == "axis":
                found = context.diagnostic(self, fact.call, f"{problem.message}.")
            else:
                found = None
            if found is not None:
                yield found

    # A layer given the wrong number of axes ----------------------------------------------------

    def _rank(self, context: RuleContext, fact: LayerCallFact, problem: LayerProblem) -> Diagnostic | None:
        spec = fact.layer.spec
        if spec is None or not fact.input_shapes or problem.expected_rank is None or problem.got_rank is None:
            return None
        shape = fact.input_shapes[0]
        name = spec.short_name
        expected = problem.expected_rank
        axes = _AXES.get((spec.family, spec.spatial_rank or 1), "")
        needs = f"{'at least ' if spec.ndim is None and spec.min_ndim == expected else ''}{expected}-D input"
        head = f"{name} needs {needs}{' ' + axes if axes else ''}, but gets {problem.got_rank}-D "
        head += format_shape(shape)
        sample = shape.drop_first()
        fixes: list[Fix | None] = []
        sequence_like = spec.family == "recurrent" or (spec.spatial_rank == 1 and spec.family != "dense")
        if sequence_like and problem.got_rank == expected - 1:
            detail, fixes = self._missing_time_axis(context, fact, sample)
        elif sequence_like and problem.got_rank > expected and sample.dims is not None:
            merged = _product(sample.dims[1:])
            size = str(merged) if merged is not None else "-1"
            detail = (
                f": make it a sequence first, e.g. layers.Reshape(({sample.dims[0]}, {size})) reads axis 1 "
                f"as the time axis, or wrap the layers before it in layers.TimeDistributed for one image per "
                f"step."
            )
        elif spec.family in ("conv", "pool", "global-pool") and problem.got_rank < expected:
            detail = _image_hint(sample, expected)
        else:
            detail = "."
        # Without a declared input the data decides the shape: report where the data is given, like SL102.
        feed = fact.feed
        data_fix = feed is not None and any(
            fix is not None and fix.edits[0].range == context.range(feed.x_node) for fix in fixes
        )
        where = feed.x_node if feed is not None and data_fix else fact.call
        return context.diagnostic(self, where, head + detail, fixes)

    def _extra_conv_axes(self, context: RuleContext, fact: LayerCallFact) -> Diagnostic | None:
        """A convolution given more axes than its kernel has (Conv1D on images): Keras 3 rejects every
        such call; Keras 2 folds the extra leading axes except in the layers listed in `_EXACT_RANK_IN_KERAS2`."""
        spec = fact.layer.spec
        if spec is None or spec.family != "conv" or spec.spatial_rank is None or len(fact.input_shapes) != 1:
            return None
        if fact.layer.kind.startswith("keras.layers.ConvLSTM"):
            return None
        shape = fact.input_shapes[0]
        expected = spec.spatial_rank + 2
        if shape.rank is None or shape.rank <= expected:
            return None
        if context.keras_major < 3 and fact.layer.kind not in _EXACT_RANK_IN_KERAS2:
            return None
        axes = _AXES.get(("conv", spec.spatial_rank), "")
        hint = ""
        if spec.spatial_rank == 1 and shape.rank == 4:
            hint = " For images use Conv2D; for a sequence, merge the extra axis first (layers.Reshape)."
        elif shape.rank == expected + 1:
            hint = " To apply it to each step of a sequence, wrap it in layers.TimeDistributed."
        message = (
            f"{spec.short_name} needs exactly {expected}-D input {axes}, but gets {shape.rank}-D "
            f'{format_shape(shape)}: Keras rejects the extra axis ("Kernel shape must have the same length as '
            f'input").{hint}'
        )
        return context.diagnostic(self, fact.call, message)

    def _missing_time_axis(
        self, context: RuleContext, fact: LayerCallFact, sample: Shape
    ) -> tuple[str, list[Fix | None]]:
        """A sequence layer given flat vectors: say where the time axis was lost and how to keep it."""
        upstream = _through_same_layers(context, fact.inputs[0])
        producer = layer_producer(context, upstream) if upstream is not None else None
        size = sample[0] if sample.rank == 1 else None
        spec = producer.layer.spec if producer is not None else None
        family = spec.family if spec is not None else None
        if producer is not None and family == "recurrent":
            layer = producer.layer
            if _literal_false(layer, "return_sequences"):
                edit = constructor_argument_edit(context, layer, "return_sequences", "True")
                where = line_note(context, layer.node)
                # Unsafe: the recurrent layer then returns every step, which changes the model.
                fix = context.fix(f"Set return_sequences=True on the {layer.short_name}{where}", edit, safe=False)
                detail = (
                    f": the {layer.short_name}{line_note(context, producer.call)} returns only its last "
                    f"output. Set return_sequences=True on it to pass the whole sequence on."
                )
                return detail, [fix]
            return ".", []
        if producer is not None and family == "flatten":
            before = producer.input_shapes[0] if producer.input_shapes else None
            if before is not None and before.rank == 3:
                return (
                    f": the Flatten{line_note(context, producer.call)} turns the sequence "
                    f"{format_shape(before)} into flat vectors. Remove it.",
                    [],
                )
        if fact.feed is not None and fact.feed.x_node is not None:
            x_node = fact.feed.x_node
            new = context.expand_dims_code(context.code(x_node))
            detail = f": each sample needs one more axis. Give the data one, e.g. {new}" + (
                f", so samples are ({size}, 1)." if size is not None else "."
            )
            return detail, [context.fix(f"Add an axis to the data: {new}", context.replace(x_node, new))]
        declared = tensor_input_fact(context, fact.inputs[0]) if fact.inputs else None
        recurrent = fact.layer.spec is not None and fact.layer.spec.family == "recurrent"
        unit = "feature" if recurrent else "channel"
        if declared is not None and declared.per_sample == sample and size is not None:
            what = "input_shape" if declared.source == "input_shape" else "shape"
            data = (
                f"Keras 3 adds the size-1 axis to ({size}-wide) data by itself."
                if context.keras_major >= 3
                else f"Give the data that axis too, e.g. {context.expand_dims_code('x')}."
            )
            detail = (
                f": each sample needs a {unit} axis. Declare {what}=({size}, 1) ({size} steps of one {unit}). {data}"
            )
            fix = input_fix(context, declared)
            label = f"Add an axis of size 1: {what}=({size}, 1)"
            return detail, [replace(fix, message=label) if fix is not None else None]
        if size is None:
            return ".", []
        return (
            f": insert layers.Reshape(({size}, 1)) before it to read the {size} values as steps of one {unit}.",
            [],
        )

    # Merge layers given inputs that do not line up ---------------------------------------------

    def _merge(self, context: RuleContext, fact: LayerCallFact, problem: LayerProblem) -> Diagnostic | None:
        shapes = fact.input_shapes
        if len(shapes) < 2 or any(s.dims is None for s in shapes):
            return None
        name = fact.layer.short_name
        names = _operand_names(context, fact)
        pairs = zip(names, shapes, strict=True)
        described = [f"{n} {format_shape(s)}" if n else format_shape(s) for n, s in pairs]
        listed = ", ".join(described[:-1]) + " and " + described[-1]
        concatenate = name == "Concatenate"
        title = f"Concatenate(axis={_concat_axis(fact)})" if concatenate else name
        if len({s.rank for s in shapes}) > 1:
            detail = (
                "they have different ranks. Bring them to the same rank first: reduce the sequence "
                "(return_sequences=False, or GlobalAveragePooling1D) or repeat the vector along time "
                "(layers.RepeatVector)."
                if concatenate
                else "they have different ranks. Give them one shape first (Flatten, Reshape or pooling)."
            )
        elif problem.axis is not None:
            axis = problem.axis
            sizes = " vs ".join(str(s[axis]) for s in shapes)
            if concatenate:
                detail = (
                    f"it joins them along axis {_concat_axis_index(fact)}, so every other axis must match, "
                    f"but axis {axis} differs ({sizes})."
                )
            else:
                detail = (
                    f"it {_ELEMENTWISE_VERBS.get(name, 'combines them')} element by element, so the shapes "
                    f"must match, but axis {axis} differs ({sizes}). Make the sizes agree, e.g. with a Dense "
                    f"or 1x1 convolution projection."
                )
        else:
            detail = problem.message + "."
        return context.diagnostic(self, fact.call, f"{title} cannot combine {listed}: {detail}")

    # Reshape layers that change the number of values --------------------------------------------

    def _reshape(self, context: RuleContext, fact: LayerCallFact) -> Diagnostic | None:
        layer = fact.layer
        if not fact.input_shapes or layer.spec is None:
            return None
        sample = fact.input_shapes[0].drop_first()
        target = int_tuple(layer.config.get("target_shape", Const(None)))
        size = sample.size
        if target is None or size is None or any(d is None for d in target):
            return None
        dims = [d for d in target if d is not None]
        needed = _product(dims)
        if -1 in dims:
            rest = _product([d for d in dims if d != -1])
            message = (
                f"Reshape({format_dims(target)}) cannot take {format_shape(fact.input_shapes[0])}: the "
                f"{size:,} values of a sample are not a multiple of {_factors(dims, skip=-1)} = {rest:,}."
            )
            return context.diagnostic(self, fact.call, message)
        message = (
            f"Reshape({format_dims(target)}) needs {_factors(dims)} = {needed:,} values per sample, but its "
            f"input {format_shape(fact.input_shapes[0])} has {_size_text(sample)}"
        )
        fixes: list[Fix | None] = []
        solved = _solve_one_axis(size, dims)
        if solved is not None:
            axis, value = solved
            new_dims = [*dims[:axis], value, *dims[axis + 1 :]]
            message += f": Reshape({format_dims(new_dims)}) keeps the size."
            fixes.append(self._reshape_fix(context, layer, axis, value, new_dims))
        else:
            message += ". A reshape must keep the number of values."
        return context.diagnostic(self, fact.call, message, fixes)

    def _reshape_fix(
        self, context: RuleContext, layer: LayerValue, axis: int, value: int, new_dims: list[int]
    ) -> Fix | None:
        args = layer.args
        node = args.node_of(0, "target_shape") if args is not None else None
        if node is None or not isinstance(node.node, (cst.Tuple, cst.List)):
            return None
        elements = node.node.elements
        if axis >= len(elements) or isinstance(elements[axis], cst.StarredElement):
            return None
        element = NodeRef(node.chunk, elements[axis].value)
        # Unsafe: which axis was meant to change is a guess.
        return context.fix(f"Use Reshape({format_dims(new_dims)})", context.replace(element, str(value)), safe=False)

    # One layer object called on inputs of different sizes ---------------------------------------

    def _shared_layer(self, context: RuleContext, fact: LayerCallFact, cascaded: frozenset[int]) -> Diagnostic | None:
        layer = fact.layer
        if layer.spec is None or layer.spec.family not in _WEIGHTS_FIX_INPUT_AXIS or len(layer.calls) < 2:
            return None
        axis = _weights_axis(layer)
        if axis is None or len(fact.input_shapes) != 1:
            return None
        first = next((call for call in layer.calls if call.problem is None and call.input_shapes), None)
        if first is None or first is fact or first.roots & cascaded:
            return None
        built = _dim(first.input_shapes[0], axis)
        got = _dim(fact.input_shapes[0], axis)
        if built is None or got is None or built == got:
            return None
        what = "features" if layer.spec.family == "dense" else "channels"
        message = (
            f"This {layer.short_name} layer object was first called on {format_shape(first.input_shapes[0])}"
            f"{line_note(context, first.call)}, which sized its weights for {built} input {what}; here it "
            f"gets {format_shape(fact.input_shapes[0])} with {got} {what}. A layer object has one set of "
            f"weights: create a separate {layer.short_name} for this input, or make both inputs {built} "
            f"{what} wide."
        )
        related = [(first.call, "the first call sizes the weights")]
        return context.diagnostic(self, fact.call, message, related=related)


def _through_same_layers(context: RuleContext, value: object) -> TensorValue | None:
    """Step back over layers that keep the shape (Dropout, BatchNormalization...) to the real producer."""
    for _ in range(32):
        if not isinstance(value, TensorValue):
            return None
        producer = layer_producer(context, value)
        if producer is None or producer.layer.spec is None or producer.layer.spec.family != "same":
            return value
        if not producer.inputs:
            return None
        value = producer.inputs[0]
    return None


def _literal_false(layer: LayerValue, keyword: str) -> bool:
    value = layer.config.get(keyword)
    return value is None or value == Const(False)


def _image_hint(sample: Shape, expected: int) -> str:
    if sample.dims is None or expected != 4 or sample.rank != 1 or sample.dims[0] is None:
        return "."
    side = math.isqrt(sample.dims[0])
    if side * side == sample.dims[0]:
        return f": reshape the flat samples into images first, e.g. layers.Reshape(({side}, {side}, 1))."
    return ": reshape the flat samples into images (height, width, channels) first."


def _operand_names(context: RuleContext, fact: LayerCallFact) -> list[str | None]:
    """The source text of each merged tensor (`[p, n]` -> ["`p`", "`n`"]), when the call lists them."""
    count = len(fact.input_shapes)
    call = fact.call.node if fact.call is not None else None
    if fact.model is None and isinstance(call, cst.Call) and call.args:
        listed = call.args[0].value
        if isinstance(listed, (cst.List, cst.Tuple)) and len(listed.elements) == count:
            names: list[str | None] = []
            for element in listed.elements:
                code = context.code(NodeRef(fact.call.chunk, element.value)) if fact.call is not None else ""
                names.append(f"`{code}`" if len(code) <= 30 and "\n" not in code else None)
            return names
    return [None] * count


def _concat_axis(fact: LayerCallFact) -> int | str:
    value = const_int(fact.layer.config.get("axis", Const(-1)))
    return value if value is not None else "?"


def _concat_axis_index(fact: LayerCallFact) -> int | str:
    axis = _concat_axis(fact)
    rank = fact.input_shapes[0].rank if fact.input_shapes else None
    if isinstance(axis, int) and rank is not None and -rank <= axis < rank:
        return axis % rank
    return axis


def _weights_axis(layer: LayerValue) -> int | None:
    """The input axis whose size the layer's weights take at the first call, or None when unknown."""
    if layer.spec is not None and layer.spec.family == "dense":
        return -1
    data_format = layer.config.get("data_format")
    if data_format is None or data_format == Const(None) or data_format == Const("channels_last"):
        return -1
    if data_format == Const("channels_first"):
        return 1
    return None


def _dim(shape: Shape, axis: int) -> Dim:
    if shape.dims is None or not shape.dims or shape.rank is None or shape.rank < 2:
        return None
    return shape.dims[axis]


def _product(dims: tuple[Dim, ...] | list[int]) -> int | None:
    if any(d is None for d in dims):
        return None
    return math.prod(d for d in dims if d is not None)


def _factors(dims: tuple[Dim, ...] | list[int], skip: int | None = None) -> str:
    shown = [str(d) for d in dims if d != skip]
    return " * ".join(shown) if shown else "1"


def _size_text(shape: Shape) -> str:
    size = shape.size
    if shape.dims is None or size is None:
        return "an unknown number"
    return f"{size:,}" if len(shape.dims) == 1 else f"{_factors(shape.dims)} = {size:,}"


def _solve_one_axis(size: int, dims: list[int]) -> tuple[int, int] | None:
    """The one axis whose size can be changed so the product is `size`, when exactly one can."""
    found = []
    for axis in range(len(dims)):
        rest = math.prod(dims[:axis] + dims[axis + 1 :])
        if rest > 0 and size % rest == 0 and size // rest >= 1:
            found.append((axis, size // rest))
    return found[0] if len(found) == 1 else None
