"""When the server collects cyclic garbage: between keystrokes, not inside them.

An analysis allocates many short-lived objects, and the parse cache keeps a large,
long-lived heap of syntax trees. CPython's automatic full collections traverse that
whole heap (seconds on a 10,000-line file) and land on whatever keystroke triggers
them. So:

- objects alive after start-up (modules, protocol types) are frozen: never scanned again;
- automatic full collections are made rare; no collection runs inside an analysis;
- after each analysis is published, only the young generations are collected;
- a full collection runs when the engine has been idle for a moment, or after
  `full_every` analyses, which bounds the garbage that can pile up while typing.
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

    def __init__(self, full_every: int = 20, idle_seconds: float = 1.0) -> None:
        self.full_every = full_every
        self.idle_seconds = idle_seconds
        self.analyses_since_full = 0
        self.last_full_ms = 0.0

    def after_startup(self) -> None:
        """Freeze what start-up created (it lives as long as the process)."""
        gc.collect()
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, _RARE_FULL_COLLECTIONS)

    @contextmanager
    def analysis(self) -> Iterator[None]:
        """Run one analysis with no collection inside it."""
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()

    def after_analysis(self) -> None:
        """Collect the young garbage of the analysis just published (cost ~ that analysis)."""
        gc.collect(1)
        self.analyses_since_full += 1
        if self.analyses_since_full >= self.full_every:
            self.collect_full()

    def collect_full(self) -> None:
        """A full collection (call on the engine thread, ideally while nobody types)."""
        started = time.perf_counter()
        gc.collect()
        self.last_full_ms = (time.perf_counter() - started) * 1000
        self.analyses_since_full = 0

    def collect_if_idle(self) -> None:
        """The idle-time full collection, when any analysis ran since the last one."""
        if self.analyses_since_full:
            self.collect_full()
