"""`shapelint check` on a folder: cold and warm, one process and every core, start-up.

    .venv/bin/python bench/folder_run.py            # this section alone, printed as Markdown
    .venv/bin/python bench/folder_run.py --smoke    # one repetition, small folders

Part of bench/run.py (the "Folder run" section, `section_folder`); `folder_figures` returns the
measured figures as data for another report. Three folders: bench/realworld (public Keras
scripts and notebooks), a repository of generated Keras programs, and a repository shaped like a
real project, where most files are not about models (a package's utilities, tests, scripts,
docs, setup.py) and some are. Each repetition runs, in turn: one process without the cache (how
`check` ran before it used cores and a cache), every core without the cache, every core with a
new empty cache (cold: analyses and stores every result), then the same command again (warm:
nothing changed, the run's stored output is replayed after its inputs are checked).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import process_bench
from report import Section, Target
from stats import Summary, format_number, format_ratio, format_summary, ratios

BENCH = Path(__file__).resolve().parent
REALWORLD = BENCH / "realworld"
# The issue's figure for `shapelint check` on real repositories before this work: 2-10 files/s
# (0.7 s of start-up per run). The upper end is the baseline the cold target multiplies.
ISSUE_FILES_PER_SECOND = 10.0
KINDS = ("single", "parallel", "cold", "warm")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class FolderFigures:
    """One folder's runs: wall and CPU seconds per repetition for each kind of run."""

    name: str
    files: int
    wall: dict[str, list[float]]  # by kind: single, parallel, cold, warm
    cpu: dict[str, list[float]]

    def files_per_second(self, kind: str) -> float:
        return self.files / Summary.of(self.wall[kind]).median

    def warm_speedup(self) -> float:
        """Cold wall time over warm, median of the per-repetition ratios."""
        return Summary.of(ratios(self.wall["cold"], self.wall["warm"])).median

    def cold_speedup(self) -> float:
        """One process without cache over every core with an empty cache."""
        return Summary.of(ratios(self.wall["single"], self.wall["cold"])).median

    def cores_busy(self, kind: str) -> float:
        """CPU time over wall time: how many cores the run kept busy."""
        return Summary.of([c / w for c, w in zip(self.cpu[kind], self.wall[kind])]).median


def _check(arguments: Sequence[str]) -> process_bench.Finished:
    finished = process_bench.run_timed([process_bench.SHAPELINT, "check", *arguments, "--format", "json"], 1800)
    if finished.returncode not in (0, 1):
        raise process_bench.CommandFailed(f"shapelint check exited {finished.returncode}: {finished.stderr[-2000:]}")
    return finished


_UTILITY = '''"""{name}: small helpers of the project (no arrays, no models)."""
import os
import re
from pathlib import Path


def slug_{index}(text):
    """A file-system friendly name for `text`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_lines_{index}(path):
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\\n") for line in handle]


def find_files_{index}(root, suffix=".txt"):
    return sorted(str(p) for p in Path(root).rglob("*" + suffix) if p.is_file())


class Settings{index}:
    def __init__(self, **values):
        self.values = dict(values)
        self.path = os.environ.get("SETTINGS_{index}", "settings.toml")

    def get(self, key, default=None):
        return self.values.get(key, default)
'''

_TEST = '''"""Tests of the helpers ({index})."""
import unittest


def slug(text):
    return "-".join(text.lower().split())


class SlugTest{index}(unittest.TestCase):
    def test_lower(self):
        self.assertEqual(slug("A B"), "a-b")

    def test_empty(self):
        self.assertEqual(slug(""), "")


if __name__ == "__main__":
    unittest.main()
'''

