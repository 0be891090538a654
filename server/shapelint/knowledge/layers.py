"""The Keras layer catalog: each layer's constructor parameters, input spec and output shape.

It mirrors Keras's own vocabulary (`keras/src/layers/...`): an `InputSpec`-like rank
requirement checked before the layer runs, and a `compute_output_shape` function. A
layer not in the catalog is still tracked, with an unknown output: unknown is never an
error. Output functions raise `LayerProblem` for inputs Keras would reject and
`Unknowable` when an argument is not a literal.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from shapelint.shapes import (
    UNKNOWN_SHAPE,
    Dim,
    ReshapeError,
    Shape,
    conv_output_length,
    deconv_output_length,
    format_dims,
    format_shape,
    normalize_axis,
)
from shapelint.values import UNKNOWN, Const, Seq, Value, const_int, const_str, int_tuple


class Unknowable(Exception):
    """An argument the engine cannot know: the layer's output is unknown, nothing is reported."""


@dataclass(frozen=True)
class LayerProblem(Exception):
    """An input Keras would reject. `kind` lets rules choose a code; `message` is for people."""

    kind: str  # "rank" | "size" | "merge" | "nonpositive" | "reshape" | "axis"
    message: str
    expected_rank: int | None = None
    got_rank: int | None = None
    axis: int | None = None
    dim_before: Dim = None
    dim_after: Dim = None


class LayerConfig:
    """Bound constructor arguments with typed, literal-only accessors."""

    def __init__(self, values: Mapping[str, Value]) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Value:
        return self.values.get(name, UNKNOWN)

    def int(self, name: str, default: int | None = None) -> int:
        value = self.values.get(name)
        if value is None:
            if default is None:
                raise Unknowable(name)
            return default
        number = const_int(value)
        if number is None:
            raise Unknowable(name)
        return number

    def optional_int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or (isinstance(value, Const) and value.value is None):
            return None
        return self.int(name)

    def ints(self, name: str, count: int, default: int | tuple[int, ...] | None = None) -> tuple[int, ...]:
        """An int or a tuple of ints (kernel_size, strides, ...) as `count` ints."""
        value = self.values.get(name)
        if value is None or (isinstance(value, Const) and value.value is None):
            if default is None:
                raise Unknowable(name)
            return (default,) * count if isinstance(default, int) else default
        dims = int_tuple(value, allow_none=False)
        if dims is None or any(d is None for d in dims):
            raise Unknowable(name)
        numbers = tuple(d for d in dims if d is not None)
        if len(numbers) == 1:
            return numbers * count
        if len(numbers) != count:
            raise Unknowable(name)
        return numbers

    def shape(self, name: str) -> tuple[Dim, ...]:
        value = self.values.get(name)
        dims = int_tuple(value) if value is not None else None
        if dims is None:
            raise Unknowable(name)
        return dims

    def str(self, name: str, default: str) -> str:
        value = self.values.get(name)
        if value is None or (isinstance(value, Const) and value.value is None):
            return default
        text = const_str(value)
        if text is None:
            raise Unknowable(name)
        return text.lower()

    def bool(self, name: str, default: bool) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, Const) and isinstance(value.value, bool):
            return value.value
        raise Unknowable(name)

    def data_format(self) -> str:
        return self.str("data_format", "channels_last")


OutputFunction = Callable[[LayerConfig, Shape], Shape]
MergeFunction = Callable[[LayerConfig, list[Shape]], Shape]


@dataclass(frozen=True)
class LayerSpec:
    name: str  # canonical class name, e.g. "keras.layers.Conv2D"
    params: tuple[str, ...]  # positional constructor parameters, in Keras's order
    family: str  # "conv", "pool", "global-pool", "recurrent", "dense", "merge", "reshape", "same", ...
    output: OutputFunction | None = None
    merge: MergeFunction | None = None  # layers called on a list of tensors
    ndim: int | None = None
    min_ndim: int | None = None
    max_ndim: int | None = None
    spatial_rank: int | None = None  # conv/pool: 1, 2 or 3
    outputs: int = 1
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def required_rank(self) -> int | None:
        return self.ndim if self.ndim is not None else self.min_ndim

    def check_rank(self, shape: Shape) -> None:
        rank = shape.rank
        if rank is None:
            return
        if self.ndim is not None and rank != self.ndim:
            raise LayerProblem("rank", _rank_message(self, f"exactly {self.ndim}", shape), self.ndim, rank)
        if self.min_ndim is not None and rank < self.min_ndim:
            raise LayerProblem("rank", _rank_message(self, f"at least {self.min_ndim}", shape), self.min_ndim, rank)
        if self.max_ndim is not None and rank > self.max_ndim:
            raise LayerProblem("rank", _rank_message(self, f"at most {self.max_ndim}", shape), self.max_ndim, rank)


