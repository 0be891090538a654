"""SL102 missing-channel-axis: images without a channel axis fed to a Conv/Pool layer."""

from __future__ import annotations

from collections.abc import Iterator

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import InputFact, LayerCallFact
from shapelint.rules.base import Rule, RuleContext
from shapelint.rules.shared_channel_axis import data_definition_fix, input_fix, is_missing_channel_axis
from shapelint.shapes import Shape, format_shape
from shapelint.source import NodeRef


class MissingChannelAxis(Rule):
    code = "SL102"
    name = "missing-channel-axis"
    summary = "Images reach a convolution or pooling layer without a channel axis."
    what_it_does = """
Checks the rank of what reaches `Conv2D`, `Conv3D`, `MaxPooling2D` and the other
convolution and pooling layers. Grayscale images of shape `(28, 28)` have no channel
axis, but `Conv2D` needs `(height, width, channels)` per sample.
"""
    why_is_this_bad = """
Keras raises `Input 0 of layer "conv2d" is incompatible with the layer: expected min_ndim=4,
found ndim=3` when the model is built or first fed. Grayscale data must carry an explicit
channel axis of size 1.
"""
    example = """
inputs = keras.Input(shape=(28, 28))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
"""
    use_instead = """
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
# and give the data its channel axis: x_train = np.expand_dims(x_train, -1)
"""
    VALID = (
        """
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(32, 3)(inputs)
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(3, 64, 64))
x = layers.Conv2D(16, 3, data_format="channels_first")(inputs)
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(100, 8))
x = layers.Conv1D(16, 3)(inputs)
""",
    )
    INVALID = (
        """
import keras
from keras import layers
input_layer = keras.Input(shape=(64, 64))
conv = layers.Conv2D(32, (3, 3), activation="relu")(input_layer)  # error: SL102
""",
        """
import tensorflow as tf
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(32, 3, input_shape=(28, 28)),  # error: SL102
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(10),
])
""",
        """
import numpy as np
from keras.models import Sequential
from keras.layers import Conv2D, Flatten, Dense
x = np.random.rand(100, 28, 28)
y = np.random.randint(0, 10, size=(100,))
model = Sequential([Conv2D(8, 3), Flatten(), Dense(10)])
model.compile(loss="sparse_categorical_crossentropy")
model.fit(x, y)  # error: SL102
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for fact in context.facts.layer_calls:
            if not is_missing_channel_axis(fact):
                continue
            problem = fact.problem
            assert problem is not None
            spec = fact.layer.spec
            assert spec is not None
            shape = fact.input_shapes[0]
            sample = shape.drop_first()
            with_channel = format_shape(Shape((*(sample.dims or ()), 1)))
            if fact.feed is not None:
                source = "the data" if not getattr(fact.feed.x, "name", None) else f"`{fact.feed.x.name}`"
                message = (
                    f"{spec.short_name} needs {problem.expected_rank}-D input (batch, spatial axes, channels) but "
                    f"{source} gives samples of shape {format_shape(sample)}: the channel axis is missing. Add one, "
                    f"e.g. {context.expand_dims_code('x')}, so samples are {with_channel}."
                )
            else:
                message = (
                    f"{spec.short_name} needs {problem.expected_rank}-D input (batch, spatial axes, channels), got "
                    f"{format_shape(shape)}: the channel axis is missing. For grayscale images declare shape="
                    f"{with_channel} and give the data a channel axis of size 1."
                )
            yield from _diagnostic(context, self, fact, message)


def _diagnostic(context: RuleContext, rule: Rule, fact: LayerCallFact, message: str) -> Iterator[Diagnostic]:
    fixes: list[Fix | None] = []
    related: list[tuple[NodeRef | None, str]] = []
    if fact.feed is not None:
        x_node = fact.feed.x_node
        if x_node is not None:
            code = context.code(x_node)
            new = context.expand_dims_code(code)
            fixes.append(context.fix(f"Add a channel axis: {new}", context.replace(x_node, new)))
    else:
        input_fact = _root_input(context, fact)
        if input_fact is not None:
            fixes.append(input_fix(context, input_fact))
            fixes.append(data_definition_fix(context, input_fact))
            related.append((input_fact.call, "the input without a channel axis is declared here"))
    # Without a declared input the data decides the shape: the fix, and the report, go where it is given.
    where = fact.feed.x_node if fact.feed is not None and fact.feed.x_node is not None else fact.call
    diagnostic = context.diagnostic(rule, where, message, fixes, related=related)
    if diagnostic is not None:
        yield diagnostic


def _root_input(context: RuleContext, fact: LayerCallFact) -> InputFact | None:
    from shapelint.rules.base import tensor_input_fact

    return tensor_input_fact(context, fact.inputs[0]) if fact.inputs else None
