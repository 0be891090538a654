"""Engine values -> lsprotocol values (and client positions -> engine positions).

Plain functions: they know the LSP types but nothing of the server, the message loop or
documents beyond the text of the segment (file or notebook cell) a value lives in.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from shapelint.diagnostics import Diagnostic, Position, Range, Severity, TextEdit, rule_url
from shapelint.engine import InlayHint
from shapelint.lsp.documents import Snapshot, TextState
from shapelint.lsp.encoding import ColumnEncoding, client_column, code_point_column

SOURCE = "shapelint"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_lsp_position(state: TextState, position: Position, encoding: ColumnEncoding) -> types.Position:
    """An engine position (code points) in client units, clamped into the document."""
    line = max(position.line, 0)
    if line >= len(state.lines):
        # Past the last line: the end of the document (the engine may point just past it).
        last = len(state.lines) - 1
        if last < 0:
            return types.Position(line=0, character=0)
        if state.lines[last].endswith(("\n", "\r")):
            return types.Position(line=last + 1, character=0)
        return types.Position(line=last, character=client_column(state.line(last), 1 << 30, encoding))
    return types.Position(line=line, character=client_column(state.line(line), position.column, encoding))


def to_lsp_range(state: TextState, span: Range, encoding: ColumnEncoding) -> types.Range:
    start = to_lsp_position(state, span.start, encoding)
    end = to_lsp_position(state, span.end, encoding)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start=start, end=end)


def from_lsp_position(state: TextState, position: types.Position, encoding: ColumnEncoding) -> Position | None:
    """A client position in engine units; None when it lies outside the document."""
    if position.line < 0 or position.character < 0:
        return None
    if position.line >= len(state.lines):
        if position.line == len(state.lines) and position.character == 0:
            return Position(position.line, 0)
        return None
    return Position(position.line, code_point_column(state.line(position.line), position.character, encoding))


def from_lsp_range(state: TextState, span: types.Range, encoding: ColumnEncoding) -> Range | None:
    start = from_lsp_position(state, span.start, encoding)
    end = from_lsp_position(state, span.end, encoding)
    if start is None:
        return None
    if end is None:
        end = Position(max(len(state.lines) - 1, start.line), 1 << 30)
    return Range(start, max(start, end))


def segment_of(snapshot: Snapshot, cell: int | None) -> TextState | None:
    """The file, or the notebook code cell, a value with `cell` belongs to."""
    index = cell if snapshot.notebook else 0
    if index is None or not 0 <= index < len(snapshot.segments):
        return None
    return snapshot.segments[index]


def to_lsp_diagnostic(
    diagnostic: Diagnostic,
    state: TextState,
    encoding: ColumnEncoding,
    *,
    related_information: bool = True,
    snapshot: Snapshot | None = None,
) -> types.Diagnostic:
    """One engine diagnostic as LSP: source "shapelint", the rule code and its docs link.

    Related places are given only when the client shows them; in a notebook (`snapshot` given)
    a related place in another cell points at that cell.
    """
    related = None
    if related_information and diagnostic.related:
        related = []
        for place in diagnostic.related:
            where = state
            if snapshot is not None and snapshot.notebook:
                where = segment_of(snapshot, place.cell) or state
            related.append(
                types.DiagnosticRelatedInformation(
                    location=types.Location(uri=where.uri, range=to_lsp_range(where, place.range, encoding)),
                    message=place.message,
                )
            )
    data: dict[str, object] = {"fixable": diagnostic.fix is not None}
    if diagnostic.confirmed is not None:
        data["confirmed"] = diagnostic.confirmed
    return types.Diagnostic(
        range=to_lsp_range(state, diagnostic.range, encoding),
        message=diagnostic.message,
        severity=SEVERITIES[diagnostic.severity],
        code=diagnostic.code,
        code_description=types.CodeDescription(href=rule_url(diagnostic.code)),
        source=SOURCE,
        related_information=related,
        data=data,
    )


def diagnostics_by_uri(
    snapshot: Snapshot,
    diagnostics: Sequence[Diagnostic],
    encoding: ColumnEncoding,
    *,
    related_information: bool = True,
) -> dict[str, list[types.Diagnostic]]:
    """LSP diagnostics grouped by the URI (file or cell) they are shown in; every URI present."""
    grouped: dict[str, list[types.Diagnostic]] = {uri: [] for uri in snapshot.uris}
    for diagnostic in diagnostics:
        state = segment_of(snapshot, diagnostic.cell)
        if state is None:
            continue
        grouped[state.uri].append(
            to_lsp_diagnostic(diagnostic, state, encoding, related_information=related_information, snapshot=snapshot)
        )
    return grouped


def to_lsp_text_edit(edit: TextEdit, state: TextState, encoding: ColumnEncoding) -> types.TextEdit:
    return types.TextEdit(range=to_lsp_range(state, edit.range, encoding), new_text=edit.content)


def to_lsp_inlay_hint(hint: InlayHint, state: TextState, encoding: ColumnEncoding) -> types.InlayHint:
    """A layer's output shape, shown after the code at the end of its line."""
    return types.InlayHint(
        position=to_lsp_position(state, hint.position, encoding),
        label=hint.label,
        kind=types.InlayHintKind.Type,
        tooltip=hint.tooltip,
        padding_left=True,
    )


def markdown(text: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
