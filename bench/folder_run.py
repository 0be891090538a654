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


def _check(arguments: Sequence[str]) -> float:
    finished = process_bench.run_timed([process_bench.SHAPELINT, "check", *arguments, "--format", "json"], 1800)
    if finished.returncode not in (0, 1):
        raise process_bench.CommandFailed(f"shapelint check exited {finished.returncode}: {finished.stderr[-2000:]}")
    return finished.seconds


def section_folder(repetitions: int, targets: list[Target]) -> Section:
    files = [p for p in REALWORLD.rglob("*") if p.suffix in (".py", ".ipynb")]
    used = cores()
    section = Section(
        "Folder run",
        f"Wall time of `shapelint check` on bench/realworld ({len(files)} real public Keras scripts and notebooks): "
        f"one process against all {used} cores, a cold cache against a warm one, and the start-up cost.",
        ("command", "wall time", "files / s", "vs one process, no cache"),
    )
    single: list[float] = []
    parallel: list[float] = []
    cold: list[float] = []
    warm: list[float] = []
    startup: list[float] = []
    python: list[float] = []
    folder = str(REALWORLD.relative_to(process_bench.REPOSITORY))
    for repetition in range(repetitions):
        print(f"[bench] folder run: repetition {repetition + 1}", file=sys.stderr, flush=True)
        single.append(_check([folder, "--jobs", "1", "--no-cache"]))
        parallel.append(_check([folder, "--jobs", str(used), "--no-cache"]))
        with tempfile.TemporaryDirectory(prefix="shapelint-cache-") as cache:
            cold.append(_check([folder, "--jobs", str(used), "--cache-dir", cache]))
            warm.append(_check([folder, "--jobs", str(used), "--cache-dir", cache]))
        startup.append(process_bench.run_timed([process_bench.SHAPELINT, "--version"], 60).seconds)
        python.append(process_bench.run_timed([process_bench.PYTHON, "-c", "pass"], 60).seconds)
    rows = [
        ("`check --jobs 1 --no-cache` (one process, no cache)", single),
        (f"`check --jobs {used} --no-cache` ({used} worker processes)", parallel),
        (f"`check --jobs {used}`, empty cache (cold: analyse and store)", cold),
        (f"`check --jobs {used}`, same cache again (warm, nothing changed)", warm),
    ]
    for label, seconds in rows:
        summary = Summary.of(seconds)
        section.rows.append((
            label,
            format_summary(summary, "s"),
            format_number(len(files) / summary.median),
            format_ratio(ratios(single, seconds)) if seconds is not single else "1×",
        ))
    section.rows.append(("start-up: `shapelint --version`", format_summary(Summary.of(startup), "s"), "—", "—"))
    section.rows.append(
        ("start-up: bare `python -c pass` (reference)", format_summary(Summary.of(python), "s"), "—", "—")
    )
    warm_speedup = Summary.of(ratios(cold, warm)).median
    cold_speedup = Summary.of(ratios(single, cold)).median
    targets.append(Target("second run on an unchanged folder vs the first", "≥ 20× faster",
                          f"{format_number(warm_speedup)}×", warm_speedup >= 20))
    cold_rate = format_number(len(files) / Summary.of(cold).median)
    targets.append(Target(f"cold throughput on real code, {used} cores, vs one process", "≥ 4×",
                          f"{format_number(cold_speedup)}× ({cold_rate} files/s)", cold_speedup >= 4))
    section.notes += [
        f"{repetitions} repetitions, commands in turn; {used} cores used (`os.sched_getaffinity`); every figure "
        "includes interpreter start-up. Files that name no library shapelint knows are skipped unparsed in every row. "
        "The cold row writes the cache; the warm row reads it, re-checking each file's content digest and "
        "what its analysis read (data files, imported modules). Worker processes gain only on idle cores: "
        "see the load average above.",
    ]
    return section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args(argv)
    targets: list[Target] = []
    section = section_folder(1 if args.smoke else args.repetitions, targets)
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
