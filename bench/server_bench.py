"""Language-server measurements: change-to-diagnostics latency and peak memory.

Both servers are driven by the same client (`lsp_client.LspClient`) with the same files
and the same keystrokes; only the command line and the settings differ.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import edit_positions
from lsp_client import LspClient, descendants, peak_rss_mib

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
VENV_PYTHON = REPOSITORY / ".venv" / "bin" / "python"
PYRIGHT_LANGSERVER = BENCH / "node_modules" / ".bin" / "pyright-langserver"
# A person types a few characters a second: leave the server idle between keystrokes.
PAUSE_BETWEEN_EDITS = 0.1


@dataclass(frozen=True)
class ServerSpec:
    name: str
    command: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    timeout: float = 60.0  # per diagnostics wait; longer means broken


def shapelint_server() -> ServerSpec:
    shapelint = shutil.which("shapelint", path=str(VENV_PYTHON.parent)) or "shapelint"
    return ServerSpec("shapelint", (shapelint, "server"), {"shapelint": {"enable": True}}, timeout=60.0)


def pyright_server() -> ServerSpec | None:
    """pyright-langserver from bench/node_modules, resolving imports in the project's venv."""
    if not PYRIGHT_LANGSERVER.exists():
        return None
    settings = {
        "python": {
            "pythonPath": str(VENV_PYTHON),
            "analysis": {"diagnosticMode": "openFilesOnly", "typeCheckingMode": "standard"},
        }
    }
    return ServerSpec("pyright", (str(PYRIGHT_LANGSERVER), "--stdio"), settings, timeout=300.0)


@dataclass
class LatencyResult:
    """One file in one server session: didOpen -> diagnostics, then keystrokes at each position."""

    open_seconds: float
    edit_seconds: list[float]  # every counted keystroke, positions in turn
    by_position: dict[str, list[float]] = field(default_factory=dict)  # "top"/"middle"/"end" -> seconds
    cpu_by_position: dict[str, float] = field(default_factory=dict)  # server CPU seconds per counted keystroke
    line_by_position: dict[str, int] = field(default_factory=dict)  # where the keystroke went (0-based)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by a process and its children alive now (Linux /proc)."""
    total = 0
    for each in descendants(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _client(spec: ServerSpec, root: Path) -> LspClient:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed tools run from compiled bytecode
    return LspClient(list(spec.command), root, spec.settings, env)


@contextlib.asynccontextmanager
async def server_session(spec: ServerSpec, root: Path) -> AsyncIterator[LspClient]:
    """A started server for one session (one editor: the files opened in turn), stopped at its end."""
    client = _client(spec, root)
    await client.start(timeout=spec.timeout)
    try:
        yield client
    finally:
        await client.stop()


async def _edit_latencies(
    spec: ServerSpec,
    root: Path,
    files: Sequence[tuple[Path, str]],
    edits: int,
    warmup: int,
    positions: Sequence[str],
) -> list[LatencyResult]:
    results = []
    async with server_session(spec, root) as client:
        for path, text in files:
            uri, opened = await client.open_and_wait(path, text, spec.timeout)
            result = LatencyResult(opened, [])
            for where in positions:
                keystroke = edit_positions.keystroke(text, where)
                result.line_by_position[where] = keystroke.line
                samples = []
                cpu = 0.0
                for index in range(warmup + edits):
                    await asyncio.sleep(PAUSE_BETWEEN_EDITS)
                    before = cpu_seconds(client.pid)
                    elapsed = await client.change_and_wait(uri, keystroke, spec.timeout)
                    text = keystroke.apply(text)
                    if index >= warmup:
                        samples.append(elapsed)
                        cpu += cpu_seconds(client.pid) - before
                result.by_position[where] = samples
                result.cpu_by_position[where] = cpu / len(samples) if samples else 0.0
                result.edit_seconds += samples
            await client.close(uri)
            results.append(result)
    return results


def write_files(files: Sequence[tuple[Path, str]]) -> None:
    """Put the files a server session opens on disk (a server may read them there)."""
    for path, text in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def edit_latencies(
    spec: ServerSpec,
    root: Path,
    files: Sequence[tuple[Path, str]],
    edits: int,
    warmup: int = 1,
    positions: Sequence[str] = ("middle",),
) -> list[LatencyResult]:
    """Per file: seconds from didOpen to diagnostics, and from each keystroke to diagnostics.

    One server process serves every file in turn, as in one editor session. At each edit
    position (bench/edit_positions.py, in the order given) the first `warmup` keystrokes are
    not counted (the server's first edit there pays for lazily built state that every later one
    reuses); the CPU time is the server's (and its children's) from each counted keystroke sent to its
    diagnostics received, so work done while idle between keystrokes is not in it.
    """
    write_files(files)
    return asyncio.run(_edit_latencies(spec, root, files, edits, warmup, positions))


async def _peak_memory(spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]]) -> float:
    async with server_session(spec, root) as client:
        await asyncio.gather(*(client.open_and_wait(path, text, spec.timeout * 4) for path, text in files))
        await asyncio.sleep(0.5)
        return peak_rss_mib(client.pid)


def peak_memory(spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]]) -> float:
    """Peak RSS (MiB) of a fresh server (and its children) after `files` are open and analysed."""
    write_files(files)
    return asyncio.run(_peak_memory(spec, root, files))


@dataclass(frozen=True)
class FirstOpen:
    """A file opened in a fresh server: what the user waits for once it runs, and from its start."""

    after_open: float  # seconds from didOpen to the diagnostics
    after_start: float  # seconds from spawning the server (start-up and initialize included) to the same diagnostics


async def _first_diagnostics(spec: ServerSpec, root: Path, path: Path, text: str) -> FirstOpen:
    client = _client(spec, root)
    spawned = time.perf_counter()
    await client.start(timeout=spec.timeout)
    try:
        opened = time.perf_counter()
        _, seconds = await client.open_and_wait(path, text, spec.timeout)
        return FirstOpen(seconds, opened - spawned + seconds)
    finally:
        await client.stop()


def first_diagnostics(spec: ServerSpec, root: Path, path: Path) -> FirstOpen:
    """Seconds to the first diagnostics of a file opened in a fresh server, right after it is initialised.

    What an editor user waits for when opening a file: from didOpen once the server runs, and from
    the server's spawn when the editor starts it for this file (as when the first Python file opens).
    """
    return asyncio.run(_first_diagnostics(spec, root, path, path.read_text(encoding="utf-8")))
