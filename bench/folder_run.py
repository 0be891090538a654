"""`shapelint check` on a folder of real code: cold and warm, one process and every core, start-up.

    .venv/bin/python bench/folder_run.py            # this section alone, printed as Markdown
    .venv/bin/python bench/folder_run.py --smoke    # one repetition

Part of bench/run.py (the "Folder run" section). The folder is bench/realworld (public Keras
scripts and notebooks). Each repetition runs, in turn: one process without the cache (how
`check` ran before it used cores and a cache), every core without the cache, every core with a
new empty cache (cold: analyses and writes every entry), then the same command again (warm:
served from the cache), and the start-up of `shapelint --version` and of a bare `python`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import process_bench
from report import Section, Target
from stats import Summary, format_number, format_ratio, format_summary, ratios

BENCH = Path(__file__).resolve().parent
REALWORLD = BENCH / "realworld"


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _check(arguments: Sequence[str]) -> process_bench.Finished:
    finished = process_bench.run_timed([process_bench.SHAPELINT, "check", *arguments, "--format", "json"], 1800)
    if finished.returncode not in (0, 1):
        raise process_bench.CommandFailed(f"shapelint check exited {finished.returncode}: {finished.stderr[-2000:]}")
    return finished


def section_folder(repetitions: int, targets: list[Target], generated_files: int = 200) -> Section:
    used = cores()
    section = Section(
        "Folder run",
        f"Wall and CPU time of `shapelint check` on bench/realworld (real public Keras scripts and notebooks) and "
        f"on a repository of {generated_files} generated Keras programs: one process against all {used} cores, "
        "a cold cache against a warm one, and the start-up cost.",
        ("folder", "command", "wall time", "CPU time", "files / s", "vs one process, no cache"),
    )
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as scratch:
        generated = Path(scratch) / "generated"
        corpus.write_corpus(generated, generated_files, 200, first_seed=3000)
        for name, folder in (("bench/realworld", REALWORLD), (f"{generated_files} generated", generated)):
            _folder_rows(section, targets, name, folder, repetitions, used)
    startup: list[float] = []
    python: list[float] = []
    for _ in range(repetitions):
        startup.append(process_bench.run_timed([process_bench.SHAPELINT, "--version"], 60).seconds)
        python.append(process_bench.run_timed([process_bench.PYTHON, "-c", "pass"], 60).seconds)
    section.rows.append(
        ("—", "start-up: `shapelint --version`", format_summary(Summary.of(startup), "s"), "—", "—", "—")
    )
    section.rows.append(
        ("—", "start-up: bare `python -c pass` (reference)", format_summary(Summary.of(python), "s"), "—", "—", "—")
    )
    section.notes += [
        f"{repetitions} repetitions, commands in turn; {used} cores used (`os.sched_getaffinity`); every figure "
        "includes interpreter start-up; CPU time is user + system of the command and its worker processes. Files "
        "that name no library shapelint knows are skipped unparsed in every row. The cold row writes the cache; "
        "the warm row reads it, re-checking each file's content digest and what its analysis read (data files, "
        "imported modules). Worker processes gain only on idle cores: see the load average above.",
    ]
    return section


def _folder_rows(section: Section, targets: list[Target], name: str, folder: Path, repetitions: int, used: int) -> None:
    files = [p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb")]
    runs: dict[str, list[process_bench.Finished]] = {"single": [], "parallel": [], "cold": [], "warm": []}
    inside = folder.is_relative_to(process_bench.REPOSITORY)
    where = str(folder.relative_to(process_bench.REPOSITORY)) if inside else str(folder)
    for repetition in range(repetitions):
        print(f"[bench] folder run, {name}: repetition {repetition + 1}", file=sys.stderr, flush=True)
        runs["single"].append(_check([where, "--jobs", "1", "--no-cache"]))
        runs["parallel"].append(_check([where, "--jobs", str(used), "--no-cache"]))
        with tempfile.TemporaryDirectory(prefix="shapelint-cache-") as cache:
            runs["cold"].append(_check([where, "--jobs", str(used), "--cache-dir", cache]))
            runs["warm"].append(_check([where, "--jobs", str(used), "--cache-dir", cache]))
    single = [f.seconds for f in runs["single"]]
    labels = {
        "single": "`check --jobs 1 --no-cache` (one process, no cache)",
        "parallel": f"`check --jobs {used} --no-cache` ({used} worker processes)",
        "cold": f"`check --jobs {used}`, empty cache (cold: analyse and store)",
        "warm": f"`check --jobs {used}`, same cache again (warm, nothing changed)",
    }
    for kind, label in labels.items():
        seconds = [f.seconds for f in runs[kind]]
        summary = Summary.of(seconds)
        section.rows.append((
            f"{name} ({len(files)} files)",
            label,
            format_summary(summary, "s"),
            format_summary(Summary.of([f.cpu_seconds for f in runs[kind]]), "s"),
            format_number(len(files) / summary.median),
            format_ratio(ratios(single, seconds)) if kind != "single" else "1×",
        ))
    cold = [f.seconds for f in runs["cold"]]
    warm_speedup = Summary.of(ratios(cold, [f.seconds for f in runs["warm"]])).median
    cold_speedup = Summary.of(ratios(single, cold)).median
    targets.append(Target(f"second run on an unchanged folder vs the first ({name})", "≥ 20× faster",
                          f"{format_number(warm_speedup)}×", warm_speedup >= 20))
    cold_rate = format_number(len(files) / Summary.of(cold).median)
    targets.append(Target(f"cold throughput, {used} cores, vs one process without cache ({name})", "≥ 4×",
                          f"{format_number(cold_speedup)}× ({cold_rate} files/s)", cold_speedup >= 4))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--generated", type=int, default=200, help="files in the generated repository")
    args = parser.parse_args(argv)
    targets: list[Target] = []
    smoke = args.smoke
    section = section_folder(1 if smoke else args.repetitions, targets, 8 if smoke else args.generated)
    print(f"## {section.title}\n\n{section.question}\n")
    print("| " + " | ".join(section.headers) + " |")
    print("|" + "|".join("---" for _ in section.headers) + "|")
    for row in section.rows:
        print("| " + " | ".join(row) + " |")
    print()
    for note in section.notes:
        print(note)
    print()
    for target in targets:
        print(f"- {target.name}: {target.goal}: {target.figure} ({target.verdict})")
    from environment import load_average

    print(f"\nload average: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
