"""Documents -> top-level statements parsed with libcst, cached by their text.

Parsing the whole module on every keystroke is too slow for an editor (libcst needs
~270 ms for 2,000 lines), so the text is split into top-level statements ("chunks") by a
light scanner and each chunk is parsed on its own, cached by its text: an edit re-parses
only the statement it touches. A chunk that does not parse is reported as a syntax error
and the rest of the file is still analysed. Positions (libcst metadata) are computed per
chunk, lazily, only where something is reported (`code_ranges`).

Notebooks: code cells become one program, each cell chunked on its own; positions map
back to (cell, line, column).
"""

from __future__ import annotations

import functools
import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.code_ranges import statement_ranges, unique_range
from shapelint.cst_parse import parse_module, validation_skipped
from shapelint.diagnostics import Diagnostic, Position, Range, Related
from shapelint.ipython_syntax import Piece, map_column, transform_cell
from shapelint.known_ranges import KnownRanges
from shapelint.parse_limits import SMALL_STATEMENT_CHARS, measure, python_tree
from shapelint.statement_splice import Outline, Spliced, splice
from shapelint.statement_split import (
    CONTINUATION,
    LineSplit,
    Resplit,
    common_prefix,
    common_suffix,
    resplit,
    split_lines,
    split_statements,
)

__all__ = ["split_lines", "split_statements"]  # where the rest of the package finds them

_STATEMENT_START = re.compile(r"[A-Za-z_@(\[]")


@dataclass(frozen=True)
class SyntaxErrorInfo:
    range: Range
    message: str


# The chunk of a node that belongs to another file (an imported module of the project): such a
# node has no place in this program, so nothing is reported or fixed there.
FOREIGN_CHUNK = -1


@dataclass(frozen=True)
class NodeRef:
    """A node of one chunk; the chunk index tells twin chunks with the same text apart."""

    chunk: int
    node: cst.CSTNode


@dataclass
class Chunk:
    index: int
    text: str
    start_line: int  # program line of the chunk's first line
    line_count: int
    module: cst.Module | None
    cell: int | None = None
    skipped: str | None = None  # why the statement was not parsed (too large or too deep)


@dataclass(frozen=True)
class Skipped:
    """A statement libcst is not given (see parse_limits); the reason is reported as a hint."""

    reason: str


Parsed = cst.Module | cst.ParserSyntaxError | Skipped


@dataclass(frozen=True)
class _Segment:
    """A file's text (or a notebook cell's Python) split and parsed, counted from chunk 0 at line 0, no cell."""

    split: LineSplit
    chunks: list[Chunk]
    errors: list[SyntaxErrorInfo]
    _placed: dict[tuple[int, int, int | None], list[Chunk]] = field(default_factory=dict, compare=False, repr=False)

    def placed(self, index_shift: int, line_shift: int, cell: int | None) -> list[Chunk]:
        """The chunks numbered from `index_shift` at program line `line_shift`, in `cell`: made once per place."""
        key = (index_shift, line_shift, cell)
        found = self._placed.get(key)
        if found is None:
            found = [_moved(chunk, index_shift, line_shift, cell) for chunk in self.chunks]
            if len(self._placed) >= 4:  # a cell moves when cells above it grow: keep the latest places
                self._placed.clear()
            self._placed[key] = found
        return found


class _Segments:
    """The segments parsed lately, by text: an unchanged text is not split again, and an edited one
    is re-split from the closest of the last few (`statement_split.resplit`), keeping the chunks of
    the statements it did not touch. Bounded by entries and by the characters of their texts: each
    keystroke adds a whole version of its document, and only the latest few are ever bases (2M
    characters keep five versions of a 10,000-line file)."""

    BASES = 4  # how many of the latest segments an edited text is compared with

    def __init__(self, capacity: int = 256, max_chars: int = 2_000_000) -> None:
        self._capacity = capacity
        self._max_chars = max_chars
        self._chars = 0
        self._lock = threading.Lock()
        self._segments: OrderedDict[str, _Segment] = OrderedDict()

    def get(self, text: str) -> _Segment:
        with self._lock:
            found = self._segments.get(text)
            if found is not None:
                self._segments.move_to_end(text)
                return found
            bases = [self._segments[key] for key in islice(reversed(self._segments), self.BASES)]
        with validation_skipped():  # once for all the statements parsed
            segment = _reparse(_closest(bases, text), text)
        with self._lock:
            if text not in self._segments:
                self._chars += len(text)
            self._segments[text] = segment
            while len(self._segments) > 1 and (len(self._segments) > self._capacity or self._chars > self._max_chars):
                self._chars -= len(self._segments.popitem(last=False)[0])
        return segment


