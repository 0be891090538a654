"""What every presenter consumes: diagnostics, fixes and text edits.

Positions are 0-based lines and 0-based columns counted in Unicode code points
(the LSP layer converts columns to UTF-16 where the client wants them; the JSON
output adds 1 to both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


@dataclass(frozen=True, order=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, order=True)
class Range:
    start: Position
    end: Position

    @staticmethod
    def of(line: int, column: int, end_line: int, end_column: int) -> Range:
        return Range(Position(line, column), Position(end_line, end_column))


@dataclass(frozen=True)
class Related:
    """Another place of a two-place mistake (the Input declared there, the data defined here)."""

    range: Range
    message: str
    # Notebook code cell (0-based) of `range` when cell-relative; it may differ from the finding's.
    cell: int | None = None


@dataclass(frozen=True)
class TextEdit:
    range: Range
    content: str


@dataclass(frozen=True)
class Fix:
    message: str
    edits: tuple[TextEdit, ...]
    # Safe: it changes the shapes and nothing else the program means, so fix-all and `--fix` apply it.
    # Unsafe (e.g. switching the loss, changing a layer's units): offered one at a time, applied in bulk
    # only with `--unsafe-fixes`.
    safe: bool = True


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    range: Range
    severity: Severity
    fixes: tuple[Fix, ...] = ()
    # None: not checked by TensorFlow; True: TensorFlow reproduced it; False: it did not.
    confirmed: bool | None = None
    # Related places worth showing (e.g. the Input a fit() call disagrees with).
    related: tuple[Related, ...] = field(default=())
    # Notebook cell index (0-based, among code cells) when the range is cell-relative.
    cell: int | None = None

    @property
    def fix(self) -> Fix | None:
        """The preferred fix, if any."""
        return self.fixes[0] if self.fixes else None

    def applicable_fix(self, unsafe: bool = False) -> Fix | None:
        """The first fix that may be applied in bulk: a safe one, or any when `unsafe` fixes are allowed."""
        return next((fix for fix in self.fixes if unsafe or fix.safe), None)

    @property
    def url(self) -> str:
        return rule_url(self.code)

    def with_severity(self, severity: Severity) -> Diagnostic:
        return replace(self, severity=severity)


DOCS_BASE_URL = "https://github.com/shapelint/shapelint/blob/main/docs/rules.md"


def rule_url(code: str) -> str:
    """Link to the rule's section in the rules reference."""
    return f"{DOCS_BASE_URL}#{code.lower()}"


# Message text ---------------------------------------------------------------------------------
_LINE_BREAK = re.compile(r"\s*[\r\n]\s*")
_SPACE_INSIDE_BRACKETS = re.compile(r"(?<=[(\[{]) | (?=[)\]}])")


def one_line(text: str) -> str:
    """Text for a message: line breaks (and the indentation after them) become one space."""
    return _LINE_BREAK.sub(" ", text).strip() if "\n" in text or "\r" in text else text


def code_in_message(code: str, limit: int = 60) -> str:
    """Source code quoted in a message: on one line, no padding inside brackets, shortened when long."""
    if "\n" in code or "\r" in code:
        code = _SPACE_INSIDE_BRACKETS.sub("", one_line(code))
    return code if len(code) <= limit else code[: limit - 1].rstrip() + "…"
