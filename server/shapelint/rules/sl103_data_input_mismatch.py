"""SL103 data-input-mismatch: the x given to fit/evaluate/predict does not match the model input."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from shapelint.diagnostics import Diagnostic, Fix, Severity, code_in_message
from shapelint.facts import FeedFact, InputFact, LayerValue, ModelValue
from shapelint.knowledge.layers import LayerConfig, apply_layer
from shapelint.rules.base import (
    Rule,
    RuleContext,
    array_for_input,
    channel_order_swapped,
    dims_code,
    fitting_order,
    input_line_note,
    keras3_adjusts,
    parenthesize,
    shape_literal_items,
)
from shapelint.rules.shared_batch_axis import inputs_with_sample_axis
from shapelint.shapes import Shape, first_difference, format_shape, shapes_compatible
from shapelint.values import ArrayValue, Const, Seq


class DataInputMismatch(Rule):
    code = "SL103"
    name = "data-input-mismatch"
    summary = "The data given to fit/evaluate/predict does not have the shape the model input declares."
    what_it_does = """
Compares the per-sample shape of every array passed to `fit`, `evaluate`, `predict`,
`train_on_batch` and `validation_data` with the shape the model's input declares, and says
which axis differs.
"""
    why_is_this_bad = """
Keras raises `Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of
input shape to have value 784, but received input with shape (32, 28, 28)` — after the
program has loaded its data and built its model, often minutes in. Keras adds or drops
one trailing axis of size 1 by itself (so `(N, 28, 28)` data fits `Input(shape=(28, 28, 1))`,
and `(N,)` data fits `Input(shape=(1,))`): Keras 3, and Keras 2 as tf.keras does it
(tf-keras 2.21 measured; very old standalone Keras 2.2 did not).

A Keras 3 `Sequential` model does not check its declared input: it runs its layers on the
data as it is, and trains when every layer accepts it (longer sequences into `Embedding` and
pooling, say), and Keras 3 ignores `Embedding(input_length=...)` altogether. There the finding
is a warning: the declared input is wrong, and a functional model or Keras 2 raises.
"""
    example = """
(x_train, y_train), _ = keras.datasets.mnist.load_data()   # x_train: (60000, 28, 28)
inputs = keras.Input(shape=(784,))
...
model.fit(x_train, y_train)
"""
    use_instead = """
model.fit(x_train.reshape(-1, 784), y_train)
"""
    VALID = (
        """
