"""The collection policy: what an analysis leaves is frozen, and full collections are spread out."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from shapelint import engine
from shapelint.collection import CollectionPolicy


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


PROGRAM = "import numpy as np\nimport keras\nx = np.zeros((4, 3))\nkeras.Sequential([keras.layers.Dense(2)])(x)\n"


def test_an_engine_caller_that_leaves_the_collector_on_gets_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    """`shapelint check`, its workers and library callers: no young collection walks what each analysis
    leaves alive, and a full collection still runs once the policy says so."""
    policy = CountingPolicy(spread=2, object_budget=1, object_limit=10**9)
    monkeypatch.setattr(engine, "UNMANAGED_COLLECTION", policy)
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    analysis = engine.analyze(PROGRAM + "y = 1\n")
    assert gc.isenabled()  # turned back on
    assert gc.get_freeze_count() > frozen and gc.get_count()[0] < 100  # what it left is frozen, not collected
    assert policy.analyses_since_full == 1 and policy.objects_since_full > 0 and policy.full == 0
    engine.analyze(PROGRAM + "y = 2\n")
    assert policy.full == 1  # the second analysis with garbage enough: a full collection
    assert analysis.diagnostics is not None


def test_an_engine_caller_that_turned_the_collector_off_decides_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's engine thread runs analyses under its own policy, with the collector off."""
    policy = CountingPolicy()
    monkeypatch.setattr(engine, "UNMANAGED_COLLECTION", policy)
    gc.disable()
    try:
        frozen = gc.get_freeze_count()
        engine.analyze(PROGRAM + "y = 3\n")
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
    assert policy.analyses_since_full == 0 and policy.objects_since_full == 0
