"""Checking files on disk: discovery, reading (.py and .ipynb), fixing in place. Used by the CLI."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from shapelint import read_log
from shapelint.config import Config, ConfigError, config_for
from shapelint.diagnostics import Diagnostic
from shapelint.output import FileResult
from shapelint.read_log import discovered

if TYPE_CHECKING:  # the engine is imported on first analysis: a run served from the cache never loads it
    from shapelint.engine import Analysis

MAX_FILE_BYTES = 8_000_000  # larger sources are generated data, not code to check


class UnreadableFile(OSError):
    """A path that is not a regular file shapelint can read within its limits; the message says why."""


_BOM = b"\xef\xbb\xbf"


def read_source(path: Path) -> tuple[str, bytes]:
    """A source file's text exactly as stored (line endings untouched) and its byte-order mark, if any.

    Read safely: only regular files, at most MAX_FILE_BYTES.

    A FIFO would block a plain open() forever and /dev/zero never ends, so the file type
    is checked before opening, the file is opened non-blocking and checked again, and the
    read is bounded. Symlink loops fail here with a clear message.
    """
    try:
        status = os.stat(path)
    except OSError as error:
        raise UnreadableFile(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise UnreadableFile("not a regular file (a device, FIFO, socket or folder); not checked")
    if status.st_size > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // 1_000_000} MB ({status.st_size:,} bytes); not checked")
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # swapped since the stat above
            raise UnreadableFile("not a regular file; not checked")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(f"larger than {MAX_FILE_BYTES // 1_000_000} MB; not checked")
    bom = _BOM if content.startswith(_BOM) else b""
    try:
        return content[len(bom) :].decode("utf-8"), bom
    except UnicodeDecodeError as error:
        raise UnreadableFile(f"cannot read: not UTF-8 text ({error.reason} at byte {error.start})") from None


def discover(paths: Sequence[str]) -> Iterator[Path]:
    """Files named directly, and .py/.ipynb files below named folders (skipping virtualenvs, caches).

    While `read_log` records, each named path and each folder walked are noted (`check_replay`)."""
    recording = read_log.active()
    for name in paths:
        path = Path(name)
        if recording:
            where = os.path.abspath(name)
            read_log.note("locate", where, 0, read_log.located(where))
        if path.is_dir():
            for root, folders, files in os.walk(path, onerror=_unlisted if recording else None):
                folders[:] = sorted(f for f in folders if discovered(f, True))
                files = sorted(f for f in files if discovered(f, False))
                if recording:
                    listed = sorted([(f, True) for f in folders] + [(f, False) for f in files])
                    read_log.note("walk", os.path.abspath(root), 0, read_log.listing_digest(listed))
                for file in files:
                    yield Path(root) / file
        else:
            yield path


def _unlisted(error: OSError) -> None:
    """A folder the walk could not list: noted, so that it becoming readable is seen."""
    if error.filename is not None:
        folder = os.path.abspath(error.filename)
        read_log.note("walk", folder, 0, read_log.walk_digest(folder))


def project_root(path: Path) -> str:
    """The folder a checked file's data paths may reach: the current directory when the file is
    below it (the project being checked), otherwise the file's own folder."""
    resolved = os.path.realpath(path)
    cwd = _real_folder(os.getcwd())
    below = os.path.normcase(resolved).startswith(os.path.normcase(cwd.rstrip(os.sep) + os.sep))
    return cwd if below else os.path.dirname(resolved)


@lru_cache(maxsize=4)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


@dataclass
class CheckedFile:
    result: FileResult
    fixed: int = 0
    config_error: str | None = None  # a broken pyproject.toml: the file was checked with the defaults
    # Why fixes were not written (e.g. a symlink leading outside the checked paths), if so.
    not_written: str | None = None


def check_text(text: str, config: Config, notebook: bool = False) -> Analysis:
    from shapelint.engine import analyze, analyze_notebook
    from shapelint.notebook import read_notebook

    if notebook:
        return analyze_notebook(read_notebook(text).code_cells, config, once=True)
    return analyze(text, config, once=True)


def analyze_path(path: Path, base: Config) -> tuple[Analysis | None, str | None]:
    """Analyse one file where it lies (its data files readable as `check` reads them): the analysis,
    or None and why the file could not be analysed. Never raises for a bad file."""
    from shapelint.engine import analyze, analyze_notebook
    from shapelint.notebook import NotebookError, read_notebook

    try:
        config = config_for(path.absolute(), base)
        text, _ = read_source(path)
        where, root = str(path.resolve()), project_root(path)
        if path.suffix == ".ipynb":
            return analyze_notebook(read_notebook(text).code_cells, config, path=where, root=root, once=True), None
        return analyze(text, config, path=where, root=root, once=True), None
    except ConfigError as error:
        return None, f"configuration: {error}"
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read: {error}"
    except NotebookError as error:
        return None, str(error)


