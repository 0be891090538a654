"""The "ignore this rule in pyproject.toml" quick fix edits the TOML text minimally and validly."""

from __future__ import annotations

import sys

import pytest
from shapelint.pyproject_edit import ignore_rule_insertion

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def edited(text: str | None, code: str = "SL105") -> str:
    insertion = ignore_rule_insertion(text, code)
    assert insertion is not None
    base = text or ""
    return base[: insertion.offset] + insertion.content + base[insertion.offset :]


def ignored(text: str) -> list[str]:
    return tomllib.loads(text)["tool"]["shapelint"]["ignore"]


def test_no_file_gets_a_new_table() -> None:
    assert edited(None) == '[tool.shapelint]\nignore = ["SL105"]\n'


def test_a_file_without_the_table_gets_it_appended_and_keeps_the_rest() -> None:
    text = '[project]\nname = "demo"  # keep me\n'
    result = edited(text)
    assert result.startswith(text) and ignored(result) == ["SL105"]
    assert tomllib.loads(result)["project"]["name"] == "demo"
    assert ignored(edited('[project]\nname = "demo"')) == ["SL105"]  # no final newline


def test_a_table_without_ignore_gets_the_key_below_its_header() -> None:
    text = '[tool.shapelint]\nselect = ["SL1"]\n\n[tool.ruff]\nline-length = 100\n'
    result = edited(text)
    assert ignored(result) == ["SL105"]
    assert tomllib.loads(result)["tool"]["ruff"] == {"line-length": 100}
    assert result.index("ignore") < result.index("[tool.ruff]")


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        ("[]", ["SL105"]),
        ('["SL101"]', ["SL101", "SL105"]),
        ('["SL101",]', ["SL101", "SL105"]),
        ('[\n    "SL101",  # old notebooks\n    "SL2",\n]', ["SL101", "SL2", "SL105"]),
        ('[\n    "SL101"  # why ] here\n]', ["SL101", "SL105"]),
        ("['SL1#0']", ["SL1#0", "SL105"]),
    ],
)
def test_an_existing_ignore_list_is_appended_to(array: str, expected: list[str]) -> None:
    text = f'[tool.shapelint]\nignore = {array}\nselect = ["SL"]\n'
    result = edited(text)
    assert ignored(result) == expected
    assert tomllib.loads(result)["tool"]["shapelint"]["select"] == ["SL"]


def test_crlf_files_stay_crlf() -> None:
    result = edited('[project]\r\nname = "demo"\r\n')
    assert "\n" not in result.replace("\r\n", "")


def test_already_ignored_or_unreadable_files_are_left_alone() -> None:
    assert ignore_rule_insertion('[tool.shapelint]\nignore = ["SL105"]\n', "SL105") is None
    assert ignore_rule_insertion("[tool.shapelint\nbroken", "SL105") is None
    assert ignore_rule_insertion('[tool.shapelint]\nignore = "SL101"\n', "SL105") is None
    # A dotted-key spelling that a textual edit cannot extend: refused rather than broken.
    assert ignore_rule_insertion('tool.shapelint.ignore = ["SL101"]\n', "SL105") is None
