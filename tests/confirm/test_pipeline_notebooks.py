"""TensorFlow's verdicts reach notebook findings, through the CLI's and the editor's runs alike.

A model's places are program ranges; a notebook's findings carry ranges relative to their
cell. The pipeline matches them in program coordinates. No TensorFlow needed: the worker's
answers are scripted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from shapelint.config import Config
from shapelint.confirm.pipeline import (
    SourceDocument,
    apply_confirmations,
    confirm,
    confirm_document,
    describe_models,
    program_range,
)
from shapelint.confirm.result import Confirmation, confirmation_from_response
from shapelint.diagnostics import Diagnostic, Position, Range, Severity
from shapelint.engine import analyze, analyze_notebook
from shapelint.lsp.background_confirmation import BackgroundConfirmer

CONFIG = Config(keras_version=3)
# The seed's batch-axis mistake, spread over cells as a notebook has it: the finding is on line 0
# of cell 2, which is line 5 of the program.
CELLS = [
    "import numpy as np\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n",
    "time_series_data = np.random.rand(1000, 50, 1)\ntargets = np.random.rand(1000, 1)\n",
    "input_layer = keras.Input(shape=(1000, 50, 1))\nrecurrent_layer = layers.LSTM(32)(input_layer)\n"
    "output_layer = layers.Dense(1)(recurrent_layer)\n",
    "model = keras.Model(inputs=input_layer, outputs=output_layer)\nmodel.compile(optimizer='adam', loss='mse')\n"
    "model.fit(time_series_data, targets, epochs=2)\n",
]
SHAPE_ERROR = (
    "Input 0 of layer 'functional' is incompatible with the layer: "
    "expected shape=(None, 1000, 50, 1), found shape=(32, 50, 1)"
)


def answer(kind: str | None, message: str = "", layer_shapes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A worker response as JSON: an error of `kind`, or none."""
    error = None if kind is None else {"kind": kind, "message": message, "exception": "ValueError"}
    return {"ok": kind is None, "error": error, "layer_shapes": layer_shapes or {}, "tf_version": "2.21.0"}


class ScriptedClient:
    """Answers each description with the next scripted worker response (the last one repeats)."""

    def __init__(self, *responses: dict[str, Any]) -> None:
        self.responses = list(responses)
        self.asked = 0

    def confirm(self, description: object, **kwargs: Any) -> Confirmation:
        response = self.responses[min(self.asked, len(self.responses) - 1)]
        self.asked += 1
        return confirmation_from_response(response)


def the_finding(diagnostics: Sequence[Diagnostic], code: str = "SL101") -> Diagnostic:
    (finding,) = (d for d in diagnostics if d.code == code)
    return finding


def test_a_notebook_finding_carries_its_cell_range_and_the_model_its_program_range() -> None:
    analysis = analyze_notebook(CELLS, CONFIG)
    finding = the_finding(analysis.diagnostics)
    assert finding.cell == 2 and finding.range.start.line == 0  # what the notebook shows
    assert program_range(analysis.program, finding).start == Position(5, finding.range.start.column)
    (case,) = describe_models(analysis, 3)
    assert case.reports(finding)


def test_program_range_is_the_identity_for_a_file() -> None:
    analysis = analyze("".join(CELLS), CONFIG)
    finding = the_finding(analysis.diagnostics)
    assert finding.cell is None and program_range(analysis.program, finding) == finding.range


def test_a_finding_of_another_cell_at_the_same_cell_range_is_not_the_models() -> None:
    analysis = analyze_notebook(CELLS, CONFIG)
    finding = the_finding(analysis.diagnostics)
    (case,) = describe_models(analysis, 3)
    elsewhere = Diagnostic(finding.code, finding.message, finding.range, finding.severity, cell=0)
    assert not case.reports(elsewhere)


def test_a_shape_error_confirms_a_finding_in_a_later_cell() -> None:
    client = ScriptedClient(answer("feed", SHAPE_ERROR))
    _, diagnostics = confirm_document(CELLS, CONFIG, client, notebook=True)
    finding = the_finding(diagnostics)
    assert finding.cell == 2 and finding.confirmed is True
    assert "Confirmed by TensorFlow 2.21.0: Input 0 of layer 'functional'" in finding.message
    assert client.asked == 1


def test_verdicts_applied_to_a_notebook_analysis_reach_its_findings() -> None:
    analysis = analyze_notebook(CELLS, CONFIG)
    (case,) = describe_models(analysis, 3)
    verdict = confirmation_from_response(answer("feed", SHAPE_ERROR))
    (confirmed,) = apply_confirmations(analysis.diagnostics, [(case, verdict)])
    assert confirmed.confirmed is True and confirmed.cell == 2


def test_a_model_built_without_error_withdraws_the_notebook_finding() -> None:
    _, diagnostics = confirm_document(CELLS, CONFIG, ScriptedClient(answer(None)), notebook=True)
    assert diagnostics == ()


