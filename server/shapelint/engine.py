"""The engine's front door: source text in, an Analysis out. Pure: no LSP, no argparse.

    analysis = analyze(text, config)
    analysis.diagnostics        # tuple[Diagnostic, ...], sorted by position
    analysis.hover_at(position) # Hover | None: the inferred shape under the cursor
    analysis.inlay_hints        # tuple[InlayHint, ...]: each layer call's output shape

Notebooks go through `analyze_notebook(cells)`: the code cells are one program, and every
position in the result is relative to its cell (`Diagnostic.cell`, `InlayHint.cell`).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import libcst as cst

from shapelint import incremental, ipython_syntax, presentation, source, statement_groups
from shapelint.collection import BatchCollection
from shapelint.config import Config
from shapelint.diagnostics import Diagnostic, Position, Range, Severity
from shapelint.expected_errors import expected_to_raise, inside
from shapelint.facts import ProgramFacts
from shapelint.incremental import GroupedAnalysis, analyze_groups
from shapelint.presentation import HoverKind
from shapelint.shapes import Shape
from shapelint.source import NodeRef, Program, parse_program
from shapelint.suppression import is_suppressed
from shapelint.syntax import imported_modules, simple_statement_lines
from shapelint.workspace import Workspace

SYNTAX_ERROR_CODE = "SL001"
# A hint that part of the file was not analysed (a statement too large or deep to parse,
# or the work limit of the analysis); never an error, and it can be ignored like a rule.
ANALYSIS_LIMIT_CODE = "SL003"


@dataclass(frozen=True)
class Hover:
    """The inferred shape (or model summary) under a position; `kind` says which (a HoverKind)."""

    range: Range
    markdown: str
    cell: int | None = None
    kind: HoverKind = HoverKind.VALUE


@dataclass(frozen=True)
class InlayHint:
    position: Position
    label: str
    tooltip: str | None = None
    cell: int | None = None


@dataclass
class Analysis:
    """The result of analysing one document; hovers and inlay hints are computed on demand."""

    program: Program
    groups: GroupedAnalysis  # the statement groups' results (incremental.py)
    diagnostics: tuple[Diagnostic, ...]
    workspace: Workspace | None = None  # where the document is: a re-analysis reads the same data files
    keras_major: int = 3  # the Keras the program was read as (its configuration's, or 2 for tf_keras code)

    @cached_property
    def facts(self) -> ProgramFacts:
        """The whole program's facts (merged from its groups' on first use: a keystroke's
        diagnostics do not need them)."""
        return self.groups.facts()

    @property
    def imported_paths(self) -> tuple[str, ...]:
        """Real paths of the project's modules the program imports: re-check when they change."""
        return self.groups.imported_paths()

    @property
    def absent_module_paths(self) -> tuple[str, ...]:
        """Where an import of the project found no module: re-check when a file appears there."""
        return self.groups.absent_module_paths()

    @property
    def internal_errors(self) -> list[str]:
        """The engine's own failures (each contained: the rest of the file was checked)."""
        return [error for result in self.groups.results for error in result.facts.internal_errors]

    @cached_property
    def inlay_hints(self) -> tuple[InlayHint, ...]:
        hints = []
        for position, label, tooltip in self.groups.inlay_hints(self.program):
            mapped, cell = self.program.to_cell_position(position)
            hints.append(InlayHint(mapped, label, tooltip, cell))
        return tuple(hints)

    def hover_at(self, position: Position, cell: int | None = None) -> Hover | None:
        """The inferred shape of the name or layer call under `position`, as Markdown."""
        where = self.program.to_program_position(position, cell)
        chunk = self.program.chunk_at_line(where.line)
        # The statement's group has every fact about its nodes: a hover after each keystroke need not
        # merge every group's (8 ms at 10,000 lines).
        facts = self.groups.facts_of_chunk(chunk.index) if chunk is not None else None
        found = presentation.hover_at(facts if facts is not None else self.facts, self.program, where)
        if found is None:
            return None
        mapped, hover_cell = self.program.to_cell_range(found.range)
        return Hover(mapped, found.markdown, hover_cell, found.kind)


