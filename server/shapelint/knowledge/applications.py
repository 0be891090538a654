"""keras.applications: what each pretrained architecture takes and gives, without building it.

A table of default input size, minimum input size, final channel count and the exact chain of
downsampling steps of each family, plus the checks `keras.applications` makes on its
arguments (`imagenet_utils.obtain_input_shape` and the per-model ones). Every entry is checked
against real Keras 3 (`weights=None`) by `tests/knowledge/test_applications.py`.

Shapes follow `image_data_format="channels_last"`, Keras's default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapelint.shapes import Dim, Shape, format_dims
from shapelint.values import Const, Value, literal

Step = Callable[[int], int]  # one downsampling of a spatial size


def _halve_up(length: int) -> int:
    """Stride 2 with 'same' padding, or with the padding ResNet and MobileNetV2 add first."""
    return (length - 1) // 2 + 1


def _halve_down(length: int) -> int:
    """A 2x2 'valid' pooling, or a stride-2 conv after a one-sided zero padding."""
    return length // 2


def _valid(kernel: int, stride: int) -> Step:
    def step(length: int) -> int:
        return (length - kernel) // stride + 1

    return step


_INCEPTION: tuple[Step, ...] = (_valid(3, 2), _valid(3, 1), _valid(3, 2), _valid(3, 1), *(_valid(3, 2),) * 3)


@dataclass(frozen=True)
class ApplicationSpec:
    name: str  # class name, e.g. "ResNet50"
    params: tuple[str, ...]  # positional parameters, in Keras's order
    default_size: int
    min_size: int
    channels: int  # of the last feature map (include_top=False), at alpha=1
    steps: tuple[Step, ...]  # spatial downsampling from the input to the last feature map
    # MobileNet/MobileNetV2 take these square sizes as the default when include_top=True.
    alternative_sizes: tuple[int, ...] = ()
    # keras.applications.obtain_input_shape checks (min size, channels, default size with
    # imagenet + include_top); MobileNetV3 only checks the minimum size.
    checks_input: bool = True
    static_imagenet_shape: bool = False  # NASNet: no None in input_shape with imagenet weights
    alpha: str | None = None  # "mobilenet" | "mobilenet_v2" | "mobilenet_v3_small" | "mobilenet_v3_large"

    def feature_size(self, length: Dim) -> Dim:
        if length is None:
            return None
        for step in self.steps:
            length = step(length)
        return length


@dataclass(frozen=True)
class ApplicationProblem:
    """Arguments keras.applications rejects: `message` is Keras's reason, in plain words."""

    kind: str  # "input-size" | "input-shape" | "channels" | "classes"
    message: str


_STANDARD = ("include_top", "weights", "input_tensor", "input_shape", "pooling", "classes")
_INPUT_FIRST = ("input_shape", "include_top", "weights", "input_tensor", "pooling", "classes")

APPLICATIONS: dict[str, ApplicationSpec] = {}


def _register(
    rows: Sequence[tuple[str, int, int]],
    min_size: int,
    steps: tuple[Step, ...],
    params: tuple[str, ...] = _STANDARD,
    **options: Any,
) -> None:
    """Rows of (class name, last channel count, default input size) sharing a family's structure."""
    for name, channels, default_size in rows:
        APPLICATIONS[name] = ApplicationSpec(name, params, default_size, min_size, channels, steps, **options)


