"""Rebuild a described model in Keras and run the data's shapes and the loss through it.

Imported only inside the worker process: it imports TensorFlow, and the Keras this
process runs: Keras 3, or Keras 2 (tf-keras) when `TF_USE_LEGACY_KERAS=1` (the worker's
Keras 2 flavour, see `launch.py`). Everything runs symbolically:

* Keras 3: layers are built inside `keras.StatelessScope(initialize_variables=False)`:
  Keras then records each variable's shape and initializer without creating its value.
  A Dense layer with 190 G weights costs a few bytes, and the weight count is exact.
* Keras 2 has no such scope: a variable creator makes every variable an
  `UninitializedVariable`, a handle with shape and dtype whose memory would be allocated
  by its first assignment, which never comes. The weight count is as exact.
* Data and labels are graph placeholders in a scratch `FuncGraph`, so calling the
  model traces it (with every input check Keras makes during `fit`) without running it.

The model is built only from the whitelist: `keras.Input`, `keras.layers.<Name>`,
`keras.Sequential`, `keras.Model` and `keras.applications.<Name>` (weights never
downloaded), with literal arguments. Nothing is evaluated and nothing else imported.
"""

from __future__ import annotations

import inspect
import math
import os
import re
import traceback
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import tensorflow as tf

from shapelint.confirm.description import (
    ArraySpec,
    Feed,
    InputSpec,
    LayerNode,
    LiteralValue,
    ModelDescription,
    NestedLayer,
)

# The Keras of this process, decided by TensorFlow's own switch before it was imported.
KERAS_MAJOR = 2 if os.environ.get("TF_USE_LEGACY_KERAS", "") in ("1", "true", "True") else 3
if KERAS_MAJOR == 2:
    import tf_keras as keras
    from tensorflow.python.ops.resource_variable_ops import UninitializedVariable
    from tf_keras.src.engine import data_adapter as keras2_data_adapter
    from tf_keras.src.utils import data_utils as file_utils
else:
    import keras
    from keras.src.backend.common import global_state
    from keras.src.backend.common.symbolic_scope import SymbolicScope
    from keras.src.trainers.data_adapters import data_adapter_utils
    from keras.src.utils import file_utils

_NAME = re.compile(r"[A-Za-z0-9_]+")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
MESSAGE_LINES = 20
# Keras's default batch size for fit/evaluate/predict: the first traced batch has it.
DEFAULT_BATCH_SIZE = 32

# keras.layers names that are not plain layers: they take code, load files or mean an input.
_REFUSED_LAYERS = frozenset(
    {
        "Input",
        "InputLayer",
        "Lambda",
        "TFSMLayer",
        "JaxLayer",
        "FlaxLayer",
        "TorchModuleWrapper",
        "Layer",
        "Wrapper",
    }
)
# Arguments that make preprocessing layers read a file when given a string.
_FILE_ARGUMENTS = frozenset({"vocabulary", "idf_weights"})
_LOSS_METHODS = frozenset({"fit", "evaluate", "train_on_batch", "validation_data"})
_TRAINING_METHODS = frozenset({"fit", "train_on_batch"})


class Unsupported(Exception):
    """The description asks for something outside the whitelist, or is inconsistent."""


@dataclass
class Failure(Exception):
    """Keras raised while building, feeding or computing the loss; `message` is its text."""

    kind: str
    message: str
    layer: str | None = None
    feed_index: int | None = None
    exception: str | None = None  # the class name of what Keras raised: the client tells shape errors apart

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "layer": self.layer,
            "feed_index": self.feed_index,
            "exception": self.exception,
        }


class _WeightsRequested(Exception):
    """An application asked to download its pretrained weights: the build itself is done."""


def keras_failure(kind: str, error: BaseException, layer: str | None = None, feed_index: int | None = None) -> Failure:
    """A failure Keras raised; running out of memory is about this machine, not the model."""
    if isinstance(error, (MemoryError, tf.errors.ResourceExhaustedError)):
        return Failure("memory", f"the worker ran out of memory: {keras_message(error)}", layer, feed_index)
    return Failure(kind, keras_message(error), layer=layer, feed_index=feed_index, exception=type(error).__name__)


