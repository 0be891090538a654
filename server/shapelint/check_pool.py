"""Running `shapelint check` over many files: skip, cache, and a pool of worker processes.

For each file, in the order discovered, the main process reads the text and then either
- reports it clean without parsing it, when it names no library shapelint knows and imports
  none of the project's modules (`import_scan`);
- takes its result from the on-disk cache, when the content, configuration and everything the
  analysis read are unchanged (`check_cache`);
- or hands it to a worker process, which analyses it exactly as a serial run would
  (`file_runner.check_file`) while recording what it read from disk.
Results come back in the order of the files, whatever order the workers finish in. The files to
analyse are handed out largest first among those read ahead, so that a long file does not start
last and keep one core busy alone at the end; at most a few files per worker are in flight and a
bounded number read ahead, so memory stays bounded on any repository. The workers are forked from
a main process that has imported and exercised the engine once, so each starts ready. A worker
that dies (a crash in a native parser, the memory limit) breaks the pool: the files it held are
re-run one by one in a fresh process, the one that kills it again is reported as not checked,
and the run goes on. Fixing (`--fix`) and confirming (`--confirm`) stay serial and uncached.
"""

from __future__ import annotations

import heapq
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapelint import read_log
from shapelint.check_cache import ResultCache, config_key, content_digest
from shapelint.check_replay import file_content
from shapelint.config import Config, ConfigError, config_for
from shapelint.file_runner import CheckedFile, UnreadableFile, check_file, project_root, read_source
from shapelint.import_scan import can_skip
from shapelint.output import FileResult

if TYPE_CHECKING:  # the pool is imported when a file needs analysis: a run from the cache never loads it
    from concurrent.futures import Future, ProcessPoolExecutor

IN_FLIGHT_PER_WORKER = 4  # files handed to each worker ahead of the one being reported
AHEAD_PER_WORKER = 32  # files read ahead of the one being reported (cache hits, skips included)
# What the main process analyses once before forking the workers, so that none of them pays for
# the first analysis's lazy set-up (the library overlays, the rules).
WARM_UP = "import numpy as np\nimport keras\nx = np.zeros((2, 3))\nkeras.Sequential([keras.layers.Dense(3)])(x)\n"


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass
class CheckOptions:
    """How `check_files` runs: workers, cache, skip, and what a serial run needs (fixing, confirming)."""

    jobs: int = 1
    cache: ResultCache | None = None
    skip: bool = True
    fix: bool = False
    unsafe_fixes: bool = False
    fix_roots: Sequence[Path] | None = None
    confirm_client: object | None = None
    confirm_budget: object | None = None
    skipped: int = 0  # files reported clean without analysis, counted for benchmarks and tests
    analysed: int = 0
    # When a list: receives what every result depends on (content, what the analysis or the file
    # scan read), for `check_replay`; `replayable` turns False when a result cannot be replayed.
    observed: list[read_log.Observation] | None = None
    replayable: bool = True

    @property
    def serial_only(self) -> bool:
        return self.fix or self.confirm_client is not None


@dataclass
class _Pending:
    path: Path
    ready: CheckedFile | None = None
    future: Future[Any] | None = None
    key: str | None = None  # where to store the result in the cache
    digest: str | None = None
    size: int = 0  # characters read: the larger files are handed to the workers first
    config: Config | None = None  # the file's configuration, when read here (the worker need not read it again)
    observed: list[read_log.Observation] = field(default_factory=list)


def check_files(
    paths: Sequence[Path], base: Config, overrides: dict[str, object], options: CheckOptions
) -> Iterator[CheckedFile]:
    """Check `paths`, yielding one CheckedFile per path in the same order; never raises for a bad file."""
    parallel = options.jobs > 1 and len(paths) > 1 and not options.serial_only
    runner = _Runner(base, overrides, options)
    try:
        if parallel:
            yield from _in_parallel(runner, paths, max(2, options.jobs * AHEAD_PER_WORKER))
        else:
            for path in paths:
                pending = runner.prepare(path)
                yield pending.ready if pending.ready is not None else runner.run_here(pending)
    finally:
        runner.close()


def _in_parallel(runner: _Runner, paths: Sequence[Path], ahead: int) -> Iterator[CheckedFile]:
    """Read ahead, hand the largest waiting files to the workers, yield the results in order."""
    order: deque[_Pending] = deque()  # read, not yet yielded
    waiting: list[tuple[int, int, _Pending]] = []  # to analyse, largest first (a heap)
    position = 0
    while position < len(paths) or order:
        while position < len(paths) and len(order) < ahead:
            pending = runner.prepare(paths[position])
            order.append(pending)
            if pending.ready is None:
                heapq.heappush(waiting, (-pending.size, position, pending))
            position += 1
        while waiting and runner.in_flight() < runner.window:
            runner.submit(heapq.heappop(waiting)[2])
        progressed = False
        while order and _ready(order[0]):
            yield runner.finish(order.popleft())
            progressed = True
        if not progressed and order:
            from concurrent.futures import FIRST_COMPLETED, wait  # not needed by a run from the cache

            runner.in_flight()  # only the futures still running: a finished one would end the wait at once
            wait(runner.futures, return_when=FIRST_COMPLETED)


