"""SL104 layer-input-incompatible: behaviour beyond the rule's own examples."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits

KERAS3 = Config(keras_version=3)


def findings(source: str, code: str = "SL104") -> list[Diagnostic]:
    return [d for d in analyze(source, KERAS3).diagnostics if d.code == code]


def test_stacked_lstm_fix_adds_return_sequences_to_the_previous_layer() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(30, 5))\n"
        "x = layers.LSTM(64, dropout=0.1)(inputs)\n"
        "x = layers.Dropout(0.2)(x)\n"
        "x = layers.LSTM(32)(x)\n"
    )
    (diagnostic,) = findings(source)
    assert "line 4" in diagnostic.message and "return_sequences=True" in diagnostic.message
    fixed = apply_edits(source, fix_edits([diagnostic], unsafe=True))
    assert "layers.LSTM(64, dropout=0.1, return_sequences=True)(inputs)" in fixed
    assert not findings(fixed)


def test_explicit_return_sequences_false_is_replaced_not_duplicated() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(30, 5))\n"
        "x = layers.GRU(64, return_sequences=False)(inputs)\n"
        "x = layers.GRU(32)(x)\n"
    )
    fixed = apply_edits(source, fix_edits(findings(source), unsafe=True))
    assert "layers.GRU(64, return_sequences=True)(inputs)" in fixed
    assert not findings(fixed)


def test_merge_message_names_every_input_and_its_shape() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "seq_in = keras.Input(shape=(24, 5))\n"
        "cal_in = keras.Input(shape=(7,))\n"
        "seq = layers.LSTM(16, return_sequences=True)(seq_in)\n"
        "x = layers.concatenate([seq, seq_in, cal_in])\n"
    )
    (diagnostic,) = findings(source)
    assert "`seq` (None, 24, 16)" in diagnostic.message
    assert "`cal_in` (None, 7)" in diagnostic.message
    assert "different ranks" in diagnostic.message


def test_lstm_on_flat_input_suggests_a_feature_axis_and_the_fix_removes_the_finding() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(13,))\n"
        "x = layers.LSTM(8)(inputs)\n"
    )
    (diagnostic,) = findings(source)
    assert "(None, 13)" in diagnostic.message and "shape=(13, 1)" in diagnostic.message
    fixed = apply_edits(source, fix_edits([diagnostic], unsafe=True))
    assert "keras.Input(shape=(13, 1))" in fixed
    assert not findings(fixed)


def test_lstm_after_dense_suggests_reshape() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(20,))\n"
        "x = layers.LSTM(8)(layers.Dense(64)(inputs))\n"
    )
    (diagnostic,) = findings(source)
    assert "layers.Reshape((64, 1))" in diagnostic.message
    assert diagnostic.fix is None


def test_shared_layer_reports_the_second_call_and_points_at_the_first() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "a = keras.Input(shape=(20,))\n"
        "b = keras.Input(shape=(30,))\n"
        "tower = layers.Dense(16)\n"
        "x = tower(a)\n"
        "y = tower(b)\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.range.start.line == 6
    assert "(None, 20)" in diagnostic.message and "(None, 30)" in diagnostic.message
    assert [place.range.start.line for place in diagnostic.related] == [5]


def test_shared_conv_layer_compares_channels_only() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "conv = layers.Conv2D(8, 3)\n"
        "x = conv(keras.Input(shape=(32, 32, 3)))\n"
        "y = conv(keras.Input(shape=(64, 64, 3)))\n"
        "z = conv(keras.Input(shape=(64, 64, 1)))\n"
    )
    lines = [d.range.start.line for d in findings(source)]
    assert lines == [5]


def test_no_cascade_after_an_input_that_includes_the_sample_axis() -> None:
    source = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        "data = np.random.rand(1000, 50, 1)\n"
        "inputs = keras.Input(shape=(1000, 50, 1))\n"
        "x = layers.LSTM(32)(inputs)\n"
        "model = keras.Model(inputs, layers.Dense(1)(x))\n"
        "model.compile(loss='mse')\n"
        "model.fit(data, np.zeros((1000, 1)))\n"
    )
    codes = {d.code for d in analyze(source, KERAS3).diagnostics}
    assert "SL101" in codes
    assert "SL104" not in codes


def test_missing_channel_axis_before_conv2d_is_left_to_sl102() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(28, 28))\n"
        "x = layers.Conv2D(8, 3)(inputs)\n"
    )
    codes = {d.code for d in analyze(source, KERAS3).diagnostics}
    assert "SL102" in codes and "SL104" not in codes


def test_reshape_layer_message_shows_both_sizes() -> None:
    source = (
        "import keras\nfrom keras import layers\n"
        "inputs = keras.Input(shape=(3136,))\n"
        "x = layers.Reshape((7, 7, 128))(inputs)\n"
    )
    (diagnostic,) = findings(source)
    assert "6,272" in diagnostic.message and "3,136" in diagnostic.message
    assert "Reshape((7, 7, 64))" in diagnostic.message


def test_without_a_declared_input_the_finding_is_at_the_data() -> None:
    source = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        "x = np.random.rand(100, 13)\n"
        "model = keras.Sequential([layers.LSTM(8), layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, np.zeros((100, 1)))\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.range.start.line == 6
    fixed = apply_edits(source, fix_edits([diagnostic], unsafe=True))
    assert "model.fit(np.expand_dims(x, -1), np.zeros((100, 1)))" in fixed
    assert not findings(fixed)


def test_stacked_lstm_without_declared_input_is_reported_at_the_layer() -> None:
    source = (
        "import numpy as np\nimport keras\nfrom keras import layers\n"
        "x = np.random.rand(100, 10, 3)\n"
        "model = keras.Sequential([layers.LSTM(8), layers.LSTM(4)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, np.zeros((100, 4)))\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.range.start.line == 4
    assert "return_sequences=True" in diagnostic.message
