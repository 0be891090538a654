"""Scan the real-world corpus (bench/realworld/) and report what shapelint says about it.

    .venv/bin/python bench/realworld.py            # writes docs/realworld.md
    .venv/bin/python bench/realworld.py --smoke    # one repetition, report to a temporary file

The corpus is correct public Keras code (scripts and notebooks, see bench/realworld/SOURCES.md),
so every shape finding on it is a false alarm until a run shows the program crashes there.
Each file is analysed in process (the same `check_text` the CLI calls) to time it and to read
the engine's internal errors, which the CLI does not print; then `shapelint check --format json`
runs once over the whole corpus, the way a user runs it, and must agree with the in-process
findings. The hand-written verdicts live in bench/realworld/VERDICTS.md: a finding whose
`path:line CODE` (notebooks: `path:cell N:line CODE`) is not listed there is reported as new.

Exit status: 0 when every file was analysed without a crash or an internal error and the CLI
agreed, 1 otherwise. Findings never fail the run (other work removes them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "realworld"
VERDICTS = CORPUS / "VERDICTS.md"
REPORT = ROOT / "docs" / "realworld.md"
SYNTAX_ERROR = "SL001"


@dataclass(frozen=True)
class Finding:
    """One diagnostic on a corpus file, located the way the CLI's text output locates it."""

    path: str  # relative to bench/realworld/
    code: str
    severity: str
    line: int  # 1-based, relative to the cell in notebooks
    cell: int | None  # 1-based code-cell number in notebooks
    message: str

    @property
    def where(self) -> str:
        return f"{self.path}:cell {self.cell}:{self.line}" if self.cell is not None else f"{self.path}:{self.line}"

    @property
    def key(self) -> str:
        """The `path:line CODE` token VERDICTS.md lists a finding by."""
        return f"{self.where} {self.code}"


@dataclass
class FileScan:
    """What the engine made of one file."""

    path: str
    kind: str  # "script" or "notebook"
    seconds: list[float] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)
    crash: str | None = None


def corpus_files(root: Path = CORPUS) -> list[Path]:
    """Every script and notebook of the corpus, in a stable order."""
    return sorted(p for p in root.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file())


def scan_file(path: Path, repetitions: int = 1, root: Path = CORPUS) -> FileScan:
    """Analyse one file in process `repetitions` times; never raises (a crash is recorded)."""
    from shapelint.config import Config
    from shapelint.file_runner import check_text

    notebook = path.suffix == ".ipynb"
    scan = FileScan(path.relative_to(root).as_posix(), "notebook" if notebook else "script")
    text = path.read_text(encoding="utf-8")
    analysis = None
    for _ in range(repetitions):
        start = time.perf_counter()
        try:
            analysis = check_text(text, Config(), notebook=notebook)
        except Exception as error:  # a crash is exactly what this scan is here to find
            scan.crash = f"{type(error).__name__}: {error}"
            return scan
        scan.seconds.append(time.perf_counter() - start)
    if analysis is None:
        return scan
    scan.internal_errors = list(getattr(analysis.facts, "internal_errors", []) or [])
    for d in analysis.diagnostics:
        scan.findings.append(
            Finding(
                path=scan.path,
                code=d.code,
                severity=str(d.severity.value),
                line=d.range.start.line + 1,
                cell=d.cell + 1 if notebook and d.cell is not None else None,
                message=" ".join(d.message.split()),
            )
        )
    return scan


