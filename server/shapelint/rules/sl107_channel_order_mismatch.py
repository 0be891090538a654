"""SL107 channel-order-mismatch: channels-first images into a channels-last model, or the reverse."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from shapelint.diagnostics import Diagnostic, Severity
from shapelint.rules.base import (
    Rule,
    RuleContext,
    array_for_input,
    channel_order_swapped,
    input_line_note,
    parenthesize,
)
from shapelint.shapes import format_shape, shapes_compatible


class ChannelOrderMismatch(Rule):
    code = "SL107"
    name = "channel-order-mismatch"
    summary = "Image data and the model disagree on where the channel axis is."
    what_it_does = """
Compares image data with the model input: `(N, 3, H, W)` data (channels first, as PyTorch and
some loaders produce) fed to a model declared `(H, W, 3)` (Keras's default, channels last), or
channels-last data fed to a `data_format="channels_first"` model. The layout is read from an axis of
size 1, 3 or 4, so the finding is an error only when the shapes cannot match at all; when unknown
sizes leave them compatible it is a warning.
"""
    why_is_this_bad = """
Keras fails with an incompatible-shape error (`expected axis -1 of input shape to have value 3,
but received input with shape (None, 3, 32, 32)`); or, when the sizes happen to agree, the
model trains on scrambled pixels.
"""
    example = """
x = np.random.rand(500, 3, 32, 32)             # channels first
inputs = keras.Input(shape=(32, 32, 3))        # channels last
model.fit(x, y)
"""
    use_instead = """
model.fit(np.transpose(x, (0, 2, 3, 1)), y)    # or np.moveaxis(x, 1, -1)
"""
    VALID = (
        """
import numpy as np
import keras
x = np.random.rand(100, 3, 32, 32)
inputs = keras.Input(shape=(3, 32, 32))
h = keras.layers.Conv2D(8, 3, data_format="channels_first")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D(data_format="channels_first")(h)))
model.fit(x, np.zeros((100, 1)))
""",
    )
    INVALID = (
        """
import numpy as np
import keras
x = np.random.rand(100, 3, 32, 32)
inputs = keras.Input(shape=(32, 32, 3))
h = keras.layers.Conv2D(8, 3)(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(h)))
model.compile(loss="mse")
model.fit(x, np.zeros((100, 1)))  # error: SL107
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 64, 64, 1)
inputs = keras.Input(shape=(1, 64, 64))
h = keras.layers.Conv2D(8, 3, data_format="channels_first")(inputs)
model = keras.Model(inputs, h)
model.predict(x)  # error: SL107
""",
        """
import sys
import numpy as np
import keras
size = int(sys.argv[1])
x = np.random.rand(100, 3, size, size)
inputs = keras.Input(shape=(size, size, 3))
h = keras.layers.Conv2D(8, 3)(inputs)
model = keras.Model(inputs, h)
model.predict(x)  # warning: SL107 (runs when size is 3)
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        for feed in context.facts.feeds:
            model = feed.model
            for index, fact in enumerate(model.input_facts):
                found = array_for_input(feed, model, index)
                if found is None or not found[0].shape.dims:
                    continue
                data, node = found
                sample = data.shape.drop_first()
                swap = channel_order_swapped(sample, fact.per_sample)
                if swap is None:
                    continue
                name = f"`{data.name}`" if data.name else "x"
                if swap == "first->last":
                    layout, wanted, axes, hint = (
                        "channels first",
                        "channels last",
                        "0, 2, 3, 1",
                        "np.moveaxis(x, 1, -1)",
                    )
                else:
                    layout, wanted, axes, hint = (
                        "channels last",
                        "channels first",
                        "0, 3, 1, 2",
                        "np.moveaxis(x, -1, 1)",
                    )
                channels, axis = (sample[0], 1) if swap == "first->last" else (sample[2], 3)
                # The layout is read from a small axis size; only incompatible shapes prove a failure.
                proven = not shapes_compatible(sample, fact.per_sample)
                message = (
                    f"{feed.label} gets {name} of shape {format_shape(data.shape)}, which looks like images stored "
                    f"{layout} because axis {axis} has size {channels}, but the model input "
                    f"expects {format_shape(fact.per_sample)}{input_line_note(context, fact)}, {wanted}. Move the "
                    f"channel axis: {hint}, or build the model with data_format to match the data."
                )
                fixes = []
                if node is not None:
                    code = context.code(node)
                    new = f"{parenthesize(code)}.transpose({axes})"
                    fixes.append(context.fix(f"Move the channel axis: {new}", context.replace(node, new)))
                diagnostic = context.diagnostic(
                    self,
                    node or feed.call,
                    message,
                    fixes,
                    related=[(fact.call, "the model input is declared here")],
                )
                if diagnostic is not None:
                    yield diagnostic if proven else replace(diagnostic, severity=Severity.WARNING)
