"""Keras 2 code is confirmed by Keras 2: the tf-keras worker (TF_USE_LEGACY_KERAS=1) answers for
a Keras 2 target, the Keras 3 worker for a Keras 3 target, and neither withdraws the other's findings.

The programs below behave differently under the two Keras versions (measured with TensorFlow
2.21, Keras 3.15 and tf-keras 2.21): a Sequential model with a declared input of 100 steps
takes sequences of 120 in Keras 3 and rejects them in Keras 2; `mse` with a (None, 3) output
and (N,) labels broadcasts in Keras 2 and raises in Keras 3.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from shapelint.config import Config
from shapelint.confirm.pipeline import apply_confirmations, confirm_document, describe_models
from shapelint.confirm.result import Confirmation
from shapelint.diagnostics import Diagnostic, Severity
from shapelint.engine import analyze

KERAS2 = Config(keras_version=2)
KERAS3 = Config(keras_version=3)

SEQUENCES_LONGER_THAN_DECLARED = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.zeros((500, 120), dtype="int32")
y = np.zeros((500,))
model = keras.Sequential(
    [keras.Input(shape=(100,)), layers.Embedding(1000, 8), layers.GlobalAveragePooling1D(), layers.Dense(1)]
)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y)
"""

IMAGES_WITHOUT_CHANNEL_AXIS = """\
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=(28, 28, 1))
h = keras.layers.Flatten()(keras.layers.Conv2D(4, 3)(inputs))
model = keras.Model(inputs, keras.layers.Dense(10)(h))
model.compile(loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train)
"""

THREE_OUTPUTS_AGAINST_ONE_LABEL = """\
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x = np.zeros((500, 5))
y = np.zeros((500,))
model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(3)])
model.compile(optimizer="sgd", loss="mse")
model.fit(x, y)
"""


def _require_tf_keras() -> None:
    from shapelint.confirm.availability import KERAS2_ENABLE_MESSAGE, tf_keras_available

    if tf_keras_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but tf-keras is not installed. {KERAS2_ENABLE_MESSAGE}")
    pytest.skip(KERAS2_ENABLE_MESSAGE)


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    _require_tf_keras()
    from shapelint.confirm import ConfirmClient

    with ConfirmClient() as confirm_client:
        yield confirm_client


def _fit_place(text: str, keras_major: int) -> tuple[object, Diagnostic]:
    """The program's one model case and a finding injected on its `fit` line."""
    analysis = analyze(text, Config(keras_version=keras_major))
    (case,) = describe_models(analysis, keras_major)
    fit_line = len(text.splitlines()) - 1
    place = next(p for p in case.places if p.start.line == fit_line)
    return case, Diagnostic("SL105", "a claim about the labels", place, Severity.ERROR)


@pytest.mark.tensorflow
def test_a_keras_2_only_mistake_is_confirmed_by_keras_2_with_its_message(client: object) -> None:
    _, diagnostics = confirm_document(SEQUENCES_LONGER_THAN_DECLARED, KERAS2, client)
    (finding,) = diagnostics
    fit_line = len(SEQUENCES_LONGER_THAN_DECLARED.splitlines()) - 1
    assert (finding.code, finding.confirmed, finding.range.start.line) == ("SL103", True, fit_line)
    assert "Confirmed by TensorFlow 2.21.0 with Keras 2 (tf-keras 2.21.0):" in finding.message
    assert "expected shape=(None, 100), found shape=(32, 120)" in finding.message
    assert client.keras2_client is not None and client.keras2_client.worker_info.keras_version == "2.21.0"  # type: ignore[attr-defined]


@pytest.mark.tensorflow
def test_the_keras_3_path_is_answered_by_keras_3(client: object) -> None:
    # Keras 3 trains this Sequential model: its worker withdraws the static finding, as before.
    assert [d.code for d in analyze(SEQUENCES_LONGER_THAN_DECLARED, KERAS3).diagnostics] == ["SL103"]
    _, diagnostics = confirm_document(SEQUENCES_LONGER_THAN_DECLARED, KERAS3, client)
    assert diagnostics == ()


