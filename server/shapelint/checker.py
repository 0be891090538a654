"""Checking files on disk: discovery, reading (.py and .ipynb), fixing in place. Used by the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from shapelint.config import Config, ConfigError, config_for
from shapelint.diagnostics import Diagnostic
from shapelint.engine import Analysis, analyze, analyze_notebook
from shapelint.fixes import apply_edits, fix_edits
from shapelint.notebook import NotebookError, read_notebook
from shapelint.output import FileResult

SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        "env",
        "__pycache__",
        "node_modules",
        "build",
        "dist",
        ".tox",
        ".nox",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".ipynb_checkpoints",
    }
)
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def discover(paths: Sequence[str]) -> Iterator[Path]:
    """Files named directly, and .py/.ipynb files below named folders (skipping virtualenvs, caches)."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for root, folders, files in os.walk(path):
                folders[:] = sorted(
                    f for f in folders if f not in SKIPPED_FOLDERS and not f.endswith(".egg-info")
                )
                for file in sorted(files):
                    if file.endswith(SOURCE_SUFFIXES):
                        yield Path(root) / file
        else:
            yield path


def project_root(path: Path) -> str:
    """The folder a checked file's data paths may reach: the current directory when the file is
    below it (the project being checked), otherwise the file's own folder."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    return str(cwd) if cwd in resolved.parents else str(resolved.parent)


@dataclass
class CheckedFile:
    result: FileResult
    fixed: int = 0


def check_text(text: str, config: Config, notebook: bool = False) -> Analysis:
    if notebook:
        return analyze_notebook(read_notebook(text).code_cells, config)
    return analyze(text, config)


def check_file(
    path: Path,
    base: Config,
    overrides: dict[str, object],
    fix: bool = False,
    confirm_client: object | None = None,
) -> CheckedFile:
    """Check one file (fix it in place, or confirm findings with TensorFlow, when asked); never raises."""
    display = str(path)
    try:
        config = config_for(path.resolve(), base).merged(overrides)
    except ConfigError as error:
        return CheckedFile(FileResult(display, (), f"configuration: {error}"))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return CheckedFile(FileResult(display, (), f"cannot read: {error}"))
    is_notebook = path.suffix == ".ipynb"
    try:
        if is_notebook:
            notebook = read_notebook(text)
            cells = notebook.code_cells
        if confirm_client is not None:
            from shapelint.confirmation import confirm_document

            _, confirmed = confirm_document(
                cells if is_notebook else text, config, confirm_client, is_notebook
            )
            return CheckedFile(FileResult(display, confirmed, notebook=is_notebook))
        where, root = str(path.resolve()), project_root(path)
        analysis = (
            analyze_notebook(cells, config, path=where, root=root)
            if is_notebook
            else analyze(text, config, path=where, root=root)
        )
    except NotebookError as error:
        return CheckedFile(FileResult(display, (), str(error), notebook=True))
    diagnostics = analysis.diagnostics
    fixed = 0
    if fix:
        if is_notebook:
            new_cells = []
            for index, cell in enumerate(cells):
                edits = fix_edits(d for d in diagnostics if d.cell == index)
                fixed += _count_fixed(diagnostics, edits, index)
                new_cells.append(apply_edits(cell, edits) if edits else cell)
            if fixed:
                path.write_text(notebook.with_code_cells(new_cells), encoding="utf-8")
                diagnostics = analyze_notebook(new_cells, config, path=where, root=root).diagnostics
        else:
            edits = fix_edits(diagnostics)
            if edits:
                new_text = apply_edits(text, edits)
                fixed = _count_fixed(diagnostics, edits, None)
                path.write_text(new_text, encoding="utf-8")
                diagnostics = analyze(new_text, config, path=where, root=root).diagnostics
    return CheckedFile(FileResult(display, diagnostics, notebook=is_notebook), fixed)


def _count_fixed(diagnostics: Sequence[Diagnostic], edits: Sequence[object], cell: int | None) -> int:
    return sum(1 for d in diagnostics if d.cell == cell and d.fix is not None and all(e in edits for e in d.fix.edits))
