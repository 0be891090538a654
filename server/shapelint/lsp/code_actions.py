"""Code actions: each rule's quick fixes, "ignore SLxxx on this line", and fix-all.

Plain functions from engine diagnostics to lsprotocol CodeActions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types

from shapelint.diagnostics import Diagnostic, Fix, Position, Range, TextEdit
from shapelint.engine import SYNTAX_ERROR_CODE
from shapelint.fixes import line_ending, with_line_ending
from shapelint.lsp.convert import segment_of, to_lsp_diagnostic, to_lsp_position, to_lsp_text_edit
from shapelint.lsp.documents import Snapshot, TextState
from shapelint.lsp.encoding import ColumnEncoding
from shapelint.pyproject_edit import ignore_rule_insertion
from shapelint.suppression import noqa_edit

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.shapelint"
# VS Code asks for this kind once per notebook (notebook.codeActionsOnSave); the edit covers every cell.
NOTEBOOK_FIX_ALL_KIND = f"notebook.{FIX_ALL_KIND}"
QUICK_FIX_KIND = types.CodeActionKind.QuickFix.value
SUPPORTED_KINDS = (types.CodeActionKind.QuickFix, FIX_ALL_KIND, NOTEBOOK_FIX_ALL_KIND)


@dataclass(frozen=True)
class EditTarget:
    """How the client wants workspace edits: versioned documentChanges or a plain changes map."""

    encoding: ColumnEncoding
    document_changes: bool = True
    related_information: bool = True
    create_files: bool = False  # the client applies CreateFile operations in a workspace edit


@dataclass(frozen=True)
class ProjectFile:
    """The pyproject.toml an "ignore in pyproject.toml" fix edits: its URI, and its text (None: not there yet)."""

    uri: str
    text: str | None


def kind_wanted(kind: str, only: Sequence[str] | None) -> bool:
    """LSP kind filtering: `source` asks for `source.fixAll.shapelint`, and so on."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _overlaps(first: Range, second: Range) -> bool:
    return first.start <= second.end and second.start <= first.end


def workspace_edit(
    edits_by_state: Sequence[tuple[TextState, Sequence[TextEdit]]], target: EditTarget
) -> types.WorkspaceEdit:
    """Edits grouped per document (or cell), in the form the client understands."""
    converted = [
        (state, [to_lsp_text_edit(_matching_endings(edit, state), state, target.encoding) for edit in edits])
        for state, edits in edits_by_state
        if edits
    ]
    if target.document_changes:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=state.uri, version=state.version),
                    edits=list(edits),
                )
                for state, edits in converted
            ]
        )
    return types.WorkspaceEdit(changes={state.uri: list(edits) for state, edits in converted})


def _matching_endings(edit: TextEdit, state: TextState) -> TextEdit:
    """The edit with new lines in the line ending of the text the client has (CRLF stays CRLF)."""
    content = with_line_ending(edit.content, line_ending(state.text))
    return edit if content == edit.content else TextEdit(edit.range, content)


def quick_fixes(
    snapshot: Snapshot,
    diagnostics: Sequence[Diagnostic],
    cell: int | None,
    requested: Range,
    target: EditTarget,
    project: ProjectFile | None = None,
) -> list[types.CodeAction]:
    """The rule's fixes (first safe one preferred), a noqa action for each diagnostic in range, and
    one action per rule adding it to `ignore` in the project's pyproject.toml (when `project` is given)."""
    state = segment_of(snapshot, cell)
    if state is None:
        return []
    actions: list[types.CodeAction] = []
    ignored: set[tuple[int, str]] = set()
    ignored_in_project: set[str] = set()
    for diagnostic in diagnostics:
        if snapshot.notebook and diagnostic.cell != cell:
            continue
        if not _overlaps(diagnostic.range, requested):
            continue
        shown = to_lsp_diagnostic(
            diagnostic, state, target.encoding, related_information=target.related_information, snapshot=snapshot
        )
        for index, fix in enumerate(diagnostic.fixes):
            actions.append(
                types.CodeAction(
                    title=fix.message,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[shown],
                    # Preferred fixes may be applied without a look (auto-fix): only safe ones.
                    is_preferred=index == 0 and fix.safe,
                    # Edits carry no cell of their own: they belong to the diagnostic's cell.
                    edit=workspace_edit([(state, fix.edits)], target),
                )
            )
        line = diagnostic.range.start.line
        if diagnostic.code == SYNTAX_ERROR_CODE or (line, diagnostic.code) in ignored:
            continue
        ignored.add((line, diagnostic.code))
        actions.append(
            types.CodeAction(
                title=f"Ignore {diagnostic.code} on this line",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[shown],
                edit=workspace_edit([(state, [noqa_edit(state.line(line), line, diagnostic.code)])], target),
            )
        )
        if project is not None and diagnostic.code not in ignored_in_project:
            ignored_in_project.add(diagnostic.code)
            action = ignore_in_project(project, diagnostic.code, target)
            if action is not None:
                action.diagnostics = [shown]
                actions.append(action)
    return actions