def keras_message(error: BaseException) -> str:
    """Keras's error text as the user would read it: no terminal colors, at most 20 lines."""
    text = _ANSI.sub("", str(error)).strip() or type(error).__name__
    lines = text.splitlines()
    if len(lines) > MESSAGE_LINES:
        lines = [*lines[:MESSAGE_LINES], "..."]
    return "\n".join(line.rstrip() for line in lines)


def confirm_description(description: ModelDescription, max_weight_bytes: int) -> dict[str, Any]:
    """Rebuild, feed and check the loss; the worker's JSON answer (without versions)."""
    # A fresh session gives layers the automatic names a fresh program gets ("dense", not "dense_7").
    # Garbage collection (about 0.2 s with TensorFlow loaded) is left to the worker's idle time.
    if KERAS_MAJOR == 2:
        return _confirm_keras2(description, max_weight_bytes)
    keras.backend.clear_session(free_memory=False)
    try:
        return _Rebuild(description, max_weight_bytes).run()
    finally:
        # Forget the lazily created variables so no later scope ever initializes them.
        global_state.set_global_attribute("uninitialized_variables", [])
        keras.backend.clear_session(free_memory=False)


def _confirm_keras2(description: ModelDescription, max_weight_bytes: int) -> dict[str, Any]:
    keras.backend.clear_session()
    try:
        return _Rebuild(description, max_weight_bytes).run()
    finally:
        keras.backend.clear_session()


@contextmanager
def _lazy_variables() -> Iterator[None]:
    """Variables created here keep only shape and dtype (and Keras 3: initializer): no memory for weights."""
    if KERAS_MAJOR == 2:
        with tf.variable_creator_scope(_uninitialized_variable):
            yield
        return
    with keras.StatelessScope(initialize_variables=False):
        yield


@contextmanager
def _scratch_graph() -> Iterator[None]:
    """Trace, do not run: tensors made here are graph placeholders without data."""
    if KERAS_MAJOR == 2:
        # A layer that builds here creates its variables outside the graph (tf.init_scope): still lazy.
        with _lazy_variables(), tf.__internal__.FuncGraph("shapelint_confirm").as_default():
            yield
        return
    with _lazy_variables(), SymbolicScope(), tf.__internal__.FuncGraph("shapelint_confirm").as_default():
        yield


def _uninitialized_variable(next_creator: Callable[..., Any], **kwargs: Any) -> Any:
    """Keras 2's variables as handles without memory: only an assignment would allocate it."""
    initial = kwargs.get("initial_value")
    shape = kwargs.get("shape")
    if shape is None and initial is not None and not callable(initial):
        shape = getattr(initial, "shape", None)
    dtype = kwargs.get("dtype") or getattr(initial, "dtype", None)
    if shape is None or dtype is None or not tf.TensorShape(shape).is_fully_defined():
        return next_creator(**kwargs)  # an unusual variable (no static shape): made as asked
    return UninitializedVariable(
        shape=tf.TensorShape(shape),
        dtype=tf.as_dtype(dtype).base_dtype,
        name=kwargs.get("name"),
        trainable=kwargs.get("trainable", True),
        synchronization=kwargs.get("synchronization"),
        aggregation=kwargs.get("aggregation"),
    )


@contextmanager
def _no_weight_downloads() -> Iterator[None]:
    """Make any weight download raise instead of reaching the network."""

    def refuse(*args: object, **kwargs: object) -> str:
        raise _WeightsRequested()

    original = file_utils.get_file
    file_utils.get_file = refuse
    try:
        yield
    finally:
        file_utils.get_file = original


