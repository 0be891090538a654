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
