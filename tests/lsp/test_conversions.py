"""Plain translation functions: positions, diagnostics, code-action kinds, fix-all overlap."""

from __future__ import annotations

from lsprotocol import types
from shapelint.diagnostics import Diagnostic, Fix, Position, Range, Severity, TextEdit
from shapelint.lsp.code_actions import EditTarget, fix_all, kind_wanted, quick_fixes
from shapelint.lsp.convert import from_lsp_position, to_lsp_diagnostic, to_lsp_position
from shapelint.lsp.documents import Snapshot, TextState
from shapelint.lsp.encoding import ColumnEncoding

UTF16 = ColumnEncoding.UTF16
TEXT = 'label = "😋"; x = keras.Input(shape=x_train.shape)\nmodel = 1\n'


def state() -> TextState:
    return TextState.of("file:///m.py", 3, TEXT)


def diagnostic(code: str, line: int, start: int, end: int, *fixes: Fix, cell: int | None = None) -> Diagnostic:
    return Diagnostic(code, f"{code} message", Range.of(line, start, line, end), Severity.WARNING, fixes, cell=cell)


def replace(line: int, start: int, end: int, content: str) -> Fix:
    return Fix(f"write {content}", (TextEdit(Range.of(line, start, line, end), content),))


def test_columns_after_an_emoji_are_shifted_for_utf16_clients() -> None:
    column = TEXT.index("keras") - 0  # code points
    assert to_lsp_position(state(), Position(0, column), UTF16).character == column + 1
    assert to_lsp_position(state(), Position(0, column), ColumnEncoding.UTF32).character == column
    assert from_lsp_position(state(), types.Position(line=0, character=column + 1), UTF16) == Position(0, column)


def test_positions_outside_the_document_are_clamped_or_refused() -> None:
    assert to_lsp_position(state(), Position(99, 4), UTF16) == types.Position(line=2, character=0)
    assert from_lsp_position(state(), types.Position(line=99, character=0), UTF16) is None


def test_diagnostic_carries_source_code_docs_and_severity() -> None:
    shown = to_lsp_diagnostic(diagnostic("SL101", 0, 18, 50, replace(0, 18, 50, "x")), state(), UTF16)
    assert (shown.source, shown.code, shown.severity) == ("shapelint", "SL101", types.DiagnosticSeverity.Warning)
    assert shown.code_description is not None and shown.code_description.href.endswith("#sl101")
    assert shown.data == {"fixable": True}


def test_code_action_kinds_follow_lsp_prefix_matching() -> None:
    assert kind_wanted("source.fixAll.shapelint", ["source"])
    assert kind_wanted("source.fixAll.shapelint", ["source.fixAll"])
    assert not kind_wanted("source.fixAll.shapelint", ["quickfix"])
    assert kind_wanted("quickfix", None)
    assert not kind_wanted("quickfix", ["source.organizeImports"])


def test_fix_all_skips_a_fix_that_overlaps_one_already_taken() -> None:
    snapshot = Snapshot("file:///m.py", 1, (state(),), notebook=False)
    first = diagnostic("SL101", 0, 30, 50, replace(0, 30, 50, "a"))
    overlapping = diagnostic("SL102", 0, 40, 45, replace(0, 40, 45, "b"))
    separate = diagnostic("SL103", 1, 0, 5, replace(1, 0, 5, "c"))
    action = fix_all(snapshot, [first, overlapping, separate], EditTarget(UTF16))
    assert action is not None and action.kind == "source.fixAll.shapelint"
    assert "2 problems" in action.title
    assert action.edit is not None and action.edit.document_changes is not None
    (document_edit,) = action.edit.document_changes
    assert isinstance(document_edit, types.TextDocumentEdit)
    assert [edit.new_text for edit in document_edit.edits] == ["a", "c"]
    assert document_edit.text_document.version == 3


def test_quick_fixes_only_for_the_requested_range_and_one_noqa_per_line_and_code() -> None:
    snapshot = Snapshot("file:///m.py", 1, (state(),), notebook=False)
    diagnostics = [
        diagnostic("SL101", 0, 30, 50, replace(0, 30, 50, "a"), replace(0, 30, 50, "b")),
        diagnostic("SL101", 0, 31, 33),
        diagnostic("SL103", 1, 0, 5),
    ]
    target = EditTarget(UTF16, document_changes=False)
    actions = quick_fixes(snapshot, diagnostics, None, Range.of(0, 32, 0, 32), target)
    titles = [action.title for action in actions]
    assert titles == ["write a", "write b", "Ignore SL101 on this line"]
    assert [action.is_preferred for action in actions[:2]] == [True, False]
    assert actions[0].edit is not None and actions[0].edit.changes is not None  # a plain changes map
