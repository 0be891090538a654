"""Analysing a program group by group, and keeping each group's result until it changes.

`statement_groups.py` splits the top-level statements into groups that share no name; each
group is interpreted on its own (after the prelude's library imports) and its facts and
rule findings are kept, keyed by what the result depends on:

- the group's chunks and the prelude's, by index and by parsed tree (the parse cache hands
  the same tree for the same statement text, so an unchanged statement keeps its key);
- the Keras version targeted, the layer shapes TensorFlow taught, the document's place;
- what the group read from the disk (`read_log`): looked at again before the result is reused;
- for findings only: the rules' settings and the lines the chunks start at (ranges move
  when lines are added above).

A keystroke re-interprets the group it touches; a group that read an editor buffer or a
module of the project, or whose work was cut short by the budget, is never kept. Every
result is the one a fresh analysis of the group gives, so a warm and a cold analysis agree.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from shapelint import presentation, read_log
from shapelint.budget import BASE_STEPS, MAX_MATERIALISED, MAX_SECONDS, STEPS_PER_CHARACTER, Budget
from shapelint.config import Config
from shapelint.diagnostics import Diagnostic, Position
from shapelint.facts import ProgramFacts
from shapelint.interpreter import Interpreter
from shapelint.project_modules import ProjectModules
from shapelint.rules import run_rules
from shapelint.shapes import Shape
from shapelint.source import Chunk, Program
from shapelint.statement_groups import Grouping, ProgramPart, group_statements, one_group
from shapelint.values import Value
from shapelint.workspace import Workspace

Hint = tuple[Position, str, str | None]  # presentation.inlay_hints: where, label, tooltip


@dataclass
class GroupResult:
    """One group's analysis: its facts, where the budget stopped it, and its findings by rule settings."""

    facts: ProgramFacts
    stopped_at: object | None
    steps: int  # the budget steps it took
    materialised: int  # the items and characters it built (Budget.allows_size)
    observed: tuple[read_log.Observation, ...]
    keep: bool  # whether it may be reused (see the module's docstring)
    modules: tuple[cst.Module, ...] = ()  # the trees its key names by id: kept alive, checked on reuse
    used: int = 0  # the last analysis that used it (see _Results.retire)
    findings: dict[tuple[object, ...], list[Diagnostic]] = field(default_factory=dict)
    hints: dict[tuple[object, ...], list[Hint]] = field(default_factory=dict)

    def diagnostics(
        self, program: Program, config: Config, chunks: Sequence[Chunk], key: tuple[object, ...]
    ) -> list[Diagnostic]:
        """The rules' findings on this group's facts; `key`: the rules' settings and where the
        group's and the prelude's chunks start (kept while they hold)."""
        found = self.findings.get(key)
        if found is None:
            found = list(run_rules(self.facts, program, config, chunks))
            if self.keep:
                if len(self.findings) > 4:
                    self.findings.clear()
                self.findings[key] = found
        return found

    def inlay_hints(self, program: Program, key: tuple[object, ...]) -> list[Hint]:
        """The layer output shapes shown at line ends (kept while the chunks' lines hold)."""
        found = self.hints.get(key)
        if found is None:
            found = presentation.inlay_hints(self.facts, program)
            if self.keep:
                self.hints.clear()
                self.hints[key] = found
        return found


