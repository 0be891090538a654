"""Human-readable output, one line per finding: `path:row:col: SL101 [*] message`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

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
    total = sum(counts.values())
    if total:
        noun = "problem" if total == 1 else "problems"
        summary = f"Found {total} {noun}"
        if fixable:
            summary += f" ({fixable} fixable with --fix)"
        if unsafe:
            summary += f" ({unsafe} more with --fix --unsafe-fixes)"
        lines.append(summary + ".")
    elif not any(r.error for r in results):
        lines.append("All checks passed!")
    return "\n".join(lines)
