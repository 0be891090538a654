"""SL109 non-positive-dimension: behaviour beyond the rule's own examples."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits

KERAS3 = Config(keras_version=3)


def findings(source: str) -> list[Diagnostic]:
    return [d for d in analyze(source, KERAS3).diagnostics if d.code == "SL109"]


STACK = (
    "import keras\nfrom keras import layers\n"
    "inputs = keras.Input(shape=(24, 1))\n"
    "x = layers.Conv1D(8, 3)(inputs)\n"
    "x = layers.MaxPooling1D(2)(x)\n"
    "x = layers.Conv1D(8, 3)(x)\n"
    "x = layers.MaxPooling1D(2)(x)\n"
    "x = layers.Conv1D(8, 3)(x)\n"
    "x = layers.MaxPooling1D(2)(x)\n"
    "x = layers.Conv1D(8, 3)(x)\n"
)


def test_message_names_the_layer_the_axis_and_the_layers_that_used_it_up() -> None:
    (diagnostic,) = findings(STACK)
    assert diagnostic.range.start.line == 9
    message = diagnostic.message
    assert message.startswith("Conv1D shrinks axis 1 (steps) from 1 to -1")
    assert "24 was already reduced to 1" in message
    assert "Conv1D (24 → 22, line 4)" in message and "MaxPooling1D (2 → 1, line 9)" in message


def test_padding_same_fix_removes_the_finding() -> None:
    fixed = apply_edits(STACK, fix_edits(findings(STACK), unsafe=True))
    assert fixed.splitlines()[9] == 'x = layers.Conv1D(8, 3, padding="same")(x)'
    assert not findings(fixed)


def test_fix_replaces_an_explicit_valid_padding() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(5, 2))\n"
        "x = layers.Conv1D(8, 7, padding='valid')(inputs)\n"
    )
    fixed = apply_edits(source, fix_edits(findings(source), unsafe=True))
    assert "layers.Conv1D(8, 7, padding=\"same\")(inputs)" in fixed
    assert not findings(fixed)


def test_only_the_first_layer_to_fail_is_reported() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(4, 4, 1))\n"
        "x = layers.Conv2D(8, 5)(inputs)\n"
        "x = layers.Conv2D(8, 5)(x)\n"
    )
    assert [d.range.start.line for d in findings(source)] == [3]
