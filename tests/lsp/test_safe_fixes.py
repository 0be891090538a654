"""Safe and unsafe fixes in the editor: fix-all (file and notebook) applies only safe ones; the
"ignore in pyproject.toml" quick fix edits or creates the project file."""

from __future__ import annotations

import sys

from lsp_support import apply_text_edits, edits_for
from lsprotocol import types
from shapelint.diagnostics import Diagnostic, Fix, Range, Severity, TextEdit
from shapelint.lsp.code_actions import (
    NOTEBOOK_FIX_ALL_KIND,
    EditTarget,
    ProjectFile,
    fix_all,
    kind_wanted,
    quick_fixes,
)
from shapelint.lsp.documents import Snapshot, TextState
from shapelint.lsp.encoding import ColumnEncoding

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

UTF16 = ColumnEncoding.UTF16
TEXT = 'model.compile(loss="categorical_crossentropy")\nmodel.fit(x, y_train)\n'
PROJECT = "file:///work/demo/pyproject.toml"


def labels_diagnostic(cell: int | None = None) -> Diagnostic:
    switch_loss = Fix(
        "Use sparse loss", (TextEdit(Range.of(0, 19, 0, 45), '"sparse_categorical_crossentropy"'),), False
    )
    one_hot = Fix("One-hot encode", (TextEdit(Range.of(1, 13, 1, 20), "to_categorical(y_train)"),))
    return Diagnostic(
        "SL105", "integer labels", Range.of(1, 13, 1, 20), Severity.ERROR, (switch_loss, one_hot), cell=cell
    )


def unsafe_only() -> Diagnostic:
    units = Fix("Give it 1 unit", (TextEdit(Range.of(0, 0, 0, 5), "other"),), safe=False)
    return Diagnostic("SL105", "units", Range.of(0, 0, 0, 5), Severity.ERROR, (units,))


def snapshot() -> Snapshot:
    return Snapshot("file:///m.py", 1, (TextState.of("file:///m.py", 1, TEXT),), notebook=False)


def test_fix_all_takes_the_first_safe_fix_and_never_an_unsafe_one() -> None:
    action = fix_all(snapshot(), [labels_diagnostic(), unsafe_only()], EditTarget(UTF16))
    assert action is not None and "1 problem" in action.title
    fixed = apply_text_edits(TEXT, edits_for(action.edit, "file:///m.py"))
    assert "to_categorical(y_train)" in fixed and "sparse" not in fixed and "other" not in fixed
    assert fix_all(snapshot(), [unsafe_only()], EditTarget(UTF16)) is None


def test_an_unsafe_fix_is_offered_but_never_preferred() -> None:
    actions = quick_fixes(snapshot(), [labels_diagnostic()], None, Range.of(1, 14, 1, 14), EditTarget(UTF16))
    by_title = {action.title: action for action in actions}
    assert not by_title["Use sparse loss"].is_preferred
    assert not by_title["One-hot encode"].is_preferred  # preferred means first and safe: the first is unsafe
    actions = quick_fixes(snapshot(), [unsafe_only()], None, Range.of(0, 1, 0, 1), EditTarget(UTF16))
    assert [a.is_preferred for a in actions if a.title == "Give it 1 unit"] == [False]


def test_notebook_fix_all_kind_edits_every_cell() -> None:
    cells = tuple(TextState.of(f"vscode-notebook-cell:/nb.ipynb#c{i}", 1, TEXT) for i in range(2))
    notebook = Snapshot("file:///nb.ipynb", 1, cells, notebook=True)
    action = fix_all(notebook, [labels_diagnostic(0), labels_diagnostic(1)], EditTarget(UTF16), NOTEBOOK_FIX_ALL_KIND)
    assert action is not None and action.kind == "notebook.source.fixAll.shapelint"
    for cell in cells:
        assert "to_categorical" in apply_text_edits(TEXT, edits_for(action.edit, cell.uri))
    assert kind_wanted(NOTEBOOK_FIX_ALL_KIND, ["notebook.source.fixAll"])
    assert not kind_wanted(NOTEBOOK_FIX_ALL_KIND, ["source.fixAll"])


def ignore_action(project: ProjectFile, target: EditTarget) -> types.CodeAction | None:
    actions = quick_fixes(snapshot(), [labels_diagnostic()], None, Range.of(1, 14, 1, 14), target, project)
    found = [a for a in actions if a.title == "Ignore SL105 in pyproject.toml"]
    assert len(found) <= 1
    return found[0] if found else None


def test_ignore_in_an_existing_pyproject_appends_to_its_list() -> None:
    text = '[project]\nname = "demo"\n\n[tool.shapelint]\nignore = ["SL201"]  # legacy code\n'
    action = ignore_action(ProjectFile(PROJECT, text), EditTarget(UTF16))
    assert action is not None and action.kind == types.CodeActionKind.QuickFix
    edited = apply_text_edits(text, edits_for(action.edit, PROJECT))
    assert tomllib.loads(edited)["tool"]["shapelint"]["ignore"] == ["SL201", "SL105"]
    assert "# legacy code" in edited
    plain = ignore_action(ProjectFile(PROJECT, text), EditTarget(UTF16, document_changes=False))
    assert plain is not None and plain.edit is not None and PROJECT in (plain.edit.changes or {})


def test_ignore_creates_the_pyproject_only_when_the_client_can_create_files() -> None:
    assert ignore_action(ProjectFile(PROJECT, None), EditTarget(UTF16)) is None
    action = ignore_action(ProjectFile(PROJECT, None), EditTarget(UTF16, create_files=True))
    assert action is not None and action.edit is not None and action.edit.document_changes is not None
    create, write = action.edit.document_changes
    assert isinstance(create, types.CreateFile) and create.uri == PROJECT
    assert isinstance(write, types.TextDocumentEdit)
    assert tomllib.loads(apply_text_edits("", write.edits))["tool"]["shapelint"]["ignore"] == ["SL105"]


def test_no_ignore_action_when_the_rule_is_already_ignored() -> None:
    assert ignore_action(ProjectFile(PROJECT, '[tool.shapelint]\nignore = ["SL105"]\n'), EditTarget(UTF16)) is None
