"""Adding a rule code to `ignore` in `[tool.shapelint]` of a pyproject.toml's text (the editor's quick fix).

Edits are minimal and textual, so comments and layout stay as the user wrote them; every result is
parsed again and refused unless it is valid TOML whose `tool.shapelint.ignore` holds the code.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*shapelint\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_IGNORE = re.compile(r"^\s*ignore\s*=\s*\[")
NEW_FILE_TEXT = '[tool.shapelint]\nignore = ["{code}"]\n'


@dataclass(frozen=True)
class Insertion:
    """Insert `content` at character `offset` of the file's text."""

    offset: int
    content: str


def ignore_rule_insertion(text: str | None, code: str) -> Insertion | None:
    """Where and what to insert so that `code` is ignored; None when it already is or the file is
    not one that can be edited safely (invalid TOML, an unusual spelling of the table)."""
    if text is None:
        return Insertion(0, NEW_FILE_TEXT.format(code=code))
    current = _ignored(text)
    if current is None or code in current:
        return None
    insertion = _insertion(text, code)
    if insertion is None:
        return None
    edited = text[: insertion.offset] + insertion.content + text[insertion.offset :]
    ignored = _ignored(edited)
    return insertion if ignored is not None and code in ignored else None


def _ignored(text: str) -> list[str] | None:
    """The codes `[tool.shapelint]` ignores ([] when none); None when the text is not valid TOML
    or the keys have unexpected types."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return None
    tool = data.get("tool", {})
    table = tool.get("shapelint", {}) if isinstance(tool, dict) else None
    ignore = table.get("ignore", []) if isinstance(table, dict) else None
    if not isinstance(ignore, list):
        return None
    return [str(item) for item in ignore]


def _line_ending(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _insertion(text: str, code: str) -> Insertion | None:
    ending = _line_ending(text)
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    header = next((i for i, line in enumerate(lines) if _HEADER.match(line)), None)
    if header is None:
        # No table yet: add it at the end of the file.
        separator = "" if not text or text.endswith(("\n", "\r")) else ending
        return Insertion(len(text), f'{separator}{ending}[tool.shapelint]{ending}ignore = ["{code}"]{ending}')
    end = next((i for i in range(header + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
    for index in range(header + 1, end):
        if _IGNORE.match(lines[index]):
            opening = offsets[index] + lines[index].index("[")
            closing = _closing_bracket(text, opening)
            if closing is None:
                return None
            inside = text[opening + 1 : closing]
            last = _last_value_end(inside)
            if last == 0:
                return Insertion(opening + 1, f'"{code}"')
            # After the last item, before trailing space and comments; a trailing comma stays trailing.
            if inside[last - 1] == ",":
                return Insertion(opening + 1 + last, f' "{code}",')
            return Insertion(opening + 1 + last, f', "{code}"')
    # A table without `ignore`: the key goes right below its header.
    header_end = offsets[header + 1]
    prefix = "" if lines[header].endswith(("\n", "\r")) else ending
    return Insertion(header_end, f'{prefix}ignore = ["{code}"]{ending}')


def _closing_bracket(text: str, opening: int) -> int | None:
    """The offset of the `]` that closes the array opened at `opening`, skipping strings and comments."""
    depth = 0
    index = opening
    while index < len(text):
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char in "\"'":
            quote = text[index : index + 3] if text[index : index + 3] in ('"""', "'''") else char
            index = text.find(quote, index + len(quote)) if char == "'" else _string_end(text, index, quote)
            if index < 0:
                return None
            index += len(quote)
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return None


def _string_end(text: str, start: int, quote: str) -> int:
    index = start + len(quote)
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text.startswith(quote, index):
            return index
        index += 1
    return -1


def _last_value_end(inside: str) -> int:
    """Offset just past the last non-space, non-comment character of an array's inside."""
    end = 0
    index = 0
    while index < len(inside):
        char = inside[index]
        if char == "#":
            newline = inside.find("\n", index)
            index = len(inside) if newline < 0 else newline
            continue
        if char in "\"'":
            closing = _string_end(inside, index, '"') if char == '"' else inside.find("'", index + 1)
            index = len(inside) if closing < 0 else closing + 1
            end = index
            continue
        if not char.isspace():
            end = index + 1
        index += 1
    return end
