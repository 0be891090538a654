"""The Keras layer catalog: each layer's constructor parameters, input spec and output shape.

It mirrors Keras's own vocabulary (`keras/src/layers/...`): an `InputSpec`-like rank
requirement checked before the layer runs, and a `compute_output_shape` function. A
layer not in the catalog is still tracked, with an unknown output: unknown is never an
error. Output functions raise `LayerProblem` for inputs Keras would reject and
`Unknowable` when an argument is not a literal. Every entry is checked against real
Keras 3 by `tests/knowledge/test_layers_catalog.py`.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

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
    reshape,
)
from shapelint.values import UNKNOWN, Const, Seq, Value, const_int, const_str, int_tuple, literal


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

    def is_none(self, name: str) -> bool:
        """True when the argument is absent or the literal None (Keras's default for most options)."""
        value = self.values.get(name)
        return value is None or (isinstance(value, Const) and value.value is None)

    def pairs(self, name: str, count: int, default: int) -> tuple[tuple[int, int], ...]:
        """Padding/cropping amounts as (before, after) per axis, the way ZeroPadding*/Cropping* read them.

        One int pads every side; for one axis a pair is (before, after); for several axes each
        item is an int (both sides) or a pair.
        """
        if self.is_none(name):
            return ((default, default),) * count
        try:
            value = literal(self.values[name])
        except ValueError:
            raise Unknowable(name) from None
        if isinstance(value, int) and not isinstance(value, bool):
            return ((value, value),) * count
        if not isinstance(value, (tuple, list)):
            raise Unknowable(name)
        if count == 1:
            pair = _int_pair(value, allow_int=False)
            if pair is None:
                raise Unknowable(name)
            return (pair,)
        pairs = [_int_pair(item, allow_int=True) for item in value]
        if len(pairs) != count or any(pair is None for pair in pairs):
            raise Unknowable(name)
        return tuple(pair for pair in pairs if pair is not None)

    def optional_str(self, name: str) -> str | None:
        """A string option whose None means something (Bidirectional's merge_mode=None)."""
        value = self.values.get(name)
        if isinstance(value, Const) and value.value is None:
            return None
        if value is None:
            raise KeyError(name)
        text = const_str(value)
        if text is None:
            raise Unknowable(name)
        return text.lower()

    def layer(self, name: str) -> tuple[LayerSpec, LayerConfig]:
        """A wrapped layer argument (TimeDistributed, Bidirectional) with a catalog entry."""
        value = self.values.get(name)
        # The wrapped layer is a facts.LayerValue, which this catalog sits below: read it by its fields.
        spec = getattr(value, "spec", None)
        config = getattr(value, "config", None)
        if not isinstance(spec, LayerSpec) or not isinstance(config, dict):
            raise Unknowable(name)
        return spec, LayerConfig(config)

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

    def optional_int(self, name: str) -> builtins.int | None:
        value = self.values.get(name)
        if value is None or (isinstance(value, Const) and value.value is None):
            return None
        return self.int(name)

    def ints(
        self, name: str, count: builtins.int, default: builtins.int | tuple[builtins.int, ...] | None = None
    ) -> tuple[builtins.int, ...]:
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

    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, Const) and isinstance(value.value, bool):
            return value.value
        raise Unknowable(name)

    def data_format(self) -> builtins.str:
        return self.str("data_format", "channels_last")