def _ready(pending: _Pending) -> bool:
    if pending.ready is not None:
        return True
    return pending.future is not None and pending.future.done()


class _Runner:
    def __init__(self, base: Config, overrides: dict[str, object], options: CheckOptions) -> None:
        self.base = base
        self.overrides = overrides
        self.options = options
        self.cache = options.cache if not options.serial_only else None
        self.window = max(1, options.jobs * IN_FLIGHT_PER_WORKER)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: set[Future[Any]] = set()
        self.configs: dict[Path, tuple[Config, str | None]] = {}  # by folder: the merged config and its key
        self.seen: dict[read_log.Observation, bool] = {}  # observations checked in this run

    def in_flight(self) -> int:
        self.futures = {future for future in self.futures if not future.done()}
        return len(self.futures)

    def prepare(self, path: Path) -> _Pending:
        """Read one file: its result when skipped or cached (`ready`), else what analysing it needs."""
        pending = _Pending(path)
        if self.options.skip or self.cache is not None:
            pending.ready = self._without_analysis(pending)
        if pending.ready is None:
            self.options.analysed += 1
        return pending

    def _without_analysis(self, pending: _Pending) -> CheckedFile | None:
        """The result without analysis (skipped or cached), or None: analyse it (noting the cache key)."""
        path = pending.path
        try:
            text, bom = read_source(path)
            real = os.path.realpath(path)
            pending.config, key = self._config_for(path.absolute().parent)
        except (OSError, UnreadableFile, ConfigError):
            return None  # check_file reports it as a serial run does
        pending.size = len(text)
        root = project_root(path)
        notebook = path.suffix == ".ipynb"
        observed = self.options.observed
        if observed is not None:
            pending.digest = content_digest(text, bom)
            observed.append(file_content(real, pending.digest))
            if real != os.path.abspath(path):  # a link: where it leads is part of the result
                observed.append(("locate", os.path.abspath(path), 0, read_log.located(os.path.abspath(path))))
        # A notebook's skip scan decodes its JSON: the cache, when it has the entry, answers sooner.
        if not notebook and self._skips(text, notebook, real, root):
            return CheckedFile(FileResult(str(path), (), notebook=notebook))
        if self.cache is not None and key is not None:
            pending.key = self.cache.key(real, root, key)
            pending.digest = pending.digest or content_digest(text, bom)
            found = self.cache.load(pending.key, pending.digest, str(path), self.seen, observed)
            if found is not None:
                return CheckedFile(found)
        if notebook and self._skips(text, notebook, real, root):
            return CheckedFile(FileResult(str(path), (), notebook=notebook))
        return None

    def _skips(self, text: str, notebook: bool, real: str, root: str) -> bool:
        if not self.options.skip:
            return False
        with read_log.recording() as probes:  # the project modules the scan looked for
            skipped = can_skip(text, notebook, (os.path.dirname(real), root), read_log.exists)
        if self.options.observed is not None:
            self.options.observed.extend(probes)
        self.options.skipped += skipped
        return skipped

    def _config_for(self, folder: Path) -> tuple[Config, str | None]:
        """The configuration of the files in `folder` and its cache key (its pyproject read once per run)."""
        found = self.configs.get(folder)
        if found is None:
            config = config_for(folder, self.base).merged(self.overrides)
            found = self.configs[folder] = (config, config_key(config) if self.cache is not None else None)
        return found

    def run_here(self, pending: _Pending) -> CheckedFile:
        options = self.options
        checked, observed, digest = analyse(
            str(pending.path),
            self.base,
            self.overrides,
            record=pending.key is not None,
            fix=options.fix,
            unsafe_fixes=options.unsafe_fixes,
            fix_roots=options.fix_roots,
            confirm_client=options.confirm_client,
            confirm_budget=options.confirm_budget,
            config=pending.config,
        )
        self._store(pending, checked, observed, digest)
        self._note(pending, checked, observed, digest)
        return checked

    def submit(self, pending: _Pending) -> None:
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            self.pool = _new_pool(self.options.jobs)
        try:
            pending.future = self._hand_out(self.pool, pending)
        except BrokenProcessPool:
            self._drop_pool()
            self.pool = _new_pool(self.options.jobs)
            pending.future = self._hand_out(self.pool, pending)
        self.futures.add(pending.future)

    def _hand_out(self, pool: ProcessPoolExecutor, pending: _Pending) -> Future[Any]:
        record = self.cache is not None
        return pool.submit(analyse, str(pending.path), self.base, self.overrides, record=record, config=pending.config)

    def finish(self, pending: _Pending) -> CheckedFile:
        if pending.ready is not None:
            return pending.ready
        assert pending.future is not None
        from concurrent.futures.process import BrokenProcessPool

        try:
            outcome: tuple[CheckedFile, list[read_log.Observation] | None, str | None] = pending.future.result()
            checked, observed, digest = outcome
        except BrokenProcessPool:
            self._drop_pool()
            checked, observed, digest = _alone(
                pending.path, self.base, self.overrides, self.cache is not None, pending.config
            )
        except Exception as error:  # e.g. a result that could not be sent back
            return CheckedFile(FileResult(str(pending.path), (), f"internal error: {type(error).__name__}: {error}"))
        self._store(pending, checked, observed, digest)
        self._note(pending, checked, observed, digest)
        return checked

    def _note(
        self,
        pending: _Pending,
        checked: CheckedFile,
        observed: Sequence[read_log.Observation] | None,
        digest: str | None,
    ) -> None:
        """Add what an analysed file's result depends on to the run's observations, if it can be replayed."""
        options = self.options
        if options.observed is None or not options.replayable:
            return
        if _storable(pending, checked, observed, digest):
            assert observed is not None
            options.observed.extend(observed)
        else:
            options.replayable = False

    def _store(
        self,
        pending: _Pending,
        checked: CheckedFile,
        observed: Sequence[read_log.Observation] | None,
        digest: str | None,
    ) -> None:
        if self.cache is not None and pending.key is not None and _storable(pending, checked, observed, digest):
            assert observed is not None and digest is not None
            self.cache.store(pending.key, digest, checked.result, observed)

    def _drop_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _storable(
    pending: _Pending, checked: CheckedFile, observed: Sequence[read_log.Observation] | None, digest: str | None
) -> bool:
    """Whether a result may be reused: recorded, of the content read first, without error or fix."""
    if observed is None or digest is None or digest != pending.digest:
        return False  # e.g. the file changed while it was analysed: its next run analyses it again
    if checked.result.error is not None or checked.config_error is not None or checked.fixed:
        return False
    return not any(kind == "buffer" for kind, _, _, _ in observed)


