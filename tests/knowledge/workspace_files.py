"""Checks shared by the tests of the overlays that read data files through the workspace."""

from __future__ import annotations

from pathlib import Path

from shapelint.config import Config
from shapelint.engine import Analysis, analyze
from shapelint.testing import actual, expected


def analyse_in(project: Path, code: str, config: Config | None = None) -> Analysis:
    """`code` analysed as `train.py` at the root of the workspace `project`; no internal error."""
    analysis = analyze(code, config or Config(), path=str(project / "train.py"), root=str(project))
    assert not analysis.facts.internal_errors
    return analysis


def described(project: Path, code: str, name: str = "x", config: Config | None = None) -> str:
    """How the module name `name` is described after analysing `code` in `project`."""
    return analyse_in(project, code, config).facts.module_names[name].describe()


def check_untrusted_reads_nothing(project: Path, code: str) -> None:
    """`x`, read from a data file of `project` by `code`, is unknown when the workspace is not trusted."""
    assert described(project, code, config=Config(trusted=False)) == "unknown"


def check_findings(project: Path, code: str) -> None:
    """The findings on `code` analysed in `project` (Keras 3) are those its `# error:` comments mark."""
    assert actual(analyse_in(project, code, Config(keras_version=3)).diagnostics) == expected(code)