def _int_pair(value: object, allow_int: bool) -> tuple[int, int] | None:
    """(before, after) from a literal pair, or from one int for both sides when `allow_int`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value) if allow_int else None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        before, after = value
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (before, after)):
            return (before, after)
    return None


LayerOutput = Shape | tuple[Shape, ...]
OutputFunction = Callable[[LayerConfig, Shape], LayerOutput]
MergeFunction = Callable[[LayerConfig, list[Shape]], LayerOutput]


@dataclass(frozen=True)
class LayerSpec:
    name: str  # canonical class name, e.g. "keras.layers.Conv2D"
    params: tuple[str, ...]  # positional constructor parameters, in Keras's order
    family: str  # "conv", "pool", "global-pool", "recurrent", "dense", "merge", "reshape", "same", ...
    output: OutputFunction | None = None
    merge: MergeFunction | None = None  # layers called on a list of tensors, or on several (call_inputs)
    ndim: int | None = None
    min_ndim: int | None = None
    max_ndim: int | None = None
    spatial_rank: int | None = None  # conv/pool: 1, 2 or 3
    outputs: int = 1
    extra: Mapping[str, object] = field(default_factory=dict)
    # The call's tensor parameters when the layer takes several positional tensors, e.g.
    # MultiHeadAttention(query, value, key): see `call_tensor_arguments`.
    call_inputs: tuple[str, ...] = ()

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def required_rank(self) -> int | None:
        return self.ndim if self.ndim is not None else self.min_ndim

    def check_rank(self, shape: Shape) -> None:
        _check_rank(self.short_name, self.ndim, self.min_ndim, self.max_ndim, shape)


def _check_rank(
    name: str,
    ndim: int | None,
    min_ndim: int | None,
    max_ndim: int | None,
    shape: Shape,
    axes: str = "batch axis",
) -> None:
    rank = shape.rank
    if rank is None:
        return
    if ndim is not None and rank != ndim:
        raise LayerProblem("rank", _rank_message(name, f"exactly {ndim}", shape, axes), ndim, rank)
    if min_ndim is not None and rank < min_ndim:
        raise LayerProblem("rank", _rank_message(name, f"at least {min_ndim}", shape, axes), min_ndim, rank)
    if max_ndim is not None and rank > max_ndim:
        raise LayerProblem("rank", _rank_message(name, f"at most {max_ndim}", shape, axes), max_ndim, rank)


def _rank_message(name: str, expected: str, shape: Shape, axes: str = "batch axis") -> str:
    return (
        f"{name} expects inputs with {expected} dimensions ({axes} included), got {shape.rank}: {format_shape(shape)}"
    )


# Output-shape functions, named after what they compute ------------------------------------------


def _same(config: LayerConfig, shape: Shape) -> Shape:
    return shape


def _unknown(config: LayerConfig, shape: Shape) -> Shape:
    raise Unknowable("the output depends on code the engine does not run")


def _same_on_axis(config: LayerConfig, shape: Shape) -> Shape:
    """Shape-preserving layers that normalize over `axis` (BatchNormalization): the axis must exist."""
    if shape.dims is None or config.is_none("axis"):
        return shape
    value = config.raw("axis")
    axes = int_tuple(value, allow_none=False)
    if axes is None:
        raise Unknowable("axis")
    for axis in axes:
        if axis is not None and normalize_axis(axis, len(shape.dims)) is None:
            raise LayerProblem(
                "axis", f"axis={axis} is out of range for inputs of shape {format_shape(shape)}", axis=axis
            )
    return shape


def _group_normalization(config: LayerConfig, shape: Shape) -> Shape:
    groups = config.int("groups", 32)
    axis = config.int("axis", -1)
    if shape.dims is None:
        return shape
    index = normalize_axis(axis, len(shape.dims))
    if index is None:
        raise LayerProblem("axis", f"axis={axis} is out of range for inputs of shape {format_shape(shape)}", axis=axis)
    channels = shape.dims[index]
    if channels is None or groups == -1:
        return shape
    if channels < groups or channels % groups:
        raise LayerProblem(
            "axis",
            f"GroupNormalization(groups={groups}) needs a channel count divisible by {groups}, "
            f"got {channels} on axis {index} of {format_shape(shape)}",
            axis=index,
        )
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


def _conv_length(length: Dim, kernel: int, padding: str, stride: int, dilation: int) -> Dim:
    # Causal padding pads (kernel - 1) * dilation on the left: the length comes out as with "same".
    return conv_output_length(length, kernel, "same" if padding == "causal" else padding, stride, dilation)


def _deconv_length(length: Dim, kernel: int, padding: str, stride: int, dilation: int, extra: int | None) -> Dim:
    """Keras's deconv_output_length, output_padding included."""
    if length is None or extra is None:
        return deconv_output_length(length, kernel, padding, stride, dilation)
    effective = (kernel - 1) * dilation + 1
    pad = effective // 2 if padding == "same" else 0
    return (length - 1) * stride + effective - 2 * pad + extra


def _convolve(
    config: LayerConfig,
    shape: Shape,
    rank: int,
    name: str,
    channels_out: Dim,
    transpose: bool = False,
    spatial: Sequence[int] | None = None,
) -> Shape:
    """The conv arithmetic shared by Conv*, SeparableConv*, DepthwiseConv*, Conv*Transpose and ConvLSTM*."""
    assert shape.dims is not None
    kernel = config.ints("kernel_size", rank)
    strides = config.ints("strides", rank, 1)
    dilation = config.ints("dilation_rate", rank, 1)
    padding = config.str("padding", "valid")
    if padding not in ("valid", "same", "causal"):
        raise Unknowable("padding")
    output_padding = None if config.is_none("output_padding") else config.ints("output_padding", rank)
    dims = list(shape.dims)
    axes = list(spatial if spatial is not None else _spatial_axes(config, len(dims)))
    for index, axis in enumerate(axes):
        if transpose:
            extra = None if output_padding is None else output_padding[index]
            dims[axis] = _deconv_length(dims[axis], kernel[index], padding, strides[index], dilation[index], extra)
        else:
            dims[axis] = _conv_length(dims[axis], kernel[index], padding, strides[index], dilation[index])
    channel_axis = axes[0] - 1 if config.data_format() == "channels_first" else axes[-1] + 1
    dims[channel_axis] = channels_out
    result = Shape(tuple(dims))
    return _check_positive(name, result, shape, axes, f"kernel {format_dims(kernel)} with padding='{padding}'")


