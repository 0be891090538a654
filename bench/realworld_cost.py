"""Cold analysis of every real-world file against libcst's parse of the same text, and keystrokes.

    .venv/bin/python bench/realworld_cost.py [--repetitions 7] [--keystrokes 10] [NAME ...]

For each script and notebook of bench/realworld/ (NAME filters by substring), one repetition
times, in an order that alternates, a cold `engine.analyze` (or `analyze_notebook` on the
code cells, as `shapelint check` reads them) after `engine.forget_texts()`, and
`libcst.parse_module` of the same Python (a notebook: each code cell as IPython runs it). Times
are CPU seconds (the machine is shared); the table gives the medians and the median of the
per-repetition ratios, worst file first. With --keystrokes, each file also gets the CPU time of
`analyze` after a one-character edit near its middle (`corpus.middle_keystroke`), the previous
version having been analysed, as the language server does on a keystroke.

`rows(...)` returns the same figures for bench/run.py.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import libcst
from realworld import CORPUS, corpus_files


@dataclass(frozen=True)
class CostRow:
    """One file's medians in CPU seconds; `ratio` is the median of the per-repetition ratios."""

    path: str
    lines: int
    cold: float
    parse: float
    ratio: float
    keystroke: float | None = None  # median CPU seconds of one keystroke's analysis, when measured


@dataclass(frozen=True)
class Document:
    """A corpus file as the engine reads it: a script's text, or a notebook's code cells."""

    path: str
    cells: tuple[str, ...]
    notebook: bool

    @staticmethod
    def read(path: Path, root: Path = CORPUS) -> Document:
        from shapelint.notebook import read_notebook

        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root).as_posix()
        if path.suffix == ".ipynb":
            return Document(name, tuple(read_notebook(text).code_cells), True)
        return Document(name, (text,), False)

    @property
    def lines(self) -> int:
        return sum(cell.count("\n") + 1 for cell in self.cells)

    def analyze(self, cells: Sequence[str] | None = None) -> object:
        from shapelint.engine import analyze, analyze_notebook

        cells = self.cells if cells is None else cells
        return analyze_notebook(cells) if self.notebook else analyze(cells[0])

    def python(self) -> list[str]:
        """What libcst is given: the script, or each cell as the Python IPython would run."""
        if not self.notebook:
            return list(self.cells)
        from shapelint.ipython_syntax import transform_cell

        return [transform_cell(cell).python for cell in self.cells]

    def edited_versions(self, count: int) -> list[tuple[str, ...]]:
        """The document after 0..count keystrokes near the middle of its largest cell."""
        index = max(range(len(self.cells)), key=lambda i: self.cells[i].count("\n"))
        keystroke = corpus.middle_keystroke(self.cells[index])
        versions = [self.cells]
        for _ in range(count):
            cells = list(versions[-1])
            cells[index] = keystroke.apply(cells[index])
            versions.append(tuple(cells))
        return versions


def _cpu(function: Callable[[], object]) -> float:
    started = time.process_time()
    function()
    return time.process_time() - started


def _parse_all(texts: Sequence[str]) -> None:
    for text in texts:
        with contextlib.suppress(libcst.ParserSyntaxError):  # a cell that is not Python alone: the attempt counts
            libcst.parse_module(text)


def _cold(document: Document) -> None:
    from shapelint import engine

    engine.forget_texts()
    document.analyze()


def measure(document: Document, repetitions: int, keystrokes: int = 0) -> CostRow:
    python = document.python()
    subjects: list[tuple[str, Callable[[], object]]] = [
        ("cold", lambda: _cold(document)),
        ("parse", lambda: _parse_all(python)),
    ]
    samples: dict[str, list[float]] = {"cold": [], "parse": []}
    for repetition in range(repetitions):
        shift = repetition % len(subjects)
        for name, run in subjects[shift:] + subjects[:shift]:
            gc.collect()
            samples[name].append(_cpu(run))
    ratio = statistics.median(c / p for c, p in zip(samples["cold"], samples["parse"]) if p > 0)
    keystroke = None
    if keystrokes:
        versions = document.edited_versions(keystrokes)
        document.analyze(versions[0])
        timings = []
        for version in versions[1:]:
            gc.collect()
            timings.append(_cpu(lambda version=version: document.analyze(version)))  # type: ignore[misc]
        keystroke = statistics.median(timings)
    return CostRow(
        document.path,
        document.lines,
        statistics.median(samples["cold"]),
        statistics.median(samples["parse"]),
        ratio,
        keystroke,
    )


def rows(repetitions: int = 5, keystrokes: int = 0, names: Sequence[str] = (), root: Path = CORPUS) -> list[CostRow]:
    """Every corpus file's cold/parse figures (and keystrokes when asked), worst ratio first."""
    documents = [Document.read(path, root) for path in corpus_files(root)]
    documents = [d for d in documents if not names or any(name in d.path for name in names)]
    if documents:
        documents[0].analyze()  # imports and lazily built tables, outside the timings
    found = [measure(document, repetitions, keystrokes) for document in documents]
    return sorted(found, key=lambda row: row.ratio, reverse=True)


def table(found: Sequence[CostRow]) -> str:
    keystrokes = any(row.keystroke is not None for row in found)
    header = "| file | lines | cold ms | parse ms | cold/parse |" + (" keystroke ms |" if keystrokes else "")
    lines = [header, "|---|---:|---:|---:|---:|" + ("---:|" if keystrokes else "")]
    for row in found:
        line = f"| {row.path} | {row.lines} | {row.cold * 1000:.1f} | {row.parse * 1000:.1f} | {row.ratio:.2f}x |"
        if keystrokes:
            line += f" {row.keystroke * 1000:.1f} |" if row.keystroke is not None else " |"
        lines.append(line)
    if found:
        ratios = [row.ratio for row in found]
        lines.append("")
        lines.append(
            f"Worst: {found[0].path} {found[0].ratio:.2f}x; median {statistics.median(ratios):.2f}x "
            f"over {len(found)} files (CPU time, median of the per-repetition ratios)."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only files whose path contains one of these")
    parser.add_argument("--repetitions", type=int, default=7)
    parser.add_argument("--keystrokes", type=int, default=0, help="keystrokes timed per file (0: none)")
    args = parser.parse_args(argv)
    print(table(rows(args.repetitions, args.keystrokes, args.names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
