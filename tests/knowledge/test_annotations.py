"""Shapes from parameter annotations: jaxtyping and typing.Annotated, used when the argument is unknown."""

from __future__ import annotations

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.knowledge.annotations import parse_dims

CONFIG = Config(keras_version=3)

MODEL = """
    layers = [keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(x, y)
"""


def codes(text: str) -> list[str]:
    analysis = analyze(text, CONFIG)
    assert not analysis.facts.internal_errors, analysis.facts.internal_errors
    return [d.code for d in analysis.diagnostics]


def hovered(text: str, name: str) -> list[str]:
    """What the analysis knows of every occurrence of `name`."""
    import libcst as cst

    analysis = analyze(text, CONFIG)
    return [
        value.describe()
        for node, value in analysis.facts.node_values.values()
        if isinstance(node, cst.Name) and node.value == name and hasattr(value, "describe")
    ]


@pytest.mark.parametrize(
    ("text", "dims"),
    [
        ("batch 28 28", (None, 28, 28)),
        ("n", (None,)),
        ("", ()),
        ("_ 3", (None, 3)),
        ("#b 10", (None, 10)),
        ("... 28 28", None),
        ("*batch 3", None),
    ],
)
def test_jaxtyping_dimension_strings(text: str, dims: tuple[int | None, ...] | None) -> None:
    assert parse_dims(text) == dims


def test_jaxtyping_parameters_of_a_function_never_called() -> None:
    text = (
        "import numpy as np\nimport keras\nfrom jaxtyping import Float, Int\n"
        'def train(x: Float[np.ndarray, "batch 28 28"], y: Int[np.ndarray, "batch"]):' + MODEL
    )
    assert codes(text) == ["SL105"]  # integer labels with categorical_crossentropy
    assert "ndarray (None, 28, 28) float32" in hovered(text, "x")


def test_one_hot_labels_by_annotation_are_silent() -> None:
    text = (
        "import numpy as np\nimport keras\nimport jaxtyping as jt\n"
        'def train(x: jt.Float[np.ndarray, "batch 28 28 1"], y: jt.Float32[np.ndarray, "batch 10"]):' + MODEL
    )
    assert codes(text) == []
    assert "ndarray (None, 10) float32" in hovered(text, "y")


def test_named_dims_and_variadic_shapes_stay_unknown() -> None:
    text = (
        "import numpy as np\nimport keras\nfrom jaxtyping import Float, Int\n"
        'def train(x: Float[np.ndarray, "... 28 28"], y: Int[np.ndarray, "*batch"]):' + MODEL
    )
    assert codes(text) == []
    assert hovered(text, "y") == []


def test_annotated_with_a_literal_shape() -> None:
    text = (
        "import numpy as np\nimport keras\nfrom typing import Annotated\n"
        "def train(x: Annotated[np.ndarray, (None, 28, 28, 1)], y: Annotated[np.ndarray, {labels}]):" + MODEL
    )
    assert "ndarray (None, 28, 28, 1)" in hovered(text.format(labels="(None, 10)"), "x")
    assert codes(text.format(labels="(None, 10)")) == []
    assert codes(text.format(labels="(None,)")) == ["SL105"]  # 1-D labels against 10 softmax units


def test_annotations_do_not_replace_known_arguments() -> None:
    text = (
        "import numpy as np\nfrom jaxtyping import Float\n"
        'def scale(x: Float[np.ndarray, "n 3"]):\n    return x * 2\n'
        "y = scale(np.zeros((5, 4)))\n"
    )
    analysis = analyze(text, CONFIG)
    assert analysis.facts.module_names["y"].describe() == "ndarray (5, 4) float64"


def test_other_annotations_say_nothing() -> None:
    text = (
        "import numpy as np\nimport keras\nfrom typing import Annotated, List\n"
        "def train(x: np.ndarray, y: Annotated[int, (3,)], z: List[int]):" + MODEL
    )
    assert codes(text) == []
    assert hovered(text, "y") == []
