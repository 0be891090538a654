"""Branches: an `if` whose test has a known value takes one branch, as Python does; a model changed
in place inside a branch of unknown outcome is unknown after it (unknown means silent).

Every program here runs under TensorFlow 2.21 / Keras 3.15 as its comments say.
"""

from __future__ import annotations

import pytest
from shapelint.arithmetic import const_compare, truthiness
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import analyze
from shapelint.values import UNKNOWN, Const, Seq

KERAS3 = Config(keras_version=3)


def findings(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.range.start.line) for d in analyze(text, KERAS3).diagnostics if d.code != "SL201"]


BUILDER = """
import sys
import numpy as np
from keras import layers, models


def get_model(explicit_input=True):
    model = models.Sequential()
    if {test}:
        model.add(layers.Input(shape=(3,)))
    model.add(layers.Dense(2))
    return model


model = get_model({argument})
model(np.zeros((2, 2)))
"""


@pytest.mark.parametrize(
    ("test", "argument"),
    [
        ("explicit_input", "explicit_input=False"),  # runs: the model is built by its first data
        ("explicit_input", "False"),
        ("not explicit_input", "True"),
        ("explicit_input == 'yes'", "'no'"),
        ("explicit_input in ('a', 'b')", "'c'"),
        ("explicit_input is not None", "None"),
    ],
)
def test_a_branch_the_test_rules_out_does_not_change_the_model(test: str, argument: str) -> None:
    assert findings(BUILDER.format(test=test, argument=argument)) == []


def test_a_branch_the_test_takes_changes_the_model() -> None:
    # Raises: "expected axis -1 of input shape to have value 3, but received input with shape (2, 2)".
    assert findings(BUILDER.format(test="explicit_input", argument="")) == [("SL103", 15)]


def test_a_layer_added_in_a_branch_of_unknown_outcome_makes_the_model_unknown() -> None:
    # With an argument the script raises; without, it runs: shapelint cannot tell, so it says nothing.
    assert findings(BUILDER.format(test="len(sys.argv) > 1", argument="")) == []


def test_a_layer_that_keeps_shapes_added_in_a_branch_changes_nothing() -> None:
    text = """
import sys
import numpy as np
from keras import layers, models
model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(8)])
if len(sys.argv) > 1:
    model.add(layers.Dropout(0.5))
model.add(layers.Dense(2))
model.compile(optimizer="adam", loss="mse")
model.fit(np.zeros((8, 3)), np.zeros((8, 5)))
"""
    # Raises either way: mse cannot pair the (None, 2) output with (8, 5) labels.
    assert findings(text) == [("SL105", 9)]


def test_a_compile_in_a_branch_of_unknown_outcome_leaves_the_loss_unknown_after_it() -> None:
    text = """
import sys
import numpy as np
from keras import layers, models
model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
if len(sys.argv) > 1:
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.zeros((8, 3)), np.zeros((8,)))
model.fit(np.zeros((8, 3)), np.zeros((8,)))
"""
    # In the branch the loss is mse, which cannot pair (None, 2) outputs with (8,) labels: reported. After
    # it, the loss is mse or sparse categorical crossentropy (with which (8,) labels run): nothing is said.
    assert findings(text) == [("SL105", 8)]


def test_the_model_summary_names_a_loss_only_when_every_path_compiled_with_it() -> None:
    text = """
import sys
from keras import layers, models
model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
if len(sys.argv) > 1:
    model.compile(optimizer="adam", loss="mse")
model
"""
    hover = analyze(text, KERAS3).hover_at(Position(7, 0))
    assert hover is not None and "Dense" in hover.markdown
    assert "loss:" not in hover.markdown  # mse or sparse categorical crossentropy: not known
    known = text.replace("if len(sys.argv) > 1:", "if True:")
    hover = analyze(known, KERAS3).hover_at(Position(7, 0))
    assert hover is not None and "loss: `'mse'`" in hover.markdown


def test_the_script_runs_its_main_block_and_a_module_it_imports_does_not(tmp_path) -> None:
    (tmp_path / "helpers.py").write_text(
        "import numpy as np\nx = np.zeros((10, 3))\nif __name__ == '__main__':\n    x = np.zeros((10, 5))\n"
    )
    script = tmp_path / "train.py"
    text = """
import numpy as np
from keras import layers, models
from helpers import x
model = models.Sequential([layers.Input(shape=(3,)), layers.Dense(2)])
if __name__ == "__main__":
    model.predict(np.zeros((4, 7)))
model.predict(x)
"""
    script.write_text(text)
    analysis = analyze(text, KERAS3, path=str(script), root=str(tmp_path))
    assert [(d.code, d.range.start.line) for d in analysis.diagnostics] == [("SL103", 6)]


def test_known_truth_and_comparisons_follow_python() -> None:
    assert truthiness(Const(0)) is False
    assert truthiness(Const("")) is False
    assert truthiness(Const(None)) is False
    assert truthiness(Seq((), "tuple")) is False
    assert truthiness(Seq((UNKNOWN,), "list")) is True
    assert truthiness(UNKNOWN) is None
    assert const_compare(Const(1), [("<", Const(2)), ("<", Const(3))]) == Const(True)
    assert const_compare(Const(1), [("<", Const(2)), (">", Const(3))]) == Const(False)
    assert const_compare(Const("a"), [("in", Seq((Const("a"), Const("b")), "tuple"))]) == Const(True)
    assert const_compare(Const("a"), [("<", Const(1))]) is UNKNOWN  # Python raises TypeError
    assert const_compare(Const(1), [("==", UNKNOWN)]) is UNKNOWN
    one = (Const(1),)
    assert const_compare(Seq(one, "list"), [("==", Seq(one, "tuple"))]) == Const(False)
    assert const_compare(Seq(one, "tuple"), [("==", Seq(one, "tuple"))]) == Const(True)
    assert const_compare(Const(3), [("is", Const(3))]) is UNKNOWN  # identity of ints is CPython's business