class _Results:
    """Group key -> GroupResult, for the last few documents analysed (shared by the process).

    Bounded by documents (an editor types in one file at a time: the files opened and left alone
    need not keep anything), by entries and by the characters of the groups' statements (a
    group's facts grow with its text), oldest first out. Nothing is kept until
    `keep_results()`: a one-shot command line run has no later keystroke to serve.
    """

    def __init__(self, capacity: int = 20_000, capacity_chars: int = 0, documents: int = 4) -> None:
        self._capacity = capacity
        self.capacity_chars = capacity_chars
        self._documents = documents
        self._chars = 0
        # key -> (result, characters, document)
        self._items: OrderedDict[tuple[object, ...], tuple[GroupResult, int, object]] = OrderedDict()
        self._by_document: OrderedDict[object, dict[tuple[object, ...], GroupResult]] = OrderedDict()
        # (document, context) -> its latest analysis (see `retire`)
        self._latest: dict[tuple[object, object], int] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], modules: tuple[cst.Module, ...]) -> GroupResult | None:
        entry = self._items.get(key)  # no lock and no reordering on a hit: evicted in insertion order
        if entry is None:
            return None
        found = entry[0]
        if len(found.modules) != len(modules) or any(a is not b for a, b in zip(found.modules, modules)):
            return None  # an id reused by another tree: the result is replaced when put again
        return found

    def put(self, key: tuple[object, ...], result: GroupResult, chars: int, document: object) -> None:
        with self._lock:
            if chars > self.capacity_chars:
                return
            self._drop(key)
            self._items[key] = (result, chars, document)
            self._chars += chars
            self._by_document.setdefault(document, {})[key] = result
            self._by_document.move_to_end(document)
            while len(self._by_document) > self._documents:
                for old in list(self._by_document.popitem(last=False)[1]):
                    self._drop(old)
            while self._items and (len(self._items) > self._capacity or self._chars > self.capacity_chars):
                self._drop(next(iter(self._items)))

    def retire(self, document: object, context: object, analysis: int) -> None:
        """Drop the document's results made in `context` that neither its latest analysis
        (`analysis`, the number each result it used was marked with) nor the one before used: an
        edit replaces the result of the group it touched, and the old one would otherwise stay
        until evicted (the document's memory would grow with every keystroke). The previous
        version's stay, so that undoing an edit re-interprets nothing."""
        with self._lock:
            previous = self._latest.get((document, context), analysis)
            self._latest[(document, context)] = analysis
            kept = self._by_document.get(document)
            if kept is not None:
                stale = [
                    key
                    for key, result in kept.items()
                    if result.used != analysis and result.used != previous and key[0] == context
                ]
                for key in stale:
                    self._drop(key)
            for place in [place for place in self._latest if place[0] not in self._by_document]:
                del self._latest[place]

    def _drop(self, key: tuple[object, ...]) -> None:
        entry = self._items.pop(key, None)
        if entry is None:
            return
        self._chars -= entry[1]
        keys = self._by_document.get(entry[2])
        if keys is not None:
            keys.pop(key, None)
            if not keys:
                del self._by_document[entry[2]]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._by_document.clear()
            self._latest.clear()
            self._chars = 0


RESULTS = _Results()
_ANALYSES = itertools.count(1)  # numbers the analyses, for the results each used


def keep_results(characters: int = 4_000_000) -> None:
    """Keep group results of up to this many characters of statements (a few open files of
    tens of thousands of lines), so that an edit re-analyses only its group."""
    RESULTS.capacity_chars = characters


_MAX_KEPT_BUILT = 200_000  # a group that built more (huge literals, long strings) is not kept