_SCRIPT = '''"""Command-line script {index}."""
import argparse
import json
import sys


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    args = parser.parse_args(argv)
    with open(args.path, encoding="utf-8") as handle:
        data = json.load(handle)
    print(len(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def write_project(folder: Path, files: int, first_seed: int = 5000) -> int:
    """A repository shaped like a real one: a quarter Keras training code (models, training
    scripts), the rest utilities, tests, scripts, docs and packaging. The number of files."""
    models = max(1, files // 4)
    utilities = max(1, files // 4)
    tests = max(1, files // 4)
    scripts = max(1, files - models - utilities - tests - 3)
    package = folder / "src" / "project"
    corpus.write_corpus(package / "models", models, 200, first_seed=first_seed)
    (package / "__init__.py").parent.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""The project."""\n')
    (package / "utils").mkdir(parents=True, exist_ok=True)
    for index in range(utilities):
        (package / "utils" / f"helpers_{index:03d}.py").write_text(
            _UTILITY.format(name=f"helpers_{index}", index=index)
        )
    (folder / "tests").mkdir(parents=True, exist_ok=True)
    for index in range(tests):
        (folder / "tests" / f"test_helpers_{index:03d}.py").write_text(_TEST.format(index=index))
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    for index in range(scripts):
        (folder / "scripts" / f"tool_{index:03d}.py").write_text(_SCRIPT.format(index=index))
    (folder / "docs").mkdir(parents=True, exist_ok=True)
    (folder / "docs" / "conf.py").write_text('project = "project"\nextensions = ["sphinx.ext.autodoc"]\n')
    (folder / "setup.py").write_text('import setuptools\n\nsetuptools.setup(name="project")\n')
    (folder / "noxfile.py").write_text('import nox\n\n\n@nox.session\ndef tests(session):\n    session.run("pytest")\n')
    return sum(1 for p in folder.rglob("*.py"))


def folder_figures(
    repetitions: int, generated_files: int = 200, project_files: int = 200, used: int | None = None
) -> list[FolderFigures]:
    """Measure the three folders (bench/realworld, generated programs, a project-shaped repository)."""
    used = used or cores()
    figures = []
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as scratch:
        generated = Path(scratch) / "generated"
        corpus.write_corpus(generated, generated_files, 200, first_seed=3000)
        project = Path(scratch) / "project"
        write_project(project, project_files)
        for name, folder in (
            ("bench/realworld", REALWORLD),
            (f"{generated_files} generated programs", generated),
            ("project-shaped repository", project),
        ):
            figures.append(_measure(name, folder, repetitions, used))
    return figures


def _measure(name: str, folder: Path, repetitions: int, used: int) -> FolderFigures:
    files = [p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb")]
    runs: dict[str, list[process_bench.Finished]] = {kind: [] for kind in KINDS}
    inside = folder.is_relative_to(process_bench.REPOSITORY)
    where = str(folder.relative_to(process_bench.REPOSITORY)) if inside else str(folder)
    for repetition in range(repetitions):
        print(f"[bench] folder run, {name}: repetition {repetition + 1}", file=sys.stderr, flush=True)
        runs["single"].append(_check([where, "--jobs", "1", "--no-cache"]))
        runs["parallel"].append(_check([where, "--jobs", str(used), "--no-cache"]))
        with tempfile.TemporaryDirectory(prefix="shapelint-cache-") as cache:
            runs["cold"].append(_check([where, "--jobs", str(used), "--cache-dir", cache]))
            runs["warm"].append(_check([where, "--jobs", str(used), "--cache-dir", cache]))
        outputs = {finished.stdout for kind in KINDS for finished in runs[kind][-1:]}
        if len(outputs) != 1:
            raise process_bench.CommandFailed(f"{name}: the runs printed different findings")
    return FolderFigures(
        name,
        len(files),
        {kind: [f.seconds for f in runs[kind]] for kind in KINDS},
        {kind: [f.cpu_seconds for f in runs[kind]] for kind in KINDS},
    )


def section_folder(
    repetitions: int, targets: list[Target], generated_files: int = 200, project_files: int | None = None
) -> Section:
    used = cores()
    section = Section(
        "Folder run",
        "Wall and CPU time of `shapelint check` on bench/realworld (real public Keras scripts and notebooks), "
        f"on a repository of {generated_files} generated Keras programs and on a repository shaped like a real "
        f"project (a quarter Keras code, the rest utilities, tests, scripts, packaging): one process against "
        f"all {used} cores, a cold cache against a warm one, and the start-up cost.",
        ("folder", "command", "wall time", "CPU time", "cores busy", "files / s", "vs one process, no cache"),
    )
    labels = {
        "single": "`check --jobs 1 --no-cache` (one process, no cache)",
        "parallel": f"`check --jobs {used} --no-cache` ({used} worker processes)",
        "cold": f"`check --jobs {used}`, empty cache (cold: analyse and store)",
        "warm": f"`check --jobs {used}`, same cache again (warm, nothing changed)",
    }
    all_figures = folder_figures(repetitions, generated_files, project_files or generated_files, used)
    for figures in all_figures:
        for kind, label in labels.items():
            section.rows.append(
                (
                    f"{figures.name} ({figures.files} files)",
                    label,
                    format_summary(Summary.of(figures.wall[kind]), "s"),
                    format_summary(Summary.of(figures.cpu[kind]), "s"),
                    format_number(figures.cores_busy(kind)),
                    format_number(figures.files_per_second(kind)),
                    format_ratio(ratios(figures.wall["single"], figures.wall[kind])) if kind != "single" else "1×",
                )
            )
        warm = figures.warm_speedup()
        targets.append(
            Target(
                f"second run on an unchanged folder vs the first ({figures.name})",
                "≥ 20× faster",
                f"{format_number(warm)}×",
                warm >= 20,
            )
        )
    real = all_figures[0]
    rate = real.files_per_second("cold")
    targets.append(
        Target(
            f"cold throughput on real public Keras code, {used} cores, vs the issue's 2–10 files/s (bench/realworld)",
            "≥ 4× (≥ 40 files/s)",
            f"{format_number(rate / ISSUE_FILES_PER_SECOND)}× ({format_number(rate)} files/s; "
            f"{format_number(real.cold_speedup())}× one process of today's code without cache, measured alongside)",
            rate >= 4 * ISSUE_FILES_PER_SECOND,
        )
    )
    startup: list[float] = []
    python: list[float] = []
    for _ in range(repetitions):
        startup.append(process_bench.run_timed([process_bench.SHAPELINT, "--version"], 60).seconds)
        python.append(process_bench.run_timed([process_bench.PYTHON, "-c", "pass"], 60).seconds)
    section.rows.append(
        ("—", "start-up: `shapelint --version`", format_summary(Summary.of(startup), "s"), "—", "—", "—", "—")
    )
    section.rows.append(
        (
            "—",
            "start-up: bare `python -c pass` (reference)",
            format_summary(Summary.of(python), "s"),
            "—",
            "—",
            "—",
            "—",
        )
    )
    section.notes += [
        f"{repetitions} repetitions, commands in turn; {used} cores (`os.sched_getaffinity`); every figure includes "
        "interpreter start-up; CPU time is user + system of the command and its worker processes, and `cores busy` "
        "is CPU time over wall time. Files that name no library shapelint knows are skipped unparsed in every row. "
        "The cold row stores each file's result and the run's output; the warm row replays that output after "
        "re-checking every input the run depended on (the files found and their content digests, the "
        "configuration files, the installed packages, and what each analysis read: data files, imported modules). "
        "All four rows print the same findings (checked). Worker processes gain only on idle cores: see the load "
        "average. The cold target compares files per second with the upper end of the issue's 2–10 files/s; "
        "against one process of today's code (first row), 2 cores can give at most 2×.",
    ]
    return section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repetition, small folders")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--generated", type=int, default=200, help="files in the generated repository")
    parser.add_argument("--project", type=int, default=200, help="files in the project-shaped repository")
    args = parser.parse_args(argv)
    targets: list[Target] = []
    smoke = args.smoke
    section = section_folder(
        1 if smoke else args.repetitions, targets, 8 if smoke else args.generated, 16 if smoke else args.project
    )
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
