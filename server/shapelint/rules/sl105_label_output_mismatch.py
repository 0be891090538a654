"""SL105 label-output-mismatch: labels that do not fit the model's output and loss."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import libcst as cst

from shapelint.diagnostics import Diagnostic, Fix, Position, Range, Severity, TextEdit
from shapelint.facts import FeedFact, LayerCallFact
from shapelint.knowledge.losses import loss_family, loss_name
from shapelint.rules.base import TRAINING_METHODS, Rule, RuleContext, layer_producer
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.shapes import Shape, format_dims, format_shape
from shapelint.source import NodeRef
from shapelint.values import ArrayValue, Seq, TensorValue, Value, const_int


class LabelOutputMismatch(Rule):
    code = "SL105"
    name = "label-output-mismatch"
    summary = "The labels do not match the model's output and loss."
    what_it_does = """
Compares the labels given to `fit`/`evaluate` with the model's output shape and its loss:
integer class ids with `categorical_crossentropy`, one-hot labels with
`sparse_categorical_crossentropy`, a last layer whose unit count differs from the number of
classes, an output that is still 3-D or 4-D (a missing `Flatten`, or `return_sequences=True`
on the last recurrent layer) against flat labels (not an output whose last axis has size 1:
Keras drops that axis first, so `(None, 20, 1)` against `(N, 20)` labels is silent, nor class
ids per time step, `(N, 20)`, with a sparse loss and a `(None, 20, 5)` output), a binary
loss with several units, and
labels whose sample count differs from the inputs'. Class ids that reach past the output's
units are an error when the count is a dataset's documented one (CIFAR-100: 100 classes) and a
warning when it is read from a random draw's range (`np.random.randint(0, 10, ...)`). Labels
with more axes than the output (`(N, 1452, 8)` labels for a `(None, 8)` output) are an error.

Regression losses (`mse`, `mae`, `huber`, `msle`, `mape`, `log_cosh`) compare the output with
labels of another shape by broadcasting, after Keras drops or adds one trailing size-1 axis
(`(None, 1)` output and `(N,)` labels is correct and silent). When broadcasting fails (`(None, 10)`
vs `(N, 3)`) Keras raises: an error. When it succeeds (`(None, 10, 10)` vs `(N, 10, 1)`, `(None, 1)` vs
`(N, 3)`) nothing raises and the model trains on another objective: a warning naming the broadcast
shape. Keras 2 (tf-keras 2.21) broadcasts the same way, except that it first turns `(N,)` labels into
`(N, 1)` for a 2-D output, so `(None, 3)` vs `(N,)` is an error for Keras 3 and a warning for Keras 2.
"""
    why_is_this_bad = """
Keras raises only when the loss is first computed, e.g. `Arguments target and output must
have the same rank (ndim). Received: target.shape=(None,), output.shape=(None, 10)`, after
data loading and model building. The message rarely says which layer to change.
"""
    example = """
(x_train, y_train), _ = keras.datasets.mnist.load_data()      # y_train: (60000,) class ids
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
"""
    use_instead = """
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
# or: model.fit(x_train, keras.utils.to_categorical(y_train, 10))
"""
    VALID = (
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential(
    [keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, keras.utils.to_categorical(y_train, 10))
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.randint(0, 2, size=(100,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 20, 4)
y = np.random.rand(100, 20, 1)
inputs = keras.Input(shape=(20, 4))
outputs = keras.layers.Dense(1)(keras.layers.LSTM(8, return_sequences=True)(inputs))
model = keras.Model(inputs, outputs)
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
        # A yes/no label per time step: (None, 20, 1) output, (N, 20) labels. Keras drops the output's last axis.
        """
import numpy as np
import keras
x = np.random.randint(0, 100, size=(64, 20))
y = np.random.randint(0, 2, size=(64, 20))
model = keras.Sequential(
    [keras.Input(shape=(20,)), keras.layers.Embedding(100, 8), keras.layers.Dense(1, activation="sigmoid")]
)
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        # A class id per time step: (None, 20, 5) output, (N, 20) labels, as sparse losses expect.
        """
import numpy as np
import keras
from keras import layers
x = np.random.randint(1, 100, size=(64, 20))
tags = np.random.randint(0, 5, size=(64, 20))
model = keras.Sequential(
    [keras.Input(shape=(20,)), layers.Embedding(100, 8), layers.TimeDistributed(layers.Dense(5, activation="softmax"))]
)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x, tags)
""",
        # One regression target per sample: (None, 1) output, (N,) labels. Keras adds the axis.
        """
import numpy as np
import keras
x = np.random.rand(100, 13)
y = np.random.rand(100)
model = keras.Sequential([keras.Input(shape=(13,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
    )
    INVALID = (
        """
