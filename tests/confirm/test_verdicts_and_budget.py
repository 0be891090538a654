"""Which TensorFlow errors confirm a finding, which answers are cached and for whom, and the
run's time budget (no TensorFlow needed: the worker's answers are given as JSON)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from confirm_models import seed_lstm
from shapelint.config import Config
from shapelint.confirm.cache import ConfirmCache, workspace_scope
from shapelint.confirm.client import ConfirmClient
from shapelint.confirm.pipeline import ConfirmBudget, apply_confirmations, confirm_document, describe_models
from shapelint.confirm.result import confirmation_from_response, is_lasting_verdict, is_shape_error
from shapelint.diagnostics import Severity
from shapelint.engine import analyze

SHAPE_ERRORS = [
    ("ValueError", 'Input 0 of layer "lstm" is incompatible with the layer: expected ndim=3, found ndim=4.'),
    ("ValueError", "Error when checking input: expected conv2d_input to have 4 dimensions, but got (60000, 28, 28)"),
    ("ValueError", "Dimensions must be equal, but are 10 and 1 for '{{node sub}}'"),
    ("ValueError", "Arguments `target` and `output` must have the same shape. Received: target.shape=(32, 1)"),
    ("InvalidArgumentError", "Incompatible shapes: [32,10] vs. [32,1]"),
    ("ValueError", 'Layer "functional" expects 2 input(s), but it received 1 input tensors.'),
    ("ValueError", "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples."),
    ("ValueError", "Negative dimension size caused by subtracting 3 from 2"),
]
UNRELATED_ERRORS = [
    ("ValueError", "Could not interpret activation function identifier: rleu"),
    ("ValueError", "Could not interpret optimizer identifier: adamm"),
    ("ValueError", "Unknown loss function: 'categorical_crossentopy'. Please ensure you are using a ..."),
    ("TypeError", "Dense.__init__() got an unexpected keyword argument 'unit'"),
    ("TypeError", "Could not build the layer: its input shape is a string"),  # a TypeError is never a shape verdict
    ("NameError", "name 'relu' is not defined"),
    ("ValueError", "Unrecognized keyword arguments passed to Dense: {'activaton': 'relu'}"),
]

RLEU = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.random.rand(1000, 50, 1)
y = np.random.rand(1000, 1)
inputs = keras.Input(shape=(1000, 50, 1))
hidden = layers.Dense(8, activation="rleu")(inputs)
outputs = layers.Dense(1)(layers.Flatten()(hidden))
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer="adam", loss="mse")
model.fit(x, y)
"""
CONFIG = Config(keras_version=3)


def answer(kind: str | None, message: str = "", exception: str | None = "ValueError") -> dict[str, Any]:
    """A worker response as JSON: an error of `kind`, or none."""
    error = None if kind is None else {"kind": kind, "message": message, "exception": exception}
    return {"ok": kind is None, "error": error, "layer_shapes": {}, "tf_version": "2.21.0"}


@pytest.mark.parametrize(("exception", "message"), SHAPE_ERRORS)
def test_shape_errors_confirm(exception: str, message: str) -> None:
    assert is_shape_error(exception, message)
    assert confirmation_from_response(answer("feed", message, exception)).status == "confirmed-error"


@pytest.mark.parametrize(("exception", "message"), UNRELATED_ERRORS)
def test_unrelated_keras_errors_do_not_confirm(exception: str, message: str) -> None:
    assert not is_shape_error(exception, message)
    confirmation = confirmation_from_response(answer("build", message, exception))
    assert confirmation.status == "unconfirmed"
    assert confirmation.reason == f"TensorFlow could not build the model: {message}"


