"""SL101 input-includes-batch-axis: Input(shape=...) given the full data shape, sample count included."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix
from shapelint.facts import InputFact
from shapelint.rules.base import (
    Rule,
    RuleContext,
    parenthesize,
    shape_literal_items,
    tuple_code,
)
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.shapes import format_shape
from shapelint.values import ArrayValue


class InputIncludesBatchAxis(Rule):
    code = "SL101"
    name = "input-includes-batch-axis"
    summary = "The model input is declared with the data's full shape, including the number of samples."
    what_it_does = """
Checks `keras.Input(shape=...)`, and `input_shape=` / `input_dim=` on a first layer, against
the arrays the model is trained on. It reports a declared shape that equals the whole data
shape (`x.shape` instead of `x.shape[1:]`).
"""
    why_is_this_bad = """
`shape` describes ONE sample; Keras adds the batch axis itself. With the sample count in it,
the model expects every sample to be the whole data set: `fit` fails with an
"expected shape=(None, 1000, 50, 1), found shape=(32, 50, 1)" error, and for images
the model silently reads the sample count as the image height until data is fed.
"""
    example = """
data = np.random.rand(1000, 50, 1)
inputs = keras.Input(shape=data.shape)      # (1000, 50, 1): includes the 1000 samples
"""
    use_instead = """
data = np.random.rand(1000, 50, 1)
inputs = keras.Input(shape=data.shape[1:])  # (50, 1): one sample
"""
    VALID = (
        """
import numpy as np
import keras
data = np.random.rand(1000, 50, 1)
inputs = keras.Input(shape=data.shape[1:])
outputs = keras.layers.Dense(1)(keras.layers.LSTM(8)(inputs))
model = keras.Model(inputs, outputs)
model.compile(loss="mse")
model.fit(data, np.zeros((1000, 1)))
""",
        """
import numpy as np
from tensorflow import keras
x = np.zeros((28, 28, 1))
inputs = keras.Input(shape=(28, 28, 1))
""",
    )
    INVALID = (
        """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
time_series_data = np.random.rand(1000, 50, 1)
input_layer = keras.Input(shape=(1000, 50, 1))  # error: SL101
recurrent_layer = layers.LSTM(32)(input_layer)
output_layer = layers.Dense(1)(recurrent_layer)
model = keras.Model(inputs=input_layer, outputs=output_layer)
model.compile(loss="mse")
model.fit(time_series_data, np.zeros((1000, 1)))
""",
        """
import numpy as np
import keras
x_train = np.random.rand(500, 20)
inputs = keras.Input(shape=x_train.shape)  # error: SL101
""",
        """
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
x = np.random.rand(200, 8)
y = np.random.rand(200, 1)
model = Sequential()
model.add(Dense(16, input_shape=(200, 8)))  # error: SL101
model.add(Dense(1))
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for fact, data in inputs_with_sample_axis(context):
            diagnostic = self._report(context, fact, data)
            if diagnostic is not None:
                yield diagnostic

    def _report(self, context: RuleContext, fact: InputFact, data: ArrayValue) -> Diagnostic | None:
        sample = data.shape.drop_first()
        what = "input_shape" if fact.source == "input_shape" else "input_dim" if fact.source == "input_dim" else "shape"
        name = f"`{data.name}`" if data.name else "the data"
        message = (
            f"Input {what} {format_shape(fact.per_sample)} includes the sample axis: {name} has shape "
            f"{format_shape(data.shape)}, so one sample has shape {format_shape(sample)}. Keras adds the batch "
            f"axis itself; declare {what}={format_shape(sample)}."
        )
        fix = self._fix(context, fact, sample)
        # The other half of the mistake: where the data (whose shape was copied) is made.
        related = [(data.origin, f"{name} gets its shape {format_shape(data.shape)} here")]
        return context.diagnostic(self, fact.shape_node or fact.call, message, [fix], related=related)

    def _fix(self, context: RuleContext, fact: InputFact, sample: object) -> Fix | None:
        node = fact.shape_node
        if node is None:
            return None
        if fact.source == "input_dim":
            return None
        items = shape_literal_items(context, node)
        if isinstance(node.node, (cst.Tuple, cst.List)) and items is not None and len(items) >= 2:
            new = tuple_code(items[1:])
            return context.fix(f"Drop the sample axis: shape={new}", context.replace(node, new))
        code = context.code(node)
        new = f"{parenthesize(code)}[1:]"
        return context.fix(f"Use one sample's shape: {new}", context.replace(node, new))