class _Rebuild:
    """One confirmation: build the model, then run each feed and the loss through it."""

    def __init__(self, description: ModelDescription, max_weight_bytes: int) -> None:
        self.description = description
        self.max_weight_bytes = max_weight_bytes
        self.node_of_layer: dict[int, str] = {}  # id(layer object) -> description layer id
        self.layer_of_node: dict[str, Any] = {}
        self.tensors: dict[str, Any] = {}
        self.model: Any = None
        self.parameter_count: int | None = None

    # The whole run ---------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "ok": False,
            "error": None,
            "layer_shapes": {},
            "output_shapes": [],
            "feed_errors": [],
            "parameter_count": None,
        }
        try:
            self._check_supported()
            with _lazy_variables():
                self._build()
            self._check_weight_budget()
            feed_errors = self._run_feeds()
            answer["feed_errors"] = [None if error is None else error.to_json() for error in feed_errors]
            # A model without a declared input is built by its first feed: count its weights now.
            self._check_weight_budget()
            first = next((error for error in feed_errors if error is not None), None)
            if first is not None:
                raise first
            answer["ok"] = True
        except Unsupported as error:
            answer["error"] = Failure("unsupported", str(error)).to_json()
        except Failure as failure:
            answer["error"] = failure.to_json()
        answer["layer_shapes"] = self._layer_shapes()
        answer["output_shapes"] = self._output_shapes()
        answer["parameter_count"] = self.parameter_count
        return answer

    # Whitelist -------------------------------------------------------------------------------

    def _check_supported(self) -> None:
        description = self.description
        for node in description.layers:
            _factory(node.class_name)
            for value in (
                *node.args,
                *(value for _, value in node.kwargs),
                *(v for _, v in node.call_kwargs),
            ):
                _check_literal(value)
        ids = [node.id for node in description.layers]
        if len(set(ids)) != len(ids):
            raise Unsupported("two layer nodes share an id")
        known = {f"input:{spec.name}" for spec in description.inputs}
        if description.kind == "sequential":
            if len(description.inputs) > 1:
                raise Unsupported("a Sequential model has at most one input")
            if any(node.inputs or node.call_kwargs for node in description.layers):
                raise Unsupported("sequential layers take no explicit inputs or call arguments")
            if not description.layers:
                raise Unsupported("the Sequential model has no layers")
            return
        if not description.inputs or not description.outputs:
            raise Unsupported("a functional model needs inputs and outputs")
        for node in description.layers:
            if not node.inputs:
                raise Unsupported(f"layer {node.id!r} is not called on any tensor")
            if "mask" in dict(node.call_kwargs):
                raise Unsupported(f"layer {node.id!r} is called with a mask")
            for ref in node.inputs:
                _check_reference(ref, known)
            known.add(node.id)
        for ref in description.outputs:
            _check_reference(ref, known)

    # Building ----------------------------------------------------------------------------------

    def _build(self) -> None:
        if self.description.kind == "sequential":
            self._build_sequential()
        else:
            self._build_functional()

    def _build_functional(self) -> None:
        description = self.description
        inputs = []
        for spec in description.inputs:
            tensor = _keras_input(spec)
            self.tensors[f"input:{spec.name}"] = tensor
            inputs.append(tensor)
        for node in description.layers:
            layer = self._construct(node)
            arguments = [self._tensor(ref) for ref in node.inputs]
            call_kwargs = {name: _python_value(value, self._construct_nested) for name, value in node.call_kwargs}
            try:
                if len(arguments) == 1:
                    output = layer(arguments[0], **call_kwargs)
                elif _takes_tensors_positionally(layer, len(arguments)):
                    output = layer(*arguments, **call_kwargs)  # MultiHeadAttention(query, value)
                else:
                    output = layer(arguments, **call_kwargs)  # Concatenate([a, b])
            except Exception as error:
                raise keras_failure("build", error, layer=node.id) from None
            self.tensors[node.id] = output
        outputs = [self._tensor(ref) for ref in description.outputs]
        try:
            self.model = keras.Model(
                inputs=inputs[0] if len(inputs) == 1 else inputs,
                outputs=outputs[0] if len(outputs) == 1 else outputs,
            )
        except Exception as error:
            raise keras_failure("build", error) from None

    def _build_sequential(self) -> None:
        model = keras.Sequential()
        self.model = model
        if self.description.inputs:
            model.add(_keras_input(self.description.inputs[0]))
        for node in self.description.layers:
            layer = self._construct(node)
            try:
                # With a declared input each `add` rebuilds the model, so a failure names its layer.
                model.add(layer)
            except Exception as error:
                raise keras_failure("build", error, layer=node.id) from None

    def _construct(self, node: LayerNode) -> Any:
        try:
            layer = self._instantiate(node.class_name, node.args, node.kwargs)
        except (Unsupported, Failure):
            raise
        except Exception as error:
            raise keras_failure("build", error, layer=node.id) from None
        self.node_of_layer[id(layer)] = node.id
        self.layer_of_node[node.id] = layer
        return layer

    def _construct_nested(self, nested: NestedLayer) -> Any:
        return self._instantiate(nested.class_name, nested.args, nested.kwargs)

    def _instantiate(
        self,
        class_name: str,
        args: Sequence[LiteralValue],
        kwargs: Sequence[tuple[str, LiteralValue]],
    ) -> Any:
        factory = _factory(class_name)
        positional = [_python_value(value, self._construct_nested) for value in args]
        named = {name: _python_value(value, self._construct_nested) for name, value in kwargs}
        for name in _FILE_ARGUMENTS & named.keys():
            if isinstance(named[name], str):
                raise Unsupported(f"{class_name}({name}=...) reads a file; only literal lists are rebuilt")
        if class_name.startswith("keras.applications."):
            return _application(factory, class_name, positional, named)
        return factory(*positional, **named)

    def _tensor(self, ref: str) -> Any:
        name, _, index = ref.rpartition(":") if _is_indexed(ref) else (ref, "", "")
        value = self.tensors[name]
        if not index:
            return value
        if not isinstance(value, (list, tuple)):
            raise Unsupported(f"{ref!r} indexes a layer with a single output")
        position = int(index)
        if position >= len(value):
            raise Unsupported(f"{ref!r}: that layer has {len(value)} outputs")
        return value[position]

    def _check_weight_budget(self) -> None:
        if self.model is None or not self.model.built:
            return
        count = 0
        size = 0
        for variable in self.model.weights:
            elements = math.prod(int(d) for d in variable.shape)
            count += elements
            size += elements * _itemsize(variable.dtype)
        self.parameter_count = count
        if size > self.max_weight_bytes:
            raise Failure(
                "memory",
                f"building this model would allocate {_format_bytes(size)} for {count:,} weights, "
                f"more than the {_format_bytes(self.max_weight_bytes)} the confirmation allows; "
                "it was not built",
            )

    # Feeding -----------------------------------------------------------------------------------

    def _run_feeds(self) -> list[Failure | None]:
        description = self.description
        unbuilt = description.kind == "sequential" and not description.inputs and not self.model.built
        if unbuilt and not any(feed.x for feed in description.feeds):
            raise Unsupported("the Sequential model declares no input and no data is fed to it")
        if description.loss is not None and any(feed.y for feed in description.feeds):
            try:
                self.model.compile(loss=description.loss, optimizer="sgd")
            except Exception as error:
                raise keras_failure("loss", error) from None
        return [self._feed(index, feed) for index, feed in enumerate(description.feeds)]

    def _feed(self, index: int, feed: Feed) -> Failure | None:
        if not feed.x:
            return None
        training = feed.method in _TRAINING_METHODS
        check_labels = bool(feed.y) and self.description.loss is not None and feed.method in _LOSS_METHODS
        try:
            _check_cardinality(feed, check_labels)
        except Exception as error:
            return keras_failure("feed", error, feed_index=index)
        batch = _traced_batch(feed)
        with _scratch_graph():
            x = _placeholders(feed.x, batch)

            def call_model() -> Any:
                return self.model(x, training=training)

            try:
                predicted = call_model()
            except Exception as error:
                return keras_failure("feed", error, layer=self._blame(call_model), feed_index=index)
            if not check_labels:
                return None
            y = _placeholders(feed.y, batch)
            try:
                if KERAS_MAJOR == 2:
                    self.model.compute_loss(x=x, y=y, y_pred=predicted)  # Keras 2 takes no `training`
                else:
                    self.model.compute_loss(x=x, y=y, y_pred=predicted, training=training)
            except Exception as error:
                return keras_failure("loss", error, feed_index=index)
        return None

    def _blame(self, call: Callable[[], Any]) -> str | None:
        """The described layer a failing call failed in, found by re-running it with full tracebacks."""
        # Keras 2 filters tracebacks with TensorFlow's switch; Keras 3 has its own.
        config = tf.debugging if KERAS_MAJOR == 2 else keras.config
        filtering = config.is_traceback_filtering_enabled()
        config.disable_traceback_filtering()
        try:
            call()
        except Exception as error:
            return self._innermost_layer(error)
        finally:
            if filtering:
                config.enable_traceback_filtering()
        return None

    def _innermost_layer(self, error: BaseException) -> str | None:
        # The original exception is the deepest in the chain; look there first.
        chain: list[BaseException] = []
        current: BaseException | None = error
        while current is not None and current not in chain:
            chain.append(current)
            current = current.__cause__ or current.__context__
        for exception in reversed(chain):
            found = None
            for frame, _ in traceback.walk_tb(exception.__traceback__):
                owner = frame.f_locals.get("self")
                if owner is not None and id(owner) in self.node_of_layer:
                    found = self.node_of_layer[id(owner)]
            if found is not None:
                return found
        return None

    # Shapes ----------------------------------------------------------------------------------

    def _layer_shapes(self) -> dict[str, list[list[int | None]]]:
        shapes: dict[str, list[list[int | None]]] = {}
        batch_was_traced = self.description.kind == "sequential" and not self.description.inputs
        for node in self.description.layers:
            if node.id in self.tensors:
                outputs = self.tensors[node.id]
            else:
                layer = self.layer_of_node.get(node.id)
                inbound = getattr(layer, "_inbound_nodes", None)
                if not inbound:
                    continue
                outputs = inbound[-1].outputs
            shapes[node.id] = [_shape(tensor, batch_was_traced) for tensor in _flat(outputs)]
        return shapes

    def _output_shapes(self) -> list[list[int | None]]:
        if self.model is None or not self.model.built:
            return []
        try:
            outputs = self.model.outputs
        except (AttributeError, ValueError):
            return []
        if outputs is None:
            return []  # Keras 2: a Sequential model that no feed built
        traced = self.description.kind == "sequential" and not self.description.inputs
        return [_shape(tensor, traced) for tensor in _flat(outputs)]