def forget_texts() -> None:
    """Forget everything kept by text between analyses (parsed statements, their names and groupings,
    the preludes' bindings, kept group results, IPython's transforms): the next analysis of any text
    costs what it costs in a fresh process. For benchmarks of cold analysis, and tests."""
    source.forget_parses()
    statement_groups.forget()
    incremental.forget()
    ipython_syntax.transform_cell.cache_clear()


def analyze(
    text: str,
    config: Config | None = None,
    *,
    path: str | None = None,
    root: str | None = None,
    learned: Mapping[str, Shape] | None = None,
    open_files: Mapping[str, str] | None = None,
    once: bool = False,
) -> Analysis:
    """Analyze one Python file's text.

    `path`/`root`: where the document and its workspace are (data files and the project's modules
    it names are read only there); `learned`: layer output shapes TensorFlow taught
    (confirm/pipeline.py); `open_files`: the editor's text of open files by real path, read instead
    of the disk when the document imports them; `once`: the text is analysed once, not followed
    through edits (`shapelint check`): the program runs as one group and nothing is kept for a next
    version of it (incremental.analyze_groups). The diagnostics are the same either way.
    """
    with _collection_paused():
        program = parse_program([text], notebook=False)
        _parsed()
        return _analyze(program, config or Config(), learned, path, root, open_files, once)


def analyze_notebook(
    cells: Sequence[str],
    config: Config | None = None,
    *,
    path: str | None = None,
    root: str | None = None,
    learned: Mapping[str, Shape] | None = None,
    open_files: Mapping[str, str] | None = None,
    once: bool = False,
) -> Analysis:
    """Analyze a notebook's code cells, in order, as one program (the keywords: as for `analyze`)."""
    with _collection_paused():
        program = parse_program(list(cells), notebook=True)
        _parsed()
        return _analyze(program, config or Config(), learned, path, root, open_files, once)


_gc_lock = threading.Lock()
_gc_pauses = 0
# How analyses collect when their caller leaves the collector on (`shapelint check` and its
# workers, benchmarks, library use); None in a process that times collections itself (the server).
BATCH_COLLECTION: BatchCollection | None = BatchCollection()
_batch: BatchCollection | None = None  # the regime the running analyses follow (set by the first)


def collection_managed_elsewhere() -> None:
    """This process times its collections itself (the language server): analyses only pause the
    collector while they run, whatever thread they run on."""
    global BATCH_COLLECTION
    BATCH_COLLECTION = None


@contextlib.contextmanager
def _collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a program is analysed.

    An analysis allocates many short-lived objects and frees them by reference counting; full
    collections over a large heap cost more than half of an edit's time in a 10,000-line file.
    Collection resumes (if it was on) when the last concurrent analysis ends. When it was on
    (the caller manages nothing), an analysis that runs alone follows `BATCH_COLLECTION`
    (collection.py): a young collection first, and its parse trees frozen once parsed (`_parsed`).
    """
    global _gc_pauses, _batch
    with _gc_lock:
        if _gc_pauses == 0:
            _collection_paused.was_enabled = gc.isenabled()  # type: ignore[attr-defined]
            _batch = BATCH_COLLECTION if _collection_paused.was_enabled else None  # type: ignore[attr-defined]
            if _batch is not None:
                _batch.before_analysis()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _collection_paused.was_enabled:  # type: ignore[attr-defined]
                gc.enable()


def _parsed() -> None:
    """The program is parsed: freeze its trees, when the analysis follows `BATCH_COLLECTION` alone."""
    with _gc_lock:
        if _gc_pauses == 1 and _batch is not None:
            _batch.after_parse()


def _workspace(
    config: Config, path: str | None, root: str | None, open_files: Mapping[str, str] | None = None
) -> Workspace:
    """The document's place on disk; whether data files and modules may be read comes from the configuration."""
    return Workspace(path, root, config.reads_data_files, buffers=open_files if open_files is not None else {})


