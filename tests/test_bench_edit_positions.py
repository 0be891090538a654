"""Where the benchmarks type their keystroke (bench/edit_positions.py): code literals only, never a loop bound."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from edit_positions import keystroke  # noqa: E402  (bench/ is not a package)

SOURCE = '''"""Trains for 10 epochs."""
import keras
epochs = 10
for epoch in range(3):
    print(epoch)
x = keras.layers.Dense(64)  # 99 units would be too many
message = "32 items"
y = keras.layers.Dense(16)
while total < 5:
    total += 1
z = keras.layers.Dense(8)
model = keras.Sequential([x, y, z])
model.summary()
print(model)
del model
'''


def test_top_middle_and_end_type_into_a_literal_of_the_code() -> None:
    top, middle, end = (keystroke(SOURCE, where) for where in ("top", "middle", "end"))
    lines = SOURCE.splitlines()
    assert (top.line, lines[top.line][top.column :]) == (5, "64)  # 99 units would be too many")
    assert (middle.line, lines[middle.line][middle.column :]) == (7, "16)")
    assert (end.line, lines[end.line][end.column :]) == (10, "8)")


def test_every_keystroke_makes_new_text_that_still_parses() -> None:
    import ast

    edit = keystroke(SOURCE, "middle")
    versions = [SOURCE]
    for _ in range(3):
        versions.append(edit.apply(versions[-1]))
        ast.parse(versions[-1])
    assert len(set(versions)) == 4
    assert "Dense(111" in versions[-1]


def test_a_file_without_a_literal_gets_a_comment_keystroke() -> None:
    edit = keystroke("import keras\nmodel = keras.Sequential()\n", "end")
    assert (edit.line, edit.column, edit.text) == (1, 0, "#")
