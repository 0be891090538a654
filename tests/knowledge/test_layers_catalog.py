"""The layer catalog, entry by entry: hand-computed shapes (always run) and real Keras as ground truth.

Each case builds the layer twice from the same literal arguments: once through the catalog
(`bind_arguments` + `apply_layer`) and once with Keras, called on symbolic `keras.Input`s. The
catalog must agree with Keras on the output shape, and must report a `LayerProblem` exactly
where Keras raises. `expected` is written by hand; the TensorFlow tests check it too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from shapelint.facts import LayerValue
from shapelint.knowledge.layers import (
    CATALOG,
    MERGE_FUNCTIONS,
    LayerConfig,
    LayerOutcome,
    LayerSpec,
    apply_layer,
    bind_arguments,
    call_tensor_arguments,
)
from shapelint.shapes import Shape
from shapelint.values import UNKNOWN, Const, Seq, Value

Dims = tuple[int | None, ...]


@dataclass(frozen=True)
class Inner:
    """A layer passed as an argument (TimeDistributed(Dense(3)), Bidirectional(LSTM(4)))."""

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple[Dims, ...] = ((None, 8, 8, 3),)  # batch axis included
    expected: Dims | tuple[Dims, ...] | None = None  # hand-computed; a tuple of shapes for several outputs
    problem: str | None = None  # the LayerProblem kind when Keras rejects the input
    call: str = "single"  # "single" | "list" (merge layers) | "positional" (MultiHeadAttention)
    dtype: str = "float32"
    unknown: bool = False  # the catalog must not guess (Lambda)
    keras_args: Callable[[], tuple[Any, ...]] | None = None  # arguments that are not literals

    def id(self) -> str:
        return f"{self.args}{dict(self.kwargs) or ''}@{self.inputs}"


def same(shape: Dims, *args: Any, **kwargs: Any) -> Case:
    return Case(args, kwargs, (shape,), shape)


IMAGE: Dims = (None, 8, 8, 3)
SEQUENCE: Dims = (None, 10, 3)

CASES: dict[str, list[Case]] = {
    "Dense": [
        Case((3,), inputs=((None, 5),), expected=(None, 3)),
        Case((4,), {"activation": "relu"}, ((None, 2, 5),), (None, 2, 4)),
    ],
    "Conv1D": [
        Case((4, 3), inputs=(SEQUENCE,), expected=(None, 8, 4)),
        Case((4, 3), {"strides": 2, "padding": "same"}, ((None, 9, 2),), (None, 5, 4)),
        Case((4, 3), {"padding": "causal", "dilation_rate": 2}, ((None, 9, 2),), (None, 9, 4)),
        Case((4, 5), inputs=((None, 3, 2),), problem="nonpositive"),
    ],
    "Conv2D": [
        Case((8, 3), inputs=((None, 28, 28, 1),), expected=(None, 26, 26, 8)),
        Case((4, (3, 5), (2, 1), "same"), inputs=((None, 9, 10, 3),), expected=(None, 5, 10, 4)),
        Case((4, 3), {"data_format": "channels_first"}, ((None, 3, 10, 12),), (None, 4, 8, 10)),
        Case((4, 3), {"groups": 2}, ((None, 8, 8, 6),), (None, 6, 6, 4)),
        Case((4, 3), {"dilation_rate": 2}, ((None, 10, 10, 1),), (None, 6, 6, 4)),
        Case((4, 3), {"groups": 2}, ((None, 8, 8, 3),), problem="axis"),
        Case((4, 5), inputs=((None, 3, 3, 1),), problem="nonpositive"),
        Case((4, 3), inputs=((None, 28, 28),), problem="rank"),
    ],
    "Conv3D": [Case((2, 3), inputs=((None, 8, 8, 8, 1),), expected=(None, 6, 6, 6, 2))],
    "Conv1DTranspose": [Case((2, 3), {"strides": 2}, ((None, 5, 4),), (None, 11, 2))],
    "Conv2DTranspose": [
        Case((2, 3), {"strides": 2, "output_padding": 1}, (IMAGE,), (None, 18, 18, 2)),
        Case((2, 3), {"strides": 2, "padding": "same", "output_padding": 1}, (IMAGE,), (None, 16, 16, 2)),
        Case((2, 3), {"dilation_rate": 2}, (IMAGE,), (None, 12, 12, 2)),
        Case((2, 3, 2, "same"), inputs=(IMAGE,), expected=(None, 16, 16, 2)),
    ],
    # Conv3DTranspose takes data_format before output_padding, unlike its 1-D and 2-D siblings.
    "Conv3DTranspose": [
        Case(
            (2, 3, 2, "same", "channels_last", 1), inputs=((None, 4, 5, 6, 3),), expected=(None, 8, 10, 12, 2)
        ),
    ],
    "SeparableConv1D": [Case((2, 3), {"strides": 2, "depth_multiplier": 3}, ((None, 9, 3),), (None, 4, 2))],
    "SeparableConv2D": [Case((8, 3), inputs=((None, 10, 10, 3),), expected=(None, 8, 8, 8))],
    "DepthwiseConv1D": [Case((3,), inputs=((None, 10, 4),), expected=(None, 8, 4))],
    "DepthwiseConv2D": [Case((3,), {"depth_multiplier": 2}, ((None, 10, 10, 3),), (None, 8, 8, 6))],
    "MaxPooling1D": [Case(inputs=(SEQUENCE,), expected=(None, 5, 3))],
    "MaxPooling2D": [
        Case(inputs=((None, 28, 28, 8),), expected=(None, 14, 14, 8)),
        Case((3, 2, "same"), inputs=((None, 7, 7, 1),), expected=(None, 4, 4, 1)),
        Case((4,), inputs=((None, 3, 3, 1),), problem="nonpositive"),
    ],
    "MaxPooling3D": [
        Case(inputs=((None, 4, 6, 8, 1),), expected=(None, 2, 3, 4, 1)),
        Case((2,), {"data_format": "channels_first"}, ((None, 3, 4, 6, 8),), (None, 3, 2, 3, 4)),
    ],
    "AveragePooling1D": [Case((2,), inputs=((None, 9, 3),), expected=(None, 4, 3))],
    "AveragePooling2D": [Case(((2, 3),), inputs=((None, 8, 9, 2),), expected=(None, 4, 3, 2))],
    "AveragePooling3D": [Case((2,), inputs=((None, 4, 4, 4, 1),), expected=(None, 2, 2, 2, 1))],
    "GlobalMaxPooling1D": [Case(inputs=(SEQUENCE,), expected=(None, 3))],
    "GlobalMaxPooling2D": [Case(inputs=(IMAGE,), expected=(None, 3))],
    "GlobalMaxPooling3D": [Case(inputs=((None, 4, 4, 4, 5),), expected=(None, 5))],
    "GlobalAveragePooling1D": [Case((), {"keepdims": True}, (SEQUENCE,), (None, 1, 3))],
    "GlobalAveragePooling2D": [
        Case(inputs=(IMAGE,), expected=(None, 3)),
        Case((), {"keepdims": True}, ((None, 5, 5, 7),), (None, 1, 1, 7)),
    ],
    "GlobalAveragePooling3D": [Case(("channels_first",), inputs=((None, 5, 4, 4, 4),), expected=(None, 5))],
    "UpSampling1D": [Case((3,), inputs=((None, 4, 2),), expected=(None, 12, 2))],
    "UpSampling2D": [
        Case(((2, 3),), inputs=((None, 4, 5, 3),), expected=(None, 8, 15, 3)),
        Case(((2, 3),), inputs=((None, 4, None, 3),), expected=(None, 8, None, 3)),
    ],
    "UpSampling3D": [Case((2,), inputs=((None, 3, 4, 5, 1),), expected=(None, 6, 8, 10, 1))],
    "ZeroPadding1D": [
        Case(((1, 2),), inputs=((None, 5, 6),), expected=(None, 8, 6)),
        Case(inputs=((None, 5, 6),), expected=(None, 7, 6)),
    ],
    "ZeroPadding2D": [
        Case((((1, 2), (3, 4)),), inputs=((None, 3, 4, 5),), expected=(None, 6, 11, 5)),
        Case(inputs=((None, 3, 4, 5),), expected=(None, 5, 6, 5)),
        Case(((1, 2),), inputs=((None, 3, 4, 5),), expected=(None, 5, 8, 5)),
    ],
    "ZeroPadding3D": [Case(((1, 2, 3),), inputs=((None, 3, 4, 5, 1),), expected=(None, 5, 8, 11, 1))],
    "Cropping1D": [
        Case(((1, 2),), inputs=((None, 5, 6),), expected=(None, 2, 6)),
        Case(((3, 2),), inputs=((None, 5, 6),), problem="nonpositive"),
    ],
    "Cropping2D": [
        Case(((1, 2),), inputs=((None, 5, 6, 1),), expected=(None, 3, 2, 1)),
        Case((((1, 0), (0, 2)),), inputs=((None, 5, 6, 1),), expected=(None, 4, 4, 1)),
    ],
    "Cropping3D": [
        Case((1,), inputs=((None, 5, 6, 7, 2),), expected=(None, 3, 4, 5, 2)),
        Case((3,), inputs=((None, 5, 6, 7, 2),), problem="nonpositive"),
    ],
    "SpatialDropout1D": [same((None, 5, 6), 0.1)],
    "SpatialDropout2D": [same(IMAGE, 0.1)],
    "SpatialDropout3D": [same((None, 4, 4, 4, 2), 0.1)],
    "ConvLSTM1D": [
        Case(
            (2, 3),
            {"return_sequences": True, "strides": 2, "padding": "same"},
            ((None, 4, 9, 3),),
            (None, 4, 5, 2),
        ),
    ],
    "ConvLSTM2D": [
        Case((2, 3), {"return_state": True}, ((None, 4, 8, 8, 3),), ((None, 6, 6, 2),) * 3),
        Case((2, 3), inputs=((None, 9, 9, 3),), problem="rank"),
        Case((2, 5), inputs=((None, 2, 3, 3, 3),), problem="nonpositive"),
    ],
    "ConvLSTM3D": [Case((2, 3), inputs=((None, 4, 9, 9, 9, 3),), expected=(None, 7, 7, 7, 2))],
    "Flatten": [
        Case(inputs=((None, 4, 5, 3),), expected=(None, 60)),
        Case(inputs=((None,),), expected=(None, 1)),
    ],
    "Dropout": [same(IMAGE, 0.5)],
    "Activation": [same(IMAGE, "relu")],
    "LayerNormalization": [same(IMAGE)],
    "UnitNormalization": [same(IMAGE)],
    "Rescaling": [same(IMAGE, 0.5, 1.0)],
    "Normalization": [same(IMAGE)],
    "GaussianNoise": [same(IMAGE, 0.1)],
    "GaussianDropout": [same(IMAGE, 0.1)],
    "AlphaDropout": [same(IMAGE, 0.1)],
    "ReLU": [same(IMAGE)],
    "LeakyReLU": [same(IMAGE)],
    "PReLU": [same(IMAGE)],
    "ELU": [same(IMAGE)],
    "Softmax": [same(IMAGE)],
    "ActivityRegularization": [same(IMAGE, 0.01)],
    "Masking": [same(SEQUENCE, 0.0)],
    "Identity": [same(IMAGE)],
    "RandomFlip": [same(IMAGE, "horizontal")],
    "RandomRotation": [same(IMAGE, 0.1)],
    "RandomZoom": [same(IMAGE, 0.1)],
    "RandomTranslation": [same(IMAGE, 0.1, 0.1)],
    "RandomContrast": [same(IMAGE, 0.2)],
    "RandomBrightness": [same(IMAGE, 0.2)],
    "BatchNormalization": [same(IMAGE), Case((), {"axis": 3}, ((None, 3),), problem="axis")],
    "GroupNormalization": [same((None, 5, 6), 2), Case((4,), inputs=((None, 6),), problem="axis")],
    "LSTM": [
        Case((4,), inputs=(SEQUENCE,), expected=(None, 4)),
        Case((4,), {"return_sequences": True}, (SEQUENCE,), (None, 10, 4)),
        Case((4,), {"return_state": True}, (SEQUENCE,), ((None, 4),) * 3),
        Case((4,), inputs=((None, 10, 3, 1),), problem="rank"),
    ],
    "GRU": [
        Case((4,), {"return_sequences": True, "return_state": True}, (SEQUENCE,), ((None, 10, 4), (None, 4)))
    ],
    "SimpleRNN": [Case((4,), inputs=((None, None, 3),), expected=(None, 4))],
    "Bidirectional": [
        Case(
            (Inner("LSTM", (3,), {"return_sequences": True}),), inputs=((None, 4, 8),), expected=(None, 4, 6)
        ),
        Case((Inner("LSTM", (3,)), None), inputs=((None, 4, 8),), expected=((None, 3), (None, 3))),
        Case((Inner("LSTM", (3,)), "sum"), inputs=((None, 4, 8),), expected=(None, 3)),
        Case(
            (Inner("GRU", (3,), {"return_state": True}),),
            inputs=((None, 4, 8),),
            expected=((None, 6), (None, 3), (None, 3)),
        ),
        Case(
            (Inner("LSTM", (3,)),),
            {"backward_layer": Inner("LSTM", (3,), {"go_backwards": True})},
            ((None, 4, 8),),
            (None, 6),
        ),
        Case((Inner("LSTM", (3,)),), inputs=((None, 4),), problem="rank"),
    ],
    "TimeDistributed": [
        Case((Inner("Dense", (3,)),), inputs=((None, 4, 5),), expected=(None, 4, 3)),
        Case((Inner("Conv2D", (2, 3)),), inputs=((None, 4, 8, 8, 3),), expected=(None, 4, 6, 6, 2)),
        Case((Inner("Conv2D", (2, 3)),), inputs=((None, 4, 8, 8),), problem="rank"),
        Case((Inner("Dense", (3,)),), inputs=((None, 4),), problem="rank"),
    ],
    "Embedding": [
        Case((100, 8), inputs=((None, 10),), expected=(None, 10, 8), dtype="int32"),
        Case((100, 8), {"input_length": 10}, ((None, 10),), (None, 10, 8), dtype="int32"),
    ],
    "Reshape": [
        Case(((-1, 2),), inputs=((None, 3, 4),), expected=(None, 6, 2)),
        Case(((5,),), inputs=((None, 3, 4),), problem="reshape"),
    ],
    "Permute": [
        Case(((2, 1),), inputs=((None, 5, 6),), expected=(None, 6, 5)),
        Case(((2, 1),), inputs=((None, 5, 6, 7),), problem="rank"),
    ],
    "RepeatVector": [Case((3,), inputs=((None, 4),), expected=(None, 3, 4))],
    "Lambda": [Case(inputs=((None, 3),), unknown=True, keras_args=lambda: (lambda x: x[:, :2],))],
    "Resizing": [Case((5, 6), inputs=(IMAGE,), expected=(None, 5, 6, 3))],
    "CenterCrop": [
        Case((5, 6), inputs=(IMAGE,), expected=(None, 5, 6, 3)),
        Case((10, 12), inputs=(IMAGE,), expected=(None, 10, 12, 3)),
        Case((5, 6), inputs=((None, 2, 8, 8, 3),), problem="rank"),
    ],
    "RandomCrop": [Case((5, 6), inputs=(IMAGE,), expected=(None, 5, 6, 3))],
    "CategoryEncoding": [
        Case((5,), inputs=((None, 3),), expected=(None, 5), dtype="int32"),
        Case((5, "one_hot"), inputs=((None, 3),), expected=(None, 3, 5), dtype="int32"),
        Case((5, "one_hot"), inputs=((None, 1),), expected=(None, 5), dtype="int32"),
        Case((5,), inputs=((None, 3, 4),), expected=(None, 3, 5), dtype="int32"),
    ],
    "StringLookup": [Case((), {"vocabulary": ["a", "b"]}, ((None, 3),), (None, 3), dtype="string")],
    "IntegerLookup": [Case((), {"vocabulary": [1, 2]}, ((None, 3),), (None, 3), dtype="int64")],
    "Hashing": [Case((4,), inputs=((None, 3),), expected=(None, 3), dtype="int32")],
    "Discretization": [Case(([0.0, 1.0],), inputs=((None, 3),), expected=(None, 3))],
    "TextVectorization": [
        Case((), {"output_sequence_length": 7}, ((None, 1),), (None, 7), dtype="string"),
        Case((), {}, ((None, 1),), (None, None), dtype="string"),
    ],
    "Concatenate": [
        Case(inputs=((None, 3, 4), (None, 3, 5)), expected=(None, 3, 9), call="list"),
        Case((1,), inputs=((None, 3, 4), (None, 5, 4)), expected=(None, 8, 4), call="list"),
        Case(inputs=((None, 3, 4), (None, 4)), problem="merge", call="list"),
        Case(inputs=((None, 3, 4), (None, 2, 5)), problem="merge", call="list"),
    ],
    "Add": [
        Case(inputs=((None, 5, 7), (None, 1, 7), (None, 7)), expected=(None, 5, 7), call="list"),
        Case(inputs=((None, 10, 5), (None, 10)), problem="merge", call="list"),
    ],
    "Subtract": [
        Case(inputs=((None, 4), (None, 4)), expected=(None, 4), call="list"),
        Case(inputs=((None, 4), (None, 4), (None, 4)), problem="merge", call="list"),
    ],
    "Multiply": [Case(inputs=((None, 4), (None, 1)), expected=(None, 4), call="list")],
    "Average": [Case(inputs=((None, 2, 4), (None, 2, 4)), expected=(None, 2, 4), call="list")],
    "Maximum": [Case(inputs=((None, 4), (None, 4)), expected=(None, 4), call="list")],
    "Minimum": [Case(inputs=((None, 4), (None, 5)), problem="merge", call="list")],
    "Dot": [
        Case((-1,), inputs=((None, 5, 7), (None, 6, 7)), expected=(None, 5, 6), call="list"),
        Case((1,), inputs=((None, 7), (None, 7)), expected=(None, 1), call="list"),
        Case(((1, 2),), inputs=((None, 5, 7), (None, 6, 5)), expected=(None, 7, 6), call="list"),
        Case((1,), inputs=((None, 7), (None, 8)), problem="merge", call="list"),
    ],
    "Attention": [Case(inputs=((None, 5, 7), (None, 6, 7)), expected=(None, 5, 7), call="list")],
    "AdditiveAttention": [
        Case(inputs=((None, 5, 7), (None, 6, 7), (None, 6, 7)), expected=(None, 5, 7), call="list"),
    ],
    "MultiHeadAttention": [
        Case((2, 4), inputs=((None, 5, 7), (None, 6, 9)), expected=(None, 5, 7), call="positional"),
        Case((2, 4), {"output_shape": 11}, ((None, 5, 7), (None, 6, 9)), (None, 5, 11), call="positional"),
        Case(
            (2, 4),
            {"output_shape": (3, 11)},
            ((None, 5, 7), (None, 6, 9)),
            (None, 5, 3, 11),
            call="positional",
        ),
        Case((2, 4), inputs=((None, 5, 7), (None, 6, 9), (None, 5, 9)), problem="merge", call="positional"),
    ],
}

# Other public names of the same classes: they share their canonical entry's cases.
ALIASES = {
    **{f"Convolution{r}D": f"Conv{r}D" for r in (1, 2, 3)},
    **{f"Convolution{r}DTranspose": f"Conv{r}DTranspose" for r in (1, 2, 3)},
    **{f"SeparableConvolution{r}D": f"SeparableConv{r}D" for r in (1, 2)},
    **{f"MaxPool{r}D": f"MaxPooling{r}D" for r in (1, 2, 3)},
    **{f"AvgPool{r}D": f"AveragePooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalMaxPool{r}D": f"GlobalMaxPooling{r}D" for r in (1, 2, 3)},
    **{f"GlobalAvgPool{r}D": f"GlobalAveragePooling{r}D" for r in (1, 2, 3)},
}

SPECIAL = {"InputLayer"}  # declared by the interpreter, never applied: tested on its own below


def short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def cases_of(name: str) -> list[Case]:
    return CASES[ALIASES.get(name, name)]


ALL_CASES = [
    pytest.param(name, case, id=f"{name}-{case.id()}")
    for name in sorted(short(full) for full in CATALOG)
    if name not in SPECIAL
    for case in cases_of(name)
]


# Our side: the catalog ------------------------------------------------------------------------


def to_value(item: Any) -> Value:
    if isinstance(item, Inner):
        spec = CATALOG[f"keras.layers.{item.name}"]
        return LayerValue(spec.name, spec, bind(spec, item.args, item.kwargs), None)
    if isinstance(item, (tuple, list)):
        return Seq(tuple(to_value(part) for part in item), "list" if isinstance(item, list) else "tuple")
    return Const(item)


def bind(spec: LayerSpec, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Value]:
    return bind_arguments(spec, [to_value(a) for a in args], {k: to_value(v) for k, v in kwargs.items()})


def catalog_outcome(name: str, case: Case) -> LayerOutcome:
    spec = CATALOG[f"keras.layers.{name}"]
    args = (UNKNOWN,) if case.keras_args is not None else case.args
    config = bind_arguments(
        spec,
        [a if isinstance(a, Value) else to_value(a) for a in args],
        {k: to_value(v) for k, v in case.kwargs.items()},
    )
    return apply_layer(spec, LayerConfig(config), [Shape(dims) for dims in case.inputs])


def dims_of(output: Shape | tuple[Shape, ...]) -> Dims | tuple[Dims, ...] | None:
    if isinstance(output, tuple):
        return tuple(shape.dims for shape in output)  # type: ignore[misc]
    return output.dims


# Always run: hand-computed expectations -------------------------------------------------------


def test_every_catalog_entry_has_cases() -> None:
    missing = sorted(
        short(n) for n in CATALOG if short(n) not in SPECIAL and ALIASES.get(short(n), short(n)) not in CASES
    )
    assert not missing
    assert not set(CASES) - {short(n) for n in CATALOG}, "cases for layers the catalog lacks"


def test_the_catalog_covers_at_least_sixty_layers() -> None:
    assert len({short(n) for n in CATALOG} - set(ALIASES)) >= 60


@pytest.mark.parametrize(("name", "case"), ALL_CASES)
def test_catalog_output_matches_the_hand_computed_shape(name: str, case: Case) -> None:
    outcome = catalog_outcome(name, case)
    if case.problem is not None:
        assert outcome.problem is not None, (
            f"expected a {case.problem} problem, got {dims_of(outcome.output)}"
        )
        assert outcome.problem.kind == case.problem
        assert outcome.problem.message
        return
    assert outcome.problem is None, outcome.problem.message
    if case.unknown:
        assert outcome.output == Shape.unknown()
        return
    assert dims_of(outcome.output) == case.expected


def test_non_literal_arguments_leave_the_output_unknown() -> None:
    spec = CATALOG["keras.layers.Conv2D"]
    outcome = apply_layer(
        spec, LayerConfig({"filters": UNKNOWN, "kernel_size": Const(3)}), [Shape.of(None, 8, 8, 1)]
    )
    assert outcome == LayerOutcome()
    spec = CATALOG["keras.layers.TextVectorization"]
    outcome = apply_layer(spec, LayerConfig({"output_sequence_length": UNKNOWN}), [Shape.of(None, 1)])
    assert outcome == LayerOutcome()
    spec = CATALOG["keras.layers.TimeDistributed"]
    outcome = apply_layer(spec, LayerConfig({"layer": UNKNOWN}), [Shape.of(None, 4, 5)])
    assert outcome == LayerOutcome()


def test_unknown_input_rank_is_never_a_problem() -> None:
    for name, spec in CATALOG.items():
        if spec.merge is not None or short(name) in SPECIAL:
            continue
        case = cases_of(short(name))[0]
        outcome = catalog_outcome(short(name), Case(case.args, case.kwargs, inputs=(None,)))  # type: ignore[arg-type]
        assert outcome.problem is None, name


def test_bidirectional_with_a_different_backward_layer_is_left_unknown() -> None:
    # Keras's symbolic shape says 2 * 3 units, the real concatenation 3 + 5.
    case = Case(
        (Inner("LSTM", (3,)),),
        {"backward_layer": Inner("LSTM", (5,), {"go_backwards": True})},
        ((None, 4, 8),),
    )
    assert catalog_outcome("Bidirectional", case) == LayerOutcome()


def test_conv_above_its_rank_is_left_unknown() -> None:
    # Keras 3 rejects Conv2D on 5-D input, Keras 2 folds the extra axis: say nothing either way.
    outcome = catalog_outcome("Conv2D", Case((2, 3), inputs=((None, 4, 8, 8, 3),)))
    assert outcome == LayerOutcome()


RANK_CHECKED = sorted(
    short(name)
    for name, spec in CATALOG.items()
    if spec.family in ("conv", "pool", "global-pool", "recurrent")
)


def too_low_rank(spec: LayerSpec) -> Dims:
    rank = spec.required_rank
    assert rank is not None, spec.name
    return (None, *[6] * (rank - 2))


@pytest.mark.parametrize("name", RANK_CHECKED)
def test_a_rank_keras_rejects_is_a_rank_problem(name: str) -> None:
    spec = CATALOG[f"keras.layers.{name}"]
    case = cases_of(name)[0]
    outcome = catalog_outcome(name, Case(case.args, case.kwargs, (too_low_rank(spec),)))
    assert outcome.problem is not None and outcome.problem.kind == "rank"
    assert outcome.problem.expected_rank == spec.required_rank
    assert outcome.problem.got_rank == spec.required_rank - 1  # type: ignore[operator]


def test_call_tensor_arguments_reads_positional_and_keyword_tensors() -> None:
    spec = CATALOG["keras.layers.MultiHeadAttention"]
    q, v, k = Const("q"), Const("v"), Const("k")
    assert call_tensor_arguments(spec, [q, v], {}) == [q, v]
    assert call_tensor_arguments(spec, [q], {"value": v, "key": k}) == [q, v, k]
    assert call_tensor_arguments(spec, [], {"query": q, "value": v}) == [q, v]
    assert call_tensor_arguments(spec, [q], {}) == []
    assert call_tensor_arguments(spec, [q, v], {"return_attention_scores": Const(True)}) == []
    assert call_tensor_arguments(spec, [q, v], {"return_attention_scores": Const(False)}) == [q, v]


def test_merge_functions_name_catalog_entries() -> None:
    assert all(target in CATALOG for target in MERGE_FUNCTIONS.values())


def test_input_layer_binds_its_first_argument_as_the_declared_shape() -> None:
    spec = CATALOG["keras.layers.InputLayer"]
    bound = bind(spec, ((28, 28),), {"batch_size": 32})
    assert set(bound) == {"input_shape", "batch_size"}


# Ground truth: real Keras -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras as real_keras

    return real_keras


@pytest.fixture
def fresh(keras: Any) -> Any:
    # Symbolic layers are small; clearing the session after every case costs a second each.
    return keras


@pytest.fixture(scope="module", autouse=True)
def clear_session_at_the_end() -> Any:
    yield
    import sys

    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()


def build(keras: Any, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    def real(item: Any) -> Any:
        return build(keras, item.name, item.args, item.kwargs) if isinstance(item, Inner) else item

    return getattr(keras.layers, name)(*[real(a) for a in args], **{k: real(v) for k, v in kwargs.items()})


def keras_output(keras: Any, name: str, case: Case) -> Dims | tuple[Dims, ...]:
    args = case.keras_args() if case.keras_args is not None else case.args
    layer = build(keras, name, args, case.kwargs)
    tensors = [keras.Input(batch_shape=dims, dtype=case.dtype) for dims in case.inputs]
    if case.call == "list":
        result = layer(tensors)
    elif case.call == "positional":
        result = layer(*tensors)
    else:
        result = layer(tensors[0])
    if isinstance(result, (list, tuple)):
        return tuple(tuple(r.shape) for r in result)
    return tuple(result.shape)


@pytest.mark.tensorflow
@pytest.mark.filterwarnings("ignore:Argument `input_length` is deprecated")
@pytest.mark.parametrize(("name", "case"), ALL_CASES)
def test_catalog_agrees_with_keras(fresh: Any, name: str, case: Case) -> None:
    outcome = catalog_outcome(name, case)
    if case.problem is not None:
        with pytest.raises((ValueError, TypeError, IndexError)):
            keras_output(fresh, name, case)
        assert outcome.problem is not None
        return
    real = keras_output(fresh, name, case)
    if case.unknown:
        assert outcome.output == Shape.unknown()
        return
    assert dims_of(outcome.output) == real
    assert case.expected == real


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", RANK_CHECKED)
def test_keras_rejects_the_rank_the_catalog_rejects(fresh: Any, name: str) -> None:
    spec = CATALOG[f"keras.layers.{name}"]
    case = cases_of(name)[0]
    with pytest.raises(ValueError):
        keras_output(fresh, name, Case(case.args, case.kwargs, (too_low_rank(spec),)))


@pytest.mark.tensorflow
def test_catalog_parameters_follow_keras_signatures(keras: Any) -> None:
    import inspect

    for full, spec in CATALOG.items():
        cls = getattr(keras.layers, short(full))
        if short(full) == "InputLayer":
            continue  # Keras 2's positional order (input_shape first); Keras 3 names it shape
        parameters = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "kwargs")]
        assert list(spec.params) == parameters[: len(spec.params)], full


@pytest.mark.tensorflow
def test_aliases_are_the_same_keras_classes(keras: Any) -> None:
    for alias, canonical in ALIASES.items():
        assert getattr(keras.layers, alias) is getattr(keras.layers, canonical)


@pytest.mark.tensorflow
def test_input_layer_declares_what_keras_declares(fresh: Any) -> None:
    assert tuple(fresh.layers.InputLayer((28, 28)).output.shape) == (None, 28, 28)
    with pytest.warns(UserWarning):  # Keras 3 still takes Keras 2's keyword, with a warning
        layer = fresh.layers.InputLayer(input_shape=(28, 28), batch_size=32)
    assert tuple(layer.output.shape) == (32, 28, 28)
