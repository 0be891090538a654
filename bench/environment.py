"""What the numbers were measured on: machine, load, tool versions, date and commit."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent


def _distribution_version(*names: str) -> str:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPOSITORY).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def pyright_version() -> str:
    manifest = BENCH / "node_modules" / "pyright" / "package.json"
    if not manifest.exists():
        return "not installed"
    return str(json.loads(manifest.read_text())["version"])


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


@dataclass(frozen=True)
class Environment:
    date: str
    commit: str
    cores: int
    cpu: str
    memory: str
    system: str
    versions: dict[str, str]
    load_at_start: str

    @staticmethod
    def capture() -> Environment:
        commit = _command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
        if _command_output(["git", "status", "--porcelain", "--untracked-files=no", "server"]):
            commit += " (engine modified)"
        node = _command_output(["node", "--version"]) or "not installed"
        return Environment(
            date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            commit=commit,
            cores=os.cpu_count() or 1,
            cpu=_cpu_model(),
            memory=_memory_gib(),
            system=f"{platform.system()} {platform.release()}",
            versions={
                "Python": platform.python_version(),
                "shapelint": _distribution_version("shapelint"),
                "libcst": _distribution_version("libcst"),
                "pygls": _distribution_version("pygls"),
                "lsprotocol": _distribution_version("lsprotocol"),
                "TensorFlow": _distribution_version("tensorflow-cpu", "tensorflow"),
                "Keras": _distribution_version("keras"),
                "NumPy": _distribution_version("numpy"),
                "pyright": pyright_version(),
                "Node.js": node,
            },
            load_at_start=load_average(),
        )
