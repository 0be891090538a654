"""In-process timings of the engine against the parsers, run in a fresh process per file size.

    python bench/engine_timing.py --lines 2000 --repetitions 7 [--edits 15]

Prints one JSON object of samples in seconds:
- `cold`: `shapelint.engine.analyze(text)` with an empty parse cache (a file seen for the
  first time), `libcst`: `libcst.parse_module(text)`, `ast`: `ast.parse(text)`. One
  repetition runs all three on the same text, in an order that rotates, so the machine's
  noise hits them alike.
- `edit`: `analyze` after a one-character edit in the middle of the file, the previous
  version having been analysed (what the language server does on a keystroke).
`cpu` holds the CPU seconds of the same calls, by the same names.
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import libcst
from shapelint import source
from shapelint.engine import analyze

CPU: dict[str, list[float]] = {}  # subject -> CPU seconds, recorded next to every wall-clock sample


def _timed(function: Callable[[], object], subject: str) -> float:
    """Wall seconds of one call; its CPU seconds go to CPU[subject] (less sensitive to a busy machine)."""
    cpu = time.process_time()
    started = time.perf_counter()
    function()
    elapsed = time.perf_counter() - started
    CPU.setdefault(subject, []).append(time.process_time() - cpu)
    return elapsed


def forget_parses() -> None:
    """Start from an empty parse cache, as a process that has never seen the file."""
    source.PARSE_CACHE = source._ParseCache()
    gc.collect()


def cold_analysis(text: str) -> float:
    forget_parses()
    return _timed(lambda: analyze(text), "cold")


def measure(lines: int, repetitions: int, edits: int, seed: int) -> dict[str, object]:
    text = corpus.keras_program(lines, seed)
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
    forget_parses()
    analysis = analyze(text)
    keystroke = corpus.middle_keystroke(text)
    versions = [text]
    for _ in range(edits):
        versions.append(keystroke.apply(versions[-1]))
    for version in versions[1:]:
        samples["edit"].append(_timed(lambda version=version: analyze(version), "edit"))  # type: ignore[misc]
    return {
        "lines": lines,
        "characters": len(text),
        "diagnostics": len(analysis.diagnostics),
        "generator": corpus.GENERATOR,
        "samples": samples,
        "cpu": CPU,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, required=True)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--edits", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(measure(args.lines, args.repetitions, args.edits, args.seed)))


if __name__ == "__main__":
    main()
