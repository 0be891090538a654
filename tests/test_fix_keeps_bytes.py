"""`check --fix` changes the edits and nothing else: line endings, byte-order mark, notebook JSON
layout stay; files reached through a symlink leading outside the checked paths are never written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Range, TextEdit
from shapelint.file_runner import check_file
from shapelint.fixes import apply_edits, line_ending
from shapelint.lsp.code_actions import EditTarget, workspace_edit
from shapelint.lsp.documents import TextState
from shapelint.lsp.encoding import ColumnEncoding

BATCH_AXIS = Path(__file__).resolve().parent.parent / "examples" / "mistakes" / "batch_axis_in_input.py"
WRONG = b"keras.Input(shape=(1000, 50, 1))"
RIGHT = b"keras.Input(shape=(50, 1))"


def fix(path: Path, roots: list[Path] | None = None) -> int:
    return check_file(path, Config(), {}, fix=True, fix_roots=roots).fixed


@pytest.mark.parametrize(
    ("ending", "bom"), [(b"\r\n", b""), (b"\r", b""), (b"\n", b"\xef\xbb\xbf"), (b"\r\n", b"\xef\xbb\xbf")]
)
def test_fix_keeps_line_endings_and_the_byte_order_mark(tmp_path: Path, ending: bytes, bom: bytes) -> None:
    original = bom + BATCH_AXIS.read_bytes().replace(b"\n", ending)
    assert WRONG in original
    target = tmp_path / "model.py"
    target.write_bytes(original)
    assert fix(target) == 1
    assert target.read_bytes() == original.replace(WRONG, RIGHT)


def test_new_lines_in_a_fix_take_the_files_line_ending() -> None:
    text = "a = 1\r\nb = 2\r\n"
    edit = TextEdit(Range.of(1, 0, 1, 0), "import numpy as np\nimport keras\n")
    assert apply_edits(text, [edit]) == "a = 1\r\nimport numpy as np\r\nimport keras\r\nb = 2\r\n"
    assert line_ending("x = 1\ry = 2\r") == "\r"


def test_editor_fixes_take_the_line_ending_of_the_text_the_client_has() -> None:
    state = TextState.of("file:///m.py", 3, "a = 1\r\nb = 2\r\n")
    edit = TextEdit(Range.of(1, 0, 1, 0), "c = 3\n")
    target = EditTarget(ColumnEncoding.UTF16, document_changes=False)
    changes = workspace_edit([(state, [edit])], target).changes
    assert changes is not None and changes["file:///m.py"][0].new_text == "c = 3\r\n"


def test_a_symlink_leading_outside_the_checked_folder_is_not_written(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "model.py"
    outside.parent.mkdir()
    outside.write_bytes(BATCH_AXIS.read_bytes())
    project = tmp_path / "project"
    project.mkdir()
    (project / "link.py").symlink_to(outside)
    (project / "own.py").write_bytes(BATCH_AXIS.read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "shapelint", "check", "--fix", str(project)], capture_output=True, text=True, timeout=120
    )
    assert outside.read_bytes() == BATCH_AXIS.read_bytes()  # untouched
    assert RIGHT in (project / "own.py").read_bytes()  # the file inside is fixed
    assert result.stderr.count("outside the checked paths") == 1, result.stderr
    assert "link.py" in result.stderr
    assert result.returncode == 1  # the finding in link.py is still there


def test_a_symlink_inside_the_checked_folder_is_fixed(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_bytes(BATCH_AXIS.read_bytes())
    (tmp_path / "link.py").symlink_to(real)
    assert fix(tmp_path / "link.py", [tmp_path]) == 1
    assert RIGHT in real.read_bytes()


def test_a_fixed_notebook_keeps_its_json_layout(tmp_path: Path) -> None:
    source = BATCH_AXIS.read_text(encoding="utf-8").splitlines(keepends=True)
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Café ✓"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source},
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "train.ipynb"
    path.write_text(json.dumps(notebook, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    assert fix(path) == 1
    fixed = [line.replace("shape=(1000, 50, 1)", "shape=(50, 1)") for line in source]
    notebook["cells"][1]["source"] = fixed  # type: ignore[index]
    assert path.read_text(encoding="utf-8") == json.dumps(notebook, indent=2, ensure_ascii=False) + "\n"