def _conv(rank: int, name: str, transpose: bool = False) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        filters = config.int("filters")
        groups = config.int("groups", 1) if config.has("groups") else 1
        if groups < 1 or filters % groups:
            raise Unknowable("groups")  # a constructor error, not a shape mistake
        channel_axis = _channel_axis(config, len(shape.dims))
        channels = shape.dims[channel_axis]
        if channels is not None and groups > 1 and channels % groups:
            raise LayerProblem(
                "axis",
                f"{name}: the {channels} input channels must be divisible by groups={groups}",
                axis=channel_axis,
            )
        return _convolve(config, shape, rank, name, filters, transpose)

    return output


def _depthwise(rank: int, name: str) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        multiplier = config.int("depth_multiplier", 1)
        channels = shape.dims[_channel_axis(config, len(shape.dims))]
        return _convolve(config, shape, rank, name, None if channels is None else channels * multiplier)

    return output


def _pool(rank: int, name: str, default_pool: int | None) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        if shape.dims is None:
            return UNKNOWN_SHAPE
        pool = config.ints("pool_size", rank, default_pool)
        strides = pool if config.is_none("strides") else config.ints("strides", rank)
        padding = config.str("padding", "valid")
        if padding not in ("valid", "same"):
            raise Unknowable("padding")
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
        dims: list[Dim] = [1] * len(shape.dims)
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


_RECURRENT_STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1, "ConvLSTM1D": 2, "ConvLSTM2D": 2, "ConvLSTM3D": 2}


def _recurrent(name: str) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> LayerOutput:
        units = config.int("units")
        if shape.dims is None:
            return UNKNOWN_SHAPE
        state = Shape((shape.dims[0], units))
        sequence = Shape((shape.dims[0], shape.dims[1], units)) if config.bool("return_sequences", False) else state
        if config.bool("return_state", False):
            return (sequence, *[state] * _RECURRENT_STATES[name])
        return sequence

    return output


def _conv_recurrent(rank: int, name: str) -> OutputFunction:
    """ConvLSTM*D: a conv over each time step of (batch, time, *spatial, channels)."""

    def output(config: LayerConfig, shape: Shape) -> LayerOutput:
        filters = config.int("filters")
        if shape.dims is None:
            return UNKNOWN_SHAPE
        step = Shape((shape.dims[0], *shape.dims[2:]))
        state = _convolve(config, step, rank, name, filters)
        assert state.dims is not None
        sequence = state
        if config.bool("return_sequences", False):
            sequence = Shape((state.dims[0], shape.dims[1], *state.dims[1:]))
        if config.bool("return_state", False):
            return (sequence, state, state)
        return sequence

    return output


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
        per_sample = reshape(Shape(shape.dims[1:]), target)
    except ReshapeError as error:
        raise LayerProblem(
            "reshape",
            f"Reshape{format_dims(target)} cannot take inputs of shape {format_shape(shape)}: {error}",
        ) from None
    assert per_sample.dims is not None
    return Shape((shape.dims[0], *per_sample.dims))


def _permute(config: LayerConfig, shape: Shape) -> Shape:
    order = config.ints("dims", len(config.shape("dims")))
    if sorted(order) != list(range(1, len(order) + 1)):
        raise Unknowable("dims")  # Keras rejects it in the constructor
    if shape.dims is None:
        return UNKNOWN_SHAPE
    _check_rank("Permute", len(order) + 1, None, None, shape)
    return Shape((shape.dims[0], *(shape.dims[axis] for axis in order)))


def _repeat_vector(config: LayerConfig, shape: Shape) -> Shape:
    n = config.int("n")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    return Shape((shape.dims[0], n, shape.dims[1]))


def _upsampling(rank: int) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        size = config.ints("size", rank, 2)
        if shape.dims is None:
            return UNKNOWN_SHAPE
        dims = list(shape.dims)
        for index, axis in enumerate(_spatial_axes(config, len(dims))):
            length = dims[axis]
            dims[axis] = None if length is None else length * size[index]
        return Shape(tuple(dims))

    return output


def _zero_padding(rank: int) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        padding = config.pairs("padding", rank, 1)
        if shape.dims is None:
            return UNKNOWN_SHAPE
        dims = list(shape.dims)
        for (before, after), axis in zip(padding, _spatial_axes(config, len(dims)), strict=False):
            length = dims[axis]
            dims[axis] = None if length is None else length + before + after
        return Shape(tuple(dims))

    return output