@dataclass
class GroupedAnalysis:
    """Every group's result, in program order, with the chunks of each."""

    results: list[GroupResult]
    chunks: list[list[Chunk]]
    prelude: list[Chunk]
    interpreted: int = 0  # groups interpreted by this analysis (the others were reused)

    def placed(self) -> Iterator[tuple[GroupResult, list[Chunk], tuple[object, ...]]]:
        """Each group's result and chunks, with where its and the prelude's chunks start (what
        findings and hints are kept by, beside the settings)."""
        prelude_lines = tuple([chunk.start_line for chunk in self.prelude])
        for result, chunks in zip(self.results, self.chunks):
            yield result, chunks, (prelude_lines, tuple([chunk.start_line for chunk in chunks]))

    def diagnostics(self, program: Program, config: Config) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        settings = (config.select, config.ignore, config.target_keras)
        for result, chunks, lines_key in self.placed():
            found.extend(result.diagnostics(program, config, chunks, (settings, *lines_key)))
        return found

    def inlay_hints(self, program: Program, lines: tuple[int, int] | None = None) -> list[Hint]:
        """The groups' inlay hints in line order (a line belongs to one group); `lines`: only
        those on these program lines (first, last), from the groups with a statement there."""
        found: list[Hint] = []
        for result, chunks, lines_key in self.placed():
            if lines is not None and not any(
                chunk.start_line <= lines[1] and chunk.start_line + chunk.line_count > lines[0] for chunk in chunks
            ):
                continue
            hints = result.inlay_hints(program, lines_key)
            found.extend(hints if lines is None else [h for h in hints if lines[0] <= h[0].line <= lines[1]])
        found.sort(key=lambda hint: hint[0])
        return found

    def stopped_at(self) -> list[object]:
        return [result.stopped_at for result in self.results if result.stopped_at is not None]

    def facts(self) -> ProgramFacts:
        return merge_facts(result.facts for result in self.results)

    def facts_of_chunk(self, index: int) -> ProgramFacts | None:
        """The facts of the group holding chunk `index` (a hover's, without merging every group's);
        None for a chunk of the prelude or none."""
        for result, chunks in zip(self.results, self.chunks):
            if any(chunk.index == index for chunk in chunks):
                return result.facts
        return None

    def imported_paths(self) -> tuple[str, ...]:
        return tuple(sorted({path for result in self.results for path in result.facts.imported_paths}))

    def absent_module_paths(self) -> tuple[str, ...]:
        return tuple(sorted({path for result in self.results for path in result.facts.absent_module_paths}))


def analyze_groups(
    program: Program,
    workspace: Workspace,
    keras_major: int,
    learned: Mapping[str, Shape] | None,
    once: bool = False,
) -> GroupedAnalysis:
    """Interpret each statement group of `program`, reusing the kept results of unchanged groups.

    `once`: the program is not analysed again after an edit (`shapelint check`), so grouping would
    only cost (a symbol table per statement, the prelude run apart): it runs as one group, as a
    program with `import *` does, and its result is not kept. Groups share no name, so the
    findings are the same."""

    checked: dict[read_log.Observation, bool] = {}
    place = (keras_major, workspace.document, workspace.root, workspace.readable)

    def prelude_bindings(chunk: Chunk) -> Mapping[str, Value] | None:
        key = (chunk.text, place)
        with _PRELUDE_LOCK:
            kept = _PRELUDE.get(key)
        if kept is not None and read_log.all_still_true(kept[1], checked):
            return kept[0]
        interpreter = Interpreter(
            program,
            keras_major=keras_major,
            workspace=workspace,
            budget=Budget.for_program(len(chunk.text)),
            modules=ProjectModules(workspace, keras_major),
            part=ProgramPart((chunk.index,), {}),
        )
        with read_log.recording() as observed:
            bindings = dict(interpreter.run_module())
        with _PRELUDE_LOCK:
            _PRELUDE[key] = (bindings, tuple(observed))
            while len(_PRELUDE) > 1_000:
                del _PRELUDE[next(iter(_PRELUDE))]
        return bindings

    grouping = one_group(program) if once else group_statements(program, prelude_bindings)
    prelude = [program.chunks[index] for index in grouping.prelude]
    prelude_key = tuple((chunk.index, id(chunk.module)) for chunk in prelude)
    context = (
        program.is_notebook,  # a notebook's functions are known before their cell runs
        keras_major,
        _learned_key(learned),
        workspace.document,
        workspace.root,
        workspace.readable,
    )
    # One allowance for the whole program, as one analysis has: each group gets at most what the
    # groups before it left. A kept result is reused only where its run would have been the same.
    remaining = BASE_STEPS + STEPS_PER_CHARACTER * sum(len(chunk.text) for chunk in program.chunks)
    materialised = 0
    deadline = time.monotonic() + MAX_SECONDS
    results: list[GroupResult] = []
    chunk_lists: list[list[Chunk]] = []
    interpreted = 0
    all_chunks = program.chunks
    prelude_modules = tuple(chunk.module for chunk in prelude if chunk.module is not None)
    analysis = next(_ANALYSES)
    for group in grouping.groups:
        chunks = [all_chunks[index] for index in group]
        size = sum([len(chunk.text) for chunk in chunks])
        allowance = min(BASE_STEPS + STEPS_PER_CHARACTER * size, max(remaining, 0))
        trees = tuple([chunk.module for chunk in chunks if chunk.module is not None])
        modules = prelude_modules + trees
        key = (context, prelude_key, group, tuple([id(tree) for tree in trees]))
        result = None if once else RESULTS.get(key, modules)
        if (
            result is None
            or result.steps > allowance
            or materialised + result.materialised > MAX_MATERIALISED
            or not read_log.all_still_true(result.observed, checked)
        ):
            budget = Budget(steps=allowance, seconds=max(deadline - time.monotonic(), 0.0), materialised=materialised)
            result = _run_group(program, grouping, group, workspace, keras_major, learned, budget)
            interpreted += 1
            result.modules = modules
            if result.keep and not once:
                RESULTS.put(key, result, size, workspace.document)
        result.used = analysis
        remaining -= result.steps
        materialised += result.materialised
        results.append(result)
        chunk_lists.append(chunks)
    if interpreted and not once:
        RESULTS.retire(workspace.document, context, analysis)
    return GroupedAnalysis(results, chunk_lists, prelude, interpreted)


