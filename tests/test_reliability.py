"""Reliability: generated adversarial programs and folders never crash or hang `shapelint check`.

Hypothesis generates the shapes that used to crash or hang the checker (deep nesting for the
parser, long postfix chains, loop nests, recursion with fan-out, growing ints, strings and
lists, big comprehensions and literals) at random sizes. Every generated file is checked in a
separate process that must not crash, must answer each file within 2 s of CPU time (CPU, not
wall-clock time, so that other work on a shared machine cannot fail the test), and must stay
under 500 MB of peak memory. These bounds catch hangs and runaway memory; they are not performance
targets (bench/adversarial.py measures the real figures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

SECONDS_PER_FILE = 2.0
PEAK_MIB = 500
HEADER = "import numpy as np\nfrom tensorflow import keras\n"

# The peak RSS of this process alone. On Linux ru_maxrss of a child also counts the memory of
# the (large) test process it was forked from, so the process's own high-water mark is read.
PEAK = """
def peak_kib():
    import resource
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""
# Checks each file named on the command line with the CLI's own check_file, timing each one;
# prints one JSON line per file, then the process's peak RSS.
RUNNER = (
    PEAK
    + """
import json, sys, time
from pathlib import Path
from shapelint.file_runner import check_file
from shapelint.config import Config
for name in sys.argv[1:]:
    started = time.process_time()
    checked = check_file(Path(name), Config(), {})
    print(json.dumps({"file": name, "seconds": time.process_time() - started, "error": checked.result.error}))
print(json.dumps({"peak_kib": peak_kib()}))
"""
)
# `shapelint check` itself, reporting its peak RSS on stderr as it exits.
CLI = (
    PEAK
    + """
import sys
from shapelint.cli import main
code = main(sys.argv[1:])
print(f"peak_kib={peak_kib()}", file=sys.stderr)
sys.exit(code)
"""
)


def check_in_subprocess(paths: list[Path]) -> tuple[list[dict[str, object]], float]:
    """Per-file results and the peak RSS (MiB) of one checking process, which must exit cleanly."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "server"))
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60 + 10 * len(paths),
        env=env,
    )
    assert result.returncode == 0, f"the checker died ({result.returncode}): {result.stderr[-2000:]}"
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return lines[:-1], lines[-1]["peak_kib"] / 1024


def nested(depth: int, opening: str, closing: str, inner: str = "1") -> str:
    return "x = " + opening * depth + inner + closing * depth + "\n"


def loop_nest(depth: int, count: int, body: str) -> str:
    lines = ["total = 0\ns = 'ab'\nitems = [1]\n"]
    for level in range(depth):
        lines.append("    " * level + f"for i{level} in range({count}):\n")
    lines.append("    " * depth + body + "\n")
    return "".join(lines)


depths = st.integers(min_value=50, max_value=8_000)
programs = st.one_of(
    st.builds(nested, depths, st.sampled_from(["(", "[", "{"]), st.sampled_from([")", "]", "}"])).map(
        lambda text: text.replace("{}", "{1}")  # mismatched brackets are syntax errors: fine too
    ),
    st.builds(lambda n: "f = " + "lambda: " * n + "0\n", depths),
    st.builds(lambda n: "y = " + "not " * n + "a\n", depths),
    st.builds(
        lambda n, link: "y = a" + link * n + "\n", st.integers(100, 4_000), st.sampled_from(["[0]", "()", ".b", " + a"])
    ),
    st.builds(
        loop_nest,
        st.integers(1, 5),
        st.integers(2, 300),
        st.sampled_from(["total = total + 1", "s = s + s", "items = items + items", "total = total * total + 1"]),
    ),
    st.builds(
        lambda fan, arg: "def f(n):\n    return " + " + ".join(["f(n - 1)"] * fan) + f"\n\nf({arg})\n",
        st.integers(1, 16),
        st.integers(1, 1_000),
    ),
    st.builds(lambda n, e: "x = 3\n" + f"x = x ** {e}\n" * n, st.integers(1, 12), st.integers(2, 64)),
    st.builds(
        lambda depth, repeat: (
            "".join(
                f"v{i} = "
                + "[" * depth
                + "0"
                + "".join(f" for i{d} in range(10**6)]" for d in range(depth))
                + "\n"
                + f"a{i} = np.array(v{i})\n"
                for i in range(repeat)
            )
            + "w = v0 + v0\n"
        ),
        st.integers(1, 3),
        st.integers(1, 50),
    ),
    st.builds(lambda n: "data = [" + "1, " * n + "]\n", st.integers(1_000, 3_500_000)),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.lists(programs, min_size=1, max_size=4))
def test_generated_adversarial_programs_are_answered_in_bounded_time_and_memory(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="shapelint-reliability-") as folder:
        paths = []
        for index, text in enumerate(texts):
            path = Path(folder) / f"attack_{index}.py"
            path.write_text(HEADER + text, encoding="utf-8")
            paths.append(path)
        results, peak_mib = check_in_subprocess(paths)
    assert len(results) == len(paths)
    for result in results:
        # The only acceptable message: a file over the size limit is not read at all.
        assert result["error"] is None or "larger than" in str(result["error"]), result
        assert result["seconds"] < SECONDS_PER_FILE, result
    assert peak_mib < PEAK_MIB


def build_hostile_folder(root: Path) -> Path:
    """Every file-system attack in one folder, next to an ordinary file with a finding."""
    folder = root / "project"
    folder.mkdir()
    (folder / "model.py").write_text(HEADER + "x = np.zeros((9, 4))\ninputs = keras.Input(shape=x.shape)\n")
    (folder / "self.py").symlink_to("self.py")
    (folder / "again").symlink_to(".")
    (folder / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.py")
    (folder / "meta.ipynb").write_text(json.dumps({"cells": [], "metadata": []}))
    (folder / "items.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "source": [1]}]}))
    (folder / "pyproject.toml").write_bytes(b"tool = [1]\n")
    return folder


def test_the_cli_answers_a_hostile_folder_within_bounds(tmp_path: Path) -> None:
    folder = build_hostile_folder(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "server"))
    result = subprocess.run(
        [sys.executable, "-c", CLI, "check", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,  # a FIFO opened for reading would block forever
    )
    assert result.returncode == 2, result.stderr
    found = {(Path(item["filename"]).name, item["code"]) for item in json.loads(result.stdout)}
    assert found == {("model.py", "SL101")}
    assert "Traceback" not in result.stderr
    assert "pyproject.toml: `tool` must be a table" in result.stderr
    peak_kib = int(result.stderr.rsplit("peak_kib=", 1)[1])
    assert peak_kib / 1024 < PEAK_MIB


@pytest.mark.parametrize("size_mib", [1, 5, 10])
def test_a_huge_list_literal_is_answered_within_bounds(tmp_path: Path, size_mib: int) -> None:
    from shapelint.file_runner import MAX_FILE_BYTES

    path = tmp_path / "big.py"
    path.write_text("x = [" + "1, " * (size_mib * 1024 * 1024 // 3) + "]\n", encoding="utf-8")
    results, peak_mib = check_in_subprocess([path])
    if path.stat().st_size > MAX_FILE_BYTES:
        assert "larger than" in str(results[0]["error"])  # one message, nothing read
    else:
        assert results[0]["error"] is None
    assert results[0]["seconds"] < SECONDS_PER_FILE
    assert peak_mib < PEAK_MIB