def _cropping(rank: int, name: str) -> OutputFunction:
    def output(config: LayerConfig, shape: Shape) -> Shape:
        cropping = config.pairs("cropping", rank, 1 if rank != 2 else 0)
        if shape.dims is None:
            return UNKNOWN_SHAPE
        dims = list(shape.dims)
        for (before, after), axis in zip(cropping, _spatial_axes(config, len(dims)), strict=False):
            length = dims[axis]
            if length is not None and before + after >= length:
                raise LayerProblem(
                    "nonpositive",
                    f"{name} crops {before} + {after} from axis {axis} of length {length} "
                    f"in {format_shape(shape)}: nothing would be left",
                    axis=axis,
                    dim_before=length,
                    dim_after=length - before - after,
                )
            dims[axis] = None if length is None else length - before - after
        return Shape(tuple(dims))

    return output


def _image_resize(config: LayerConfig, shape: Shape) -> Shape:
    """Resizing, CenterCrop, RandomCrop: batched images (batch, height, width, channels) get a new size."""
    height = config.int("height")
    width = config.int("width")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    if len(shape.dims) != 4:
        # Keras reads a rank-3 tensor as ONE unbatched image; anything else fails at run time.
        raise Unknowable("rank")
    spatial = list(_spatial_axes(config, 4))
    return shape.replace_dim(spatial[0], height).replace_dim(spatial[1], width)


def _center_crop(config: LayerConfig, shape: Shape) -> Shape:
    _check_rank("CenterCrop", None, 3, 4, shape, "batch axis")
    return _image_resize(config, shape)


def _category_encoding(config: LayerConfig, shape: Shape) -> Shape:
    tokens = config.int("num_tokens")
    mode = config.str("output_mode", "multi_hot")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    dims = shape.dims
    if not dims:
        return Shape((tokens,))
    if mode == "one_hot" and (dims[-1] != 1 or len(dims) == 1):
        if dims[-1] is None and len(dims) > 1:
            raise Unknowable("last axis")  # one_hot drops a trailing axis of size 1 only
        return Shape((*dims, tokens))
    return Shape((*dims[:-1], tokens))


def _lookup(config: LayerConfig, shape: Shape) -> Shape:
    """StringLookup, IntegerLookup, Hashing, Discretization: output_mode="int" keeps the shape."""
    if config.str("output_mode", "int") != "int":
        raise Unknowable("output_mode")  # the depth depends on the adapted vocabulary
    return shape


def _text_vectorization(config: LayerConfig, shape: Shape) -> Shape:
    if config.str("output_mode", "int") != "int":
        raise Unknowable("output_mode")
    length = config.optional_int("output_sequence_length")
    if shape.dims is None or not shape.dims:
        return UNKNOWN_SHAPE
    return Shape((shape.dims[0], length))


def _time_distributed(config: LayerConfig, shape: Shape) -> Shape:
    inner, inner_config = config.layer("layer")
    if shape.dims is None:
        return UNKNOWN_SHAPE
    _check_rank("TimeDistributed", None, 3, None, shape)
    if inner.output is None:
        raise Unknowable("layer")
    step = Shape((shape.dims[0], *shape.dims[2:]))
    label = f"TimeDistributed({inner.short_name})"
    _check_rank(
        label,
        _plus_one(inner.ndim),
        _plus_one(inner.min_ndim),
        _plus_one(inner.max_ndim),
        shape,
        "batch and time axes",
    )
    result = inner.output(inner_config, step)
    if not isinstance(result, Shape) or result.dims is None:
        raise Unknowable("layer")
    return Shape((result.dims[0], shape.dims[1], *result.dims[1:]))


def _plus_one(rank: int | None) -> int | None:
    return None if rank is None else rank + 1


def _bidirectional(config: LayerConfig, shape: Shape) -> LayerOutput:
    forward, forward_config = config.layer("layer")
    if forward.family != "recurrent" or forward.output is None:
        raise Unknowable("layer")
    label = f"Bidirectional({forward.short_name})"
    _check_rank(label, forward.ndim, forward.min_ndim, forward.max_ndim, shape)
    if shape.dims is None:
        return UNKNOWN_SHAPE
    try:
        merge_mode = config.optional_str("merge_mode")
    except KeyError:
        merge_mode = "concat"
    forward_out = _as_tuple(forward.output(forward_config, shape))
    backward_out = forward_out
    if not config.is_none("backward_layer"):
        backward, backward_config = config.layer("backward_layer")
        if backward.family != "recurrent" or backward.output is None:
            raise Unknowable("backward_layer")
        backward_out = _as_tuple(backward.output(backward_config, shape))
    if len(forward_out) != len(backward_out):
        raise Unknowable("backward_layer")
    first, second = forward_out[0], backward_out[0]
    states = (*forward_out[1:], *backward_out[1:])
    if first.dims is None or second.dims is None:
        raise Unknowable("layer")
    if first != second:
        # Keras's symbolic shape assumes twin directions; the real concatenation would differ.
        raise Unknowable("backward_layer")
    if merge_mode == "concat":
        last = None if first.dims[-1] is None else 2 * first.dims[-1]
        outputs: tuple[Shape, ...] = (Shape((*first.dims[:-1], last)),)
    elif merge_mode in ("sum", "mul", "ave"):
        outputs = (first,)
    elif merge_mode is None:
        outputs = (first, second)
    else:
        raise Unknowable("merge_mode")
    everything = (*outputs, *states)
    return everything[0] if len(everything) == 1 else everything


