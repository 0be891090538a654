"""Loops as abstract interpretation: a literal loop is followed item by item only while its passes change
the state, nested loops share one allowance of passes, and the shapes after simple loops stay exact.

Costs are counted in the work budget's steps (`Budget.taken`), never timed.
"""

from __future__ import annotations

from shapelint.budget import Budget
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import analyze
from shapelint.facts import ModelValue, ProgramFacts
from shapelint.interpreter import Interpreter
from shapelint.limits import MAX_LOOP_PASSES
from shapelint.source import parse_program
from shapelint.values import UNKNOWN, ArrayValue, Const, TensorValue

KERAS3 = Config(keras_version=3)
HEADER = """
import numpy as np
import keras
x = np.zeros((100, 4))
y = np.zeros((100, 3))
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
model.compile(optimizer="adam", loss="mse")
"""


def run(code: str) -> tuple[ProgramFacts, int]:
    """The program's facts and the steps its analysis took."""
    budget = Budget(steps=10**9)
    facts = Interpreter(parse_program([code], notebook=False), budget=budget).run()
    assert not budget.spent
    return facts, budget.taken


def training_nest(outer: int, inner: int) -> str:
    return HEADER + (
        f"for epoch in range({outer}):\n"
        f"    for step in range({inner}):\n"
        "        batch = x[:10]\n"
        "        loss = model.train_on_batch(batch, y[:10])\n"
        "        prediction = model.predict(batch)\n"
    )


def test_a_loop_nest_whose_passes_change_nothing_converges_instead_of_running_every_pass() -> None:
    _, one = run(training_nest(1, 1))
    _, nest = run(training_nest(50, 50))
    _, header = run(HEADER)
    # 2,500 passes before; now a few passes per loop (two to see nothing changes, one abstract pass).
    assert nest - header <= 12 * (one - header)


def test_a_converged_loop_keeps_the_shapes_of_its_body() -> None:
    facts, _ = run(training_nest(50, 50))
    names = facts.module_names
    assert isinstance(names["prediction"], ArrayValue) and names["prediction"].shape.dims == (10, 3)
    assert names["epoch"] is UNKNOWN  # the loop variable took several values


def test_a_loop_nest_that_changes_state_every_pass_shares_one_allowance_of_passes() -> None:
    code = "total = 0\nfor i in range(64):\n    for j in range(64):\n        for k in range(64):\n"
    code += "            total = total + 1\n"
    facts, nest = run(code)
    _, single = run("total = 0\nfor i in range(64):\n    total = total + 1\n")
    assert facts.module_names["total"] is UNKNOWN  # widened, never a guessed count
    # 262,144 passes before; now at most MAX_LOOP_PASSES followed item by item, then one pass per loop.
    assert nest <= (MAX_LOOP_PASSES / 64 + 1) * single


def test_a_loop_that_appends_arrays_still_counts_them() -> None:
    code = "import numpy as np\nimages = []\nfor i in range(40):\n    images.append(np.zeros((8, 8)))\n"
    code += "r = np.array(images)\n"
    value = run(code)[0].module_names["r"]
    assert isinstance(value, ArrayValue) and value.shape.dims == (40, 8, 8)


def test_a_loop_that_concatenates_still_counts_the_rows() -> None:
    code = (
        "import numpy as np\nr = np.zeros((0, 3))\nfor i in range(10):\n    r = np.concatenate([r, np.ones((2, 3))])\n"
    )
    value = run(code)[0].module_names["r"]
    assert isinstance(value, ArrayValue) and value.shape.dims == (20, 3)


def test_a_loop_that_rebinds_a_model_keeps_the_last_model() -> None:
    code = HEADER + (
        "for units in [8, 16, 32]:\n"
        "    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units), keras.layers.Dense(3)])\n"
        "    model.compile(optimizer='adam', loss='mse')\n"
        "    model.fit(x, y, epochs=1)\n"
        "out = model.predict(x)\n"
    )
    names = run(code)[0].module_names
    assert isinstance(names["model"], ModelValue)
    assert isinstance(names["out"], ArrayValue) and names["out"].shape.dims == (100, 3)
    assert names["units"] == Const(32)


def test_a_loop_that_adds_layers_builds_the_whole_model() -> None:
    code = (
        "import keras\nmodel = keras.Sequential([keras.Input(shape=(4,))])\n"
        "for units in [64, 32, 16, 8]:\n    model.add(keras.layers.Dense(units))\n"
        "out = model.output\n"
    )
    value = run(code)[0].module_names["out"]
    assert isinstance(value, TensorValue) and value.shape.dims == (None, 8)


def test_a_training_loop_over_a_dataset_keeps_its_shapes_and_its_finding() -> None:
    code = """
import numpy as np
import tensorflow as tf
import keras
images = np.zeros((1000, 28, 28))
dataset = tf.data.Dataset.from_tensor_slices(images).batch(32)
model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
for epoch in range(20):
    for batch in dataset:
        logits = model(batch)
    wrong = model.predict(np.zeros((5, 28)))
"""
    analysis = analyze(code, KERAS3)
    lines = code.splitlines()

    def hover(line: str, name: str) -> str | None:
        found = analysis.hover_at(Position(lines.index(line), line.index(name)))
        return found.markdown if found is not None else None

    assert hover("    for batch in dataset:", "batch") == "`batch`: ndarray (None, 28, 28) float64"
    assert hover("        logits = model(batch)", "logits") == "`logits`: ndarray (None, 10) float32"
    # The wrong feed inside the 20 epochs is reported once, as when every epoch was followed.
    found = [(d.code, d.range.start.line) for d in analysis.diagnostics]
    assert found == [("SL103", lines.index("    wrong = model.predict(np.zeros((5, 28)))"))]


def test_a_loop_that_changes_an_object_in_place_is_followed_to_its_end() -> None:
    code = """
import keras
class Builder:
    def __init__(self, x):
        self.x = x
    def dense(self, units):
        self.x = keras.layers.Dense(units)(self.x)
builder = Builder(keras.Input(shape=(4,)))
for units in [8, 16, 32, 3]:
    builder.dense(units)
out = builder.x
"""
    value = run(code)[0].module_names["out"]
    assert isinstance(value, TensorValue) and value.shape.dims == (None, 3)


def test_a_converged_loop_variable_hovers_as_unknown_not_as_one_of_its_items() -> None:
    code = HEADER + "for epoch in range(40):\n    model.fit(x, y)\n    print(epoch)\n"
    lines = code.splitlines()
    analysis = analyze(code, KERAS3)
    for line in ("for epoch in range(40):", "    print(epoch)"):
        found = analysis.hover_at(Position(lines.index(line), line.index("epoch")))
        assert found is not None and found.markdown == "shape unknown: the loop variable takes several values"


def test_a_loop_that_only_appends_the_same_items_is_counted_without_its_passes() -> None:
    def appending(count: int) -> str:
        return (
            "import numpy as np\nimages, labels = [], []\n"
            f"for i in range({count}):\n    images.append(np.zeros((8, 8)))\n    labels.append(None)\n"
            "r = np.array(images)\n"
        )

    facts, forty = run(appending(40))
    _, six = run(appending(6))
    value = facts.module_names["r"]
    assert isinstance(value, ArrayValue) and value.shape.dims == (40, 8, 8)
    assert len(facts.module_names["labels"].items) == 40  # type: ignore[attr-defined]
    assert forty <= six  # three passes followed, one abstract pass, then the count
