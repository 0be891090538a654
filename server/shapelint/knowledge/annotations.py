"""Shapes users write in annotations: jaxtyping and `typing.Annotated`.

    def train(x: Float[np.ndarray, "batch 28 28"], y: Int[np.ndarray, "batch"]): ...
    def embed(tokens: Annotated[np.ndarray, (None, 100)]): ...

Subscripting the annotation type (`__class_getitem__`) gives an `ObjectValue` describing an
array type; a parameter whose argument is unknown (a function never called, or called with
unknown data) takes an array of that shape (`__instance__`). Only literal dims become sizes:
named dims (`batch`, `_`, `#n`, `n+1`) are unknown, and a variadic part (`...`, `*batch`)
leaves the whole shape unknown, since the rank is then unknown.
"""

from __future__ import annotations

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, function, function_prefix, method
from shapelint.shapes import Shape
from shapelint.values import UNKNOWN, ArrayValue, ObjectValue, RefValue, Value, const_str, int_tuple

ARRAY_TYPE = "jaxtyping.AbstractArray"  # an annotation that describes an array: state (dims, dtype, kind)
# The array classes an annotation may wrap, and whether their values are NumPy arrays or tensors.
_ARRAY_CLASSES = {
    "numpy.ndarray": "ndarray",
    "numpy.typing.NDArray": "ndarray",
    "jaxtyping.Array": "tensor",
    "jax.Array": "tensor",
    "jax.numpy.ndarray": "tensor",
    "tensorflow.Tensor": "tensor",
    "torch.Tensor": "tensor",
}
# jaxtyping dtype families -> the dtype the rules see (None: any, e.g. Shaped or Num).
_JAXTYPING_DTYPES: dict[str, str | None] = {
    "Shaped": None,
    "Num": None,
    "Real": None,
    "Inexact": None,
    "Float": "float32",
    "Float16": "float16",
    "BFloat16": "bfloat16",
    "Float32": "float32",
    "Float64": "float64",
    "Int": "int64",
    "Integer": "int64",
    "Int8": "int8",
    "Int16": "int16",
    "Int32": "int32",
    "Int64": "int64",
    "UInt": "uint8",
    "UInt8": "uint8",
    "UInt16": "uint16",
    "UInt32": "uint32",
    "UInt64": "uint64",
    "Bool": "bool",
}
_SUBSCRIPT = ".__class_getitem__"


def parse_dims(text: str) -> tuple[int | None, ...] | None:
    """jaxtyping's dimension string: "batch 28 28" -> (None, 28, 28); None when the rank is unknown."""
    dims: list[int | None] = []
    for token in text.replace(",", " ").split():
        if token == "..." or token.startswith("*"):
            return None  # any number of axes
        if token.isdigit():
            dims.append(int(token))
        else:
            dims.append(None)  # a named, anonymous or broadcastable dim
    return tuple(dims)


def _array_kind(value: Value) -> str | None:
    if isinstance(value, RefValue):
        return _ARRAY_CLASSES.get(value.name)
    return None


def _jaxtyping_family(name: str) -> str | None:
    """`jaxtyping.Float32.__class_getitem__` -> "Float32" (None for any other name)."""
    if not name.endswith(_SUBSCRIPT):
        return None
    family = name[len("jaxtyping.") : -len(_SUBSCRIPT)]
    return family if family in _JAXTYPING_DTYPES else None


@function_prefix("jaxtyping.", lambda name: _jaxtyping_family(name) is not None)
def _jaxtyping(ev: Evaluator, call: CallArgs, name: str) -> Value:
    if len(call.args) != 2:
        return UNKNOWN
    family = _jaxtyping_family(name)
    kind = _array_kind(call.args[0])
    text = const_str(call.args[1])
    if kind is None or text is None or family is None:
        return UNKNOWN
    dims = parse_dims(text)
    return ObjectValue(ARRAY_TYPE, (dims, _JAXTYPING_DTYPES.get(family), kind)) if dims is not None else UNKNOWN


@function("typing.Annotated.__class_getitem__", "typing_extensions.Annotated.__class_getitem__")
def _annotated(ev: Evaluator, call: CallArgs) -> Value:
    if len(call.args) < 2:
        return UNKNOWN
    base = call.args[0]
    if isinstance(base, ObjectValue) and base.cls == ARRAY_TYPE:
        return base  # Annotated[Float[...], ...]: jaxtyping already says it
    kind = _array_kind(base)
    if kind is None:
        return UNKNOWN
    for metadata in call.args[1:]:
        dims = int_tuple(metadata) if not isinstance(metadata, ObjectValue) else None
        text = const_str(metadata)
        if dims is None and text is not None:
            dims = parse_dims(text)
        if dims is not None:
            return ObjectValue(ARRAY_TYPE, (dims, None, kind))
    return UNKNOWN


@function("numpy.typing.NDArray.__class_getitem__")
def _ndarray_of(ev: Evaluator, call: CallArgs) -> Value:
    return RefValue("numpy.ndarray")  # NDArray[np.float32]: an array, its dtype aside


@method(ARRAY_TYPE, "__instance__")
def _instance(ev: Evaluator, receiver: ObjectValue, call: CallArgs) -> Value:
    if not isinstance(receiver.state, tuple) or len(receiver.state) != 3:
        return UNKNOWN
    dims, dtype, kind = receiver.state
    return ArrayValue(Shape(tuple(dims)), dtype, kind=kind)
