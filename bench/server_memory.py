"""Peak and final RSS of a fresh language server with N files open: section 7's row, on its own.

    .venv/bin/python bench/server_memory.py                      # 50 files, 3 fresh servers
    .venv/bin/python bench/server_memory.py --files 10 --repeat 5
    .venv/bin/python bench/server_memory.py --compare /other/checkout   # alternate two checkouts

The files are the ones bench/run.py's memory section opens (`keras_program(500, 100 + i)`),
all opened at once and waited for; the figures are VmHWM (peak) and VmRSS (now, after the
server was left idle for `--idle` seconds) of the server and its children. `--compare` runs
the same measurement with the other checkout's `.venv/bin/shapelint`, alternating with this
one's, so both see the same machine load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

import corpus
import server_bench
from lsp_client import LspClient, descendants, peak_rss_mib

REPOSITORY = Path(__file__).resolve().parent.parent


def _status_mib(pid: int, field: str) -> float:
    total = 0.0
    for each in descendants(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(field + ":"):
                total += int(line.split()[1]) / 1024
    return total


async def _measure(spec: server_bench.ServerSpec, root: Path, files: Sequence[tuple[Path, str]], idle: float):
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as server_bench: installed tools run from compiled bytecode
    client = LspClient(list(spec.command), root, spec.settings, env)
    await client.start(timeout=spec.timeout)
    try:
        await asyncio.gather(*(client.open_and_wait(path, text, spec.timeout * 4) for path, text in files))
        await asyncio.sleep(0.5)
        peak = peak_rss_mib(client.pid)
        await asyncio.sleep(idle)
        return peak, _status_mib(client.pid, "VmRSS")
    finally:
        await client.stop()


def measure(checkout: Path, count: int, lines: int, idle: float) -> tuple[float, float]:
    """(peak MiB, RSS MiB after idling) of a fresh server of `checkout` with `count` files open."""
    spec = server_bench.ServerSpec(
        "shapelint", (str(checkout / ".venv" / "bin" / "shapelint"), "server"), {"shapelint": {"enable": True}}
    )
    with tempfile.TemporaryDirectory(prefix="shapelint-bench-") as folder:
        root = Path(folder)
        files = [(root / f"program_{i:03d}.py", corpus.keras_program(lines, 100 + i)) for i in range(count)]
        for path, text in files:
            path.write_text(text, encoding="utf-8")
        return asyncio.run(_measure(spec, root, files, idle))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle", type=float, default=2.0, help="seconds idle before the final RSS")
    parser.add_argument("--compare", type=Path, action="append", default=[], help="another checkout to alternate")
    args = parser.parse_args()
    checkouts = [REPOSITORY, *args.compare]
    measured: dict[Path, list[tuple[float, float]]] = {checkout: [] for checkout in checkouts}
    for repetition in range(args.repeat):
        for checkout in checkouts if repetition % 2 == 0 else reversed(checkouts):
            peak, now = measure(checkout, args.files, args.lines, args.idle)
            measured[checkout].append((peak, now))
            print(f"{checkout}: peak {peak:.1f} MiB, after {args.idle:g} s idle {now:.1f} MiB", flush=True)
    for checkout, samples in measured.items():
        peaks = [peak for peak, _ in samples]
        nows = [now for _, now in samples]
        print(
            f"{checkout} ({args.files} files of {args.lines} lines): peak median {statistics.median(peaks):.1f} MiB "
            f"({statistics.median(peaks) * 1.048576:.0f} MB; {min(peaks):.1f}-{max(peaks):.1f}), "
            f"idle RSS median {statistics.median(nows):.1f} MiB"
        )


if __name__ == "__main__":
    main()
