"""The other line of a two-line mistake travels with a finding: to the editor as relatedInformation."""

from __future__ import annotations

from shapelint.engine import analyze, analyze_notebook
from shapelint.lsp.convert import diagnostics_by_uri
from shapelint.lsp.documents import Snapshot, TextState
from shapelint.lsp.encoding import ColumnEncoding

BATCH_AXIS = """\
import numpy as np
import keras
x_train = np.random.rand(500, 20)
inputs = keras.Input(shape=x_train.shape)
"""

ONE_SAMPLE = """\
import numpy as np
import keras
inputs = keras.Input(shape=(20,))
model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
model.compile(loss="mse")
sample = np.zeros((20,))
model.predict(sample)
"""

NO_CHANNEL = """\
import keras
inputs = keras.Input(shape=(28, 28))
outputs = keras.layers.Conv2D(4, 3)(inputs)
"""


def only(text: str, code: str):  # type: ignore[no-untyped-def]
    (diagnostic,) = [d for d in analyze(text).diagnostics if d.code == code]
    return diagnostic


def test_input_with_the_sample_axis_points_at_where_the_data_is_made() -> None:
    (place,) = only(BATCH_AXIS, "SL101").related
    assert place.range.start.line == 2 and "`x_train`" in place.message


def test_one_sample_to_predict_points_at_the_declared_input() -> None:
    (place,) = only(ONE_SAMPLE, "SL108").related
    assert place.range.start.line == 2 and "input" in place.message


def test_missing_channel_axis_points_at_the_input_declaration() -> None:
    (place,) = only(NO_CHANNEL, "SL102").related
    assert place.range.start.line == 1


def test_in_a_notebook_a_related_place_in_another_cell_points_at_that_cell() -> None:
    cells = [
        "import numpy as np\nimport keras\nx_train = np.random.rand(500, 20)",
        "inputs = keras.Input(shape=x_train.shape)",
    ]
    (diagnostic,) = [d for d in analyze_notebook(cells).diagnostics if d.code == "SL101"]
    assert diagnostic.cell == 1
    (place,) = diagnostic.related
    assert (place.cell, place.range.start.line) == (0, 2)
    segments = tuple(TextState.of(f"vscode-notebook-cell:/nb.ipynb#c{i}", 1, text) for i, text in enumerate(cells))
    snapshot = Snapshot("file:///nb.ipynb", 1, segments, notebook=True)
    shown = diagnostics_by_uri(snapshot, [diagnostic], ColumnEncoding.UTF16)
    (lsp,) = shown[segments[1].uri]
    assert lsp.related_information is not None
    (info,) = lsp.related_information
    assert info.location.uri == segments[0].uri and info.location.range.start.line == 2
    hidden = diagnostics_by_uri(snapshot, [diagnostic], ColumnEncoding.UTF16, related_information=False)
    assert hidden[segments[1].uri][0].related_information is None
