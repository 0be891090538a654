"""`shapelint check` on a folder, cold and warm, against the `check` of a baseline commit, in one run.

Part of bench/run.py. The baseline is the shapelint of an earlier commit (by default 24c1d40,
where docs/benchmarks.md was last generated before `check` had worker processes and a
cache): its `server/` tree is extracted with `git archive` into a temporary folder and run by
this venv's Python, on the same folder, alternating with today's cold run (every core, an
empty cache) and warm run (the same cache again). Ratios are per repetition.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import process_bench
from folder_run import cores
from report import Section, Target
from stats import Summary, format_number, format_ratio, format_summary, ratios

BASELINE_COMMIT = "24c1d40"
_RUN_BASELINE = "import sys; sys.path.insert(0, sys.argv.pop(1)); from shapelint.cli import main; sys.exit(main())"


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def extract_baseline(commit: str, into: Path) -> Path | None:
    """The baseline's `server/` folder under `into`, or None when git cannot give it (e.g. a shallow clone)."""
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        made = subprocess.run(
            ["git", "archive", "--format=tar", commit, "server"],
            cwd=process_bench.REPOSITORY,
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    if made.returncode != 0:
        return None
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: no path outside `into`
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # our own repository's archive
    server = into / "server"
    # Compiled once here, as an installed tool is: otherwise its first run would compile every module.
    subprocess.run([process_bench.PYTHON, "-m", "compileall", "-q", str(server)], check=False, capture_output=True)
    return server


# One process of `check`'s code, timed in parts: start-up to an engine ready to analyse (the
# interpreter, the imports, one small analysis), then the analysis of every file of the folder.
# argv: the folder, then the baseline's `server/` folder (none: today's code). Prints
# [CPU seconds to ready, CPU seconds of the analyses, CPU seconds of `libcst.parse_module` alone
# on the same files (a notebook: each code cell as IPython runs it), after the analyses].
_PARTS = """
import json, sys, time
folder = sys.argv[1]
if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])
try:  # the engine imported as `check` imports it
    from shapelint.generated_code import cached_generated_code
except ImportError:  # the baseline has no stored code
    from contextlib import nullcontext as cached_generated_code
with cached_generated_code():
    from shapelint.config import Config
    from shapelint.engine import analyze
    try:
        from shapelint.file_runner import check_file, discover
    except ImportError:  # the baseline's layout
        from shapelint.checker import check_file, discover
analyze(
    "import numpy as np\\nimport keras\\nx = np.zeros((2, 3))\\nkeras.Sequential([keras.layers.Dense(3)])(x)\\n",
    Config(),
)
ready = time.process_time()
paths = list(discover([folder]))
for path in paths:
    check_file(path, Config(), {})
analyses = time.process_time() - ready
parse = 0.0
import libcst
try:
    from shapelint.ipython_syntax import transform_cell
    from shapelint.notebook import read_notebook
except ImportError:  # the baseline's layout
    transform_cell = None
for path in paths:
    text = path.read_text(encoding="utf-8")
    cells = [text]
    if path.suffix == ".ipynb" and transform_cell is not None:
        cells = [transform_cell(cell).python for cell in read_notebook(text).code_cells]
    for cell in cells:
        started = time.process_time()
        try:
            libcst.parse_module(cell)
        except libcst.ParserSyntaxError:  # finding the error counts, as for the engine
            pass
        parse += time.process_time() - started  # reading and transforming are not parsing
print(json.dumps([ready, analyses, parse]))
"""


def cold_parts(where: str, server: Path | None) -> tuple[float, float, float] | None:
    """CPU seconds of one process of `check`'s code on `where`: start-up to a ready engine, every
    file's analysis, and libcst's parse of the same files; None when it failed."""
    finished = process_bench.run_timed(
        [process_bench.PYTHON, "-c", _PARTS, where, *([str(server)] if server is not None else [])], 1800
    )
    if finished.returncode != 0:
        return None
    ready, analyses, parse = json.loads(finished.stdout.splitlines()[-1])
    return float(ready), float(analyses), float(parse)


def _files(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.suffix in (".py", ".ipynb") and path.is_file())


def _check(command: Sequence[str]) -> process_bench.Finished:
    finished = process_bench.run_timed(command, 1800)
    if finished.returncode not in (0, 1):
        raise process_bench.CommandFailed(
            f"{' '.join(command[:4])} exited {finished.returncode}: {finished.stderr[-2000:]}"
        )
    return finished


def section_baseline(
    folders: Sequence[tuple[str, Path]], repetitions: int, targets: list[Target], commit: str = BASELINE_COMMIT
) -> Section:
    used = cores()
    section = Section(
        "Folder run against the baseline",
        f"`shapelint check` on a folder today (all {used} cores, a cold then a warm cache) against the `check` of "
        f"commit {commit} (one process, no cache: how it ran), on the same folder in the same run.",
        (
            "folder",
            "command",
            "wall time",
            "CPU time",
            "cores used (CPU / wall)",
            "files / s",
            "throughput vs baseline",
            "CPU time vs baseline",
        ),
    )
    with tempfile.TemporaryDirectory(prefix="shapelint-baseline-") as scratch:
        server = extract_baseline(commit, Path(scratch))
        for name, folder in folders:
            where = (
                str(folder.relative_to(process_bench.REPOSITORY))
                if folder.is_relative_to(process_bench.REPOSITORY)
                else str(folder)
            )
            count = _files(folder)
            runs: dict[str, list[process_bench.Finished]] = {"baseline": [], "cold": [], "warm": []}
            parts: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "today": []}
            for repetition in range(repetitions):
                _log(f"baseline run, {name}: repetition {repetition + 1}")
                if name == folders[0][0]:
                    for kind, tree in (("baseline", server), ("today", None)):
                        measured = cold_parts(where, tree) if kind == "today" or server is not None else None
                        if measured is not None:
                            parts[kind].append(measured)
                if server is not None:
                    baseline = process_bench.run_timed(
                        [process_bench.PYTHON, "-c", _RUN_BASELINE, str(server), "check", where, "--format", "json"],
                        1800,
                    )
                    if baseline.returncode in (0, 1):
                        runs["baseline"].append(baseline)
                with tempfile.TemporaryDirectory(prefix="shapelint-cache-") as cache:
                    today = [
                        process_bench.SHAPELINT,
                        "check",
                        where,
                        "--format",
                        "json",
                        "--jobs",
                        str(used),
                        "--cache-dir",
                        cache,
                    ]
                    runs["cold"].append(_check(today))
                    runs["warm"].append(_check(today))
            base = [finished.seconds for finished in runs["baseline"]]
            labels = {
                "baseline": f"`check` at {commit} (one process, no cache)",
                "cold": f"`check --jobs {used}`, empty cache (cold)",
                "warm": f"`check --jobs {used}`, same cache again (warm)",
            }
            for kind, label in labels.items():
                finished = runs[kind]
                if not finished:
                    section.rows.append((f"{name} ({count} files)", label, "not measured", *["—"] * 5))
                    continue
                seconds = [f.seconds for f in finished]
                summary = Summary.of(seconds)
                section.rows.append(
                    (
                        f"{name} ({count} files)",
                        label,
                        format_summary(summary, "s"),
                        format_summary(Summary.of([f.cpu_seconds for f in finished]), "s"),
                        format_number(Summary.of([f.cpu_seconds / f.seconds for f in finished]).median),
                        format_number(count / summary.median),
                        format_ratio(ratios(base, seconds)) if kind != "baseline" and base else "1×" if base else "—",
                        format_ratio(
                            ratios([f.cpu_seconds for f in finished], [f.cpu_seconds for f in runs["baseline"]])
                        )
                        if kind != "baseline" and base
                        else "1×"
                        if base
                        else "—",
                    )
                )
            if name == folders[0][0]:
                section.rows += _parts_rows(name, count, parts, [f.seconds for f in runs["baseline"]], used)
                if base:
                    speedup = Summary.of(ratios(base, [f.seconds for f in runs["cold"]])).median
                    rates = (
                        f"{format_number(count / Summary.of(base).median)} → "
                        f"{format_number(count / Summary.of([f.seconds for f in runs['cold']]).median)} files/s"
                    )
                    targets.append(
                        Target(
                            f"`shapelint check` cold throughput vs {commit}'s, {name}, {used} cores",
                            "≥ 4×",
                            f"{format_number(speedup)}× ({rates})",
                            speedup >= 4,
                        )
                    )
                else:
                    targets.append(
                        Target(
                            f"`shapelint check` cold throughput vs {commit}'s, {name}",
                            "≥ 4×",
                            f"not measured (git archive {commit} failed, or its check failed)",
                            None,
                        )
                    )
    section.notes += [
        "Parts (first folder): one process of each code, timed apart from the runs above: `start-up to a ready "
        "engine` is the CPU time from the interpreter's start to an engine that has imported everything and "
        "analysed one small program; `analyses` is the CPU time of analysing every file of the folder after "
        f"that, in one process (no file skipped). `floor on {used} cores` is start-up + analyses / {used}: the "
        "wall time of a cold run on idle cores that split the analyses perfectly and pay nothing else, and its "
        "ratio is the best cold throughput today's engine allows against the baseline's measured wall time; "
        "`libcst.parse_module alone` is the CPU time libcst takes to parse the same files (a notebook: each "
        "code cell as IPython runs it), and `floor if analyses cost libcst's parse alone` is start-up + that / "
        f"{used}: what an engine that did nothing but parse with libcst would allow; "
        "`floor with free analyses` is start-up alone (the ceiling of that ratio, whatever the analyses cost).",
        f"Baseline: shapelint at commit {commit} (`git archive {commit} server`, run by this venv's Python), the "
        "last state measured in docs/benchmarks.md before `check` had worker processes, skipping and a cache; "
        "it checks files one after the other in one process. The issue (15) quoted it as 2–10 files/s on real "
        "repositories with 0.7 s of start-up per run, and docs/benchmarks.md at that commit as 22.3 files/s on "
        "200 generated files (section 6, one process).",
        f"{repetitions} repetitions; in each, the baseline, today's cold run and today's warm run in turn; every "
        "figure includes interpreter start-up. Cores used = CPU time (user + system of the command and its "
        f"workers) / wall time; {os.cpu_count()} cores on this machine. The target is the median of the "
        "per-repetition ratios baseline wall time / cold wall time on the first folder (throughput on the cores "
        "there are: it can only be read as wall time; when cores used is well under the cores of the machine, "
        "other processes had them, and the CPU column says how much work each command did: > 1× is more).",
    ]
    return section