def _rank_message(spec: LayerSpec, expected: str, shape: Shape) -> str:
    return (
        f"{spec.short_name} expects inputs with {expected} dimensions (batch axis included), "
        f"got {shape.rank}: {format_shape(shape)}"
    )


# Output-shape functions, named after what they compute ------------------------------------------


def _same(config: LayerConfig, shape: Shape) -> Shape:
    return shape


def _dense(config: LayerConfig, shape: Shape) -> Shape:
    units = config.int("units")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    return Shape((*shape.dims[:-1], units))


def _channel_axis(config: LayerConfig, rank: int) -> int:
    return 1 if config.data_format() == "channels_first" else rank - 1


def _spatial_axes(config: LayerConfig, rank: int) -> range:
    return range(2, rank) if config.data_format() == "channels_first" else range(1, rank - 1)


def _check_positive(spec_name: str, shape: Shape, before: Shape, axes: Sequence[int], what: str) -> Shape:
    for axis in axes:
        after = shape[axis]
        if after is not None and after <= 0:
            raise LayerProblem(
                "nonpositive",
                f"{spec_name} shrinks axis {axis} from {before[axis]} to {after}: {what}. "
                f"Output would be {format_shape(shape)}",
                axis=axis,
                dim_before=before[axis],
                dim_after=after,
            )
    return shape


def _conv(rank: int, name: str, transpose: bool = False) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        filters = config.int("filters")
        kernel = config.ints("kernel_size", rank)
        strides = config.ints("strides", rank, 1)
        dilation = config.ints("dilation_rate", rank, 1)
        padding = config.str("padding", "valid")
        full_rank = len(shape.dims)
        channel_axis = _channel_axis(config, full_rank)
        groups = config.int("groups", 1) if config.has("groups") else 1
        channels = shape.dims[channel_axis]
        if channels is not None and groups > 1 and channels % groups:
            raise LayerProblem(
                "axis",
                f"{name}: the {channels} input channels must be divisible by groups={groups}",
                axis=channel_axis,
            )
        dims = list(shape.dims)
        spatial = list(_spatial_axes(config, full_rank))
        length = deconv_output_length if transpose else conv_output_length
        for index, axis in enumerate(spatial[-rank:]):
            dims[axis] = length(dims[axis], kernel[index], padding, strides[index], dilation[index])
        dims[channel_axis] = filters
        result = Shape(tuple(dims))
        return _check_positive(name, result, shape, spatial, f"kernel {format_dims(kernel)} with padding='{padding}'")

    return output


def _depthwise(rank: int, name: str) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        multiplier = config.int("depth_multiplier", 1)
        kernel = config.ints("kernel_size", rank)
        strides = config.ints("strides", rank, 1)
        dilation = config.ints("dilation_rate", rank, 1)
        padding = config.str("padding", "valid")
        full_rank = len(shape.dims)
        channel_axis = _channel_axis(config, full_rank)
        dims = list(shape.dims)
        spatial = list(_spatial_axes(config, full_rank))
        for index, axis in enumerate(spatial):
            dims[axis] = conv_output_length(dims[axis], kernel[index], padding, strides[index], dilation[index])
        channels = dims[channel_axis]
        dims[channel_axis] = None if channels is None else channels * multiplier
        result = Shape(tuple(dims))
        return _check_positive(name, result, shape, spatial, f"kernel {format_dims(kernel)} with padding='{padding}'")

    return output


def _pool(rank: int, name: str) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        pool = config.ints("pool_size", rank, 2)
        strides_value = config.raw("strides")
        strides = pool if not config.has("strides") or strides_value == Const(None) else config.ints("strides", rank)
        padding = config.str("padding", "valid")
        dims = list(shape.dims)
        spatial = list(_spatial_axes(config, len(dims)))
        for index, axis in enumerate(spatial):
            dims[axis] = conv_output_length(dims[axis], pool[index], padding, strides[index])
        result = Shape(tuple(dims))
        return _check_positive(name, result, shape, spatial, f"pool size {format_dims(pool)} with padding='{padding}'")

    return output


def _global_pool(config: LayerConfig, shape: Shape) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    channels = shape.dims[_channel_axis(config, len(shape.dims))]
    if config.bool("keepdims", False):
        dims = [1] * len(shape.dims)
        dims[0] = shape.dims[0]
        dims[_channel_axis(config, len(shape.dims))] = channels
        return Shape(tuple(dims))
    return Shape((shape.dims[0], channels))


def _flatten(config: LayerConfig, shape: Shape) -> Shape:
    if shape.dims is None:
        return UNKNOWN_SHAPE
    rest = shape.dims[1:]
    size = None if any(d is None for d in rest) else math.prod(d for d in rest if d is not None)
    return Shape((shape.dims[0], size))


