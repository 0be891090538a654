"""Change-to-diagnostics latency and memory of `shapelint server`, measured with a real LSP client.

    .venv/bin/python bench/lsp_latency.py            # seed examples, 2,000 and 10,000 lines, 50 files
    .venv/bin/python bench/lsp_latency.py --quick    # fewer keystrokes, for a smoke run
    .venv/bin/python bench/lsp_latency.py --json out.json

The client is pygls's LanguageClient over stdio, with the capabilities a VS Code client
announces for diagnostics (versionSupport). Latency of one keystroke = from sending the
didChange of version v to receiving publishDiagnostics for the same document at version v.
Keystrokes are paced like typing (a pause between them), so the figure is the time a
person waits, not a throughput; the server's coalescing would hide work at full speed.

This is a measurement, not a test: it prints figures and never fails because of them.
Targets (from the issue): median at most 30 ms on the seed examples and at most 100 ms
on a 2,000-line file; 10,000 lines at most 5x the 2,000-line figure; RSS under 150 MB
with 50 open files.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from generate import keras_program  # noqa: E402  (bench/ is not a package)

SERVER = [sys.executable, "-c", "from shapelint.lsp import serve; serve()"]
PAUSE_BETWEEN_KEYSTROKES = 0.08  # seconds; a fast typist
DIAGNOSTICS_TIMEOUT = 120.0


@dataclass
class Timing:
    """Latencies (ms) of one scenario."""

    name: str
    lines: int
    samples_ms: list[float] = field(default_factory=list)
    open_ms: float = 0.0
    # Server CPU time per keystroke: what the latency would be on an otherwise idle machine.
    cpu_ms_per_keystroke: float = 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p90(self) -> float:
        if not self.samples_ms:
            return float("nan")
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


class BenchClient(LanguageClient):
    """pygls's client, resolving a future when diagnostics for (uri, version) arrive."""

    def __init__(self) -> None:
        super().__init__("shapelint-bench", "1")
        self.waiting: dict[tuple[str, int | None], asyncio.Future[float]] = {}
        self.received: dict[str, int | None] = {}

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            now = time.perf_counter()
            self.received[params.uri] = params.version
            future = self.waiting.pop((params.uri, params.version), None)
            if future is not None and not future.done():
                future.set_result(now)

        @self.feature(types.WORKSPACE_CONFIGURATION)
        def configuration(params: types.ConfigurationParams) -> list[object]:
            return [{} for _ in params.items]

        @self.feature(types.WINDOW_LOG_MESSAGE)
        def log(params: types.LogMessageParams) -> None:
            pass

        @self.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            print(f"server says: {params.message}", file=sys.stderr)

    def expect(self, uri: str, version: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[(uri, version)] = future
        return future


CAPABILITIES = types.ClientCapabilities(
    general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
    text_document=types.TextDocumentClientCapabilities(
        synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True, related_information=True),
    ),
    workspace=types.WorkspaceClientCapabilities(configuration=True),
)


async def start(root: Path) -> BenchClient:
    client = BenchClient()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "server"), env.get("PYTHONPATH", "")]))
    env.setdefault("SHAPELINT_LOG_LEVEL", "WARNING")
    await client.start_io(*SERVER, env=env)
    await client.initialize_async(
        types.InitializeParams(capabilities=CAPABILITIES, root_uri=root.as_uri(), process_id=os.getpid())
    )
    client.initialized(types.InitializedParams())
    return client


async def stop(client: BenchClient) -> None:
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()


async def open_document(client: BenchClient, path: Path, text: str) -> float:
    """Open a document and return the time (ms) to its first diagnostics."""
    uri = path.as_uri()
    waiter = client.expect(uri, 1)
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return (await asyncio.wait_for(waiter, DIAGNOSTICS_TIMEOUT) - started) * 1000


def keystroke_position(text: str, index: int) -> types.Position:
    """Where the `index`-th keystroke goes: inside a layer's unit count near the middle of the file.

    Typing a digit into `Dense(64` keeps the file valid and makes every version new.
    """
    lines = text.splitlines()
    candidates = [n for n, line in enumerate(lines) if "layers.Dense(" in line or "layers.LSTM(" in line]
    if not candidates:
        candidates = [n for n, line in enumerate(lines) if line.strip()] or [0]
    line_number = candidates[(len(candidates) // 2 + index) % len(candidates)]
    line = lines[line_number] if lines else ""
    marker = line.find("(")
    return types.Position(line=line_number, character=marker + 1 if marker >= 0 else 0)


async def type_keystrokes(client: BenchClient, path: Path, text: str, count: int) -> list[float]:
    """Type `count` digits into the open document; the change-to-diagnostics time of each (ms)."""
    uri = path.as_uri()
    latencies = []
    for index in range(count):
        version = index + 2
        position = keystroke_position(text, index)
        waiter = client.expect(uri, version)
        started = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text="1")
                ],
            )
        )
        latencies.append((await asyncio.wait_for(waiter, DIAGNOSTICS_TIMEOUT) - started) * 1000)
        lines = text.splitlines(keepends=True)
        line = lines[position.line]
        lines[position.line] = line[: position.character] + "1" + line[position.character :]
        text = "".join(lines)
        await asyncio.sleep(PAUSE_BETWEEN_KEYSTROKES)
    return latencies


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed_keystrokes(client: BenchClient, path: Path, text: str, count: int, timing: Timing) -> None:
    """Type into a document, recording latencies and the server's CPU time per keystroke."""
    assert client._server is not None
    pid = client._server.pid
    await asyncio.sleep(1.5)  # let the open's idle-time work finish before measuring
    before = cpu_seconds(pid)
    latencies = await type_keystrokes(client, path, text, count)
    spent = cpu_seconds(pid) - before
    timing.samples_ms.extend(latencies)
    keystrokes = len(timing.samples_ms)
    previous = timing.cpu_ms_per_keystroke * (keystrokes - len(latencies))
    timing.cpu_ms_per_keystroke = (previous + spent * 1000) / keystrokes


