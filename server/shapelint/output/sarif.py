"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shapelint import __version__
from shapelint.diagnostics import Diagnostic, rule_url
from shapelint.output.results import FileResult

_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def _rules() -> list[dict[str, Any]]:
    from shapelint.rules import all_rules

    return [
        {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.what_it_does.strip()},
            "helpUri": rule_url(rule.code),
            "help": {"text": rule.why_is_this_bad.strip(), "markdown": rule.docs()},
            "defaultConfiguration": {"level": _LEVEL[rule.severity.value]},
        }
        for rule in all_rules()
    ]


def _cell_place(d: Diagnostic) -> str:
    assert d.cell is not None
    return f"cell {d.cell + 1}, line {d.range.start.line + 1}"


def format_results(results: Sequence[FileResult]) -> str:
    sarif_results = []
    for result in results:
        for d in result.diagnostics:
            span = result.range_in_file(d)
            region = {
                "startLine": span.start.line + 1,
                "startColumn": span.start.column + 1,
                "endLine": span.end.line + 1,
                "endColumn": span.end.column + 1,
            }
            in_cell = result.notebook and d.cell is not None
            entry: dict[str, Any] = {
                "ruleId": d.code,
                "level": _LEVEL[d.severity.value],
                "message": {"text": f"{d.message} ({_cell_place(d)})" if in_cell else d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": result.path.replace("\\", "/")},
                            "region": region,
                        }
                    }
                ],
            }
            if in_cell:
                # The place in the notebook as its user sees it; the region above is in the JSON text.
                entry["properties"] = {"cell": d.cell + 1, "cellLine": d.range.start.line + 1}  # type: ignore[operator]
            # A notebook fix edits a cell's text, not the JSON: SARIF replacements would corrupt the file.
            if d.fix is not None and not in_cell:
                entry["fixes"] = [
                    {
                        "description": {"text": d.fix.message},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": result.path.replace("\\", "/")},
                                "replacements": [
                                    {
                                        "deletedRegion": {
                                            "startLine": e.range.start.line + 1,
                                            "startColumn": e.range.start.column + 1,
                                            "endLine": e.range.end.line + 1,
                                            "endColumn": e.range.end.column + 1,
                                        },
                                        "insertedContent": {"text": e.content},
                                    }
                                    for e in d.fix.edits
                                ],
                            }
                        ],
                    }
                ]
            sarif_results.append(entry)
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "shapelint",
                        "version": __version__,
                        "informationUri": "https://github.com/shapelint/shapelint",
                        "rules": _rules(),
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(document, indent=2)
