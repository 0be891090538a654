"""Where the nodes of a parsed statement are, computed only as far as a report needs.

libcst finds positions by generating the code of the whole tree (`PositionProvider`), and
`MetadataWrapper.resolve` adds a second, empty walk of every node. A rule that reports one
node of a long function pays both for the whole function. `code_ranges` runs the same code
generation (so ranges are exactly libcst's) and stops at the end of the simple statement that
holds the node asked for: the ranges of every node finished before come with it.

Cheaper still, `unique_range` finds an expression by its code when that code occurs once in
the statement's text: code generation reproduces the text, so the only occurrence is the node.

After a keystroke inside a long function (`statement_splice`), the new simple statement's
ranges are generated alone, from where it starts (`statement_ranges`): every other node is the
old tree's, whose ranges are kept (`known_ranges`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState


class _Reached(Exception):
    """Raised from code generation once the node asked for has its range."""


@dataclass(frozen=False)
class _StateUntil(PositionProvidingCodegenState):
    until: cst.CSTNode | None = None
    finished: dict[cst.CSTNode, CodeRange] | None = None
    statement: cst.SimpleStatementLine | None = None  # the simple statement being generated, if any

    def before_codegen(self, node: cst.CSTNode) -> None:
        super().before_codegen(node)
        if type(node) is cst.SimpleStatementLine:
            self.statement = node

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if node is self.until:
            if self.statement is not None and self.statement is not node:
                # Go on to the end of its statement: a report of a node often asks for the
                # nodes around it (the call it is an argument of, the statement) next.
                self.until = self.statement
                return
            # Ranges recorded so far are final; the enclosing nodes' are not yet written.
            self.finished = _copy(self.provider)
            raise _Reached
        if node is self.statement:
            self.statement = None


def code_ranges(module: cst.Module, until: cst.CSTNode | None = None) -> tuple[dict[cst.CSTNode, CodeRange], bool]:
    """The ranges of `module`'s nodes (libcst's `PositionProvider`), and whether they are all there.

    With `until`, generation stops once that node's range is known, or at the end of the simple
    statement holding it: the mapping then holds it and every node completed before, and the
    flag is False. A node that is not in the module
    lets the generation finish: every range, and True.
    """
    provider = PositionProvider()
    state = _StateUntil(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
        until=until,
    )
    try:
        module._codegen(state)
    except Exception:
        if state.finished is None:
            raise
        # Unwinding may also fail in an enclosing node's range (its children are not all done).
        return state.finished, False
    return _copy(provider), True


def statement_ranges(
    module: cst.Module, statement: cst.SimpleStatementLine, first_line: int, indentation: str
) -> dict[cst.CSTNode, CodeRange]:
    """The ranges of `statement` and its nodes in `module`, generated alone: the statement's code
    starts on line `first_line` (1-based, its leading comment and blank lines above it) at
    `indentation`, which is what generating the whole module would have reached there (the
    indentation tokens of the blocks holding it, joined: only their total length moves columns)."""
    provider = PositionProvider()
    state = PositionProvidingCodegenState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
        line=first_line - len(statement.leading_lines),
    )
    if indentation:
        state.increase_indent(indentation)
    statement._codegen(state)
    return _copy(provider)


def _copy(provider: object) -> dict[cst.CSTNode, CodeRange]:
    assert isinstance(provider, PositionProvider)
    return dict(cast("dict[cst.CSTNode, CodeRange]", provider._computed))


def unique_range(module: cst.Module, text: str, node: cst.CSTNode) -> CodeRange | None:
    """The range of expression `node` of `module` (parsed from `text`) when its code occurs once in `text`.

    None when that does not decide it (not an expression, or code found twice): ask `code_ranges`.
    Like libcst's, the range leaves out the expression's own parentheses.
    """
    if not isinstance(node, cst.BaseExpression) or isinstance(node, cst.StarredElement):  # `*a, ` owns its comma
        return None
    if text.count("\r") != text.count("\r\n"):  # a line ends with a lone "\r", which counting "\n" misses
        return None
    code = module.code_for_node(node)
    at = text.find(code)
    if at < 0 or text.find(code, at + 1) >= 0:
        return None
    opening = sum(len(module.code_for_node(paren)) for paren in node.lpar)
    closing = sum(len(module.code_for_node(paren)) for paren in node.rpar)
    return CodeRange(_position(text, at + opening), _position(text, at + len(code) - closing))


def _position(text: str, offset: int) -> CodePosition:
    line_start = text.rfind("\n", 0, offset) + 1
    return CodePosition(text.count("\n", 0, offset) + 1, offset - line_start)
