"""A baseline of known findings, so a project can adopt shapelint and see only new ones.

A finding is matched by its file, its rule code and a fingerprint of its line's text and its
message; line numbers are left out (of the key and of the message) so findings survive code
moving above them. Identical findings on identical lines are counted, not merged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shapelint.diagnostics import Diagnostic
from shapelint.output.results import FileResult

FORMAT_VERSION = 1
MAX_BASELINE_BYTES = 50_000_000
_LINE_REFERENCE = re.compile(r"\b(line|cell) \d+")


class BaselineError(ValueError):
    """A baseline file that cannot be read; the message says why."""


@dataclass(frozen=True)
class Entry:
    file: str
    code: str
    fingerprint: str


def fingerprint(diagnostic: Diagnostic, line_text: str) -> str:
    """Stable across line moves: the code, the line's text (stripped) and the message without line numbers."""
    message = _LINE_REFERENCE.sub(r"\1 ?", diagnostic.message)
    digest = hashlib.sha256(f"{diagnostic.code}\0{line_text.strip()}\0{message}".encode()).hexdigest()
    return digest[:20]


def file_key(path: str, base: Path) -> str:
    """A checked file's name in the baseline: relative to the baseline's folder, with forward slashes."""
    try:
        relative = os.path.relpath(Path(path).absolute(), base.absolute())
    except ValueError:  # another drive on Windows
        relative = str(Path(path).absolute())
    return relative.replace(os.sep, "/")


def entries(result: FileResult, lines_of: Sequence[str] | None, cells: Sequence[str] | None, base: Path) -> list[Entry]:
    """The baseline entries of one file's findings; `lines_of` is the file's lines, `cells` a notebook's cells."""
    key = file_key(result.path, base)
    found = []
    for diagnostic in result.diagnostics:
        found.append(Entry(key, diagnostic.code, fingerprint(diagnostic, _line(diagnostic, lines_of, cells))))
    return found


def _line(diagnostic: Diagnostic, lines: Sequence[str] | None, cells: Sequence[str] | None) -> str:
    if diagnostic.cell is not None and cells is not None:
        if not 0 <= diagnostic.cell < len(cells):
            return ""
        lines = cells[diagnostic.cell].splitlines()
    if lines is None or not 0 <= diagnostic.range.start.line < len(lines):
        return ""
    return lines[diagnostic.range.start.line]


def write(path: Path, all_entries: Iterable[Entry]) -> int:
    """Write the baseline file; returns how many findings it holds."""
    items = sorted(all_entries, key=lambda e: (e.file, e.code, e.fingerprint))
    document = {
        "version": FORMAT_VERSION,
        "findings": [{"file": e.file, "code": e.code, "fingerprint": e.fingerprint} for e in items],
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return len(items)


def read(path: Path) -> Counter[Entry]:
    """The findings a baseline file holds, counted; raises BaselineError when it is not one."""
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_BASELINE_BYTES + 1)
    except OSError as error:
        raise BaselineError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(content) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{path}: larger than {MAX_BASELINE_BYTES // 1_000_000} MB")
    try:
        document = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BaselineError(f"{path}: not a shapelint baseline ({error})") from None
    findings = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(findings, list) or document.get("version") != FORMAT_VERSION:
        raise BaselineError(f"{path}: not a shapelint baseline (version {FORMAT_VERSION} with a findings list)")
    counted: Counter[Entry] = Counter()
    for item in findings:
        if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("file", "code", "fingerprint")):
            counted[Entry(item["file"], item["code"], item["fingerprint"])] += 1
    return counted


def new_findings(result: FileResult, known: Counter[Entry], file_entries: Sequence[Entry]) -> FileResult:
    """The result without the findings the baseline knows (each baseline entry hides one finding)."""
    kept = []
    for diagnostic, entry in zip(result.diagnostics, file_entries):
        if known[entry] > 0:
            known[entry] -= 1
            continue
        kept.append(diagnostic)
    return replace(result, diagnostics=tuple(kept))
