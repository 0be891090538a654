"""The scheduler analyses only the newest version and never publishes a stale result."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from shapelint.collection import CollectionPolicy
from shapelint.lsp.scheduler import AnalysisScheduler

# How long a test waits for the newest result before calling it a hang: generous, so that a
# loaded machine (other suites on the same cores) cannot fail a test about ordering.
HANG_GUARD = 60


@dataclass(frozen=True)
class Result:
    key: str
    revision: int
    thread: str


class FakeDocuments:
    def __init__(self) -> None:
        self.revisions: dict[str, int] = {"doc": 1}

    def edit(self, key: str = "doc") -> None:
        self.revisions[key] = self.revisions.get(key, 0) + 1


def make_scheduler(
    documents: FakeDocuments, seconds: float, published: list[Result], confirm=None
) -> AnalysisScheduler[Result]:
    def analyze(key: str) -> Result | None:
        revision = documents.revisions.get(key)
        if revision is None:
            return None
        time.sleep(seconds)  # engine work, off the loop
        return Result(key, revision, threading.current_thread().name)

    return AnalysisScheduler(analyze, documents.revisions.get, published.append, confirm=confirm)


async def test_a_burst_of_edits_is_coalesced_into_the_newest_version() -> None:
    documents, published = FakeDocuments(), []
    scheduler = make_scheduler(documents, 0.05, published)
    for _ in range(20):
        documents.edit()
        scheduler.schedule("doc")
        await asyncio.sleep(0.005)
    result = await scheduler.current("doc", timeout=HANG_GUARD)
    assert result is not None and result.revision == documents.revisions["doc"]
    # 20 edits in 0.1 s with 50 ms analyses: a handful of analyses, not twenty.
    assert scheduler.analyses_run <= 5
    assert published[-1].revision == documents.revisions["doc"]
    scheduler.shutdown()


async def test_results_for_an_older_version_are_never_published() -> None:
    documents, published = FakeDocuments(), []
    scheduler = make_scheduler(documents, 0.03, published)
    for _ in range(10):
        scheduler.schedule("doc")
        await asyncio.sleep(0.01)
        documents.edit()
        # Whatever was published so far was current at the moment it was published.
    await scheduler.current("doc", timeout=HANG_GUARD)
    revisions = [result.revision for result in published]
    assert revisions == sorted(revisions)
    assert published[-1].revision == documents.revisions["doc"]
    scheduler.shutdown()


async def test_a_waiter_is_answered_when_the_running_analysis_turns_out_stale() -> None:
    # The only analysis finishes after an edit that did not schedule another one (the editor's
    # change arrives as the request for the newest result): it is not accepted, and the waiter
    # must not sleep until its timeout but start the analysis of the newest version.
    documents, published = FakeDocuments(), []
    scheduler = make_scheduler(documents, 0.2, published)
    scheduler.schedule("doc")
    await asyncio.sleep(0.05)
    documents.edit()
    waiter = asyncio.ensure_future(scheduler.current("doc", timeout=HANG_GUARD))
    await asyncio.sleep(0)
    done, _ = await asyncio.wait([waiter], timeout=HANG_GUARD / 2)
    assert waiter in done and waiter.result() is not None
    assert [result.revision for result in published] == [documents.revisions["doc"]]
    scheduler.shutdown()


async def test_analysis_runs_off_the_message_loop() -> None:
    documents, published = FakeDocuments(), []
    scheduler = make_scheduler(documents, 0.2, published)
    scheduler.schedule("doc")
    started = time.perf_counter()
    await asyncio.sleep(0.01)  # the loop is free while the engine works
    assert time.perf_counter() - started < 0.15
    result = await scheduler.current("doc", timeout=HANG_GUARD)
    assert result is not None and result.thread.startswith("shapelint-engine")
    scheduler.shutdown()


async def test_closing_a_document_discards_its_running_analysis() -> None:
    documents, published = FakeDocuments(), []
    scheduler = make_scheduler(documents, 0.1, published)
    scheduler.schedule("doc")
    await asyncio.sleep(0.02)
    del documents.revisions["doc"]
    scheduler.forget("doc")
    await asyncio.sleep(0.2)
    assert published == []
    assert await scheduler.current("doc", timeout=0.1) is None
    scheduler.shutdown()


async def test_confirmation_republishes_for_the_same_revision_only() -> None:
    documents, published = FakeDocuments(), []

    def confirm(result: Result) -> Result:
        time.sleep(0.05)
        return Result(result.key, result.revision, "confirmed")

    scheduler = make_scheduler(documents, 0.0, published, confirm=confirm)
    scheduler.schedule("doc")
    await scheduler.current("doc", timeout=HANG_GUARD)
    await asyncio.sleep(0.2)
    assert [result.thread for result in published][-1] == "confirmed"

    # An edit during confirmation: the confirmed result of the old revision is dropped.
    published.clear()
    documents.edit()
    scheduler.schedule("doc")
    await scheduler.current("doc", timeout=HANG_GUARD)
    documents.edit()
    await asyncio.sleep(0.2)
    assert all(result.thread != "confirmed" or result.revision == documents.revisions["doc"] for result in published)
    scheduler.shutdown()


class CountingPolicy(CollectionPolicy):
    def __init__(self) -> None:
        super().__init__(full_every=1000, idle_seconds=0.3)
        self.young = 0
        self.idle_full = 0

    def after_analysis(self) -> None:
        self.young += 1
        self.analyses_since_full += 1

    def collect_if_idle(self) -> None:
        if self.analyses_since_full:
            self.idle_full += 1
            self.analyses_since_full = 0


async def test_full_collection_waits_until_typing_pauses() -> None:
    documents, published = FakeDocuments(), []
    policy = CountingPolicy()

    def analyze(key: str) -> Result:
        return Result(key, documents.revisions[key], "engine")

    scheduler = AnalysisScheduler(analyze, documents.revisions.get, published.append, collection=policy)
    for _ in range(8):  # typing: a keystroke every 0.1 s, quicker than the idle period
        documents.edit()
        scheduler.schedule("doc")
        await asyncio.sleep(0.1)
    assert policy.idle_full == 0
    assert policy.young >= 1
    await asyncio.sleep(0.6)  # a pause
    assert policy.idle_full == 1
    scheduler.shutdown()
