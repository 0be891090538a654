"""When garbage is collected: the server's policy (what an analysis leaves is frozen, full collections
are spread out) and the engine's batch regime for every other caller."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from shapelint import engine, incremental
from shapelint.collection import BatchCollection, CollectionPolicy


class CountingPolicy(CollectionPolicy):
    def __init__(self, **limits: int) -> None:
        super().__init__(**limits)
        self.full = 0

    def collect_full(self) -> None:
        self.full += 1
        self.analyses_since_full = self.objects_since_full = 0


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # what the tests froze goes back to the collector


def analyse(policy: CollectionPolicy, objects: int) -> list[object]:
    with policy.analysis():
        kept = [[] for _ in range(objects)]  # what an analysis leaves alive
    policy.after_analysis()
    return kept


def test_what_an_analysis_leaves_alive_is_frozen_and_counted() -> None:
    policy = CountingPolicy()
    frozen = gc.get_freeze_count()
    kept = analyse(policy, 5000)
    assert gc.get_freeze_count() >= frozen + 5000
    # The collector's count nets out what was freed meanwhile: a few objects of before may go.
    assert policy.objects_since_full >= 4500 and gc.get_count()[0] < 4500
    assert gc.isenabled() and len(kept) == 5000


def test_a_full_collection_waits_for_enough_analyses_and_garbage() -> None:
    policy = CountingPolicy(spread=3, object_budget=1000, object_limit=100_000)
    analyse(policy, 2000)
    analyse(policy, 2000)
    assert policy.full == 0  # a burst of two keystrokes: nobody pays for a full collection
    analyse(policy, 2000)
    assert policy.full == 1
    for _ in range(5):
        analyse(policy, 10)  # little garbage: no full collection however many analyses
    assert policy.full == 1


def test_a_full_collection_runs_at_once_past_the_object_limit() -> None:
    policy = CountingPolicy(spread=10, object_budget=1000, object_limit=3000)
    analyse(policy, 4000)
    assert policy.full == 1


def test_the_idle_collection_unfreezes_and_frees_cycles() -> None:
    policy = CollectionPolicy()
    with policy.analysis():
        cycle: list[object] = []
        cycle.append(cycle)
    del cycle
    policy.after_analysis()
    assert policy.analyses_since_full == 1
    policy.collect_if_idle()
    assert policy.analyses_since_full == 0 and policy.objects_since_full == 0
    assert gc.get_freeze_count() > 0  # what is alive is frozen again


def test_start_up_is_frozen_without_a_full_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection at start-up finds nothing to free and costs the first document ~45 ms."""
    collections: list[object] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    frozen = gc.get_freeze_count()
    kept = [[] for _ in range(1000)]
    CollectionPolicy().after_startup()
    assert collections == [] and gc.get_freeze_count() >= frozen + len(kept)


PROGRAM = """import numpy as np
import keras

def build(units):
    return keras.Sequential([keras.layers.Dense(units)])

x = np.zeros((4, 3))
build(2)(x)
"""


def is_collected_over(obj: object) -> bool:
    """Whether collections walk `obj` (frozen objects are in no generation)."""
    return any(each is obj for each in gc.get_objects())


def test_an_engine_caller_that_leaves_the_collector_on_gets_its_parse_trees_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`shapelint check`, its workers, benchmarks: no collection walks the trees an analysis parsed."""
    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection())
    analysis = engine.analyze(PROGRAM + "y = 1\n")
    module = analysis.program.chunks[-1].module
    assert gc.isenabled()  # turned back on
    assert module is not None and gc.is_tracked(module) and not is_collected_over(module)


@pytest.fixture
def results_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in `shapelint check` (the server keeps the results of the last versions, and so would hold
    what the tests below drop)."""
    incremental.RESULTS.clear()
    monkeypatch.setattr(incremental.RESULTS, "capacity_chars", 0)


def test_the_next_analysis_frees_the_cycles_of_a_dropped_one(
    monkeypatch: pytest.MonkeyPatch, results_not_kept: None
) -> None:
    """A module scope and the functions defined in it make a cycle: gone before the next analysis."""
    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection())
    analysis = engine.analyze(PROGRAM + "y = 2\n")
    function = weakref.ref(analysis.facts.module_names["build"])
    del analysis
    assert function() is not None  # only a collection frees it
    engine.analyze(PROGRAM + "y = 3\n")
    assert function() is None


def test_what_was_dropped_after_it_was_frozen_goes_at_the_periodic_full_collection(
    monkeypatch: pytest.MonkeyPatch, results_not_kept: None
) -> None:
    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection(full_every=3))
    kept = engine.analyze(PROGRAM + "y = 4\n")
    function = weakref.ref(kept.facts.module_names["build"])
    engine.analyze(PROGRAM + "y = 5\n")  # frozen with the trees of this one, still alive
    del kept
    engine.analyze(PROGRAM + "y = 6\n")
    assert function() is None  # the third analysis: a full collection, over what was frozen too


def test_an_engine_caller_that_turned_the_collector_off_decides_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's engine thread runs analyses under its own policy, with the collector off."""
    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection())
    collections: list[object] = []
    gc.disable()
    try:
        monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
        analysis = engine.analyze(PROGRAM + "y = 7\n")
        monkeypatch.undo()
        assert not gc.isenabled() and collections == []
        assert is_collected_over(analysis.program.chunks[-1].module)
    finally:
        gc.enable()


def test_a_process_that_times_its_collections_itself_keeps_analyses_out_of_the_batch_regime(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The language server: an analysis on another thread (a confirmation's) only pauses the collector."""
    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection())
    engine.collection_managed_elsewhere()
    collections: list[object] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(args) or 0)
    analysis = engine.analyze(PROGRAM + "y = 8\n")
    assert gc.isenabled() and collections == []
    assert is_collected_over(analysis.program.chunks[-1].module)


def test_the_language_server_times_its_collections_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint.lsp.server import ShapelintServer

    monkeypatch.setattr(engine, "BATCH_COLLECTION", BatchCollection())
    ShapelintServer()
    assert engine.BATCH_COLLECTION is None
