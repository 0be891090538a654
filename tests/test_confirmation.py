"""TensorFlow confirmation through the engine: findings confirmed or withdrawn, unknown layers
learned, and the user's file never executed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.confirm.pipeline import apply_confirmations, confirm_document, describe_models
from shapelint.diagnostics import Diagnostic, Range, Severity
from shapelint.engine import analyze

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
CONFIG = Config(keras_version=3)
pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    from shapelint.confirm import ConfirmClient

    with ConfirmClient() as confirm_client:
        yield confirm_client


@pytest.mark.parametrize("path", sorted((EXAMPLES / "mistakes").glob("*.py")), ids=lambda p: p.stem)
def test_bundled_mistake_is_confirmed_with_tensorflows_message(client: object, path: Path) -> None:
    _, diagnostics = confirm_document(path.read_text(), CONFIG, client)
    assert diagnostics
    for diagnostic in diagnostics:
        assert diagnostic.confirmed is True
        assert "Confirmed by TensorFlow 2." in diagnostic.message


def test_a_wrong_static_claim_is_withdrawn(client: object) -> None:
    text = (EXAMPLES / "correct" / "seed_multi_input.py").read_text()
    text += (
        "model.compile(loss='binary_crossentropy')\nmodel.fit([demographics, review_ratings], np.zeros((1000, 1)))\n"
    )
    analysis = analyze(text, CONFIG)
    assert analysis.diagnostics == ()
    (case,) = describe_models(analysis, 3)
    fit_line = len(text.splitlines()) - 1
    place = next(p for p in case.places if p.start.line == fit_line)
    injected = Diagnostic("SL106", "a deliberately wrong claim", place, Severity.ERROR)
    confirmation = client.confirm(case.description)  # type: ignore[attr-defined]
    assert confirmation.status == "no-error"
    assert apply_confirmations([injected], [(case, confirmation)]) == ()


def test_a_claim_elsewhere_is_left_alone(client: object) -> None:
    analysis = analyze((EXAMPLES / "correct" / "seed_time_series.py").read_text(), CONFIG)
    (case,) = describe_models(analysis, 3)
    elsewhere = Diagnostic("SL103", "not about this model", Range.of(0, 0, 0, 1), Severity.ERROR)
    confirmation = client.confirm(case.description)  # type: ignore[attr-defined]
    assert apply_confirmations([elsewhere], [(case, confirmation)]) == (elsewhere,)


def test_a_layer_outside_the_catalog_gets_its_shape_from_tensorflow(
    client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = """
import numpy as np
import keras
x = np.random.randint(0, 4, size=(100, 3))
inputs = keras.Input(shape=(3,))
encoded = keras.layers.CategoryEncoding(num_tokens=8, output_mode="multi_hot")(inputs)
outputs = keras.layers.Dense(10, activation="softmax")(encoded)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy")
model.fit(x, np.zeros((100, 10)))
"""
    from shapelint.knowledge import layers

    # Take the layer out of the catalog, as if it were a layer the catalog has never heard of.
    monkeypatch.delitem(layers.CATALOG, "keras.layers.CategoryEncoding", raising=False)
    static = analyze(text, CONFIG)
    assert static.diagnostics == ()  # one-hot labels with a sparse loss are invisible while shapes are unknown
    analysis, diagnostics = confirm_document(text, CONFIG, client)
    hints = [hint.label for hint in analysis.inlay_hints]
    assert "→ (None, 8)" in hints and "→ (None, 10)" in hints
    assert [d.code for d in diagnostics] == ["SL105"]
    assert diagnostics[0].confirmed is True


def test_checking_with_confirm_never_runs_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    program = tmp_path / "program.py"
    program.write_text(
        "import os\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        f"os.system('touch {marker}')\n" + (EXAMPLES / "mistakes" / "batch_axis_in_input.py").read_text()
    )
    result = subprocess.run(
        [sys.executable, "-m", "shapelint", "check", "--confirm", str(program)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stderr
    assert "SL101" in result.stdout and "Confirmed by TensorFlow" in result.stdout
    assert not marker.exists()


def test_check_confirm_confirms_the_bundled_notebook_mistakes(tmp_path: Path) -> None:
    notebooks = sorted((NOTEBOOKS / "buggy").glob("*.ipynb"))
    assert notebooks
    result = subprocess.run(
        [sys.executable, "-m", "shapelint", "check", "--confirm", "--format", "json", *map(str, notebooks)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)},  # TensorFlow answers, not an earlier run's cache
    )
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert sorted(Path(f["filename"]).name for f in findings) == [n.name for n in notebooks]
    for finding in findings:
        assert finding["cell"] is not None and finding["confirmed"] is True, finding
        assert "Confirmed by TensorFlow 2." in finding["message"]


def test_confirm_without_tensorflow_says_how_to_enable_it(tmp_path: Path) -> None:
    from shapelint.confirm import ENABLE_MESSAGE

    program = tmp_path / "program.py"
    program.write_text((EXAMPLES / "mistakes" / "batch_axis_in_input.py").read_text())
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "tensorflow.py").write_text("raise ImportError('hidden for this test')\n")
    code = (
        "import importlib.util, sys\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda name, *a: None if name == 'tensorflow' else real(name, *a)\n"
        "from shapelint.cli import main\n"
        f"sys.exit(main(['check', '--confirm', {str(program)!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert ENABLE_MESSAGE in result.stderr
    assert "SL101" in result.stdout


TYPOED_ACTIVATION = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.random.rand(1000, 50, 1)
y = np.random.rand(1000, 1)
inputs = keras.Input(shape=(1000, 50, 1))
hidden = layers.Dense(8, activation="{activation}")(inputs)
outputs = layers.Dense(1)(layers.Flatten()(hidden))
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer="adam", loss="mse")
model.fit(x, y)
"""


def test_a_typoed_activation_does_not_confirm_a_batch_axis_finding(client: object) -> None:
    _, diagnostics = confirm_document(TYPOED_ACTIVATION.format(activation="rleu"), CONFIG, client)
    (finding,) = (d for d in diagnostics if d.code == "SL101")
    assert finding.confirmed is None and "Confirmed by TensorFlow" not in finding.message
    (note,) = (d for d in diagnostics if d.code == "SL002")
    assert note.severity is Severity.INFORMATION
    assert "Could not interpret activation function identifier: rleu" in note.message


def test_the_same_model_with_a_real_activation_is_confirmed_by_its_shape_error(client: object) -> None:
    _, diagnostics = confirm_document(TYPOED_ACTIVATION.format(activation="relu"), CONFIG, client)
    (finding,) = diagnostics
    assert finding.code == "SL101" and finding.confirmed is True
    assert "is incompatible with the layer" in finding.message
