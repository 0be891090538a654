"""`shapelint check` over many files: worker processes, skipping and the cache give the serial results."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import shapelint.check_pool
from shapelint.check_cache import ResultCache
from shapelint.check_pool import CheckOptions, check_files
from shapelint.config import Config
from shapelint.file_runner import discover
from shapelint.output import FileResult, formatter
from shapelint.project_modules import MODULE_CACHE

ROOT = Path(__file__).resolve().parent.parent
CORPORA = [ROOT / "tests" / "fixtures", ROOT / "bench" / "realworld", ROOT / "tests" / "notebooks", ROOT / "examples"]

BUGGY = """\
import numpy as np
from tensorflow import keras

x = np.zeros((100, 28, 28))
model = keras.Sequential([keras.Input(shape=x.shape), keras.layers.Flatten(), keras.layers.Dense(1)])
"""


def output(paths: list[Path], options: CheckOptions) -> str:
    MODULE_CACHE.clear()
    return formatter("json")([checked.result for checked in check_files(paths, Config(), {}, options)])


@pytest.mark.parametrize("corpus", CORPORA, ids=[p.name for p in CORPORA])
def test_workers_skipping_and_the_cache_give_the_serial_results(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    paths = list(discover([str(corpus.relative_to(ROOT))]))
    assert len(paths) >= 5
    serial = output(paths, CheckOptions(jobs=1, skip=False))
    assert '"code"' in serial or corpus.name == "notebooks"  # the corpus has findings to compare
    cache = ResultCache(tmp_path / "cache", "test")
    parallel = CheckOptions(jobs=2, cache=cache)
    assert output(paths, parallel) == serial
    assert parallel.analysed + parallel.skipped == len(paths)
    warm = CheckOptions(jobs=2, cache=ResultCache(tmp_path / "cache", "test"))
    assert output(paths, warm) == serial
    assert warm.analysed == 0


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shapelint.check_pool.check_file

    def fragile(path: Path, *args: object, **kwargs: object):
        if path.name == "c.py":
            os._exit(3)  # as a segfault in a native parser would end the process
        return real(path, *args, **kwargs)

    monkeypatch.setattr(shapelint.check_pool, "check_file", fragile)
    names = [f"{letter}.py" for letter in "abcdef"]
    for name in names:
        (tmp_path / name).write_text(BUGGY)
    options = CheckOptions(jobs=2, cache=ResultCache(tmp_path / "cache", "test"))
    results = [checked.result for checked in check_files([tmp_path / n for n in names], Config(), {}, options)]
    assert [Path(r.path).name for r in results] == names
    crashed = results[2]
    assert crashed.error is not None and "stopped" in crashed.error and crashed.diagnostics == ()
    for other in results[:2] + results[3:]:
        assert other.error is None and [d.code for d in other.diagnostics] == ["SL101"]


def test_the_jobs_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shapelint.cli import main

    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text(BUGGY)
    assert main(["check", "--jobs", "2", "--no-cache", str(tmp_path)]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if "SL101" in line]
    assert [Path(line.split(":")[0]).name for line in lines] == ["a.py", "b.py", "c.py"]
    with pytest.raises(SystemExit):
        main(["check", "--jobs", "0", str(tmp_path)])


def test_the_largest_files_are_handed_out_first_and_results_keep_their_order() -> None:
    from concurrent.futures import Future

    from shapelint.check_pool import _in_parallel, _Pending
    from shapelint.file_runner import CheckedFile

    sizes = {"a.py": 10, "b.py": 500, "c.py": 0, "d.py": 90, "e.py": 500}

    class Runner:
        window = 2

        def __init__(self) -> None:
            self.futures: set[Future[object]] = set()
            self.handed: list[str] = []

        def prepare(self, path: Path) -> _Pending:
            pending = _Pending(path, size=sizes[path.name])
            if path.name == "c.py":  # skipped or cached: ready at once
                pending.ready = CheckedFile(FileResult(str(path), ()))
            return pending

        def in_flight(self) -> int:
            self.futures = {f for f in self.futures if not f.done()}
            return len(self.futures)

        def submit(self, pending: _Pending) -> None:
            self.handed.append(pending.path.name)
            pending.future = Future()
            pending.future.set_result(None)
            self.futures.add(pending.future)

        def finish(self, pending: _Pending) -> CheckedFile:
            return pending.ready or CheckedFile(FileResult(str(pending.path), ()))

    runner = Runner()
    results = list(_in_parallel(runner, [Path(name) for name in sizes], ahead=64))  # type: ignore[arg-type]
    assert [Path(c.result.path).name for c in results] == list(sizes)
    assert runner.handed == ["b.py", "e.py", "d.py", "a.py"]


def test_waiting_for_the_next_file_in_order_sleeps_until_a_worker_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the first file is still analysed and the others are done, the main process waits
    for a worker instead of looping over the finished ones (and taking a core from the workers)."""
    import concurrent.futures
    import time

    real_check, real_wait = shapelint.check_pool.check_file, concurrent.futures.wait
    waits = []

    def slow_first(path: Path, *args: object, **kwargs: object):
        if path.name == "a.py":
            time.sleep(0.5)  # the other files finish meanwhile (ordering only: nothing is timed)
        return real_check(path, *args, **kwargs)

    def counted(*args: object, **kwargs: object):
        waits.append(1)
        return real_wait(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shapelint.check_pool, "check_file", slow_first)
    monkeypatch.setattr(concurrent.futures, "wait", counted)
    names = [f"{letter}.py" for letter in "abcdef"]
    for name in names:
        (tmp_path / name).write_text(BUGGY)
    options = CheckOptions(jobs=2, skip=False)
    results = [checked.result for checked in check_files([tmp_path / n for n in names], Config(), {}, options)]
    assert [Path(r.path).name for r in results] == names
    assert len(waits) <= len(names) + 1  # each wait ends with a file finished


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_configuration_read_for_the_cache_key_is_the_one_analysed_with(
    jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each folder's pyproject.toml is read once by the main process: the file's analysis (here or
    in a worker) uses that configuration instead of reading the file again."""
    import shapelint.config
    import shapelint.file_runner

    def read_again(*args: object, **kwargs: object) -> Config:
        raise shapelint.config.ConfigError("pyproject.toml read again for one file")

    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.shapelint]\nignore = ["SL2"]\n')
    names = ["a.py", "b.py", "c.py"]
    for name in names:
        (project / name).write_text(BUGGY)
    monkeypatch.setattr(shapelint.file_runner, "config_for", read_again)
    options = CheckOptions(jobs=jobs, cache=ResultCache(tmp_path / "cache", "test"))
    checked = list(check_files([project / n for n in names], Config(), {}, options))
    assert [c.config_error for c in checked] == [None] * len(names)
    assert [[d.code for d in c.result.diagnostics] for c in checked] == [["SL101"]] * len(names)
