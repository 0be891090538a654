"""What `shapelint check` found in one file: the input of every formatter."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapelint.diagnostics import Diagnostic, Range


@dataclass(frozen=True)
class FileResult:
    path: str
    diagnostics: tuple[Diagnostic, ...]
    error: str | None = None  # the file could not be read or analysed
    notebook: bool = False
    # Notebook findings: where each one lies in the .ipynb file as stored (its JSON text), for
    # formats that point at the file itself (SARIF, GitHub annotations). Cell-relative otherwise.
    file_ranges: dict[Diagnostic, Range] = field(default_factory=dict, compare=False, hash=False)

    def range_in_file(self, diagnostic: Diagnostic) -> Range:
        """The finding's range in the file as stored: inside the JSON for a notebook cell."""
        return self.file_ranges.get(diagnostic, diagnostic.range)
