"""Hover text: the inferred shape under the cursor, and the docs of a diagnostic there."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shapelint.diagnostics import Diagnostic, Position, Range
from shapelint.engine import Hover

RULE_SEPARATOR = "\n\n---\n\n"


def diagnostics_at(diagnostics: Sequence[Diagnostic], position: Position, cell: int | None) -> list[Diagnostic]:
    """The diagnostics of one file (or cell) whose range contains `position`."""
    return [
        diagnostic
        for diagnostic in diagnostics
        if diagnostic.cell == cell and diagnostic.range.start <= position <= diagnostic.range.end
    ]


def diagnostic_markdown(diagnostic: Diagnostic, docs: str | None) -> str:
    """One line for a diagnostic under the cursor: the rule's code and name, and a link to its docs.

    The editor shows the diagnostic's message in the same hover and the shapes come from the
    code under the cursor, so neither the message nor the whole rule documentation is repeated.
    """
    lines = docs.strip().splitlines() if docs else []
    title = lines[0].lstrip("# ").strip() if lines and lines[0].startswith("#") else diagnostic.code
    text = f"**{title}** · [rule docs]({diagnostic.url})"
    if diagnostic.confirmed is True:
        text += "\n\n*Confirmed by building the model with TensorFlow.*"
    return text


def hover_markdown(
    shape: Hover | None,
    diagnostics: Sequence[Diagnostic],
    rule_docs: Callable[[str], str | None],
) -> tuple[str, Range | None] | None:
    """Markdown for a hover: the shape first, then each diagnostic under the cursor (once per code)."""
    parts: list[str] = []
    span: Range | None = None
    if shape is not None and shape.markdown.strip():
        parts.append(shape.markdown.strip())
        span = shape.range
    seen: set[str] = set()
    for diagnostic in diagnostics:
        if diagnostic.code in seen:
            continue
        seen.add(diagnostic.code)
        parts.append(diagnostic_markdown(diagnostic, rule_docs(diagnostic.code)))
        if span is None:
            span = diagnostic.range
    if not parts:
        return None
    return RULE_SEPARATOR.join(parts), span
