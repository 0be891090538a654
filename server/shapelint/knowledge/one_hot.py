"""One-hot encoding in TensorFlow and Keras: `tf.one_hot`, `keras.ops.one_hot`, `keras.backend.one_hot`.

The result has the indices' shape with a new axis of size `depth` (default: last). Unlike
`keras.utils.to_categorical`, a trailing axis of size 1 is kept: labels of shape (N, 1)
become (N, 1, depth), a common source of label/output mismatches.
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.knowledge.numpy import dtype_name, literal_array_shape
from shapelint.knowledge.registry import Evaluator, FunctionHandler, function
from shapelint.shapes import Shape, normalize_axis
from shapelint.values import UNKNOWN, ArrayValue, Const, TensorValue, Value, const_int


def one_hot_shape(indices: Shape, depth: int | None, axis: int) -> Shape | None:
    """The shape of one_hot(indices, depth, axis): None when the indices' rank or the axis is unknown."""
    if indices.dims is None:
        return None
    position = normalize_axis(axis, len(indices.dims) + 1)
    if position is None:
        return None
    dims = list(indices.dims)
    dims.insert(position, depth)
    return Shape(tuple(dims))


def _one_hot(depth_name: str, symbolic: bool) -> FunctionHandler:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        indices = call.get(0, "indices") or call.get(0, "x")
        depth_value = call.get(1, depth_name)
        axis_value = call.get(None, "axis")
        axis = -1 if axis_value is None or axis_value == Const(None) else const_int(axis_value)
        if indices is None or depth_value is None or axis is None:
            return UNKNOWN
        depth = const_int(depth_value)  # a depth not known here is an unknown size, never a guess
        dtype = dtype_name(call.get(None, "dtype")) or "float32"
        if isinstance(indices, TensorValue):
            shape = one_hot_shape(indices.shape, depth, axis) if symbolic else None
            return TensorValue(shape, dtype, indices.roots) if shape is not None else UNKNOWN
        found = literal_array_shape(indices)
        shape = one_hot_shape(found[0], depth, axis) if found is not None else None
        if shape is None:
            return UNKNOWN
        return ArrayValue(shape, dtype, origin=call.node, kind="tensor")

    return handler


# tf.one_hot(indices, depth, on_value, off_value, axis, dtype): eager tensors (a Keras tensor needs keras.ops).
function("tensorflow.one_hot")(_one_hot("depth", symbolic=False))
# keras.ops.one_hot(x, num_classes, axis=-1, dtype=None): eager, or symbolic inside a functional model.
function("keras.ops.one_hot", "keras.backend.one_hot")(_one_hot("num_classes", symbolic=True))
