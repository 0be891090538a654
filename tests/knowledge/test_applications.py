"""keras.applications shapes: hand-computed expectations (always run) and real Keras builds.

Building an application costs seconds, so the TensorFlow tests build ONE representative per
family, at an odd input size that exercises the rounding of every downsampling step.
`spot_check_applications.py` (same directory) builds every entry at several sizes.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from shapelint.knowledge.applications import (
    APPLICATIONS,
    ApplicationProblem,
    application_outcome,
    application_shapes,
    find_application,
)
from shapelint.shapes import Shape
from shapelint.values import UNKNOWN, Const, Seq

EXPECTED_NAMES = {
    "VGG16", "VGG19",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "InceptionV3", "InceptionResNetV2", "Xception",
    "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
    "DenseNet121", "DenseNet169", "DenseNet201",
    *(f"EfficientNetB{i}" for i in range(8)),
    *(f"EfficientNetV2{v}" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")),
    "NASNetMobile", "NASNetLarge",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
}  # fmt: skip


def shapes(name: str, **kwargs: Any) -> tuple[Shape, Shape] | ApplicationProblem:
    arguments = {"include_top": True, "input_shape": None, "pooling": None, "classes": 1000, **kwargs}
    return application_shapes(name, **arguments)


def dims(result: tuple[Shape, Shape] | ApplicationProblem) -> tuple[Any, Any]:
    assert not isinstance(result, ApplicationProblem), result.message
    return result[0].dims, result[1].dims


def problem(result: tuple[Shape, Shape] | ApplicationProblem) -> str:
    assert isinstance(result, ApplicationProblem), result
    assert result.message
    return result.kind


# Always run ------------------------------------------------------------------------------------


def test_the_table_covers_keras_applications() -> None:
    assert set(APPLICATIONS) == EXPECTED_NAMES


def test_canonical_names_resolve_through_module_paths() -> None:
    assert find_application("keras.applications.ResNet50") is APPLICATIONS["ResNet50"]
    assert find_application("keras.applications.resnet50.ResNet50") is APPLICATIONS["ResNet50"]
    assert (
        find_application("keras.applications.efficientnet_v2.EfficientNetV2S")
        is APPLICATIONS["EfficientNetV2S"]
    )
    assert find_application("keras.layers.Dense") is None
    assert find_application("keras.applications.resnet50.preprocess_input") is None


def test_include_top_with_imagenet_weights_takes_the_default_size() -> None:
    assert dims(shapes("ResNet50")) == ((224, 224, 3), (None, 1000))
    assert dims(shapes("InceptionV3")) == ((299, 299, 3), (None, 1000))
    assert dims(shapes("EfficientNetB7")) == ((600, 600, 3), (None, 1000))
    assert dims(shapes("NASNetLarge")) == ((331, 331, 3), (None, 1000))
    assert dims(shapes("VGG16", input_shape=(224, 224, 3))) == ((224, 224, 3), (None, 1000))
    assert problem(shapes("ResNet50", input_shape=(128, 128, 3))) == "input-size"
    assert problem(shapes("VGG16", input_shape=(32, 32, 3))) == "input-size"


def test_mobilenets_accept_their_other_pretrained_sizes_with_the_top() -> None:
    assert dims(shapes("MobileNet", input_shape=(128, 128, 3))) == ((128, 128, 3), (None, 1000))
    assert dims(shapes("MobileNetV2", input_shape=(96, 96, 3))) == ((96, 96, 3), (None, 1000))
    assert problem(shapes("MobileNet", input_shape=(96, 96, 3))) == "input-size"
    # MobileNetV3 does not pin the size at all (it loads the 224 weights with a warning).
    assert dims(shapes("MobileNetV3Small", input_shape=(96, 96, 3))) == ((96, 96, 3), (None, 1000))
    assert dims(shapes("MobileNetV3Small")) == ((None, None, 3), (None, 1000))


def test_imagenet_with_the_top_has_a_thousand_classes() -> None:
    assert problem(shapes("ResNet50", classes=10)) == "classes"
    assert dims(shapes("ResNet50", classes=10, weights=None)) == ((224, 224, 3), (None, 10))
    assert dims(shapes("ResNet50", classes=10, include_top=False, pooling="avg")) == (
        (None, None, 3),
        (None, 2048),
    )


def test_without_the_top_the_feature_map_is_downsampled() -> None:
    no_top = {"include_top": False}
    assert dims(shapes("VGG16", input_shape=(224, 224, 3), **no_top)) == ((224, 224, 3), (None, 7, 7, 512))
    # VGG floors at each 2x2 pooling: 33 -> 16 -> 8 -> 4 -> 2 -> 1.
    assert dims(shapes("VGG19", input_shape=(33, 36, 3), **no_top))[1] == (None, 1, 1, 512)
    # ResNet rounds up at each stride-2 step: 33 -> 17 -> 9 -> 5 -> 3 -> 2.
    assert dims(shapes("ResNet50", input_shape=(33, 36, 3), **no_top))[1] == (None, 2, 2, 2048)
    # Inception: 75 -> 37 -> 35 -> 17 -> 15 -> 7 -> 3 -> 1; 299 -> 8.
    assert dims(shapes("InceptionV3", input_shape=(75, 299, 3), **no_top))[1] == (None, 1, 8, 2048)
    assert dims(shapes("InceptionResNetV2", input_shape=(75, 75, 3), **no_top))[1] == (None, 1, 1, 1536)
    # Xception: 71 -> 35 -> 33 -> 17 -> 9 -> 5 -> 3.
    assert dims(shapes("Xception", input_shape=(71, 71, 3), **no_top))[1] == (None, 3, 3, 2048)
    # DenseNet: two rounding-up steps, then three 2x2 average poolings: 100 -> 50 -> 25 -> 12 -> 6 -> 3.
    assert dims(shapes("DenseNet201", input_shape=(100, 100, 3), **no_top))[1] == (None, 3, 3, 1920)
    # ConvNeXt: a 4x4 patchify stem, then three 2x2 downsamplings: 100 -> 25 -> 12 -> 6 -> 3.
    assert dims(shapes("ConvNeXtBase", input_shape=(100, 100, 3), **no_top))[1] == (None, 3, 3, 1024)
    # MobileNet: 'same' first, then one-sided padding that floors: 57 -> 29 -> 14 -> 7 -> 3 -> 1.
    assert dims(shapes("MobileNet", input_shape=(57, 57, 3), **no_top))[1] == (None, 1, 1, 1024)
    assert dims(shapes("EfficientNetB3", input_shape=(300, 300, 3), **no_top))[1] == (None, 10, 10, 1536)


def test_unspecified_input_without_the_top_is_any_size() -> None:
    assert dims(shapes("ResNet50", include_top=False)) == ((None, None, 3), (None, None, None, 2048))
    assert dims(shapes("ResNet50", include_top=False, pooling="max")) == ((None, None, 3), (None, 2048))


def test_inputs_below_the_minimum_are_rejected() -> None:
    assert problem(shapes("ResNet50", include_top=False, input_shape=(31, 64, 3))) == "input-size"
    assert problem(shapes("InceptionV3", include_top=False, input_shape=(74, 100, 3))) == "input-size"
    assert (
        problem(shapes("Xception", include_top=False, input_shape=(70, 100, 3), weights=None)) == "input-size"
    )
    assert problem(shapes("MobileNetV3Large", include_top=False, input_shape=(16, 64, 3))) == "input-size"


def test_imagenet_weights_take_three_channels() -> None:
    assert problem(shapes("ResNet50", include_top=False, input_shape=(64, 64, 1))) == "channels"
    assert dims(shapes("ResNet50", include_top=False, input_shape=(64, 64, 1), weights=None))[0] == (
        64,
        64,
        1,
    )
    assert problem(shapes("ResNet50", include_top=False, input_shape=(64, 64))) == "input-shape"


def test_nasnet_with_imagenet_weights_needs_a_static_shape() -> None:
    assert problem(shapes("NASNetMobile", include_top=False, input_shape=(None, None, 3))) == "input-shape"
    assert dims(shapes("NASNetMobile", include_top=False, input_shape=(None, None, 3), weights=None))[1] == (
        None, None, None, 1056,
    )  # fmt: skip


def test_alpha_scales_the_mobilenet_channels() -> None:
    def channels(name: str, alpha: float | None) -> Any:
        return dims(shapes(name, include_top=False, pooling="avg", weights=None, alpha=alpha))[1][1]

    assert channels("MobileNet", 0.5) == 512
    assert channels("MobileNetV2", 0.35) == 1280
    assert channels("MobileNetV2", 1.4) == 1792
    assert channels("MobileNetV3Small", 0.75) == 432
    assert channels("MobileNetV3Large", 0.75) == 720
    assert channels("MobileNet", None) is None  # not a literal: unknown, never guessed


def test_application_outcome_binds_call_arguments() -> None:
    shape = Seq((Const(64), Const(64), Const(3)))
    outcome = application_outcome(
        "keras.applications.ResNet50", [Const(False)], {"input_shape": shape, "pooling": Const("avg")}
    )
    assert dims(outcome) == ((64, 64, 3), (None, 2048))  # type: ignore[arg-type]
    # MobileNet takes input_shape first.
    outcome = application_outcome("keras.applications.MobileNet", [shape], {"include_top": Const(False)})
    assert dims(outcome) == ((64, 64, 3), (None, 2, 2, 1024))  # type: ignore[arg-type]
    outcome = application_outcome("keras.applications.ResNet50", [], {"classes": Const(10)})
    assert isinstance(outcome, ApplicationProblem) and outcome.kind == "classes"


def test_application_outcome_is_unknown_for_non_literals() -> None:
    name = "keras.applications.ResNet50"
    assert application_outcome(name, [UNKNOWN], {}) is None
    assert application_outcome(name, [], {"input_shape": UNKNOWN}) is None
    assert application_outcome(name, [], {"input_tensor": UNKNOWN}) is None
    assert application_outcome(name, [], {"pooling": UNKNOWN, "include_top": Const(False)}) is None
    assert application_outcome("keras.applications.Unheard", [], {}) is None


# Ground truth: real Keras (weights=None: nothing is downloaded) -------------------------------

REPRESENTATIVES = [
    ("VGG16", (33, 36, 3), None),
    ("ResNet50", (33, 36, 3), "avg"),
    ("ResNet50V2", (33, 35, 3), None),
    ("InceptionV3", (75, 80, 3), None),
    ("Xception", (71, 74, 3), None),
    ("DenseNet121", (33, 37, 3), None),
    ("EfficientNetB0", (33, 36, 3), None),
    ("EfficientNetV2B0", (33, 35, 3), None),
    ("MobileNet", (57, 60, 3), None),
    ("MobileNetV2", (33, 35, 3), None),
    ("MobileNetV3Small", (33, 37, 3), None),
    ("ConvNeXtTiny", (37, 45, 3), None),
]


@pytest.fixture(scope="module")
def keras() -> Any:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras as real_keras

    yield real_keras
    real_keras.backend.clear_session()


@pytest.mark.tensorflow
@pytest.mark.parametrize(("name", "input_shape", "pooling"), REPRESENTATIVES)
def test_feature_map_agrees_with_keras(
    keras: Any, name: str, input_shape: tuple[int, ...], pooling: str | None
) -> None:
    model = getattr(keras.applications, name)(
        weights=None, include_top=False, input_shape=input_shape, pooling=pooling
    )
    ours = dims(shapes(name, include_top=False, input_shape=input_shape, pooling=pooling, weights=None))
    keras.backend.clear_session()
    assert ours == (tuple(model.input_shape[1:]), tuple(model.output_shape))


@pytest.mark.tensorflow
def test_top_and_default_size_agree_with_keras(keras: Any) -> None:
    model = keras.applications.MobileNetV2(weights=None, classes=7)
    keras.backend.clear_session()
    assert dims(shapes("MobileNetV2", weights=None, classes=7)) == (
        tuple(model.input_shape[1:]),
        tuple(model.output_shape),
    )


REJECTED = [
    ("ResNet50", {"include_top": False, "input_shape": (31, 64, 3), "weights": None}),
    ("InceptionV3", {"include_top": False, "input_shape": (74, 100, 3), "weights": None}),
    ("MobileNetV3Small", {"include_top": False, "input_shape": (16, 64, 3), "weights": None}),
    # Keras checks these before it would download anything.
    ("ResNet50", {"include_top": True, "input_shape": (128, 128, 3)}),
    ("VGG16", {"classes": 10}),
    ("ResNet50", {"include_top": False, "input_shape": (64, 64, 1)}),
    ("NASNetMobile", {"include_top": False, "input_shape": (None, None, 3)}),
]


@pytest.mark.tensorflow
@pytest.mark.parametrize(("name", "kwargs"), REJECTED)
def test_keras_rejects_what_we_reject(keras: Any, name: str, kwargs: dict[str, Any]) -> None:
    arguments = {
        "include_top": True,
        "input_shape": None,
        "pooling": None,
        "classes": 1000,
        "weights": "imagenet",
    }
    assert isinstance(application_shapes(name, **{**arguments, **kwargs}), ApplicationProblem)
    with pytest.raises(ValueError):
        getattr(keras.applications, name)(**kwargs)
