"""`shapelint check` on hostile folders: special files, symlink loops, broken notebooks and pyproject files.

Each case used to abort the whole run (exit 1, which reads as "problems found"), hang on a
FIFO, or read /dev/zero until memory ran out. Now every other file is still checked, the bad
one gets one clear message, and the exit code is 2 (could not check everything), never 1
because of a crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BUGGY = "import numpy as np\nimport keras\nx = np.zeros((100, 28, 28))\ninputs = keras.Input(shape=x.shape)\n"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shapelint", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def checked(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    """Reported codes per file name from --format json."""
    found: dict[str, list[str]] = {}
    for item in json.loads(result.stdout):
        found.setdefault(Path(item["filename"]).name, []).append(item["code"])
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    return tmp_path


def test_symlink_loops_are_reported_and_never_followed(project: Path) -> None:
    (project / "self.py").symlink_to("self.py")
    (project / "a.py").symlink_to("b.py")
    (project / "b.py").symlink_to("a.py")
    (project / "again").symlink_to(".")
    (project / "loop.py").symlink_to(".")
    result = run("check", "--format", "json", str(project))
    assert result.returncode == 2, result.stderr
    assert checked(result) == {"model.py": ["SL101"]}
    assert "Traceback" not in result.stderr


def test_a_link_to_dev_zero_is_not_read(project: Path) -> None:
    (project / "zero.py").symlink_to("/dev/zero")
    result = run("check", str(project))
    assert result.returncode == 2
    assert "zero.py: error: not a regular file" in result.stdout
    assert "model.py:4" in result.stdout


def test_a_fifo_is_not_opened(project: Path) -> None:
    os.mkfifo(project / "pipe.py")
    result = run("check", str(project))  # a plain open() would block until the timeout
    assert result.returncode == 2
    assert "pipe.py: error: not a regular file" in result.stdout
    assert "model.py:4" in result.stdout


def test_a_file_over_the_size_limit_gets_one_message(project: Path) -> None:
    from shapelint.file_runner import MAX_FILE_BYTES

    with (project / "huge.py").open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    result = run("check", str(project))
    assert result.returncode == 2
    assert result.stdout.count("huge.py") == 1 and "larger than" in result.stdout
    assert "model.py:4" in result.stdout


@pytest.mark.parametrize(
    "notebook",
    [
        {"cells": [{"cell_type": "code", "source": [1, None]}], "metadata": {}},
        {"cells": [{"cell_type": "code", "source": {"a": 1}}], "metadata": {}},
        {"cells": "none"},
        [1, 2, 3],
    ],
    ids=["non-string-items", "dict-source", "cells-not-a-list", "not-an-object"],
)
def test_a_malformed_notebook_gets_a_message_and_the_others_are_checked(project: Path, notebook: object) -> None:
    (project / "broken.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    result = run("check", str(project))
    assert result.returncode == 2
    assert "broken.ipynb: error: not a notebook" in result.stdout
    assert "model.py:4" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_notebook_with_odd_metadata_is_still_checked(project: Path) -> None:
    cells = [{"cell_type": "code", "source": BUGGY.splitlines(keepends=True)}]
    (project / "odd.ipynb").write_text(json.dumps({"cells": cells, "metadata": []}), encoding="utf-8")
    result = run("check", "--format", "json", str(project))
    assert result.returncode == 1
    assert checked(result) == {"model.py": ["SL101"], "odd.ipynb": ["SL101"]}


def test_deeply_nested_notebook_json_is_a_message(project: Path) -> None:
    (project / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("check", str(project))
    assert result.returncode == 2
    assert "deep.ipynb: error: not a notebook" in result.stdout


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"tool = 1\n", "`tool` must be a table"),
        (b"[tool]\nshapelint = 3\n", "[tool.shapelint] must be a table"),
        (b"[tool.shapelint]\nselect = ['\xff\xfe']\n", "not UTF-8"),
        (b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nested too deeply"),
        (b"[tool.shapelint\n", "not valid TOML"),
    ],
    ids=["tool-not-a-table", "shapelint-not-a-table", "not-utf8", "deeply-nested", "invalid-toml"],
)
def test_a_broken_pyproject_is_named_once_and_the_run_uses_the_defaults(
    project: Path, content: bytes, problem: str
) -> None:
    (project / "pyproject.toml").write_bytes(content)
    (project / "other.py").write_text(BUGGY, encoding="utf-8")
    result = run("check", "--format", "json", str(project))
    assert result.returncode == 2
    assert result.stderr.count("configuration error") == 1
    assert str(project / "pyproject.toml") in result.stderr and problem in result.stderr
    assert checked(result) == {"model.py": ["SL101"], "other.py": ["SL101"]}
    assert "Traceback" not in result.stderr


def test_an_unreadable_pyproject_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint.config import ConfigError, load_pyproject

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.shapelint]\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ConfigError, match="cannot be read"):
        load_pyproject(pyproject)


def test_an_internal_error_exits_2_never_1(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    import shapelint.file_runner
    from shapelint.cli import main

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    (tmp_path / "model.py").write_text(BUGGY, encoding="utf-8")
    monkeypatch.setattr(shapelint.file_runner, "discover", explode)
    assert main(["check", str(tmp_path)]) == 2
    assert "internal error: RuntimeError: boom" in capsys.readouterr().err


def test_an_engine_failure_on_one_file_does_not_stop_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    import shapelint.engine
    from shapelint.cli import main

    real = shapelint.engine.analyze

    def fragile(text: str, *args: object, **kwargs: object):
        if "explode" in text:
            raise RuntimeError("engine failure")
        return real(text, *args, **kwargs)

    (tmp_path / "a.py").write_text("import numpy\nexplode = 1\n", encoding="utf-8")
    (tmp_path / "b.py").write_text(BUGGY, encoding="utf-8")
    monkeypatch.setattr(shapelint.engine, "analyze", fragile)
    assert main(["check", "--jobs", "1", str(tmp_path)]) == 2
    output = capsys.readouterr().out
    assert "a.py: error: internal error: RuntimeError: engine failure" in output
    assert "b.py:4" in output
