"""Editor settings and pyproject.toml combine with documented precedence; bad values are survivable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shapelint.config import ConfigError
from shapelint.diagnostics import Severity
from shapelint.lsp.settings import ConfigResolver, EditorSettings, parse_editor_settings, settings_from_payload


def write_pyproject(folder: Path, body: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text(f"[tool.shapelint]\n{body}\n")
    return path


def test_editor_spellings_are_accepted() -> None:
    settings = parse_editor_settings(
        {"enable": True, "inlayHints": False, "modelSummaryHover": False, "kerasVersion": 2, "ignore": ["SL201"]}
    )
    assert settings.inlay_hints is False and settings.model_summary_hover is False
    assert settings.rules == {"keras-version": 2, "ignore": ["SL201"]}


def test_unset_editor_values_do_not_override_the_project() -> None:
    settings = parse_editor_settings({"select": [], "ignore": None, "severity": {}, "confirm": None})
    assert settings.rules == {}


@pytest.mark.parametrize(
    "raw",
    [{"severity": {"SL101": "fatal"}}, {"confirm": "sometimes"}, {"enable": "yes"}, {"kerasVersion": 7}, "nonsense"],
)
def test_bad_editor_values_raise_a_clear_error(raw: object) -> None:
    with pytest.raises(ConfigError):
        parse_editor_settings(raw)


def test_payload_may_hold_the_section_or_be_it() -> None:
    assert settings_from_payload({"shapelint": {"enable": False}}) == {"enable": False}
    assert settings_from_payload({"enable": False}) == {"enable": False}


def test_precedence_defaults_then_pyproject_then_editor(tmp_path: Path) -> None:
    write_pyproject(tmp_path, 'ignore = ["SL201"]\nseverity = { SL101 = "hint", SL103 = "information" }')
    source = tmp_path / "model.py"
    resolver = ConfigResolver(report_error=lambda message: None)

    project = resolver.config_for(str(source), EditorSettings())
    assert project.ignore == frozenset({"SL201"})
    assert project.severity["SL101"] is Severity.HINT

    editor = parse_editor_settings({"severity": {"SL101": "error"}})
    merged = resolver.config_for(str(source), editor)
    assert merged.severity["SL101"] is Severity.ERROR  # the editor wins for the code it names
    assert merged.severity["SL103"] is Severity.INFORMATION  # pyproject keeps the rest
    assert merged.ignore == frozenset({"SL201"})


def test_pyproject_is_reread_when_it_changes_and_a_broken_one_keeps_the_last_good(tmp_path: Path) -> None:
    pyproject = write_pyproject(tmp_path, 'ignore = ["SL201"]')
    source = str(tmp_path / "model.py")
    errors: list[str] = []
    resolver = ConfigResolver(report_error=errors.append)
    assert resolver.config_for(source, EditorSettings()).ignore == frozenset({"SL201"})

    pyproject.write_text('[tool.shapelint]\nignore = ["SL103"]\n')
    os.utime(pyproject, ns=(1, 2_000_000_000_000_000_000))
    assert resolver.config_for(source, EditorSettings()).ignore == frozenset({"SL103"})

    pyproject.write_text("[tool.shapelint\nignore = \n")
    os.utime(pyproject, ns=(1, 3_000_000_000_000_000_000))
    assert resolver.config_for(source, EditorSettings()).ignore == frozenset({"SL103"})
    resolver.config_for(source, EditorSettings())
    assert len(errors) == 1 and "pyproject.toml" in errors[0]
