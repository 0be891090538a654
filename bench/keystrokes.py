"""The keystroke section: change -> diagnostics at the top, middle and end of every kind of file.

Part of bench/run.py. The seed examples and the generated files come from the language-server
comparison (its shapelint sessions, passed in as `Group`s); the real scripts of
bench/realworld are measured here, in two passes: every script with a few keystrokes per
position (which finds the slowest ones), then the largest script and the slowest ones again,
in a fresh server, with more keystrokes (for a median and a p95 worth the name).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import edit_positions
import server_bench
from report import Section, Target
from stats import Summary, format_number, percentile

REALWORLD = Path(__file__).resolve().parent / "realworld"
MS = 1000.0


@dataclass
class Group:
    """Keystrokes one shapelint session measured on a group of files (one row per edit position)."""

    label: str
    lines: int  # the longest file of the group: it decides the goal
    results: list[server_bench.LatencyResult]
    kind: str  # "seed", "generated", "real" (one script in detail) or "survey" (every real script)
    names: Sequence[str] = ()  # a survey: the file of each result ...
    file_lines: Sequence[int] = ()  # ... and its length


def goal_ms(lines: int) -> float:
    """The issue's goal for a file of `lines` lines: 30 ms up to 2,000 lines (2,500 with slack), else 50 ms."""
    return 30.0 if lines <= 2500 else 50.0


def edit_line(results: Sequence[server_bench.LatencyResult], where: str) -> str:
    """Where the keystroke went (1-based line), when the row is one file."""
    if len(results) != 1 or where not in results[0].line_by_position:
        return f"{where}" if len(results) != 1 else "—"
    return f"{where}, line {results[0].line_by_position[where] + 1}"


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def real_scripts(limit: int | None = None) -> list[Path]:
    """The scripts of bench/realworld (notebooks are opened as notebooks by editors: not measured here)."""
    scripts = sorted(REALWORLD.rglob("*.py"), key=lambda path: (_lines(path), path.name))
    return scripts if limit is None else scripts[:limit]


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _session(paths: Sequence[Path], edits: int) -> list[server_bench.LatencyResult]:
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
        root = Path(folder)
        placed = [(root / path.relative_to(REALWORLD), path.read_text(encoding="utf-8")) for path in paths]
        return server_bench.edit_latencies(
            server_bench.shapelint_server(), root, placed, edits, positions=edit_positions.POSITIONS
        )


def measure_real(scripts: Sequence[Path], edits: int, detail_edits: int, detail_count: int) -> list[Group]:
    """Pass 1 on every script, pass 2 on the largest and the `detail_count` slowest (see the module doc)."""
    _log(f"keystrokes: {len(scripts)} real scripts, {edits} keystrokes per position")
    survey = _session(scripts, edits)
    by_path = dict(zip(scripts, survey))
    slowest = sorted(
        scripts, key=lambda path: -max(Summary.of(samples).median for samples in by_path[path].by_position.values())
    )
    largest = max(scripts, key=_lines)
    chosen = [largest, *[path for path in slowest if path != largest][:detail_count]]
    groups = [
        Group(
            f"every real script ({len(scripts)}, {min(map(_lines, scripts))}–{_lines(largest):,} lines)",
            _lines(largest),
            survey,
            "survey",
            [path.name for path in scripts],
            [_lines(path) for path in scripts],
        )
    ]
    _log(f"keystrokes: {', '.join(path.name for path in chosen)}, {detail_edits} keystrokes per position")
    for path, result in zip(chosen, _session(chosen, detail_edits)):
        reason = "largest" if path == largest else "slowest in the survey"
        label = f"{path.relative_to(REALWORLD).as_posix()} ({_lines(path):,} lines, {reason})"
        groups.append(Group(label, _lines(path), [result], "real"))
    return groups


@dataclass(frozen=True)
class _Row:
    where: str
    samples: list[float]
    cpu: float  # server CPU seconds per keystroke
    name: str  # the file or group (a survey row names its slowest file)
    lines: int
    line: str


def _rows(group: Group) -> list[_Row]:
    rows = []
    for where in edit_positions.POSITIONS:
        if group.kind == "survey":
            index, result = max(
                enumerate(group.results), key=lambda pair: Summary.of(pair[1].by_position[where]).median
            )
            rows.append(
                _Row(
                    where,
                    result.by_position[where],
                    result.cpu_by_position[where],
                    f"{group.names[index]} ({group.file_lines[index]:,} lines)",
                    group.file_lines[index],
                    edit_line([result], where),
                )
            )
            continue
        samples = [s for r in group.results for s in r.by_position[where]]
        cpu = sum(r.cpu_by_position[where] * len(r.by_position[where]) for r in group.results) / len(samples)
        rows.append(_Row(where, samples, cpu, group.label, group.lines, edit_line(group.results, where)))
    return rows


