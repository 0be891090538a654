"""Keras: the library names that make inputs, layers and models, and what models and layers answer.

The semantics live in `shapelint.keras_models` (one `KerasModels` per analysis, from
`ev.state(KerasModels)`); this overlay only says which canonical names, methods and
attributes lead there.
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.facts import InputFact, LayerValue, ModelValue
from shapelint.keras_graph import INPUT_LAYER, get_layer, layers_value, model_layers
from shapelint.keras_models import FEED_METHODS, KerasModels
from shapelint.keras_tracing import class_method
from shapelint.knowledge.applications import find_application
from shapelint.knowledge.layers import CATALOG, MERGE_FUNCTIONS
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.registry import (
    Evaluator,
    FunctionHandler,
    MethodHandler,
    PrefixHandler,
    attribute,
    function,
    function_prefix,
    method,
    operator,
    subclass_of,
)
from shapelint.knowledge.tensor_ops import tensor_matmul
from shapelint.shapes import UNKNOWN_SHAPE, Shape, broadcast
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    InstanceValue,
    ObjectValue,
    Seq,
    TensorValue,
    Value,
    int_tuple,
)

_LAYERS = "keras.layers."


def _models(ev: Evaluator) -> KerasModels:
    return ev.state(KerasModels)


# Constructors ---------------------------------------------------------------------------------


@function("keras.Input")
def _input(ev: Evaluator, call: CallArgs) -> Value:
    return _models(ev).keras_input(call)


@function("keras.Sequential")
def _sequential(ev: Evaluator, call: CallArgs) -> Value:
    return _models(ev).make_sequential(call)


@function("keras.Model")
def _functional(ev: Evaluator, call: CallArgs) -> Value:
    return _models(ev).make_functional(call)


@function_prefix(_LAYERS, lambda name: name[len(_LAYERS) : len(_LAYERS) + 1].isupper())
def _layer(ev: Evaluator, call: CallArgs, name: str) -> Value:
    """Any capitalised `keras.layers.X(...)`; layers missing from the catalog have unknown outputs."""
    return _models(ev).make_layer(name, call)


def _named(handler: PrefixHandler, name: str) -> FunctionHandler:
    return lambda ev, call: handler(ev, call, name)


def _merge(ev: Evaluator, call: CallArgs, name: str) -> Value:
    return _models(ev).merge_function(name, call)


def _application(ev: Evaluator, call: CallArgs, name: str) -> Value:
    return _models(ev).make_application(name, call)


for _name in CATALOG:  # by exact name too, so `from keras.layers import *` brings them in
    function(_name)(_named(_layer, _name))
for _name in MERGE_FUNCTIONS:
    function(_name)(_named(_merge, _name))
function_prefix("keras.applications.", lambda name: find_application(name) is not None)(_application)


@subclass_of("keras.Model")
def _model_subclass(ev: Evaluator, instance: InstanceValue, call: CallArgs) -> None:
    _models(ev).subclass_instance(instance, call)


@subclass_of("keras.layers.Layer")
def _layer_subclass(ev: Evaluator, instance: InstanceValue, call: CallArgs) -> None:
    _models(ev).user_layer(instance, call)


subclass_of("keras.Layer")(_layer_subclass)


# Calling layers and models --------------------------------------------------------------------


@method(LayerValue, "__call__")
def _call_layer(ev: Evaluator, layer: LayerValue, call: CallArgs) -> Value:
    return _models(ev).apply_layer_call(layer, call)


@method(InstanceValue, "__call__")
def _call_instance(ev: Evaluator, instance: InstanceValue, call: CallArgs) -> Value:
    """An instance of the program's Layer or Model subclass called on tensors."""
    if class_method(instance.cls, "__call__") is not None:
        return ev.call(BoundMethod(instance, "__call__"), call)
    target = instance.library_object
    if isinstance(target, LayerValue):
        return _models(ev).apply_layer_call(target, call)
    if isinstance(target, ModelValue):
        return _models(ev).call_model(target, call)
    return UNKNOWN


@method(ModelValue, "__call__")
def _call_model(ev: Evaluator, model: ModelValue, call: CallArgs) -> Value:
    return _models(ev).call_model(model, call)


def _model_method(name: str) -> MethodHandler:
    return lambda ev, model, call: _models(ev).model_method(model, name, call)


for _name in ("add", "compile", "build", *FEED_METHODS):
    method(ModelValue, _name)(_model_method(_name))


_ESTIMATOR = "tensorflow.estimator.Estimator"
_ESTIMATOR_METHODS = {"train": "fit", "evaluate": "evaluate", "predict": "predict"}


@function("keras.estimator.model_to_estimator")
def _model_to_estimator(ev: Evaluator, call: CallArgs) -> Value:
    """Keras 2's `model_to_estimator(keras_model=model)`: an Estimator that feeds `input_fn`'s data to the model."""
    model = call.get(0, "keras_model")
    return ObjectValue(_ESTIMATOR, model) if isinstance(model, ModelValue) else UNKNOWN