def check_file(
    path: Path,
    base: Config,
    overrides: dict[str, object],
    fix: bool = False,
    confirm_client: object | None = None,
    *,
    confirm_budget: object | None = None,
    fix_roots: Sequence[Path] | None = None,
    unsafe_fixes: bool = False,
    config: Config | None = None,
) -> CheckedFile:
    """Check one file (fix it in place, or confirm findings with TensorFlow, when asked); never raises.

    Fixes keep the file's bytes (line endings, byte-order mark) apart from the edits, and are
    written only when the file, symlinks resolved, lies inside one of `fix_roots` (default: itself).
    Only safe fixes are applied unless `unsafe_fixes`. `config`: the file's configuration (its
    pyproject's settings and `overrides` merged) when the caller has it already, else read here.
    """
    display = str(path)
    try:
        text, bom = read_source(path)
    except OSError as error:
        message = str(error) if isinstance(error, UnreadableFile) else f"cannot read: {error.strerror or error}"
        return CheckedFile(FileResult(display, (), message))
    config_error = None
    try:
        config = config if config is not None else config_for(path.absolute(), base).merged(overrides)
    except ConfigError as error:
        # A broken pyproject.toml is reported once by the caller; the file is checked with the defaults.
        config_error = str(error)
        config = base.merged(overrides)
    try:
        checked = _check_text(
            path,
            text,
            bom,
            config,
            fix,
            confirm_client,
            confirm_budget,
            fix_roots if fix_roots is not None else [path],
            unsafe_fixes,
        )
    except Exception as error:  # an engine failure on one file must not stop the run
        return CheckedFile(FileResult(display, (), f"internal error: {type(error).__name__}: {error}"))
    checked.config_error = config_error
    return checked


def _check_text(
    path: Path,
    text: str,
    bom: bytes,
    config: Config,
    fix: bool,
    confirm_client: object | None,
    confirm_budget: object | None,
    fix_roots: Sequence[Path],
    unsafe_fixes: bool = False,
) -> CheckedFile:
    from shapelint.engine import analyze, analyze_notebook
    from shapelint.fixes import apply_edits, fix_edits
    from shapelint.notebook import NotebookError, read_notebook

    display = str(path)
    is_notebook = path.suffix == ".ipynb"
    try:
        if is_notebook:
            notebook = read_notebook(text)
            cells = notebook.code_cells
        where, root = str(path.resolve()), project_root(path)
        if confirm_client is not None:
            from shapelint.confirm.pipeline import SourceDocument, confirm

            document = SourceDocument(tuple(cells) if is_notebook else (text,), config, is_notebook, where, root)
            confirmed = confirm(document, confirm_client, budget=confirm_budget).diagnostics  # type: ignore[arg-type]
            if is_notebook:
                return CheckedFile(notebook_result(display, confirmed, text))
            return CheckedFile(FileResult(display, confirmed))
        analysis = (
            analyze_notebook(cells, config, path=where, root=root, once=True)
            if is_notebook
            else analyze(text, config, path=where, root=root, once=True)
        )
    except NotebookError as error:
        return CheckedFile(FileResult(display, (), str(error), notebook=True))
    diagnostics = analysis.diagnostics
    fixed = 0
    stored = text  # the file's text after any fixes
    from shapelint.workspace import is_inside

    if fix and not any(is_inside(path.resolve(), root.resolve()) for root in fix_roots):
        fix = False
        if any(d.applicable_fix(unsafe_fixes) is not None for d in diagnostics):
            return CheckedFile(
                notebook_result(display, diagnostics, text) if is_notebook else FileResult(display, diagnostics),
                not_written=f"not fixed: it leads to {path.resolve()}, outside the checked paths",
            )
    if fix:
        if is_notebook:
            new_cells = []
            for index, cell in enumerate(cells):
                edits = fix_edits((d for d in diagnostics if d.cell == index), unsafe_fixes)
                fixed += _count_fixed(diagnostics, edits, index, unsafe_fixes)
                new_cells.append(apply_edits(cell, edits) if edits else cell)
            if fixed:
                stored = notebook.with_code_cells(new_cells)
                _write(path, stored, bom)
                diagnostics = analyze_notebook(new_cells, config, path=where, root=root, once=True).diagnostics
        else:
            edits = fix_edits(diagnostics, unsafe_fixes)
            if edits:
                new_text = apply_edits(text, edits)
                fixed = _count_fixed(diagnostics, edits, None, unsafe_fixes)
                _write(path, new_text, bom)
                diagnostics = analyze(new_text, config, path=where, root=root, once=True).diagnostics
    result = notebook_result(display, diagnostics, stored) if is_notebook else FileResult(display, diagnostics)
    return CheckedFile(result, fixed)


def notebook_result(display: str, diagnostics: Sequence[Diagnostic], text: str) -> FileResult:
    """A notebook's result, each finding also placed in the notebook's JSON text (for SARIF and GitHub)."""
    from shapelint.notebook import NotebookPositions

    ranges = NotebookPositions(text).file_ranges(diagnostics) if diagnostics else {}
    return FileResult(display, tuple(diagnostics), notebook=True, file_ranges=ranges)


def _write(path: Path, text: str, bom: bytes) -> None:
    """Write fixed text back as bytes: no newline translation, the byte-order mark kept."""
    path.write_bytes(bom + text.encode("utf-8"))


def _count_fixed(diagnostics: Sequence[Diagnostic], edits: Sequence[object], cell: int | None, unsafe: bool) -> int:
    return sum(
        1
        for d in diagnostics
        if d.cell == cell and (fix := d.applicable_fix(unsafe)) is not None and all(e in edits for e in fix.edits)
    )
