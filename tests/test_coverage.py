"""Why shapes are unknown: the causes recorded beside UNKNOWN, the hover line, `shapelint coverage`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from shapelint.cli import main
from shapelint.coverage import FileCoverage, coverage_sites, json_report, summarize
from shapelint.diagnostics import Position
from shapelint.engine import analyze, analyze_notebook
from shapelint.facts import UnknownReason
from shapelint.values import UNKNOWN

ROOT = Path(__file__).resolve().parent.parent


def reason_of(text: str, name: str) -> UnknownReason | None:
    """The cause recorded for the last occurrence of the name `name` in the program."""
    facts = analyze(text).facts
    found = None
    for node, reason in facts.unknown_reasons.values():
        if isinstance(node, cst.Name) and node.value == name:
            found = reason
    return found


# One test per kind of cause ----------------------------------------------------------------------


def test_a_library_call_the_engine_does_not_know_is_the_cause():
    reason = reason_of("import scipy.io as sio\ndf = sio.loadmat('train.csv')\nx = df.values\n", "x")
    assert reason is not None
    assert (reason.kind, reason.subject, reason.detail) == ("library", "scipy.io.loadmat", "not modelled")
    assert reason.label == "`scipy.io.loadmat` — not modelled"


def test_an_overlay_says_why_through_ev_unknown(tmp_path):
    text = "import numpy as np\nx = np.load('missing.npy')\n"
    facts = analyze(text, path=str(tmp_path / "train.py"), root=str(tmp_path)).facts
    reasons = [reason for node, reason in facts.unknown_reasons.values() if isinstance(node, cst.Name)]
    assert [(r.subject, r.detail) for r in reasons] == [("numpy.load", "file not found or not readable")]
    assert reasons[0].label == "`numpy.load` — file not found or not readable"


def test_a_known_function_that_cannot_know_its_result_says_so():
    reason = reason_of("import numpy as np\nx = np.zeros('not a shape')\n", "x")
    assert reason is not None
    assert (reason.kind, reason.subject, reason.detail) == (
        "library",
        "numpy.zeros",
        "result unknown for these arguments",
    )


def test_an_unknown_argument_is_the_cause_of_a_library_result():
    reason = reason_of("import numpy as np\nimport scipy.io as sio\nx = np.array(sio.loadmat('a.csv'))\n", "x")
    assert reason is not None and reason.subject == "scipy.io.loadmat"


def test_a_parameter_of_a_function_nothing_calls():
    text = "import keras\ndef build(features):\n    inputs = keras.Input(shape=features.shape[1:])\n    return inputs\n"
    reason = reason_of(text, "features")
    assert reason is not None
    assert reason.kind == "parameter"
    assert "nothing in this file calls the function" in reason.detail
    assert reason.label == "function parameter"


def test_a_parameter_keeps_the_cause_of_the_argument_given():
    text = (
        "import scipy.io as sio\n"
        "def prepare(frame):\n    values = frame.values\n    return values\n"
        "x = prepare(sio.loadmat('a.csv'))\n"
    )
    assert reason_of(text, "values").subject == "scipy.io.loadmat"  # type: ignore[union-attr]
    assert reason_of(text, "x").subject == "scipy.io.loadmat"  # type: ignore[union-attr]


def test_a_name_the_file_never_binds():
    reason = reason_of("x = load_everything()\n", "x")
    assert reason is not None
    assert reason.kind == "name"
    assert reason.label == "name not defined in the file"


def test_values_that_differ_between_branches():
    text = "import sys\nif len(sys.argv) > 1:\n    x = 'a'\nelse:\n    x = 3\ny = x\n"
    reason = reason_of(text, "y")
    assert reason is not None and reason.kind == "branches"


def test_a_value_a_loop_changes_from_pass_to_pass():
    text = "import sys\nx = 0\nfor arg in sys.argv:\n    x = 'a'\ny = x\n"
    reason = reason_of(text, "y")
    assert reason is not None and reason.kind == "loop"


def test_the_call_depth_limit():
    text = "def f(n):\n    return f(n)\nx = f(1)\n"
    reason = reason_of(text, "x")
    assert reason is not None and reason.kind == "call-depth"


def test_indexing_arithmetic_and_attributes_keep_the_operands_cause():
    text = (
        "import scipy.io as sio\ndf = sio.loadmat('a.csv')\n"
        "a = df.values\nb = a[:, 1:]\nc = b[0]\nd = c * 2.0\ne = d.T\n"
    )
    for name in "abcde":
        reason = reason_of(text, name)
        assert reason is not None and reason.subject == "scipy.io.loadmat", name


def test_a_name_bound_again_to_a_known_value_forgets_the_old_cause():
    text = "import scipy.io as sio\nimport numpy as np\nx = sio.loadmat('a')\nx = np.zeros((2,))\ny = x\n"
    assert reason_of(text, "y") is None


# Hover -------------------------------------------------------------------------------------------


def test_the_hover_on_an_unknown_name_says_why_in_one_line():
    analysis = analyze("import scipy.io as sio\ndf = sio.loadmat('train.csv')\nx = df\n")
    hover = analysis.hover_at(Position(2, 4))
    assert hover is not None
    assert hover.markdown == "shape unknown: `sio.loadmat('train.csv')` — shapelint does not model `scipy.io.loadmat`"
    assert "\n" not in hover.markdown


def test_the_hover_on_a_parameter_says_it_is_one():
    analysis = analyze("def build(n):\n    return n\n")
    hover = analysis.hover_at(Position(0, 10))
    assert hover is not None
    assert hover.markdown.startswith("shape unknown: `n` is a function parameter")


def test_the_hover_on_a_known_array_is_unchanged():
    analysis = analyze("import numpy as np\nx = np.zeros((3, 4))\n")
    hover = analysis.hover_at(Position(1, 0))
    assert hover is not None and "shape unknown" not in hover.markdown and "(3, 4)" in hover.markdown


# Coverage counts ---------------------------------------------------------------------------------

SMALL_PROGRAM = """\
import numpy as np
import scipy.io as sio
import keras