def _analyze(
    program: Program,
    config: Config,
    learned: Mapping[str, Shape] | None = None,
    path: str | None = None,
    root: str | None = None,
    open_files: Mapping[str, str] | None = None,
    once: bool = False,
) -> Analysis:
    config = _read_as(program, config)
    workspace = _workspace(config, path, root, open_files)
    grouped = analyze_groups(program, workspace, config.target_keras, learned, once)
    found: list[Diagnostic] = [
        Diagnostic(
            code=SYNTAX_ERROR_CODE,
            message=f"This code does not parse ({error.message}); shapelint checked the rest of the file.",
            range=error.range,
            severity=Severity.ERROR,
        )
        for error in program.syntax_errors
    ]
    found.extend(_limit_hints(program, grouped.stopped_at()))
    found.extend(grouped.diagnostics(program, config))
    expected = expected_to_raise(program) if len(found) > len(program.syntax_errors) else []
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[str, Range, str]] = set()
    for diagnostic in found:
        key = (diagnostic.code, diagnostic.range, diagnostic.message)
        if key in seen:  # a function called twice reports once
            continue
        seen.add(key)
        if diagnostic.code != SYNTAX_ERROR_CODE and not config.is_enabled(diagnostic.code):
            continue
        if is_suppressed(program.line_text(diagnostic.range.start.line), diagnostic.code):
            continue
        if expected and diagnostic.code != SYNTAX_ERROR_CODE and inside(expected, diagnostic.range):
            continue  # a test expects this code to raise
        severity = config.severity.get(diagnostic.code)
        if severity is not None:
            diagnostic = diagnostic.with_severity(severity)
        diagnostics.append(program.to_cell_diagnostic(diagnostic))
    diagnostics.sort(key=lambda d: (d.cell or 0, d.range.start, d.code))
    return Analysis(program, grouped, tuple(diagnostics), workspace, config.target_keras)


def _read_as(program: Program, config: Config) -> Config:
    """The configuration a program is read with: code that imports tf_keras (the Keras 2 package
    TensorFlow's legacy Keras is) and not Keras 3's `keras` is Keras 2 code, whichever Keras is
    installed, unless the configuration names a version."""
    if config.keras_version is not None or not program.chunks_mentioning("tf_keras"):
        return config
    roots = {root for chunk in program.chunks if chunk.module is not None for root in _imported_roots(chunk.module)}
    return replace(config, keras_version=2) if "tf_keras" in roots and "keras" not in roots else config


def _imported_roots(module: cst.Module) -> Iterator[str]:
    """The top-level package of every module imported anywhere in a statement (not relative imports)."""
    for line in simple_statement_lines(module.body):
        for statement in line.body:
            for name in imported_modules(statement) or ():
                yield (name or "").split(".")[0]


def _limit_hints(program: Program, stops: Sequence[object]) -> list[Diagnostic]:
    """One hint per statement that was not parsed, and one where the work limit cut the analysis short."""
    hints = []
    for chunk in program.chunks:
        if chunk.skipped is not None:
            line = chunk.start_line
            hints.append(
                Diagnostic(
                    code=ANALYSIS_LIMIT_CODE,
                    message=f"shapelint did not analyse this statement: {chunk.skipped}; "
                    "the rest of the file is checked.",
                    range=Range.of(line, 0, line, len(program.line_text(line))),
                    severity=Severity.HINT,
                )
            )
    stopped = min(
        (stop for stop in stops if isinstance(stop, NodeRef)), key=lambda stop: stop.chunk, default=None
    )  # the first place in the program where work was cut short
    if stopped is not None:
        span = program.node_range(stopped)
        if span is not None:
            line = span.start.line
            shown = program.to_cell_position(span.start)[0].line + 1  # the line number the user sees
            hints.append(
                Diagnostic(
                    code=ANALYSIS_LIMIT_CODE,
                    message=f"analysis stopped following loops at line {shown}: work limit reached; "
                    "shapes after it are unknown.",
                    range=Range.of(line, span.start.column, line, len(program.line_text(line))),
                    severity=Severity.HINT,
                )
            )
    return hints
