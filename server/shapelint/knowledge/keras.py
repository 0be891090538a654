"""Keras: the library names that make inputs, layers and models, and what models and layers answer.

The semantics live in `shapelint.keras_models` (one `KerasModels` per analysis, from
`ev.state(KerasModels)`); this overlay only says which canonical names, methods and
attributes lead there.
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.facts import LayerValue, ModelValue
from shapelint.keras_models import FEED_METHODS, KerasModels
from shapelint.knowledge.applications import find_application
from shapelint.knowledge.layers import CATALOG, MERGE_FUNCTIONS
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
from shapelint.shapes import UNKNOWN_SHAPE, broadcast
from shapelint.values import (
    UNKNOWN,
    BoundMethod,
    Const,
    InstanceValue,
    Seq,
    TensorValue,
    Value,
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


# Calling layers and models --------------------------------------------------------------------


@method(LayerValue, "__call__")
def _call_layer(ev: Evaluator, layer: LayerValue, call: CallArgs) -> Value:
    return _models(ev).apply_layer_call(layer, call)


@method(ModelValue, "__call__")
def _call_model(ev: Evaluator, model: ModelValue, call: CallArgs) -> Value:
    return _models(ev).call_model(model, call)


def _model_method(name: str) -> MethodHandler:
    return lambda ev, model, call: _models(ev).model_method(model, name, call)


for _name in ("add", "compile", "build", *FEED_METHODS):
    method(ModelValue, _name)(_model_method(_name))


# Attributes -----------------------------------------------------------------------------------


@attribute(ModelValue, "output", "outputs", "input", "inputs")
def _model_tensors(ev: Evaluator, model: ModelValue, name: str) -> Value:
    group = model.outputs if name.startswith("output") else model.inputs
    if name in ("output", "input"):
        return group[0] if len(group) == 1 else (Seq(tuple(group), "list") if group else UNKNOWN)
    return Seq(tuple(group), "list") if group else UNKNOWN


@attribute(ModelValue, "layers")
def _model_layers(ev: Evaluator, model: ModelValue, name: str) -> Value:
    return Seq(tuple(model.layers), "list") if model.layers else UNKNOWN


@attribute(LayerValue, "output")
def _layer_output(ev: Evaluator, layer: LayerValue, name: str) -> Value:
    return layer.calls[-1].output if layer.calls else BoundMethod(layer, name)


@attribute(TensorValue, "shape")
def _tensor_shape(ev: Evaluator, tensor: TensorValue, name: str) -> Value:
    if tensor.shape.dims is None:
        return UNKNOWN
    return Seq(tuple(Const(d) for d in tensor.shape.dims))


@operator(TensorValue, priority=1)
def _tensor_arithmetic(ev: Evaluator, left: Value, right: Value, op: str) -> Value:
    """Keras tensors broadcast like arrays; the result derives from both operands' inputs."""
    tensors = [v for v in (left, right) if isinstance(v, TensorValue)]
    roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors))
    if len(tensors) == 1:
        return TensorValue(tensors[0].shape, tensors[0].dtype, roots)
    shape = broadcast(tensors[0].shape, tensors[1].shape)
    return TensorValue(shape if shape is not None else UNKNOWN_SHAPE, None, roots)
