"""Language-server measurements: change-to-diagnostics latency and peak memory.

Both servers are driven by the same client (`lsp_client.LspClient`) with the same files
and the same keystrokes; only the command line and the settings differ.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import corpus
from lsp_client import LspClient, peak_rss_mib

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
    open_seconds: float
    edit_seconds: list[float]


def _client(spec: ServerSpec, root: Path) -> LspClient:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed tools run from compiled bytecode
    return LspClient(list(spec.command), root, spec.settings, env)


async def _edit_latencies(
    spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]], edits: int, warmup: int
) -> list[LatencyResult]:
    client = _client(spec, root)
    await client.start(timeout=spec.timeout)
    results = []
    try:
        for path, text in files:
            uri, opened = await client.open_and_wait(path, text, spec.timeout)
            keystroke = corpus.middle_keystroke(text)
            samples = []
            for index in range(warmup + edits):
                await asyncio.sleep(PAUSE_BETWEEN_EDITS)
                elapsed = await client.change_and_wait(uri, keystroke, spec.timeout)
                if index >= warmup:
                    samples.append(elapsed)
            await client.close(uri)
            results.append(LatencyResult(opened, samples))
    finally:
        await client.stop()
    return results


def edit_latencies(
    spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]], edits: int, warmup: int = 1
) -> list[LatencyResult]:
    """Per file: seconds from didOpen to diagnostics, and from each keystroke to diagnostics.

    One server process serves every file in turn, as in one editor session. The first
    `warmup` keystrokes of each file are not counted (the server's first edit of a file
    pays for lazily built state that every later one reuses).
    """
    for path, text in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return asyncio.run(_edit_latencies(spec, root, files, edits, warmup))


async def _peak_memory(spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]]) -> float:
    client = _client(spec, root)
    await client.start(timeout=spec.timeout)
    try:
        await asyncio.gather(*(client.open_and_wait(path, text, spec.timeout * 4) for path, text in files))
        await asyncio.sleep(0.5)
        return peak_rss_mib(client.pid)
    finally:
        await client.stop()


def peak_memory(spec: ServerSpec, root: Path, files: Sequence[tuple[Path, str]]) -> float:
    """Peak RSS (MiB) of a fresh server (and its children) after `files` are open and analysed."""
    for path, text in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return asyncio.run(_peak_memory(spec, root, files))


async def _first_diagnostics(spec: ServerSpec, root: Path, path: Path, text: str) -> float:
    client = _client(spec, root)
    await client.start(timeout=spec.timeout)
    try:
        _, seconds = await client.open_and_wait(path, text, spec.timeout)
        return seconds
    finally:
        await client.stop()


def first_diagnostics(spec: ServerSpec, root: Path, path: Path) -> float:
    """Seconds from didOpen to the first diagnostics, in a fresh (already initialised) server.

    What an editor user waits for when opening a file: the server is running, the file is new to it.
    """
    return asyncio.run(_first_diagnostics(spec, root, path, path.read_text(encoding="utf-8")))
