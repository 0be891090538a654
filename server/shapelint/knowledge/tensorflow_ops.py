"""TensorFlow tensor functions that data pipelines apply to elements: cast, expand_dims, reshape, squeeze.

They move axes the way their NumPy namesakes do (the same transfer functions), and give tensors.
"""

from __future__ import annotations

from dataclasses import replace

from shapelint.calls import CallArgs
from shapelint.knowledge.numpy import FUNCTIONS, ArrayProblem, dtype_name
from shapelint.knowledge.registry import Evaluator, FunctionHandler, function
from shapelint.knowledge.tensor_ops import tensor_like_numpy
from shapelint.values import UNKNOWN, ArrayValue, TensorValue, Value

_LIKE_NUMPY = {
    "tensorflow.expand_dims": "numpy.expand_dims",
    "tensorflow.reshape": "numpy.reshape",
    "tensorflow.squeeze": "numpy.squeeze",
    "keras.ops.expand_dims": "numpy.expand_dims",
    "keras.ops.reshape": "numpy.reshape",
    "keras.ops.squeeze": "numpy.squeeze",
}


def _like_numpy(name: str) -> FunctionHandler:
    transfer = FUNCTIONS[name]

    def handler(ev: Evaluator, call: CallArgs) -> Value:
        if call.args and isinstance(call.args[0], TensorValue):  # a Keras tensor in a functional graph
            return tensor_like_numpy(ev, call, name, ("x", "axis" if name != "numpy.reshape" else "shape"))
        if not call.args or not isinstance(call.args[0], ArrayValue):
            return UNKNOWN
        try:
            result = transfer(CallArgs(call.args, call.kwargs, call.node, call.arg_nodes))
        except ArrayProblem as problem:
            ev.report_array_problem(problem.kind, problem.message, call.node)
            return UNKNOWN
        return replace(result, kind="tensor", origin=call.node) if isinstance(result, ArrayValue) else UNKNOWN

    return handler


for _name, _numpy_name in _LIKE_NUMPY.items():
    function(_name)(_like_numpy(_numpy_name))


@function("tensorflow.cast", "keras.ops.cast", "tensorflow.image.convert_image_dtype")
def _cast(ev: Evaluator, call: CallArgs) -> Value:
    source = call.get(0, "x") or call.get(None, "image")
    if isinstance(source, TensorValue):
        return TensorValue(source.shape, dtype_name(call.get(1, "dtype")), source.roots)
    if not isinstance(source, ArrayValue):
        return UNKNOWN
    return ArrayValue(source.shape, dtype_name(call.get(1, "dtype")), kind="tensor", classes=source.classes)