@pytest.mark.tensorflow
def test_a_wrong_claim_on_keras_2_code_is_withdrawn_by_keras_2(client: object) -> None:
    case, injected = _fit_place(IMAGES_WITHOUT_CHANNEL_AXIS, 2)
    confirmation = client.confirm(case.description)  # type: ignore[attr-defined]
    assert (confirmation.status, confirmation.keras_major, confirmation.keras_version) == ("no-error", 2, "2.21.0")
    assert apply_confirmations([injected], [(case, confirmation)]) == ()


@pytest.mark.tensorflow
def test_a_keras_3_only_mistake_is_not_withdrawn_by_keras_2(client: object) -> None:
    keras3_case, keras3_claim = _fit_place(THREE_OUTPUTS_AGAINST_ONE_LABEL, 3)
    keras3 = client.confirm(keras3_case.description)  # type: ignore[attr-defined]
    assert (keras3.status, keras3.keras_major) == ("confirmed-error", 3)
    (kept,) = apply_confirmations([keras3_claim], [(keras3_case, keras3)])
    assert kept.confirmed is True and "Confirmed by TensorFlow 2.21.0: " in kept.message
    assert "Keras 2" not in kept.message
    # The same model as Keras 2 code: Keras 2 broadcasts the labels, and says so.
    keras2_case, keras2_claim = _fit_place(THREE_OUTPUTS_AGAINST_ONE_LABEL, 2)
    keras2 = client.confirm(keras2_case.description)  # type: ignore[attr-defined]
    assert (keras2.status, keras2.keras_major) == ("no-error", 2)
    assert apply_confirmations([keras2_claim], [(keras2_case, keras2)]) == ()


@pytest.mark.tensorflow
def test_keras_2_builds_without_allocating_its_weights(client: object) -> None:
    # A batch axis in the input: about 500 M weights behind the Flatten (1.9 GB as float32).
    text = IMAGES_WITHOUT_CHANNEL_AXIS.replace("shape=(28, 28, 1)", "shape=(60000, 28, 28)").replace(
        "Conv2D(4, 3)", "Conv2D(32, 3)"
    )
    case, _ = _fit_place(text, 2)
    confirmation = client.confirm(case.description)  # type: ignore[attr-defined]
    assert confirmation.status == "confirmed-error" and confirmation.keras_major == 2
    # Conv2D reads 60000 as the height and 28 as the channels: 3 * 3 * 28 * 32 + 32, then Dense.
    assert confirmation.parameter_count == 3 * 3 * 28 * 32 + 32 + 59998 * 26 * 32 * 10 + 10
    assert "expected shape=(None, 60000, 28, 28), found shape=(32, 28, 28)" in confirmation.error.message  # type: ignore[union-attr]
    peak = client.keras2_client.worker_peak_rss()  # type: ignore[attr-defined]
    assert peak is not None and peak < 1.5 * 1024**3


# Without TensorFlow: how verdicts from each Keras are applied --------------------------------------


def _answer(status: str, keras_major: int) -> Confirmation:
    return Confirmation(status=status, tf_version="2.21.0", keras_version=f"{keras_major}.0", keras_major=keras_major)  # type: ignore[arg-type]


def test_keras_3_saying_no_error_withdraws_nothing_for_keras_2_code() -> None:
    case, claim = _fit_place(IMAGES_WITHOUT_CHANNEL_AXIS, 2)
    assert apply_confirmations([claim], [(case, _answer("no-error", 3))]) == (claim,)
    assert apply_confirmations([claim], [(case, _answer("no-error", 2))]) == ()


def test_keras_3_code_is_withdrawn_by_a_keras_3_answer_as_before() -> None:
    case, claim = _fit_place(IMAGES_WITHOUT_CHANNEL_AXIS, 3)
    assert apply_confirmations([claim], [(case, _answer("no-error", 3))]) == ()


def test_the_answering_keras_is_named() -> None:
    assert _answer("no-error", 3).answered_by == "TensorFlow 2.21.0"
    assert _answer("no-error", 2).answered_by == "TensorFlow 2.21.0 with Keras 2 (tf-keras 2.0)"
