"""IPython cell text -> the Python that IPython executes, with a column map back to the cell.

A notebook code cell holds IPython, not Python: `%magic args`, `%%cell_magic`, `!shell`
(with `\\` continuation lines), `var = !cmd`, `var = %magic`, `obj?` / `?obj` help,
`/f a b` auto-call, `,f a b` auto-quote, and a whole cell may be indented. This module
reimplements the rules of IPython's `IPython.core.inputtransformer2` (IPython 8) on tokens,
without depending on IPython:

- cleanup: a cell whose first non-blank line is indented is dedented by that indent, and a
  pasted session loses its `>>> ` / `... ` or `In [3]: ` / `...: ` prompts;
- `%%name` on the first line: `time`, `timeit` and `capture` run the rest of the cell as
  Python (so it is kept, and transformed again); any other cell magic (`%%bash`,
  `%%writefile`, `%%html`, ...) is not Python of this notebook and becomes blank lines;
- escaped commands at the start of a logical line (never inside brackets or after a `\\`,
  so a `% value` formatting continuation is not a magic), magic and system assignments,
  and a trailing `?`/`??` become `get_ipython()` calls exactly as IPython writes them;
- `%time stmt` / `%timeit [options] stmt` keep `stmt` itself: it is the Python that runs.

Unlike IPython the line count never changes (a command continued over several lines
becomes one line followed by blank lines), so a cell line is a Python line, and each
changed line carries pieces mapping Python columns back to cell columns.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

# Cell magics whose body runs as Python in the notebook's own namespace.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture"})
# Line magics whose argument is a statement that IPython runs in the notebook's namespace.
_STATEMENT_LINE_MAGICS = frozenset({"time", "timeit"})
_TIMEIT_OPTIONS = re.compile(r"(?:-[nrp]\s*\d+\s+|-[oqct]\s+)*")
_INDENT = re.compile(r"[ \t]+")
_ESCAPES = ("!", "?", "%", ",", ";", "/")
_DOUBLE_ESCAPES = ("!!", "??")
_HELP_END = re.compile(
    r"""(%{0,2}
    (?!\d)[\w*]+
    (\.(?!\d)[\w*]+|\[-?[0-9]+\])*
    )
    (\?\??)$""",
    re.VERBOSE,
)
_CLASSIC_PROMPT = re.compile(r"^(>>>|\.\.\.)( |$)")
_CLASSIC_INITIAL = re.compile(r"^>>>( |$)")
_IPYTHON_PROMPT = re.compile(r"^(((\[nav\]|\[ins\])? )?In \[\d+\]: |\s*\.{3,}: ?)")
# Every special syntax starts a physical line, follows an `=`, or ends a line with `?`.
_MAY_BE_SPECIAL = re.compile(r"^[ \t]*[!?%,;/]|=[ \t]*[!%]|\?[ \t]*$")
# IPython stops after this many transformations in one cell; so does this module.
_TRANSFORM_LIMIT = 500


@dataclass(frozen=True)
class Piece:
    """Python columns [python_start, python_end) of a line come from cell columns
    [original_start, original_end) of the same line; equal lengths map column by column."""

    python_start: int
    python_end: int
    original_start: int
    original_end: int

    def original(self, column: int) -> int:
        if self.python_end - self.python_start == self.original_end - self.original_start:
            return self.original_start + column - self.python_start
        # Generated text (a get_ipython() call) maps to the start of the command it replaces.
        return self.original_end if column >= self.python_end else self.original_start


@dataclass(frozen=True)
class TransformedCell:
    """A cell's Python (same line count as the cell) and the column maps of its changed lines."""

    python: str
    # Line index -> pieces covering the Python line; lines not listed are unchanged.
    line_maps: tuple[tuple[int, tuple[Piece, ...]], ...]
    # False for a cell magic whose body is not Python (`%%bash`, `%%writefile`, ...).
    is_python: bool = True

    def original_column(self, line: int, column: int) -> int:
        """The cell column of a Python column on `line` (0-based both)."""
        for index, pieces in self.line_maps:
            if index == line:
                return map_column(pieces, column)
        return column


def map_column(pieces: Sequence[Piece], column: int) -> int:
    """The cell column of a Python column, given the line's pieces."""
    if not pieces:
        return column
    for piece in pieces:
        if piece.python_start <= column < piece.python_end:
            return piece.original(column)
    last = pieces[-1]
    if column >= last.python_end:
        return last.original_end + (column - last.python_end)
    return pieces[0].original_start


