"""Applying text edits and fixes to source text (used by `check --fix` and the editor's fix-all)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shapelint.diagnostics import Diagnostic, Position, TextEdit
from shapelint.source import split_lines


def _offset(line_starts: Sequence[int], lines: Sequence[str], position: Position) -> int:
    if position.line >= len(line_starts):
        return line_starts[-1] + len(lines[-1]) if lines else 0
    line = lines[position.line].rstrip("\r\n")
    return line_starts[position.line] + min(position.column, len(line))


def line_ending(text: str) -> str:
    """The line ending the text uses (its first one): "\\n", "\\r\\n" or "\\r"; "\\n" when it has none."""
    lines = split_lines(text)
    for line in lines:
        stripped = line.rstrip("\r\n")
        if stripped != line:
            return line[len(stripped) :]
    return "\n"


def with_line_ending(content: str, ending: str) -> str:
    """Edit content whose new lines use `ending`, so a fix never mixes line endings into a file."""
    if ending == "\n" or ("\n" not in content and "\r" not in content):
        return content
    return "".join(
        line.rstrip("\r\n") + ending if line.endswith(("\n", "\r")) else line for line in split_lines(content)
    )


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits; an edit that overlaps one already taken is skipped.

    Everything outside the edits is kept byte for byte; new lines in the edits take the text's line ending.
    """
    ending = line_ending(text)
    lines = split_lines(text) or [""]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    spans = sorted(
        (
            (_offset(starts, lines, e.range.start), _offset(starts, lines, e.range.end), e.content)
            for e in edits
        ),
        key=lambda span: (span[0], span[1]),
    )
    kept: list[tuple[int, int, str]] = []
    for start, end, content in spans:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end, content))
    for start, end, content in reversed(kept):
        text = text[:start] + with_line_ending(content, ending) + text[end:]
    return text


def fix_edits(diagnostics: Iterable[Diagnostic], unsafe: bool = False) -> list[TextEdit]:
    """The first safe fix (any fix with `unsafe`) of each diagnostic, dropping fixes that overlap an
    earlier one whole."""
    taken: list[TextEdit] = []
    for diagnostic in diagnostics:
        fix = diagnostic.applicable_fix(unsafe)
        if fix is None:
            continue
        if any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            continue
        if any(edit in taken for edit in fix.edits):
            continue
        taken.extend(fix.edits)
    return taken


def _overlaps(a: TextEdit, b: TextEdit) -> bool:
    return a.range.start < b.range.end and b.range.start < a.range.end
