"""Which statements are safe to hand to libcst: a size and a nesting-depth guard.

libcst's native parser recurses once per nesting level: about 1,300 nested brackets or
6,000 chained `lambda:` overflow its stack and kill the process, and its time grows with
the square of the depth (500 chained subscripts take a second, 2,000 take a minute).
Flat text is cheap whatever its length. So a statement is measured first, by Python's own
parser (fast, and it raises instead of crashing), and one too large or too deep is skipped
with a reason the caller reports as a hint; the rest of the file is still analysed.

libcst's time also grows with the number of nodes (about 0.1 ms each on a busy machine: a
20,000-item list literal takes two seconds), so a statement's node count is bounded too.

The limits are far above real code: over the 5,852 files of a data-science virtualenv the
deepest top-level statement has a syntax tree 75 levels deep, and all but ten stay under 30;
7 of the 14,511 top-level statements of Keras's own sources (giant test classes) have more
than 10,000 nodes.
"""

from __future__ import annotations

import ast
import warnings
from typing import NamedTuple

MAX_STATEMENT_CHARS = 200_000  # one top-level statement (a generated data literal is larger)
MAX_DEPTH = 100  # syntax-tree levels in one top-level statement
MAX_NODES = 10_000  # syntax-tree nodes in one top-level statement
# Text Python cannot parse is measured lexically; libcst only sees it when it is small.
MAX_UNPARSEABLE_CHARS = 2_000
# A statement this short cannot exceed the limits by much (a nesting level takes a character or
# two: 200 characters nest at most about as deep as MAX_DEPTH brackets): it is not measured.
SMALL_STATEMENT_CHARS = 200


# Every level of a syntax tree but a few is opened by a token of its own: a bracket, an operator,
# `.`, `:`, `,`, `=`, or a keyword of a nested expression, block or pattern. A `{` counts twice: in
# an f-string it opens the replacement field and the f-string nested in it. Counted over the raw
# text (strings, comments and longer words included), they can only be over-counted.
_LEVEL_CHARACTERS = "([{{.:,=+-*/%@&|^~<>!"
_LEVEL_WORDS = ("not", "lambda", "await", "yield", "if", "else", "for", "and", "or", "in", "is", "as", "case")
# Levels no token opens: the module, the statement, and an expression's context (`ast.Load`); one spare.
UNCOUNTED_LEVELS = 4


def lexical_levels(text: str, stop: int = MAX_DEPTH) -> int:
    """An upper bound of the depth of `text`'s syntax tree, read from its characters alone (counting
    stops once past `stop`)."""
    levels = UNCOUNTED_LEVELS
    for character in _LEVEL_CHARACTERS:
        levels += text.count(character)
        if levels > stop:
            return levels
    for word in _LEVEL_WORDS:
        levels += text.count(word)
        if levels > stop:
            return levels
    return levels


def surely_within_limits(text: str) -> bool:
    """Whether a statement is within the limits without parsing it (what `measure` would find, for a
    fraction of its cost): short enough for its nodes (under three per character: MAX_UNPARSEABLE_CHARS
    characters make fewer than MAX_NODES) and with too few level-opening tokens to nest past MAX_DEPTH.
    A text with a NUL character is measured (Python refuses it)."""
    return len(text) <= MAX_UNPARSEABLE_CHARS and "\0" not in text and lexical_levels(text) <= MAX_DEPTH


def skip_reason(text: str) -> str | None:
    """Why libcst must not parse this statement's text, or None when it is safe to."""
    return measure(text).reason


class Measured(NamedTuple):
    """`skip_reason`, with Python's tree of the text and its node count when it was parsed to
    measure it (a statement longer than SMALL_STATEMENT_CHARS that Python parses)."""

    reason: str | None
    tree: ast.Module | None = None
    nodes: int = 0


def measure(text: str, tree_wanted: bool = True) -> Measured:
    """Without `tree_wanted` (no outline of the statement is needed), a statement whose characters
    prove the limits (`surely_within_limits`) is not parsed."""
    if len(text) <= SMALL_STATEMENT_CHARS:
        return Measured(None)
    if len(text) > MAX_STATEMENT_CHARS:
        return Measured(f"this statement is {len(text):,} characters long (the limit is {MAX_STATEMENT_CHARS:,})")
    if not tree_wanted and surely_within_limits(text):
        return Measured(None)
    try:
        tree = python_tree(text)
    except SyntaxError as error:
        if "too many nested" in str(error.msg) or "too complex" in str(error.msg):
            return Measured(f"it nests more than {MAX_DEPTH} levels deep")
        if len(text) > MAX_UNPARSEABLE_CHARS or _bracket_depth(text) > MAX_DEPTH:
            return Measured("unparseable")  # a syntax error: the caller reports Python's message
        return Measured(None)
    except (RecursionError, MemoryError, ValueError):
        return Measured(f"it nests more than {MAX_DEPTH} levels deep")
    nodes, deepest = tree_size(tree)
    return Measured(too_big(nodes, deepest), tree, nodes)


def python_tree(text: str) -> ast.Module:
    """Python's syntax tree of a text; raises what `ast.parse` raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "invalid escape sequence" and friends
        return ast.parse(text)


def too_big(nodes: int, deepest: int) -> str | None:
    """Why a tree of `nodes` nodes whose deepest level is `deepest` is not parsed (`tree_size`)."""
    if deepest > MAX_DEPTH:
        return f"it nests more than {MAX_DEPTH} levels deep"
    if nodes > MAX_NODES:
        return f"it has more than {MAX_NODES:,} syntax nodes"
    return None


def tree_size(tree: ast.AST) -> tuple[int, int]:
    """A syntax tree's node count and deepest level (the root's is 0), walked level by level (it
    may be very deep); the walk stops at the first level past MAX_DEPTH or MAX_NODES."""
    level: list[ast.AST] = [tree]
    nodes = depth = 0
    while level:
        nodes += len(level)
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            break
        below: list[ast.AST] = []
        for node in level:  # ast.iter_child_nodes, inlined: this runs once per node of every statement
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    below.extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    below.append(value)
        level, depth = below, depth + 1
    return nodes, depth if level else depth - 1


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