import keras
from keras import layers
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)  # error: SL105
""",
        """
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
x = np.random.rand(200, 32, 32, 3)
y = keras.utils.to_categorical(np.random.randint(0, 10, size=(200,)), 10)
model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(16, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Dense(10, activation="softmax"),
])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.randint(0, 2, size=(100,))
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = keras.utils.to_categorical(np.random.randint(0, 5, size=(100,)), 5)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.rand(90, 1)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 20, 4)
y = keras.utils.to_categorical(np.random.randint(0, 3, size=(100,)), 3)
inputs = keras.Input(shape=(20, 4))
h = keras.layers.LSTM(16, return_sequences=True)(inputs)
model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(h))
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        # Labels with a time axis the output does not have.
        """
import numpy as np
import keras
x = np.random.rand(100, 1452, 3)
y = keras.utils.to_categorical(np.random.randint(0, 8, size=(100, 1452)), 8)
inputs = keras.Input(shape=(1452, 3))
h = keras.layers.LSTM(16)(inputs)
model = keras.Model(inputs, keras.layers.Dense(8, activation="softmax")(h))
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        # Regression labels that cannot be broadcast against the output.
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.rand(100, 3)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(10)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)  # error: SL105
""",
        # Regression labels that broadcast silently: one output for three targets.
        """
import numpy as np
import keras
x = np.random.rand(100, 8)
y = np.random.rand(100, 3)
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
model.compile(loss="mae", optimizer="adam")
model.fit(x, y)  # warning: SL105
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        flagged = {fact.id for fact, _ in inputs_with_sample_axis(context)}
        for feed in context.facts.feeds:
            if feed.method not in TRAINING_METHODS or not isinstance(feed.y, ArrayValue):
                continue
            diagnostic = self._sample_counts(context, feed) or self._labels(context, feed, flagged)
            if diagnostic is not None:
                yield diagnostic

    def _sample_counts(self, context: RuleContext, feed: FeedFact) -> Diagnostic | None:
        y = feed.y
        assert isinstance(y, ArrayValue)
        arrays = [feed.x] if isinstance(feed.x, ArrayValue) else list(feed.x.items) if isinstance(feed.x, Seq) else []
        x = next((a for a in arrays if isinstance(a, ArrayValue) and a.shape.dims), None)
        if x is None or not y.shape.dims or x.shape[0] is None or y.shape[0] is None or x.shape[0] == y.shape[0]:
            return None
        if any(
            x is array and x.shape.rank == fact.per_sample.rank for fact in feed.model.input_facts for array in [feed.x]
        ):
            return None  # x is a single sample: SL108 says so
        message = (
            f"{feed.label} gets {x.shape[0]} input samples ({_name(x, 'x')} {format_shape(x.shape)}) but "
            f"{y.shape[0]} labels ({_name(y, 'y')} {format_shape(y.shape)}): axis 0 of x and y must have the "
            "same length, one label per sample."
        )
        return context.diagnostic(self, feed.y_node or feed.call, message)

    def _labels(self, context: RuleContext, feed: FeedFact, flagged: set[int]) -> Diagnostic | None:
        model = feed.model
        y = feed.y
        assert isinstance(y, ArrayValue)
        if len(model.outputs) != 1 or y.shape.dims is None or not y.shape.dims:
            return None
        out = model.outputs[0]
        if not isinstance(out, TensorValue) or out.shape.dims is None or out.roots & flagged:
            return None
        family = loss_family(feed.loss)
        if family is None:
            return None
        loss = loss_name(feed.loss)
        output, labels = out.shape, y.shape
        units = output[-1]
        assert output.dims is not None and labels.dims is not None
        if family == "regression":
            return self._regression(context, feed, out, y, loss)
        if family != "sparse" and len(output.dims) == len(labels.dims) + 1 and output[-1] == 1:
            # Keras (both versions) first drops the output's trailing size-1 axis: (N, 10, 1) against
            # (N, 10) labels compares (N, 10) with (N, 10).
            if output.dims[1:-1] == labels.dims[1:]:
                return None
        squeezable = len(labels.dims) == len(output.dims) + 1 and labels[-1] == 1
        if len(labels.dims) > len(output.dims) and not squeezable:
            return self._extra_label_axes(context, feed, out, y, loss)
        # Class ids per time step, (N, 20) against (None, 20, 5): what sparse losses expect.
        per_step_ids = (
            family == "sparse" and len(labels.dims) == len(output.dims) - 1 and labels.dims[1:] == output.dims[1:-1]
        )
        if len(output.dims) > 2 and len(labels.dims) <= 2 and not per_step_ids:
            return self._too_many_output_axes(context, feed, out, y, loss)
        if family == "categorical":
            if len(labels.dims) == len(output.dims) - 1 or (labels[-1] == 1 and units not in (1, None)):
                return self._integer_labels(context, feed, y, units, loss)
            if len(labels.dims) == len(output.dims) and None not in (labels[-1], units) and labels[-1] != units:
                return self._unit_count(context, feed, out, y, loss)
        elif family == "sparse":
            if len(labels.dims) == len(output.dims) and labels[-1] not in (1, None) and labels[-1] == units:
                return self._one_hot_with_sparse(context, feed, y, units, loss)
            class_ids = len(labels.dims) == len(output.dims) - 1 or labels[-1] == 1
            if class_ids and y.classes is not None and isinstance(units, int) and y.classes > units:
                return self._too_few_units(context, feed, out, y, loss)
        elif family == "binary":
            single_column = len(labels.dims) == len(output.dims) - 1 or labels[-1] == 1
            if single_column and units not in (1, None):
                return self._binary_units(context, feed, out, y, loss)
            if len(labels.dims) == len(output.dims) and None not in (labels[-1], units) and labels[-1] != units:
                return self._unit_count(context, feed, out, y, loss)
        return None

    # The findings ------------------------------------------------------------------------------

    def _integer_labels(
        self, context: RuleContext, feed: FeedFact, y: ArrayValue, units: object, loss: str | None
    ) -> Diagnostic | None:
        message = (
            f"{loss} needs one-hot labels of shape (N, {units}) to match the output, but {_name(y, 'y')} has shape "
            f"{format_shape(y.shape)}: integer class ids. Use loss='sparse_categorical_crossentropy', or one-hot "
            f"encode the labels with to_categorical({_name(y, 'y', quoted=False)}, {units})."
        )
        fixes = [self._loss_fix(context, feed, "sparse_categorical_crossentropy")]
        to_categorical = context.facts.spelling("keras.utils.to_categorical")
        if feed.y_node is not None and to_categorical and isinstance(units, int):
            new = f"{to_categorical}({context.code(feed.y_node)}, {units})"
            fixes.append(context.fix(f"One-hot encode the labels: {new}", context.replace(feed.y_node, new)))
        return context.diagnostic(self, feed.y_node or feed.call, message, fixes)

    def _one_hot_with_sparse(
        self, context: RuleContext, feed: FeedFact, y: ArrayValue, units: object, loss: str | None
    ) -> Diagnostic | None:
        message = (
            f"sparse_categorical_crossentropy needs integer class ids of shape (N,) but {_name(y, 'y')} has shape "
            f"{format_shape(y.shape)}: one-hot labels over {units} classes. Use loss='categorical_crossentropy', "
            "or pass the class ids (np.argmax(y, axis=-1))."
        )
        fixes = [self._loss_fix(context, feed, "categorical_crossentropy")]
        return context.diagnostic(self, feed.y_node or feed.call, message, fixes)

    def _unit_count(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        classes = y.shape[-1]
        layer = layer_producer(context, out)
        name = layer.layer.short_name if layer is not None else "The last layer"
        message = (
            f"The model outputs {format_shape(out.shape)} ({name} with {out.shape[-1]} units) but "
            f"{_name(y, 'y')} has shape {format_shape(y.shape)}: {classes} classes. The last layer needs "
            f"{classes} units for {loss}."
        )
        return self._output_units(context, feed, layer, message, classes)

    def _too_few_units(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        layer = layer_producer(context, out)
        classes = y.classes
        source = "" if y.classes_documented else ", going by the range it was drawn from"
        message = (
            f"{_name(y, 'y')} holds class ids 0 to {(classes or 1) - 1} ({classes} classes{source}) but the model "
            f"outputs {format_shape(out.shape)}: {out.shape[-1]} units. {loss} needs one output unit per class, so "
            f'ids from {out.shape[-1]} up fail with "Received a label value of ... which is outside the valid range".'
        )
        diagnostic = self._output_units(context, feed, layer, message, classes)
        if diagnostic is None or y.classes_documented:
            return diagnostic
        # Random labels may happen to stay below the unit count: a claim about values, a warning.
        return replace(diagnostic, severity=Severity.WARNING)

    def _binary_units(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        layer = layer_producer(context, out)
        message = (
            f"{loss} compares each output unit with one label, but the model outputs {format_shape(out.shape)} "
            f"({out.shape[-1]} units) and {_name(y, 'y')} has shape {format_shape(y.shape)}: one label per sample. "
            "For a yes/no label use one unit with a sigmoid: Dense(1, activation='sigmoid')."
        )
        return self._output_units(context, feed, layer, message, 1)

    def _output_units(
        self, context: RuleContext, feed: FeedFact, layer: LayerCallFact | None, message: str, units: object
    ) -> Diagnostic | None:
        """A finding at the labels whose fix gives the output layer `units` units."""
        return context.diagnostic(
            self,
            feed.y_node or feed.call,
            message,
            [_units_fix(context, layer, units)],
            related=[(layer.call if layer else None, "the output layer")],
        )

    def _too_many_output_axes(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        recurrent = _sequence_source(context, out)
        if recurrent is not None:
            message = (
                f"The model outputs {format_shape(out.shape)}, one prediction per time step, because "
                f"{recurrent.layer.short_name} has return_sequences=True, but {_name(y, 'y')} has shape "
                f"{format_shape(y.shape)}: one label per sequence. Set return_sequences=False on the last recurrent "
                "layer."
            )
            fixes = [_return_sequences_fix(context, recurrent)]
        else:
            dense = _first_dense_on_grid(context, out)
            message = (
                f"The model outputs {format_shape(out.shape)} but {_name(y, 'y')} has shape {format_shape(y.shape)}: "
                f"the output still has {len(out.shape.dims or ()) - 2} spatial axes. Add Flatten() (or "
                "GlobalAveragePooling) before the last Dense layer."
            )
            fixes = [_flatten_fix(context, dense)] if dense is not None else []
        return context.diagnostic(self, feed.y_node or feed.call, message, fixes)

    def _extra_label_axes(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        message = (
            f"{_name(y, 'y')} has shape {format_shape(y.shape)}, {len(y.shape.dims or ())} axes, but the model outputs "
            f"{format_shape(out.shape)}: {len(out.shape.dims or ())} axes. {loss} needs one label per output, so Keras "
            "raises when the loss is first computed. Give the model an output per label (keep the time axis: "
            "return_sequences=True, or TimeDistributed), or reduce the labels to one per sample."
        )
        layer = layer_producer(context, out)
        return context.diagnostic(
            self, feed.y_node or feed.call, message, related=[(layer.call if layer else None, "the output layer")]
        )

    def _regression(
        self, context: RuleContext, feed: FeedFact, out: TensorValue, y: ArrayValue, loss: str | None
    ) -> Diagnostic | None:
        """A regression loss against labels of another shape: Keras broadcasts them, or raises when it cannot."""
        pairing = regression_pairing(out.shape, y.shape, context.keras_major)
        if pairing is None:
            return None
        broadcast, output_dims, label_dims = pairing
        if (len(out.shape.dims or ()) > 2 and len(y.shape.dims or ()) <= 2) and broadcast is not None:
            diagnostic = self._too_many_output_axes(context, feed, out, y, loss)
            return replace(diagnostic, severity=Severity.WARNING) if diagnostic is not None else None
        compared = f"{loss} compares the model's output {format_shape(out.shape)} with {_name(y, 'y')} of shape " + (
            f"{format_shape(y.shape)}"
        )
        layer = layer_producer(context, out)
        units = label_dims[-1] if len(label_dims) == len(output_dims) and label_dims[:-1] == output_dims[:-1] else None
        if len(label_dims) == 1 and len(output_dims) == 2:
            units = 1  # one number per sample
        if broadcast is None:
            message = (
                f'{compared}: the shapes cannot be broadcast together, so Keras raises "Dimensions must be equal" '
                "when the loss is first computed. The output needs the labels' shape."
            )
            return self._output_units(context, feed, layer, message, units)
        shape = format_dims([d if isinstance(d, int) else None for d in broadcast])
        message = (
            f"{compared}: they differ, and Keras does not raise. It broadcasts them to "
            f"{shape} and averages over every pairing of an "
            "output with a label, so the model trains on another objective than the one meant. The output needs the "
            "labels' shape."
        )
        diagnostic = self._output_units(context, feed, layer, message, units)
        return replace(diagnostic, severity=Severity.WARNING) if diagnostic is not None else None

    def _loss_fix(self, context: RuleContext, feed: FeedFact, new_loss: str) -> Fix | None:
        """Change the loss, unless other labels given to the model already fit the loss it has."""
        if getattr(self, "_judging_other_feeds", False):
            return None  # only asked whether those labels fit: no fixes needed
        self._judging_other_feeds = True
        try:
            for other in context.feeds_of(feed.model):
                if other is feed or other.compiled is not feed.compiled or other.method not in TRAINING_METHODS:
                    continue
                if (
                    isinstance(other.y, ArrayValue)
                    and other.y.shape.dims
                    and self._labels(context, other, set()) is None
                ):
                    return None
        finally:
            self._judging_other_feeds = False
        node = feed.compiled.loss_node if feed.compiled is not None else None
        if node is None or not isinstance(node.node, cst.SimpleString):
            return None
        quote = node.node.quote
        # Unsafe: another loss is another training objective, not only another shape.
        return context.fix(
            f"Use loss={quote}{new_loss}{quote}", context.replace(node, f"{quote}{new_loss}{quote}"), safe=False
        )


_BATCH = "batch"  # the batch axis, the same (unknown) size on both sides


def regression_pairing(
    output: Shape, labels: Shape, keras_major: int
) -> tuple[tuple[object, ...] | None, tuple[object, ...], tuple[object, ...]] | None:
    """How a regression loss pairs an output with labels of another shape, or None when they agree
    (or a size is not known).

    Like Keras, it first drops or adds one trailing size-1 axis when the ranks differ by one
    (Keras 3's `squeeze_or_expand_to_same_rank`; Keras 2 also turns (N,) labels into (N, 1) for a
    2-D output), then broadcasts. Returns (the broadcast shape, or None when broadcasting fails;
    the output's dims; the labels' dims), with `_BATCH` for the batch axis.
    """
    if not output.dims or not labels.dims:
        return None
    out: list[object] = [_BATCH, *output.dims[1:]]
    lab: list[object] = [_BATCH, *labels.dims[1:]]
    if any(not isinstance(d, int) or isinstance(d, bool) for d in [*out[1:], *lab[1:]]):
        return None  # an unknown size: say nothing
    if keras_major < 3 and len(lab) == 1 and len(out) == 2:
        lab.append(1)
    if len(lab) == len(out) + 1 and lab[-1] == 1:
        if len(out) == 1 and keras_major >= 3:
            out.append(1)
        else:
            lab.pop()
    elif len(out) == len(lab) + 1 and out[-1] == 1:
        if len(lab) == 1 and keras_major >= 3:
            lab.append(1)
        else:
            out.pop()
    if out == lab:
        return None
    result: list[object] = []
    for index in range(1, max(len(out), len(lab)) + 1):
        a = out[-index] if index <= len(out) else 1
        b = lab[-index] if index <= len(lab) else 1
        if a == b or b == 1:
            result.append(a)
        elif a == 1:
            result.append(b)
        else:
            return None, tuple(out), tuple(lab)
    return tuple(reversed(result)), tuple(out), tuple(lab)


def _name(array: ArrayValue, fallback: str, quoted: bool = True) -> str:
    name = array.name or fallback
    return f"`{name}`" if quoted else name


def _chain(context: RuleContext, tensor: Value) -> Iterator[LayerCallFact]:
    """Layer calls from the output backwards, through single-input layers."""
    seen = 0
    fact = layer_producer(context, tensor)
    while fact is not None and seen < 64:
        yield fact
        seen += 1
        fact = layer_producer(context, fact.inputs[0]) if len(fact.inputs) == 1 else None


def _sequence_source(context: RuleContext, out: TensorValue) -> LayerCallFact | None:
    """The recurrent layer with return_sequences=True that makes the output 3-D, if nothing else does."""
    for fact in _chain(context, out):
        spec = fact.layer.spec
        if spec is None:
            return None
        if spec.family == "recurrent":
            value = fact.layer.config.get("return_sequences")
            return fact if value is not None and getattr(value, "value", None) is True else None
        if spec.family not in ("dense", "same"):
            return None
    return None


def _first_dense_on_grid(context: RuleContext, out: TensorValue) -> LayerCallFact | None:
    """The earliest Dense of the trailing Dense/Dropout run that received a rank > 2 input."""
    found = None
    for fact in _chain(context, out):
        spec = fact.layer.spec
        if spec is None or spec.family not in ("dense", "same"):
            break
        if spec.family == "dense" and fact.input_shapes and (fact.input_shapes[0].rank or 0) > 2:
            found = fact
    return found


def _units_fix(context: RuleContext, layer: LayerCallFact | None, units: object) -> Fix | None:
    args = layer.layer.args if layer is not None else None
    node = args.node_of(0, "units") if args is not None else None
    if node is None or not isinstance(units, int):
        return None
    new = _units_code(context, node, units)
    # Unsafe: the unit count changes the model's weights and what it predicts.
    label = f"Give the output layer {units} unit{'s' if units != 1 else ''}" + (f": {new}" if new != str(units) else "")
    return context.fix(label, context.replace(node, new), safe=False)


def _units_code(context: RuleContext, node: NodeRef, units: int) -> str:
    """How to write `units`: a name the program already uses for that count, else the number.

    A name inside the old expression (`num_classes` of `num_classes * 2`) comes first; then a
    module-level name for a class count (`num_classes = 5`); a literal otherwise.
    """
    for name in _names_in(node.node):
        found = context.facts.node_values.get(node.chunk, name)
        if found is not None and not isinstance(found, LayerCallFact) and const_int(found) == units:
            return name.value
    for module_name, value in context.facts.module_names.items():
        if "class" in module_name.lower() and const_int(value) == units:
            return module_name
    return str(units)


def _names_in(node: cst.CSTNode) -> list[cst.Name]:
    """The plain names an expression reads, in order (not attribute names)."""
    if isinstance(node, cst.Name):
        return [node]
    if isinstance(node, cst.Attribute):
        return _names_in(node.value)
    return [name for child in node.children for name in _names_in(child)]


def _return_sequences_fix(context: RuleContext, fact: LayerCallFact) -> Fix | None:
    args = fact.layer.args
    node = args.node_of(None, "return_sequences") if args is not None else None
    # Unsafe: the recurrent layer then computes something else (its last step only).
    return context.fix("Set return_sequences=False", context.replace(node, "False"), safe=False) if node else None


def _flatten_fix(context: RuleContext, dense: LayerCallFact) -> Fix | None:
    """Insert Flatten() before the Dense: in a Sequential list, as model.add(...), or around its input."""
    flatten = context.facts.spelling("keras.layers.Flatten")
    if flatten is None or dense.call is None:
        return None
    span = context.range(dense.call)
    if span is None:
        return None
    node = dense.call.node
    if dense.model is None and isinstance(node, cst.Call) and node.args:
        argument = NodeRef(dense.call.chunk, node.args[0].value)
        code = context.code(argument)
        # Unsafe, like the insertions below: a new layer changes the architecture (pooling may be meant).
        return context.fix(
            f"Flatten before {dense.layer.short_name}",
            context.replace(argument, f"{flatten}()({code})"),
            safe=False,
        )
    before = context.program.line_text(span.start.line)[: span.start.column].rstrip()
    if before.endswith(("[", ",")) or before == "":
        insert = TextEdit(Range(span.start, span.start), f"{flatten}(), ")
        return context.fix(f"Insert {flatten}() before {dense.layer.short_name}", insert, safe=False)
    if before.endswith(".add("):
        line_text = context.program.line_text(span.start.line)
        indent = line_text[: len(line_text) - len(line_text.lstrip())]
        receiver = before.strip()[: -len("(")]
        start = Position(span.start.line, 0)
        return context.fix(
            f"Insert {flatten}() before {dense.layer.short_name}",
            TextEdit(Range(start, start), f"{indent}{receiver}({flatten}())\n"),
            safe=False,
        )
    return None