def _parts_rows(
    name: str, count: int, parts: dict[str, list[tuple[float, float, float]]], base: list[float], used: int
) -> list[tuple[str, ...]]:
    """Rows: each code's start-up and analyses in one process, and today's floor on `used` cores."""
    rows: list[tuple[str, ...]] = []
    label = f"{name} ({count} files)"
    for kind, who in (("baseline", "the baseline"), ("today", "today's code")):
        if not parts[kind]:
            continue
        ready = Summary.of([r for r, _, _ in parts[kind]])
        analyses = Summary.of([a for _, a, _ in parts[kind]])
        rows.append((label, f"parts of {who}: start-up to a ready engine", "—", format_summary(ready, "s"), *["—"] * 4))
        rows.append((label, f"parts of {who}: analyses, one process", "—", format_summary(analyses, "s"), *["—"] * 4))
    if parts["today"]:
        parse = Summary.of([p for _, _, p in parts["today"]])
        rows.append((label, "libcst.parse_module alone, same files", "—", format_summary(parse, "s"), *["—"] * 4))
        floors = [ready + analyses / used for ready, analyses, _ in parts["today"]]
        parsing = [ready + parse / used for ready, _, parse in parts["today"]]
        starts = [ready for ready, _, _ in parts["today"]]
        for what, seconds in (
            (f"floor on {used} cores", floors),
            ("floor if analyses cost libcst's parse alone", parsing),
            ("floor with free analyses", starts),
        ):
            summary = Summary.of(seconds)
            rows.append(
                (
                    label,
                    f"today's {what}",
                    format_summary(summary, "s"),
                    "—",
                    "—",
                    format_number(count / summary.median),
                    format_ratio(ratios(base, seconds)) if base else "—",
                    "—",
                )
            )
    return rows
