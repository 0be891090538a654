"""Formatters for `shapelint check`: text, json, sarif, github. Each turns results into one string."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from shapelint.output import github, json_format, sarif, text
from shapelint.output.results import FileResult

__all__ = ["FORMATS", "FileResult", "Formatter", "formatter"]


Formatter = Callable[[Sequence[FileResult]], str]


def formatter(name: str) -> Formatter:
    return {
        "text": text.format_results,
        "json": json_format.format_results,
        "sarif": sarif.format_results,
        "github": github.format_results,
    }[name]


FORMATS = ("text", "json", "sarif", "github")
