"""The JSON contract: one array of findings (1-based rows and columns), see DESIGN.md."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shapelint.diagnostics import Diagnostic, Position
from shapelint.output.results import FileResult


def _location(position: Position) -> dict[str, int]:
    return {"row": position.line + 1, "column": position.column + 1}


def diagnostic_json(path: str, d: Diagnostic, notebook: bool = False) -> dict[str, Any]:
    fix = d.fix
    item: dict[str, Any] = {
        "filename": path,
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "location": _location(d.range.start),
        "end_location": _location(d.range.end),
        "fix": None
        if fix is None
        else {
            "message": fix.message,
            "applicability": "safe" if fix.safe else "unsafe",
            "edits": [
                {
                    "content": e.content,
                    "location": _location(e.range.start),
                    "end_location": _location(e.range.end),
                }
                for e in fix.edits
            ],
        },
        "confirmed": d.confirmed,
        "url": d.url,
    }
    if notebook and d.cell is not None:
        item["cell"] = d.cell + 1
    return item


def format_results(results: Sequence[FileResult]) -> str:
    items = [diagnostic_json(r.path, d, r.notebook) for r in results for d in r.diagnostics]
    return json.dumps(items, indent=2)
