"""Workspace trust: in an untrusted workspace the server confirms nothing (no TensorFlow worker).

The client sends `trusted` with the settings (VS Code: `vscode.workspace.isTrusted`); a
project's pyproject.toml can never declare itself trusted.
"""

from __future__ import annotations

import asyncio
import tempfile
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    initialize_params,
    make_client,
    open_file,
    server_environment,
    wait_for_diagnostics,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from shapelint.config import Config
from shapelint.lsp.settings import ConfigResolver, parse_editor_settings

# The worker skips the TensorFlow import, so whether one is started is cheap to observe; a
# private answer cache, so no earlier answer spares the server its worker.
WORKER_WITHOUT_TENSORFLOW = {
    "SHAPELINT_CONFIRM_TEST_WITHOUT_TENSORFLOW": "1",
    "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="shapelint-trust-cache-"),
}


def seed(units: int) -> str:
    """The batch-axis mistake; each test picks its own `units`, so no two share a cached answer."""
    return textwrap.dedent(
        f"""\
        import numpy as np
        from tensorflow import keras
        from tensorflow.keras import layers

        data = np.random.rand(1000, 50, 1)
        inputs = keras.Input(shape=data.shape)
        outputs = layers.LSTM({units})(inputs)
        model = keras.Model(inputs=inputs, outputs=outputs)
        """
    )


def test_untrusted_config_neither_confirms_nor_reads_data_files() -> None:
    assert Config(confirm="auto").confirms and Config().reads_data_files
    untrusted = Config(confirm="auto", trusted=False)
    assert not untrusted.confirms
    assert not untrusted.reads_data_files


def test_a_pyproject_cannot_declare_itself_trusted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nconfirm = "auto"\ntrusted = true\n')
    resolver = ConfigResolver(lambda message: None)
    settings = parse_editor_settings({"trusted": False})
    config = resolver.config_for(str(tmp_path / "a.py"), settings)
    assert config.confirm == "auto" and config.trusted is False and not config.confirms
    assert resolver.config_for(str(tmp_path / "a.py"), parse_editor_settings({})).confirms


def test_trusted_must_be_a_boolean() -> None:
    from shapelint.config import ConfigError

    with pytest.raises(ConfigError):
        parse_editor_settings({"trusted": "no"})


def _worker_children(client: LanguageClient) -> list[int]:
    """Process ids of the server's children (the confirmation worker is its only child)."""
    server = getattr(client, "_server", None)
    assert server is not None
    children: list[int] = []
    for task in Path(f"/proc/{server.pid}/task").iterdir():
        try:
            children += [int(pid) for pid in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


async def _children_after_diagnostics(
    client: LanguageClient, tmp_path: Path, settings: dict[str, object], units: int
) -> list[int]:
    (tmp_path / "pyproject.toml").write_text('[tool.shapelint]\nconfirm = "auto"\n')
    await client.initialize_session(
        initialize_params(client_capabilities("visual-studio-code"), tmp_path, shapelint=settings)
    )
    uri = open_file(client, tmp_path / "seed.py", seed(units))
    assert [str(d.code) for d in await wait_for_diagnostics(client, uri, version=1)] == ["SL101"]
    # Confirmation starts 0.5 s after a publish; give it ample time to spawn its worker.
    deadline = asyncio.get_running_loop().time() + 8
    while asyncio.get_running_loop().time() < deadline:
        children = _worker_children(client)
        if children:
            return children
        await asyncio.sleep(0.2)
    return []


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND,
        server_env=server_environment(**WORKER_WITHOUT_TENSORFLOW),
        client_factory=make_client,
    ),
)
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


@pytest.mark.tensorflow
async def test_trusted_workspace_with_confirm_auto_starts_the_worker(client: LanguageClient, tmp_path: Path) -> None:
    # The positive control for the next test: the observation does see a worker.
    assert await _children_after_diagnostics(client, tmp_path, {"trusted": True}, 31) != []


@pytest.mark.tensorflow
async def test_untrusted_workspace_starts_no_worker(client: LanguageClient, tmp_path: Path) -> None:
    assert await _children_after_diagnostics(client, tmp_path, {"trusted": False}, 32) == []


@pytest.mark.tensorflow
async def test_granting_trust_through_did_change_configuration_enables_confirmation(
    client: LanguageClient, tmp_path: Path
) -> None:
    assert await _children_after_diagnostics(client, tmp_path, {"trusted": False}, 33) == []
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"trusted": True}})
    )
    deadline = asyncio.get_running_loop().time() + 10
    while not _worker_children(client):
        assert asyncio.get_running_loop().time() < deadline, "no worker after trust was granted"
        await asyncio.sleep(0.2)
