"""`shapelint check/rules/explain` as a user or CI runs them: exit codes, formats, fixes, notebooks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BATCH_AXIS = EXAMPLES / "mistakes" / "batch_axis_in_input.py"


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, input=stdin, cwd=cwd, timeout=120
    )


def test_examples_report_the_mistakes_and_not_the_seed_programs() -> None:
    result = run("check", str(EXAMPLES))
    assert result.returncode == 1
    assert "batch_axis_in_input.py:9:33: SL101 [*]" in result.stdout
    assert "missing_channel_axis.py:10:14: SL102" in result.stdout
    assert "mnist_not_flattened.py:14:11: SL103" in result.stdout
    assert "correct/" not in result.stdout
    assert "Found 3 problems (3 fixable with --fix)." in result.stdout


def test_clean_file_exits_zero() -> None:
    result = run("check", str(EXAMPLES / "correct"))
    assert (result.returncode, result.stdout.strip()) == (0, "All checks passed!")


def test_json_follows_the_contract() -> None:
    result = run("check", "--format", "json", str(BATCH_AXIS))
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert set(item) == {
        "filename",
        "code",
        "severity",
        "message",
        "location",
        "end_location",
        "fix",
        "confirmed",
        "url",
    }
    assert (item["code"], item["severity"], item["confirmed"]) == ("SL101", "error", None)
    assert item["location"] == {"row": 9, "column": 33}
    assert item["end_location"] == {"row": 9, "column": 46}
    assert item["fix"]["edits"] == [
        {"content": "(50, 1)", "location": {"row": 9, "column": 33}, "end_location": {"row": 9, "column": 46}}
    ]
    assert item["url"].endswith("#sl101")


def test_sarif_is_2_1_0_with_rules_and_fixes() -> None:
    document = json.loads(run("check", "--format", "sarif", str(EXAMPLES)).stdout)
    assert document["version"] == "2.1.0"
    run_ = document["runs"][0]
    assert {rule["id"] for rule in run_["tool"]["driver"]["rules"]} >= {"SL101", "SL102", "SL103"}
    codes = sorted(r["ruleId"] for r in run_["results"])
    assert codes == ["SL101", "SL102", "SL103"]
    region = run_["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] >= 1 and region["startColumn"] >= 1
    assert run_["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"]


def test_github_annotations() -> None:
    lines = run("check", "--format", "github", str(BATCH_AXIS)).stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::error file=")
    assert ",line=9,col=33,endLine=9,endColumn=46,title=SL101::Input shape (1000, 50, 1)" in lines[0]


def test_fix_rewrites_the_file_and_it_then_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "model.py"
    shutil.copy(BATCH_AXIS, target)
    result = run("check", "--fix", str(target))
    assert result.returncode == 0, result.stdout
    assert "keras.Input(shape=(50, 1))" in target.read_text()
    assert "Fixed 1 problem." in result.stderr
    assert run("check", str(target)).returncode == 0


def test_select_and_ignore_flags() -> None:
    assert run("check", "--ignore", "SL101", str(BATCH_AXIS)).returncode == 0
    assert run("check", "--select", "SL102,SL103", str(BATCH_AXIS)).returncode == 0
    assert run("check", "--select", "SL1", str(BATCH_AXIS)).returncode == 1


def test_pyproject_configuration_is_read(tmp_path: Path) -> None:
    shutil.copy(BATCH_AXIS, tmp_path / "model.py")
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nseverity = { SL101 = "hint" }\n')
    result = run("check", "--format", "json", str(tmp_path / "model.py"))
    assert result.returncode == 0  # a hint does not fail the check
    assert json.loads(result.stdout)[0]["severity"] == "hint"
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL101"]\n')
    assert json.loads(run("check", "--format", "json", str(tmp_path / "model.py")).stdout) == []


def test_the_summary_counts_notes_apart_from_the_problems_that_fail_the_check(tmp_path: Path) -> None:
    shutil.copy(BATCH_AXIS, tmp_path / "model.py")
    shutil.copy(EXAMPLES / "mistakes" / "missing_channel_axis.py", tmp_path / "images.py")
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nseverity = { SL101 = "hint" }\n')
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "Found 1 problem and 1 note (2 fixable with --fix)."
    result = run("check", str(tmp_path / "model.py"))
    assert result.returncode == 0  # the hint is shown, and the check passes
    assert "SL101" in result.stdout
    assert result.stdout.splitlines()[-1] == (
        "All checks passed! (1 note above: notes do not fail the check; 1 fixable with --fix.)"
    )


def test_broken_configuration_is_a_clear_error(tmp_path: Path) -> None:
    shutil.copy(BATCH_AXIS, tmp_path / "model.py")
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nconfirm = "sometimes"\n')
    result = run("check", str(tmp_path / "model.py"))
    assert result.returncode == 2
    # Said once, naming the file; the file is still checked with the defaults.
    assert result.stderr.count("confirm must be one of auto, off") == 1
    assert str(tmp_path / "pyproject.toml") in result.stderr
    assert "SL101" in result.stdout


def test_keras_version_flag() -> None:
    # `batch_input_shape=` on a layer is Keras 2's API and an error in Keras 3.
    text = "import keras\nmodel = keras.Sequential()\nmodel.add(keras.layers.LSTM(8, batch_input_shape=(32, 10, 3)))\n"
    assert run("check", "--keras-version", "2", "-", stdin=text).returncode == 0
    result = run("check", "--keras-version", "3", "--stdin-filename", "model.py", "-", stdin=text)
    assert result.returncode == 1 and "model.py:3:" in result.stdout and "SL201" in result.stdout


def test_notebook_findings_name_their_cell(tmp_path: Path) -> None:
    cells = [
        "import numpy as np\nfrom tensorflow import keras\ndata = np.random.rand(1000, 50, 1)",
        "inputs = keras.Input(shape=(1000, 50, 1))\nmodel = keras.Model(inputs, keras.layers.LSTM(4)(inputs))",
        "model.fit(data, np.zeros((1000, 4)))",
    ]
    notebook = {
        "cells": [{"cell_type": "markdown", "source": ["# Title"], "metadata": {}}]
        + [
            {
                "cell_type": "code",
                "source": c.splitlines(keepends=True),
                "metadata": {},
                "outputs": [],
                "execution_count": None,
            }
            for c in cells
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(notebook))
    result = run("check", str(tmp_path))
    assert f"{path}:cell 2:1:" in result.stdout and "SL101" in result.stdout
    assert run("check", "--fix", str(path)).returncode == 0
    fixed = json.loads(path.read_text())
    assert "".join(fixed["cells"][2]["source"]).startswith("inputs = keras.Input(shape=(50, 1))")
    assert fixed["cells"][0]["source"] == ["# Title"]


def test_syntax_error_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import keras\nx = (1,\n")
    result = run("check", str(tmp_path / "broken.py"))
    assert result.returncode == 1
    assert "SL001" in result.stdout and "does not parse" in result.stdout


def test_missing_path_is_a_usage_error() -> None:
    result = run("check", "no/such/file.py")
    assert result.returncode == 2 and "no such file" in result.stderr


def test_rules_and_explain() -> None:
    listing = run("rules").stdout
    assert "SL101  input-includes-batch-axis" in listing
    codes = [r["code"] for r in json.loads(run("rules", "--format", "json").stdout)]
    assert codes == sorted(codes) and "SL105" in codes
    explained = run("explain", "SL101").stdout
    assert "## Why is this bad?" in explained and "x.shape[1:]" in explained
    assert run("explain", "input-includes-batch-axis").stdout == explained
    assert run("explain", "SL999").returncode == 2


def test_pre_commit_hook_definition_runs_check() -> None:
    hooks = (Path(__file__).resolve().parent.parent / ".pre-commit-hooks.yaml").read_text()
    assert "id: shapelint" in hooks and "entry: shapelint check" in hooks


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help(flag: str) -> None:
    assert run(flag).returncode == 0


def test_rules_reference_in_docs_is_up_to_date() -> None:
    generated = run("rules", "--format", "markdown").stdout
    committed = (Path(__file__).resolve().parent.parent / "docs" / "rules.md").read_text()
    assert committed == generated, "regenerate with: shapelint rules --format markdown > docs/rules.md"


def test_version_matches_the_package_metadata() -> None:
    import tomllib
    from shapelint import __version__

    pyproject = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert __version__ == pyproject["project"]["version"]
    assert run("--version").stdout.strip() == f"shapelint {__version__}"


def test_a_check_of_its_own_ends_without_the_interpreter_teardown(tmp_path: Path) -> None:
    """`shapelint check` as a command writes its output, then ends at once: the interpreter's teardown
    (atexit handlers, freeing what the analyses left) is skipped; the output and the status are whole."""
    script = (
        "import atexit, sys\natexit.register(print, 'torn down')\nfrom shapelint.cli import main\nsys.exit(main())\n"
    )
    cached = ["--cache-dir", str(tmp_path / "cache")]
    for arguments in (["--no-cache"], cached, cached):  # analysed, analysed and stored, replayed
        result = subprocess.run(
            [sys.executable, "-c", script, "check", "--format", "json", *arguments, str(BATCH_AXIS)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert "torn down" not in result.stdout
        assert result.returncode == 1
        assert [d["code"] for d in json.loads(result.stdout)] == ["SL101"]
    rules = subprocess.run([sys.executable, "-c", script, "rules"], capture_output=True, text=True, timeout=120)
    assert rules.returncode == 0 and rules.stdout.endswith("torn down\n")  # other commands end as usual