class _Lines:
    """The cell being transformed: its lines (with endings) and each line's column map."""

    def __init__(self, text: str) -> None:
        self.lines = io.StringIO(text, newline="").readlines()
        if self.lines and not self.lines[-1].endswith(("\n", "\r")):
            self.lines[-1] += "\n"
        self.maps: list[tuple[Piece, ...] | None] = [None] * len(self.lines)
        self.is_python = True

    def original(self, line: int, column: int) -> int:
        pieces = self.maps[line]
        return column if pieces is None else map_column(pieces, column)

    def content_length(self, line: int) -> int:
        return len(self.lines[line].rstrip("\r\n"))

    def ending(self, line: int) -> str:
        """The line's own line break: a `\r` line followed by a `\n` one would merge into one."""
        text = self.lines[line]
        return text[len(text.rstrip("\r\n")) :] or "\n"

    def blank(self, line: int) -> None:
        self.lines[line] = self.ending(line)
        self.maps[line] = None

    def replace(self, start: tuple[int, int], end_line: int, text: str, *, verbatim_from: int | None) -> None:
        """Replace from `start` to the end of `end_line` with `text` on one line.

        `verbatim_from` is the column of the current line where `text` is found unchanged
        (an exposed statement); None when `text` is generated.
        """
        line, column = start
        prefix = self.lines[line][:column]
        pieces = []
        if column:
            pieces.append(Piece(0, column, self.original(line, 0), self.original(line, column)))
        if verbatim_from is not None:
            origin = self.original(line, verbatim_from)
            pieces.append(Piece(column, column + len(text), origin, origin + len(text)))
        else:
            pieces.append(
                Piece(
                    column,
                    column + len(text),
                    self.original(line, column),
                    self.original(line, self.content_length(line)),
                )
            )
        self.lines[line] = prefix + text + self.ending(line)
        self.maps[line] = tuple(pieces)
        for following in range(line + 1, end_line + 1):
            self.blank(following)


@functools.lru_cache(maxsize=4096)  # an edit re-analyses every cell; only the edited one changed
def transform_cell(text: str) -> TransformedCell:
    """The Python IPython runs for a cell, keeping the cell's line count, and its column maps."""
    cell = _Lines(text)
    _transform_from(cell, 0)
    maps = tuple((index, pieces) for index, pieces in enumerate(cell.maps) if pieces is not None)
    lines = cell.lines
    for index in range(1, len(lines)):
        # A line emptied to "\n" after a line ending in a lone "\r" would join it into one "\r\n".
        if lines[index].startswith("\n") and lines[index - 1].endswith("\r"):
            lines[index] = "\r" + lines[index][1:]
    return TransformedCell("".join(lines), maps, cell.is_python)


def _transform_from(cell: _Lines, first: int) -> None:
    """Transform lines[first:] as a cell of its own (a Python-body cell magic recurses)."""
    lines = cell.lines
    start = first
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start == len(lines):
        return
    _dedent(cell, start)
    _strip_prompts(cell, start)
    if lines[start].startswith("%%") and not re.match(r"%%\w+\?", lines[start]):
        name = lines[start][2:].strip().partition(" ")[0]
        if name in PYTHON_BODY_CELL_MAGICS:
            cell.blank(start)
            _transform_from(cell, start + 1)
        else:
            cell.is_python = False
            for index in range(start, len(lines)):
                cell.blank(index)
        return
    # Lines before the last transformed one hold no special syntax any more: each scan resumes
    # after it, with the indentation it had (re-reading the whole cell each time is quadratic).
    scan_from = first
    indents: tuple[str, ...] = ()
    for _ in range(_TRANSFORM_LIMIT):
        applied = _transform_one(cell, scan_from, indents)
        if applied is None:
            return
        scan_from, indents = applied.line + 1, applied.indents


def _dedent(cell: _Lines, start: int) -> None:
    """IPython's leading_indent: strip the first line's indent from every line that has it."""
    match = _INDENT.match(cell.lines[start])
    if match is None:
        return
    indent = match.group()
    size = len(indent)
    for index in range(start, len(cell.lines)):
        line = cell.lines[index]
        if line.startswith(indent):
            cell.lines[index] = line[size:]
            length = len(line.rstrip("\r\n"))
            cell.maps[index] = (Piece(0, length - size, size, length),)


