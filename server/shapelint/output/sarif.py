"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shapelint import __version__
from shapelint.diagnostics import rule_url
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


def format_results(results: Sequence[FileResult]) -> str:
    sarif_results = []
    for result in results:
        for d in result.diagnostics:
            region = {
                "startLine": d.range.start.line + 1,
                "startColumn": d.range.start.column + 1,
                "endLine": d.range.end.line + 1,
                "endColumn": d.range.end.column + 1,
            }
            entry: dict[str, Any] = {
                "ruleId": d.code,
                "level": _LEVEL[d.severity.value],
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": result.path.replace("\\", "/")},
                            "region": region,
                        }
                    }
                ],
            }
            if d.fix is not None:
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