def seed_examples() -> list[Path]:
    """The bundled seed programs (correct and mistaken)."""
    return sorted((REPO / "examples").rglob("*.py"))


async def measure_latency(root: Path, keystrokes: int, sizes: Sequence[int]) -> list[Timing]:
    client = await start(root)
    timings = []
    try:
        seeds = Timing("seed examples", 0)
        for example in seed_examples():
            text = example.read_text()
            path = root / f"seed_{example.parent.name}_{example.name}"
            seeds.lines = max(seeds.lines, text.count("\n"))
            await open_document(client, path, text)
            await timed_keystrokes(client, path, text, keystrokes, seeds)
        timings.append(seeds)
        for lines in sizes:
            text = keras_program(lines, seed=lines)
            path = root / f"generated_{lines}.py"
            timing = Timing(f"generated {lines:,} lines", lines)
            timing.open_ms = await open_document(client, path, text)
            # Larger files get fewer keystrokes: the median is stable long before.
            await timed_keystrokes(client, path, text, max(5, keystrokes // (1 + lines // 5000)), timing)
            timings.append(timing)
    finally:
        await stop(client)
    return timings


def rss_mib(pid: int) -> float:
    """Resident memory of a process (Linux /proc), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Memory:
    files: int
    description: str
    rss_mib: float


async def measure_memory(root: Path, files: int, lines: int | None) -> Memory:
    """Server RSS after opening `files` documents and receiving all their diagnostics.

    lines=None: the seed examples and test fixtures (short, real-looking scripts, topped
    up with generated 200-400 line programs); otherwise generated programs of that many lines.
    """
    if lines is None:
        sources = [
            path.read_text() for path in [*seed_examples(), *sorted((REPO / "tests" / "fixtures").rglob("*.py"))]
        ]
        sources = sources[:files]
        sources += [keras_program(200 + 50 * (index % 5), seed=1000 + index) for index in range(files - len(sources))]
        description = f"{files} realistic files ({sum(text.count(chr(10)) for text in sources):,} lines in all)"
    else:
        sources = [keras_program(lines, seed=2000 + index) for index in range(files)]
        description = f"{files} generated files of {lines:,} lines"
    client = await start(root)
    try:
        for index, text in enumerate(sources):
            await open_document(client, root / f"memory_{index:03d}.py", text)
        await asyncio.sleep(0.5)
        assert client._server is not None
        rss = rss_mib(client._server.pid)
    finally:
        await stop(client)
    return Memory(files, description, rss)


def report(timings: Sequence[Timing], memories: Sequence[Memory]) -> str:
    load = os.getloadavg()
    out = [
        f"shapelint server, change -> diagnostics over stdio ({os.cpu_count()} cores, "
        f"load average {load[0]:.1f} at the end, Python {sys.version.split()[0]})",
        "",
        f"{'scenario':<26}{'keystrokes':>11}{'median ms':>11}{'p90 ms':>9}{'open ms':>10}{'cpu ms/key':>12}",
    ]
    for timing in timings:
        opened = f"{timing.open_ms:10.0f}" if timing.open_ms else f"{'':>10}"
        out.append(
            f"{timing.name:<26}{len(timing.samples_ms):>11}{timing.median:>11.1f}{timing.p90:>9.1f}{opened}"
            f"{timing.cpu_ms_per_keystroke:>12.1f}"
        )
    by_lines = {timing.lines: timing.median for timing in timings if timing.name.startswith("generated")}
    if 2000 in by_lines and 10000 in by_lines:
        out.append(f"\n10,000 lines / 2,000 lines: {by_lines[10000] / by_lines[2000]:.1f}x (target: at most 5x)")
    out.append("")
    for memory in memories:
        out.append(f"RSS with {memory.description}: {memory.rss_mib:.0f} MiB")
    return "\n".join(out)


async def main(arguments: argparse.Namespace) -> None:
    with TemporaryDirectory(prefix="shapelint-bench-") as folder:
        root = Path(folder)
        sizes = [] if arguments.no_large else [2000, 10000]
        timings = await measure_latency(root, arguments.keystrokes, sizes)
        memories = [await measure_memory(root, 50, None), await measure_memory(root, 50, 400)]
        if arguments.large_memory:
            memories.append(await measure_memory(root, 50, 2000))
    print(report(timings, memories))
    if arguments.json:
        payload = {
            "cores": os.cpu_count(),
            "load_average": os.getloadavg(),
            "timings": [{**asdict(timing), "median_ms": timing.median, "p90_ms": timing.p90} for timing in timings],
            "memory": [asdict(memory) for memory in memories],
        }
        Path(arguments.json).write_text(json.dumps(payload, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keystrokes", type=int, default=30, help="keystrokes per document (default 30)")
    parser.add_argument("--quick", action="store_true", help="5 keystrokes per document, no 10,000-line file")
    parser.add_argument("--no-large", action="store_true", help="skip the 2,000- and 10,000-line files")
    parser.add_argument("--large-memory", action="store_true", help="also measure 50 open 2,000-line files")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.quick:
        args.keystrokes = 5
    asyncio.run(main(args))
