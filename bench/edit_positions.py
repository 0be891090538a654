"""Where a benchmark keystroke goes: near the top, the middle or the end of a file.

Every latency benchmark types a digit in front of an integer literal of the code (`64` ->
`164` -> `1164`), so each version is new text and changes a value the analysis computes.
`keystroke(source, where)` finds that literal from the first line down (top), from the
middle line outwards (middle) or from the last line up (end). Literals in strings and
comments do not count (the tokenizer says what is code); neither do loop headers nor
constant assignments such as `epochs = 10` (a growing literal there would make a loop run
longer at every keystroke, and time the edit rather than the engine). A file without such a
literal gets a comment keystroke.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterator

from corpus import Edit

POSITIONS = ("top", "middle", "end")
_INTEGER = re.compile(r"(?<![\w.])[1-9]\d*(?![\w.])")
_LOOP = re.compile(r"^\s*(async\s+)?(for|while)\b|\brange\(")
_CONSTANT = re.compile(r"^\s*[A-Za-z_][\w.]*\s*(:[^=]*)?=\s*[1-9]\d*\s*(#.*)?$")


def _line_order(count: int, where: str) -> Iterator[int]:
    if where == "top":
        yield from range(count)
    elif where == "end":
        yield from range(count - 1, -1, -1)
    elif where == "middle":
        middle = count // 2
        yield middle
        for distance in range(1, count):
            yield from (number for number in (middle + distance, middle - distance) if 0 <= number < count)
    else:
        raise ValueError(f"unknown edit position {where!r} (one of {', '.join(POSITIONS)})")


def _integer_literals(source: str) -> dict[int, list[int]]:
    """Line -> columns of the decimal integer literals of the code (strings and comments left out)."""
    found: dict[int, list[int]] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NUMBER and _INTEGER.fullmatch(token.string):
                found.setdefault(token.start[0] - 1, []).append(token.start[1])
    except (tokenize.TokenError, IndentationError, SyntaxError):
        for number, line in enumerate(source.splitlines()):
            code = line.split("#", 1)[0]
            if '"' not in code and "'" not in code:
                found[number] = [match.start() for match in _INTEGER.finditer(code)]
    return found


def keystroke(source: str, where: str) -> Edit:
    """The keystroke a benchmark types at `where` ("top", "middle" or "end") of `source`."""
    lines = source.splitlines(keepends=True)
    literals = _integer_literals(source)
    for number in _line_order(len(lines), where):
        columns = literals.get(number)
        if columns and not _LOOP.search(lines[number]) and not _CONSTANT.match(lines[number]):
            return Edit(number, columns[0], "1")
    line = {"top": 0, "middle": len(lines) // 2, "end": max(len(lines) - 1, 0)}[where]
    return Edit(line, 0, "#")