def _run_group(
    program: Program,
    grouping: Grouping,
    group: tuple[int, ...],
    workspace: Workspace,
    keras_major: int,
    learned: Mapping[str, Shape] | None,
    budget: Budget,
) -> GroupResult:
    modules = ProjectModules(workspace, keras_major)
    before = budget.materialised
    interpreter = Interpreter(
        program,
        keras_major=keras_major,
        learned=learned,
        workspace=workspace,
        budget=budget,
        modules=modules,
        part=grouping.part(group),
    )
    with read_log.recording() as observed:
        facts = interpreter.run()
    facts.imported_paths = modules.imported_paths
    facts.absent_module_paths = modules.absent_paths
    built = budget.materialised - before
    keep = not budget.spent and not budget.refused and not facts.imported_paths and built <= _MAX_KEPT_BUILT
    return GroupResult(facts, budget.stopped_at, budget.taken, built, tuple(observed), keep)


# What a chunk of library imports binds, by its text and the document's place, with what the
# disk showed when it was run (a module of the project named like a library would win).
_PRELUDE: dict[tuple[str, object], tuple[dict[str, Value], tuple[read_log.Observation, ...]]] = {}
_PRELUDE_LOCK = threading.Lock()


def forget() -> None:
    """Forget the preludes' bindings and the kept group results (what `engine.forget_texts` does here)."""
    with _PRELUDE_LOCK:
        _PRELUDE.clear()
    RESULTS.clear()


def _learned_key(learned: Mapping[str, Shape] | None) -> object:
    if not learned:
        return None
    return frozenset(learned.items())


def merge_facts(parts: Iterable[ProgramFacts]) -> ProgramFacts:
    """The facts of the whole program from its groups' (which share no node, model or tensor)."""
    merged = ProgramFacts()
    imported: set[str] = set()
    absent: set[str] = set()
    for part in parts:
        merged.inputs.extend(part.inputs)
        merged.layer_calls.extend(part.layer_calls)
        merged.feeds.extend(part.feeds)
        merged.compiles.extend(part.compiles)
        merged.array_problems.extend(part.array_problems)
        merged.models.extend(part.models)
        merged.internal_errors.extend(part.internal_errors)
        merged.node_values.update(part.node_values)
        merged.unknown_reasons.update(part.unknown_reasons)
        merged.producers.update(part.producers)
        merged.module_names.update(part.module_names)
        imported.update(part.imported_paths)
        absent.update(part.absent_module_paths)
    merged.imported_paths = tuple(sorted(imported))
    merged.absent_module_paths = tuple(sorted(absent))
    merged.numpy_alias = merged.spelling("numpy")
    return merged
