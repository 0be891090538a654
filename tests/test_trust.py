"""`shapelint check --untrusted` (what the VS Code client runs in an untrusted workspace)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapelint import cli

SEED = "import keras\nx = keras.Input(shape=(1000, 50, 1))\n"


@pytest.fixture
def confirm_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the confirmation clients the CLI asks for (none is really started)."""
    calls: list[int] = []

    def fake_client() -> None:
        calls.append(1)
        return None

    monkeypatch.setattr(cli, "confirm_client", fake_client)
    return calls


def test_confirm_asks_for_a_worker_when_trusted(tmp_path: Path, confirm_calls: list[int]) -> None:
    (tmp_path / "a.py").write_text(SEED)
    cli.main(["check", "--confirm", str(tmp_path)])
    assert confirm_calls == [1]


def test_untrusted_check_never_confirms(tmp_path: Path, confirm_calls: list[int]) -> None:
    (tmp_path / "a.py").write_text(SEED)
    cli.main(["check", "--confirm", "--untrusted", str(tmp_path)])
    assert confirm_calls == []


def test_untrusted_check_still_reports_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text(
        "import numpy as np\nimport keras\nx = np.zeros((1000, 50, 1))\ni = keras.Input(shape=x.shape)\n"
    )
    status = cli.main(["check", "--untrusted", "--format", "json", str(tmp_path)])
    assert status == 1
    assert '"SL101"' in capsys.readouterr().out
