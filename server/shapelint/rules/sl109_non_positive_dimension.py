"""SL109 non-positive-dimension: a convolution/pooling stack shrinks a spatial axis to zero or below."""

from __future__ import annotations

import re
from collections.abc import Iterator

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import InputFact, LayerCallFact
from shapelint.rules.base import (
    Rule,
    RuleContext,
    constructor_argument_edit,
    line_note,
)
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.values import Const, TensorValue

_AXIS_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}
_CAUSE = re.compile(r": (?P<cause>(?:kernel|pool size) .*?)\. Output would be (?P<output>\(.*\))$")


class NonPositiveDimension(Rule):
    code = "SL109"
    name = "non-positive-dimension"
    summary = "Convolution and pooling layers shrink a spatial axis to zero or below."
    what_it_does = """
Follows the height, width (or length) of the data through every `Conv*D` and `*Pooling*D`
layer and reports the layer that makes an axis zero or negative: each `padding="valid"`
convolution takes `kernel_size - 1` away, each pooling layer divides by its pool size.
It names the earlier layers that used up the axis.
"""
    why_is_this_bad = """
Keras refuses to build the model: `Computed output size would be negative` or `One of the
dimensions in the output is <= 0`. It happens with small inputs (a 24-step series, 32x32
images) and deep stacks copied from models made for 224x224 images.
"""
    example = """
inputs = keras.Input(shape=(5, 2))                     # five steps
x = layers.Conv1D(32, kernel_size=7)(inputs)           # 5 - 7 + 1 = -1 steps
"""
    use_instead = """
inputs = keras.Input(shape=(5, 2))
x = layers.Conv1D(32, kernel_size=7, padding="same")(inputs)   # keeps 5 steps
"""
    VALID = (
        # Shrinks to exactly 1: still valid.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(8, 3)(inputs)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(8, 3)(x)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(8, 3)(x)
x = layers.MaxPooling2D(2)(x)
""",
        # padding="same" keeps the size, however deep the stack.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(8, 8, 3))
x = inputs
for filters in (16, 32, 64, 128):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)
""",
        # Unknown length: nothing to say.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(None, 4))
x = layers.Conv1D(8, 9)(inputs)
""",
    )
    INVALID = (
        """
import keras
from keras import layers
inputs = keras.Input(shape=(5, 2))
x = layers.Conv1D(32, kernel_size=7, activation="relu")(inputs)  # error: SL109
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 5)(inputs)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(64, 5)(x)
x = layers.MaxPooling2D(2)(x)
x = layers.Conv2D(128, 5)(x)
x = layers.MaxPooling2D(2)(x)  # error: SL109
""",
        """
from keras.models import Sequential
from keras.layers import Input, Conv2D, MaxPooling2D
model = Sequential()
model.add(Input(shape=(16, 16, 1)))
model.add(Conv2D(16, 3, strides=2))
model.add(Conv2D(32, 3, strides=2))
model.add(Conv2D(64, 3, strides=2))
model.add(Conv2D(128, 3, strides=2, padding="valid"))  # error: SL109
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        cascaded = frozenset(fact.id for fact, _ in inputs_with_sample_axis(context))
        for fact in context.facts.layer_calls:
            problem = fact.problem
            if problem is None or problem.kind != "nonpositive" or fact.roots & cascaded:
                continue
            if problem.axis is None or not isinstance(problem.dim_before, int) or problem.dim_after is None:
                continue
            message = self._message(context, fact, problem.axis, problem.dim_before, problem.dim_after,
                                    problem.message)
            diagnostic = context.diagnostic(self, fact.call, message, [self._fix(context, fact)])
            if diagnostic is not None:
                yield diagnostic

    def _message(self, context: RuleContext, fact: LayerCallFact, axis: int, before: int, after: int,
                 detail: str) -> str:
        name = fact.layer.short_name
        axis_name = _axis_name(fact, axis)
        found = _CAUSE.search(detail)
        cause = f" ({found.group('cause')})" if found else ""
        output = f", so its output would be {found.group('output')}" if found else ""
        named = f" ({axis_name})" if axis_name else ""
        text = f"{name} shrinks axis {axis}{named} from {before} to {after}{cause}{output}."
        history = _history(context, fact, axis)
        if history is not None:
            origin, steps = history
            if steps:
                text += f" {origin} {before} by " + ", ".join(steps) + "."
        padding = fact.layer.config.get("padding")
        if padding != Const("same"):
            text += ' Use padding="same" here, drop a pooling or strided layer, or use larger inputs.'
        else:
            text += " Drop a pooling or strided layer, or use larger inputs."
        return text

    def _fix(self, context: RuleContext, fact: LayerCallFact) -> Fix | None:
        if fact.layer.config.get("padding", Const("valid")) != Const("valid"):
            return None
        edit = constructor_argument_edit(context, fact.layer, "padding", '"same"')
        # Unsafe: padding changes the sizes every later layer sees, and so the model.
        return context.fix(f'Use padding="same" on this {fact.layer.short_name}', edit, safe=False)


def _axis_name(fact: LayerCallFact, axis: int) -> str | None:
    spec = fact.layer.spec
    if spec is None or spec.spatial_rank is None:
        return None
    channels_first = fact.layer.config.get("data_format") == Const("channels_first")
    names = _AXIS_NAMES.get(spec.spatial_rank)
    index = axis - (2 if channels_first else 1)
    return names[index] if names is not None and 0 <= index < len(names) else None


def _history(context: RuleContext, fact: LayerCallFact, axis: int) -> tuple[str, list[str]] | None:
    """How the axis got to its size: "The input's 32 were reduced to", ["Conv2D (32 → 28, line 8)", ...]."""
    steps: list[str] = []
    value = fact.inputs[0] if fact.inputs else None
    rank = fact.input_shapes[0].rank if fact.input_shapes else None
    for _ in range(256):
        if not isinstance(value, TensorValue) or value.shape.rank != rank:
            break
        producer = context.facts.producer(value)
        if isinstance(producer, InputFact):
            size = value.shape[axis]
            if not steps or size is None:
                return None
            steps.reverse()
            what = _axis_name(fact, axis)
            return f"The input's {what + ' of ' if what else 'size '}{size} was already reduced to", steps
        if not isinstance(producer, LayerCallFact) or len(producer.input_shapes) != 1:
            break
        before, after = producer.input_shapes[0][axis], value.shape[axis]
        if producer.input_shapes[0].rank != rank or before is None or after is None:
            break
        if before != after:
            line = line_note(context, producer.call).replace(" on ", "")
            steps.append(f"{producer.layer.short_name} ({before} → {after}{', ' + line if line else ''})")
        value = producer.inputs[0] if producer.inputs else None
    if not steps:
        return None
    steps.reverse()
    return "The earlier layers already reduced it to", steps
