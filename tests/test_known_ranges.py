"""Ranges carried across keystrokes are moved only when asked for (known_ranges.py): the lines of
an earlier text, moved by splices one after the other, land where moving them at each splice
would put them."""

from __future__ import annotations

import random

import pytest
from libcst.metadata import CodeRange
from shapelint.known_ranges import LineMoves


def _splices(pick: random.Random, lines: int, count: int) -> list[tuple[int, int, int]]:
    """Random splices of a text of `lines` lines: a statement's first and last line replaced, the
    lines below it moved (a line broken, joined or neither)."""
    found = []
    for _ in range(count):
        first = pick.randint(1, lines)
        last = min(lines, first + pick.choice((0, 0, 1, 3)))
        shift = pick.choice((0, 0, 1, -1, 2)) if last > first else pick.choice((0, 0, 1))
        found.append((first, last, shift))
        lines = max(1, lines + shift)
    return found


def _moved_one_at_a_time(found: CodeRange, splices: list[tuple[int, int, int]]) -> CodeRange | None:
    """What moving the range at each splice gives: kept above the replaced lines, moved below them,
    dropped when it touches them."""
    for first, last, shift in splices:
        if found.end.line < first:
            continue
        if found.start.line > last:
            start, end = found.start, found.end
            found = CodeRange((start.line + shift, start.column), (end.line + shift, end.column))
            continue
        return None
    return found


@pytest.mark.parametrize("seed", range(40))
def test_moves_composed_give_what_moving_at_each_splice_gives(seed: int) -> None:
    pick = random.Random(seed)
    splices = _splices(pick, 60, pick.randint(1, 30))
    moves = LineMoves()
    for first, last, shift in splices:
        moves = moves.then(first, last, shift)
    kept = 0
    for start in range(1, 61):
        for length in (0, 0, 1, 4, 20):
            found = CodeRange((start, 4), (start + length, 9))
            expected = _moved_one_at_a_time(found, splices)
            assert moves.moved(found) == expected, (found, splices)
            kept += expected is not None
    assert kept > 0
    assert len(moves.starts) == len(moves.shifts) and list(moves.starts) == sorted(set(moves.starts))
    # Neighbouring pieces differ (they are merged otherwise), so the pieces stay few.
    assert all(a != b for a, b in zip(moves.shifts, moves.shifts[1:]))


def test_a_range_reaching_across_a_replaced_statement_is_dropped() -> None:
    moves = LineMoves().then(5, 6, 2)
    assert moves.moved(CodeRange((1, 0), (4, 3))) == CodeRange((1, 0), (4, 3))  # above
    assert moves.moved(CodeRange((7, 0), (9, 3))) == CodeRange((9, 0), (11, 3))  # below, moved
    assert moves.moved(CodeRange((5, 4), (5, 9))) is None  # replaced
    assert moves.moved(CodeRange((1, 0), (9, 3))) is None  # the function holding it: its code changed