def _as_tuple(output: LayerOutput) -> tuple[Shape, ...]:
    return output if isinstance(output, tuple) else (output,)


# Layers called on several tensors ---------------------------------------------------------------


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


def _elementwise(name: str, exactly: int | None = None) -> MergeFunction:
    """Add, Subtract, Multiply...: per-sample shapes broadcast from the right, sizes equal or 1."""

    def merge(config: LayerConfig, shapes: list[Shape]) -> Shape:
        listed = ", ".join(format_shape(s) for s in shapes)
        if exactly is not None and len(shapes) != exactly:
            raise LayerProblem("merge", f"{name} takes exactly {exactly} inputs, got {len(shapes)}: {listed}")
        if any(s.dims is None or not s.dims for s in shapes):
            return UNKNOWN_SHAPE
        per_sample: tuple[Dim, ...] = shapes[0].dims[1:]  # type: ignore[index]
        for shape in shapes[1:]:
            other: tuple[Dim, ...] = shape.dims[1:]  # type: ignore[index]
            longer, shorter = (per_sample, other) if len(per_sample) >= len(other) else (other, per_sample)
            offset = len(longer) - len(shorter)
            out = list(longer[:offset])
            for position, (a, b) in enumerate(zip(longer[offset:], shorter, strict=False)):
                if a is None or b is None:
                    out.append(None)
                elif a == 1 or b == 1:
                    out.append(b if a == 1 else a)
                elif a != b:
                    axis = 1 + offset + position
                    raise LayerProblem(
                        "merge",
                        f"{name} needs inputs of the same shape; axis {axis} differs: {listed}",
                        axis=axis,
                    )
                else:
                    out.append(a)
            per_sample = tuple(out)
        batches = {s.dims[0] for s in shapes if s.dims is not None} - {None}
        return Shape((batches.pop() if len(batches) == 1 else None, *per_sample))

    return merge


def _dot(config: LayerConfig, shapes: list[Shape]) -> Shape:
    listed = ", ".join(format_shape(s) for s in shapes)
    if len(shapes) != 2:
        raise LayerProblem("merge", f"Dot takes exactly 2 inputs, got {len(shapes)}: {listed}")
    first, second = shapes
    if first.dims is None or second.dims is None:
        return UNKNOWN_SHAPE
    axes = config.ints("axes", 2)
    ranks = (len(first.dims), len(second.dims))
    pair = [axis % rank if axis < 0 else axis for axis, rank in zip(axes, ranks, strict=True)]
    if any(axis < 1 or axis >= rank for axis, rank in zip(pair, ranks, strict=True)):
        raise Unknowable("axes")
    a, b = first.dims[pair[0]], second.dims[pair[1]]
    if a is not None and b is not None and a != b:
        raise LayerProblem(
            "merge",
            f"Dot(axes={format_dims(axes)}) needs equal sizes on the dotted axes, got {a} != {b}: {listed}",
        )
    left = [d for i, d in enumerate(first.dims) if i != pair[0]]
    right = [d for i, d in enumerate(second.dims) if i not in (pair[1], 0)]
    out = left + right
    return Shape(tuple(out if len(out) != 1 else [*out, 1]))


def _attention(name: str) -> MergeFunction:
    """Attention / AdditiveAttention([query, value(, key)]): (batch, Tq, value's last axis)."""

    def merge(config: LayerConfig, shapes: list[Shape]) -> Shape:
        if len(shapes) not in (2, 3):
            listed = ", ".join(format_shape(s) for s in shapes)
            raise LayerProblem("merge", f"{name} takes [query, value] or [query, value, key], got {listed}")
        query, value = shapes[0], shapes[1]
        if query.dims is None or value.dims is None or not query.dims or not value.dims:
            return UNKNOWN_SHAPE
        return Shape((*query.dims[:-1], value.dims[-1]))

    return merge