def _estimator_feed(method_name: str) -> MethodHandler:
    """`estimator.train(input_fn=...)`: the data `input_fn` returns is fed to the Keras model."""

    def handler(ev: Evaluator, estimator: ObjectValue, call: CallArgs) -> Value:
        input_fn = call.get(0, "input_fn")
        if not isinstance(estimator.state, ModelValue) or input_fn is None:
            return UNKNOWN
        data = ev.call(input_fn, CallArgs([], {}, call.node))
        if data is not UNKNOWN:
            _models(ev).model_method(estimator.state, method_name, CallArgs([data], {}, call.node))
        return UNKNOWN

    return handler


for _name, _feed in _ESTIMATOR_METHODS.items():
    method(_ESTIMATOR, _name)(_estimator_feed(_feed))


# Attributes -----------------------------------------------------------------------------------


@attribute(ModelValue, "output", "outputs", "input", "inputs")
def _model_tensors(ev: Evaluator, model: ModelValue, name: str) -> Value:
    group = model.outputs if name.startswith("output") else model.inputs
    if name in ("output", "input"):
        return group[0] if len(group) == 1 else (Seq(tuple(group), "list") if group else UNKNOWN)
    return Seq(tuple(group), "list") if group else UNKNOWN


@attribute(ModelValue, "layers")
def _model_layers(ev: Evaluator, model: ModelValue, name: str) -> Value:
    return layers_value(model_layers(ev.facts, model))


@method(ModelValue, "get_layer")
def _get_layer(ev: Evaluator, model: ModelValue, call: CallArgs) -> Value:
    found = model_layers(ev.facts, model)
    if found is None:
        return ev.unknown("the model's layers are not known")
    return get_layer(found, call.get(0, "name"), call.get(1, "index"))


@attribute(ModelValue, "output_shape", "input_shape")
def _model_shape(ev: Evaluator, model: ModelValue, name: str) -> Value:
    group = model.outputs if name == "output_shape" else model.inputs
    if len(group) != 1:
        return UNKNOWN
    return shape_tuple(group[0])


@attribute(LayerValue, "output", "input", "output_shape", "input_shape")
def _layer_output(ev: Evaluator, layer: LayerValue, name: str) -> Value:
    if not layer.calls:
        return BoundMethod(layer, name) if name == "output" else UNKNOWN
    if name.endswith("_shape") and ev.keras_major >= 3:
        return UNKNOWN  # Keras 3 layers have no output_shape/input_shape
    fact = layer.calls[-1]
    if name.startswith("output"):
        tensor = fact.output
    else:
        tensor = fact.inputs[0] if len(fact.inputs) == 1 else Seq(fact.inputs, "list")
    return shape_tuple(tensor) if name.endswith("_shape") else tensor


@method(LayerValue, "add_weight")
def _add_weight(ev: Evaluator, layer: LayerValue, call: CallArgs) -> Value:
    """A custom layer's weight (`self.add_weight(shape=(input_shape[-1], self.units))`): a tensor of that shape."""
    shape = call.kwargs.get("shape")
    if shape is None and call.args:
        # Keras 3 takes the shape first; Keras 2 takes the name first, then the shape.
        shape = call.args[1] if isinstance(call.args[0], Const) and len(call.args) > 1 else call.args[0]
    dims = int_tuple(shape) if shape is not None else None
    if dims is None or None in dims:
        return UNKNOWN
    return ArrayValue(Shape(dims), dtype_name(call.kwargs.get("dtype")) or "float32", kind="tensor")


@attribute(INPUT_LAYER, "output")
def _input_layer_output(ev: Evaluator, layer: ObjectValue, name: str) -> Value:
    """`model.layers[0].output` of a functional model: the declared input tensor."""
    return layer.state.tensor if isinstance(layer.state, InputFact) else UNKNOWN


@attribute(TensorValue, "shape")
def _tensor_shape(ev: Evaluator, tensor: TensorValue, name: str) -> Value:
    return shape_tuple(tensor)


def shape_tuple(tensor: Value) -> Value:
    """A tensor's shape as Python sees it: a tuple of ints and None, or UNKNOWN."""
    if not isinstance(tensor, TensorValue) or tensor.shape.dims is None:
        return UNKNOWN
    return Seq(tuple(Const(d) for d in tensor.shape.dims))


# Before arrays' arithmetic: a Keras tensor with a weight or an array (`x @ w + b`) is a Keras tensor.
@operator(TensorValue, priority=-1)
def _tensor_arithmetic(ev: Evaluator, left: Value, right: Value, op: str) -> Value:
    """Keras tensors broadcast like arrays; the result derives from both operands' inputs."""
    if op == "@":
        return tensor_matmul(ev, left, right)
    tensors = [v for v in (left, right) if isinstance(v, TensorValue)]
    roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors))
    shaped = [v for v in (left, right) if isinstance(v, (TensorValue, ArrayValue))]
    if len(shaped) == 1:
        return TensorValue(tensors[0].shape, tensors[0].dtype, roots)
    shape = broadcast(shaped[0].shape, shaped[1].shape)
    return TensorValue(shape if shape is not None else UNKNOWN_SHAPE, None, roots)