def analyse(
    path: str,
    base: Config,
    overrides: dict[str, object],
    *,
    record: bool,
    fix: bool = False,
    unsafe_fixes: bool = False,
    fix_roots: Sequence[Path] | None = None,
    confirm_client: object | None = None,
    confirm_budget: object | None = None,
    config: Config | None = None,
) -> tuple[CheckedFile, list[read_log.Observation] | None, str | None]:
    """Check one file (in a worker or here); when `record`, also what it read and its content digest.
    `config`: the file's configuration, when the main process has read it."""
    if not record:
        checked = check_file(
            Path(path),
            base,
            overrides,
            fix=fix,
            confirm_client=confirm_client,
            confirm_budget=confirm_budget,
            fix_roots=fix_roots,
            unsafe_fixes=unsafe_fixes,
            config=config,
        )
        return checked, None, None
    with read_log.recording() as observed:
        checked = check_file(Path(path), base, overrides, config=config)
    try:
        digest: str | None = content_digest(*read_source(Path(path)))
    except OSError:
        digest = None
    return checked, observed, digest


def _alone(
    path: Path, base: Config, overrides: dict[str, object], record: bool, config: Config | None
) -> tuple[CheckedFile, Any, Any]:
    """Re-run one file in a process of its own, after a worker died: its result, or why it was not checked."""
    from concurrent.futures.process import BrokenProcessPool

    pool = _new_pool(1)
    try:
        return pool.submit(analyse, str(path), base, overrides, record=record, config=config).result()
    except BrokenProcessPool:
        message = "internal error: the analysis process stopped (a crash or the memory limit); not checked"
        return CheckedFile(FileResult(str(path), (), message)), None, None
    except Exception as error:
        return CheckedFile(FileResult(str(path), (), f"internal error: {type(error).__name__}: {error}")), None, None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    _warm_up()
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def _warm_up() -> None:
    """Import the engine and run one small analysis here, once, so that forked workers start with
    everything loaded; then move what is loaded out of the collector's sight (`gc.freeze`), so that
    no worker's collection walks it and copies its pages."""
    global _warm
    if _warm:
        return
    import gc

    from shapelint.engine import analyze

    analyze(WARM_UP, Config(), once=True)
    gc.freeze()
    _warm = True


_warm = False