import numpy as np
import keras
x = np.random.rand(100, 784)
inputs = keras.Input(shape=(784,))
model = keras.Model(inputs, keras.layers.Dense(10)(inputs))
model.fit(x, np.zeros((100, 10)))
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(inputs))
model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
model.compile(loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        """
import numpy as np
import keras
from keras import layers
x = np.random.randint(0, 5000, size=(2000, 120))
pooled = [layers.Embedding(5000, 16), layers.GlobalAveragePooling1D()]
model = keras.Sequential([*pooled, layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy")
model.fit(x, np.zeros((2000,)))
""",
    )
    INVALID = (
        """
import keras
from keras import layers
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(784,))
outputs = layers.Dense(10, activation="softmax")(layers.Dense(64, activation="relu")(inputs))
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train, epochs=5)  # error: SL103
""",
        """
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense
x = np.random.rand(100, 10)
model = Sequential([Dense(4, input_dim=12), Dense(1)])
model.compile(loss="mse")
model.fit(x, np.zeros((100, 1)))  # error: SL103
""",
        """
import numpy as np
import keras
from keras import layers
x = np.random.randint(0, 5000, size=(2000, 120))
pooled = [keras.Input(shape=(100,)), layers.Embedding(5000, 16), layers.GlobalAveragePooling1D()]
model = keras.Sequential([*pooled, layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy")
model.fit(x, np.zeros((2000,)))  # warning: SL103
""",
    )

    def check(self, context: RuleContext) -> Iterator[Diagnostic]:
        flagged = {fact.id for fact, _ in inputs_with_sample_axis(context)}
        for feed in context.facts.feeds:
            model = feed.model
            for index, fact in enumerate(model.input_facts):
                if fact.id not in flagged and not _reordering_fixes(context, feed):
                    yield from self._check_input(context, feed, index)

    def _check_input(self, context: RuleContext, feed: FeedFact, index: int) -> Iterator[Diagnostic]:
        model = feed.model
        fact = model.input_facts[index]
        found = array_for_input(feed, model, index)
        if found is None:
            return
        data, node = found
        if feed.dataset is not None and not feed.dataset.batched:
            diagnostic = self._unbatched(context, feed, fact, data)
            if diagnostic is not None:
                yield diagnostic
            return
        if not mismatched(context, fact, data):
            return
        message = self._message(context, feed, fact, data)
        runs = context.keras_major >= 3 and keras3_sequential_runs(feed.model, fact, data.shape.drop_first())
        if runs:
            message += _keras3_runs_note(feed.model)
        for diagnostic in self._diagnostic(context, feed, fact, data, node, message):
            yield replace(diagnostic, severity=Severity.WARNING) if runs else diagnostic

    def _unbatched(self, context: RuleContext, feed: FeedFact, fact: InputFact, data: ArrayValue) -> Diagnostic | None:
        """fit(dataset) where the dataset was never batched: each element is read as a batch."""
        if not shapes_compatible(data.shape, fact.per_sample) and not mismatched(context, fact, data):
            return None
        node = feed.x_node
        name = code_in_message(context.code(node)) if node is not None else "the dataset"
        message = (
            f"{feed.label} gets a tf.data.Dataset whose elements are single samples of shape "
            f"{format_shape(data.shape)}, but Keras reads each element as a batch, so its first axis is taken as "
            f"the batch axis and samples look like {format_shape(data.shape.drop_first())} against the input's "
            f"{format_shape(fact.per_sample)}{input_line_note(context, fact)}. Batch the dataset: {name}.batch(32)."
        )
        fix = (
            context.fix(
                f"Batch the dataset: {name}.batch(32)",
                context.replace(node, f"{parenthesize(name)}.batch(32)"),
            )
            if node is not None
            else None
        )
        return context.diagnostic(
            self, node or feed.call, message, [fix], related=[(fact.call, "the model input is declared here")]
        )

    def _message(self, context: RuleContext, feed: FeedFact, fact: InputFact, data: ArrayValue) -> str:
        sample = data.shape.drop_first()
        declared = fact.per_sample
        name = f"`{data.name}`" if data.name else "x"
        head = (
            f"{feed.label} gets {name} of shape {format_shape(data.shape)}, i.e. samples of shape "
            f"{format_shape(sample)}, but the model input expects samples of shape {format_shape(declared)}"
            f"{input_line_note(context, fact)}"
        )
        axis = first_difference(sample, declared)
        if axis is not None:
            detail = (
                f": axis {axis + 1} of the data (axis {axis} of a sample) is {sample[axis]}, "
                f"the input has {declared[axis]}."
            )
        else:
            detail = f": a sample has {sample.rank} axes, the input {declared.rank}."
            if keras3_adjusts(sample, declared):
                detail += " Keras 3 would add or drop this trailing size-1 axis; Keras 2 does not."
        if sample.size is not None and sample.size == declared.size and declared.dims and feed.dataset is None:
            target = ", ".join(str(d) for d in declared.dims)
            detail += f" The sizes agree: reshape the data with {data.name or 'x'}.reshape(-1, {target})."
        return head + detail

    def _diagnostic(
        self,
        context: RuleContext,
        feed: FeedFact,
        fact: InputFact,
        data: ArrayValue,
        node: object,
        message: str,
    ) -> Iterator[Diagnostic]:
        fixes: list[Fix | None] = []
        sample = data.shape.drop_first()
        declared = fact.per_sample
        x_node = node if node is not None else feed.x_node
        reshapeable = feed.dataset is None  # a dataset or generator has no .reshape
        if (
            reshapeable
            and x_node is not None
            and sample.size is not None
            and sample.size == declared.size
            and declared.dims
        ):
            code = context.code(x_node)  # type: ignore[arg-type]
            target = ", ".join(str(d) for d in declared.dims)
            new = f"{parenthesize(code)}.reshape(-1, {target})"
            fixes.append(context.fix(f"Reshape the data: {new}", context.replace(x_node, new)))  # type: ignore[arg-type]
        if (
            fact.shape_node is not None
            and shape_literal_items(context, fact.shape_node) is not None
            and sample.dims
            and not _declaration_fits_other_data(context, feed, fact)
        ):
            new_shape = dims_code(sample) if sample.fully_known else None
            if new_shape is not None and fact.source != "input_dim":
                fixes.append(
                    context.fix(
                        f"Declare the input as the data's sample shape: {new_shape}",
                        context.replace(fact.shape_node, new_shape),
                    )
                )
            elif fact.source == "input_dim" and sample.rank == 1 and sample.fully_known:
                fixes.append(
                    context.fix(f"Declare input_dim={sample[0]}", context.replace(fact.shape_node, str(sample[0])))
                )
        diagnostic = context.diagnostic(
            self,
            x_node or feed.call,
            message,
            fixes,
            related=[(fact.call, "the model input is declared here")],  # type: ignore[arg-type]
        )
        if diagnostic is not None:
            yield diagnostic


def _keras3_runs_note(model: ModelValue) -> str:
    if _input_length_only(model):
        return (
            " Keras 3 ignores input_length (it warns that the argument is deprecated) and builds the model from the "
            "data, so this trains; Keras 2 raises here."
        )
    return (
        " Keras 3 runs a Sequential model's layers on the data without checking the declared input, and these "
        "layers accept it, so this trains; a functional model, or Keras 2, raises here."
    )


def _input_length_only(model: ModelValue) -> bool:
    """The input is declared by `Embedding(input_length=...)` alone, which Keras 3 ignores."""
    first = model.layers[0] if model.layers else None
    return (
        isinstance(first, LayerValue)
        and first.spec is not None
        and first.spec.family == "embedding"
        and "input_length" in first.config
        and not any(key in first.config for key in ("input_shape", "batch_input_shape", "batch_shape"))
    )