def _strip_prompts(cell: _Lines, start: int) -> None:
    """IPython's classic_prompt and ipython_prompt: a pasted `>>> ` / `In [3]: ` session loses its prompts."""
    lines = cell.lines
    for prompt, initial in ((_CLASSIC_PROMPT, _CLASSIC_INITIAL), (_IPYTHON_PROMPT, _IPYTHON_PROMPT)):
        if initial.match(lines[start]) or (start + 1 < len(lines) and prompt.match(lines[start + 1])):
            for index in range(start, len(lines)):
                match = prompt.match(lines[index])
                if match is None or not match.end():
                    continue
                size, length = match.end(), cell.content_length(index)
                begin, end = cell.original(index, size), cell.original(index, length)
                lines[index] = lines[index][size:]
                cell.maps[index] = (Piece(0, length - size, begin, end),)


# Finding special syntax, on tokens grouped by logical line -----------------------------------


@dataclass(frozen=True)
class _Found:
    line: int  # 0-based line in the cell
    column: int
    priority: int
    kind: str  # "magic_assign" | "system_assign" | "escaped" | "help_end"
    question_line: int = 0
    indents: tuple[str, ...] = ()  # the tokenizer's indentation stack on this line


def _tokens_by_line(
    lines: Sequence[str], first: int, indents: Sequence[str] = ()
) -> Iterator[tuple[list[tokenize.TokenInfo], tuple[str, ...]]]:
    """Tokens grouped by logical line, as far as the text tokenizes (IPython's make_tokens_by_line),
    each with the indentation stack of its line.

    Reading starts at line `first`, inside blocks indented by `indents` (recreated by `if 1:`
    header lines); token rows count from 1 at the first of those header lines.
    """
    header = [f"{indents[level - 1] if level else ''}if 1:\n" for level in range(len(indents))]
    feed = iter([*header, *lines[first:]])
    group: list[tokenize.TokenInfo] = []
    stack: list[str] = []
    depth = 0
    try:
        for token in tokenize.generate_tokens(lambda: next(feed, "")):
            group.append(token)
            if token.type == tokenize.INDENT:
                stack.append(token.string)
            elif token.type == tokenize.DEDENT and stack:
                stack.pop()
            if token.type == tokenize.NEWLINE or (token.type == tokenize.NL and depth <= 0):
                yield group, tuple(stack)
                group = []
            elif token.string in ("(", "[", "{"):
                depth += 1
            elif token.string in (")", "]", "}") and depth > 0:
                depth -= 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass  # IPython keeps what tokenized before the error
    if group:
        yield group, tuple(stack)


def _assign_index(tokens: Sequence[tokenize.TokenInfo]) -> int | None:
    depth = 0
    for index, token in enumerate(tokens):
        if token.string == "=" and depth == 0:
            return index
        if token.string in ("(", "[", "{"):
            depth += 1
        elif token.string in (")", "]", "}") and depth > 0:
            depth -= 1
    return None


def _find(groups: Iterable[tuple[list[tokenize.TokenInfo], tuple[str, ...]]], offset: int) -> list[_Found]:
    """The special syntax of the first logical line that has any (the earliest is applied first).

    `offset` turns a token row into a 0-based cell line.
    """
    found: list[_Found] = []
    for tokens, indents in groups:

        def at(
            token: tokenize.TokenInfo,
            priority: int,
            kind: str,
            question_line: int = 0,
            indents: tuple[str, ...] = indents,
        ) -> _Found:
            return _Found(token.start[0] + offset, token.start[1], priority, kind, question_line, indents)

        assign = _assign_index(tokens)
        if assign is not None and not tokens[assign].line.strip().startswith("="):
            rest = tokens[assign + 1 :]
            if len(rest) >= 2 and rest[0].string == "%" and rest[1].type == tokenize.NAME:
                found.append(at(rest[0], 10, "magic_assign"))
            for token in rest:
                # Python 3.12+ tokenizes "!" as an operator, earlier versions as an error token.
                if token.string == "!":
                    found.append(at(token, 10, "system_assign"))
                if not (token.type == tokenize.ERRORTOKEN and token.string.isspace()):
                    break
        index = 0
        while index < len(tokens) and tokens[index].type in (tokenize.INDENT, tokenize.DEDENT):
            index += 1
        if index < len(tokens) and tokens[index].string in _ESCAPES:
            found.append(at(tokens[index], 10, "escaped"))
        if len(tokens) > 2 and tokens[-2].string == "?" and index < len(tokens):
            found.append(at(tokens[index], 5, "help_end", tokens[-2].start[0] + offset))
        if found:
            return found
    return found