_register([("VGG16", 512, 224), ("VGG19", 512, 224)], 32, (_halve_down,) * 5)
_register(
    [(f"ResNet{depth}{version}", 2048, 224) for version in ("", "V2") for depth in (50, 101, 152)],
    32,
    (_halve_up,) * 5,
)
_register([("InceptionV3", 2048, 299), ("InceptionResNetV2", 1536, 299)], 75, _INCEPTION)
_register([("Xception", 2048, 299)], 71, (_valid(3, 2), _valid(3, 1), *(_halve_up,) * 4))
_register(
    [("DenseNet121", 1024, 224), ("DenseNet169", 1664, 224), ("DenseNet201", 1920, 224)],
    32,
    (_halve_up, _halve_up, *(_halve_down,) * 3),
)
_register(
    [
        ("EfficientNetB0", 1280, 224),
        ("EfficientNetB1", 1280, 240),
        ("EfficientNetB2", 1408, 260),
        ("EfficientNetB3", 1536, 300),
        ("EfficientNetB4", 1792, 380),
        ("EfficientNetB5", 2048, 456),
        ("EfficientNetB6", 2304, 528),
        ("EfficientNetB7", 2560, 600),
        ("EfficientNetV2B0", 1280, 224),
        ("EfficientNetV2B1", 1280, 240),
        ("EfficientNetV2B2", 1408, 260),
        ("EfficientNetV2B3", 1536, 300),
        ("EfficientNetV2S", 1280, 384),
        ("EfficientNetV2M", 1280, 480),
        ("EfficientNetV2L", 1280, 480),
    ],
    32,
    (_halve_up,) * 5,
)
_register(
    [
        ("ConvNeXtTiny", 768, 224),
        ("ConvNeXtSmall", 768, 224),
        ("ConvNeXtBase", 1024, 224),
        ("ConvNeXtLarge", 1536, 224),
        ("ConvNeXtXLarge", 2048, 224),
    ],
    32,
    (_valid(4, 4), *(_halve_down,) * 3),
    ("include_top", "include_preprocessing", "weights", "input_tensor", "input_shape", "pooling", "classes"),
)
_register(
    [("NASNetMobile", 1056, 224), ("NASNetLarge", 4032, 331)],
    32,
    (_valid(3, 2), *(_halve_up,) * 4),
    _INPUT_FIRST,
    static_imagenet_shape=True,
)
_register(
    [("MobileNet", 1024, 224)],
    32,
    (_halve_up, *(_halve_down,) * 4),
    ("input_shape", "alpha", "depth_multiplier", "dropout", *_INPUT_FIRST[1:]),
    alternative_sizes=(128, 160, 192, 224),
    alpha="mobilenet",
)
_register(
    [("MobileNetV2", 1280, 224)],
    32,
    (_halve_up,) * 5,
    ("input_shape", "alpha", *_INPUT_FIRST[1:]),
    alternative_sizes=(96, 128, 160, 192, 224),
    alpha="mobilenet_v2",
)
for _name, _channels_at_one, _kind in (
    ("MobileNetV3Small", 576, "mobilenet_v3_small"),
    ("MobileNetV3Large", 960, "mobilenet_v3_large"),
):
    _register(
        [(_name, _channels_at_one, 224)],
        32,
        (_halve_up,) * 5,
        (
            "input_shape",
            "alpha",
            "minimalistic",
            "include_top",
            "weights",
            "input_tensor",
            "classes",
            "pooling",
        ),
        checks_input=False,
        alpha=_kind,
    )


