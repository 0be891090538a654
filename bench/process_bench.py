"""Wall-clock timings of whole commands: `shapelint check`, `python script.py`, parsers over a corpus."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
VENV_BIN = REPOSITORY / ".venv" / "bin"
SHAPELINT = str(VENV_BIN / "shapelint")
PYTHON = str(VENV_BIN / "python")


class CommandFailed(RuntimeError):
    """A command ended in a way the benchmark did not expect: the benchmark is broken."""


@dataclass(frozen=True)
class Finished:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mib: float  # the process's own peak resident memory (ru_maxrss)
    cpu_seconds: float  # user + system CPU time of the process


def command_env() -> dict[str, str]:
    """The user's environment, minus what would make a run unlike a user's.

    PYTHONDONTWRITEBYTECODE would make every run recompile shapelint from source, which an
    installed tool never does (pip compiles it once). TensorFlow's log chatter is silenced.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def run_timed(command: Sequence[str], timeout: float, cwd: Path = REPOSITORY) -> Finished:
    """Run a command to its end; wall time from spawn to exit, output, and its peak RSS."""
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=stdout, stderr=stderr, cwd=cwd, env=command_env())
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)  # wait4: this child's own rusage
            seconds = time.perf_counter() - started
        finally:
            timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        if seconds >= timeout:
            raise CommandFailed(f"{' '.join(command)} did not finish in {timeout} s")
        stdout.seek(0)
        stderr.seek(0)
        return Finished(
            seconds,
            process.returncode,
            stdout.read().decode("utf-8", "replace"),
            stderr.read().decode("utf-8", "replace"),
            usage.ru_maxrss / 1024,  # KiB on Linux
            usage.ru_utime + usage.ru_stime,
        )


def run_parallel_timed(commands: Sequence[Sequence[str]], timeout: float) -> tuple[float, list[int]]:
    """Start every command at once; seconds until the last one exits, and their exit codes."""
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            list(command),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=REPOSITORY,
            env=command_env(),
        )
        for command in commands
    ]
    codes = []
    try:
        for process in processes:
            _, stderr = process.communicate(timeout=max(timeout - (time.perf_counter() - started), 1))
            codes.append(process.returncode)
            if process.returncode not in (0, 1):
                raise CommandFailed(f"{' '.join(process.args)} exited {process.returncode}: {stderr.decode()[-2000:]}")
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    return time.perf_counter() - started, codes


def shapelint_check(paths: Sequence[Path | str], timeout: float = 300.0, jobs: int | None = None) -> Finished:
    """`shapelint check PATHS --format json --no-cache` (every run analyses: repetitions stay cold; `jobs`
    worker processes, default every core); exit 0 or 1 is a result, anything else is broken."""
    options = ["--no-cache", *(["--jobs", str(jobs)] if jobs is not None else [])]
    finished = run_timed([SHAPELINT, "check", *map(str, paths), "--format", "json", *options], timeout)
    if finished.returncode not in (0, 1):
        raise CommandFailed(f"shapelint check exited {finished.returncode}: {finished.stderr[-2000:]}")
    return finished


def run_script(script: Path, timeout: float = 600.0) -> Finished:
    """`python script.py` with TensorFlow, dataset downloads answered locally (run_offline.py)."""
    return run_timed([PYTHON, str(BENCH / "run_offline.py"), str(script)], timeout)


def last_error_line(stderr: str) -> str:
    """The exception line Python printed last (`ValueError: ...`), or ""."""
    for line in reversed(stderr.strip().splitlines()):
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and " " not in head:
            return line.strip()
    return ""


def split_evenly(items: Sequence[Path], parts: int) -> list[list[Path]]:
    """`items` dealt round-robin into `parts` non-empty lists."""
    buckets: list[list[Path]] = [[] for _ in range(max(1, min(parts, len(items))))]
    for index, item in enumerate(items):
        buckets[index % len(buckets)].append(item)
    return buckets


PARSE_FLOOR_SCRIPT = """
import sys, libcst
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as handle:
        libcst.parse_module(handle.read())
"""


def libcst_parse_files(paths: Sequence[Path], timeout: float = 600.0) -> Finished:
    """A process that only reads and libcst-parses each file: the floor under any libcst linter."""
    finished = run_timed([PYTHON, "-c", PARSE_FLOOR_SCRIPT, *map(str, paths)], timeout)
    if finished.returncode != 0:
        raise CommandFailed(f"libcst parse of the corpus failed: {finished.stderr[-2000:]}")
    return finished


def python_version() -> str:
    return sys.version.split()[0]
