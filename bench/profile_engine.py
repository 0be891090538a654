"""Where the time goes, for the targets docs/benchmarks.md reports as missed.

    .venv/bin/python bench/profile_engine.py [--lines 2000] [--edits 20] [--server]

1. start-up: what `shapelint check` imports before it reads a file (`-X importtime`);
2. a cold analysis: time per pipeline stage and the hottest functions (cProfile);
3. a keystroke: the same for the analysis after a one-character edit, plus the share of
   garbage collection (gc.callbacks), and the keystroke again with the collector paused;
4. with --server: py-spy samples of `shapelint server` while it serves keystrokes.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus
import process_bench

STAGES = {  # (file suffix, function) -> stage name, for cumulative times
    ("source.py", "parse_program"): "split + parse (libcst, cached per statement)",
    ("interpreter.py", "run"): "interpret (abstract shapes)",
    ("__init__.py", "run_rules"): "rules",
    ("source.py", "positions"): "positions (libcst metadata, inside rules)",
}


# 1. Start-up ------------------------------------------------------------------------------------
def startup() -> None:
    print("## 1. `shapelint check` start-up\n")
    probe = Path(tempfile.mkdtemp()) / "empty.py"
    probe.write_text("x = 1\n")
    bare = statistics.median(
        process_bench.run_timed([process_bench.PYTHON, "-c", "pass"], 60).seconds for _ in range(3)
    )
    check = statistics.median(process_bench.shapelint_check([probe]).seconds for _ in range(3))
    print(f"- `python -c pass`: {bare * 1000:.0f} ms; `shapelint check` on a one-line file: {check * 1000:.0f} ms\n")
    completed = subprocess.run(
        [process_bench.PYTHON, "-X", "importtime", "-m", "shapelint", "check", str(probe)],
        capture_output=True,
        text=True,
        env=process_bench.command_env(),
        timeout=120,
    )
    rows = []
    for line in completed.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = [part.strip() for part in line[len("import time:") :].split("|")]
        if len(parts) != 3 or not parts[0].isdigit():
            continue  # the header line
        rows.append((int(parts[0]), int(parts[1]), parts[2]))
    total = sum(own for own, _, _ in rows)
    by_package: Counter[str] = Counter()
    for own, _, name in rows:
        by_package[name.strip().split(".")[0]] += own
    print(f"Imports: {total / 1000:.0f} ms in all (self times summed). By top-level package:\n")
    for package, own in by_package.most_common(8):
        print(f"- {package}: {own / 1000:.0f} ms ({100 * own / total:.0f}%)")
    print("\nSlowest single modules (self time):\n")
    for own, cumulative, name in sorted(rows, reverse=True)[:10]:
        print(f"- {name.strip()}: {own / 1000:.0f} ms (with its imports {cumulative / 1000:.0f} ms)")
    print()


# 2-3. Analysis --------------------------------------------------------------------------------
@contextmanager
def collections_timed() -> Iterator[dict[int, list[float]]]:
    """Seconds spent in each garbage collection, by generation, while the block runs."""
    found: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        elif started:
            found[info["generation"]].append(time.perf_counter() - started.pop())

    gc.callbacks.append(callback)
    try:
        yield found
    finally:
        gc.callbacks.remove(callback)


def _profile(label: str, runs: list[Callable[[], object]]) -> None:
    profile = cProfile.Profile()
    wall = 0.0
    with collections_timed() as collections:
        for run in runs:
            started = time.perf_counter()
            profile.enable()
            run()
            profile.disable()
            wall += time.perf_counter() - started
    stats = pstats.Stats(profile)
    raw = stats.stats  # type: ignore[attr-defined]
    profiled = max((entry[3] for key, entry in raw.items() if key[2] in ("analyze", "_analyze")), default=wall)
    print(f"### {label}: {wall / len(runs) * 1000:.0f} ms per run ({len(runs)} runs; profiler on)\n")
    for (suffix, function), stage in STAGES.items():
        cumulative = sum(entry[3] for key, entry in raw.items() if key[0].endswith(suffix) and key[2] == function)
        print(f"- {stage}: {100 * cumulative / profiled:.0f}%")
    collected = sum(sum(times) for times in collections.values())
    print(
        f"- garbage collection: {100 * collected / wall:.0f}% of wall time "
        + ", ".join(
            f"gen {generation}: {len(times)}× {sum(times) * 1000:.0f} ms"
            for generation, times in collections.items()
            if times
        )
    )
    print("\nHottest functions (own time):\n")
    rows = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:12]
    for (filename, line, function), (_, calls, own, cumulative, _) in rows:
        where = filename.split("site-packages/")[-1].split("server/")[-1]
        print(
            f"- {where}:{line} {function}: {100 * own / profiled:.1f}% own, {100 * cumulative / profiled:.0f}% "
            f"with callees, {calls} calls"
        )
    print()


def analysis(lines: int, edits: int) -> None:
    from shapelint.engine import analyze, forget_texts

    text = corpus.keras_program(lines, 11)
    analyze(corpus.keras_program(200, 1))  # imports and tables

    def cold() -> None:
        forget_texts()
        analyze(text)

    print(f"## 2. Cold analysis, {lines:,} lines\n")
    _profile("cold", [cold, cold, cold])

    print(f"## 3. One keystroke in the middle, {lines:,} lines\n")
    analyze(text)
    keystroke = corpus.middle_keystroke(text)
    versions = [text]
    for _ in range(2 * edits):
        versions.append(keystroke.apply(versions[-1]))
    _profile("keystroke", [lambda version=version: analyze(version) for version in versions[1 : edits + 1]])  # type: ignore[misc]

    timings = []
    for version in versions[edits + 1 :]:
        gc.disable()
        started = time.perf_counter()
        analyze(version)
        timings.append(time.perf_counter() - started)
        gc.enable()
    print(
        f"Keystroke with the garbage collector paused (profiler off): median "
        f"{statistics.median(timings) * 1000:.0f} ms over {len(timings)} keystrokes\n"
    )


# 4. Server -----------------------------------------------------------------------------------
def server(lines: int, edits: int) -> None:
    import server_bench
    from lsp_client import LspClient

    spy = shutil.which("py-spy", path=str(Path(process_bench.PYTHON).parent)) or shutil.which("py-spy")
    if spy is None:
        print("## 4. Server\n\npy-spy is not installed (`.venv/bin/pip install py-spy`).\n")
        return
    output = Path(tempfile.mkdtemp()) / "server.txt"

    async def drive() -> list[float]:
        root = Path(tempfile.mkdtemp())
        text = corpus.keras_program(lines, 11)
        path = root / "generated.py"
        path.write_text(text)
        spec = server_bench.shapelint_server()
        client = LspClient(list(spec.command), root, spec.settings, process_bench.command_env())
        await client.start()
        uri, _ = await client.open_and_wait(path, text, 120)
        keystroke = corpus.middle_keystroke(text)
        await client.change_and_wait(uri, keystroke, 60)
        recorder = subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(client.pid),
                "--rate",
                "200",
                "--format",
                "raw",
                "-o",
                str(output),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        await asyncio.sleep(1.0)
        samples = []
        for _ in range(edits):
            await asyncio.sleep(0.1)
            samples.append(await client.change_and_wait(uri, keystroke, 60))
        recorder.send_signal(2)
        recorder.wait(30)
        await client.stop()
        return samples

    samples = asyncio.run(drive())
    print(
        f"## 4. Server, {lines:,} lines: change → diagnostics median {statistics.median(samples) * 1000:.0f} ms "
        f"(py-spy attached)\n"
    )
    if not output.exists():
        print("py-spy recorded nothing (ptrace not permitted?).\n")
        return
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in output.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [frame.split(" (")[0] + " (" + frame.split(" (")[-1].split("/")[-1] for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            inclusive[frame] += count
    print("Inclusive (share of all samples):\n")
    for frame, count in inclusive.most_common(25):
        print(f"- {100 * count / total:.0f}% {frame}")
    print("\nOwn time:\n")
    for frame, count in own.most_common(12):
        print(f"- {100 * count / total:.1f}% {frame}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--server", action="store_true", help="also sample the language server with py-spy")
    args = parser.parse_args()
    print(f"# shapelint profile ({os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})\n")
    startup()
    analysis(args.lines, args.edits)
    if args.server:
        server(args.lines, args.edits)


if __name__ == "__main__":
    main()
