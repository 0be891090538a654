"""The bundled examples: each mistake is reported where it is, fixes make files clean, correct files stay silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONFIG = Config(keras_version=3)
MISTAKES = {
    "batch_axis_in_input.py": ("SL101", "input_layer = keras.Input(shape=(1000, 50, 1))"),
    "missing_channel_axis.py": ("SL102", "conv_layer = layers.Conv2D("),
    "mnist_not_flattened.py": ("SL103", "model.fit(x_train, y_train"),
}


@pytest.mark.parametrize("path", sorted((EXAMPLES / "correct").glob("*.py")), ids=lambda p: p.name)
def test_correct_example_is_silent(path: Path) -> None:
    assert analyze(path.read_text(), CONFIG).diagnostics == ()


def test_every_mistake_file_is_listed() -> None:
    assert {p.name for p in (EXAMPLES / "mistakes").glob("*.py")} <= set(MISTAKES)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistake_is_reported_on_its_line(name: str) -> None:
    code, line_start = MISTAKES[name]
    text = (EXAMPLES / "mistakes" / name).read_text()
    diagnostics = [d for d in analyze(text, CONFIG).diagnostics if d.code == code]
    assert len(diagnostics) == 1
    line = text.splitlines()[diagnostics[0].range.start.line]
    assert line.lstrip().startswith(line_start)


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_fixed_mistake_checks_clean(name: str) -> None:
    text = (EXAMPLES / "mistakes" / name).read_text()
    fixed = apply_edits(text, fix_edits(analyze(text, CONFIG).diagnostics))
    assert fixed != text
    assert analyze(fixed, CONFIG).diagnostics == ()


def test_batch_axis_fix_declares_one_sample() -> None:
    text = (EXAMPLES / "mistakes" / "batch_axis_in_input.py").read_text()
    fixed = apply_edits(text, fix_edits(analyze(text, CONFIG).diagnostics))
    assert "keras.Input(shape=(50, 1))" in fixed