def _transform_one(cell: _Lines, scan_from: int, indents: tuple[str, ...]) -> _Found | None:
    """Transform the earliest special syntax from line `scan_from` on; what was applied, or None."""
    if not any(_MAY_BE_SPECIAL.search(line) for line in cell.lines[scan_from:]):
        return None  # tokenizing is the expensive part; most cells are plain Python
    groups = _tokens_by_line(cell.lines, scan_from, indents)
    found = _find(groups, scan_from - 1 - len(indents))
    for candidate in sorted(found, key=lambda f: (f.line, f.column, f.priority)):
        if _apply(cell, candidate):
            return candidate
    return None


def _continued_end(lines: Sequence[str], start: int) -> int:
    end = start
    while lines[end].endswith(("\\\n", "\\\r\n", "\\\r")) and end + 1 < len(lines):
        end += 1
    return end


def _assemble(lines: Sequence[str], start: tuple[int, int], end: int) -> str:
    """IPython's assemble_continued_line: the pieces of a `\\`-continued line joined by spaces."""
    parts = [lines[start[0]][start[1] :], *lines[start[0] + 1 : end + 1]]
    return " ".join([part.rstrip()[:-1] for part in parts[:-1]] + [parts[-1].rstrip()])


def _magic_call(content: str) -> str:
    name, _, arguments = content.partition(" ")
    return f"get_ipython().run_line_magic({name!r}, {arguments!r})"


def _help_call(target: str, escape: str) -> str:
    if not target:
        return "get_ipython().show_usage()"
    method = "pinfo2" if escape == "??" else "psearch" if "*" in target else "pinfo"
    return f"get_ipython().run_line_magic({method!r}, {target.lstrip('%')!r})"


def _apply(cell: _Lines, found: _Found) -> bool:
    lines = cell.lines
    line, column = found.line, found.column
    if found.kind == "help_end":
        content = "".join(lines[line : found.question_line + 1])[column:]
        match = _HELP_END.search(content)
        if match is None:
            return False  # IPython raises SyntaxError here and tries the next candidate
        call = _help_call(match.group(1), match.group(3))
        cell.replace((line, column), found.question_line, call, verbatim_from=None)
        return True
    end = _continued_end(lines, line)
    command = _assemble(lines, (line, column), end)
    if found.kind == "magic_assign":
        cell.replace((line, column), end, _magic_call(command[1:]), verbatim_from=None)
        return True
    if found.kind == "system_assign":
        cell.replace((line, column), end, f"get_ipython().getoutput({command[1:]!r})", verbatim_from=None)
        return True
    escape = command[:2] if command[:2] in _DOUBLE_ESCAPES else command[:1]
    content = command[len(escape) :]
    if escape == "%":
        name, _, arguments = content.partition(" ")
        statement = _TIMEIT_OPTIONS.sub("", arguments, count=1) if name == "timeit" else arguments
        statement = statement.strip()
        offset = lines[line].find(statement, column + 1 + len(name)) if statement and end == line else -1
        if name in _STATEMENT_LINE_MAGICS and offset >= 0:
            # The statement is what runs; keep it verbatim so it is analysed where it is written.
            cell.replace((line, column), end, statement, verbatim_from=offset)
            return True
        call = _magic_call(content)
    elif escape == "!":
        call = f"get_ipython().system({content!r})"
    elif escape == "!!":
        call = f"get_ipython().getoutput({content!r})"
    elif escape in ("?", "??"):
        call = _help_call(content, escape)
    else:
        name, _, arguments = content.partition(" ")
        if not name:
            return False
        if escape == ",":
            call = '{}("{}")'.format(name, '", "'.join(arguments.split()))
        elif escape == ";":
            call = f'{name}("{arguments}")'
        else:
            call = "{}({})".format(name, ", ".join(arguments.split()))
    cell.replace((line, column), end, call, verbatim_from=None)
    return True
