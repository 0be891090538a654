"""Tensor functions on Keras tensors: `keras.ops.*`, `tf.*` and `keras.backend.*` inside functional graphs.

`keras.ops.concatenate([a, b], axis=-1)`, `tf.expand_dims(x, -1)`, `K.mean(x, axis=1)`,
`ops.matmul(q, k)`... move axes the way their NumPy namesakes do, so each one runs NumPy's
transfer function (knowledge/numpy.py) on the tensors' shapes, batch axis included, and gives a
Keras tensor derived from the same model inputs. Called on arrays, they give eager tensors.
A call a tensor function would reject is left unknown here: rules report arrays' mistakes, and a
graph that fails to build is Keras's own error.

Keras 3 rejects `tf.*` functions on Keras tensors outside a `Lambda` layer (Keras 2 wraps them in
layers): their shapes are the same either way, and that error is not a shape mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from shapelint.calls import CallArgs
from shapelint.knowledge.numpy import FUNCTIONS, ArrayProblem, matmul_shape, reduced
from shapelint.knowledge.registry import Evaluator, function, function_prefix
from shapelint.shapes import UNKNOWN_SHAPE, broadcast
from shapelint.values import UNKNOWN, ArrayValue, Const, Seq, TensorValue, Value, int_tuple

Transfer = Callable[[CallArgs], Value]


def _as_array(value: Value) -> Value:
    if isinstance(value, TensorValue):
        return ArrayValue(value.shape, value.dtype, kind="tensor")
    if isinstance(value, Seq):
        return Seq(tuple(_as_array(item) for item in value.items), value.kind)
    return value


def _tensors(values: Sequence[Value]) -> list[TensorValue]:
    found: list[TensorValue] = []
    for value in values:
        if isinstance(value, TensorValue):
            found.append(value)
        elif isinstance(value, Seq):
            found.extend(_tensors(value.items))
    return found


def on_tensors(ev: Evaluator, call: CallArgs, transfer: Transfer, arguments: Sequence[Value]) -> Value:
    """Run an array transfer on `arguments` (Keras tensors read as arrays of their shape).

    With a Keras tensor among them, the result is a Keras tensor of the inputs' roots; otherwise
    the eager tensor the function makes of arrays.
    """
    tensors = _tensors(arguments)
    converted = CallArgs([_as_array(value) for value in arguments], {}, call.node)
    try:
        result = transfer(converted)
    except ArrayProblem as problem:
        if tensors:
            return ev.unknown("the tensor function would reject these shapes")
        ev.report_array_problem(problem.kind, problem.message, call.node)
        return UNKNOWN
    if not isinstance(result, ArrayValue):
        return UNKNOWN
    if tensors:
        roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors))
        return TensorValue(result.shape, result.dtype, roots)
    return ArrayValue(result.shape, result.dtype, kind="tensor", origin=call.node)


def _positional(
    params: Sequence[str], defaults: Mapping[str, Value] | None = None
) -> Callable[[CallArgs], list[Value] | None]:
    """The call's arguments in `params` order (a missing one takes its default; none: unknown)."""

    def bind(call: CallArgs) -> list[Value] | None:
        if call.has_star:
            return None
        bound = call.bind(params)
        values = []
        for name in params:
            value = bound.get(name, (defaults or {}).get(name))
            if value is None:
                return None
            values.append(value)
        return values

    return bind


def _register(names: Sequence[str], numpy_name: str, bind: Callable[[CallArgs], list[Value] | None]) -> None:
    transfer = FUNCTIONS[numpy_name]

    def handler(ev: Evaluator, call: CallArgs) -> Value:
        arguments = bind(call)
        if arguments is None:
            return UNKNOWN
        return on_tensors(ev, call, transfer, arguments)

    function(*names)(handler)


# Axes: (names, numpy function, parameter names in the call's order, defaults).
_NONE = Const(None)
_AXIS_FUNCTIONS: tuple[tuple[tuple[str, ...], str, tuple[str, ...], dict[str, Value]], ...] = (
    (("keras.backend.expand_dims",), "numpy.expand_dims", ("x", "axis"), {"axis": Const(-1)}),
    (("keras.backend.reshape",), "numpy.reshape", ("x", "shape"), {}),
    (("keras.backend.squeeze",), "numpy.squeeze", ("x", "axis"), {}),
    (("tensorflow.transpose",), "numpy.transpose", ("a", "perm"), {"perm": _NONE}),
    (("keras.ops.transpose",), "numpy.transpose", ("x", "axes"), {"axes": _NONE}),
    (("keras.backend.permute_dimensions",), "numpy.transpose", ("x", "pattern"), {}),
    (("tensorflow.concat",), "numpy.concatenate", ("values", "axis"), {}),
    (("keras.ops.concatenate",), "numpy.concatenate", ("xs", "axis"), {"axis": Const(0)}),
    (("keras.backend.concatenate",), "numpy.concatenate", ("tensors", "axis"), {"axis": Const(-1)}),
    (("tensorflow.stack", "keras.ops.stack"), "numpy.stack", ("values", "axis"), {"axis": Const(0)}),
    (("keras.backend.stack",), "numpy.stack", ("x", "axis"), {"axis": Const(0)}),
)
for _names, _numpy_name, _params, _defaults in _AXIS_FUNCTIONS:
    _register(_names, _numpy_name, _positional(_params, _defaults))


def tensor_like_numpy(ev: Evaluator, call: CallArgs, numpy_name: str, params: Sequence[str]) -> Value:
    """`tf.expand_dims`/`tf.reshape`/`tf.squeeze` on a Keras tensor (their array form is in tensorflow_ops)."""
    if call.has_star:
        return UNKNOWN
    arguments = list(call.args[: len(params)])
    for name in params[len(arguments) :]:
        if name not in call.kwargs:
            break
        arguments.append(call.kwargs[name])
    return on_tensors(ev, call, FUNCTIONS[numpy_name], arguments)


