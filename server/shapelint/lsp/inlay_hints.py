"""The inlay hints an editor asks for: those of the lines it shows, placed only there.

Editors ask again after every change, for the visible lines: placing every layer call of a
10,000-line file (tens of milliseconds) for the 50 lines on screen would hold up the next
keystroke's analysis.
"""

from __future__ import annotations

from shapelint.diagnostics import Position
from shapelint.engine import Analysis, InlayHint


def hints_in_lines(analysis: Analysis, cell: int | None, first: int, last: int) -> list[InlayHint]:
    """The hints on lines `first`..`last` of a file or notebook code cell, as in `Analysis.inlay_hints`."""
    program = analysis.program
    lines = (
        program.to_program_position(Position(first, 0), cell).line,
        program.to_program_position(Position(last, 0), cell).line,
    )
    hints = []
    for position, label, tooltip in analysis.groups.inlay_hints(program, lines):
        mapped, hint_cell = program.to_cell_position(position)
        if hint_cell == cell and first <= mapped.line <= last:
            hints.append(InlayHint(mapped, label, tooltip, hint_cell))
    return hints
