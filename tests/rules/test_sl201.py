"""SL201 input-shape-argument: behaviour beyond the rule's own examples."""

from __future__ import annotations

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic, Severity
from shapelint.engine import analyze
from shapelint.fixes import apply_edits, fix_edits

KERAS3 = Config(keras_version=3)


def findings(source: str, config: Config = KERAS3) -> list[Diagnostic]:
    return [d for d in analyze(source, config).diagnostics if d.code == "SL201"]


def test_silent_when_targeting_keras_2() -> None:
    source = (
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.layers.Dense(4, input_shape=(8,))])\n"
    )
    assert findings(source, Config(keras_version=2)) == []
    assert [d.severity for d in findings(source)] == [Severity.INFORMATION]


def test_fix_keeps_a_multi_line_list_layout() -> None:
    source = (
        "import keras\n"
        "from keras import layers\n"
        "model = keras.Sequential([\n"
        "    layers.Dense(64, input_shape=(20,), activation='relu'),\n"
        "    layers.Dense(1),\n"
        "])\n"
    )
    fixed = apply_edits(source, fix_edits(findings(source)))
    assert fixed == (
        "import keras\n"
        "from keras import layers\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(20,)),\n"
        "    layers.Dense(64, activation='relu'),\n"
        "    layers.Dense(1),\n"
        "])\n"
    )
    assert not findings(fixed)


def test_fix_inserts_an_add_line_with_the_same_indentation() -> None:
    source = (
        "import keras\n"
        "def build():\n"
        "    model = keras.Sequential()\n"
        "    model.add(keras.layers.Dense(8, input_dim=4))\n"
        "    return model\n"
        "build()\n"
    )
    fixed = apply_edits(source, fix_edits(findings(source)))
    assert "    model.add(keras.Input(shape=(4,)))\n    model.add(keras.layers.Dense(8))\n" in fixed
    assert not findings(fixed)


def test_uses_the_files_own_input_name() -> None:
    source = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense, Input\n"
        "inputs = Input(shape=(3,))\n"
        "model = Sequential([Dense(4, input_shape=(8,))])\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.fix is not None
    assert diagnostic.fix.edits[0].content.startswith("Input(shape=(8,)), Dense(4)")


def test_no_fix_when_the_file_has_no_name_for_keras() -> None:
    source = (
        "from keras.models import Sequential\n"
        "from keras.layers import Dense\n"
        "model = Sequential([Dense(4, input_shape=(8,))])\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.fix is None
    assert "keras.Input(shape=(8,))" in diagnostic.message


def test_batch_input_shape_is_an_error_in_keras_3() -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(4, batch_input_shape=(32, 8))])\n"
    )
    (diagnostic,) = findings(source)
    assert diagnostic.severity is Severity.ERROR
    fixed = apply_edits(source, fix_edits([diagnostic]))
    assert "keras.Input(batch_shape=(32, 8)), keras.layers.Dense(4)" in fixed


def test_fix_finds_the_add_statement_inside_nested_blocks() -> None:
    source = (
        "import keras\n"
        "def build(deep):\n"
        "    model = keras.Sequential()\n"
        "    if deep:\n"
        "        pass\n"
        "    else:\n"
        "        for _ in range(1):\n"
        "            try:\n"
        "                model.add(keras.layers.Dense(8, input_dim=4))\n"
        "            finally:\n"
        "                pass\n"
        "    return model\n"
        "build(False)\n"
    )
    fixed = apply_edits(source, fix_edits(findings(source)))
    assert (
        "                model.add(keras.Input(shape=(4,)))\n                model.add(keras.layers.Dense(8))\n"
        in fixed
    )


def test_no_add_fix_when_the_add_call_shares_its_line() -> None:
    source = (
        "import keras\n"
        "model = keras.Sequential()\n"
        "if True: model.add(keras.layers.Dense(8, input_dim=4))\n"
    )
    found = findings(source)
    assert [d.code for d in found] == ["SL201"]
    assert fix_edits(found) == []