def shapelint_command() -> list[str]:
    """The `shapelint` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("shapelint")
    return [str(script)] if script.exists() else [sys.executable, "-m", "shapelint"]


@dataclass
class CliScan:
    """One `shapelint check --format json` over the whole corpus."""

    seconds: float
    returncode: int
    findings: Counter[str]
    problem: str | None


def cli_scan(root: Path = CORPUS) -> CliScan:
    """Run the CLI as a user does; a non-JSON answer or an error exit is a problem."""
    command = [*shapelint_command(), "check", "--format", "json", "--exit-zero", str(root)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    seconds = time.perf_counter() - start
    found: Counter[str] = Counter()
    problem = None
    try:
        for item in json.loads(done.stdout or "[]"):
            rel = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
            where = f"{rel}:cell {item['cell']}" if "cell" in item else rel
            found[f"{where}:{item['location']['row']} {item['code']}"] += 1
    except (ValueError, KeyError) as error:
        problem = f"unreadable JSON output ({error}); stderr: {done.stderr.strip()[:300]}"
    if done.returncode != 0 and problem is None:
        problem = f"exit status {done.returncode}; stderr: {done.stderr.strip()[:300]}"
    return CliScan(seconds, done.returncode, found, problem)


def coverage_output(root: Path = CORPUS) -> str | None:
    """`shapelint coverage --totals` over the corpus (None when this build has no such command).

    The totals and the causes of unknowns, grouped and counted; `shapelint coverage bench/realworld`
    adds a line per file, `--format json` every unknown place."""
    probe = subprocess.run([*shapelint_command(), "coverage", "--help"], capture_output=True, text=True, cwd=ROOT)
    if probe.returncode != 0:
        return None
    done = subprocess.run(
        [*shapelint_command(), "coverage", "--totals", str(root)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    return (done.stdout + done.stderr).strip()


def known_verdicts(path: Path = VERDICTS) -> set[str]:
    """The `path:line CODE` keys that VERDICTS.md gives a verdict for."""
    if not path.exists():
        return set()
    import re

    # `path:line CODE` for one finding; `* CODE` for every finding of a code.
    pattern = re.compile(r"`((?:[^`]+:\d+|\*) SL\d{3})`")
    return {match for line in path.read_text(encoding="utf-8").splitlines() for match in pattern.findall(line)}


def _has_verdict(finding: Finding, verdicts: set[str]) -> bool:
    return finding.key in verdicts or f"* {finding.code}" in verdicts


def report(scans: Sequence[FileScan], cli: CliScan, coverage: str | None, command: str) -> tuple[str, bool]:
    """The markdown report, and whether the run is healthy (no crash, no internal error, CLI agrees)."""
    findings = [f for s in scans for f in s.findings]
    kinds = Counter(s.kind for s in scans)
    sources = Counter(s.path.split("/", 1)[0] for s in scans)
    crashes = [s for s in scans if s.crash]
    internal = [s for s in scans if s.internal_errors]
    in_process = Counter(f.key for f in findings)
    disagree = sorted(set(in_process) ^ set(cli.findings))
    verdicts = known_verdicts()
    lines = [
        "# shapelint on real-world Keras code",
        "",
        f"Generated by `{command}`. The corpus is `bench/realworld/` (sources and licenses in",
        "[bench/realworld/SOURCES.md](../bench/realworld/SOURCES.md)); it is correct code, so every shape",
        "finding below is a false alarm until a run shows a crash. Verdicts and minimal reproductions:",
        "[bench/realworld/VERDICTS.md](../bench/realworld/VERDICTS.md).",
        "",
        "## Summary",
        "",
        "| | count |",
        "|---|---|",
        f"| files checked | {len(scans)} ({kinds['script']} scripts, {kinds['notebook']} notebooks) |",
        *(f"| from `{name}/` | {count} |" for name, count in sorted(sources.items())),
        f"| findings | {len(findings)} |",
        f"| shape findings (SL1xx) | {sum(f.code.startswith('SL1') for f in findings)} |",
        f"| SL001 syntax errors | {sum(f.code == SYNTAX_ERROR for f in findings)} |",
        f"| crashes | {len(crashes)} |",
        f"| files with internal errors | {len(internal)} |",
        f"| findings without a verdict in VERDICTS.md | {sum(not _has_verdict(f, verdicts) for f in findings)} |",
        f"| `shapelint check --format json` over the corpus | {cli.seconds:.2f} s, exit {cli.returncode}"
        f"{', ' + cli.problem if cli.problem else ''} |",
        f"| CLI and in-process findings agree | {'yes' if not disagree else 'NO: ' + ', '.join(disagree[:5])} |",
        "",
        "## Findings by code",
        "",
        "| code | count | files |",
        "|---|---|---|",
    ]
    by_code = Counter(f.code for f in findings)
    for code, count in sorted(by_code.items()):
        files = len({f.path for f in findings if f.code == code})
        lines.append(f"| {code} | {count} | {files} |")
    if not by_code:
        lines.append("| (none) | 0 | 0 |")
    lines += ["", "## Every finding", "", "| where | code | severity | verdict | message |", "|---|---|---|---|---|"]
    for f in sorted(findings, key=lambda f: (f.path, f.cell or 0, f.line, f.code)):
        verdict = "listed" if _has_verdict(f, verdicts) else "**new**"
        message = f.message.replace("|", "\\|")
        lines.append(f"| `{f.where}` | {f.code} | {f.severity} | {verdict} | {message} |")
    if crashes or internal:
        lines += ["", "## Crashes and internal errors", ""]
        lines += [f"- `{s.path}`: crash: {s.crash}" for s in crashes]
        lines += [f"- `{s.path}`: internal: {'; '.join(s.internal_errors[:3])}" for s in internal]
    lines += ["", "## Time per file (in-process analysis, median of the repetitions)", ""]
    lines += ["| file | kind | ms | findings |", "|---|---|---|---|"]
    for s in scans:
        ms = f"{statistics.median(s.seconds) * 1000:.1f}" if s.seconds else "-"
        lines.append(f"| `{s.path}` | {s.kind} | {ms} | {len(s.findings)} |")
    total = sum(statistics.median(s.seconds) for s in scans if s.seconds)
    lines += ["", f"Total in-process analysis: {total * 1000:.0f} ms for {len(scans)} files.", ""]
    lines += ["## Coverage", ""]
    if coverage is None:
        lines.append(
            "`shapelint coverage` is not available in this build; when it exists, this section shows its"
            " output on the corpus (see `coverage_output` in bench/realworld.py)."
        )
    else:
        lines += [
            "Generated by `shapelint coverage --totals bench/realworld`: how many model inputs, data fed to",
            "fit/evaluate/predict and layer outputs have a known shape, and the first cause of each unknown,",
            "grouped across files and sorted by count (what to teach shapelint next).",
            "",
            "```",
            coverage,
            "```",
        ]
    lines.append("")
    healthy = not crashes and not internal and not disagree and cli.problem is None
    return "\n".join(lines), healthy


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one repetition; report to a temporary file")
    parser.add_argument("--repetitions", type=int, default=5, help="in-process analyses per file (default 5)")
    parser.add_argument("--output", type=Path, help="where to write the report (default: docs/realworld.md)")
    args = parser.parse_args(argv)
    repetitions = 1 if args.smoke else max(1, args.repetitions)
    command = ".venv/bin/python bench/realworld.py" + (" --smoke" if args.smoke else "")
    scans = [scan_file(path, repetitions) for path in corpus_files()]
    text, healthy = report(scans, cli_scan(), coverage_output(), command)
    output = args.output or (Path(tempfile.gettempdir()) / "shapelint-realworld.md" if args.smoke else REPORT)
    output.write_text(text, encoding="utf-8")
    findings = [f for s in scans for f in s.findings]
    print(
        f"{len(scans)} files, {len(findings)} findings ({sum(f.code.startswith('SL1') for f in findings)} shape), "
        f"{sum(f.code == SYNTAX_ERROR for f in findings)} SL001, "
        f"{sum(1 for s in scans if s.crash)} crashes, {sum(1 for s in scans if s.internal_errors)} with internal errors"
    )
    for f in findings:
        if f.code != "SL201":
            print(f"  {f.key}: {f.message}")
    print(f"report: {output}")
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
