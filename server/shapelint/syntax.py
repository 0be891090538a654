"""What the interpreter reads from libcst nodes: dotted names, assigned names, string literal values."""

from __future__ import annotations

import ast
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from shapelint.values import UNKNOWN, Const, Value

BINARY_OPERATORS: dict[type[cst.BaseBinaryOp], str] = {
    cst.Add: "+",
    cst.Subtract: "-",
    cst.Multiply: "*",
    cst.Divide: "/",
    cst.FloorDivide: "//",
    cst.Modulo: "%",
    cst.Power: "**",
    cst.MatrixMultiply: "@",
}
COMPARISON_OPERATORS: dict[type[cst.BaseCompOp], str] = {
    cst.Equal: "==",
    cst.NotEqual: "!=",
    cst.LessThan: "<",
    cst.LessThanEqual: "<=",
    cst.GreaterThan: ">",
    cst.GreaterThanEqual: ">=",
    cst.Is: "is",
    cst.IsNot: "is not",
    cst.In: "in",
    cst.NotIn: "not in",
}
AUGMENTED_OPERATORS: dict[type[cst.BaseAugOp], str] = {
    cst.AddAssign: "+",
    cst.SubtractAssign: "-",
    cst.MultiplyAssign: "*",
    cst.DivideAssign: "/",
    cst.FloorDivideAssign: "//",
    cst.ModuloAssign: "%",
    cst.PowerAssign: "**",
    cst.MatrixMultiplyAssign: "@",
}


@functools.lru_cache(maxsize=4096)
def string_value(literal_text: str) -> str | bytes | None:
    """A string literal's value; plain quotes without escapes skip ast.literal_eval, which is slow."""
    quote = literal_text[:1]
    if quote in ("'", '"') and "\\" not in literal_text and literal_text[:3] != quote * 3:
        return literal_text[1:-1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # half-typed literals warn on stderr otherwise
            value = ast.literal_eval(literal_text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (str, bytes)) else None


def assigned_names(target: cst.CSTNode) -> Iterator[str]:
    if type(target) is cst.Name:
        yield target.value
    elif type(target) in (cst.Tuple, cst.List):
        for element in target.elements:
            yield from assigned_names(element.value)
    elif type(target) is cst.StarredElement:
        yield from assigned_names(target.value)
    elif type(target) is cst.Del:
        yield from assigned_names(target.target)


def dotted_name(node: cst.CSTNode) -> str | None:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def imported_modules(statement: cst.BaseSmallStatement) -> list[str | None] | None:
    """The dotted names of the modules an `import` or an absolute `from ... import` imports (None
    where a name is not written as one); None for any other statement, relative imports included."""
    if type(statement) is cst.Import:
        return [dotted_name(alias.name) for alias in statement.names]
    if type(statement) is cst.ImportFrom and not statement.relative and statement.module is not None:
        return [dotted_name(statement.module)]
    return None


def formatted_string(node: cst.FormattedString, evaluate: Callable[[cst.BaseExpression], Value]) -> Value:
    """An f-string whose parts are all literal strings or numbers (a data path built from names)."""
    pieces: list[str] = []
    known = True
    for part in node.parts:
        if type(part) is cst.FormattedStringText:
            pieces.append(part.value)
            continue
        assert type(part) is cst.FormattedStringExpression
        value = evaluate(part.expression)  # every part is evaluated: names in it get their hovers
        plain = part.format_spec is None and part.conversion is None
        if plain and isinstance(value, Const) and type(value.value) in (str, int):
            pieces.append(str(value.value))
        else:
            known = False
    text = "".join(pieces)
    if not known or "{" in text or "b" in node.prefix.lower():
        return UNKNOWN
    return Const(text) if "r" in node.prefix.lower() or "\\" not in text else UNKNOWN


def simple_statement_lines(
    statements: Sequence[cst.BaseStatement | cst.BaseSmallStatement],
) -> Iterator[cst.SimpleStatementLine | cst.SimpleStatementSuite]:
    """The simple statement lines at any depth of compound statements (if, for, def, try, with, match...)."""
    for statement in statements:
        if isinstance(statement, cst.SimpleStatementLine):
            yield statement
        elif isinstance(statement, cst.BaseCompoundStatement):
            yield from _lines_of_parts(statement)


def _lines_of_parts(node: cst.CSTNode) -> Iterator[cst.SimpleStatementLine | cst.SimpleStatementSuite]:
    for name in ("body", "orelse", "finalbody", "handlers", "cases"):
        part = getattr(node, name, None)
        if part is None:
            continue
        for item in part if isinstance(part, Sequence) else (part,):
            if isinstance(item, cst.SimpleStatementSuite):
                yield item
            elif isinstance(item, cst.IndentedBlock):
                yield from simple_statement_lines(item.body)
            elif isinstance(item, cst.CSTNode):  # else/elif/except/case: their own body
                yield from _lines_of_parts(item)