x = np.zeros((100, 8))
y = np.zeros((100, 1))
frame = sio.loadmat("data.csv")
z = frame.values

inputs = keras.Input(shape=(8,))
hidden = keras.layers.Dense(4)(inputs)
outputs = keras.layers.Dense(1)(hidden)
model = keras.Model(inputs, outputs)
model.compile(loss="mse")
model.fit(x, y)
model.fit(z, y)
model.predict(z)

other = keras.Input(shape=(z.shape[1],))
unknown_out = keras.layers.Dense(2)(z)
"""


def test_coverage_counts_known_and_unknown_feeds_inputs_and_layers_exactly():
    sites = coverage_sites(analyze(SMALL_PROGRAM))
    summary = summarize([FileCoverage("small.py", sites)])
    got = {name: (count.known, count.total) for name, count in summary.counts.items()}
    assert got == {
        "inputs": (1, 2),
        "feeds": (1, 3),
        "feed_x": (1, 3),
        "feed_y": (2, 2),
        "layer_outputs": (2, 3),
    }
    reasons = {r.reason: r.count for r in summary.reasons}
    # z's two feeds, the Input from z.shape and the Dense applied to it: one cause, four places.
    assert reasons == {"`scipy.io.loadmat` — not modelled": 4}
    unknown_lines = sorted((s.category, s.line) for s in sites if not s.known)
    assert unknown_lines == [
        ("feed_x", 16),
        ("feed_x", 17),
        ("feeds", 16),
        ("feeds", 17),
        ("inputs", 19),
        ("layer_outputs", 20),
    ]


def test_json_report_schema():
    report = json_report(
        [FileCoverage("small.py", coverage_sites(analyze(SMALL_PROGRAM))), FileCoverage("bad.py", (), "cannot read")]
    )
    assert set(report) == {"files", "total", "reasons"}
    first, bad = report["files"]  # type: ignore[misc]
    assert set(first) == {"path", "error", "counts", "unknown"}
    assert set(first["counts"]) == {"inputs", "feeds", "feed_x", "feed_y", "layer_outputs"}
    assert first["counts"]["feed_x"] == {"known": 1, "total": 3}
    assert set(first["unknown"][0]) == {"category", "line", "cell", "reason", "detail"}
    assert bad["error"] == "cannot read" and bad["unknown"] == []
    assert report["total"] == {"files": 2, "errors": 1, "counts": first["counts"]}
    assert report["reasons"] == [
        {
            "reason": "`scipy.io.loadmat` — not modelled",
            "count": 4,
            "by_category": {"feed_x": 2, "feeds": 2, "inputs": 1, "layer_outputs": 1},
        }
    ]


def test_coverage_of_a_notebook_names_cells(tmp_path, capsys):
    cells = [
        "import scipy.io as sio\nimport keras",
        "frame = sio.loadmat('d.csv')\nx = frame.values",
        "inp = keras.Input(shape=x.shape[1:])",
    ]
    notebook = {
        "cells": [
            {"cell_type": "code", "source": cell, "metadata": {}, "outputs": [], "execution_count": None}
            for cell in cells
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "analysis.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert main(["coverage", "--format", "json", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    (unknown,) = report["files"][0]["unknown"]
    assert unknown == {
        "category": "inputs",
        "line": 1,
        "cell": 3,
        "reason": "`scipy.io.loadmat` — not modelled",
        "detail": "not modelled",
    }
    sites = coverage_sites(analyze_notebook(cells))
    assert [(s.cell, s.line) for s in sites] == [(2, 1)]


def test_coverage_text_lists_files_totals_and_causes(tmp_path, capsys):
    (tmp_path / "small.py").write_text(SMALL_PROGRAM, encoding="utf-8")
    assert main(["coverage", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "small.py: inputs 1/2 (50%)" in out
    assert "Total over 1 files" in out
    assert "      4  `scipy.io.loadmat` — not modelled" in out


def test_coverage_of_a_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["coverage", str(tmp_path / "nope.py")]) == 2


@pytest.mark.parametrize("folder", ["tests/fixtures", "tests/notebooks", "examples"])
def test_coverage_never_crashes_on_the_corpora(folder, capsys):
    assert main(["coverage", "--format", "json", str(ROOT / folder)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"]["files"] > 0
    assert report["total"]["errors"] == 0
    assert report["total"]["counts"]["layer_outputs"]["total"] > 0


def test_the_realworld_report_includes_the_coverage_table():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import realworld
    finally:
        sys.path.remove(str(ROOT / "bench"))
    if not Path(realworld.shapelint_command()[0]).exists() and "-m" not in realworld.shapelint_command():
        pytest.skip("no shapelint console script")
    output = realworld.coverage_output()
    assert output is not None and "Total over" in output and "Why unknown" in output


def test_cli_is_the_installed_command():
    done = subprocess.run([sys.executable, "-m", "shapelint", "coverage", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--format" in done.stdout


def test_names_unpacked_from_a_partly_unknown_result_keep_the_cause():
    text = (
        "import scipy.io as sio\nfrom sklearn.model_selection import train_test_split\n"
        "frame = sio.loadmat('a.csv')\na, b = train_test_split(frame)\n"
    )
    for name in "ab":
        reason = reason_of(text, name)
        assert reason is not None and reason.subject == "scipy.io.loadmat", name


def test_names_unpacked_from_a_tuple_of_unknowns_keep_the_cause():
    text = "import numpy as np\ndata = np.load('d.npz')\nx, y = data['x'], data['y']\n"
    for name in "xy":
        reason = reason_of(text, name)
        assert reason is not None and reason.subject == "numpy.load", name


def test_a_loop_the_work_budget_widened():
    from shapelint.budget import Budget
    from shapelint.interpreter import Interpreter
    from shapelint.source import parse_program

    text = "x = 0\nfor i in [1, 2, 3, 4, 5, 6, 7, 8]:\n    x = x + 1\nz = x\n"
    program = parse_program([text], notebook=False)
    facts = Interpreter(program, budget=Budget(steps=20)).run()
    assert facts.module_names["z"] is UNKNOWN
    reasons = [r for node, r in facts.unknown_reasons.values() if isinstance(node, cst.Name) and node.value == "z"]
    assert reasons and reasons[0].kind == "budget"
    assert reasons[0].label == "work budget spent (a loop widened or a call cut short)"


def test_every_call_site_answered_from_a_summary_says_why():
    # The second call of a pure helper with the same arguments reuses the first one's result: its cause too.
    text = (
        "import sys\nimport numpy as np\n"
        "def read(n):\n    return np.fromfunction(n)\n"
        "def pick(flag):\n    if flag:\n        return np.zeros((2, 3))\n    return None\n"
        "a = read(2)\nb = read(2)\n"
        "c = pick(sys.argv)\nd = pick(sys.argv)\n"
    )
    first, second = reason_of(text, "a"), reason_of(text, "b")
    assert first is not None and second == first
    assert second.label == "`numpy.fromfunction` — not modelled"
    branches, again = reason_of(text, "c"), reason_of(text, "d")
    assert branches is not None and branches.kind == "branches"
    assert again is not None and again.kind == "branches" and again.node is not None
    assert again.node.node is not branches.node.node  # located at its own call, which hovers quote
    hover = analyze(text).hover_at(Position(11, 0))
    assert hover is not None and "`pick` returns differ" in hover.markdown
