"""shapelint's benchmark suite: one command, one report.

    .venv/bin/python bench/run.py            # full run, writes docs/benchmarks.md (~25 min on 2 idle cores)
    .venv/bin/python bench/run.py --smoke    # tiny sizes, < 2 min, proves the suite still works

Each section compares shapelint with a reference measured in the same run (see
docs/benchmarks.md for what each one answers). The full run installs what it lacks:
pyright into bench/node_modules (`npm ci`, pinned by bench/package-lock.json) and
TensorFlow into the venv. The exit status is 1 only when something is broken (a server
that does not answer, a mistake that shapelint no longer reports, a crash), never
because a figure is slow: timings never gate CI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline_run
import corpus
import edit_positions
import folder_run
import keystrokes
import process_bench
import request_latency
import server_bench
from environment import Environment, pyright_version
from report import Section, Target, render
from stats import Summary, format_number, format_ratio, format_summary, ratios

REALWORLD = Path(__file__).resolve().parent / "realworld"

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
REPORT = REPOSITORY / "docs" / "benchmarks.md"
MISTAKES = sorted((REPOSITORY / "examples" / "mistakes").glob("*.py"))
CORRECT = sorted((REPOSITORY / "examples" / "correct").glob("*.py"))
MS = 1000.0


@dataclass(frozen=True)
class Plan:
    """How much to measure: the full run, or the smoke that only proves the suite works."""

    smoke: bool
    script_repetitions: int  # `python file.py` runs per mistake (0: skipped)
    check_repetitions: int
    parse_sizes: tuple[int, ...]
    parse_repetitions: Callable[[int], int]
    seed_edits: int  # keystrokes per seed example and edit position, shapelint
    lsp_sizes: tuple[int, ...]  # generated files both servers edit at the top, middle and end
    large_edits: int  # shapelint keystrokes per position in them
    pyright_edits: int  # pyright is slow on large files: fewer keystrokes, same edits
    pyright_huge_edits: int  # ... and fewer still above 2,000 lines
    pyright: bool
    incremental_sizes: tuple[int, ...]
    incremental_edits: int
    incremental_main_sizes: tuple[int, ...]  # the same programs kept in one `def main()`
    memory_counts: tuple[int, ...]
    memory_lines: int
    memory_repetitions: int
    corpus_files: int
    corpus_sizes: tuple[int, ...]
    corpus_repetitions: int
    folder_repetitions: int = 5  # bench/folder_run.py: the real-world folder, cold and warm
    real_limit: int | None = None  # real scripts whose keystrokes are measured (None: every one)
    real_edits: int = 6  # keystrokes per position in the survey of every real script
    real_detail_edits: int = 20  # ... and for the largest and the slowest ones
    real_detail_count: int = 3  # how many of the slowest
    real_cost_repetitions: int = 3  # cold analysis vs libcst on every real file: one process each, 2 timings
    baseline_repetitions: int = 5  # bench/baseline_run.py
    baseline_generated: int = 200  # a repository of generated programs beside bench/realworld (0: none)
    request_keystrokes: int = 10  # bench/request_latency.py: keystrokes followed by a hover and inlay hints


FULL = Plan(
    smoke=False,
    script_repetitions=5,
    check_repetitions=5,
    parse_sizes=(50, 500, 2000, 10000),
    parse_repetitions=lambda lines: {50: 30, 500: 15, 2000: 9}.get(lines, 4),
    seed_edits=20,
    lsp_sizes=(2000, 10000),
    large_edits=20,
    pyright_edits=5,
    pyright_huge_edits=2,
    pyright=True,
    incremental_sizes=(2000, 10000),
    incremental_edits=12,
    incremental_main_sizes=(500,),
    memory_counts=(1, 10, 50),
    memory_lines=500,
    memory_repetitions=2,
    corpus_files=200,
    corpus_sizes=(100, 200, 400, 800),
    corpus_repetitions=3,
)

SMOKE = Plan(
    smoke=True,
    script_repetitions=0,
    check_repetitions=1,
    parse_sizes=(50, 200),
    parse_repetitions=lambda lines: 2,
    seed_edits=2,
    lsp_sizes=(200,),
    large_edits=2,
    pyright_edits=0,
    pyright_huge_edits=0,
    pyright=False,
    incremental_sizes=(200,),
    incremental_edits=2,
    incremental_main_sizes=(100,),
    memory_counts=(3,),
    memory_lines=100,
    memory_repetitions=1,
    corpus_files=8,
    corpus_sizes=(100,),
    corpus_repetitions=1,
    folder_repetitions=1,
    real_limit=2,
    real_edits=1,
    real_detail_edits=1,
    real_detail_count=1,
    real_cost_repetitions=1,
    baseline_repetitions=1,
    baseline_generated=0,
    request_keystrokes=2,
)


class Broken(RuntimeError):
    """The suite cannot measure what it claims to: fail loudly (exit 1)."""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ms(values: Sequence[float]) -> Summary:
    return Summary.of([value * MS for value in values])


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


# Tools ----------------------------------------------------------------------------------------
def ensure_tools(plan: Plan) -> list[str]:
    """Install what the full run needs and is missing; returns notes for the report."""
    notes = []
    if plan.pyright and server_bench.pyright_server() is None:
        npm = shutil.which("npm")
        if npm is None:
            notes.append("npm is not installed: the pyright rows are not measured.")
        else:
            log("installing pyright into bench/node_modules (npm ci)")
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)
    if plan.script_repetitions:
        try:
            import importlib.util

            has_tensorflow = importlib.util.find_spec("tensorflow") is not None
        except (ImportError, ValueError):
            has_tensorflow = False
        if not has_tensorflow:
            log("installing TensorFlow into the venv (pip install -e .[confirm])")
            subprocess.run(
                [sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[confirm]"], cwd=REPOSITORY, check=True
            )
    return notes


# 1. Versus running the script ----------------------------------------------------------------
def section_script(plan: Plan, targets: list[Target], script_memory: list[float]) -> Section:
    section = Section(
        "Versus running the script",
        "Time from start to the shape error: `shapelint check file.py` (exits with the finding) and shapelint's "
        "language server (a file opened in the editor) versus `python file.py` with TensorFlow installed (exits "
        "with Keras's exception), on the bundled mistakes.",
        (
            "file",
            "`python file.py` → crash",
            "`shapelint check` → finding",
            "speed-up",
            "CPU time: script / check",
            "editor: didOpen → diagnostics",
            "speed-up",
            "editor: server start → diagnostics",
            "shapelint reports",
            "Keras raises",
        ),
    )
    check_medians: list[float] = []
    editor_medians: list[float] = []
    server = server_bench.shapelint_server()
    for number, mistake in enumerate(MISTAKES):
        checks: list[float] = []
        opens: list[float] = []
        starts: list[float] = []
        scripts: list[float] = []
        check_cpu: list[float] = []
        script_cpu: list[float] = []
        reported = raised = ""
        for repetition in range(max(plan.check_repetitions, plan.script_repetitions)):
            if repetition < plan.check_repetitions:
                checked = process_bench.shapelint_check([mistake])
                findings = json.loads(checked.stdout or "[]")
                if checked.returncode != 1 or not findings:
                    raise Broken(f"shapelint check no longer reports the mistake in {mistake.name}")
                checks.append(checked.seconds)
                check_cpu.append(checked.cpu_seconds)
                reported = ", ".join(sorted({finding["code"] for finding in findings}))
                try:
                    if not plan.smoke or number == 0:  # the smoke starts one server here, not three
                        first = server_bench.first_diagnostics(server, mistake.parent, mistake)
                        opens.append(first.after_open)
                        starts.append(first.after_start)
                except Exception as error:
                    raise Broken(f"shapelint server on {mistake.name}: {error}") from error
            if repetition < plan.script_repetitions:
                ran = process_bench.run_script(mistake)
                raised = process_bench.last_error_line(ran.stderr) or f"no exception (exit {ran.returncode})"
                scripts.append(ran.seconds)
                script_cpu.append(ran.cpu_seconds)
                script_memory.append(ran.peak_rss_mib)
        log(f"script row: {mistake.name} done")
        by_check = ratios(scripts, checks)
        by_editor = ratios(scripts, opens)
        if by_check:
            check_medians.append(Summary.of(by_check).median)
        if by_editor:
            editor_medians.append(Summary.of(by_editor).median)
        section.rows.append(
            (
                mistake.name,
                format_summary(Summary.of(scripts), "s") if scripts else "not run (smoke)",
                format_summary(ms(checks)),
                format_ratio(by_check),
                format_ratio(ratios(script_cpu, check_cpu)),
                format_summary(ms(opens)) if opens else "not run (smoke)",
                format_ratio(by_editor),
                format_summary(ms(starts)) if starts else "not run (smoke)",
                reported,
                f"`{raised[:120]}`" if raised else "—",
            )
        )
    section.notes += [
        f"{plan.check_repetitions} runs of each per file, alternating. `python file.py` and `shapelint check` are "
        "fresh processes timed from spawn to exit: shapelint exits right after printing its finding, the script "
        "dies at Keras's exception, so both stop when the user learns of the mistake. The editor column is a "
        "fresh `shapelint server` (already initialised, as in an open editor) timed from didOpen to the "
        "publishDiagnostics that carries the finding; the server start column times the same session from the "
        "server's spawn (start-up, initialize and the open), as when the editor starts the server for this file. "
        "The server answers initialize once it has analysed a small program of its own (lsp/warmup.py), so the "
        "first document does not pay the engine's first-use costs: they are in the start column, not the didOpen one.",
        "`mnist_not_flattened.py` calls `keras.datasets.mnist.load_data()`, which cannot download on this "
        "machine: the `python file.py` side runs every file through `bench/run_offline.py`, which makes "
        "`load_data` return zero arrays of MNIST's real shapes and dtypes (no download time is counted, which "
        "favours the script); the other two files do not call it and run unchanged.",
        "Both sides run with bytecode caching on (PYTHONDONTWRITEBYTECODE unset), as an installed tool does.",
        "CPU time (user + system, from wait4) is what each process itself consumed; unlike wall time it hardly "
        "depends on how busy the machine is, so compare it with the wall-clock ratio when the load is high.",
    ]
    if check_medians:
        worst = min(check_medians)
        targets.append(
            Target(
                "faster than running the script (`shapelint check`)",
                "≥ 100×",
                f"{format_number(worst)}× (slowest file)",
                worst >= 100,
            )
        )
        worst_editor = min(editor_medians)
        targets.append(
            Target(
                "faster than running the script (editor, didOpen → diagnostics)",
                "≥ 100×",
                f"{format_number(worst_editor)}× (slowest file)",
                worst_editor >= 100,
            )
        )
    else:
        targets.append(Target("faster than running the script", "≥ 100×", "not run (smoke)", None))
    return section


# 2. Versus the parse floor --------------------------------------------------------------------
def engine_timing(lines: int, repetitions: int, edits: int, in_main: bool = False) -> dict[str, object]:
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH / "engine_timing.py"),
            "--lines",
            str(lines),
            "--repetitions",
            str(repetitions),
            "--edits",
            str(edits),
            *(["--in-main"] if in_main else []),
        ],
        capture_output=True,
        text=True,
        timeout=1800,
        env=process_bench.command_env(),
    )
    if completed.returncode != 0:
        raise Broken(f"engine_timing.py --lines {lines} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def section_parse(plan: Plan, targets: list[Target], timings: dict[int, dict[str, object]]) -> Section:
    section = Section(
        "Versus the parse floor",
        "Cold analysis of generated Keras files of growing size: shapelint's engine on text it has never seen, "
        "versus `libcst.parse_module` alone and `ast.parse` on the same text, plus the whole `shapelint check` "
        "process.",
        (
            "lines",
            "shapelint analysis (cold)",
            "`libcst.parse_module`",
            "`ast.parse`",
            "analysis / libcst",
            "CPU time: analysis / libcst",
            "analysis / ast",
            "per 1,000 lines",
            "`shapelint check` process",
        ),
    )
    per_line: dict[int, float] = {}
    worst_ratio = 0.0
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
        for lines in plan.parse_sizes:
            repetitions = plan.parse_repetitions(lines)
            edits = plan.incremental_edits if lines in plan.incremental_sizes else 0
            log(f"parse floor: {lines} lines x {repetitions}")
            timing = engine_timing(lines, repetitions, edits)
            timings[lines] = timing
            samples = timing["samples"]
            cpu = timing["cpu"]
            assert isinstance(samples, dict) and isinstance(cpu, dict)
            path = Path(folder) / f"generated_{lines}.py"
            path.write_text(corpus.keras_program(lines, 7), encoding="utf-8")
            runs = min(repetitions, 5, plan.check_repetitions) if not plan.smoke or lines == plan.parse_sizes[-1] else 0
            checks = [process_bench.shapelint_check([path]).seconds for _ in range(runs)]
            cold = ms(samples["cold"])
            versus_libcst = ratios(samples["cold"], samples["libcst"])
            worst_ratio = max(worst_ratio, Summary.of(versus_libcst).median)
            per_line[lines] = cold.median / lines
            section.rows.append(
                (
                    f"{lines:,}",
                    format_summary(cold),
                    format_summary(ms(samples["libcst"])),
                    format_summary(ms(samples["ast"])),
                    format_ratio(versus_libcst),
                    format_ratio(ratios(cpu["cold"], cpu["libcst"])),
                    format_ratio(ratios(samples["cold"], samples["ast"])),
                    f"{format_number(cold.median / lines * 1000)} ms",
                    format_summary(ms(checks)) if checks else "not run (smoke)",
                )
            )
    sizes = sorted(per_line)
    growth = None
    if len(sizes) >= 2:
        small, large = (sizes[1] if len(sizes) > 2 else sizes[0]), sizes[-1]
        growth = math.log((per_line[large] * large) / (per_line[small] * small)) / math.log(large / small)
        section.notes.append(
            f"Growth: from {small:,} to {large:,} lines the cold analysis time grows as lines^{growth:.2f} "
            f"({'linear or better' if growth <= 1.1 else 'worse than linear'}; 1.00 is linear). The cost per "
            "1,000 lines column shows the same."
        )
    section.notes += [
        "Cold = after `engine.forget_texts()` (the engine has never seen any statement of the file: no parse, "
        "names, grouping, prelude or kept result of it); the file is "
        f"generated by `{corpus.GENERATOR}` (`keras_program(lines, seed=7)`): NumPy data, Sequential and "
        "functional models, compile/fit, and an occasional shape mistake.",
        "One repetition times the three subjects on the same text in a rotating order, in one process per size "
        "(bench/engine_timing.py), with a garbage collection before each. Repetitions: "
        + ", ".join(f"{lines:,} lines: {plan.parse_repetitions(lines)}" for lines in plan.parse_sizes)
        + ". The `shapelint check` column is a new process each time (interpreter start-up and imports "
        f"included), up to {min(5, plan.check_repetitions)} runs.",
    ]
    figure_size = 2000 if 2000 in timings else sizes[-1]
    at_size = ratios(timings[figure_size]["samples"]["cold"], timings[figure_size]["samples"]["libcst"])  # type: ignore[index]
    targets.append(
        Target(
            "cold analysis vs `libcst.parse_module`",
            "≤ 2×",
            f"{format_ratio(at_size)} at {figure_size:,} lines; worst size {format_number(worst_ratio)}×",
            worst_ratio <= 2.0,
        )
    )
    if growth is not None:
        targets.append(Target("cost grows linearly or better", "exponent ≤ 1.1", f"lines^{growth:.2f}", growth <= 1.1))
    return section


# 2b. Cold analysis of the real files ---------------------------------------------------------------
def real_file_costs(repetitions: int) -> list[dict[str, object]]:
    """bench/engine_timing.py --files on every real file, one fresh process per repetition, samples merged."""
    paths = sorted(p for p in REALWORLD.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file())
    merged: dict[str, dict[str, object]] = {}
    for repetition in range(repetitions):
        log(f"real files, cold analysis vs libcst: repetition {repetition + 1}")
        completed = subprocess.run(
            [sys.executable, str(BENCH / "engine_timing.py"), "--repetitions", "3", "--files", *map(str, paths)],
            capture_output=True,
            text=True,
            timeout=1800,
            env=process_bench.command_env(),
        )
        if completed.returncode != 0:
            raise Broken(f"engine_timing.py --files failed:\n{completed.stderr[-3000:]}")
        for found in json.loads(completed.stdout)["files"]:
            keys = ("cold", "once", "libcst", "cold_cpu", "once_cpu", "libcst_cpu")
            entry = merged.setdefault(found["path"], {**found, **{k: [] for k in keys}})
            for key in keys:
                entry[key] += found[key]  # type: ignore[operator]
    return list(merged.values())


def section_real_cold(plan: Plan, targets: list[Target]) -> Section:
    section = Section(
        "Cold analysis of real files versus the parse floor",
        "Every script and notebook of bench/realworld analysed cold (a file the engine has never seen), against "
        "`libcst.parse_module` of the same code: the slowest files, the largest, and all of them.",
        (
            "file",
            "lines",
            "analysis (cold)",
            "`libcst.parse_module`",
            "analysis / libcst: CPU time",
            "analysis / libcst: wall time",
            "`shapelint check`'s analysis (once) / libcst: CPU time",
        ),
    )
    costs = real_file_costs(plan.real_cost_repetitions)

    def cpu_ratio(entry: dict[str, object], subject: str = "cold") -> float:
        return Summary.of(ratios(entry[f"{subject}_cpu"], entry["libcst_cpu"])).median  # type: ignore[arg-type]

    ordered = sorted(costs, key=cpu_ratio, reverse=True)
    largest = max(costs, key=lambda entry: entry["lines"])  # type: ignore[arg-type, return-value]
    shown = [*ordered[:5], *([largest] if largest not in ordered[:5] else [])]
    for entry in shown:
        name = Path(str(entry["path"])).relative_to(REALWORLD).as_posix()
        section.rows.append(
            (
                name + (" (largest)" if entry is largest else ""),
                f"{entry['lines']:,}",
                format_summary(ms(entry["cold"])),  # type: ignore[arg-type]
                format_summary(ms(entry["libcst"])),  # type: ignore[arg-type]
                format_ratio(ratios(entry["cold_cpu"], entry["libcst_cpu"])),  # type: ignore[arg-type]
                format_ratio(ratios(entry["cold"], entry["libcst"])),  # type: ignore[arg-type]
                format_ratio(ratios(entry["once_cpu"], entry["libcst_cpu"])),  # type: ignore[arg-type]
            )
        )
    per_file = [cpu_ratio(entry) for entry in costs]
    over = sum(1 for value in per_file if value > 1.5)
    once = [cpu_ratio(entry, "once") for entry in costs]
    section.rows.append(
        (
            f"all {len(costs)} files: median of the per-file medians",
            f"{sum(e['lines'] for e in costs):,} in all",  # type: ignore[misc]
            "—",
            "—",
            f"{format_number(Summary.of(per_file).median)}×",
            "—",
            f"{format_number(Summary.of(once).median)}× (worst {format_number(max(once))}×; "
            f"{sum(1 for value in once if value > 1.5)} over 1.5×)",
        )
    )
    worst = ordered[0]
    targets.append(
        Target(
            "cold analysis vs `libcst.parse_module`, every real file (bench/realworld)",
            "≤ 1.5× (no outlier)",
            f"worst {format_number(cpu_ratio(worst))}× ({Path(str(worst['path'])).name}); median "
            f"{format_number(Summary.of(per_file).median)}×; {over} of {len(costs)} files over 1.5×",
            over == 0,
        )
    )
    section.notes += [
        f"{plan.real_cost_repetitions} fresh processes (bench/engine_timing.py --files), each timing every file "
        "three times: the analysis where the file lies (`analyze`/`analyze_notebook` with its path, so its data "
        "files are read as `shapelint check` reads them) after `engine.forget_texts()` (nothing of any text seen "
        "before is kept: parses, statement names and groupings, preludes, kept results), the same analysis as "
        "`shapelint check` runs it (`once=True`: the program as one group, nothing kept for a next version), and "
        "`libcst.parse_module` of the same code (a notebook: of each code cell as IPython runs it), in rotating "
        "order after a garbage collection. Ratios are per repetition, in CPU time (the machine is shared) and in "
        "wall time; a file's figure is their median, and the target reads the CPU ratio of the worst file (the "
        "editor's analysis).",
        "Rows: the five files with the highest ratio, then the largest file; the last row is the median over "
        "every file.",
    ]
    return section


# 3. Versus the language server users already run ----------------------------------------------
def section_servers(
    plan: Plan,
    targets: list[Target],
    lsp_samples: dict[int, dict[str, list[float]]],
    groups: list[keystrokes.Group],
    notes: list[str],
) -> Section:
    pyright = server_bench.pyright_server() if plan.pyright else None
    section = Section(
        "Versus the language server users already run",
        "Change-to-diagnostics latency over stdio: a one-character edit (a digit typed into an integer literal "
        "near the top, the middle or the end of the file) until the server publishes diagnostics for that "
        "version. Same client code (bench/lsp_client.py), same files, same edits for both servers.",
        (
            "files",
            "edit at",
            "edits",
            "shapelint",
            "pyright",
            "pyright / shapelint",
            "didOpen → diagnostics, shapelint",
            "didOpen → diagnostics, pyright",
        ),
    )
    seeds = [*MISTAKES, *CORRECT]
    plans = [
        (
            f"seed examples ({len(seeds)} files, {min(map(lines_of, seeds))}–{max(map(lines_of, seeds))} lines)",
            max(map(lines_of, seeds)),
            [(path.name, path.read_text(encoding="utf-8")) for path in seeds],
            plan.seed_edits,
            plan.pyright_edits,
        )
    ]
    for lines in plan.lsp_sizes:
        plans.append(
            (
                f"generated, {lines:,} lines",
                lines,
                [("generated.py", corpus.keras_program(lines, 7))],
                plan.large_edits,
                plan.pyright_edits if lines <= 2000 else plan.pyright_huge_edits,
            )
        )
    for lines in plan.incremental_main_sizes:  # a script that keeps everything in one function
        text = corpus.keras_main_program(lines, 7)
        plans.append(
            (
                f"generated, {lines:,} lines in one def main()",
                text.count("\n"),
                [("generated_main.py", text)],
                plan.large_edits,
                plan.pyright_edits,
            )
        )
    worst: tuple[float, str] | None = None
    for label, lines, files, edits, pyright_edits in plans:
        results: dict[str, list[server_bench.LatencyResult]] = {}
        for spec in [server_bench.shapelint_server(), *([pyright] if pyright and pyright_edits else [])]:
            count = edits if spec.name == "shapelint" else pyright_edits
            log(f"servers: {spec.name} on {label}, {count} edits per file and position")
            with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
                root = Path(folder)
                placed = [(root / name, text) for name, text in files]
                try:
                    results[spec.name] = server_bench.edit_latencies(
                        spec, root, placed, count, positions=edit_positions.POSITIONS
                    )
                except Exception as error:
                    if spec.name == "shapelint":
                        raise Broken(f"shapelint server: {error}") from error
                    notes.append(f"pyright on {label} failed: {error}")
        ours = results["shapelint"]
        theirs = results.get("pyright")
        groups.append(keystrokes.Group(label, lines, ours, "seed" if label.startswith("seed") else "generated"))
        if label.startswith("generated") and "def main()" not in label:
            lsp_samples[lines] = {
                where: [s for r in ours for s in r.by_position[where]] for where in edit_positions.POSITIONS
            }
        for number, where in enumerate(edit_positions.POSITIONS):
            shapelint_edits = [s for r in ours for s in r.by_position[where]]
            pyright_edits_seen = [s for r in theirs for s in r.by_position[where]] if theirs else []
            # Pair the servers keystroke by keystroke (same file, same position, same edit number) for the ratio.
            paired = []
            for mine, other in zip(ours, theirs or []):
                paired += ratios(other.by_position[where], mine.by_position[where][: len(other.by_position[where])])
            if paired:
                median = Summary.of(paired).median
                if worst is None or median < worst[0]:
                    worst = (median, f"{label}, {where}")
            first = number == 0
            section.rows.append(
                (
                    label if first else "″",
                    keystrokes.edit_line(ours, where),
                    f"{len(shapelint_edits)} / {len(pyright_edits_seen) or '—'}",
                    format_summary(ms(shapelint_edits)),
                    format_summary(ms(pyright_edits_seen)) if pyright_edits_seen else "not measured",
                    format_ratio(paired),
                    format_summary(ms([r.open_seconds for r in ours])) if first else "″",
                    (format_summary(ms([r.open_seconds for r in theirs])) if theirs else "not measured")
                    if first
                    else "″",
                )
            )
    if worst is not None:
        targets.append(
            Target(
                "keystroke → diagnostics versus pyright's language server, every size and position",
                "≥ 10× faster",
                f"{format_number(worst[0])}× (slowest pair: {worst[1]})",
                worst[0] >= 10 if set(plan.lsp_sizes) >= {2000, 10000} else None,
            )
        )
    else:
        targets.append(
            Target(
                "keystroke → diagnostics versus pyright's language server, every size and position",
                "≥ 10× faster",
                "not measured (smoke run, or pyright missing)",
                None,
            )
        )
    section.notes += [
        "Seed examples: examples/mistakes/*.py and examples/correct/*.py. Both servers run one process for a "
        "group of files, opened one after the other; in each file the keystrokes go near the top, then the "
        "middle, then the end (bench/edit_positions.py: the first, middle and last integer literal of the code "
        "that is not a loop bound or a constant assignment; `edit at` is its line). At each position the first "
        f"keystroke is a warm-up and not counted; {server_bench.PAUSE_BETWEEN_EDITS * MS:.0f} ms of idle time "
        "separate keystrokes. ″: as in the row above.",
        f"pyright {pyright_version()} runs `pyright-langserver --stdio` from bench/node_modules "
        "with `python.pythonPath` set to the project's venv (so `numpy`, `keras` and `tensorflow` resolve as in "
        "a user's editor), `diagnosticMode: openFilesOnly`, `typeCheckingMode: standard`. It gets fewer "
        f"keystrokes per position ({plan.pyright_edits}, and {plan.pyright_huge_edits} above 2,000 lines) "
        "because each takes seconds on the generated files; the ratio pairs the first keystrokes of both "
        "servers at each position, and the target takes the slowest row's median.",
        "shapelint runs `shapelint server` with default settings (TensorFlow confirmation off, as shipped).",
    ]
    if not pyright:
        section.notes.append("pyright was not measured in this run (smoke run, or npm missing).")
    return section


def _request_samples(found: dict[str, list[request_latency.RequestResult]], server: str, kind: str) -> list[float]:
    return [seconds for result in found.get(server, []) for seconds in getattr(result, kind)]


def _request_cell(found: dict[str, list[request_latency.RequestResult]], server: str, kind: str) -> str:
    values = _request_samples(found, server, kind)
    return format_summary(ms(values)) if values else "not measured"


def section_requests(plan: Plan, targets: list[Target]) -> Section:
    """bench/request_latency.py: hovers and inlay hints, at rest and right after a keystroke."""
    pyright = server_bench.pyright_server() if plan.pyright else None
    section = Section(
        "Hover and inlay hints",
        "How long the editor waits for a hover (the pointer resting on a name) and for the inlay hints of "
        "the visible lines, at rest and right after a keystroke, over stdio; pyright's hover on the same "
        "names in the same run.",
        (
            "file",
            "hover at rest, shapelint",
            "hover at rest, pyright",
            "hover after a keystroke, shapelint",
            "hover after a keystroke, pyright",
            "inlay hints after a keystroke, shapelint",
            "hovers with something to say",
        ),
    )
    seeds = [*MISTAKES, *CORRECT]
    scripts = keystrokes.real_scripts(plan.real_limit)
    largest = max(scripts, key=lines_of)
    plans: list[tuple[str, list[tuple[str, str]]]] = [
        (f"seed examples ({len(seeds)} files)", [(path.name, path.read_text(encoding="utf-8")) for path in seeds]),
        *(
            (f"generated, {lines:,} lines", [("generated.py", corpus.keras_program(lines, 7))])
            for lines in plan.lsp_sizes
        ),
        *(
            (
                f"generated, {lines:,} lines in one def main()",
                [("generated_main.py", corpus.keras_main_program(lines, 7))],
            )
            for lines in plan.incremental_main_sizes
        ),
        (
            f"real: {largest.name} ({lines_of(largest):,} lines, the largest)",
            [(largest.name, largest.read_text(encoding="utf-8"))],
        ),
    ]
    worst: tuple[float, str] | None = None
    for label, files in plans:
        found: dict[str, list[request_latency.RequestResult]] = {}
        huge = max(text.count("\n") for _, text in files) > 2000
        for spec in [server_bench.shapelint_server(), *([pyright] if pyright else [])]:
            count = (
                plan.request_keystrokes
                if spec.name == "shapelint"
                else plan.pyright_huge_edits
                if huge
                else plan.pyright_edits
            )
            log(f"requests: {spec.name} on {label}")
            with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
                root = Path(folder)
                try:
                    found[spec.name] = request_latency.request_latencies(
                        spec, root, [(root / name, text) for name, text in files], count, spec.name == "shapelint"
                    )
                except Exception as error:
                    if spec.name == "shapelint":
                        raise Broken(f"shapelint server: {error}") from error
                    section.notes.append(f"pyright on {label} failed: {error}")

        ours = {
            kind: _request_samples(found, "shapelint", kind)
            for kind in ("hover_at_rest", "hover_after_keystroke", "inlay_after_keystroke")
        }
        for kind, values in ours.items():
            median = Summary.of(values).median if values else 0.0
            if worst is None or median > worst[0]:
                worst = (median, f"{label}, {kind.replace('_', ' ')}")

        described = sum(result.described for result in found["shapelint"])
        asked = sum(len(result.hover_at_rest) for result in found["shapelint"])
        section.rows.append(
            (
                label,
                _request_cell(found, "shapelint", "hover_at_rest"),
                _request_cell(found, "pyright", "hover_at_rest"),
                _request_cell(found, "shapelint", "hover_after_keystroke"),
                _request_cell(found, "pyright", "hover_after_keystroke"),
                _request_cell(found, "shapelint", "inlay_after_keystroke"),
                f"{described} of {asked}",
            )
        )
    if worst is not None:
        targets.append(
            Target(
                "hover and inlay hints, at rest and right after a keystroke, every file",
                "median ≤ 30 ms (the keystroke budget)",
                f"{format_number(worst[0] * MS)} ms (slowest: {worst[1]})",
                worst[0] * MS <= 30,
            )
        )
    section.notes += [
        f"Hover at rest: one hover on the first name of up to {request_latency.HOVERS} assignment lines spread over "
        "the file, each asked once (the first hover in a statement pays for its positions). After a keystroke: "
        f"{plan.request_keystrokes} keystrokes near the middle (bench/edit_positions.py; {plan.pyright_edits} for "
        f"pyright, {plan.pyright_huge_edits} above 2,000 lines), "
        "each followed, once its diagnostics arrived, by a hover on the nearest assignment below it and by the "
        f"inlay hints of the {2 * request_latency.WINDOW} lines around it.",
        "pyright's open-source server has no inlay hints (they are Pylance's); its hover is the reference.",
        "The target is shapelint's own (no issue names one): the budget of a keystroke's diagnostics.",
    ]
    return section


# 4. Incremental edits ------------------------------------------------------------------------
def section_incremental(
    plan: Plan, timings: dict[int, dict[str, object]], lsp_samples: dict[int, dict[str, list[float]]]
) -> Section:
    section = Section(
        "Incremental edits",
        "A one-character edit near the top, the middle or the end of a large file, versus a cold analysis of "
        "the same file.",
        (
            "lines",
            "edit at",
            "edit → diagnostics (server, over stdio)",
            "edit, engine only",
            "edit, engine only: CPU time",
            "cold analysis (engine)",
            "cold / edit (engine)",
        ),
    )
    main_samples: dict[int, dict[str, list[float]]] = {}
    main_timings: dict[int, dict[str, object]] = {}
    sizes = [(lines, False) for lines in plan.incremental_sizes]
    sizes += [(lines, True) for lines in plan.incremental_main_sizes]
    for lines, in_main in sizes:
        samples_by_size, timings_by_size = (main_samples, main_timings) if in_main else (lsp_samples, timings)
        if lines not in samples_by_size:
            log(f"incremental: shapelint server, {lines} lines{' in one def main()' if in_main else ''}")
            with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
                root = Path(folder)
                generate = corpus.keras_main_program if in_main else corpus.keras_program
                placed = [(root / "generated.py", generate(lines, 7))]
                try:
                    found = server_bench.edit_latencies(
                        server_bench.shapelint_server(),
                        root,
                        placed,
                        plan.incremental_edits,
                        positions=edit_positions.POSITIONS,
                    )
                except Exception as error:
                    raise Broken(f"shapelint server: {error}") from error
            samples_by_size[lines] = found[0].by_position
        if lines not in timings_by_size:
            timings_by_size[lines] = engine_timing(
                lines, plan.parse_repetitions(lines), plan.incremental_edits, in_main=in_main
            )
        samples = timings_by_size[lines]["samples"]
        cpu = timings_by_size[lines]["cpu"]
        assert isinstance(samples, dict) and isinstance(cpu, dict)
        for where in edit_positions.POSITIONS:
            engine = samples[f"edit:{where}"]
            section.rows.append(
                (
                    f"{lines:,} in one def main()" if in_main else f"{lines:,}",
                    where,
                    format_summary(ms(samples_by_size[lines][where])),
                    format_summary(ms(engine)),
                    format_summary(ms(cpu[f"edit:{where}"])),
                    format_summary(ms(samples["cold"])),
                    f"{format_number(Summary.of(samples['cold']).median / Summary.of(engine).median)}×",
                )
            )
    section.notes += [
        "The edit types a digit into an integer literal near the top, the middle or the end "
        "(bench/edit_positions.py); every version is new text, so only the statement that changed can come "
        "from the parse cache. The engine-only column is `analyze(text)` in-process after the previous "
        "version was analysed, with the statement groups' results kept as the language server keeps them "
        "(`incremental.keep_results()`); the server column adds the document store, scheduling, LSP "
        "conversion and JSON over stdio.",
        f"Engine keystrokes per position: {plan.incremental_edits}. The server figures of the sizes the "
        f"language-server comparison measured ({', '.join(f'{lines:,}' for lines in plan.lsp_sizes)} lines) are "
        "its shapelint keystrokes. Every column uses the same generated file per size "
        "(`keras_program(lines, seed=7)`, as in section 2), but the server and the engine-only columns run at "
        "different moments: on a busy machine compare them through the CPU column.",
        "`in one def main()`: the same generated program with every line but the imports in one function "
        "(`corpus.keras_main_program`), as scripts are often written: the whole program is one top-level "
        "statement, and a keystroke re-parses only the simple statement it changed (statement_splice.py).",
    ]
    return section


# 5. Memory -------------------------------------------------------------------------------------
def section_memory(plan: Plan, targets: list[Target], script_memory: list[float]) -> Section:
    pyright = server_bench.pyright_server() if plan.pyright else None
    section = Section(
        "Memory",
        "Peak resident memory (VmHWM, process and children) of a fresh language server after N files are open "
        "and their diagnostics published, against pyright-langserver with the same files; and of the "
        "TensorFlow confirmation worker, against running a mistake with `python file.py`.",
        ("measured", "shapelint", "reference", "reference / shapelint"),
    )
    shapelint_at_most: float | None = None
    for count in plan.memory_counts:
        files = [
            (f"program_{index:03d}.py", corpus.keras_program(plan.memory_lines, 100 + index)) for index in range(count)
        ]
        measured: dict[str, list[float]] = {"shapelint": [], "pyright": []}
        for repetition in range(plan.memory_repetitions):
            for spec in [server_bench.shapelint_server(), *([pyright] if pyright else [])]:
                if spec.name == "pyright" and repetition > 0:
                    continue  # one pyright run per count: it needs about a minute for 50 files
                log(f"memory: {spec.name} with {count} files")
                with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
                    root = Path(folder)
                    try:
                        measured[spec.name].append(
                            server_bench.peak_memory(spec, root, [(root / name, text) for name, text in files])
                        )
                    except Exception as error:
                        if spec.name == "shapelint":
                            raise Broken(f"shapelint server: {error}") from error
        ours = Summary.of(measured["shapelint"])
        shapelint_at_most = ours.median
        theirs = Summary.of(measured["pyright"]) if measured["pyright"] else None
        section.rows.append(
            (
                f"language server, {count} open file{'s' if count > 1 else ''}",
                format_summary(ours, "MiB"),
                f"pyright-langserver: {format_summary(theirs, 'MiB')}" if theirs else "pyright: not measured",
                f"{format_number(theirs.median / ours.median)}×" if theirs else "—",
            )
        )
    worker, worker_mib = tensorflow_worker_rss(plan)
    reference = Summary.of(script_memory) if script_memory else None
    section.rows.append(
        (
            "TensorFlow confirmation worker",
            worker,
            f"`python file.py` on the mistakes: {format_summary(reference, 'MiB')}" if reference else "not measured",
            f"{format_number(reference.median / worker_mib)}×" if reference and worker_mib else "—",
        )
    )
    section.notes += [
        f"Each open file is a different generated program of {plan.memory_lines} lines. shapelint: "
        f"{plan.memory_repetitions} fresh servers per count; pyright: one.",
        "The worker figure is the VmHWM `ConfirmClient.worker_peak_rss()` reports after a fresh worker confirmed "
        "the three bundled mistakes (bench/confirm_memory.py); the script figures are each `python file.py` "
        "run's own peak RSS from section 1.",
    ]
    largest = max(plan.memory_counts)
    if shapelint_at_most is not None:
        megabytes = shapelint_at_most * 1.048576  # the target is in MB, VmHWM in MiB
        targets.append(
            Target(
                f"server RSS with {largest} files",
                "< 150 MB",
                f"{format_number(megabytes)} MB ({format_number(shapelint_at_most)} MiB)",
                megabytes < 150 if largest >= 50 else None,
            )
        )
    return section


def tensorflow_worker_rss(plan: Plan) -> tuple[str, float | None]:
    """Peak RSS of the confirmation worker, when `shapelint.confirm` provides a ConfirmClient."""
    try:
        from shapelint import confirm
    except ImportError:
        return "not measured (shapelint.confirm is not importable)", None
    client_class = getattr(confirm, "ConfirmClient", None)
    if client_class is None:
        return "not measured (shapelint.confirm has no ConfirmClient)", None
    if plan.smoke:
        return "not measured (smoke run)", None
    log("memory: TensorFlow confirmation worker")
    try:
        import confirm_memory

        return confirm_memory.worker_peak_rss(client_class)
    except Exception as error:  # an API this suite does not know is "not measured", not broken
        return f"not measured ({type(error).__name__}: {str(error)[:120]})", None


# 6. Corpus throughput ------------------------------------------------------------------------
def section_corpus(plan: Plan, targets: list[Target]) -> Section:
    cores = os.cpu_count() or 1
    section = Section(
        "Corpus throughput",
        f"Files per second of `shapelint check` on a folder of {plan.corpus_files} generated Keras programs, in "
        f"one process and in {cores} processes (one per core), against parsing the same files.",
        ("command", "wall time", "files / s", "vs shapelint, 1 process"),
    )
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
        root = Path(folder) / "corpus"
        root.mkdir()
        paths = []
        for index in range(plan.corpus_files):
            lines = plan.corpus_sizes[index % len(plan.corpus_sizes)]
            path = root / f"program_{index:04d}.py"
            path.write_text(corpus.keras_program(lines, 1000 + index), encoding="utf-8")
            paths.append(path)
        total_lines = sum(plan.corpus_sizes[index % len(plan.corpus_sizes)] for index in range(plan.corpus_files))
        shares = process_bench.split_evenly(paths, cores)
        single: list[float] = []
        parallel: list[float] = []
        pooled: list[float] = []
        floor: list[float] = []
        for repetition in range(plan.corpus_repetitions):
            log(f"corpus: repetition {repetition + 1}")
            single.append(process_bench.shapelint_check([root], timeout=1800, jobs=1).seconds)
            seconds, _ = process_bench.run_parallel_timed(
                [
                    [
                        process_bench.SHAPELINT,
                        "check",
                        *map(str, share),
                        "--format",
                        "json",
                        "--no-cache",
                        "--jobs",
                        "1",
                    ]
                    for share in shares
                ],
                1800,
            )
            parallel.append(seconds)
            pooled.append(process_bench.shapelint_check([root], timeout=1800, jobs=cores).seconds)
            floor.append(process_bench.libcst_parse_files(paths).seconds)
        rows: list[tuple[str, list[float]]] = [
            ("`shapelint check corpus/ --jobs 1` (1 process)", single),
            (f"`shapelint check` × {len(shares)} processes, files split evenly", parallel),
            (f"`shapelint check corpus/ --jobs {cores}` (its own worker processes)", pooled),
            ("`libcst.parse_module` of every file (1 process, no analysis)", floor),
        ]
        pyright_cli = BENCH / "node_modules" / ".bin" / "pyright"
        if plan.pyright and pyright_cli.exists():
            log("corpus: pyright CLI")
            ran = process_bench.run_timed(
                [str(pyright_cli), "--pythonpath", str(server_bench.VENV_PYTHON), str(root)], 1800, cwd=root
            )
            rows.append(("`pyright corpus/` (reference checker, one run)", [ran.seconds]))
        for label, seconds in rows:
            summary = Summary.of(seconds)
            section.rows.append(
                (
                    label,
                    format_summary(summary, "s"),
                    format_number(plan.corpus_files / summary.median),
                    format_ratio(ratios(single, seconds)) if seconds is not single else "1×",
                )
            )
    section.notes += [
        f"{plan.corpus_files} files of {', '.join(map(str, plan.corpus_sizes))} lines in turn "
        f"({total_lines:,} lines in all); {plan.corpus_repetitions} repetitions, commands alternating. "
        "Every figure includes interpreter start-up. `vs shapelint, 1 process` > 1× means faster than "
        "one shapelint process. The processes only gain when cores are idle: see the load average above. "
        "shapelint parses statement by statement with a cache shared by the files of one process, so "
        "statements repeated across files are parsed once, which whole-file `libcst.parse_module` cannot do.",
    ]
    return section


# 9. Folder run; 10. against the baseline ----------------------------------------------------------
def section_folder(plan: Plan, targets: list[Target]) -> Section:
    """bench/folder_run.py's section; its throughput target (all cores vs one process of today) is left out
    of the targets: issue 15's throughput target compares with the baseline commit (bench/baseline_run.py)."""
    found: list[Target] = []
    section = folder_run.section_folder(plan.folder_repetitions, found, 8 if plan.smoke else 200)
    targets += [target for target in found if not target.name.startswith("cold throughput")]
    return section


