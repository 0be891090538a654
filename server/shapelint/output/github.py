"""GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=SL101::message`."""

from __future__ import annotations

from collections.abc import Sequence

from shapelint.output.results import FileResult

_LEVEL = {"error": "error", "warning": "warning", "information": "notice", "hint": "notice"}


def _escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def format_results(results: Sequence[FileResult]) -> str:
    lines = []
    for result in results:
        if result.error is not None:
            lines.append(
                f"::error file={_escape(result.path, True)},title=shapelint::{_escape(result.error)}"
            )
            continue
        for d in result.diagnostics:
            span = result.range_in_file(d)
            start, end = span.start, span.end
            title = d.code
            if result.notebook and d.cell is not None:
                # The annotation marks the line in the JSON; the title names the place the user edits.
                title = f"{d.code} (cell {d.cell + 1}, line {d.range.start.line + 1})"
            props = (
                f"file={_escape(result.path, True)},line={start.line + 1},col={start.column + 1},"
                f"endLine={end.line + 1},endColumn={end.column + 1},title={_escape(title, True)}"
            )
            lines.append(f"::{_LEVEL[d.severity.value]} {props}::{_escape(d.message)}")
    return "\n".join(lines)
