"""`shapelint check --untrusted` (what the VS Code client runs in an untrusted workspace)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapelint import cli, engine
from shapelint.config import Config

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


def test_an_untrusted_analysis_reads_no_data_file(tmp_path: Path) -> None:
    (tmp_path / "train.csv").write_text("a,b\n1,2\n")
    document, root = str(tmp_path / "a.py"), str(tmp_path)
    trusted = engine._workspace(Config(), document, root)
    assert trusted.read_head(trusted.locate("train.csv"), 16) == b"a,b\n1,2\n"
    untrusted = engine._workspace(Config(trusted=False), document, root)
    assert untrusted.locate("train.csv") is None
    assert untrusted.read_head(trusted.locate("train.csv"), 16) is None
