"""Adversarial inputs against `shapelint check`: wall time, peak RSS and exit code of each attack.

Each attack is a file (or a folder) of a few lines built to crash or hang a checker: deep
nesting and long lines for the parser, loops, recursion and growing values for the
interpreter, device files and symlink loops for the file walker, broken notebooks and
pyproject files for the readers. Every attack runs in its own `shapelint check` process
under a memory cap (so a runaway attack cannot take the machine down), and the table says
how it ended.

    .venv/bin/python bench/adversarial.py                       # this working tree
    .venv/bin/python bench/adversarial.py --source /other/server --label main
    .venv/bin/python bench/adversarial.py --only nested --timeout 30

`--source` points at another checkout's `server/` folder, so the same attacks can be run
against another version of shapelint (e.g. main) with this tree's interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
PYTHON = str(REPOSITORY / ".venv" / "bin" / "python")

HEADER = "import numpy as np\nfrom tensorflow import keras\n"


@dataclass(frozen=True)
class Attack:
    name: str
    description: str
    build: Callable[[Path], Path]  # writes the attack below a folder; returns what to check


def _file(name: str, text: str) -> Callable[[Path], Path]:
    """An attack file. A Python one starts with HEADER's imports: `check` skips a file that names no
    library it knows without parsing it, and the attack is on the parser and the interpreter."""
    if name.endswith(".py") and not text.startswith(HEADER):
        text = HEADER + text

    def build(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return build


def _loop_nest(depth: int) -> str:
    lines = [HEADER, "total = 0\n"]
    for level in range(depth):
        lines.append("    " * level + f"for i{level} in range(64):\n")
    lines.append("    " * depth + "total = total + 1\n")
    return "".join(lines)


def _symlink_loop(folder: Path) -> Path:
    target = folder / "project"
    target.mkdir()
    (target / "model.py").write_text(HEADER + "x = np.zeros((2, 3))\n", encoding="utf-8")
    (target / "self.py").symlink_to("self.py")  # a link to itself: ELOOP when opened
    (target / "a.py").symlink_to("b.py")
    (target / "b.py").symlink_to("a.py")
    (target / "again").symlink_to(".")  # a folder link back to its parent
    (target / "loop.py").symlink_to(".")  # a folder link named like a source file
    return target


def _device_link(folder: Path) -> Path:
    target = folder / "project"
    target.mkdir()
    (target / "model.py").write_text(HEADER + "x = np.zeros((2, 3))\n", encoding="utf-8")
    (target / "zero.py").symlink_to("/dev/zero")
    return target


def _fifo(folder: Path) -> Path:
    target = folder / "project"
    target.mkdir()
    (target / "model.py").write_text(HEADER + "x = np.zeros((2, 3))\n", encoding="utf-8")
    os.mkfifo(target / "pipe.py")  # nobody ever writes: a plain open() blocks forever
    return target


def _notebook(cells: object, metadata: object) -> str:
    return json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def _broken_pyproject(content: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        target = folder / "project"
        target.mkdir()
        (target / "pyproject.toml").write_bytes(content)
        (target / "model.py").write_text(HEADER + "x = np.zeros((2, 3))\n", encoding="utf-8")
        return target

    return build


ATTACKS: tuple[Attack, ...] = (
    Attack(
        "nested-brackets", "1,300 nested brackets", _file("brackets.py", "x = " + "(" * 1300 + "1" + ")" * 1300 + "\n")
    ),
    Attack("nested-lists", "5,000 nested lists", _file("lists.py", "x = " + "[" * 5000 + "]" * 5000 + "\n")),
    Attack("chained-lambda", "6,000 chained `lambda:`", _file("lambdas.py", "f = " + "lambda: " * 6000 + "0\n")),
    Attack("long-line", "one 10 KB expression line", _file("line.py", "x = " + " + ".join(["a"] * 2500) + "\n")),
    Attack("long-call-line", "one 10 KB call line", _file("call.py", "x = f(" + ", ".join(["a.b(c)"] * 1400) + ")\n")),
    Attack("list-literal-10mb", "a 10 MB list literal", _file("big.py", "x = [" + "1, " * 3_500_000 + "]\n")),
    Attack("loops-3-deep", "`for` over range(64), 3 deep", _file("loops3.py", _loop_nest(3))),
    Attack("loops-4-deep", "`for` over range(64), 4 deep", _file("loops4.py", _loop_nest(4))),
    Attack(
        "recursion-fan-out",
        "a recursive function calling itself 10 times",
        _file("recursion.py", "def f(n):\n    return " + " + ".join(["f(n - 1)"] * 10) + "\n\nf(100)\n"),
    ),
    Attack("power-chain", "`x = x ** 64` six times", _file("power.py", "x = 3\n" + "x = x ** 64\n" * 6)),
    Attack(
        "doubling-int",
        "`x = x + x` in nested loops",
        _file("double_int.py", "x = 1\nfor i in range(64):\n    for j in range(64):\n        x = x + x\n"),
    ),
    Attack(
        "doubling-string",
        "`s = s + s` in a loop",
        _file("double_str.py", "s = 'ab'\nfor i in range(64):\n    s = s + s\n"),
    ),
    Attack(
        "doubling-list",
        "`l = l + l` in a loop",
        _file("double_list.py", "l = [1]\nfor i in range(64):\n    l = l + l\n"),
    ),
    Attack(
        "comprehension-nested",
        "comprehensions over range(10**6), nested",
        _file(
            "comp_nested.py",
            "x = [[[0 for i in range(10**6)] for j in range(10**6)] for k in range(10**6)]\ny = x + x\n",
        ),
    ),
    Attack(
        "comprehension-repeated",
        "200 comprehensions over range(10**6)",
        _file(
            "comp_repeated.py",
            HEADER + "".join(f"x{i} = [0 for j in range(10**6)]\ny{i} = np.array(x{i})\n" for i in range(200)),
        ),
    ),
    Attack("symlink-loop", "symlink loops in a checked folder", _symlink_loop),
    Attack("dev-zero", "a `.py` link to /dev/zero in a checked folder", _device_link),
    Attack("fifo", "a FIFO named `.py` in a checked folder", _fifo),
    Attack(
        "notebook-metadata-list",
        "a notebook whose metadata is a list",
        _file("meta.ipynb", _notebook([{"cell_type": "code", "source": "x = 1\n"}], [])),
    ),
    Attack(
        "notebook-source-items",
        "a notebook with non-string source items",
        _file("items.ipynb", _notebook([{"cell_type": "code", "source": [1, None, {"a": 2}]}], {})),
    ),
    Attack("pyproject-tool-not-table", "pyproject: `tool` is not a table", _broken_pyproject(b"tool = 1\n")),
    Attack(
        "pyproject-not-utf8", "pyproject: not UTF-8", _broken_pyproject(b"[tool.shapelint]\nselect = ['\xff\xfe']\n")
    ),
    Attack(
        "pyproject-deep",
        "pyproject: 100,000 nested arrays",
        _broken_pyproject(b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n"),
    ),
)


@dataclass(frozen=True)
class Outcome:
    attack: str
    seconds: float
    peak_rss_mib: float
    exit_code: int | None  # None: killed at the time limit
    note: str


def run_attack(attack: Attack, source: Path, timeout: float, memory_cap_mib: int) -> Outcome:
    """Build the attack in a fresh folder and run `shapelint check` on it in its own process."""
    with tempfile.TemporaryDirectory(prefix="shapelint-attack-") as folder:
        target = attack.build(Path(folder))
        env = dict(os.environ, PYTHONPATH=str(source))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        cap = memory_cap_mib * 1024 * 1024

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            os.setsid()

        command = [PYTHON, "-m", "shapelint", "check", str(target), "--format", "json"]
        with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                command, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, cwd=folder, env=env, preexec_fn=limit
            )
            killed = threading.Event()

            def kill() -> None:
                killed.set()
                os.killpg(process.pid, signal.SIGKILL)

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                _, status, usage = os.wait4(process.pid, 0)
            finally:
                timer.cancel()
            seconds = time.perf_counter() - started
            stderr.seek(0)
            errors = stderr.read().decode("utf-8", "replace")
    code = None if killed.is_set() else os.waitstatus_to_exitcode(status)
    return Outcome(attack.name, seconds, usage.ru_maxrss / 1024, code, _note(code, errors))


def _note(code: int | None, errors: str) -> str:
    if code is None:
        return "killed at the time limit"
    if code < 0:
        return f"died on signal {signal.Signals(-code).name}"
    if "MemoryError" in errors:
        return "MemoryError (memory cap)"
    if "Traceback" in errors:
        last = [line for line in errors.strip().splitlines() if line.strip()][-1]
        return f"crashed: {last[:80]}"
    message = next((line for line in errors.splitlines() if line.startswith("shapelint:")), "")
    return message[:100]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=REPOSITORY / "server", help="the server/ folder to run")
    parser.add_argument("--label", default="this tree", help="the name of this run in the table")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before an attack is killed")
    parser.add_argument("--memory-cap", type=int, default=3072, help="address-space cap per run, MiB")
    parser.add_argument("--only", help="run the attacks whose name contains this text")
    parser.add_argument("--json", type=Path, help="also write the outcomes to this file")
    args = parser.parse_args()
    attacks = [a for a in ATTACKS if not args.only or args.only in a.name]
    print(f"| attack ({args.label}) | what | seconds | peak RSS MiB | exit | note |")
    print("|---|---|---:|---:|---:|---|")
    outcomes = []
    for attack in attacks:
        outcome = run_attack(attack, args.source.resolve(), args.timeout, args.memory_cap)
        outcomes.append(outcome)
        exit_code = "-" if outcome.exit_code is None else str(outcome.exit_code)
        print(
            f"| {attack.name} | {attack.description} | {outcome.seconds:.2f} | {outcome.peak_rss_mib:.0f} "
            f"| {exit_code} | {outcome.note} |",
            flush=True,
        )
    if args.json is not None:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
