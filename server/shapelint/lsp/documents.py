"""Open documents and notebooks: their text, versions and what the engine should analyse.

Nothing here knows about LSP messages: the handlers pass plain values in. Every document
state is immutable and replaced on change, so the engine thread can read a consistent
snapshot while the message loop keeps accepting edits.

Lines are split where LSP (and Python's tokenizer) split them: \\n, \\r\\n and \\r only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from shapelint.lsp.encoding import ColumnEncoding, code_point_column
from shapelint.source import split_lines

# Notebook cells in these languages are analysed; markdown and other kernels' cells are not.
PYTHON_LANGUAGES = frozenset({"python", "python3", "ipython", "py", ""})

_revisions = itertools.count(1)


def next_revision() -> int:
    """A process-wide increasing number: every document change gets a new one.

    Client versions are not trusted to increase (and notebooks have two kinds), so
    staleness is decided by revision.
    """
    return next(_revisions)


@dataclass(frozen=True)
class ClientPosition:
    """A position as the client sent it: line and column in the client's encoding."""

    line: int
    character: int


@dataclass(frozen=True)
class TextChange:
    """One content change: a replaced range, or the whole text when `start` is None."""

    text: str
    start: ClientPosition | None = None
    end: ClientPosition | None = None


class TextState:
    """One text document (a file or a notebook cell) at one version. Never mutated."""

    def __init__(self, uri: str, version: int | None, lines: Sequence[str], language_id: str = "python") -> None:
        self.uri = uri
        self.version = version
        self.lines: tuple[str, ...] = tuple(lines)  # with their line endings
        self.language_id = language_id
        self.revision = next_revision()

    @staticmethod
    def of(uri: str, version: int | None, text: str, language_id: str = "python") -> TextState:
        """A document state from its full text."""
        return TextState(uri, version, split_lines(text), language_id)

    @cached_property
    def text(self) -> str:
        return "".join(self.lines)

    def line(self, number: int) -> str:
        """Line `number` without its ending ("" when out of range)."""
        if 0 <= number < len(self.lines):
            return self.lines[number].rstrip("\r\n")
        return ""

    def changed(self, version: int | None, changes: Iterable[TextChange], encoding: ColumnEncoding) -> TextState:
        """The state after applying `changes` in order (as LSP specifies)."""
        lines: list[str] = list(self.lines)
        for change in changes:
            lines = apply_change(lines, change, encoding)
        return TextState(self.uri, version, lines, self.language_id)


def apply_change(lines: list[str], change: TextChange, encoding: ColumnEncoding) -> list[str]:
    """`lines` (with endings) after one content change; out-of-range positions are clamped."""
    if change.start is None or change.end is None:
        return split_lines(change.text)
    start_line, start_column = _locate(lines, change.start, encoding)
    end_line, end_column = _locate(lines, change.end, encoding)
    if (end_line, end_column) < (start_line, start_column):
        start_line, start_column, end_line, end_column = end_line, end_column, start_line, start_column
    prefix = lines[start_line][:start_column] if start_line < len(lines) else ""
    suffix = lines[end_line][end_column:] if end_line < len(lines) else ""
    first, last = start_line, min(end_line + 1, len(lines))
    # A "\r" ending followed by an inserted "\n" (or the reverse) fuses into one "\r\n"
    # line break: re-split the neighbouring line too so the line list stays exact.
    if first > 0 and lines[first - 1].endswith("\r"):
        first -= 1
        prefix = lines[first] + prefix
    if last < len(lines) and (prefix + change.text + suffix).endswith("\r"):
        suffix += lines[last]
        last += 1
    lines[first:last] = split_lines(prefix + change.text + suffix)
    return lines


def _locate(lines: Sequence[str], position: ClientPosition, encoding: ColumnEncoding) -> tuple[int, int]:
    """A client position as (line, code-point column) inside `lines`."""
    if position.line < 0:
        return 0, 0
    if position.line >= len(lines):
        return len(lines), 0
    text = lines[position.line]
    content = text.rstrip("\r\n")
    return position.line, code_point_column(content, position.character, encoding)


@dataclass(frozen=True)
class NotebookCell:
    uri: str
    is_code: bool


@dataclass(frozen=True)
class NotebookState:
    """A notebook's structure at one version; cell texts live in the store as TextStates."""

    uri: str
    version: int
    cells: tuple[NotebookCell, ...]
    revision: int = field(default_factory=next_revision)


@dataclass(frozen=True)
class Snapshot:
    """What the engine analyses: one file, or a notebook's Python code cells in order.

    `segments[i]` is the text of `uris[i]`; for a file there is exactly one.
    """

    key: str  # the document's URI, or the notebook's URI
    revision: int
    segments: tuple[TextState, ...]
    notebook: bool

    @property
    def uris(self) -> tuple[str, ...]:
        return tuple(segment.uri for segment in self.segments)

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(segment.text for segment in self.segments)


@dataclass(frozen=True)
class Location:
    """Where a text document URI lives: its document key and (for cells) its code-cell index."""

    key: str
    cell: int | None