# Reductions ---------------------------------------------------------------------------------------

_REDUCTIONS = ("mean", "sum", "max", "min", "prod", "std", "var")


def _axes(value: Value) -> list[int] | None:
    dims = int_tuple(value, allow_none=False)
    return [d for d in dims if d is not None] if dims is not None else None


def _reduction(first: str, default_axis: Value) -> Callable[[Evaluator, CallArgs], Value]:
    def handler(ev: Evaluator, call: CallArgs) -> Value:
        source = call.get(0, first)
        axis = call.get(1, "axis") or default_axis
        keepdims = call.get(2, "keepdims") or Const(False)
        if not isinstance(source, (TensorValue, ArrayValue)) or not isinstance(keepdims, Const):
            return UNKNOWN
        axes = _axes(axis)
        if axes is None or not isinstance(keepdims.value, bool):
            return ev.unknown("reduction axis not a literal")
        shape = reduced(source.shape, axes, keepdims.value)
        if shape is None:
            return UNKNOWN
        if isinstance(source, TensorValue):
            return TensorValue(shape, source.dtype, source.roots)
        return ArrayValue(shape, source.dtype, kind="tensor", origin=call.node)

    return handler


for _reduce in _REDUCTIONS:
    function(f"tensorflow.reduce_{_reduce}", f"tensorflow.math.reduce_{_reduce}")(_reduction("input_tensor", _NONE))
    function(f"keras.ops.{_reduce}")(_reduction("x", _NONE))
    function(f"keras.backend.{_reduce}")(_reduction("x", _NONE))


# Element-wise functions ---------------------------------------------------------------------------

_UNARY = ("relu", "sigmoid", "tanh", "exp", "log", "abs", "sqrt", "square", "softmax", "elu", "selu", "softplus")


def _unary(ev: Evaluator, call: CallArgs) -> Value:
    source = call.args[0] if call.args else next(iter(call.kwargs.values()), None)
    if isinstance(source, TensorValue):
        return TensorValue(source.shape, source.dtype, source.roots)
    return UNKNOWN


def _binary(ev: Evaluator, call: CallArgs) -> Value:
    if len(call.args) != 2 or call.kwargs:
        return UNKNOWN
    tensors = [v for v in call.args if isinstance(v, TensorValue)]
    if not tensors or not all(isinstance(v, (TensorValue, ArrayValue, Const)) for v in call.args):
        return UNKNOWN
    roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors))
    shapes = [v.shape for v in call.args if isinstance(v, (TensorValue, ArrayValue))]
    shape = shapes[0] if len(shapes) == 1 else broadcast(shapes[0], shapes[1])
    return TensorValue(shape if shape is not None else UNKNOWN_SHAPE, None, roots)


def _matmul(ev: Evaluator, call: CallArgs) -> Value:
    if len(call.args) != 2:
        return UNKNOWN
    return tensor_matmul(ev, call.args[0], call.args[1])


def tensor_matmul(ev: Evaluator, left: Value, right: Value) -> Value:
    """`a @ b` with a Keras tensor on either side (the other may be a weight or an array)."""
    tensors = [v for v in (left, right) if isinstance(v, TensorValue)]
    if (
        not tensors
        or not isinstance(left, (TensorValue, ArrayValue))
        or not isinstance(right, (TensorValue, ArrayValue))
    ):
        return UNKNOWN
    roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors))
    try:
        shape = matmul_shape(left.shape, right.shape)
    except ArrayProblem:
        return ev.unknown("the tensor function would reject these shapes")
    return TensorValue(shape if shape is not None else UNKNOWN_SHAPE, None, roots)


_UNARY_NAMES = [
    *(f"keras.ops.{name}" for name in _UNARY),
    *(f"keras.backend.{name}" for name in _UNARY if name not in ("selu",)),
    *(f"keras.activations.{name}" for name in ("relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus")),
    *(f"tensorflow.nn.{name}" for name in ("relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus")),
    *(f"tensorflow.math.{name}" for name in ("exp", "log", "abs", "sqrt", "square", "sigmoid", "tanh")),
    "tensorflow.exp",
    "tensorflow.abs",
    "tensorflow.sqrt",
    "tensorflow.square",
    "tensorflow.sigmoid",
    "tensorflow.tanh",
    "tensorflow.identity",
    "tensorflow.stop_gradient",
    "tensorflow.nn.l2_normalize",
    "tensorflow.math.l2_normalize",
    "keras.backend.l2_normalize",
    "keras.ops.normalize",
]
_BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum")
function(*_UNARY_NAMES)(_unary)
function(
    *(f"tensorflow.{name}" for name in _BINARY),
    *(f"tensorflow.math.{name}" for name in _BINARY),
    *(f"keras.ops.{name}" for name in _BINARY),
    "keras.backend.maximum",
    "keras.backend.minimum",
)(_binary)
function("tensorflow.matmul", "tensorflow.linalg.matmul", "keras.ops.matmul")(_matmul)


@function_prefix("keras.applications.", lambda name: name.endswith(".preprocess_input"))
def _preprocess_input(ev: Evaluator, call: CallArgs, name: str) -> Value:
    """`keras.applications.<family>.preprocess_input(x)` scales or reorders channels: the shape stays."""
    source = call.get(0, "x")
    if isinstance(source, TensorValue):
        return TensorValue(source.shape, "float32", source.roots)
    if isinstance(source, ArrayValue):
        return ArrayValue(source.shape, "float32", source.name, kind=source.kind, classes=None)
    return UNKNOWN