# Layers without weights sized by their input: they take any input their output function accepts.
_FREE_FAMILIES = ("embedding", "pool", "global-pool", "flatten", "reshape")
_FREE_LAYERS = (
    "Dropout", "Activation", "GaussianNoise", "GaussianDropout", "AlphaDropout", "ReLU", "LeakyReLU", "ELU",
    "Softmax", "ActivityRegularization", "Masking", "Identity",
)  # fmt: skip
# Layers whose weights are sized by the input's last axis (channels last): other axes may differ.
_LAST_AXIS_FAMILIES = ("dense", "conv", "recurrent")
_LAST_AXIS_LAYERS = ("BatchNormalization", "LayerNormalization")


def keras3_sequential_runs(model: ModelValue, fact: InputFact, sample: Shape) -> bool:
    """Keras 3 trains this Sequential model on samples of shape `sample` though it declares another input.

    Keras 3's `Sequential.call` runs the layers on the data as it is (only the rank is adjusted):
    layers built for the declared input take it when their weights fit it, and a model declared
    only by `Embedding(input_length=...)` is built from the data. Proven when, layer after layer,
    the data's shape is accepted until it becomes the declared one (pooling over a longer
    sequence, say); any layer not known here leaves it unproven (Keras may well raise).
    """
    if model.kind != "sequential" or len(model.input_facts) != 1 or model.input_facts[0] is not fact:
        return False
    if not sample.fully_known or not fact.per_sample.fully_known or sample.rank != fact.per_sample.rank:
        return False
    assert sample.dims is not None and fact.per_sample.dims is not None
    built = not _input_length_only(model)
    actual, declared = Shape((None, *sample.dims)), Shape((None, *fact.per_sample.dims))
    for layer in model.layers:
        if actual.dims == declared.dims:
            return True
        if not isinstance(layer, LayerValue) or layer.spec is None:
            return False
        if layer.kind == "keras.layers.InputLayer":
            continue
        if built and not _accepts(layer, actual, declared):
            return False
        next_actual, next_declared = _output(layer, actual), _output(layer, declared)
        if next_actual is None or next_declared is None:
            return False
        actual, declared = next_actual, next_declared
    return actual.dims == declared.dims


def _accepts(layer: LayerValue, actual: Shape, declared: Shape) -> bool:
    """A layer built for `declared` also takes `actual` (same rank; its weights do not depend on what differs)."""
    assert layer.spec is not None and actual.dims is not None and declared.dims is not None
    if actual.rank != declared.rank:
        return False
    name = layer.spec.short_name
    if layer.spec.family in _FREE_FAMILIES or name in _FREE_LAYERS:
        return True
    if layer.spec.family in _LAST_AXIS_FAMILIES or name in _LAST_AXIS_LAYERS:
        data_format = layer.config.get("data_format")
        channels_last = data_format is None or (isinstance(data_format, Const) and data_format.value == "channels_last")
        return channels_last and "axis" not in layer.config and actual.dims[-1] == declared.dims[-1]
    return False


def _output(layer: LayerValue, shape: Shape) -> Shape | None:
    assert layer.spec is not None
    outcome = apply_layer(layer.spec, LayerConfig(layer.config), (shape,))
    output = outcome.output
    if outcome.problem is not None or not isinstance(output, Shape) or not output.drop_first().fully_known:
        return None
    return output


def _declaration_fits_other_data(context: RuleContext, feed: FeedFact, fact: InputFact) -> bool:
    """Other data given to the same model fits the declared input: the input is right, this data is not."""
    for other in context.feeds_of(feed.model):
        if other is feed:
            continue
        found = array_for_input(other, feed.model, feed.model.input_facts.index(fact))
        if found is not None and found[0].shape.dims and not mismatched(context, fact, found[0]):
            return True
    return False


def _reordering_fixes(context: RuleContext, feed: FeedFact) -> bool:
    """Several arrays that only need reordering: SL106 reports that."""
    x = feed.x
    if len(feed.model.input_facts) < 2 or not isinstance(x, Seq) or len(x.items) != len(feed.model.input_facts):
        return False
    arrays = [item for item in x.items if isinstance(item, ArrayValue)]
    if len(arrays) != len(x.items):
        return False
    declared = [fact.per_sample for fact in feed.model.input_facts]
    return fitting_order(arrays, declared, context.keras_major) is not None


def mismatched(context: RuleContext, fact: InputFact, data: ArrayValue) -> bool:
    """The data's samples cannot go into the declared input (with the target Keras's own help)."""
    declared = fact.per_sample
    if declared.dims is None or data.shape.dims is None or not data.shape.dims:
        return False
    sample = data.shape.drop_first()
    if shapes_compatible(sample, declared):
        return False
    if shapes_compatible(data.shape, declared):
        return False  # the whole array is one sample's shape: SL101 or SL108 says which
    if keras3_adjusts(sample, declared):  # Keras 2 (tf.keras) adjusts the same way
        return False
    return channel_order_swapped(sample, declared) is None  # SL107 says which axis moved
