"""`# noqa` comments: bare `# noqa` silences every rule on the line, `# noqa: SL101, SL103` those codes."""

from __future__ import annotations

import re

from shapelint.diagnostics import Range, TextEdit

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE)


def suppressed_codes(line_text: str) -> frozenset[str] | None:
    """None: no noqa; empty set: bare noqa (everything); else the listed codes."""
    match = _NOQA.search(line_text)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(code.upper() for code in re.split(r"[\s,]+", codes) if code)


def is_suppressed(line_text: str, code: str) -> bool:
    codes = suppressed_codes(line_text)
    return codes is not None and (not codes or code.upper() in codes)


def noqa_edit(line_text: str, line: int, code: str) -> TextEdit:
    """The edit that adds `code` to the line's noqa comment (or adds `  # noqa: CODE`)."""
    stripped = line_text.rstrip("\r\n")
    match = _NOQA.search(stripped)
    if match is None:
        end = len(stripped.rstrip())
        return TextEdit(Range.of(line, end, line, len(stripped)), f"  # noqa: {code}")
    codes = suppressed_codes(stripped) or frozenset()
    if not codes:
        # A bare noqa already silences everything; nothing to add, keep the text as it is.
        return TextEdit(Range.of(line, match.start(), line, match.end()), match.group(0))
    listed = ", ".join(sorted(codes | {code.upper()}))
    return TextEdit(Range.of(line, match.start(), line, match.end()), f"# noqa: {listed}")
