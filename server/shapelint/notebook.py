"""Jupyter notebooks: read the code cells, and write fixed cells back without touching the rest."""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shapelint.diagnostics import Diagnostic, Position, Range


class NotebookError(ValueError):
    """A file that is not a readable notebook; the message says why."""


@dataclass
class Notebook:
    data: dict[str, Any]
    code_cell_indexes: list[int]  # index in data["cells"] of each code cell, in order
    original: str = ""  # the JSON text as read: its indentation, escaping and line endings are kept

    @property
    def code_cells(self) -> list[str]:
        return [_source(self.data["cells"][i]) for i in self.code_cell_indexes]

    def with_code_cells(self, sources: list[str]) -> str:
        """The notebook JSON with the code cells replaced (same count, same order)."""
        for index, source in zip(self.code_cell_indexes, sources):
            cell = self.data["cells"][index]
            lines = source.splitlines(keepends=True)
            cell["source"] = lines if isinstance(cell.get("source"), list) else source
        indent, ascii_only, ending, final = _json_style(self.original)
        text = json.dumps(self.data, indent=indent, ensure_ascii=ascii_only)
        if ending != "\n":
            text = text.replace("\n", ending)  # json.dumps escapes newlines inside strings: only layout changes
        return text + (ending if final else "")


def _json_style(text: str) -> tuple[int | None, bool, str, bool]:
    """How a notebook's JSON was written: indentation, ASCII escaping, line ending, final newline."""
    if not text:
        return 1, False, "\n", True
    ending = "\r\n" if "\r\n" in text else "\n"
    match = re.search(r"\{\r?\n( +)\"", text)
    indent = len(match.group(1)) if match else (None if "\n" not in text.strip() else 1)
    ascii_only = "\\u" in text and not any(ord(ch) > 127 for ch in text)
    return indent, ascii_only, ending, text.endswith(("\n", "\r"))


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _valid_source(source: Any) -> bool:
    """nbformat: a cell's source is a string or a list of strings."""
    return isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_notebook(text: str) -> Notebook:
    """The notebook in `text`; raises NotebookError (saying what is wrong) when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid notebook JSON: {error}") from None
    except RecursionError:
        raise NotebookError("not a notebook: its JSON is nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError("not a notebook: no 'cells' list")
    # Malformed metadata only loses the language check; the cells can still be read.
    language = _table(_table(data.get("metadata")).get("language_info")).get("name", "python")
    if language not in ("python", "python3", ""):
        return Notebook(data, [], text)
    indexes = [i for i, cell in enumerate(data["cells"]) if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    for number, index in enumerate(indexes, 1):
        if not _valid_source(data["cells"][index].get("source", "")):
            raise NotebookError(f"not a notebook: code cell {number} has a source that is not text")
    return Notebook(data, indexes, text)


# Positions inside the notebook file -----------------------------------------------------------
# Code scanning and CI annotations point at the .ipynb file as stored, so a finding at a line of a
# cell must be placed where that line's text sits inside the JSON. A small positional reader finds
# where each code cell's source strings start; escapes are decoded one by one to map columns.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"[^\s,\]}]+")
_SPACE = re.compile(r"\s*")
_ESCAPE_WIDTH = {"u": 6}


class _Positional:
    """Reads JSON text, keeping the offset of each string literal's opening quote."""

    def __init__(self, text: str) -> None:
        self.text = text

    def skip(self, index: int) -> int:
        match = _SPACE.match(self.text, index)
        return match.end() if match else index

    def value(self, index: int, depth: int = 0) -> tuple[Any, int]:
        """(node, end): dicts and lists of nodes; a string is its literal's start offset (an int)."""
        if depth > 64:
            raise NotebookError("not a notebook: its JSON is nested too deeply")
        index = self.skip(index)
        char = self.text[index : index + 1]
        if char == "{":
            members: dict[str, Any] = {}
            index = self.skip(index + 1)
            while self.text[index : index + 1] != "}":
                key_match = _STRING.match(self.text, index)
                if key_match is None:
                    raise NotebookError("not valid notebook JSON")
                key = json.loads(key_match.group())
                index = self.skip(key_match.end())
                members[key], index = self.value(index + 1, depth + 1)  # past the colon
                index = self.skip(index)
                if self.text[index : index + 1] == ",":
                    index = self.skip(index + 1)
            return members, index + 1
        if char == "[":
            items: list[Any] = []
            index = self.skip(index + 1)
            while self.text[index : index + 1] != "]":
                item, index = self.value(index, depth + 1)
                items.append(item)
                index = self.skip(index)
                if self.text[index : index + 1] == ",":
                    index = self.skip(index + 1)
                elif self.text[index : index + 1] != "]":
                    raise NotebookError("not valid notebook JSON")
            return items, index + 1
        if char == '"':
            match = _STRING.match(self.text, index)
            if match is None:
                raise NotebookError("not valid notebook JSON")
            return StringAt(index, match.end()), match.end()
        match = _SCALAR.match(self.text, index)
        if match is None:
            raise NotebookError("not valid notebook JSON")
        return None, match.end()


