"""Output shapes of layers whose behaviour is the program's own code: `Lambda` and `Layer` subclasses.

Keras 3 takes a layer's output shape from its `compute_output_shape` when the layer defines one,
and otherwise traces `call` on symbolic tensors (Keras 2 always traces `call` when there is one).
shapelint does the same with the program's code, abstractly: `compute_output_shape(input_shape)` evaluated on the input
shape, or `build(input_shape)` then `call(inputs)` evaluated on a tensor of the input's shape.
Only a fully known result is a shape; anything else leaves the output unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator
from shapelint.shapes import Shape
from shapelint.source import NodeRef
from shapelint.values import (
    BoundMethod,
    ClassValue,
    Const,
    DictValue,
    FunctionValue,
    InstanceValue,
    LambdaValue,
    Seq,
    TensorValue,
    Value,
    int_tuple,
)

_MAX_BASES = 8


def class_method(cls: ClassValue, name: str) -> FunctionValue | None:
    """A method the class defines or inherits from a class of the program (not from the library)."""
    return next((current.methods[name] for current in cls.lineage(_MAX_BASES) if name in current.methods), None)


def shape_value(shape: Shape) -> Value:
    """An input shape as `compute_output_shape`/`build` receive it: a tuple of ints and None."""
    assert shape.dims is not None
    return Seq(tuple(Const(d) for d in shape.dims))


def _known_shape(value: Value) -> Shape | None:
    dims = int_tuple(value)
    return Shape(dims) if dims is not None and len(dims) >= 1 else None


def _traced_shape(result: Value) -> Shape | None:
    """What a traced `call` returned, when it is one tensor of known rank."""
    if isinstance(result, TensorValue) and result.shape.dims is not None:
        return result.shape
    return None


def _tensors_argument(inputs: Sequence[TensorValue], roots: frozenset[int]) -> Value:
    fresh = [TensorValue(t.shape, t.dtype, roots) for t in inputs]
    return fresh[0] if len(fresh) == 1 else Seq(tuple(fresh), "list")


def _shapes_argument(inputs: Sequence[TensorValue]) -> Value | None:
    if any(t.shape.dims is None for t in inputs):
        return None
    shapes = [shape_value(t.shape) for t in inputs]
    return shapes[0] if len(shapes) == 1 else Seq(tuple(shapes), "list")


def user_layer_output(
    ev: Evaluator, instance: InstanceValue, inputs: Sequence[TensorValue], node: NodeRef | None
) -> Shape | None:
    """The output shape of an instance of a `keras.layers.Layer` subclass called on `inputs`, or None."""
    roots: frozenset[int] = frozenset().union(*(t.roots for t in inputs))
    cls = instance.cls
    shapes = _shapes_argument(inputs)
    compute = class_method(cls, "compute_output_shape")
    call = class_method(cls, "call")
    if compute is not None and (ev.keras_major >= 3 or call is None):  # Keras 2 traces call() in graphs
        if shapes is None:
            return None
        return _known_shape(ev.call(compute, CallArgs([instance, shapes], {}, node)))
    if call is None:
        return None
    build = class_method(cls, "build")
    if build is not None and shapes is not None:
        ev.call(build, CallArgs([instance, shapes], {}, node))
    return _traced_shape(ev.call(call, CallArgs([instance, _tensors_argument(inputs, roots)], {}, node)))


def lambda_output(
    ev: Evaluator,
    function: Value,
    output_shape: Value | None,
    arguments: Value | None,
    inputs: Sequence[TensorValue],
    node: NodeRef | None,
) -> Shape | None:
    """`keras.layers.Lambda(function, output_shape=...)` called on `inputs`: its output shape, or None.

    A literal `output_shape` (per sample: Keras adds the input's batch axis) or a callable one,
    and the function traced on the inputs; when both are known and disagree, Keras 2 and 3 differ
    (Keras 3 believes `output_shape`, Keras 2 the traced tensor), so nothing is known.
    """
    declared: Shape | None = None
    if output_shape is not None and output_shape != Const(None):
        shapes = _shapes_argument(inputs)
        if isinstance(output_shape, (FunctionValue, LambdaValue, BoundMethod)):
            declared = _known_shape(ev.call(output_shape, CallArgs([shapes], {}, node))) if shapes else None
        else:
            per_sample = int_tuple(output_shape)
            batch = inputs[0].shape.dims[0] if inputs and inputs[0].shape.dims else None
            declared = Shape((batch, *per_sample)) if per_sample is not None else None
        if declared is None:
            return None
    traced: Shape | None = None
    if isinstance(function, (FunctionValue, LambdaValue)):
        roots: frozenset[int] = frozenset().union(*(t.roots for t in inputs))
        kwargs: dict[str, Value] = {}
        if isinstance(arguments, DictValue):
            for key, value in zip(arguments.keys, arguments.values):
                if not (isinstance(key, Const) and isinstance(key.value, str)):
                    return declared
                kwargs[key.value] = value
        elif arguments is not None and arguments != Const(None):
            return declared
        traced = _traced_shape(ev.call(function, CallArgs([_tensors_argument(inputs, roots)], kwargs, node)))
    if declared is not None and traced is not None:
        return declared if traced == declared else None
    return declared or traced