class ScriptedClient:
    """Answers every description with one scripted worker response, counting the calls."""

    def __init__(self, response: dict[str, Any], delay: float = 0.0) -> None:
        self.response = response
        self.delay = delay
        self.calls: list[dict[str, Any]] = []

    def confirm(self, description: object, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        time.sleep(self.delay)
        return confirmation_from_response(self.response)


def test_a_typoed_activation_does_not_confirm_the_batch_axis_finding() -> None:
    client = ScriptedClient(answer("build", "Could not interpret activation function identifier: rleu"))
    _, diagnostics = confirm_document(RLEU, CONFIG, client)
    finding = next(d for d in diagnostics if d.code == "SL101")
    assert finding.confirmed is None and "Confirmed by TensorFlow" not in finding.message
    (note,) = (d for d in diagnostics if d.code == "SL002")
    assert note.severity is Severity.INFORMATION and note.range == finding.range
    assert "could not build this model" in note.message and "rleu" in note.message


def test_a_real_shape_error_still_confirms_the_finding() -> None:
    text = (
        "Input 0 with name 'input_layer' of layer 'functional' is incompatible with the layer: "
        "expected shape=(None, 1000, 50, 1), found shape=(32, 50)"
    )
    _, diagnostics = confirm_document(RLEU, CONFIG, ScriptedClient(answer("feed", text)))
    (finding,) = diagnostics
    assert finding.code == "SL101" and finding.confirmed is True
    assert "Confirmed by TensorFlow 2.21.0: Input 0" in finding.message


def test_only_lasting_verdicts_are_cached(tmp_path: Path) -> None:
    assert is_lasting_verdict(confirmation_from_response(answer(None)))
    assert is_lasting_verdict(confirmation_from_response(answer("build", "Could not interpret activation")))
    for kind in ("timeout", "crashed", "memory"):
        assert not is_lasting_verdict(confirmation_from_response(answer(kind, "the worker died")))
    client = ConfirmClient(cache=ConfirmCache(directory=tmp_path))
    client._tensorflow_missing = False
    client._versions = ("2.21.0", "3.15.1")
    responses = iter(
        [answer("crashed", "the worker could not rebuild the model"), answer("feed", "Incompatible shapes")]
    )
    client.call = lambda message, **kwargs: next(responses)  # type: ignore[method-assign]
    first = client.confirm(seed_lstm())
    assert first.status == "unconfirmed" and len(client.cache) == 0
    assert not list(tmp_path.rglob("*.json"))
    second = client.confirm(seed_lstm())  # asked again, not answered "crashed" from the cache
    assert second.status == "confirmed-error" and not second.from_cache and len(client.cache) == 1


def test_an_answer_planted_for_one_workspace_never_reaches_another(tmp_path: Path) -> None:
    cache = ConfirmCache(directory=tmp_path / "cache")
    attacker, victim = tmp_path / "attacker", tmp_path / "victim"
    for project in (attacker, victim):
        project.mkdir()
        (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    planted = answer(None)  # "builds fine": would withdraw a real finding
    real = answer("feed", "Incompatible shapes: [32,50] vs. [32,1000,50,1]")
    asked: list[str] = []

    def make_client() -> ConfirmClient:
        client = ConfirmClient(cache=cache)
        client._tensorflow_missing = False
        client._versions = ("2.21.0", "3.15.1")
        client.call = lambda message, **kwargs: asked.append("worker") or real  # type: ignore[method-assign]
        return client

    # The attacker's workspace gets the planted answer into the shared cache directory...
    attacker_client = make_client()
    key = attacker_client._key(seed_lstm(), workspace_scope(attacker / "train.py"))
    cache.put(key, planted)
    assert attacker_client.confirm(seed_lstm(), scope=workspace_scope(attacker / "train.py")).status == "no-error"
    # ...and the victim's workspace, even with a fresh process reading the same directory, asks its own worker.
    cache.clear_memory()
    verdict = make_client().confirm(seed_lstm(), scope=workspace_scope(victim / "sub" / "train.py"))
    assert verdict.status == "confirmed-error" and not verdict.from_cache and asked == ["worker"]


def test_the_workspace_is_the_nearest_pyproject_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "src").mkdir()
    assert workspace_scope(tmp_path / "src" / "a.py") == str(tmp_path.resolve())
    assert workspace_scope(None) == ""


def test_a_worker_that_never_starts_is_waited_for_only_until_the_deadline(tmp_path: Path) -> None:
    hanging = tmp_path / "python"
    hanging.write_text("#!/bin/sh\nexec sleep 600\n")
    hanging.chmod(0o755)
    with ConfirmClient(python=str(hanging), startup_timeout=120) as client:
        client._tensorflow_missing = False
        started = time.monotonic()
        confirmation = client.confirm(seed_lstm(), deadline=started + 1.0)
        waited = time.monotonic() - started
    assert confirmation.status == "unconfirmed" and confirmation.error is not None
    assert confirmation.error.kind == "timeout" and "budget" in confirmation.error.message
    assert waited < 60  # the deadline, not the 120 s start-up limit, ended the wait


def test_the_run_budget_leaves_the_rest_unconfirmed_and_says_so() -> None:
    client = ScriptedClient(answer("feed", "Incompatible shapes: [32,50] vs. [32,1000,50,1]"), delay=0.2)
    budget = ConfirmBudget(0.1)
    _, first = confirm_document(RLEU, CONFIG, client, budget=budget)
    assert first[0].confirmed is True  # asked while time was left
    assert client.calls[0]["deadline"] == pytest.approx(budget.started + 0.1)
    _, second = confirm_document(RLEU, CONFIG, client, budget=budget)
    assert len(client.calls) == 1  # the budget is spent: TensorFlow is not asked again
    assert second[0].confirmed is None and budget.exhausted


def test_without_a_budget_nothing_is_skipped() -> None:
    client = ScriptedClient(answer(None))
    analysis = analyze(RLEU, CONFIG)
    assert describe_models(analysis, 3)
    confirm_document(RLEU, CONFIG, client)
    assert client.calls and client.calls[0]["deadline"] is None
    assert apply_confirmations((), ()) == ()
