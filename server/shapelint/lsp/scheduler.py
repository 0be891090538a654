"""Keeps analysis off the message loop and analyses only the newest version of a document.

One engine thread runs every engine call (analysis and hover lookups), so the engine's
parse cache is never touched by two threads and the message loop only ever waits on
futures. Per document at most one analysis is queued or running; edits that arrive
meanwhile mark the document dirty, and when the running analysis ends the next one
reads the document as it is then: intermediate versions are skipped, never analysed.
A result is published only if the document has not changed since its snapshot was taken.

Confirmation (TensorFlow) runs after the static diagnostics are out, on its own thread,
and its result is published only while the document is still at the same revision.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from shapelint.collection import CollectionPolicy

logger = logging.getLogger(__name__)

ResultT = TypeVar("ResultT", bound="HasRevision")
T = TypeVar("T")


class HasRevision(Protocol):
    """What the scheduler needs of a result: the revision its snapshot was taken at."""

    @property
    def revision(self) -> int: ...


@dataclass
class _DocumentWork:
    task: asyncio.Task[None] | None = None
    dirty: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class AnalysisScheduler(Generic[ResultT]):
    """Coalescing, stale-dropping analysis per document key.

    `analyze(key)` runs on the engine thread and returns a result (or None when the
    document is gone); `current_revision(key)` says what is current now; `publish(result)`
    runs on the message loop for results that are still current.
    """

    def __init__(
        self,
        analyze: Callable[[str], ResultT | None],
        current_revision: Callable[[str], int | None],
        publish: Callable[[ResultT], None],
        *,
        confirm: Callable[[ResultT], ResultT | None] | None = None,
        debounce_seconds: float = 0.0,
        collection: CollectionPolicy | None = None,
    ) -> None:
        self._analyze = analyze
        self._current_revision = current_revision
        self._publish = publish
        self._confirm = confirm
        self._debounce = debounce_seconds
        self._collection = collection
        self._idle_timer: asyncio.TimerHandle | None = None
        self._last_activity = 0.0
        self._engine = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelint-engine")
        self._confirmer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelint-confirm")
        self._work: dict[str, _DocumentWork] = {}
        self._results: dict[str, ResultT] = {}
        self.analyses_run = 0  # how many analyses actually ran (coalescing skips the rest)
        self._stopped = False  # shut down: nothing more is handed to the worker threads

    # Scheduling -------------------------------------------------------------------------
    def schedule(self, key: str) -> None:
        """Ask for `key` to be analysed at its newest version (call on the message loop)."""
        work = self._work.setdefault(key, _DocumentWork())
        self._last_activity = asyncio.get_running_loop().time()
        if work.task is not None and not work.task.done():
            work.dirty = True
            return
        work.dirty = False
        work.task = asyncio.get_running_loop().create_task(self._run(key, work))

    async def _run(self, key: str, work: _DocumentWork) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._debounce > 0:
                await asyncio.sleep(self._debounce)
            work.dirty = False
            try:
                result = await loop.run_in_executor(self._engine, self._timed_analyze, key)
            except Exception:
                logger.exception("shapelint: analysis of %s failed; keeping its previous diagnostics", key)
                result = None
            if result is not None and result.revision == self._current_revision(key):
                self._accept(key, result)
            if self._collection is not None:
                # Queued behind any analysis already waiting, so it never delays a publication.
                loop.run_in_executor(self._engine, self._collection.after_analysis)
                self._arm_idle_collection()
            if not work.dirty or self._current_revision(key) is None:
                return

    def _arm_idle_collection(self) -> None:
        """Run a full collection once nothing has been analysed or asked for a while."""
        assert self._collection is not None
        loop = asyncio.get_running_loop()
        self._last_activity = loop.time()
        if self._idle_timer is None:
            self._idle_timer = loop.call_later(self._collection.idle_seconds, self._idle_collection)

    def _idle_collection(self) -> None:
        assert self._collection is not None
        loop = asyncio.get_running_loop()
        busy = any(work.task is not None and not work.task.done() for work in self._work.values())
        quiet_for = loop.time() - self._last_activity
        if busy or quiet_for < self._collection.idle_seconds:
            # Someone is typing: look again once the quiet period could have passed.
            wait = max(self._collection.idle_seconds - quiet_for, 0.05)
            self._idle_timer = loop.call_later(wait, self._idle_collection)
            return
        self._idle_timer = None
        loop.run_in_executor(self._engine, self._collection.collect_if_idle)

    def _timed_analyze(self, key: str) -> ResultT | None:
        started = time.perf_counter()
        if self._collection is None:
            result = self._analyze(key)
        else:
            with self._collection.analysis():
                result = self._analyze(key)
        self.analyses_run += 1
        logger.debug("analysed %s in %.1f ms", key, (time.perf_counter() - started) * 1000)
        return result

    def _accept(self, key: str, result: ResultT) -> None:
        self._results[key] = result
        try:
            self._publish(result)
        finally:
            work = self._work.get(key)
            if work is not None:
                work.changed.set()
                work.changed = asyncio.Event()
        if self._confirm is not None:
            asyncio.get_running_loop().create_task(self._run_confirmation(key, result))

    async def _run_confirmation(self, key: str, result: ResultT) -> None:
        assert self._confirm is not None
        loop = asyncio.get_running_loop()
        if self._stopped:
            return  # published just before shutdown: the confirmer takes no more work
        try:
            confirmed = await loop.run_in_executor(self._confirmer, self._confirm_if_current, key, result)
        except Exception:
            if self._stopped:
                return
            logger.exception("shapelint: confirmation of %s failed; the static diagnostics stand", key)
            return
        if confirmed is None or confirmed.revision != self._current_revision(key):
            return  # nothing to add, or the document moved on: never publish for an old version
        if self._results.get(key) is not result:
            return
        self._results[key] = confirmed
        self._publish(confirmed)

    def _confirm_if_current(self, key: str, result: ResultT) -> ResultT | None:
        # Confirmations queue behind each other; one for a version already replaced is skipped.
        if result.revision != self._current_revision(key):
            return None
        assert self._confirm is not None
        return self._confirm(result)

    # Reading ----------------------------------------------------------------------------
    def latest(self, key: str) -> ResultT | None:
        """The last published result (possibly for an older revision)."""
        return self._results.get(key)

    async def current(self, key: str, timeout: float = 2.0) -> ResultT | None:
        """The result for the document's current revision, waiting up to `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        started_for = None  # the revision this call started an analysis of
        while True:
            revision = self._current_revision(key)
            if revision is None:
                return None
            result = self._results.get(key)
            if result is not None and result.revision == revision:
                return result
            work = self._work.get(key)
            if work is None or work.task is None or work.task.done():
                if started_for == revision:
                    return None  # its analysis ended without a result
                self.schedule(key)
                started_for = revision
                work = self._work[key]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return None
            # Woken by a result, or by the analysis ending without one (it turned out stale: an
            # edit came while it ran and scheduled nothing), which the next turn starts again.
            changed = asyncio.ensure_future(work.changed.wait())
            try:
                waiting = {changed, work.task} if work.task is not None else {changed}
                done, _ = await asyncio.wait(waiting, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()
            if not done:
                return None

    async def on_engine(self, function: Callable[..., T], *args: Any) -> T:
        """Run an engine call on the engine thread (the engine is not thread-safe)."""
        return await asyncio.get_running_loop().run_in_executor(self._engine, function, *args)

    # Lifecycle --------------------------------------------------------------------------
    def forget(self, key: str) -> None:
        """Drop everything about a closed document (a running analysis's result is discarded)."""
        self._results.pop(key, None)
        work = self._work.pop(key, None)
        if work is not None:
            work.changed.set()

    def shutdown(self) -> None:
        self._stopped = True
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        self._engine.shutdown(wait=False, cancel_futures=True)
        self._confirmer.shutdown(wait=False, cancel_futures=True)
