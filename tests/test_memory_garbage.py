"""What an analysis leaves behind is freed by reference counting, not by the cyclic collector.

The language server freezes what an analysis leaves alive (collection.py) and collects in full
only now and then: garbage caught in a reference cycle stays in memory until then. So an
analysis must make no cycle that it then drops (per-analysis state pointing back at the
interpreter, classes made per call, ...).
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapelint import incremental
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import Analysis, analyze
from shapelint.facts import LayerCallFact, LayerValue, ModelValue
from shapelint.rules import all_rules

CONFIG = Config(keras_version=3)
EXAMPLES = [
    pytest.param(source, id=f"{rule.code}-{kind}-{index}")
    for rule in all_rules()
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for index, source in enumerate(examples)
]


@pytest.fixture
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def unreachable_cycles() -> list[str]:
    """The type names of the objects only the cyclic collector would free now."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = [type(each).__qualname__ for each in gc.garbage]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    return found


@pytest.mark.parametrize("source", EXAMPLES)
def test_an_analysis_leaves_no_cyclic_garbage(source: str, collector_paused: None) -> None:
    analyze(source, CONFIG)  # first use of a library's code may leave import-time cycles: not counted
    gc.collect()
    analysis = analyze(source, CONFIG)
    assert unreachable_cycles() == []
    assert analysis.diagnostics is not None  # the analysis itself stays alive through the check


PROGRAM = """import keras
from keras import layers

inputs = keras.Input(shape=(32,))
shared = layers.Dense(16)
hidden = shared(shared(layers.Dense(32)(inputs)))
model = keras.Model(inputs, layers.Dense(10)(hidden))
wrong = layers.Reshape((7,))(hidden)  # a layer problem: Keras would reject it
model.compile(loss="mse")

stack = keras.Sequential([layers.Dense(8), layers.Dense(4)])
stack.fit(np.zeros((64, 20)), np.zeros((64, 4)))
"""


@pytest.fixture
def kept_results() -> Iterator[None]:
    incremental.RESULTS.clear()
    incremental.keep_results()
    yield
    incremental.RESULTS.clear()
    incremental.RESULTS.capacity_chars = 0


def keras_facts(analysis: Analysis) -> list[object]:
    """The Keras graph of an analysis: layers, layer calls, models, inputs, feeds."""
    facts = analysis.facts
    found: list[object] = [*facts.layer_calls, *facts.models, *facts.inputs, *facts.feeds]
    found += [call.layer for call in facts.layer_calls]
    return found


def test_a_replaced_analysis_is_freed_by_reference_counting(
    kept_results: None, collector_paused: None, tmp_path: Path
) -> None:
    path = str(tmp_path / "model.py")
    program = "import numpy as np\n" + PROGRAM
    first = analyze(program, CONFIG, path=path)
    facts = keras_facts(first)
    assert any(len(fact.calls) == 2 for fact in facts if isinstance(fact, LayerValue))  # the shared layer
    assert any(fact.built_from is not None for fact in facts if isinstance(fact, ModelValue))
    assert any(fact.problem is not None for fact in facts if isinstance(fact, LayerCallFact))
    old = [weakref.ref(fact) for fact in facts]
    del facts
    # Both groups change, twice: the results of the version before the last are not kept.
    for shared, last in ((17, 5), (18, 6)):
        edited = program.replace("Dense(16)", f"Dense({shared})").replace("Dense(4)", f"Dense({last})")
        analyze(edited, CONFIG, path=path)
    del first
    assert [ref() for ref in old if ref() is not None] == []  # no collection ran: reference counting freed them


def test_typing_keeps_the_results_of_the_last_two_versions(kept_results: None, tmp_path: Path) -> None:
    path = str(tmp_path / "model.py")
    text = "import numpy as np\n" + PROGRAM
    analyze(text, CONFIG, path=path)
    kept = len(incremental.RESULTS)
    for units in range(17, 27):
        text = text.replace(f"Dense({units - 1})", f"Dense({units})")
        analyze(text, CONFIG, path=path)
    assert len(incremental.RESULTS) == kept + 1  # the edited group's result before the last edit


def test_the_same_statement_twice_keeps_a_value_per_place() -> None:
    """Recorded values are keyed by node per chunk: one tree parsed once for two equal statements
    still holds each place's value."""
    text = "import numpy as np\nx = np.zeros((2, 3))\ny = x * 2\nx = np.zeros((4, 5))\ny = x * 2\n"
    analysis = analyze(text, CONFIG)
    assert analysis.program.chunks[2].module is analysis.program.chunks[4].module
    first, second = analysis.hover_at(Position(2, 0)), analysis.hover_at(Position(4, 0))
    assert first is not None and "(2, 3)" in first.markdown
    assert second is not None and "(4, 5)" in second.markdown