def _multi_head_attention(config: LayerConfig, shapes: list[Shape]) -> Shape:
    query, value = shapes[0], shapes[1]
    key = shapes[2] if len(shapes) > 2 else value
    if query.dims is None:
        return UNKNOWN_SHAPE
    if value.dims is not None and key.dims is not None:
        inner_value, inner_key = value.dims[1:-1], key.dims[1:-1]
        if len(inner_value) != len(inner_key) or any(
            a is not None and b is not None and a != b for a, b in zip(inner_value, inner_key, strict=False)
        ):
            raise LayerProblem(
                "merge",
                "MultiHeadAttention needs value and key equal on every axis but the last, got "
                f"value {format_shape(value)} and key {format_shape(key)}",
            )
    if config.is_none("output_shape"):
        return query
    extra = config.shape("output_shape")
    if any(d is None for d in extra):
        raise Unknowable("output_shape")
    return Shape((*query.dims[:-1], *extra))


# The catalog ---------------------------------------------------------------------------------

_CONV_PARAMS = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
    "activation",
)
_POOL_PARAMS = ("pool_size", "strides", "padding", "data_format")
_RNN_PARAMS = {
    "LSTM": ("units", "activation", "recurrent_activation"),
    "GRU": ("units", "activation", "recurrent_activation"),
    "SimpleRNN": ("units", "activation"),
}
_RANDOM_IMAGE_PARAMS = {
    "RandomFlip": ("mode", "seed", "data_format"),
    "RandomRotation": ("factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"),
    "RandomZoom": (
        "height_factor",
        "width_factor",
        "fill_mode",
        "interpolation",
        "seed",
        "fill_value",
        "data_format",
    ),
    "RandomTranslation": (
        "height_factor",
        "width_factor",
        "fill_mode",
        "interpolation",
        "seed",
        "fill_value",
        "data_format",
    ),
    "RandomContrast": ("factor", "value_range", "seed"),
    "RandomBrightness": ("factor", "value_range", "seed"),
}

CATALOG: dict[str, LayerSpec] = {}


def register(spec: LayerSpec, *aliases: str) -> LayerSpec:
    """Add a layer; `aliases` are other public names of the same class (MaxPool2D for MaxPooling2D)."""
    CATALOG[spec.name] = spec
    for alias in aliases:
        CATALOG[_layer(alias)] = LayerSpec(**{**spec.__dict__, "name": _layer(alias)})
    return spec


def _layer(name: str) -> str:
    return f"keras.layers.{name}"


