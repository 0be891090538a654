"""Code written against tf_keras (the Keras 2 package) is read as Keras 2 code, whichever Keras is installed."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.engine import analyze

TF_KERAS_MODEL = (
    "import tf_keras as keras\n"
    "model = keras.Sequential([keras.layers.Dense(3, activation='relu', input_shape=(3,)), keras.layers.Dense(2)])\n"
)


def codes(source: str, config: Config | None = None) -> list[str]:
    return [d.code for d in analyze(source, config).diagnostics]


def test_tf_keras_code_is_keras_2_code() -> None:
    analysis = analyze(TF_KERAS_MODEL, Config())
    assert analysis.keras_major == 2
    assert "SL201" not in [d.code for d in analysis.diagnostics]  # tf_keras accepts input_shape= silently


def test_the_same_model_written_for_keras_3_is_reported() -> None:
    source = TF_KERAS_MODEL.replace("import tf_keras as keras", "import keras")
    analysis = analyze(source, Config(keras_version=3))
    assert analysis.keras_major == 3
    assert "SL201" in [d.code for d in analysis.diagnostics]


def test_a_configured_version_wins() -> None:
    analysis = analyze(TF_KERAS_MODEL, Config(keras_version=3))
    assert analysis.keras_major == 3
    assert "SL201" in [d.code for d in analysis.diagnostics]


def test_imports_inside_blocks_and_from_imports_count() -> None:
    source = (
        "try:\n"
        "    from tf_keras import layers, Sequential\n"
        "except ImportError:\n"
        "    raise\n"
        "model = Sequential([layers.Dense(3, input_shape=(3,))])\n"
    )
    assert analyze(source, Config()).keras_major == 2


def test_code_that_also_imports_keras_3_keeps_the_configured_version() -> None:
    source = "import keras\nimport tf_keras\n" + TF_KERAS_MODEL.split("\n", 1)[1]
    assert analyze(source, Config(keras_version=None)).keras_major == Config().target_keras


def test_a_mention_that_is_not_an_import_changes_nothing() -> None:
    source = "import keras\n# ported from tf_keras\nx = 'tf_keras'\n"
    assert analyze(source, Config()).keras_major == Config().target_keras