def section_baseline(plan: Plan, targets: list[Target]) -> Section:
    folders = [("bench/realworld", REALWORLD)]
    if not plan.baseline_generated:
        return baseline_run.section_baseline(folders, plan.baseline_repetitions, targets)
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as scratch:
        generated = Path(scratch) / "generated"
        corpus.write_corpus(generated, plan.baseline_generated, 200, first_seed=3000)
        folders.append((f"{plan.baseline_generated} generated programs", generated))
        return baseline_run.section_baseline(folders, plan.baseline_repetitions, targets)


# Main ---------------------------------------------------------------------------------------
def run(plan: Plan, output: Path, command: str) -> int:
    started = time.perf_counter()
    notes = ensure_tools(plan) if not plan.smoke else []
    environment = Environment.capture()  # after the tools are installed (pyright's version)
    targets: list[Target] = []
    timings: dict[int, dict[str, object]] = {}
    lsp_samples: dict[int, dict[str, list[float]]] = {}
    groups: list[keystrokes.Group] = []
    script_memory: list[float] = []
    sections = [
        section_script(plan, targets, script_memory),
        section_parse(plan, targets, timings),
        section_real_cold(plan, targets),
        section_servers(plan, targets, lsp_samples, groups, notes),
    ]
    sections[-1].notes += notes
    groups += keystrokes.measure_real(
        keystrokes.real_scripts(plan.real_limit), plan.real_edits, plan.real_detail_edits, plan.real_detail_count
    )
    sections += [
        keystrokes.section_keystrokes(groups, targets),
        section_incremental(plan, timings, lsp_samples),
        section_memory(plan, targets, script_memory),
        section_corpus(plan, targets),
        section_folder(plan, targets),
        section_baseline(plan, targets),
        section_requests(plan, targets),
    ]
    text = render(
        environment, sections, targets, command=command, smoke=plan.smoke, elapsed_seconds=time.perf_counter() - started
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    log(f"wrote {output} in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run shapelint's benchmarks and write the report.")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny sizes, 1-2 repetitions, no pyright or TensorFlow: proves the suite works",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the report (default: docs/benchmarks.md; a temporary file for --smoke)",
    )
    args = parser.parse_args(argv)
    plan = SMOKE if args.smoke else FULL
    output = args.output or (Path(tempfile.gettempdir()) / "shapelint-benchmarks-smoke.md" if args.smoke else REPORT)
    command = ".venv/bin/python bench/run.py" + (" --smoke" if args.smoke else "")
    try:
        return run(plan, output, command)
    except Exception:
        traceback.print_exc()
        log("BROKEN: the benchmark suite could not run (see the traceback above)")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
