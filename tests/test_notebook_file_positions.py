"""SARIF and GitHub annotations place notebook findings in the .ipynb file as stored (its JSON text)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapelint.diagnostics import Position, Range
from shapelint.notebook import NotebookPositions

CELLS = [
    "import numpy as np\nfrom tensorflow import keras\ndata = np.random.rand(1000, 50, 1)",
    "# the model\ninputs = keras.Input(shape=(1000, 50, 1))\nmodel = keras.Model(inputs, keras.layers.LSTM(4)(inputs))",
    "model.fit(data, np.zeros((1000, 4)))",
]


def notebook_json(cells: list[str], indent: int | None = 1, as_list: bool = True) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "markdown", "source": ["# Title\n", "text"], "metadata": {}}]
            + [
                {
                    "cell_type": "code",
                    "source": c.splitlines(keepends=True) if as_list else c,
                    "metadata": {},
                    "outputs": [{"output_type": "stream", "text": ["model.fit(data)\n"]}],
                    "execution_count": None,
                }
                for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=indent,
    )


def text_at(text: str, place: tuple[int, int] | None, length: int) -> str:
    assert place is not None
    line, column = place
    return text.splitlines()[line][column : column + length]


@pytest.mark.parametrize("indent", [1, 2, None])
@pytest.mark.parametrize("as_list", [True, False])
def test_a_place_in_a_cell_is_where_its_text_sits_in_the_json(indent: int | None, as_list: bool) -> None:
    text = notebook_json(CELLS, indent, as_list)
    positions = NotebookPositions(text)
    assert text_at(text, positions.file_position(1, 1, 27), 14) == "(1000, 50, 1))"
    assert text_at(text, positions.file_position(0, 0, 0), 6) == "import"
    assert text_at(text, positions.file_position(2, 0, 10), 4) == "data"


def test_escapes_before_the_place_are_counted_in_the_json_column() -> None:
    cell = 's = "\t\\"é☃\\\\"; x = 1\ny = 2'  # a tab, backslashes and quotes: escaped in the JSON
    text = notebook_json([cell], indent=1)
    positions = NotebookPositions(text)
    assert text_at(text, positions.file_position(0, 0, cell.index("x = 1")), 5) == "x = 1"
    assert text_at(text, positions.file_position(0, 1, 0), 5) == "y = 2"


def test_ascii_escaped_notebook_maps_columns_past_non_ascii_text() -> None:
    data = json.loads(notebook_json(['s = "é☃😀"; x = 1']))
    text = json.dumps(data, indent=1, ensure_ascii=True)
    assert "\\u2603" in text and "\\ud83d" in text  # the emoji is a surrogate pair of escapes
    assert text_at(text, NotebookPositions(text).file_position(0, 0, 11), 5) == "x = 1"


def test_a_range_and_an_unknown_cell() -> None:
    text = notebook_json(CELLS)
    positions = NotebookPositions(text)
    span = positions.file_range(1, Range(Position(1, 27), Position(1, 40)))
    assert span is not None and span.start.line == span.end.line
    assert text.splitlines()[span.start.line][span.start.column : span.end.column] == "(1000, 50, 1)"
    assert positions.file_position(7, 0, 0) is None
    assert NotebookPositions("{not json").file_position(0, 0, 0) is None


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def test_sarif_region_is_the_json_line_of_the_cell_text(tmp_path: Path) -> None:
    text = notebook_json(CELLS)
    path = tmp_path / "train.ipynb"
    path.write_text(text)
    document = json.loads(run("check", "--format", "sarif", str(path)).stdout)
    (result,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == "SL101"]
    region = result["locations"][0]["physicalLocation"]["region"]
    line = text.splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == "(1000, 50, 1)"
    assert result["properties"] == {"cell": 2, "cellLine": 2}
    assert result["message"]["text"].endswith("(cell 2, line 2)")
    assert "fixes" not in result  # a cell edit is not an edit of the JSON text


def test_github_annotation_marks_the_json_line_and_names_the_cell(tmp_path: Path) -> None:
    text = notebook_json(CELLS)
    path = tmp_path / "train.ipynb"
    path.write_text(text)
    (line,) = [x for x in run("check", "--format", "github", str(path)).stdout.splitlines() if "SL101" in x]
    json_line = next(i for i, x in enumerate(text.splitlines(), 1) if "inputs = keras.Input" in x)
    assert f",line={json_line}," in line
    assert "title=SL101 (cell 2%2C line 2)::" in line


def test_notebook_from_stdin_is_placed_in_its_json_too() -> None:
    text = notebook_json(CELLS, indent=2)
    out = run("check", "--format", "github", "--stdin-filename", "nb.ipynb", "-", stdin=text).stdout
    json_line = next(i for i, x in enumerate(text.splitlines(), 1) if "inputs = keras.Input" in x)
    assert f"file=nb.ipynb,line={json_line}," in out
