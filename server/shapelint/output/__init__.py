"""Formatters for `shapelint check`: text, json, sarif, github. Each turns results into one string."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shapelint.diagnostics import Diagnostic


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: tuple[Diagnostic, ...]
    error: str | None = None  # the file could not be read or analysed
    notebook: bool = False


Formatter = Callable[[Sequence[FileResult]], str]


def formatter(name: str) -> Formatter:
    from shapelint.output import github, json_format, sarif, text

    return {
        "text": text.format_results,
        "json": json_format.format_results,
        "sarif": sarif.format_results,
        "github": github.format_results,
    }[name]


FORMATS = ("text", "json", "sarif", "github")
