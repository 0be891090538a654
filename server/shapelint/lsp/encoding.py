"""Columns in the client's position encoding <-> columns in Unicode code points.

The engine counts columns in code points; LSP clients count UTF-16 code units unless
they negotiated UTF-8 or UTF-32. ASCII lines (nearly all Keras code) take a fast path.
"""

from __future__ import annotations

from enum import Enum


class ColumnEncoding(str, Enum):
    """The unit an LSP `Position.character` is counted in (the negotiated positionEncoding)."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"

    @classmethod
    def parse(cls, value: object) -> ColumnEncoding:
        """The encoding named by `value`; anything unknown means UTF-16, the LSP default."""
        text = str(getattr(value, "value", value) or "").lower()
        for encoding in cls:
            if encoding.value == text:
                return encoding
        return cls.UTF16


def _units(text: str, encoding: ColumnEncoding) -> int:
    if encoding is ColumnEncoding.UTF32 or text.isascii():
        return len(text)
    if encoding is ColumnEncoding.UTF16:
        # surrogatepass: a lone surrogate still counts as one unit instead of raising.
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def client_column(line: str, column: int, encoding: ColumnEncoding) -> int:
    """A code-point column of `line` (text without its line ending) in client units."""
    column = max(0, min(column, len(line)))
    return _units(line[:column], encoding)


def code_point_column(line: str, character: int, encoding: ColumnEncoding) -> int:
    """A client-unit column of `line` as a code-point column, clamped to the line."""
    if character <= 0:
        return 0
    if encoding is ColumnEncoding.UTF32 or line.isascii():
        return min(character, len(line))
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index
        units += _units(char, encoding)
    return len(line)