class DocumentStore:
    """All open files and notebooks. Mutated on the message loop only; read from anywhere."""

    def __init__(self) -> None:
        self._texts: dict[str, TextState] = {}
        self._notebooks: dict[str, NotebookState] = {}
        self._cell_owner: dict[str, str] = {}  # cell URI -> notebook URI

    # Files ------------------------------------------------------------------------------
    def open_text(self, uri: str, version: int | None, text: str, language_id: str = "python") -> None:
        """Record an opened file (or a cell, when its notebook is opened)."""
        self._texts[uri] = TextState.of(uri, version, text, language_id)

    def change_text(
        self, uri: str, version: int | None, changes: Sequence[TextChange], encoding: ColumnEncoding
    ) -> str | None:
        """Apply content changes; returns the key to re-analyse, None for an unknown URI."""
        state = self._texts.get(uri)
        if state is None:
            return None
        self._texts[uri] = state.changed(version, changes, encoding)
        return self._key_of(uri)

    def close_text(self, uri: str) -> bool:
        """Forget a file; False when it was not open."""
        return self._texts.pop(uri, None) is not None

    # Notebooks --------------------------------------------------------------------------
    def open_notebook(
        self, uri: str, version: int, cells: Sequence[NotebookCell], texts: Sequence[tuple[str, int, str, str]]
    ) -> None:
        """Record an opened notebook; `texts` holds (uri, version, text, language) per cell."""
        for cell_uri, cell_version, text, language in texts:
            self._texts[cell_uri] = TextState.of(cell_uri, cell_version, text, language)
            self._cell_owner[cell_uri] = uri
        self._notebooks[uri] = NotebookState(uri, version, tuple(cells))

    def change_notebook_structure(
        self,
        uri: str,
        version: int,
        start: int | None = None,
        delete_count: int = 0,
        inserted: Sequence[NotebookCell] = (),
        opened: Sequence[tuple[str, int, str, str]] = (),
        closed: Sequence[str] = (),
        kinds: Sequence[NotebookCell] = (),
    ) -> bool:
        """Apply a notebook change's cell array edit, cell opens/closes and kind changes."""
        notebook = self._notebooks.get(uri)
        if notebook is None:
            return False
        cells = list(notebook.cells)
        if start is not None:
            start = max(0, min(start, len(cells)))
            cells[start : start + max(delete_count, 0)] = inserted
        if kinds:
            updated = {cell.uri: cell for cell in kinds}
            cells = [updated.get(cell.uri, cell) for cell in cells]
        for cell_uri in closed:
            self._texts.pop(cell_uri, None)
            self._cell_owner.pop(cell_uri, None)
        for cell_uri, cell_version, text, language in opened:
            self._texts[cell_uri] = TextState.of(cell_uri, cell_version, text, language)
            self._cell_owner[cell_uri] = uri
        self._notebooks[uri] = NotebookState(uri, version, tuple(cells))
        return True

    def close_notebook(self, uri: str) -> tuple[str, ...]:
        """Forget a notebook and its cells; returns the cell URIs it had."""
        notebook = self._notebooks.pop(uri, None)
        owned = tuple(cell for cell, owner in self._cell_owner.items() if owner == uri)
        for cell_uri in owned:
            self._texts.pop(cell_uri, None)
            self._cell_owner.pop(cell_uri, None)
        if notebook is None:
            return owned
        return tuple(dict.fromkeys((*(cell.uri for cell in notebook.cells), *owned)))

    def is_notebook(self, key: str) -> bool:
        return key in self._notebooks

    # Reading ----------------------------------------------------------------------------
    def _key_of(self, uri: str) -> str:
        return self._cell_owner.get(uri, uri)

    def open_keys(self) -> tuple[str, ...]:
        """Every open file and notebook (cells are part of their notebook)."""
        files = tuple(uri for uri in self._texts if uri not in self._cell_owner)
        return (*files, *self._notebooks)

    def text(self, uri: str) -> TextState | None:
        """The current state of a file or cell."""
        return self._texts.get(uri)

    def locate(self, uri: str) -> Location | None:
        """The document key and code-cell index of a file or cell URI (None when not open)."""
        owner = self._cell_owner.get(uri)
        if owner is None:
            return Location(uri, None) if uri in self._texts else None
        notebook = self._notebooks.get(owner)
        if notebook is None:
            return None
        for index, state in enumerate(self._code_cells(notebook)):
            if state.uri == uri:
                return Location(owner, index)
        return None  # a markdown cell: nothing to analyse

    def revision(self, key: str) -> int | None:
        """A number that changes whenever anything `key` is analysed from changes."""
        notebook = self._notebooks.get(key)
        if notebook is not None:
            return max((notebook.revision, *(state.revision for state in self._code_cells(notebook))))
        state = self._texts.get(key)
        return None if state is None else state.revision

    def snapshot(self, key: str) -> Snapshot | None:
        """The current content of a file or notebook, or None when it is not open."""
        notebook = self._notebooks.get(key)
        if notebook is not None:
            cells = tuple(self._code_cells(notebook))
            revision = max((notebook.revision, *(state.revision for state in cells)))
            return Snapshot(key, revision, cells, notebook=True)
        state = self._texts.get(key)
        if state is None or key in self._cell_owner:
            return None
        return Snapshot(key, state.revision, (state,), notebook=False)

    def _code_cells(self, notebook: NotebookState) -> list[TextState]:
        cells = []
        for cell in notebook.cells:
            state = self._texts.get(cell.uri)
            if cell.is_code and state is not None and state.language_id.lower() in PYTHON_LANGUAGES:
                cells.append(state)
        return cells

    def cell_uris(self, key: str) -> tuple[str, ...]:
        """Every cell URI of a notebook (code or not), in order."""
        notebook = self._notebooks.get(key)
        return tuple(cell.uri for cell in notebook.cells) if notebook else ()