def test_an_unrelated_keras_error_notes_the_notebook_finding_in_its_cell() -> None:
    client = ScriptedClient(answer("build", "Could not interpret activation function identifier: rleu"))
    _, diagnostics = confirm_document(CELLS, CONFIG, client, notebook=True)
    finding = the_finding(diagnostics)
    note = the_finding(diagnostics, "SL002")
    assert finding.confirmed is None
    assert (note.cell, note.range, note.severity) == (finding.cell, finding.range, Severity.INFORMATION)


# A layer the catalog does not know (as if it were new): its output shape comes from TensorFlow,
# and only then does the label mistake of the last cell show.
UNKNOWN_LAYER_CELLS = [
    "import numpy as np\nimport keras\nx = np.random.randint(0, 4, size=(100, 3))\n",
    "inputs = keras.Input(shape=(3,))\n"
    "encoded = keras.layers.CategoryEncoding(num_tokens=8, output_mode='multi_hot')(inputs)\n"
    "outputs = keras.layers.Dense(10, activation='softmax')(encoded)\nmodel = keras.Model(inputs, outputs)\n",
    "model.compile(loss='sparse_categorical_crossentropy')\nmodel.fit(x, np.zeros((100, 10)))\n",
]
TAUGHT = answer(None, layer_shapes={"l0": [[None, 8]], "l1": [[None, 10]]})
LABEL_ERROR = answer(
    "feed", "Arguments `target` and `output` must have the same shape. Received: target.shape=(32, 10)"
)


@pytest.fixture
def unknown_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint.knowledge import layers

    monkeypatch.delitem(layers.CATALOG, "keras.layers.CategoryEncoding", raising=False)


@pytest.mark.usefixtures("unknown_layer")
def test_a_notebook_is_analysed_again_with_the_shapes_tensorflow_taught() -> None:
    document = SourceDocument(tuple(UNKNOWN_LAYER_CELLS), CONFIG, notebook=True)
    assert document.analyze().diagnostics == ()
    run = confirm(document, ScriptedClient(TAUGHT, LABEL_ERROR))
    finding = the_finding(run.diagnostics, "SL105")
    assert (finding.cell, finding.confirmed) == (2, True)
    assert "→ (None, 8)" in [hint.label for hint in run.analysis.inlay_hints]
    assert run.answers == 2 and len(run.learned) == 1


@pytest.mark.usefixtures("unknown_layer")
def test_the_editors_confirmer_analyses_a_notebook_again_too() -> None:
    confirmer = BackgroundConfirmer(lambda: ScriptedClient(TAUGHT, LABEL_ERROR))
    document = SourceDocument(tuple(UNKNOWN_LAYER_CELLS), CONFIG, notebook=True)
    run = confirmer.confirm(document, document.analyze())
    assert run is not None
    assert [(d.code, d.cell, d.confirmed) for d in run.diagnostics] == [("SL105", 2, True)]


def test_the_editors_confirmer_adds_nothing_when_no_model_is_asked_about() -> None:
    client = ScriptedClient(answer("feed", SHAPE_ERROR))
    confirmer = BackgroundConfirmer(lambda: client)
    document = SourceDocument(("import numpy as np\nx = np.zeros((3, 4))\n",), CONFIG)
    assert confirmer.confirm(document, document.analyze()) is None
    assert client.asked == 0


def test_a_cancelled_run_stops_before_asking_tensorflow() -> None:
    client = ScriptedClient(answer("feed", SHAPE_ERROR))
    document = SourceDocument(tuple(CELLS), CONFIG, notebook=True)
    run = confirm(document, client, cancelled=lambda: True)
    assert run.cancelled and client.asked == 0
    assert the_finding(run.diagnostics).confirmed is None
    assert BackgroundConfirmer(lambda: client).confirm(document, document.analyze(), lambda: True) is None


def test_without_tensorflow_the_editors_confirmer_says_how_to_enable_it() -> None:
    from shapelint.confirm import ENABLE_MESSAGE

    confirmer = BackgroundConfirmer(lambda: None)
    document = SourceDocument(tuple(CELLS), CONFIG, notebook=True)
    assert confirmer.confirm(document, document.analyze()) is None
    assert confirmer.enable_message == ENABLE_MESSAGE and not confirmer.starting


def test_a_finding_keeps_its_range_when_a_model_elsewhere_is_confirmed() -> None:
    analysis = analyze_notebook(CELLS, CONFIG)
    (case,) = describe_models(analysis, 3)
    other = Diagnostic("SL103", "about another model", Range.of(0, 0, 0, 5), Severity.ERROR, cell=1)
    verdict = confirmation_from_response(answer("feed", SHAPE_ERROR))
    assert apply_confirmations([other], [(case, verdict)]) == (other,)
