"""Code a test expects to fail: the blocks of `with pytest.raises(...)`, `self.assertRaises(...)`
and their kin (unittest, pytest, NumPy's and TensorFlow's test helpers).

A shape mistake there is what the test checks: running it raises, and the test passes. The
engine drops every finding inside such a block (not the syntax errors). The blocks are found
by the name the test helper is called by, in the statements that mention it.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from shapelint.diagnostics import Range
from shapelint.source import NodeRef, Program

# The context managers a test opens around code it expects to raise, by the name they are called by.
RAISES_HELPERS = frozenset(
    {
        "raises",  # pytest.raises, `from pytest import raises`
        "assertRaises",  # unittest.TestCase, absltest, tf.test.TestCase
        "assertRaisesRegex",
        "assertRaisesRegexp",
        "assertRaisesOpError",  # tf.test.TestCase
        "assertRaisesWithPredicateMatch",
        "assert_raises",  # numpy.testing
        "assert_raises_regex",
    }
)
_WORDS = ("raises", "Raises")  # every helper's name contains one of them


def expected_to_raise(program: Program) -> list[Range]:
    """The program ranges of the `with` statements that expect their block to raise."""
    chunks = {chunk.index: chunk for word in _WORDS for chunk in program.chunks_mentioning(word)}
    spans = []
    for index in sorted(chunks):
        module = chunks[index].module
        if module is None:
            continue
        for statement in _raising_blocks(module):
            span = program.node_range(NodeRef(index, statement))
            if span is not None:
                spans.append(span)
    return spans


def inside(spans: list[Range], span: Range) -> bool:
    return any(block.start <= span.start <= block.end for block in spans)


def _raising_blocks(module: cst.Module) -> Iterator[cst.With]:
    """Every `with` statement (at any depth) that opens a raises helper; one inside another is not repeated."""
    pending: list[cst.CSTNode] = list(module.body)
    while pending:
        node = pending.pop()
        if isinstance(node, cst.With) and any(_is_raises_helper(item.item) for item in node.items):
            yield node
            continue
        if isinstance(node, (cst.BaseExpression, cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            continue  # no statement below
        pending.extend(node.children)


def _is_raises_helper(expression: cst.BaseExpression) -> bool:
    if not isinstance(expression, cst.Call):
        return False
    callee = expression.func
    if isinstance(callee, cst.Attribute):
        return callee.attr.value in RAISES_HELPERS
    return isinstance(callee, cst.Name) and callee.value in RAISES_HELPERS
