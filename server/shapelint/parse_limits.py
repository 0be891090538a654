"""Which statements are safe to hand to libcst: a size and a nesting-depth guard.

libcst's native parser recurses once per nesting level: about 1,300 nested brackets or
6,000 chained `lambda:` overflow its stack and kill the process, and its time grows with
the square of the depth (500 chained subscripts take a second, 2,000 take a minute).
Flat text is cheap whatever its length. So a statement is measured first, by Python's own
parser (fast, and it raises instead of crashing), and one too large or too deep is skipped
with a reason the caller reports as a hint; the rest of the file is still analysed.

The limits are far above real code: over the 5,852 files of a data-science virtualenv the
deepest top-level statement has a syntax tree 75 levels deep, and all but ten stay under 30.
"""

from __future__ import annotations

import ast
import warnings

MAX_STATEMENT_CHARS = 200_000  # one top-level statement (a generated data literal is larger)
MAX_DEPTH = 100  # syntax-tree levels in one top-level statement
# Text Python cannot parse is measured lexically; libcst only sees it when it is small.
MAX_UNPARSEABLE_CHARS = 2_000


def skip_reason(text: str) -> str | None:
    """Why libcst must not parse this statement's text, or None when it is safe to."""
    if len(text) > MAX_STATEMENT_CHARS:
        return f"this statement is {len(text):,} characters long (the limit is {MAX_STATEMENT_CHARS:,})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "invalid escape sequence" and friends
            tree = ast.parse(text)
    except SyntaxError as error:
        if "too many nested" in str(error.msg) or "too complex" in str(error.msg):
            return f"it nests more than {MAX_DEPTH} levels deep"
        if len(text) > MAX_UNPARSEABLE_CHARS or _bracket_depth(text) > MAX_DEPTH:
            return "unparseable"  # a syntax error: the caller reports Python's message
        return None
    except (RecursionError, MemoryError, ValueError):
        return f"it nests more than {MAX_DEPTH} levels deep"
    if _tree_depth(tree) > MAX_DEPTH:
        return f"it nests more than {MAX_DEPTH} levels deep"
    return None


def _tree_depth(tree: ast.AST) -> int:
    """The depth of a syntax tree, walked without recursion (the tree may be very deep)."""
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return depth
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _bracket_depth(text: str) -> int:
    """The deepest bracket nesting, counted over the raw text (strings included: an over-estimate)."""
    depth = deepest = 0
    for character in text:
        if character in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif character in ")]}":
            depth = max(depth - 1, 0)
    return deepest