class _ParseCache:
    """Chunk text -> parsed module (or the syntax error), and its positions, bounded LRU.

    Bounded by entries and by the characters of the texts it holds (a parsed tree's size
    grows with its text), so a few huge documents cannot hold the memory of many.
    """

    def __init__(self, capacity: int = 50_000, max_chars: int = 8_000_000) -> None:
        self._capacity = capacity
        self._max_chars = max_chars
        self._chars = 0
        # The language server analyses on one thread and may re-analyse for confirmation on another.
        self._lock = threading.RLock()
        self._modules: OrderedDict[str, Parsed] = OrderedDict()
        self._positions: dict[int, KnownRanges] = {}  # by id(module)
        self._outlines: dict[int, tuple[cst.Module, Outline]] = {}  # by id(module), of the modules edited
        self._origins: dict[str, tuple[str, Spliced]] = {}  # text -> the text it was spliced from, and how
        # Whole texts (files, notebook cells) -> their statements, for re-splitting edited texts.
        self.segments = _Segments()

    def parse(self, text: str, edited: Chunk | None = None) -> Parsed:
        """The text's tree; `edited`: the chunk this text is an edit of, whose tree the new one may
        be made from (`statement_splice`)."""
        with self._lock:
            return self._parse(text, edited)

    def _parse(self, text: str, edited: Chunk | None = None) -> Parsed:
        found = self._modules.get(text)
        if found is not None:
            self._modules.move_to_end(text)
            return found
        spliced = self._splice(edited, text) if edited is not None and len(text) > SMALL_STATEMENT_CHARS else None
        if edited is not None and spliced is not None:
            self._modules[text] = spliced.module
            self._origins[text] = (edited.text, spliced)
            self._chars += len(text)
            self._evict()
            return spliced.module
        # An edited statement's tree outlines it for the next keystroke (below); a first parse needs none.
        reason, tree, nodes = measure(text, tree_wanted=edited is not None)
        result: Parsed
        if reason == "unparseable":  # too big to re-parse for a better message: Python's will do
            result = cst.ParserSyntaxError("invalid syntax", lines=[text], raw_line=1, raw_column=0)
        elif reason is not None:
            result = Skipped(reason)
        else:
            try:
                result = parse_module(text)
            except cst.ParserSyntaxError as error:
                result = error
            except Exception as error:  # libcst raises a few other errors on odd input
                result = cst.ParserSyntaxError(str(error), lines=[text], raw_line=1, raw_column=0)
        if edited is not None and tree is not None and isinstance(result, cst.Module):
            # Edited where no splice could go (a header, a comment): the next keystroke in it needs
            # this text's outline, read now from the tree the size guard built.
            self._outlines[id(result)] = (result, Outline.of(tree, nodes))
        self._modules[text] = result
        self._chars += len(text)
        self._evict()
        return result

    def _evict(self) -> None:
        while len(self._modules) > 1 and (len(self._modules) > self._capacity or self._chars > self._max_chars):
            evicted_text, evicted = self._modules.popitem(last=False)
            self._chars -= len(evicted_text)
            self._origins.pop(evicted_text, None)
            if isinstance(evicted, cst.Module):
                self._positions.pop(id(evicted), None)
                self._outlines.pop(id(evicted), None)

    def spliced_from(self, text: str) -> tuple[str, Spliced] | None:
        """The text `text`'s tree was spliced from, and the splice; None when it was parsed whole."""
        with self._lock:
            return self._origins.get(text)

    def _splice(self, edited: Chunk, text: str) -> Spliced | None:
        """The tree of `text` made from the tree of the chunk it is an edit of (`statement_splice`)."""
        old = edited.module
        if old is None:
            return None
        kept = self._outlines.get(id(old))
        if kept is None or kept[0] is not old:
            measured = measure(edited.text)  # once per statement edited: then each splice moves it
            if measured.tree is None or measured.reason is not None:
                return None
            kept = self._outlines[id(old)] = (old, Outline.of(measured.tree, measured.nodes))
        spliced = splice(edited.text, old, kept[1], text)
        if spliced is not None:
            self._outlines[id(spliced.module)] = (spliced.module, spliced.outline)
            self._keep_ranges(old, spliced)
        return spliced

    def _keep_ranges(self, old: cst.Module, spliced: Spliced) -> None:
        """The ranges known in `old` of the nodes a spliced tree shares with it, placed in the new
        text when asked for: those before the replaced statement as they were, those after it moved."""
        earlier = self._positions.get(id(old))
        if earlier is None or earlier.module is not old:
            return
        kept = earlier.spliced(
            spliced.module,
            spliced.first,
            spliced.last,
            spliced.line_shift,
            lambda: statement_ranges(spliced.module, spliced.statement, spliced.first, spliced.indentation),
        )
        if kept is not None:
            self._positions[id(spliced.module)] = kept

    def positions(self, module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
        """Every node's range."""
        with self._lock:
            ranges = self._ranges(module)
            if not ranges.complete:
                ranges.generate(None)
            return ranges.found

    def expression_ranges(self, module: cst.Module, text: str) -> Callable[[cst.CSTNode], CodeRange | None]:
        """Node ranges for a hover, which looks through every recorded node of a statement: every
        range is generated at once, unless every expression's is known already (kept across a
        keystroke: `KnownRanges.all_but_blocks`); another node is then found alone (`range_of`)."""
        with self._lock:
            ranges = self._ranges(module)
            if not ranges.expressions_known:
                ranges.generate(None)

        def lookup(node: cst.CSTNode) -> CodeRange | None:
            with self._lock:  # `get` keeps what it moves, and the analysis may splice meanwhile
                found = ranges.get(node)
                return found if found is not None or ranges.complete else self.range_of(module, text, node)

        return lookup

    def range_of(self, module: cst.Module, text: str, node: cst.CSTNode) -> CodeRange | None:
        """One node's range in `module` (parsed from `text`), computed as cheaply as it can be.

        An expression whose code occurs once in the text is found by it; otherwise the
        statement's code is generated only as far as that node, and a later node of the same
        statement then gets every range at once: at most two passes.
        """
        with self._lock:
            ranges = self._ranges(module)
            found = ranges.get(node)
            if found is not None or ranges.complete:
                return found
            found = unique_range(module, text, node)
            if found is not None:
                ranges.found[node] = found
                return found
            ranges.generate(None if ranges.generated else node)
            return ranges.get(node)

    def _ranges(self, module: cst.Module) -> KnownRanges:
        ranges = self._positions.get(id(module))
        if ranges is None or ranges.module is not module:
            ranges = self._positions[id(module)] = KnownRanges(module)
        return ranges


PARSE_CACHE = _ParseCache()


def forget_parses() -> None:
    """Start from an empty parse cache (what `engine.forget_texts` does here)."""
    global PARSE_CACHE
    PARSE_CACHE = _ParseCache()


_EMPTY_MODULE = cst.Module(body=[])


@dataclass
class Program:
    """A document (or a notebook's code cells) as parsed top-level statements."""

    lines: list[str]
    chunks: list[Chunk]
    syntax_errors: list[SyntaxErrorInfo]
    # Notebook only: the program line each cell starts at.
    cell_starts: list[int] | None = None
    _line_lengths: list[int] = field(default_factory=list)
    # Notebook only: program line -> how its parsed (IPython-transformed) columns map to the cell text.
    column_maps: dict[int, tuple[Piece, ...]] = field(default_factory=dict)
    # The parsed text of each segment (file or cell) with the program line it starts at, when known.
    texts: tuple[tuple[int, str], ...] | None = None
    _mentions: dict[str, list[Chunk]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def is_notebook(self) -> bool:
        return self.cell_starts is not None

    def chunks_mentioning(self, word: str) -> list[Chunk]:
        """The chunks whose text contains `word` (a word on one line), in order; searched once per program.

        One search of the whole text instead of one per statement: rules that look for a rare
        word (`set_weights`) cost nothing per statement.
        """
        found = self._mentions.get(word)
        if found is None:
            found = self._mentions[word] = self._search(word)
        return found

    def _search(self, word: str) -> list[Chunk]:
        if self.texts is None or any("\r" in text for _, text in self.texts):
            return [chunk for chunk in self.chunks if word in chunk.text]  # lines are not counted by "\n" alone
        found: list[Chunk] = []
        for first_line, text in self.texts:
            at, line = text.find(word), first_line
            counted = 0
            while at >= 0:
                line += text.count("\n", counted, at)
                counted = at
                chunk = self.chunk_at_line(line)
                if chunk is not None and (not found or found[-1] is not chunk):
                    found.append(chunk)
                at = text.find(word, at + len(word))
        return found

    def line_text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def node_range(self, ref: NodeRef) -> Range | None:
        """The program range of a node (computing the chunk's positions on first use)."""
        if not 0 <= ref.chunk < len(self.chunks):
            return None  # a node of an imported module
        chunk = self.chunks[ref.chunk]
        if chunk.module is None:
            return None
        code_range = PARSE_CACHE.range_of(chunk.module, chunk.text, ref.node)
        if code_range is None:
            return None
        span = self.chunk_span(chunk, code_range)
        # An expression's own parentheses; a `with` statement's `lpar` is a sentinel or one parenthesis
        # inside its range, which needs no widening.
        lpar = getattr(ref.node, "lpar", ())
        parentheses = len(lpar) if isinstance(lpar, (list, tuple)) else 0
        return self._widen(span, parentheses) if parentheses else span

    def chunk_span(self, chunk: Chunk, code_range: CodeRange) -> Range:
        """The program range of a libcst range of a chunk, in the text as written."""
        offset = chunk.start_line - 1  # libcst lines are 1-based
        start_line, end_line = code_range.start.line + offset, code_range.end.line + offset
        return Range.of(
            start_line,
            self.written_column(start_line, code_range.start.column),
            end_line,
            self.written_column(end_line, code_range.end.column),
        )

    def written_column(self, line: int, column: int) -> int:
        """The column in the written text of a column in the parsed text (they differ in IPython lines)."""
        pieces = self.column_maps.get(line)
        return column if pieces is None else map_column(pieces, column)

    def _widen(self, span: Range, parentheses: int) -> Range:
        """libcst positions leave out an expression's own parentheses; a replacement must cover them."""
        line, column = span.start.line, span.start.column
        for _ in range(parentheses):
            while True:
                text = self.line_text(line)
                if column > 0 and text[column - 1] in " \t":
                    column -= 1
                elif column > 0 and text[column - 1] == "(":
                    column -= 1
                    break
                elif column == 0 and line > 0:
                    line -= 1
                    column = len(self.line_text(line))
                else:
                    return span
        end_line, end_column = span.end.line, span.end.column
        for _ in range(parentheses):
            while True:
                text = self.line_text(end_line)
                if end_column < len(text) and text[end_column] in " \t":
                    end_column += 1
                elif end_column < len(text) and text[end_column] == ")":
                    end_column += 1
                    break
                elif end_column >= len(text) and end_line + 1 < len(self.lines):
                    end_line, end_column = end_line + 1, 0
                else:
                    return span
        return Range.of(line, column, end_line, end_column)

    def code_for_range(self, span: Range) -> str:
        """The program text inside a range (single- or multi-line)."""
        if span.start.line == span.end.line:
            return self.line_text(span.start.line)[span.start.column : span.end.column]
        parts = [self.line_text(span.start.line)[span.start.column :]]
        parts.extend(self.line_text(line) for line in range(span.start.line + 1, span.end.line))
        parts.append(self.line_text(span.end.line)[: span.end.column])
        return "\n".join(parts)

    def code_for(self, ref: NodeRef) -> str:
        if not 0 <= ref.chunk < len(self.chunks):
            return _EMPTY_MODULE.code_for_node(ref.node)  # a node of an imported module
        chunk = self.chunks[ref.chunk]
        assert chunk.module is not None
        return chunk.module.code_for_node(ref.node)

    def expression_ranges(self, chunk: Chunk) -> Callable[[cst.CSTNode], CodeRange | None] | None:
        """The node ranges of a chunk, as a hover looks them up (`_ParseCache.expression_ranges`)."""
        return PARSE_CACHE.expression_ranges(chunk.module, chunk.text) if chunk.module is not None else None

    def chunk_at_line(self, line: int) -> Chunk | None:
        low, high = 0, len(self.chunks) - 1
        while low <= high:
            mid = (low + high) // 2
            chunk = self.chunks[mid]
            if line < chunk.start_line:
                high = mid - 1
            elif line >= chunk.start_line + chunk.line_count:
                low = mid + 1
            else:
                return chunk
        return None

    # Notebook coordinate mapping (identity for plain files).
    def _cell_of_line(self, line: int) -> tuple[int | None, int]:
        if self.cell_starts is None:
            return None, 0
        cell = 0
        for index, start in enumerate(self.cell_starts):
            if start <= line:
                cell = index
        return cell, self.cell_starts[cell]

    def to_cell_position(self, position: Position) -> tuple[Position, int | None]:
        cell, start = self._cell_of_line(position.line)
        return Position(position.line - start, position.column), cell

    def to_cell_range(self, span: Range) -> tuple[Range, int | None]:
        start, cell = self.to_cell_position(span.start)
        end_cell, cell_start = self._cell_of_line(span.end.line)
        if end_cell != cell:  # never spans cells; clamp defensively
            end = Position(start.line, start.column)
        else:
            end = Position(span.end.line - cell_start, span.end.column)
        return Range(start, end), cell

    def to_cell_diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        if self.cell_starts is None:
            return diagnostic
        mapped, cell = self.to_cell_range(diagnostic.range)
        fixes = tuple(
            replace(fix, edits=tuple(replace(edit, range=self.to_cell_range(edit.range)[0]) for edit in fix.edits))
            for fix in diagnostic.fixes
        )
        related = tuple(
            Related(span, place.message, place_cell)
            for place in diagnostic.related
            for span, place_cell in [self.to_cell_range(place.range)]
        )
        return replace(diagnostic, range=mapped, cell=cell, fixes=fixes, related=related)

    def to_program_position(self, position: Position, cell: int | None) -> Position:
        if self.cell_starts is None or cell is None or not 0 <= cell < len(self.cell_starts):
            return position
        return Position(position.line + self.cell_starts[cell], position.column)


_CLOSE_ENOUGH = 4096  # characters that differ


def _closest(bases: Sequence[_Segment], text: str) -> _Segment | None:
    """The segment whose text shares the most with `text` at its start and end (None: nothing shared).

    Only a whole line shared counts: a re-split keeps whole statements, so a base that shares less
    (another notebook cell, a file that begins like this one) would only cost its comparison."""
    best, shared = None, 0
    for base in bases:
        earlier = base.split.text
        prefix = common_prefix(earlier, text)
        suffix = common_suffix(earlier, text, min(len(earlier), len(text)) - prefix)
        common = prefix + suffix
        if text.find("\n", 0, prefix) < 0 and text.find("\n", len(text) - suffix, len(text) - 1) < 0:
            continue
        if common > shared:
            best, shared = base, common
        if max(len(earlier), len(text)) - common <= _CLOSE_ENOUGH:
            break  # an edit of this one (the last text analysed, usually): no need to look further
    return best


def _reparse(base: _Segment | None, text: str) -> _Segment:
    """A segment's chunks: those of `base` where the statements did not change, new ones where they did."""
    change = resplit(base.split, text) if base is not None else Resplit.whole(text)
    split, rescanned_from, kept_from, shift = change.split, change.rescanned_from, change.kept_from, change.line_shift
    chunks: list[Chunk] = []
    errors: list[SyntaxErrorInfo] = []
    tail: Sequence[Chunk] = ()
    replaced: Sequence[Chunk] = ()
    if base is not None:
        old = base.chunks
        kept_until = bisect_left(old, rescanned_from, key=_start_line)
        kept_after = bisect_left(old, kept_from - shift, key=_start_line)
        chunks, replaced, tail = old[:kept_until], old[kept_until:kept_after], old[kept_after:]
        errors = [error for error in base.errors if error.range.start.line < rescanned_from]
    starts = split.starts
    bounds = [*starts[bisect_left(starts, rescanned_from) : bisect_left(starts, kept_from)], kept_from]
    # As many statements as before (a keystroke inside one): each tree may be made from the old one.
    same_count = len(replaced) == len(bounds) - 1
    for at, (begin, end) in enumerate(zip(bounds, bounds[1:])):
        _add_chunk(split.lines, begin, end, 0, None, chunks, errors, replaced[at] if same_count else None)
    if tail:
        index_shift = len(chunks) - tail[0].index
        if index_shift == 0 and shift == 0:
            chunks.extend(tail)
        else:
            chunks.extend(_moved(chunk, index_shift, shift) for chunk in tail)
        assert base is not None
        errors.extend(
            _moved_error(error, shift) for error in base.errors if error.range.start.line >= kept_from - shift
        )
    return _Segment(split, chunks, errors)


def _start_line(chunk: Chunk) -> int:
    return chunk.start_line


def _moved(chunk: Chunk, index_shift: int, line_shift: int, cell: int | None = None) -> Chunk:
    return Chunk(
        chunk.index + index_shift,
        chunk.text,
        chunk.start_line + line_shift,
        chunk.line_count,
        chunk.module,
        cell,
        chunk.skipped,
    )


def _moved_error(error: SyntaxErrorInfo, line_shift: int) -> SyntaxErrorInfo:
    if line_shift == 0:
        return error
    start, end = error.range.start, error.range.end
    return SyntaxErrorInfo(
        Range.of(start.line + line_shift, start.column, end.line + line_shift, end.column), error.message
    )


def _add_chunk(
    lines: list[str],
    begin: int,
    end: int,
    first_line: int,
    cell: int | None,
    chunks: list[Chunk],
    errors: list[SyntaxErrorInfo],
    edited: Chunk | None = None,
) -> None:
    text = "".join(lines[begin:end])
    parsed = PARSE_CACHE.parse(text, edited)
    if isinstance(parsed, cst.Module):
        chunks.append(Chunk(len(chunks), text, first_line + begin, end - begin, parsed, cell))
        return
    if isinstance(parsed, Skipped):
        chunks.append(Chunk(len(chunks), text, first_line + begin, end - begin, None, cell, parsed.reason))
        return
    # An unclosed bracket swallows the statements after it: retry from every later line
    # that looks like the start of a top-level statement, so only the broken one is lost.
    for split in range(begin + 1, end):
        line = lines[split]
        if _STATEMENT_START.match(line) and not CONTINUATION.match(line):
            head = "".join(lines[begin:split])
            head_parsed = PARSE_CACHE.parse(head)
            if isinstance(head_parsed, cst.Module):
                chunks.append(Chunk(len(chunks), head, first_line + begin, split - begin, head_parsed, cell))
            elif isinstance(head_parsed, Skipped):
                chunks.append(
                    Chunk(len(chunks), head, first_line + begin, split - begin, None, cell, head_parsed.reason)
                )
            else:
                _record_error(head_parsed, head, first_line + begin, errors)
                chunks.append(Chunk(len(chunks), head, first_line + begin, split - begin, None, cell))
            _add_chunk(lines, split, end, first_line, cell, chunks, errors)
            return
    _record_error(parsed, text, first_line + begin, errors)
    chunks.append(Chunk(len(chunks), text, first_line + begin, end - begin, None, cell))


def _record_error(error: cst.ParserSyntaxError, text: str, first_line: int, errors: list[SyntaxErrorInfo]) -> None:
    chunk_lines = [line.rstrip("\r\n") for line in split_lines(text)]
    # Python's own parser places the error best and says it most clearly ("'(' was never closed").
    try:
        python_tree(text)  # warnings ("invalid decimal literal" and friends on half-typed code) silenced
        raw_line, raw_column = error.raw_line, error.raw_column
        message = error.message.strip().splitlines()[0] if error.message.strip() else "invalid syntax"
    except SyntaxError as python_error:
        raw_line = python_error.lineno or 1
        raw_column = (python_error.offset or 1) - 1
        message = python_error.msg
    except (ValueError, RecursionError, MemoryError):
        raw_line, raw_column, message = 1, 0, "invalid source"
    line = max(min(raw_line, len(chunk_lines)), 1) - 1
    line_text = chunk_lines[line] if chunk_lines else ""
    column = min(max(raw_column, 0), len(line_text))
    end_column = len(line_text) if column < len(line_text) else column
    if column == end_column and column > 0:
        column -= 1
    errors.append(SyntaxErrorInfo(Range.of(first_line + line, column, first_line + line, end_column), message))


def parse_program(segments: Sequence[str], *, notebook: bool) -> Program:
    """Split and parse a file (one segment) or a notebook's code cells (one segment each).

    A notebook cell is IPython: it is parsed as the Python IPython would run
    (`ipython_syntax.transform_cell`), and reports at most one syntax error, as Jupyter does.
    """
    if not notebook and len(segments) == 1:  # a file: its segment's chunks are the program's
        segment = PARSE_CACHE.segments.get(segments[0])
        lines = segment.split.written or [""]
        if segments[0].endswith(("\n", "\r")):
            lines = [*lines, ""]
        return Program(list(lines), list(segment.chunks), list(segment.errors), texts=((0, segments[0]),))
    chunks: list[Chunk] = []
    errors: list[SyntaxErrorInfo] = []
    lines = []
    cell_starts: list[int] | None = [] if notebook else None
    column_maps: dict[int, tuple[Piece, ...]] = {}
    texts: list[tuple[int, str]] = []
    for cell_index, text in enumerate(segments):
        first_line = len(lines)
        python = text
        if cell_starts is not None:
            cell_starts.append(first_line)
            transformed = transform_cell(text)
            python = transformed.python
            for line, pieces in transformed.line_maps:
                column_maps[first_line + line] = pieces
        segment = PARSE_CACHE.segments.get(python)
        texts.append((first_line, python))
        cell = cell_index if notebook else None
        chunks.extend(segment.placed(len(chunks), first_line, cell))
        if not notebook:
            errors.extend(_moved_error(error, first_line) for error in segment.errors)
        elif segment.errors:
            first = _moved_error(segment.errors[0], first_line)
            line = first.range.start.line
            pieces = column_maps.get(line, ())
            errors.append(
                replace(
                    first,
                    range=Range.of(
                        line,
                        map_column(pieces, first.range.start.column),
                        first.range.end.line,
                        map_column(column_maps.get(first.range.end.line, ()), first.range.end.column),
                    ),
                )
            )
        lines.extend((segment.split.written if python == text else _written_lines(text)) or [""])
        if not notebook and text.endswith(("\n", "\r")):
            lines.append("")
    return Program(lines, chunks, errors, cell_starts, column_maps=column_maps, texts=tuple(texts))


@functools.lru_cache(maxsize=1024)
def _written_lines(text: str) -> tuple[str, ...]:
    """A notebook cell's lines as written (its Python, transformed from IPython, has other lines)."""
    return tuple(line.rstrip("\r\n") for line in split_lines(text))
