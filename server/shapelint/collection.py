"""When cyclic garbage is collected: never inside an analysis, and seldom over parse trees.

An analysis allocates many short-lived objects, and the parse cache keeps a large,
long-lived heap of syntax trees. A collection costs what it walks, and libcst's nodes are
slow to walk (about a microsecond each: a full collection over the trees of a few hundred
files takes a second) while they never form a cycle (reference counting frees them). What
an analysis drops in cycles is its module scope and the functions defined there: few objects,
but they hold the syntax trees of those functions. Two regimes follow.

The language server (`CollectionPolicy`, on its engine thread):
- objects alive after start-up (modules, protocol types) are frozen: never walked again;
- no collection runs inside an analysis, and what it leaves alive is frozen when it ends
  (constant time), so no collection walks it while the user types;
- a full collection (unfreeze, collect, freeze again) runs when the engine has been idle
  for a moment; while the user types, only once `spread` analyses have run and left
  `object_budget` objects, or `object_limit` objects whatever their count (or after
  `full_every` analyses): fewer than one keystroke in `spread` pays for it (p95 stays
  clear of it), and the garbage that can pile up while typing stays bounded.

Every other caller of the engine, which leaves the collector on (`shapelint check` and its
workers, benchmarks, library use: `BatchCollection`, applied by `engine` in any process but the
server's, see `engine.collection_managed_elsewhere`):
- before an analysis, the young generations are collected: what the previous analysis left
  alive apart from its parse trees, whose cycles go now if its caller dropped it;
- once the program is parsed, everything alive is frozen, the new parse trees with it: no
  collection walks them again;
- every `full_every` analyses, a full collection (unfreeze, collect) frees what was dropped
  only after it was frozen.

Freezing costs no memory by itself: reference counting frees frozen objects as it frees any
other. Only reference cycles wait for a full collection, so an analysis should make few that
it drops, and a replaced analysis holds none (weak links back up the Keras graph in facts.py;
tests/test_memory_garbage.py).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Automatic gen-2 collections need this many gen-1 collections: effectively "never",
# the policy below runs them instead.
_RARE_FULL_COLLECTIONS = 1000


class CollectionPolicy:
    """Garbage-collection timing for the engine thread."""

    def __init__(
        self,
        full_every: int = 500,
        idle_seconds: float = 1.0,
        spread: int = 25,
        object_budget: int = 1_000_000,
        object_limit: int = 4_000_000,
    ) -> None:
        self.full_every = full_every
        self.idle_seconds = idle_seconds
        self.spread = spread
        # Objects of ~110 bytes each: the garbage a burst of typing may leave before a full collection.
        self.object_budget = object_budget
        self.object_limit = object_limit
        self.analyses_since_full = 0
        self.objects_since_full = 0
        self.last_full_ms = 0.0

    def after_startup(self) -> None:
        """Freeze what start-up created (it lives as long as the process).

        No collection first: start-up leaves next to no cyclic garbage (the collections during the
        imports took it), and a full collection here costs ~45 ms of the first document's wait; what
        little there is goes at the first idle-time full collection, which unfreezes everything.
        """
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _RARE_FULL_COLLECTIONS)

    @contextmanager
    def analysis(self) -> Iterator[None]:
        """Run one analysis with no collection inside it; freeze what it leaves alive."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            # The objects made since the last collection or freeze (the analysis's, mostly).
            self.objects_since_full += gc.get_count()[0]
            gc.freeze()
            if was_enabled:
                gc.enable()

    def after_analysis(self) -> None:
        """Count the analysis just published; collect in full once the garbage it may leave is too much."""
        self.analyses_since_full += 1
        made, analyses = self.objects_since_full, self.analyses_since_full
        if (
            (analyses >= self.spread and made >= self.object_budget)
            or made >= self.object_limit
            or analyses >= self.full_every
        ):
            self.collect_full()

    def collect_full(self) -> None:
        """A full collection (call on the engine thread, ideally while nobody types)."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.last_full_ms = (time.perf_counter() - started) * 1000
        self.analyses_since_full = 0
        self.objects_since_full = 0

    def collect_if_idle(self) -> None:
        """The idle-time full collection, when any analysis ran since the last one."""
        if self.analyses_since_full:
            self.collect_full()


class BatchCollection:
    """The collection regime of engine callers that leave the collector on (see the module doc).

    `before_analysis` and `after_parse` are called by the engine with the collector off, for an
    analysis that no other runs beside (the engine counts them)."""

    def __init__(self, full_every: int = 2_000) -> None:
        self.full_every = full_every
        self.analyses_since_full = 0

    def before_analysis(self) -> None:
        """Free what the last analysis dropped: a young collection, or now and then a full one."""
        self.analyses_since_full += 1
        if self.analyses_since_full >= self.full_every:
            self.analyses_since_full = 0
            gc.unfreeze()
            gc.collect()
        else:
            gc.collect(1)

    def after_parse(self) -> None:
        """Put what is alive now, the program's parse trees included, out of every collection's way."""
        gc.freeze()