# Whitelisted construction ----------------------------------------------------------------------


def _factory(class_name: str) -> Callable[..., Any]:
    """The Keras class or application function a canonical name denotes, or `Unsupported`."""
    namespace, _, name = class_name.rpartition(".")
    if not _NAME.fullmatch(name):
        raise Unsupported(f"{class_name!r} is not a Keras layer name")
    if namespace == "keras.layers":
        if name in _REFUSED_LAYERS:
            raise Unsupported(f"{class_name} is not rebuilt from literals")
        candidate = getattr(keras.layers, name, None)
        if isinstance(candidate, type) and issubclass(candidate, keras.layers.Layer):
            return candidate
        raise Unsupported(f"{class_name} is not a layer of Keras {keras.__version__}")
    if namespace == "keras.applications":
        candidate = getattr(keras.applications, name, None)
        if name[:1].isupper() and callable(candidate) and not isinstance(candidate, types.ModuleType):
            return candidate  # type: ignore[no-any-return]
        raise Unsupported(f"{class_name} is not a model of keras.applications {keras.__version__}")
    raise Unsupported(f"{class_name!r} is outside keras.layers and keras.applications")


def _application(factory: Callable[..., Any], class_name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    weights = kwargs.get("weights", "imagenet")
    if weights not in (None, "imagenet"):
        raise Unsupported(f"{class_name}(weights=...) loads a file; only 'imagenet' or None are rebuilt")
    if weights != "imagenet":
        return factory(*args, **kwargs)
    # Build with the user's weights argument so Keras checks what pretrained weights
    # require (e.g. a 224x224 input with include_top); stop where the download begins.
    try:
        with _no_weight_downloads():
            return factory(*args, **kwargs)
    except _WeightsRequested as request:
        # The model was complete when the download was asked for: take it from the
        # application's frame instead of building it a second time.
        built = _model_in_frames(request)
    return built if built is not None else factory(*args, **{**kwargs, "weights": None})


def _model_in_frames(error: BaseException) -> Any:
    """The innermost local named `model` that is a Keras model, in the traceback of `error`."""
    found = None
    for frame, _ in traceback.walk_tb(error.__traceback__):
        candidate = frame.f_locals.get("model")
        if isinstance(candidate, keras.Model):
            found = candidate
    return found


def _check_literal(value: LiteralValue) -> None:
    if isinstance(value, NestedLayer):
        _factory(value.class_name)
        for item in (*value.args, *(v for _, v in value.kwargs)):
            _check_literal(item)
    elif isinstance(value, tuple):
        for item in value:
            _check_literal(item)


def _python_value(value: LiteralValue, construct: Callable[[NestedLayer], Any]) -> Any:
    if isinstance(value, NestedLayer):
        return construct(value)
    if isinstance(value, tuple):
        return tuple(_python_value(item, construct) for item in value)
    return value


def _takes_tensors_positionally(layer: Any, count: int) -> bool:
    """True when `call` has 2..count required positional parameters (query, value), not one list."""
    try:
        parameters = list(inspect.signature(layer.call).parameters.values())
    except (TypeError, ValueError):
        return False
    required = [
        parameter
        for parameter in parameters
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        and parameter.default is parameter.empty
    ]
    return 2 <= len(required) <= count


def _is_indexed(ref: str) -> bool:
    head, separator, tail = ref.rpartition(":")
    return bool(separator) and tail.isdigit() and head != "input"


def _check_reference(ref: str, known: set[str]) -> None:
    name = ref.rpartition(":")[0] if _is_indexed(ref) else ref
    if name not in known:
        raise Unsupported(f"tensor {ref!r} is used before it is defined")


def _keras_input(spec: InputSpec) -> Any:
    return keras.Input(shape=spec.shape, batch_size=spec.batch_size, dtype=spec.dtype, name=spec.keras_name)


# Feeding -------------------------------------------------------------------------------------


class _Sized:
    """Something with a shape, all that Keras's cardinality check reads."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape


def _check_cardinality(feed: Feed, with_labels: bool) -> None:
    """Keras's own "Data cardinality is ambiguous" check, on shapes only."""
    arrays = [spec for spec in (*feed.x, *(feed.y if with_labels else ())) if spec.shape]
    if len({spec.shape[0] for spec in arrays}) <= 1:
        return
    x = [_Sized(spec.shape) for spec in feed.x if spec.shape]
    y = [_Sized(spec.shape) for spec in feed.y if spec.shape] if with_labels else []
    if KERAS_MAJOR == 2:
        keras2_data_adapter._check_data_cardinality((x, y) if y else (x,))
    else:
        data_adapter_utils.check_data_cardinality((x, y) if y else (x,))


def _traced_batch(feed: Feed) -> int | None:
    """The batch size `fit` first traces with: the whole array for train_on_batch, else 32."""
    samples = feed.x[0].shape[0] if feed.x[0].shape else None
    if samples is None or samples == 0:
        return None
    return samples if feed.method == "train_on_batch" else min(samples, DEFAULT_BATCH_SIZE)


def _placeholders(specs: Sequence[ArraySpec], batch: int | None) -> Any:
    tensors = [
        tf.compat.v1.placeholder(
            shape=(batch, *spec.shape[1:]) if spec.shape else (), dtype=_data_dtype(spec.dtype), name="data"
        )
        for spec in specs
    ]
    return tensors[0] if len(tensors) == 1 else tensors


def _data_dtype(numpy_dtype: str) -> str:
    """The dtype Keras's array adapter hands the model: floats become floatx, others stay."""
    try:
        kind = np.dtype(numpy_dtype).kind
    except TypeError:
        return str(keras.backend.floatx())
    if kind == "f":
        return str(keras.backend.floatx())
    if KERAS_MAJOR == 2:
        return str(np.dtype(numpy_dtype).name)  # Keras 2's data adapter casts floats only
    return str(keras.backend.standardize_dtype(numpy_dtype))


def _itemsize(dtype: Any) -> int:
    if KERAS_MAJOR == 2:
        return int(tf.as_dtype(dtype).size)
    return int(np.dtype(keras.backend.standardize_dtype(dtype)).itemsize)


# Shapes ----------------------------------------------------------------------------------------


def _flat(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in _flat(element)]
    if isinstance(value, dict):
        return [item for element in value.values() for item in _flat(element)]
    return [value]


def _shape(tensor: Any, batch_was_traced: bool) -> list[int | None]:
    dims = [None if d is None else int(d) for d in tuple(tensor.shape)]
    if batch_was_traced and dims:
        dims[0] = None  # built from a traced batch; the model itself takes any batch size
    return dims


def _format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:,.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    return f"{size} B"