register(LayerSpec(_layer("Dense"), ("units", "activation", "use_bias"), "dense", _dense, min_ndim=2))
for _rank in (1, 2, 3):
    # Keras's InputSpec says min_ndim=rank + 2, but the kernel only takes exactly that rank in Keras 3
    # (Keras 2 folded extra leading axes): above it the output is left unknown, below it is an error.
    _name = f"Conv{_rank}D"
    register(
        LayerSpec(_layer(_name), _CONV_PARAMS, "conv", _conv(_rank, _name), min_ndim=_rank + 2, spatial_rank=_rank),
        f"Convolution{_rank}D",
    )
    _name = f"Conv{_rank}DTranspose"
    register(
        LayerSpec(
            _layer(_name),
            ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding", "dilation_rate")
            if _rank == 3
            else (
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "output_padding",
                "data_format",
                "dilation_rate",
            ),
            "conv",
            _conv(_rank, _name, transpose=True),
            min_ndim=_rank + 2,
            spatial_rank=_rank,
        ),
        f"Convolution{_rank}DTranspose",
    )
    for _kind, _short in (("Max", "Max"), ("Average", "Avg")):
        _name = f"{_kind}Pooling{_rank}D"
        # MaxPooling defaults pool_size to 2; AveragePooling requires it.
        _default = 2 if _kind == "Max" else None
        register(
            LayerSpec(
                _layer(_name),
                _POOL_PARAMS,
                "pool",
                _pool(_rank, _name, _default),
                ndim=_rank + 2,
                spatial_rank=_rank,
            ),
            f"{_short}Pool{_rank}D",
        )
        register(
            LayerSpec(
                _layer(f"Global{_kind}Pooling{_rank}D"),
                ("data_format", "keepdims"),
                "global-pool",
                _global_pool,
                ndim=_rank + 2,
                spatial_rank=_rank,
            ),
            f"Global{_short}Pool{_rank}D",
        )
    register(
        LayerSpec(
            _layer(f"UpSampling{_rank}D"),
            ("size", "data_format", "interpolation")[: {1: 1, 2: 3, 3: 2}[_rank]],
            "resize",
            _upsampling(_rank),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )
    register(
        LayerSpec(
            _layer(f"ZeroPadding{_rank}D"),
            ("padding", "data_format"),
            "resize",
            _zero_padding(_rank),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )
    register(
        LayerSpec(
            _layer(f"Cropping{_rank}D"),
            ("cropping", "data_format")[: 1 if _rank == 1 else 2],
            "resize",
            _cropping(_rank, f"Cropping{_rank}D"),
            ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )
    register(
        LayerSpec(
            _layer(f"SpatialDropout{_rank}D"),
            ("rate", "seed") if _rank == 1 else ("rate", "data_format", "seed"),
            "same",
            _same,
            ndim=_rank + 2,
        )
    )
    _name = f"ConvLSTM{_rank}D"
    register(
        LayerSpec(
            _layer(_name),
            _CONV_PARAMS[:6],
            "recurrent",
            _conv_recurrent(_rank, _name),
            ndim=_rank + 3,
            spatial_rank=_rank,
        )
    )
for _rank in (1, 2):
    _name = f"SeparableConv{_rank}D"
    register(
        LayerSpec(
            _layer(_name),
            (
                "filters",
                "kernel_size",
                "strides",
                "padding",
                "data_format",
                "dilation_rate",
                "depth_multiplier",
            ),
            "conv",
            _conv(_rank, _name),
            min_ndim=_rank + 2,
            spatial_rank=_rank,
        ),
        f"SeparableConvolution{_rank}D",
    )
    _name = f"DepthwiseConv{_rank}D"
    register(
        LayerSpec(
            _layer(_name),
            ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate"),
            "conv",
            _depthwise(_rank, _name),
            min_ndim=_rank + 2,
            spatial_rank=_rank,
        )
    )

register(LayerSpec(_layer("Flatten"), ("data_format",), "flatten", _flatten, min_ndim=1))
for _name, _params in (
    ("Dropout", ("rate", "noise_shape", "seed")),
    ("Activation", ("activation",)),
    ("LayerNormalization", ("axis", "epsilon")),
    ("UnitNormalization", ("axis",)),
    ("Rescaling", ("scale", "offset")),
    ("Normalization", ("axis", "mean", "variance", "invert")),
    ("GaussianNoise", ("stddev", "seed")),
    ("GaussianDropout", ("rate", "seed")),
    ("AlphaDropout", ("rate", "noise_shape", "seed")),
    ("ReLU", ("max_value", "negative_slope", "threshold")),
    ("LeakyReLU", ("negative_slope",)),
    ("PReLU", ("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes")),
    ("ELU", ("alpha",)),
    ("Softmax", ("axis",)),
    ("ActivityRegularization", ("l1", "l2")),
    ("Masking", ("mask_value",)),
    ("Identity", ()),
    *_RANDOM_IMAGE_PARAMS.items(),
):
    register(LayerSpec(_layer(_name), _params, "same", _same))
register(LayerSpec(_layer("BatchNormalization"), ("axis", "momentum", "epsilon"), "same", _same_on_axis))
register(LayerSpec(_layer("GroupNormalization"), ("groups", "axis", "epsilon"), "same", _group_normalization))
for _name, _params in _RNN_PARAMS.items():
    register(LayerSpec(_layer(_name), _params, "recurrent", _recurrent(_name), ndim=3))
register(
    LayerSpec(
        _layer("Bidirectional"),
        ("layer", "merge_mode", "weights", "backward_layer"),
        "wrapper",
        _bidirectional,
    )
)
register(LayerSpec(_layer("TimeDistributed"), ("layer",), "wrapper", _time_distributed, min_ndim=3))
# Keras 3 ignores the legacy input_length (with a warning); Keras 2 read it as input_shape=(input_length,).
register(LayerSpec(_layer("Embedding"), ("input_dim", "output_dim"), "embedding", _embedding))
register(LayerSpec(_layer("Reshape"), ("target_shape",), "reshape", _reshape))
register(LayerSpec(_layer("Permute"), ("dims",), "reshape", _permute))
register(LayerSpec(_layer("RepeatVector"), ("n",), "reshape", _repeat_vector, ndim=2))
register(LayerSpec(_layer("Lambda"), ("function", "output_shape", "mask", "arguments"), "lambda", _unknown))
register(LayerSpec(_layer("Resizing"), ("height", "width", "interpolation"), "resize", _image_resize))
register(LayerSpec(_layer("CenterCrop"), ("height", "width", "data_format"), "resize", _center_crop))
register(LayerSpec(_layer("RandomCrop"), ("height", "width", "seed", "data_format"), "resize", _image_resize))
register(LayerSpec(_layer("CategoryEncoding"), ("num_tokens", "output_mode", "sparse"), "encoding", _category_encoding))
for _name, _params in (
    (
        "StringLookup",
        (
            "max_tokens",
            "num_oov_indices",
            "mask_token",
            "oov_token",
            "vocabulary",
            "idf_weights",
            "invert",
            "output_mode",
        ),
    ),
    (
        "IntegerLookup",
        (
            "max_tokens",
            "num_oov_indices",
            "mask_token",
            "oov_token",
            "vocabulary",
            "vocabulary_dtype",
            "idf_weights",
            "invert",
            "output_mode",
        ),
    ),
    ("Hashing", ("num_bins", "mask_value", "salt", "output_mode")),
    ("Discretization", ("bin_boundaries", "num_bins", "epsilon", "output_mode")),
):
    register(LayerSpec(_layer(_name), _params, "encoding", _lookup))
register(
    LayerSpec(
        _layer("TextVectorization"),
        ("max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length"),
        "encoding",
        _text_vectorization,
    )
)
# The interpreter declares the input from input_shape (Keras 2's first parameter) or shape= (Keras 3).
register(
    LayerSpec(
        _layer("InputLayer"),
        ("input_shape", "batch_size", "dtype", "input_tensor", "sparse", "name"),
        "input",
    )
)
register(LayerSpec(_layer("Concatenate"), ("axis",), "merge", merge=_concatenate))
for _name in ("Add", "Multiply", "Average", "Maximum", "Minimum"):
    register(LayerSpec(_layer(_name), (), "merge", merge=_elementwise(_name)))
register(LayerSpec(_layer("Subtract"), (), "merge", merge=_elementwise("Subtract", exactly=2)))
register(LayerSpec(_layer("Dot"), ("axes", "normalize"), "merge", merge=_dot))
register(
    LayerSpec(
        _layer("Attention"),
        ("use_scale", "score_mode", "dropout"),
        "attention",
        merge=_attention("Attention"),
    )
)
register(
    LayerSpec(
        _layer("AdditiveAttention"),
        ("use_scale", "dropout"),
        "attention",
        merge=_attention("AdditiveAttention"),
    )
)
register(
    LayerSpec(
        _layer("MultiHeadAttention"),
        ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape", "attention_axes"),
        "attention",
        merge=_multi_head_attention,
        call_inputs=("query", "value", "key"),
    )
)

# Functional spellings of the merge layers: keras.layers.concatenate([a, b], axis=-1).
MERGE_FUNCTIONS: dict[str, str] = {
    _layer("concatenate"): _layer("Concatenate"),
    _layer("add"): _layer("Add"),
    _layer("subtract"): _layer("Subtract"),
    _layer("multiply"): _layer("Multiply"),
    _layer("average"): _layer("Average"),
    _layer("maximum"): _layer("Maximum"),
    _layer("minimum"): _layer("Minimum"),
    _layer("dot"): _layer("Dot"),
}


@dataclass(frozen=True)
class LayerOutcome:
    """What applying a layer to known input shapes gives: an output, or a problem."""

    output: Shape | tuple[Shape, ...] = UNKNOWN_SHAPE
    problem: LayerProblem | None = None


def apply_layer(spec: LayerSpec, config: LayerConfig, inputs: Sequence[Shape]) -> LayerOutcome:
    """Run the layer's input check and output-shape function on the given input shapes.

    Merge layers take the list they are called on; layers with `call_inputs` take their call's
    tensors in that order (see `call_tensor_arguments`); every other layer takes one shape.
    """
    try:
        if spec.merge is not None:
            if len(inputs) < (2 if spec.call_inputs else 1) or (not spec.call_inputs and len(inputs) < 2):
                return LayerOutcome()
            return LayerOutcome(spec.merge(config, list(inputs)))
        if len(inputs) != 1 or spec.output is None:
            return LayerOutcome()
        shape = inputs[0]
        spec.check_rank(shape)
        if spec.family == "conv" and spec.spatial_rank is not None and (shape.rank or 0) > spec.spatial_rank + 2:
            return LayerOutcome()  # see the catalog: Keras 3 rejects it, Keras 2 folds the extra axes
        return LayerOutcome(spec.output(config, shape))
    except LayerProblem as problem:
        # Kept in the facts: a copy without the traceback, whose frames (its own or a chained
        # error's) would hold it, and everything they reference, in a reference cycle.
        return LayerOutcome(problem=replace(problem))
    except Unknowable:
        return LayerOutcome()


def call_tensor_arguments(spec: LayerSpec, args: Sequence[Value], kwargs: Mapping[str, Value]) -> list[Value]:
    """The tensors a call passes to a layer with `call_inputs`, in that order; trailing optional ones omitted.

    `mha(query, value)`, `mha(q, v, key=k)` and `mha(query=q, value=v)` all work. An empty list
    (the outcome is unknown) when a required tensor is missing, or when the call asks for
    attention scores, which changes what it returns.
    """
    scores = kwargs.get("return_attention_scores")
    if scores is not None and scores != Const(False):
        return []
    tensors: list[Value] = []
    for index, name in enumerate(spec.call_inputs):
        value = kwargs.get(name, args[index] if index < len(args) else None)
        if value is None or value == Const(None):
            break
        tensors.append(value)
    return tensors if len(tensors) >= 2 else []


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
