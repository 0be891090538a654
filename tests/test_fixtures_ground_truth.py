"""Ground truth of the fixture corpus, proven under real TensorFlow.

Every ``tests/fixtures/correct/*.py`` must run to the end and every
``tests/fixtures/buggy/*.py`` must raise a shape error whose traceback passes through the
line marked ``# error: ...`` (see ``tests/fixtures/validate_with_tensorflow.py``). All
fixtures share one TensorFlow import. Without TensorFlow these tests are skipped, except
when ``CI=true``: then a missing TensorFlow is a failure.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from scripts_by_path import fixture_validation
from shapelint.rules import all_rules

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KNOWN_CODES = {rule.code for rule in all_rules()}


validation = fixture_validation()
PATHS = validation.fixture_paths()
BUGGY = [p for p in PATHS if p.parent.name == "buggy"]
CORRECT = [p for p in PATHS if p.parent.name == "correct"]


def _fixture_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.tensorflow
@pytest.mark.parametrize("path", PATHS, ids=_fixture_id)
def test_fixture_ground_truth(tensorflow_runner: Any, path: Path) -> None:
    result = tensorflow_runner.run(path)
    assert result.ok, f"{result.name}: {result.detail}"
    if result.outcome == "skipped":
        pytest.skip(f"not executed: {result.detail}")


KERAS2 = [p for p in PATHS if validation.keras_target(p.read_text(encoding="utf-8")) == 2]


@pytest.mark.tensorflow
def test_keras_2_fixtures_ground_truth_under_tf_keras(tmp_path: Path) -> None:
    """The `# keras: 2` fixtures, run under tf-keras in a process of their own (TensorFlow reads the switch once)."""
    if importlib.util.find_spec("tf_keras") is None:
        if os.environ.get("CI", "").strip().lower() == "true":
            pytest.fail("tf-keras is required when CI=true (scripts/install.sh --tests installs it)", pytrace=False)
        pytest.skip("tf-keras is not installed")
    assert len(KERAS2) >= 2
    report = tmp_path / "keras2.json"
    command = [sys.executable, str(FIXTURES / "validate_with_tensorflow.py"), "--keras", "2", "--json", str(report)]
    result = subprocess.run([*command, *map(str, KERAS2)], capture_output=True, text=True, timeout=900)
    rows = json.loads(report.read_text())
    assert [row["name"] for row in rows] == [f"{p.parent.name}/{p.name}" for p in KERAS2]
    failed = [f"{row['name']}: {row['detail']}" for row in rows if row["status"] == "fail"]
    assert not failed and result.returncode == 0, failed or result.stdout[-2000:]
    assert all(row["outcome"] == ("raised" if row["name"].startswith("buggy/") else "ran") for row in rows)


# -- checks of the corpus itself (no TensorFlow needed) ------------------------------------


def test_corpus_size() -> None:
    assert len(BUGGY) >= 70, len(BUGGY)
    assert len(CORRECT) >= 45, len(CORRECT)


@pytest.mark.parametrize("path", PATHS, ids=_fixture_id)
def test_markers_are_well_formed(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    markers = validation.parse_markers(source)
    validation.parse_directives(source)  # raises on an unknown directive
    for marker in markers:
        assert set(marker.codes) <= KNOWN_CODES, marker
        assert (marker.severity == "info") == (marker.codes == ("SL201",)), marker
    blocking = [m for m in markers if m.severity in ("error", "warning")]
    if path.parent.name == "buggy":
        assert blocking, "a buggy fixture must mark the line to fix with '# error: SLxxx'"
    else:
        assert not blocking, "a correct fixture may only carry '# info:' markers"


APPLICATIONS = {"VGG16", "VGG19", "ResNet50", "MobileNet", "MobileNetV2", "InceptionV3", "EfficientNetB0", "Xception"}


def _is_application(func: ast.expr) -> bool:
    """keras.applications.VGG16(input_shape=...) is the proper API, not a layer argument."""
    dotted = ast.unparse(func)
    return "applications" in dotted or dotted.rsplit(".", 1)[-1] in APPLICATIONS


@pytest.mark.parametrize("path", PATHS, ids=_fixture_id)
def test_every_layer_input_shape_argument_is_marked_sl201(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    info_lines = {m.line for m in validation.parse_markers(source) if "SL201" in m.codes}
    argument_lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and not _is_application(node.func):
            for keyword in node.keywords:
                if keyword.arg in ("input_shape", "input_dim"):
                    argument_lines.add(keyword.lineno)
    assert info_lines == argument_lines
