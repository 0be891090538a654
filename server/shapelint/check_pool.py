"""Running `shapelint check` over many files: skip, cache, and a pool of worker processes.

For each file, in the order discovered, the main process reads the text and then either
- reports it clean without parsing it, when it names no library shapelint knows and imports
  none of the project's modules (`import_scan`);
- takes its result from the on-disk cache, when the content, configuration and everything the
  analysis read are unchanged (`check_cache`);
- or hands it to a worker process, which analyses it exactly as a serial run would
  (`file_runner.check_file`) while recording what it read from disk.
Results come back in the order of the files, whatever order the workers finish in; at most a
few files per worker are in flight, so memory stays bounded on any repository. A worker that
dies (a crash in a native parser, the memory limit) breaks the pool: the files it held are
re-run one by one in a fresh process, the one that kills it again is reported as not checked,
and the run goes on. Fixing (`--fix`) and confirming (`--confirm`) stay serial and uncached.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shapelint import read_log
from shapelint.check_cache import ResultCache, content_digest
from shapelint.config import Config, ConfigError, config_for
from shapelint.file_runner import CheckedFile, UnreadableFile, check_file, project_root, read_source
from shapelint.import_scan import can_skip
from shapelint.output import FileResult

if TYPE_CHECKING:  # the pool is imported when a file needs analysis: a run from the cache never loads it
    from concurrent.futures import Future, ProcessPoolExecutor

IN_FLIGHT_PER_WORKER = 4  # files handed to each worker ahead of the one being reported
AHEAD_PER_WORKER = 32  # files read ahead of the one being reported (cache hits, skips included)


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
    observed: list[read_log.Observation] = field(default_factory=list)


def check_files(
    paths: Sequence[Path], base: Config, overrides: dict[str, object], options: CheckOptions
) -> Iterator[CheckedFile]:
    """Check `paths`, yielding one CheckedFile per path in the same order; never raises for a bad file."""
    runner = _Runner(base, overrides, options, parallel=options.jobs > 1 and len(paths) > 1 and not options.serial_only)
    ahead = max(2, options.jobs * AHEAD_PER_WORKER)
    pending: deque[_Pending] = deque()
    try:
        for path in paths:
            pending.append(runner.start(path))
            while pending and (len(pending) >= ahead or runner.in_flight() >= runner.window or _ready(pending[0])):
                yield runner.finish(pending.popleft())
        while pending:
            yield runner.finish(pending.popleft())
    finally:
        runner.close()


def _ready(pending: _Pending) -> bool:
    return pending.future is None or pending.future.done()


class _Runner:
    def __init__(self, base: Config, overrides: dict[str, object], options: CheckOptions, parallel: bool) -> None:
        self.base = base
        self.overrides = overrides
        self.options = options
        self.parallel = parallel
        self.cache = options.cache if not options.serial_only else None
        self.window = max(1, options.jobs * IN_FLIGHT_PER_WORKER)
        self.pool: ProcessPoolExecutor | None = None
        self.futures: set[Future[Any]] = set()
        self.configs: dict[Path, Config] = {}

    def in_flight(self) -> int:
        self.futures = {future for future in self.futures if not future.done()}
        return len(self.futures)

    def start(self, path: Path) -> _Pending:
        pending = _Pending(path)
        if self.options.skip or self.cache is not None:
            prepared = self._prepare(pending)
            if prepared is not None:
                pending.ready = prepared
                return pending
        self.options.analysed += 1
        if self.parallel:
            pending.future = self._submit(path)
            self.futures.add(pending.future)
        else:
            pending.ready = self._run_here(pending)
        return pending

    def _prepare(self, pending: _Pending) -> CheckedFile | None:
        """The result without analysis (skipped or cached), or None: analyse it (noting the cache key)."""
        path = pending.path
        try:
            text, bom = read_source(path)
            config = self._config_for(path.absolute().parent).merged(self.overrides)
        except (OSError, UnreadableFile, ConfigError):
            return None  # check_file reports it as a serial run does
        root = project_root(path)
        notebook = path.suffix == ".ipynb"
        if self.options.skip and can_skip(text, notebook, (str(path.resolve().parent), root)):
            self.options.skipped += 1
            return CheckedFile(FileResult(str(path), (), notebook=notebook))
        if self.cache is None:
            return None
        pending.key = self.cache.key(path, root, config)
        pending.digest = content_digest(text, bom)
        found = self.cache.load(pending.key, pending.digest, str(path))
        return CheckedFile(found) if found is not None else None

    def _config_for(self, folder: Path) -> Config:
        """The configuration of the files in `folder` (its pyproject read once per run)."""
        found = self.configs.get(folder)
        if found is None:
            found = self.configs[folder] = config_for(folder, self.base)
        return found

    def _run_here(self, pending: _Pending) -> CheckedFile:
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
        )
        self._store(pending, checked, observed, digest)
        return checked

    def _submit(self, path: Path) -> Future[Any]:
        from concurrent.futures.process import BrokenProcessPool

        if self.pool is None:
            self.pool = _new_pool(self.options.jobs)
        try:
            return self.pool.submit(analyse, str(path), self.base, self.overrides, record=self.cache is not None)
        except BrokenProcessPool:
            self._drop_pool()
            self.pool = _new_pool(self.options.jobs)
            return self.pool.submit(analyse, str(path), self.base, self.overrides, record=self.cache is not None)

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
            checked, observed, digest = _alone(pending.path, self.base, self.overrides, self.cache is not None)
        except Exception as error:  # e.g. a result that could not be sent back
            return CheckedFile(FileResult(str(pending.path), (), f"internal error: {type(error).__name__}: {error}"))
        self._store(pending, checked, observed, digest)
        return checked

    def _store(
        self,
        pending: _Pending,
        checked: CheckedFile,
        observed: Sequence[read_log.Observation] | None,
        digest: str | None,
    ) -> None:
        cache = self.cache
        if cache is None or pending.key is None or observed is None or digest is None or digest != pending.digest:
            return  # the file changed while it was analysed: its next run analyses it again
        if checked.result.error is not None or checked.config_error is not None or checked.fixed:
            return
        if any(kind == "buffer" for kind, _, _, _ in observed):
            return
        cache.store(pending.key, digest, checked.result, observed)

    def _drop_pool(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


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
) -> tuple[CheckedFile, list[read_log.Observation] | None, str | None]:
    """Check one file (in a worker or here); when `record`, also what it read and its content digest."""
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
        )
        return checked, None, None
    with read_log.recording() as observed:
        checked = check_file(Path(path), base, overrides)
    try:
        digest: str | None = content_digest(*read_source(Path(path)))
    except OSError:
        digest = None
    return checked, observed, digest


def _alone(path: Path, base: Config, overrides: dict[str, object], record: bool) -> tuple[CheckedFile, Any, Any]:
    """Re-run one file in a process of its own, after a worker died: its result, or why it was not checked."""
    from concurrent.futures.process import BrokenProcessPool

    pool = _new_pool(1)
    try:
        return pool.submit(analyse, str(path), base, overrides, record=record).result()
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

    import shapelint.engine  # noqa: F401  (loaded once here: forked workers start with it)

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)