def section_keystrokes(groups: Sequence[Group], targets: list[Target]) -> Section:
    section = Section(
        "Keystroke → diagnostics, wherever the edit is",
        "shapelint's language server over stdio: a digit typed near the top, the middle or the end of the file "
        "until the diagnostics of that version arrive, on the seed examples, generated files and the real "
        "scripts of bench/realworld (the largest and the slowest ones in detail), with the p95.",
        ("file", "edit at", "keystrokes", "median", "p95", "p95 / median", "server CPU per keystroke", "goal"),
    )
    worst: dict[str, tuple[float, str]] = {}
    spread: tuple[float, str] | None = None
    for group in groups:
        if group.kind == "survey":
            section.rows.append((f"**{group.label}: the slowest script at each position**", *[""] * 7))
        for row in _rows(group):
            values = [value * MS for value in row.samples]
            summary = Summary.of(values)
            p95 = percentile(values, 0.95)
            goal = goal_ms(row.lines)
            section.rows.append(
                (
                    row.name if row.where == "top" or group.kind == "survey" else "″",
                    row.line,
                    str(summary.count),
                    f"{format_number(summary.median)} ms",
                    f"{format_number(p95)} ms",
                    f"{format_number(p95 / summary.median)}×",
                    f"{format_number(row.cpu * MS)} ms",
                    f"≤ {goal:.0f} ms",
                )
            )
            key = "huge" if goal > 30 else ("real" if group.kind in ("real", "survey") else "small")
            where = f"{row.name}, {row.where}" if group.kind != "survey" else row.name
            if key not in worst or summary.median > worst[key][0]:
                worst[key] = (summary.median, where)
            if group.kind != "survey" and summary.count >= 5:
                ratio = p95 / summary.median
                if spread is None or ratio > spread[0]:
                    spread = (ratio, where)
    for key, name, goal in (
        ("small", "keystroke → diagnostics, seed and generated files up to 2,000 lines, top/middle/end", 30.0),
        ("huge", "keystroke → diagnostics, 10,000 lines, top/middle/end", 50.0),
        ("real", "keystroke → diagnostics, every real script (largest and slowest included), top/middle/end", 30.0),
    ):
        if key in worst:
            median, where = worst[key]
            targets.append(
                Target(
                    name, f"median ≤ {goal:.0f} ms", f"{format_number(median)} ms (slowest: {where})", median <= goal
                )
            )
        else:
            targets.append(Target(name, f"median ≤ {goal:.0f} ms", "not measured (smoke run)", None))
    targets.append(
        Target(
            "keystroke p95 within 2× the median (every row of 5+ keystrokes)",
            "p95 / median ≤ 2",
            f"{format_number(spread[0])}× (widest: {spread[1]})" if spread else "not measured",
            spread[0] <= 2 if spread else None,
        )
    )
    section.notes += [
        "The seed and generated rows are the shapelint keystrokes of the comparison with pyright; the real "
        "scripts are measured here. "
        "Every file gets keystrokes near the top, then the middle, then the end (bench/edit_positions.py); the "
        f"first one at each position is a warm-up and not counted; {server_bench.PAUSE_BETWEEN_EDITS * MS:.0f} ms "
        "of idle time separate keystrokes. ″: the file of the row above.",
        "Real scripts, in two passes: a survey of every script of bench/realworld in one server (few keystrokes "
        "per position: its rows show the slowest script at each position), then the largest script and the "
        "slowest ones of the survey in a fresh server with more keystrokes. Notebooks are not in this section "
        "(editors send them as notebook documents).",
        "p95: linear interpolation between the nearest samples (with 20 keystrokes, between the 19th and the "
        "20th slowest); the p95 target reads only rows of 5 keystrokes or more. The CPU column is the server "
        "process's own CPU time from each keystroke sent to its diagnostics (clock ticks of 10 ms, averaged): "
        "what the latency would be on an idle machine, less the pipe and scheduling.",
        "Goals (issue 15): a median of at most 30 ms on files up to 2,000 lines (the 2,003-line real script "
        "counts as one), at most 50 ms at 10,000 lines; the p95 within 2× the median.",
    ]
    return section
