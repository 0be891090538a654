"""What an analysis leaves behind is freed by reference counting, not by the cyclic collector.

The language server freezes what an analysis leaves alive (lsp/memory.py) and collects in full
only now and then: garbage caught in a reference cycle stays in memory until then. So an
analysis must make no cycle that it then drops (per-analysis state pointing back at the
interpreter, classes made per call, ...).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from shapelint.config import Config
from shapelint.engine import analyze
from shapelint.rules import all_rules

CONFIG = Config(keras_version=3)
EXAMPLES = [
    pytest.param(source, id=f"{rule.code}-{kind}-{index}")
    for rule in all_rules()
    for kind, examples in (("valid", rule.VALID), ("invalid", rule.INVALID))
    for index, source in enumerate(examples)
    # SL201's input-shape fix still makes a visitor class per call (left to that rule's owner).
    if rule.code != "SL201"
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
