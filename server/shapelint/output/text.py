"""Human-readable output, one line per finding: `path:row:col: SL101 [*] message`, then a summary
that counts the problems (errors and warnings, which fail the check) apart from the notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from shapelint.diagnostics import Severity
from shapelint.output.results import FileResult


def location(result: FileResult, row: int, column: int, cell: int | None) -> str:
    if result.notebook and cell is not None:
        return f"{result.path}:cell {cell + 1}:{row}:{column}"
    return f"{result.path}:{row}:{column}"


def format_results(results: Sequence[FileResult]) -> str:
    lines: list[str] = []
    fixable = unsafe = 0
    counts: Counter[str] = Counter()
    for result in results:
        if result.error is not None:
            lines.append(f"{result.path}: error: {result.error}")
            continue
        for d in result.diagnostics:
            # [*]: `--fix` applies it; fixes that change more than shapes need --unsafe-fixes.
            safe = d.applicable_fix() is not None
            marker = " [*]" if safe else ""
            fixable += safe
            unsafe += not safe and d.fix is not None
            counts[d.severity.value] += 1
            where = location(result, d.range.start.line + 1, d.range.start.column + 1, d.cell)
            lines.append(f"{where}: {d.code}{marker} {d.message}")
    # Errors and warnings fail the check; information and hints (SL201, SL003) are notes that do not.
    problems = counts[Severity.ERROR.value] + counts[Severity.WARNING.value]
    notes = counts[Severity.INFORMATION.value] + counts[Severity.HINT.value]
    noted = f"{notes} {'note' if notes == 1 else 'notes'}"
    if problems:
        summary = f"Found {problems} {'problem' if problems == 1 else 'problems'}" + (f" and {noted}" if notes else "")
        if fixable:
            summary += f" ({fixable} fixable with --fix)"
        if unsafe:
            summary += f" ({unsafe} more with --fix --unsafe-fixes)"
        lines.append(summary + ".")
    elif not any(r.error for r in results):
        fixes = f"; {fixable} fixable with --fix" if fixable else ""
        lines.append(
            f"All checks passed! ({noted} above: notes do not fail the check{fixes}.)"
            if notes
            else "All checks passed!"
        )
    return "\n".join(lines)