def _recurrent(config: LayerConfig, shape: Shape) -> Shape:
    units = config.int("units")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    if config.bool("return_sequences", False):
        return Shape((shape.dims[0], shape.dims[1], units))
    return Shape((shape.dims[0], units))


def _embedding(config: LayerConfig, shape: Shape) -> Shape:
    output_dim = config.int("output_dim")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    return Shape((*shape.dims, output_dim))


def _reshape(config: LayerConfig, shape: Shape) -> Shape:
    target = config.shape("target_shape")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    try:
        from shapelint.shapes import reshape

        per_sample = reshape(Shape(shape.dims[1:]), target)
    except ReshapeError as error:
        raise LayerProblem(
            "reshape",
            f"Reshape{format_dims(target)} cannot take inputs of shape {format_shape(shape)}: {error}",
        ) from None
    assert per_sample.dims is not None
    return Shape((shape.dims[0], *per_sample.dims))


def _concatenate(config: LayerConfig, shapes: list[Shape]) -> Shape:
    axis = config.int("axis", -1)
    if any(s.dims is None for s in shapes):
        return UNKNOWN_SHAPE
    ranks = {s.rank for s in shapes}
    if len(ranks) > 1:
        listed = ", ".join(format_shape(s) for s in shapes)
        raise LayerProblem("merge", f"Concatenate needs inputs of the same rank, got {listed}")
    rank = ranks.pop() or 0
    index = normalize_axis(axis, rank)
    if index is None:
        raise Unknowable("axis")
    out: list[Dim] = []
    for i in range(rank):
        column = [s.dims[i] for s in shapes if s.dims is not None]
        if i == index:
            out.append(None if any(d is None for d in column) else sum(d for d in column if d is not None))
            continue
        known = {d for d in column if d is not None}
        if i > 0 and len(known) > 1:
            listed = ", ".join(format_shape(s) for s in shapes)
            raise LayerProblem(
                "merge",
                f"Concatenate(axis={axis}) needs inputs that match on every other axis; axis {i} differs: {listed}",
                axis=i,
            )
        out.append(known.pop() if len(known) == 1 else None)
    return Shape(tuple(out))


def _elementwise(name: str) -> MergeFunction:
    def merge(config: LayerConfig, shapes: list[Shape]) -> Shape:
        if any(s.dims is None for s in shapes):
            return UNKNOWN_SHAPE
        if len({s.rank for s in shapes}) > 1:
            listed = ", ".join(format_shape(s) for s in shapes)
            raise LayerProblem("merge", f"{name} needs inputs of the same shape, got {listed}")
        rank = shapes[0].rank or 0
        out: list[Dim] = []
        for i in range(rank):
            column = [s.dims[i] for s in shapes if s.dims is not None]
            known = {d for d in column if d is not None and d != 1}
            if i > 0 and len(known) > 1:
                listed = ", ".join(format_shape(s) for s in shapes)
                raise LayerProblem("merge", f"{name} needs inputs of the same shape; axis {i} differs: {listed}", axis=i)
            out.append(known.pop() if known else (1 if column and all(d == 1 for d in column) else None))
        return Shape(tuple(out))

    return merge


# The catalog ---------------------------------------------------------------------------------

_CONV_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation")
_POOL_PARAMS = ("pool_size", "strides", "padding", "data_format")
_RNN_PARAMS = ("units", "activation", "recurrent_activation")

CATALOG: dict[str, LayerSpec] = {}


def register(spec: LayerSpec) -> LayerSpec:
    CATALOG[spec.name] = spec
    return spec


def _layer(name: str) -> str:
    return f"keras.layers.{name}"


