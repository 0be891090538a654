"""Jupyter notebooks: read the code cells, and write fixed cells back without touching the rest."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any


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
    indexes = [
        i
        for i, cell in enumerate(data["cells"])
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
    ]
    for number, index in enumerate(indexes, 1):
        if not _valid_source(data["cells"][index].get("source", "")):
            raise NotebookError(f"not a notebook: code cell {number} has a source that is not text")
    return Notebook(data, indexes, text)
