"""Inlay hints for the lines an editor shows are exactly those of the whole document on those lines."""

from __future__ import annotations

from pathlib import Path

from shapelint.engine import analyze, analyze_notebook
from shapelint.lsp.inlay_hints import hints_in_lines
from shapelint.notebook import read_notebook

ROOT = Path(__file__).resolve().parents[2]
MULTI_LINE = """\
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x = layers.Conv2D(
    8, 3
)(inputs)
y = layers.Flatten()(
    x)
model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(3),
    layers.Dense(2),
])
"""


def test_hints_of_a_line_range_are_the_documents_on_those_lines() -> None:
    tutorials = ROOT / "bench" / "realworld" / "tutorials"
    files = ("functional_multi_input.py", "gan_training_loop.py", "vae_subclass.py")
    for text in (MULTI_LINE, *((tutorials / name).read_text(encoding="utf-8") for name in files)):
        analysis = analyze(text)
        every = analysis.inlay_hints
        assert every
        line_count = len(text.splitlines())
        for first, last in [(0, line_count), (3, 5), (4, 4), (5, 7), (8, 12), (line_count // 2, line_count // 2 + 20)]:
            expected = [hint for hint in every if first <= hint.position.line <= last]
            assert hints_in_lines(analysis, None, first, last) == expected, (first, last)


def test_hints_of_a_notebook_cells_lines_stay_in_that_cell() -> None:
    notebook = ROOT / "tests" / "notebooks" / "correct" / "mnist_mlp_tutorial.ipynb"
    analysis = analyze_notebook(read_notebook(notebook.read_text(encoding="utf-8")).code_cells)
    every = analysis.inlay_hints
    assert {hint.cell for hint in every} - {None}
    for cell in {hint.cell for hint in every}:
        for first, last in [(0, 1000), (0, 0), (1, 3), (2, 2)]:
            expected = [hint for hint in every if hint.cell == cell and first <= hint.position.line <= last]
            assert hints_in_lines(analysis, cell, first, last) == expected, (cell, first, last)