@dataclass(frozen=True)
class StringAt:
    """A string literal in the JSON text: offsets of its opening quote and just past its closing one."""

    start: int
    end: int


class NotebookPositions:
    """Maps (code cell, line, column in the cell's text) to (line, column) in the notebook file."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
        try:
            tree, _ = _Positional(text).value(0)
        except (NotebookError, IndexError, ValueError, RecursionError):
            tree = {}
        cells = tree.get("cells") if isinstance(tree, dict) else None
        self._sources: list[list[StringAt]] = []
        for cell in cells if isinstance(cells, list) else []:
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), StringAt):
                continue
            kind = cell["cell_type"]
            if json.loads(text[kind.start : kind.end]) != "code":
                continue
            source = cell.get("source")
            strings = [source] if isinstance(source, StringAt) else source if isinstance(source, list) else []
            self._sources.append([s for s in strings if isinstance(s, StringAt)])

    def file_position(self, cell: int, line: int, column: int) -> tuple[int, int] | None:
        """0-based (line, column) in the file of a 0-based place in code cell `cell`; None if unknown."""
        if not 0 <= cell < len(self._sources) or not self._sources[cell]:
            return None
        offset = self._raw_offset(self._sources[cell], line, column)
        if offset is None:
            return None
        row = bisect.bisect_right(self._line_starts, offset) - 1
        return row, offset - self._line_starts[row]

    def file_range(self, cell: int, span: Range) -> Range | None:
        """A cell-relative range in the notebook file; None when the cell's source cannot be placed."""
        start = self.file_position(cell, span.start.line, span.start.column)
        end = self.file_position(cell, span.end.line, span.end.column)
        if start is None:
            return None
        if end is None or end < start:
            end = start
        return Range(Position(*start), Position(*end))

    def file_ranges(self, diagnostics: Iterable[Diagnostic]) -> dict[Diagnostic, Range]:
        """Each cell finding's range in the notebook file (findings that cannot be placed are left out)."""
        ranges = {}
        for diagnostic in diagnostics:
            if diagnostic.cell is not None and (span := self.file_range(diagnostic.cell, diagnostic.range)):
                ranges[diagnostic] = span
        return ranges

    def _raw_offset(self, strings: list[StringAt], line: int, column: int) -> int | None:
        """Walk the cell's source literals, decoding escapes, until the place (line, column) is reached."""
        current_line, current_column = 0, 0
        last = None
        for literal in strings:
            index = literal.start + 1
            stop = literal.end - 1
            while index < stop:
                if current_line == line and current_column == column:
                    return index
                char = self._text[index]
                width = 1
                if char == "\\":
                    escaped = self._text[index + 1 : index + 2]
                    width = _ESCAPE_WIDTH.get(escaped, 2)
                    char = json.loads(f'"{self._text[index : index + width]}"') if escaped != "u" else "x"
                    # A surrogate pair written as two \\u escapes is one code point of the cell's text.
                    if escaped == "u" and 0xD800 <= int(self._text[index + 2 : index + 6], 16) < 0xDC00:
                        width = 12
                if char == "\n":
                    if current_line == line:
                        return index  # a column past the line's end: its end
                    current_line, current_column = current_line + 1, 0
                else:
                    current_column += 1
                index += width
                last = index
        if current_line == line and last is not None:
            return last
        return None