register(LayerSpec(_layer("Dense"), ("units", "activation", "use_bias"), "dense", _dense, min_ndim=2))
for _rank in (1, 2, 3):
    _name = f"Conv{_rank}D"
    register(LayerSpec(_layer(_name), _CONV_PARAMS, "conv", _conv(_rank, _name), min_ndim=_rank + 2, spatial_rank=_rank))
    _name = f"Conv{_rank}DTranspose"
    register(
        LayerSpec(
            _layer(_name),
            ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate"),
            "conv",
            _conv(_rank, _name, transpose=True),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )
    for _kind in ("Max", "Average"):
        _name = f"{_kind}Pooling{_rank}D"
        register(LayerSpec(_layer(_name), _POOL_PARAMS, "pool", _pool(_rank, _name), ndim=_rank + 2, spatial_rank=_rank))
        register(
            LayerSpec(
                _layer(f"Global{_kind}Pooling{_rank}D"),
                ("data_format", "keepdims"),
                "global-pool",
                _global_pool,
                ndim=_rank + 2,
                spatial_rank=_rank,
            )
        )
for _rank in (1, 2):
    _name = f"SeparableConv{_rank}D"
    register(
        LayerSpec(
            _layer(_name),
            ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier"),
            "conv",
            _conv(_rank, _name),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )
    _name = f"DepthwiseConv{_rank}D"
    register(
        LayerSpec(
            _layer(_name),
            ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate"),
            "conv",
            _depthwise(_rank, _name),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )

register(LayerSpec(_layer("Flatten"), ("data_format",), "flatten", _flatten, min_ndim=1))
for _name, _params in (
    ("Dropout", ("rate", "noise_shape", "seed")),
    ("Activation", ("activation",)),
    ("BatchNormalization", ("axis", "momentum", "epsilon")),
    ("LayerNormalization", ("axis", "epsilon")),
    ("Rescaling", ("scale", "offset")),
    ("GaussianNoise", ("stddev", "seed")),
    ("GaussianDropout", ("rate", "seed")),
    ("AlphaDropout", ("rate", "noise_shape", "seed")),
    ("ReLU", ("max_value", "negative_slope", "threshold")),
    ("LeakyReLU", ("negative_slope",)),
    ("PReLU", ("alpha_initializer",)),
    ("ELU", ("alpha",)),
    ("Softmax", ("axis",)),
    ("ActivityRegularization", ("l1", "l2")),
    ("Masking", ("mask_value",)),
    ("UnitNormalization", ("axis",)),
):
    register(LayerSpec(_layer(_name), _params, "same", _same))
for _rank in (1, 2, 3):
    register(LayerSpec(_layer(f"SpatialDropout{_rank}D"), ("rate", "seed"), "same", _same, ndim=_rank + 2))
for _name in ("LSTM", "GRU", "SimpleRNN"):
    register(LayerSpec(_layer(_name), _RNN_PARAMS, "recurrent", _recurrent, ndim=3))
register(LayerSpec(_layer("Embedding"), ("input_dim", "output_dim"), "embedding", _embedding))
register(LayerSpec(_layer("Reshape"), ("target_shape",), "reshape", _reshape))
register(LayerSpec(_layer("Concatenate"), ("axis",), "merge", merge=_concatenate))
for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    register(LayerSpec(_layer(_name), (), "merge", merge=_elementwise(_name)))

# Functional spellings of the merge layers: keras.layers.concatenate([a, b], axis=-1).
MERGE_FUNCTIONS: dict[str, str] = {
    _layer("concatenate"): _layer("Concatenate"),
    _layer("add"): _layer("Add"),
    _layer("subtract"): _layer("Subtract"),
    _layer("multiply"): _layer("Multiply"),
    _layer("average"): _layer("Average"),
    _layer("maximum"): _layer("Maximum"),
    _layer("minimum"): _layer("Minimum"),
}


@dataclass(frozen=True)
class LayerOutcome:
    """What applying a layer to known input shapes gives: an output, or a problem."""

    output: Shape | tuple[Shape, ...] = UNKNOWN_SHAPE
    problem: LayerProblem | None = None


def apply_layer(spec: LayerSpec, config: LayerConfig, inputs: Sequence[Shape]) -> LayerOutcome:
    """Run the layer's input check and output-shape function on the given input shapes."""
    try:
        if spec.merge is not None:
            if len(inputs) < 2:
                return LayerOutcome()
            return LayerOutcome(spec.merge(config, list(inputs)))
        if len(inputs) != 1 or spec.output is None:
            return LayerOutcome()
        shape = inputs[0]
        spec.check_rank(shape)
        output = spec.output(config, shape)
        if spec.family == "recurrent" and config.bool("return_state", False):
            units = config.int("units")
            states = 2 if spec.short_name == "LSTM" else 1
            return LayerOutcome((output, *([Shape((shape[0], units))] * states)))
        return LayerOutcome(output)
    except LayerProblem as problem:
        return LayerOutcome(problem=problem)
    except Unknowable:
        return LayerOutcome()


def bind_arguments(spec: LayerSpec | None, args: Sequence[Value], kwargs: Mapping[str, Value]) -> dict[str, Value]:
    """Constructor arguments by parameter name (positional ones through the spec's order)."""
    bound: dict[str, Value] = dict(kwargs)
    params = spec.params if spec is not None else ()
    for index, value in enumerate(args):
        if index < len(params):
            bound.setdefault(params[index], value)
        else:
            bound.setdefault(f"arg{index}", value)
    return bound


def literal_shape_value(dims: Sequence[Dim]) -> Seq:
    return Seq(tuple(Const(d) for d in dims))
