"""In-process timings of the engine against the parsers, run in a fresh process per file size.

    python bench/engine_timing.py --lines 2000 --repetitions 7 [--edits 15] [--in-main]
    python bench/engine_timing.py --files bench/realworld/*/*.py [--repetitions 1]   # real files

Prints one JSON object of samples in seconds:
- `cold`: `shapelint.engine.analyze(text)` after `engine.forget_texts()` (a file seen for the
  first time: no parsed statement, chunk names, grouping, prelude or kept result of it),
  `libcst`: `libcst.parse_module(text)`, `ast`: `ast.parse(text)`. One repetition runs all three
  on the same text, in an order that rotates, so the machine's noise hits them alike.
- `edit`: `analyze` after a one-character edit in the middle of the file, the previous
  version having been analysed and its statement groups' results kept, as the language server
  keeps them (`incremental.keep_results()`, after the cold samples: those stay cold);
  `edit:top`, `edit:middle` (the same as `edit`) and `edit:end`: the same keystroke typed
  near the top, the middle and the end (bench/edit_positions.py).
`cpu` holds the CPU seconds of the same calls, by the same names.

With `--files`, prints `{"files": [...]}`: per real file (script or notebook), the cold
analysis where the file lies (`cold`: as the editor's first analysis; `once`: as `shapelint
check`'s, `analyze(once=True)`) and `libcst.parse_module` of the same code (a notebook: of each
code cell as IPython runs it), in rotating order, with their CPU seconds. bench/run.py runs a few
processes of a few repetitions each: every cold sample starts from `forget_texts`.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import edit_positions
import libcst
from shapelint import engine, incremental
from shapelint.engine import analyze, analyze_notebook
from shapelint.ipython_syntax import transform_cell
from shapelint.notebook import read_notebook

CPU: dict[str, list[float]] = {}  # subject -> CPU seconds, recorded next to every wall-clock sample


def _timed(function: Callable[[], object], subject: str) -> float:
    """Wall seconds of one call; its CPU seconds go to CPU[subject] (less sensitive to a busy machine)."""
    cpu = time.process_time()
    started = time.perf_counter()
    function()
    elapsed = time.perf_counter() - started
    CPU.setdefault(subject, []).append(time.process_time() - cpu)
    return elapsed


def forget_texts() -> None:
    """Forget every text the engine has seen, as a process that has never seen the file."""
    engine.forget_texts()
    gc.collect()


def cold_analysis(text: str) -> float:
    forget_texts()
    return _timed(lambda: analyze(text), "cold")


def measure(lines: int, repetitions: int, edits: int, seed: int, in_main: bool = False) -> dict[str, object]:
    text = (corpus.keras_main_program if in_main else corpus.keras_program)(lines, seed)
    # Warm up imports and lazily built tables, on another file.
    analyze(corpus.keras_program(min(lines, 200), seed + 1))
    libcst.parse_module(text)
    samples: dict[str, list[float]] = {"cold": [], "libcst": [], "ast": [], "edit": []}
    subjects: list[tuple[str, Callable[[], float]]] = [
        ("cold", lambda: cold_analysis(text)),
        ("libcst", lambda: _timed(lambda: libcst.parse_module(text), "libcst")),
        ("ast", lambda: _timed(lambda: ast.parse(text), "ast")),
    ]
    for repetition in range(repetitions):
        shift = repetition % len(subjects)
        for name, run in subjects[shift:] + subjects[:shift]:
            gc.collect()
            samples[name].append(run())
    forget_texts()
    # A keystroke in the language server reuses the results of the groups it does not touch.
    incremental.keep_results()
    analysis = analyze(text)
    for where in edit_positions.POSITIONS if edits else ():
        keystroke = edit_positions.keystroke(text, where)
        versions = [text]
        for _ in range(edits):
            versions.append(keystroke.apply(versions[-1]))
        analyze(text)
        for version in versions[1:]:
            name = f"edit:{where}"
            samples.setdefault(name, []).append(_timed(lambda version=version: analyze(version), name))  # type: ignore[misc]
    samples["edit"] = list(samples.get("edit:middle", []))
    CPU["edit"] = list(CPU.get("edit:middle", []))
    return {
        "lines": lines,
        "characters": len(text),
        "diagnostics": len(analysis.diagnostics),
        "generator": corpus.GENERATOR,
        "samples": samples,
        "cpu": CPU,
    }


def _cpu(function: Callable[[], object], before: Callable[[], object] | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one call, after `before` (not timed) and a garbage collection."""
    if before is not None:
        before()
    gc.collect()
    cpu = time.process_time()
    started = time.perf_counter()
    function()
    return time.perf_counter() - started, time.process_time() - cpu


def _parse_cells(cells: list[str]) -> None:
    for cell in cells:
        with contextlib.suppress(libcst.ParserSyntaxError):  # finding the error counts, as for the engine
            libcst.parse_module(cell)


def file_costs(paths: list[Path], repetitions: int) -> dict[str, object]:
    """Cold analysis against `libcst.parse_module` of each real file, alternating (see the module doc)."""
    analyze(corpus.keras_program(200, 1))  # imports and lazily built tables, on another text
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        notebook = path.suffix == ".ipynb"
        cells = read_notebook(text).code_cells if notebook else [text]
        python = [transform_cell(cell).python for cell in cells] if notebook else cells
        where, root = str(path.resolve()), str(path.resolve().parent)

        def cold(
            cells: list[str] = cells, where: str = where, root: str = root, notebook: bool = notebook, once: bool = False
        ) -> object:
            if notebook:
                return analyze_notebook(cells, path=where, root=root, once=once)
            return analyze(cells[0], path=where, root=root, once=once)

        runs: dict[str, list[float]] = {name: [] for name in ("cold", "once", "libcst")}
        runs.update({f"{name}_cpu": [] for name in list(runs)})
        for repetition in range(repetitions):
            subjects = [
                ("cold", cold),
                ("once", lambda cold=cold: cold(once=True)),
                ("libcst", lambda python=python: _parse_cells(python)),
            ]
            for name, function in subjects[repetition % 3 :] + subjects[: repetition % 3]:
                # What was kept is forgotten before the clock starts: its collection is not the analysis.
                wall, cpu = _cpu(function, forget_texts if name != "libcst" else None)
                runs[name].append(wall)
                runs[f"{name}_cpu"].append(cpu)
        found.append(
            {"path": str(path), "lines": sum(len(cell.splitlines()) for cell in cells), "notebook": notebook, **runs}
        )
    return {"files": found}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int)
    parser.add_argument("--files", type=Path, nargs="+", help="real files: cold analysis against libcst, per file")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--edits", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--in-main", action="store_true", help="the program in one def main() (corpus.keras_main_program)")
    args = parser.parse_args()
    if args.files:
        print(json.dumps(file_costs(args.files, args.repetitions)))
    elif args.lines:
        print(json.dumps(measure(args.lines, args.repetitions, args.edits, args.seed, args.in_main)))
    else:
        parser.error("give --lines or --files")


if __name__ == "__main__":
    main()
