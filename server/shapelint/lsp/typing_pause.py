"""Holding back a new syntax error while the user is still typing the statement it is in.

Half-typed code does not parse: without a pause, the problems counter flips on every
keystroke of a line. Like Pylance, a syntax error (SL001) that was not shown before and
lies where the user has just typed waits HOLD_SECONDS; if it is still there then, it is
shown. Shape findings and errors already shown are never held back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lsprotocol import types

from shapelint.engine import SYNTAX_ERROR_CODE

HOLD_SECONDS = 1.0


@dataclass(frozen=True)
class Edit:
    at: float  # time.monotonic() of the change
    lines: tuple[int, int]  # the first and last line the change touched, after it was applied


def edited_lines(changes: Iterable[tuple[int, int, str]]) -> tuple[int, int] | None:
    """The lines that (start line, end line, new text) range changes touched; None for a whole-text change."""
    first: int | None = None
    last: int | None = None
    for start, end, text in changes:
        if start < 0:
            return None
        stop = max(end, start + text.count("\n"))
        first = start if first is None else min(first, start)
        last = stop if last is None else max(last, stop)
    return None if first is None or last is None else (first, last)


class SyntaxErrorPause:
    """Remembers recent edits per URI and decides which syntax errors to hold back for now."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS) -> None:
        self.hold_seconds = hold_seconds
        self._edits: dict[str, Edit] = {}

    def edited(self, uri: str, lines: tuple[int, int] | None, now: float) -> None:
        """Record a change to `uri` (lines None: the whole text was replaced, not typing)."""
        if lines is None:
            self._edits.pop(uri, None)
        else:
            self._edits[uri] = Edit(now, lines)

    def forget(self, uri: str) -> None:
        self._edits.pop(uri, None)

    def hold_back(
        self,
        uri: str,
        diagnostics: Sequence[types.Diagnostic],
        shown: Sequence[types.Diagnostic],
        now: float,
    ) -> tuple[list[types.Diagnostic], float | None]:
        """The diagnostics to publish now, and in how many seconds to publish again (None: no need)."""
        edit = self._edits.get(uri)
        if edit is None or now - edit.at >= self.hold_seconds:
            return list(diagnostics), None
        shown_lines = {d.range.start.line for d in shown if d.code == SYNTAX_ERROR_CODE}
        kept = []
        held = False
        for diagnostic in diagnostics:
            if (
                diagnostic.code == SYNTAX_ERROR_CODE
                and diagnostic.range.start.line not in shown_lines
                and _near(diagnostic.range, edit.lines)
            ):
                held = True
                continue
            kept.append(diagnostic)
        return kept, (edit.at + self.hold_seconds - now if held else None)


def _near(span: types.Range, lines: tuple[int, int]) -> bool:
    """The error's statement is the one being typed: the edit lies within (or just after) its lines."""
    first, last = lines
    return span.start.line <= last and first <= span.end.line + 1
