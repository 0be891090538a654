"""Re-parsing only the simple statement an edit touched inside a compound top-level statement.

A top-level statement is the unit shapelint parses, so a keystroke inside a long function (a
script's `def main():` of 500 lines) would have libcst parse the whole function again, about
60 ms. When the edit lies inside one simple statement of a block (a function's, a class's, a
loop's, an `if`'s or `with`'s or `try`'s body, at any depth), only that statement is parsed:
alone, behind a one-line `if 1:` that puts it at its own indentation, and put in the place of
the old one in the previous tree. Every other node is the previous tree's.

Python's own tree of the new text (which the size guard parses anyway, `parse_limits.measure`)
says where each statement is. The result is the tree libcst gives the whole new text (the tests
compare the two after random edits of real files); whatever this cannot place exactly (an edit
of a header, a decorator, a comment line, the indentation, or across statements) gives None,
and the caller parses the whole statement as before.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst
from libcst._nodes.internal import CodegenState

from shapelint.cst_parse import parse_module
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


@dataclass(frozen=True)
class _Line:
    """One libcst statement of a block: Python's statements on its lines (several when `;` joins
    simple ones), and its first and last line (decorators included)."""

    statements: tuple[ast.stmt, ...]
    first: int
    last: int

    @property
    def simple(self) -> bool:
        return not isinstance(self.statements[0], _COMPOUND)


@dataclass(frozen=True)
class Spliced:
    """A tree made by `splice`: the old tree's nodes everywhere but in the statement replaced (its
    lines `first`..`last` of the old text) and the statements that enclose it; the lines after it
    moved by `line_shift`."""

    module: cst.Module
    first: int
    last: int
    line_shift: int


def splice(old_text: str, old_module: cst.Module, new_text: str, new_tree: ast.Module) -> Spliced | None:
    """libcst's tree of `new_text`, made from `old_module` (libcst's tree of `old_text`) by parsing
    only the simple statement the edit changed; None when the edit is not inside one."""
    if "\r" in new_text and new_text.count("\r") != new_text.count("\r\n"):
        return None  # lone carriage returns end lines for Python but not for the counts below
    start = common_prefix(old_text, new_text)
    shared_end = common_suffix(old_text, new_text, min(len(old_text), len(new_text)) - start)
    if not shared_end:
        return None  # the text's end changed: whether it ends in a newline is the module's
    new_end = len(new_text) - shared_end
    first = new_text.count("\n", 0, start) + 1
    last = first + new_text.count("\n", start, new_end)
    path = _path(new_tree.body, old_module.body, first, last)
    if path is None:
        return None
    target, old_statement = path[-1]
    # The edit lies inside the statement's lines, after their indentation (the text before the
    # statement and after its last line is the same in the old text and the new).
    line_start = _line_offset(new_text, target.first)
    indentation = new_text[line_start : line_start + target.statements[0].col_offset]
    statement_end = _line_offset(new_text, target.last + 1)
    if indentation.strip(" \t") or not indentation or start < line_start + len(indentation) or new_end > statement_end:
        return None
    if not isinstance(old_statement, cst.SimpleStatementLine):
        return None
    # The old statement was exactly the old text of these lines.
    moved = len(new_text) - len(old_text)
    if _code(old_statement, old_module, indentation) != old_text[line_start : statement_end - moved]:
        return None
    replacement = _parse_alone(new_text[line_start:statement_end], old_module.default_newline)
    if replacement is None:
        return None
    node: cst.CSTNode = replacement.with_changes(leading_lines=old_statement.leading_lines)
    for (_, parent), (_, child) in zip(reversed(path[:-1]), reversed(path[1:])):
        node = _replaced_in_block(parent, child, node)
    top = path[0][1]
    module = old_module.with_changes(body=[node if item is top else item for item in old_module.body])
    line_shift = new_text.count("\n") - old_text.count("\n")
    return Spliced(module, target.first, target.last - line_shift, line_shift)


def _path(
    python: Sequence[ast.stmt], body: Sequence[cst.BaseStatement], first: int, last: int
) -> list[tuple[_Line, cst.CSTNode]] | None:
    """The statements from the top level down to the simple one holding lines `first`..`last`,
    each with libcst's node (None unless it is below a compound statement's indented block)."""
    path: list[tuple[_Line, cst.CSTNode]] = []
    while True:
        lines = _lines(python)
        if len(lines) != len(body):
            return None
        at = next((i for i, line in enumerate(lines) if line.first <= first and last <= line.last), None)
        if at is None:
            return None
        line, node = lines[at], body[at]
        path.append((line, node))
        if line.simple:
            return path if len(path) > 1 and isinstance(node, cst.SimpleStatementLine) else None
        statement = line.statements[0]
        kind = _BLOCKS.get(type(statement))
        block = getattr(node, "body", None)
        if kind is None or type(node) is not kind or not isinstance(block, cst.IndentedBlock):
            return None
        inner: list[ast.stmt] = getattr(statement, "body", [])
        if not inner or first < _first_line(inner[0]) or last > (inner[-1].end_lineno or 0):
            return None  # the header, an `else:`/`except:` part, or a comment around the body
        python, body = inner, block.body


def _lines(statements: Sequence[ast.stmt]) -> list[_Line]:
    """Python's statements as libcst's: simple ones one `;` apart share a statement line."""
    lines: list[_Line] = []
    for statement in statements:
        end = statement.end_lineno or statement.lineno
        if lines and lines[-1].simple and not isinstance(statement, _COMPOUND) and statement.lineno == lines[-1].last:
            previous = lines[-1]
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


def _code(statement: cst.SimpleStatementLine, module: cst.Module, indentation: str) -> str:
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


def _replaced_in_block(parent: cst.CSTNode, old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    block = parent.body  # type: ignore[attr-defined]
    return parent.with_changes(body=block.with_changes(body=[new if item is old else item for item in block.body]))