def _make_divisible(value: float, divisor: int = 8) -> int:
    """MobileNet's channel rounding (mobilenet_v2._make_divisible, mobilenet_v3._depth)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _channels(spec: ApplicationSpec, alpha: float | None) -> Dim:
    if spec.alpha is None:
        return spec.channels
    if alpha is None:
        return None
    if spec.alpha == "mobilenet":
        return int(1024 * alpha)
    if spec.alpha == "mobilenet_v2":
        return _make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    last_block = 96 if spec.alpha == "mobilenet_v3_small" else 160
    return _make_divisible(_make_divisible(last_block * alpha) * 6)


def find_application(name: str) -> ApplicationSpec | None:
    """The entry for a canonical name: keras.applications.ResNet50 or keras.applications.resnet50.ResNet50."""
    if not name.startswith("keras.applications."):
        return None
    return APPLICATIONS.get(name.rsplit(".", 1)[-1])


def application_shapes(
    name: str,
    include_top: bool,
    input_shape: tuple[Dim, ...] | None,
    pooling: str | None,
    classes: int,
    weights: str | None = "imagenet",
    alpha: float | None = 1.0,
) -> tuple[Shape, Shape] | ApplicationProblem:
    """(per-sample input shape, output shape with the batch axis), or the problem Keras raises.

    `name` is the class name (ResNet50) or a canonical name; `alpha=None` means not a literal.
    """
    spec = APPLICATIONS.get(name) or find_application(name)
    if spec is None:
        raise KeyError(name)
    imagenet = weights == "imagenet"
    if imagenet and include_top and classes != 1000:
        return ApplicationProblem(
            "classes",
            f"{spec.name} with weights='imagenet' and include_top=True has 1000 classes, "
            f"got classes={classes}; "
            "pass include_top=False and add your own classifier",
        )
    if input_shape is not None and len(input_shape) != 3:
        return ApplicationProblem(
            "input-shape",
            f"{spec.name} takes input_shape=(height, width, channels), got {format_dims(input_shape)}",
        )
    if spec.static_imagenet_shape and imagenet and input_shape is not None and None in input_shape:
        return ApplicationProblem(
            "input-shape",
            f"{spec.name} with weights='imagenet' needs a static input_shape, got {format_dims(input_shape)}",
        )
    resolved = _resolve_input(spec, include_top, input_shape, imagenet)
    if isinstance(resolved, ApplicationProblem):
        return resolved
    height, width, _ = resolved
    if include_top:
        return Shape(resolved), Shape.of(None, classes)
    channels = _channels(spec, alpha)
    if pooling in ("avg", "max"):
        return Shape(resolved), Shape.of(None, channels)
    return Shape(resolved), Shape.of(None, spec.feature_size(height), spec.feature_size(width), channels)


def _resolve_input(
    spec: ApplicationSpec, include_top: bool, input_shape: tuple[Dim, ...] | None, imagenet: bool
) -> tuple[Dim, ...] | ApplicationProblem:
    """imagenet_utils.obtain_input_shape, channels_last."""
    if not spec.checks_input:  # MobileNetV3
        shape = input_shape if input_shape is not None else (None, None, 3)
        if (
            shape[0] is not None
            and shape[1] is not None
            and (shape[0] < spec.min_size or shape[1] < spec.min_size)
        ):
            return _too_small(spec, shape)
        return shape
    default_size = spec.default_size
    if (
        input_shape is not None
        and input_shape[0] == input_shape[1]
        and input_shape[0] in spec.alternative_sizes
    ):
        default_size = input_shape[0]
    channels = input_shape[-1] if input_shape is not None and not imagenet else 3
    default = (default_size, default_size, channels)
    if imagenet and include_top:
        if input_shape is not None and tuple(input_shape) != default:
            return ApplicationProblem(
                "input-size",
                f"{spec.name} with weights='imagenet' and include_top=True takes "
                f"input_shape={format_dims(default)}, "
                f"got {format_dims(input_shape)}; pass include_top=False to use another size",
            )
        return default
    if input_shape is None:
        return default if include_top else (None, None, 3)
    if imagenet and input_shape[-1] != 3:
        return ApplicationProblem(
            "channels",
            f"{spec.name} with weights='imagenet' takes 3 input channels, "
            f"got input_shape={format_dims(input_shape)}",
        )
    height, width = input_shape[0], input_shape[1]
    if (height is not None and height < spec.min_size) or (width is not None and width < spec.min_size):
        return _too_small(spec, input_shape)
    if include_top and None in input_shape:
        return ApplicationProblem(
            "input-shape",
            f"{spec.name} with include_top=True needs a static input_shape, got {format_dims(input_shape)}",
        )
    return tuple(input_shape)


def _too_small(spec: ApplicationSpec, shape: tuple[Dim, ...]) -> ApplicationProblem:
    return ApplicationProblem(
        "input-size",
        f"{spec.name} takes images of at least {spec.min_size}x{spec.min_size}, "
        f"got input_shape={format_dims(shape)}",
    )


_MISSING = object()


def application_outcome(
    name: str, args: Sequence[Value], kwargs: Mapping[str, Value]
) -> tuple[Shape, Shape] | ApplicationProblem | None:
    """`application_shapes` for a call's abstract arguments; None (unknown) when one is not a literal.

    An `input_tensor` argument also gives None: the interpreter knows that tensor's shape better.
    """
    spec = find_application(name)
    if spec is None:
        return None
    bound: dict[str, Value] = dict(kwargs)
    for index, value in enumerate(args[: len(spec.params)]):
        bound.setdefault(spec.params[index], value)

    def get(key: str, default: object) -> object:
        value = bound.get(key)
        if value is None:
            return default
        try:
            return literal(value)
        except ValueError:
            return _MISSING

    if bound.get("input_tensor", Const(None)) != Const(None):
        return None
    include_top = get("include_top", True)
    weights = get("weights", "imagenet")
    raw_shape = get("input_shape", None)
    pooling = get("pooling", None)
    classes = get("classes", 1000)
    alpha = get("alpha", 1.0)
    if not isinstance(include_top, bool) or pooling not in (None, "avg", "max") or weights is _MISSING:
        return None
    if not isinstance(classes, int) or isinstance(classes, bool):
        return None
    if raw_shape is not None and (
        not isinstance(raw_shape, (tuple, list))
        or not all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in raw_shape)
    ):
        return None
    if weights not in ("imagenet", None):
        weights = "file"  # a path to a weights file: no imagenet checks
    input_shape = tuple(raw_shape) if raw_shape is not None else None
    number = alpha if isinstance(alpha, (int, float)) and not isinstance(alpha, bool) else None
    return application_shapes(
        spec.name,
        include_top,
        input_shape,
        pooling,
        classes,
        weights,
        number,
    )
