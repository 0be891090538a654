"""The real-world corpus (bench/realworld/) is analysed without a crash or an internal error.

Findings on it are not asserted here (they are false alarms being removed elsewhere; the list
is in docs/realworld.md): this test guards the engine against real code it has not met before.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_realworld", ROOT / "bench" / "realworld.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


realworld = _load_bench()
FILES = realworld.corpus_files()


def test_corpus_is_there() -> None:
    kinds = [p.suffix for p in FILES]
    assert len(FILES) >= 40
    assert kinds.count(".ipynb") >= 8


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(realworld.CORPUS).as_posix() for p in FILES])
def test_file_is_analysed_without_internal_error(path: Path) -> None:
    scan = realworld.scan_file(path)
    assert scan.crash is None
    assert scan.internal_errors == []
    assert len(scan.seconds) == 1


def test_a_crash_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import shapelint.file_runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine broke")

    monkeypatch.setattr(shapelint.file_runner, "check_text", broken)
    scan = realworld.scan_file(FILES[0])
    assert scan.crash == "RuntimeError: engine broke"


def test_cli_agrees_with_the_engine_on_the_corpus() -> None:
    cli = realworld.cli_scan()
    assert cli.problem is None
    engine = {f.key for path in FILES for f in realworld.scan_file(path).findings}
    assert set(cli.findings) == engine
