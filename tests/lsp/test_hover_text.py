"""The hover over a finding says each thing once: no message (the editor shows it), no whole rule doc."""

from __future__ import annotations

from shapelint.diagnostics import Diagnostic, Range, Severity
from shapelint.lsp.hover import hover_markdown
from shapelint.rules import rule_docs


def finding(code: str, message: str) -> Diagnostic:
    return Diagnostic(code, message, Range.of(0, 0, 0, 5), Severity.ERROR)


def test_a_syntax_error_hover_does_not_repeat_its_message() -> None:
    found = hover_markdown(None, [finding("SL001", "this line does not parse: '(' was never closed")], rule_docs)
    assert found is not None
    text, _ = found
    assert "never closed" not in text and "SL001" in text and "](https://" in text


def test_a_rule_hover_is_one_line_with_the_docs_link_once_per_code() -> None:
    message = "Input shape (1000, 50, 1) includes the sample axis"
    found = hover_markdown(None, [finding("SL101", message), finding("SL101", message)], rule_docs)
    assert found is not None
    text, _ = found
    assert text.count("SL101") == 1 and message not in text
    assert text.count("\n") == 0 and "#sl101)" in text


SAMPLE_SHAPE = """\
import numpy as np
import keras
x = np.zeros((100, 28, 28))
sample = x.shape[1:]
inputs = keras.Input(shape=sample)
y = keras.layers.Conv2D(4, 3)(inputs)
z = keras.layers.Dense(3)(inputs)
"""


def test_the_shape_tuple_has_a_hover_saying_where_it_comes_from() -> None:
    from shapelint.diagnostics import Position
    from shapelint.engine import analyze

    hover = analyze(SAMPLE_SHAPE).hover_at(Position(3, 2))
    assert hover is not None
    assert hover.markdown == "`sample`: tuple (28, 28), axes 1: of an array of shape (100, 28, 28)"


def test_a_failing_layer_shows_no_output_and_the_input_line_shows_its_shape() -> None:
    from shapelint.diagnostics import Position
    from shapelint.engine import analyze

    analysis = analyze(SAMPLE_SHAPE)
    assert [d.code for d in analysis.diagnostics] == ["SL102"]
    hover = analysis.hover_at(Position(5, 10))
    assert hover is not None and "no output" in hover.markdown and "expects" not in hover.markdown
    hints = {hint.position.line: hint.label for hint in analysis.inlay_hints}
    assert hints == {4: "→ (None, 28, 28)", 6: "→ (None, 28, 3)"}  # none on the failing Conv2D line