def ignore_in_project(project: ProjectFile, code: str, target: EditTarget) -> types.CodeAction | None:
    """Add `code` to `ignore` in `[tool.shapelint]`: edit the pyproject.toml, or create it when the
    client can create files; None when it is already ignored or the file cannot be edited safely."""
    insertion = ignore_rule_insertion(project.text, code)
    if insertion is None or (project.text is None and not (target.create_files and target.document_changes)):
        return None
    state = TextState.of(project.uri, None, project.text or "")
    before = (project.text or "")[: insertion.offset]
    line = before.count("\n") if "\n" in before else before.count("\r")
    column = len(before) - max(before.rfind("\n"), before.rfind("\r")) - 1
    position = to_lsp_position(state, Position(line, column), target.encoding)
    edit = types.TextEdit(range=types.Range(start=position, end=position), new_text=insertion.content)
    title = f"Ignore {code} in pyproject.toml"
    if not target.document_changes:
        return types.CodeAction(
            title=title, kind=types.CodeActionKind.QuickFix, edit=types.WorkspaceEdit(changes={project.uri: [edit]})
        )
    changes: list[types.TextDocumentEdit | types.CreateFile] = []
    if project.text is None:
        changes.append(types.CreateFile(uri=project.uri, options=types.CreateFileOptions(ignore_if_exists=True)))
    changes.append(
        types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=project.uri, version=None), edits=[edit]
        )
    )
    return types.CodeAction(
        title=title, kind=types.CodeActionKind.QuickFix, edit=types.WorkspaceEdit(document_changes=changes)
    )


def fix_all(
    snapshot: Snapshot, diagnostics: Sequence[Diagnostic], target: EditTarget, kind: str = FIX_ALL_KIND
) -> types.CodeAction | None:
    """One action applying every diagnostic's first safe fix that does not collide with another.

    Unsafe fixes (a loss switched, a layer's units changed) are only ever applied one at a time.
    """
    accepted: dict[int, list[TextEdit]] = {}
    fixes_taken = 0
    for diagnostic in diagnostics:
        fix: Fix | None = diagnostic.applicable_fix()
        if fix is None or not fix.edits:
            continue
        segment = diagnostic.cell if snapshot.notebook else 0
        if segment is None or not 0 <= segment < len(snapshot.segments):
            continue
        taken = accepted.setdefault(segment, [])
        if any(_overlaps(edit.range, other.range) for edit in fix.edits for other in taken):
            continue  # a second pass (the next fix-all) picks it up once the text has settled
        taken.extend(fix.edits)
        fixes_taken += 1
    if not fixes_taken:
        return None
    edits = [
        (snapshot.segments[index], sorted(taken, key=lambda edit: edit.range))
        for index, taken in sorted(accepted.items())
    ]
    plural = "problem" if fixes_taken == 1 else "problems"
    return types.CodeAction(
        title=f"Fix all shapelint problems ({fixes_taken} {plural})",
        kind=kind,
        edit=workspace_edit(edits, target),
    )
