"""Inline expectations, as rule examples and the fixture corpus write them.

    model.fit(x, y)  # error: SL103, SL105
    Dense(4, input_shape=(8,))  # info: SL201

`expected(text)` reads them; `actual(diagnostics)` puts diagnostics in the same form, so a
test compares two sets of (line, code, severity word).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from shapelint.diagnostics import Diagnostic, Severity

_MARKER = re.compile(r"#\s*(?P<kind>error|warning|info|hint):\s*(?P<codes>SL\d{3}(?:\s*,\s*SL\d{3})*)")
_WORD = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "info",
    Severity.HINT: "hint",
}

Expectation = tuple[int, str, str]  # 1-based line, code, severity word


def expected(text: str) -> set[Expectation]:
    found: set[Expectation] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _MARKER.finditer(line):
            for code in re.split(r"\s*,\s*", match.group("codes")):
                found.add((number, code, match.group("kind")))
    return found


def actual(diagnostics: Iterable[Diagnostic]) -> set[Expectation]:
    return {(d.range.start.line + 1, d.code, _WORD[d.severity]) for d in diagnostics}
