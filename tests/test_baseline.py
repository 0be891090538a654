"""`check --write-baseline` / `--baseline`: adopt shapelint on existing code, see only new findings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from shapelint.engine import analyze
from shapelint.output.baseline import fingerprint

OLD = """\
import numpy as np
import keras
x_train = np.random.rand(500, 20)
inputs = keras.Input(shape=x_train.shape)
"""
NEW_MISTAKE = """\
images = np.random.rand(10, 28, 28)
pictures = keras.Input(shape=(28, 28))
features = keras.layers.Conv2D(4, 3)(pictures)
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_baselined_findings_are_hidden_and_new_ones_shown(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    model = tmp_path / "src" / "model.py"
    model.write_text(OLD)
    written = run("check", "--write-baseline", "shapelint-baseline.json", "src", cwd=tmp_path)
    assert written.returncode == 0 and "wrote 1 finding" in written.stderr
    document = json.loads((tmp_path / "shapelint-baseline.json").read_text())
    assert [(f["file"], f["code"]) for f in document["findings"]] == [("src/model.py", "SL101")]

    clean = run("check", "--baseline", "shapelint-baseline.json", "src", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout
    assert "1 finding in the baseline not shown" in clean.stderr

    # Code added above the old mistake moves it down; a new mistake appears below.
    model.write_text("# a comment\n\n" + OLD + NEW_MISTAKE)
    result = run("check", "--baseline", "shapelint-baseline.json", "src", cwd=tmp_path)
    assert result.returncode == 1
    assert "SL102" in result.stdout and "SL101" not in result.stdout


def test_the_same_mistake_twice_counts_twice(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text(OLD)
    run("check", "--write-baseline", "base.json", "model.py", cwd=tmp_path)
    model.write_text(OLD + "inputs = keras.Input(shape=x_train.shape)\n")
    result = run("check", "--format", "json", "--baseline", "base.json", "model.py", cwd=tmp_path)
    assert [item["code"] for item in json.loads(result.stdout)] == ["SL101"]


def test_fixing_the_line_changes_the_fingerprint() -> None:
    (diagnostic,) = analyze(OLD).diagnostics
    line = OLD.splitlines()[diagnostic.range.start.line]
    assert fingerprint(diagnostic, line) == fingerprint(diagnostic, "    " + line)
    assert fingerprint(diagnostic, line) != fingerprint(diagnostic, line.replace("x_train", "x_test"))


def test_a_missing_or_broken_baseline_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(OLD)
    assert run("check", "--baseline", "none.json", "model.py", cwd=tmp_path).returncode == 2
    (tmp_path / "broken.json").write_text("[1, 2]")
    result = run("check", "--baseline", "broken.json", "model.py", cwd=tmp_path)
    assert result.returncode == 2 and "not a shapelint baseline" in result.stderr
