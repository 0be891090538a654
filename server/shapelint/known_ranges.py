"""The node ranges of one parsed statement known so far, carried across keystrokes without copying.

A finding's range is read from libcst's code generation, which costs as much as the statement is
long; so ranges are kept once known. When a keystroke replaces one simple statement inside a
long function (`statement_splice`), every other node of the new tree is a node of the old one,
at the same place or some lines lower. Moving every known range at each keystroke costs as much
as there are ranges (thousands after one generation), so the new tree's ranges instead keep the
old ones as they are (`earlier`) with the lines they moved by (`LineMoves`), and translate a
range only when it is asked for.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import CodeRange

from shapelint.code_ranges import code_ranges

# Ranges found in a tree since its last splice are moved at the next splice when they are this
# few; more (a code generation ran) and they become the ranges kept as they are.
_MOVED_AT_ONCE = 256
# Past this many pieces of moved lines (about half as many keystrokes that added or removed a
# line), the next splice moves every range once and starts over.
_MAX_PIECES = 64


@dataclass(frozen=True)
class LineMoves:
    """Where the lines of an earlier text went: piece `i` covers earlier lines `starts[i]` up to
    the next start, moved by `shifts[i]` lines, or gone (None: a replaced statement's lines)."""

    starts: tuple[int, ...] = (0,)
    shifts: tuple[int | None, ...] = (0,)

    def then(self, first: int, last: int, shift: int) -> LineMoves:
        """These moves followed by a splice that replaced lines `first`..`last` (of the text after
        these moves) and moved the lines below them by `shift`."""
        starts: list[int] = []
        shifts: list[int | None] = []

        def add(start: int, end: int | None, moved: int | None) -> None:
            if end is not None and start >= end:
                return
            if shifts and shifts[-1] == moved:
                return  # continues the piece before
            starts.append(start)
            shifts.append(moved)

        for at, (start, moved) in enumerate(zip(self.starts, self.shifts)):
            end = self.starts[at + 1] if at + 1 < len(self.starts) else None
            if moved is None:
                add(start, end, None)
                continue
            # In earlier lines: before `first`, replaced, after `last`.
            replaced_from, kept_from = first - moved, last + 1 - moved
            add(start, replaced_from if end is None else min(end, replaced_from), moved)
            add(max(start, replaced_from), kept_from if end is None else min(end, kept_from), None)
            add(max(start, kept_from), end, moved + shift)
        return LineMoves(tuple(starts), tuple(shifts))

    def moved(self, found: CodeRange) -> CodeRange | None:
        """A range of the earlier text in the later one; None when its lines were replaced."""
        at = bisect_right(self.starts, found.start.line) - 1
        shift = self.shifts[at]
        if shift is None or (at + 1 < len(self.starts) and found.end.line >= self.starts[at + 1]):
            return None  # replaced, or reaching into lines that moved otherwise
        if not shift:
            return found
        start, end = found.start, found.end
        return CodeRange((start.line + shift, start.column), (end.line + shift, end.column))


@dataclass
class KnownRanges:
    """The node ranges of one parsed statement known so far: `found`, and those of `earlier` (the
    ranges of the tree it was spliced from, kept as they were) moved by `moves` when asked for."""

    module: cst.Module
    found: dict[cst.CSTNode, CodeRange] = field(default_factory=dict)
    generated: bool = False  # code generation ran (maybe only partly)
    complete: bool = False  # every node's range is in `found`
    # Every node's range is known (in `found`, or in `earlier` to be moved) but those of the nodes a
    # splice rebuilt around the statement it replaced (the enclosing statements, their blocks and
    # clauses, the module) and of the line ends next to it. Expressions (what hovers describe) all
    # have theirs.
    all_but_blocks: bool = False
    earlier: dict[cst.CSTNode, CodeRange] | None = None
    moves: LineMoves = LineMoves()

    def get(self, node: cst.CSTNode) -> CodeRange | None:
        found = self.found.get(node)
        if found is not None or self.earlier is None:
            return found
        before = self.earlier.get(node)
        if before is None:
            return None
        found = self.moves.moved(before)
        if found is not None:
            self.found[node] = found
        return found

    @property
    def expressions_known(self) -> bool:
        """Whether `get` finds the range of every node that is not a statement, block or clause."""
        return self.complete or self.all_but_blocks

    def generate(self, until: cst.CSTNode | None) -> None:
        # The tree is not copied: facts recorded on its nodes find their range by identity.
        found, self.complete = code_ranges(self.module, until)
        self.found.update(found)
        self.generated = True
        if self.complete:
            self.earlier = None
            self.all_but_blocks = False

    def spliced(
        self,
        module: cst.Module,
        first: int,
        last: int,
        shift: int,
        statement: Callable[[], dict[cst.CSTNode, CodeRange]] | None = None,
    ) -> KnownRanges | None:
        """The ranges of `module`, a tree made from this one by replacing the statement on lines
        `first`..`last` and moving the lines below it by `shift` (`statement_splice.Spliced`).
        `statement`: the ranges of the new statement's nodes, asked for when every expression's
        range was known here (they all are then in the new tree too: `all_but_blocks`)."""
        step = LineMoves().then(first, last, shift)
        kept: KnownRanges | None
        if self.earlier is None:  # the ranges found are kept as they are
            kept = KnownRanges(module, earlier=self.found, moves=step) if self.found else None
        else:
            moves = self.moves.then(first, last, shift)
            if len(self.found) > _MOVED_AT_ONCE or len(moves.starts) > _MAX_PIECES:
                # A generation ran since the last splice, or the moves grew long: every range is
                # moved once, and the next splice keeps them as they are.
                kept = KnownRanges(module, _moved(self._all(), step))
            else:
                kept = KnownRanges(module, _moved(self.found, step), earlier=self.earlier, moves=moves)
        if kept is not None and statement is not None and self.expressions_known:
            kept.found.update(statement())
            kept.all_but_blocks = True
        return kept

    def _all(self) -> dict[cst.CSTNode, CodeRange]:
        """Every range known, in this tree's lines."""
        found = _moved(self.earlier, self.moves) if self.earlier is not None else {}
        found.update(self.found)
        return found


def _moved(ranges: dict[cst.CSTNode, CodeRange], moves: LineMoves) -> dict[cst.CSTNode, CodeRange]:
    kept: dict[cst.CSTNode, CodeRange] = {}
    for node, found in ranges.items():
        moved = moves.moved(found)
        if moved is not None:
            kept[node] = moved
    return kept
