"""What `shapelint check` found in one file: the input of every formatter."""

from __future__ import annotations

from dataclasses import dataclass

from shapelint.diagnostics import Diagnostic


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: tuple[Diagnostic, ...]
    error: str | None = None  # the file could not be read or analysed
    notebook: bool = False
