"""`check --fix` applies only safe fixes; `--unsafe-fixes` adds the ones that change more than shapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# SL105 offers a loss switch (unsafe: another training objective) and one-hot labels (safe).
LABELS = """\
import keras
from keras import layers
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
"""
# SL109's only fix, padding="same", changes every later layer's sizes: unsafe.
SHRINKS = """\
import keras
from keras import layers
inputs = keras.Input(shape=(4, 4, 1))
x = layers.Conv2D(8, 5)(inputs)
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, timeout=120)


def test_fix_applies_the_safe_fix_and_leaves_the_loss(tmp_path: Path) -> None:
    path = tmp_path / "train.py"
    path.write_text(LABELS)
    run("check", "--fix", str(path))
    fixed = path.read_text()
    assert 'loss="categorical_crossentropy"' in fixed and "to_categorical(y_train, 10)" in fixed


def test_an_unsafe_only_fix_needs_unsafe_fixes(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SHRINKS)
    summary = run("check", str(path)).stdout
    assert "SL109 " in summary and "SL109 [*]" not in summary
    assert "(1 more with --fix --unsafe-fixes)" in summary
    run("check", "--fix", str(path))
    assert path.read_text() == SHRINKS
    run("check", "--fix", "--unsafe-fixes", str(path))
    assert 'padding="same"' in path.read_text()


def test_json_says_whether_a_fix_is_safe(tmp_path: Path) -> None:
    path = tmp_path / "model.py"
    path.write_text(SHRINKS)
    (item,) = json.loads(run("check", "--format", "json", str(path)).stdout)
    assert item["fix"]["applicability"] == "unsafe"
