"""Re-parsing only the simple statement an edit touched inside a compound top-level statement.

A top-level statement is the unit shapelint parses, so a keystroke inside a long function (a
script's `def main():` of 500 lines) would have libcst parse the whole function again, about
60 ms. When the edit lies inside one simple statement of a block (a function's, a class's, a
loop's, an `if`'s, `with`'s or `try`'s body, an `else:`, `elif`, `except` or `finally:` block,
at any depth), only that statement is parsed:
alone, behind a one-line `if 1:` that puts it at its own indentation, and put in the place of
the old one in the previous tree. Every other node is the previous tree's.

An `Outline` of the old text says where its simple statements are and where they sit in the
tree; it is read once from Python's tree of a text and then moved along with each splice. The
old statement's code is generated and compared with the old text of its lines, so a wrong
outline cannot place a statement wrongly. The size guard (`parse_limits`) is kept exactly: the
new statement is measured alone and the whole text's node count follows from the old one.

The result is the tree libcst gives the whole new text (the tests compare the two after random
edits of real files); whatever this cannot place exactly (an edit of a header, a decorator, a
comment line, an `else:` line, the indentation, or across statements) gives None, and the
caller parses the whole statement as before.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.internal import CodegenState

from shapelint.cst_parse import parse_module
from shapelint.parse_limits import MAX_STATEMENT_CHARS, python_tree, too_big, tree_size
from shapelint.statement_split import common_prefix, common_suffix

# Python's compound statements whose body libcst keeps as an `IndentedBlock` in `.body`.
_BLOCKS: dict[type[ast.stmt], type[cst.CSTNode]] = {
    ast.FunctionDef: cst.FunctionDef,
    ast.AsyncFunctionDef: cst.FunctionDef,
    ast.ClassDef: cst.ClassDef,
    ast.For: cst.For,
    ast.AsyncFor: cst.For,
    ast.While: cst.While,
    ast.If: cst.If,
    ast.With: cst.With,
    ast.AsyncWith: cst.With,
    ast.Try: cst.Try,
}
_COMPOUND = (*_BLOCKS, ast.Match, *((ast.TryStar,) if hasattr(ast, "TryStar") else ()))
_WRAPPER_LEVELS = 2  # a statement below `if 1:` is 2 levels deep (under the Module and the If)
# Which block of a compound statement a place goes through: its body, its `else:` (or `elif`),
# its `finally:`, or its `except` clause k (_HANDLER + k).
_BODY, _ELSE, _FINALLY, _HANDLER = 0, 1, 2, 3


@dataclass(frozen=True)
class Placed:
    """One simple statement line inside a block: its first and last line (1-based), and its place
    in libcst's tree: its index in the module's body, then for each enclosing statement the
    block it goes through (_BODY, _ELSE, ...) and its index there."""

    first: int
    last: int
    place: tuple[int, ...]


@dataclass(frozen=True)
class Outline:
    """A statement's text as `splice` needs it: Python's node count of the whole (parse_limits),
    and the simple statements inside its blocks, in order."""

    nodes: int
    statements: tuple[Placed, ...]

    @staticmethod
    def of(tree: ast.Module, nodes: int) -> Outline:
        found: list[Placed] = []
        pending: list[tuple[Sequence[ast.stmt], tuple[int, ...]]] = [(tree.body, ())]
        while pending:
            body, place = pending.pop()
            for index, line in enumerate(_lines(body)):
                statement = line.statements[0]
                here = (*place, index)
                if place and not isinstance(statement, _COMPOUND):
                    found.append(Placed(line.first, line.last, here))
                elif type(statement) in _BLOCKS:
                    pending.extend((block, (*here, selector)) for selector, block in _blocks(statement))
        found.sort(key=lambda placed: placed.first)
        return Outline(nodes, tuple(found))

    def holding(self, first: int, last: int) -> Placed | None:
        """The statement whose lines hold lines `first`..`last`, if one does."""
        at = bisect_right(self.statements, first, key=lambda placed: placed.first) - 1
        if at < 0:
            return None
        placed = self.statements[at]
        return placed if last <= placed.last else None

    def moved(self, edited: Placed, line_shift: int) -> Outline:
        """The outline after `edited` grew by `line_shift` lines (the node count is the caller's to set)."""
        if not line_shift:
            return self
        statements = tuple(
            placed
            if placed.first < edited.first
            else Placed(placed.first, placed.last + line_shift, placed.place)
            if placed is edited
            else Placed(placed.first + line_shift, placed.last + line_shift, placed.place)
            for placed in self.statements
        )
        return Outline(self.nodes, statements)


@dataclass(frozen=True)
class Spliced:
    """A tree made by `splice`: the old tree's nodes everywhere but in the statement replaced (its
    lines `first`..`last` of the old text) and the statements that enclose it; the lines after it
    moved by `line_shift`. `outline`: the new text's. `old_code` and `new_code`: the replaced
    statement's lines and the new ones, at their indentation; `scope`: the kind of scope they
    are in ("function", "class" or "module": a block of an `if`, a loop, a `with` or a `try`
    at the top level). `statement`: the new statement's node in `module`, whose code starts at
    line `first` (below its leading lines) after `indentation`."""

    module: cst.Module
    outline: Outline
    first: int
    last: int
    line_shift: int
    old_code: str
    new_code: str
    scope: str
    statement: cst.SimpleStatementLine
    indentation: str


@dataclass(frozen=True)
class _Line:
    """One libcst statement of a block: Python's statements on its lines (several when `;` joins
    simple ones), and its first and last line (decorators included)."""

    statements: tuple[ast.stmt, ...]
    first: int
    last: int


def splice(old_text: str, old_module: cst.Module, outline: Outline, new_text: str) -> Spliced | None:
    """libcst's tree of `new_text`, made from `old_module` (libcst's tree of `old_text`, outlined by
    `outline`) by parsing only the simple statement the edit changed; None when the edit is not
    inside one, or when the new text is one the size guard refuses (the caller then says why)."""
    if len(new_text) > MAX_STATEMENT_CHARS:
        return None
    if "\r" in new_text and new_text.count("\r") != new_text.count("\r\n"):
        return None  # lone carriage returns end lines for Python but not for the counts below
    start = common_prefix(old_text, new_text)
    shared_end = common_suffix(old_text, new_text, min(len(old_text), len(new_text)) - start)
    if not shared_end:
        return None  # the text's end changed: whether it ends in a newline is the module's
    old_end = len(old_text) - shared_end
    first = old_text.count("\n", 0, start) + 1
    edited = outline.holding(first, first + old_text.count("\n", start, old_end))
    if edited is None:
        return None
    path = _nodes(old_module, edited.place)
    if path is None:
        return None
    old_statement = path[-1]
    assert isinstance(old_statement, cst.SimpleStatementLine)  # as `_nodes` returns it
    # The edit lies inside the statement's lines, after their indentation: the text before the
    # statement and after its last line is the same in the old text and the new.
    line_start = _line_offset(old_text, edited.first)
    indentation_end = line_start
    while indentation_end < len(old_text) and old_text[indentation_end] in " \t":
        indentation_end += 1
    indentation = old_text[line_start:indentation_end]
    old_statement_end = _line_offset(old_text, edited.last + 1)
    if not indentation or start < indentation_end or old_end > old_statement_end:
        return None
    if new_text[indentation_end : indentation_end + 1] in ("", " ", "\t", "\f"):
        return None  # the statement's own indentation grew
    # The old statement was exactly the old text of these lines (the outline is right).
    old_code = old_text[line_start:old_statement_end]
    if _code(old_statement, old_module, indentation) != old_code:
        return None
    line_shift = new_text.count("\n") - old_text.count("\n")
    new_statement_end = old_statement_end + len(new_text) - len(old_text)
    new_code = new_text[line_start:new_statement_end]
    handlers = sum(selector >= _HANDLER for selector in edited.place[1::2])  # a level more in Python's tree
    nodes = _nodes_after(outline, old_code, new_code, len(path) + handlers)
    if nodes is None:
        return None
    replacement = _parse_alone(new_code, old_module.default_newline)
    if replacement is None:
        return None
    placed = replacement.with_changes(leading_lines=old_statement.leading_lines)
    node: cst.CSTNode = placed
    for parent, selector, child in zip(reversed(path[:-1]), reversed(edited.place[1::2]), reversed(path[1:])):
        node = _replaced_in_block(parent, selector, child, node)
    top = path[0]
    module = old_module.with_changes(body=[node if item is top else item for item in old_module.body])
    outline = Outline(nodes, outline.moved(edited, line_shift).statements)
    return Spliced(
        module, outline, edited.first, edited.last, line_shift, old_code, new_code, _scope(path), placed, indentation
    )


def _nodes(module: cst.Module, place: tuple[int, ...]) -> list[cst.CSTNode] | None:
    """The statements at `place`, from the top-level one down to the simple statement line."""
    path: list[cst.CSTNode] = []
    body: Sequence[cst.CSTNode] | None = module.body
    index, rest = place[0], place[1:]
    while True:
        if body is None or index >= len(body):
            return None
        node = body[index]
        path.append(node)
        if len(rest) < 2:
            break
        (selector, index), rest = rest[:2], rest[2:]
        body = _block(node, selector)
    return path if len(path) > 1 and isinstance(path[-1], cst.SimpleStatementLine) else None


def _blocks(statement: ast.stmt) -> list[tuple[int, Sequence[ast.stmt]]]:
    """Python's blocks of a compound statement, by the selector of libcst's block they are."""
    found: list[tuple[int, Sequence[ast.stmt]]] = [(_BODY, getattr(statement, "body", []))]
    if getattr(statement, "orelse", None):  # an `elif` is an If alone in it, as libcst's `orelse` is
        found.append((_ELSE, statement.orelse))  # type: ignore[attr-defined]
    found.extend((_HANDLER + k, handler.body) for k, handler in enumerate(getattr(statement, "handlers", ())))
    if getattr(statement, "finalbody", None):
        found.append((_FINALLY, statement.finalbody))  # type: ignore[attr-defined]
    return found


def _block(node: cst.CSTNode, selector: int) -> Sequence[cst.CSTNode] | None:
    """The statements of one block of libcst's compound statement `node` (`_blocks`' selectors)."""
    part: object
    if selector == _BODY:
        part = getattr(node, "body", None)
    elif selector == _ELSE:
        part = getattr(node, "orelse", None)
        if isinstance(part, cst.If):
            return [part]  # an `elif`
        part = part.body if isinstance(part, cst.Else) else None
    elif selector == _FINALLY:
        part = getattr(node, "finalbody", None)
        part = part.body if isinstance(part, cst.Finally) else None
    else:
        handlers = getattr(node, "handlers", ())
        part = handlers[selector - _HANDLER].body if selector - _HANDLER < len(handlers) else None
    return part.body if isinstance(part, cst.IndentedBlock) else None


def _scope(path: Sequence[cst.CSTNode]) -> str:
    """The kind of the innermost scope of the statement at the end of `path`."""
    for node in reversed(path[:-1]):
        if isinstance(node, cst.FunctionDef):
            return "function"
        if isinstance(node, cst.ClassDef):
            return "class"
    return "module"


def _nodes_after(outline: Outline, old_code: str, new_code: str, depth: int) -> int | None:
    """The whole new text's Python node count, from the old one and the two statements measured
    alone; None when Python refuses the new statement or the guard would refuse the new text."""
    try:
        old_tree, new_tree = python_tree("if 1:\n" + old_code), python_tree("if 1:\n" + new_code)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    old_nodes, _ = tree_size(old_tree)
    new_nodes, deepest = tree_size(new_tree)
    nodes = outline.nodes - old_nodes + new_nodes  # the wrapper's own nodes count in both: they cancel
    # The rest of the text was within the limits: only the new statement can break them.
    if too_big(nodes, deepest - _WRAPPER_LEVELS + depth) is not None:
        return None
    return nodes


def _lines(statements: Sequence[ast.stmt]) -> list[_Line]:
    """Python's statements as libcst's: simple ones one `;` apart share a statement line."""
    lines: list[_Line] = []
    for statement in statements:
        end = statement.end_lineno or statement.lineno
        previous = lines[-1] if lines else None
        if (
            previous is not None
            and not isinstance(previous.statements[0], _COMPOUND)
            and not isinstance(statement, _COMPOUND)
            and statement.lineno == previous.last
        ):
            lines[-1] = _Line((*previous.statements, statement), previous.first, end)
        else:
            lines.append(_Line((statement,), _first_line(statement), end))
    return lines


def _first_line(statement: ast.stmt) -> int:
    decorators = getattr(statement, "decorator_list", None)
    return min([statement.lineno, *(decorator.lineno for decorator in decorators)]) if decorators else statement.lineno


def _line_offset(text: str, line: int) -> int:
    """Where 1-based line `line` starts in `text` (its length past the last line)."""
    offset = 0
    for _ in range(line - 1):
        offset = text.find("\n", offset) + 1
        if offset == 0:
            return len(text)
    return offset


def _code(statement: cst.CSTNode, module: cst.Module, indentation: str) -> str:
    """A statement's code at an indentation (lines broken inside brackets are indented from it)."""
    state = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    state.increase_indent(indentation)
    statement.with_changes(leading_lines=())._codegen(state)
    return "".join(state.tokens)


def _parse_alone(text: str, newline: str) -> cst.SimpleStatementLine | None:
    """One simple statement's lines (at their indentation), parsed as the only statement of a block."""
    try:
        wrapper = parse_module("if 1:" + newline + text)
    except Exception:  # a syntax error here is reported by the whole statement's parse
        return None
    if len(wrapper.body) != 1 or wrapper.footer or wrapper.header:
        return None
    block = getattr(wrapper.body[0], "body", None)
    if not isinstance(block, cst.IndentedBlock) or len(block.body) != 1 or block.footer:
        return None
    statement = block.body[0]
    if not isinstance(statement, cst.SimpleStatementLine) or statement.leading_lines:
        return None
    return statement


def _replaced_in_block(parent: cst.CSTNode, selector: int, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`parent` with `new` in the place of its statement `old` in the block `selector` (`_block`)."""

    def swapped(block: cst.IndentedBlock) -> cst.IndentedBlock:
        return block.with_changes(body=[new if item is old else item for item in block.body])

    if selector == _BODY:
        return parent.with_changes(body=swapped(parent.body))  # type: ignore[attr-defined]
    if selector == _ELSE:
        orelse = parent.orelse  # type: ignore[attr-defined]
        if orelse is old:  # an `elif`
            return parent.with_changes(orelse=new)
        return parent.with_changes(orelse=orelse.with_changes(body=swapped(orelse.body)))
    if selector == _FINALLY:
        finalbody = parent.finalbody  # type: ignore[attr-defined]
        return parent.with_changes(finalbody=finalbody.with_changes(body=swapped(finalbody.body)))
    handlers = list(parent.handlers)  # type: ignore[attr-defined]
    k = selector - _HANDLER
    handlers[k] = handlers[k].with_changes(body=swapped(handlers[k].body))
    return parent.with_changes(handlers=handlers)
