"""Notebooks read the way Jupyter reads them: IPython syntax is no syntax error, and findings
land on the right cell, line and characters.

`tests/notebooks/correct/*.ipynb` are look-alikes of common Keras tutorial notebooks (magics,
shell escapes with continuations, `?` help, an indented cell, `%`-formatting continuations):
shapelint must report nothing on them. `tests/notebooks/buggy/*.ipynb` hold one real shape
mistake each, marked `# error: SLxxx` on its line, inside cells full of IPython syntax. Their
ground truth is proven under TensorFlow (`validate_with_tensorflow.py`, test below).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import SYNTAX_ERROR_CODE, analyze_notebook
from shapelint.notebook import read_notebook
from test_fixtures_ground_truth import validation

NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
CORRECT = sorted((NOTEBOOKS / "correct").glob("*.ipynb"))
BUGGY = sorted((NOTEBOOKS / "buggy").glob("*.ipynb"))
KERAS3 = Config(keras_version=3)


def cells_of(path: Path) -> list[str]:
    return read_notebook(path.read_text(encoding="utf-8")).code_cells


def expected_findings(cells: list[str]) -> set[tuple[int, int, str]]:
    """(cell, line, code) of every `# error:` marker, 0-based."""
    found = set()
    for index, cell in enumerate(cells):
        for marker in validation.parse_markers(cell):
            found.update((index, marker.line - 1, code) for code in marker.codes)
    return found


def test_corpus_has_notebooks_of_both_kinds() -> None:
    assert len(CORRECT) >= 4 and len(BUGGY) >= 3


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_notebook_with_ipython_syntax_has_no_finding(path: Path) -> None:
    analysis = analyze_notebook(cells_of(path), KERAS3)
    assert [(d.code, d.cell, d.range.start.line, d.message) for d in analysis.diagnostics] == []


@pytest.mark.parametrize("path", BUGGY, ids=lambda p: p.stem)
def test_buggy_notebook_finding_is_on_its_marked_cell_and_line(path: Path) -> None:
    cells = cells_of(path)
    analysis = analyze_notebook(cells, KERAS3)
    found = {(d.cell, d.range.start.line, d.code) for d in analysis.diagnostics}
    assert found == expected_findings(cells)
    assert SYNTAX_ERROR_CODE not in {d.code for d in analysis.diagnostics}


@pytest.fixture(scope="module")
def runner() -> Any:
    try:
        import tensorflow  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail(f"TensorFlow is required when CI=true: {exc}", pytrace=False)
        pytest.skip("TensorFlow is not installed")
    return validation.Runner()


@pytest.mark.tensorflow
@pytest.mark.parametrize("path", BUGGY + CORRECT, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notebook_ground_truth_under_tensorflow(runner: Any, path: Path) -> None:
    result = runner.run(path)
    assert result.ok and result.outcome != "skipped", f"{result.name}: {result.detail}"


# -- positions: diagnostics, fixes, hovers and inlay hints on the characters as written --------


def test_finding_inside_a_time_magic_points_at_the_argument_as_written() -> None:
    cells = [
        "import numpy as np\nimport keras\n%matplotlib inline\nx = np.zeros((100, 784))\n",
        "model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])\n",
        "!ls \\\n  -la\n%time prediction = model.predict(x[0])\n",
    ]
    analysis = analyze_notebook(cells, KERAS3)
    (diagnostic,) = analysis.diagnostics
    start = cells[2].splitlines()[2].index("x[0]")
    assert (diagnostic.code, diagnostic.cell, diagnostic.range.start.line) == ("SL108", 2, 2)
    assert (diagnostic.range.start.column, diagnostic.range.end.column) == (start, start + len("x[0]"))
    (edit,) = diagnostic.fixes[0].edits
    assert (edit.range.start.line, edit.range.start.column) == (2, start)
    hover = analysis.hover_at(Position(2, start + 1), cell=2)
    assert hover is not None and hover.range.start.column == start and "(100, 784)" in hover.markdown


def test_indented_cell_findings_hovers_and_hints_keep_the_indent() -> None:
    cells = [
        "import keras\n",
        "    inputs = keras.Input(shape=(28, 28))\n    h = keras.layers.Conv2D(8, 3)(inputs)\n",
    ]
    analysis = analyze_notebook(cells, KERAS3)
    (diagnostic,) = analysis.diagnostics
    assert (diagnostic.code, diagnostic.cell, diagnostic.range.start.line) == ("SL102", 1, 1)
    assert diagnostic.range.start.column == cells[1].splitlines()[1].index("keras.layers.Conv2D")
    hover = analysis.hover_at(Position(0, 5), cell=1)  # on `inputs`
    assert hover is not None and hover.range.start.column == 4 and "(None, 28, 28)" in hover.markdown
    assert analysis.hover_at(Position(0, 1), cell=1) is None  # the indent is nothing


def test_inlay_hint_on_an_indented_cell_is_at_the_end_of_the_written_line() -> None:
    cells = ["  import keras\n  x = keras.Input(shape=(4,))\n  y = keras.layers.Dense(3)(x)\n"]
    hints = analyze_notebook(cells, KERAS3).inlay_hints
    assert [(h.cell, h.position.line, h.position.column, h.label) for h in hints] == [
        (0, 1, len(cells[0].splitlines()[1]), "→ (None, 4)"),
        (0, 2, len(cells[0].splitlines()[2]), "→ (None, 3)"),
    ]


# -- syntax errors: real ones reported, once per cell ----------------------------------------


def test_real_syntax_error_is_reported_once_per_cell() -> None:
    cells = [
        "import keras\nx = (1,\ny = 2\nz = [\nw = 3\n",
        "def f(:\n    pass\nq = )\n",
        "ok = 1\n",
    ]
    errors = [d for d in analyze_notebook(cells, KERAS3).diagnostics if d.code == SYNTAX_ERROR_CODE]
    assert [(d.cell, d.range.start.line) for d in errors] == [(0, 1), (1, 0)]


def test_commented_out_magic_leaving_an_if_without_body_is_a_syntax_error() -> None:
    cells = ["IN_COLAB = False\nif IN_COLAB:\n    # !pip install keras\nprint('ready')\n"]
    errors = [d for d in analyze_notebook(cells, KERAS3).diagnostics if d.code == SYNTAX_ERROR_CODE]
    (error,) = errors
    # Python places it after the comment (line 3) or on it, when the `if` is parsed alone (line 2).
    assert error.cell == 0 and error.range.start.line in (2, 3) and "indented block" in error.message


def test_syntax_error_in_a_dedented_cell_points_at_the_written_column() -> None:
    cells = ["    x = 1\n    y = (2 +\n"]
    (error,) = analyze_notebook(cells, KERAS3).diagnostics
    assert (error.code, error.range.start.line) == (SYNTAX_ERROR_CODE, 1)
    assert error.range.start.column >= 4


# -- the CLI, as a user runs it ---------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, timeout=120)


def test_cli_reports_the_notebook_corpus_by_cell_and_nothing_else() -> None:
    result = run_cli("check", "--keras-version", "3", "--format", "json", str(NOTEBOOKS))
    reported = {
        (Path(item["filename"]).name, item["cell"] - 1, item["location"]["row"] - 1, item["code"])
        for item in json.loads(result.stdout)
    }
    expected = {(path.name, *finding) for path in BUGGY for finding in expected_findings(cells_of(path))}
    assert reported == expected


def test_cli_fix_in_a_notebook_with_magics_edits_the_right_characters(tmp_path: Path) -> None:
    source = NOTEBOOKS / "buggy" / "mnist_predict_one_image.ipynb"
    path = tmp_path / source.name
    path.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    run_cli("check", "--keras-version", "3", "--fix", str(path))
    last = cells_of(path)[-1].splitlines()
    assert last[0] == "!ls -la \\"  # the magic lines are untouched
    assert last[2].startswith("%time prediction = model.predict(")
    assert "x_test[0]" not in last[2].split("#")[0]
    assert run_cli("check", "--keras-version", "3", "--select", "SL108", str(path)).returncode == 0
