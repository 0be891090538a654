"""One pathological document never takes the server down or holds up the others.

A document that used to kill the server (libcst's native stack) or keep its single engine
thread busy for minutes is opened next to an ordinary one; the ordinary one's diagnostics
must arrive, and the server must still answer afterwards. A broken pyproject.toml of any
kind is reported and analysis goes on with the defaults.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    error_lines,
    initialize_params,
    make_client,
    open_file,
    server_environment,
    wait_for_diagnostics,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio(loop_scope="module")

WORKSPACE = Path("/tmp/shapelint-pathological")
NORMAL = "import numpy as np\nimport keras\nx = np.zeros((100, 28, 28))\ninputs = keras.Input(shape=x.shape)\n"


def loop_nest(depth: int) -> str:
    lines = ["total = 0\n"]
    for level in range(depth):
        lines.append("    " * level + f"for i{level} in range(64):\n")
    lines.append("    " * depth + "total = total + 1\n")
    return "".join(lines)


PATHOLOGICAL = {
    "brackets": "x = " + "(" * 1300 + "1" + ")" * 1300 + "\n",
    "lambdas": "f = " + "lambda: " * 6000 + "0\n",
    "long_line": "x = a" + "[0]" * 3000 + "\n",
    "loops": loop_nest(4),
    "recursion": "def f(n):\n    return " + " + ".join(["f(n - 1)"] * 10) + "\n\nf(100)\n",
    "power": "x = 3\n" + "x = x ** 64\n" * 6,
    "doubling": "s = 'ab'\nfor i in range(64):\n    for j in range(64):\n        s = s + s\n",
}


def assert_server_healthy(client: LanguageClient) -> None:
    assert client._server is not None and client._server.returncode is None, "the server process exited"
    assert error_lines(client) == []


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, server_env=server_environment(), client_factory=make_client
    ),
    scope="module",
)
async def client(lsp_client: LanguageClient):
    WORKSPACE.mkdir(exist_ok=True)
    await lsp_client.initialize_session(initialize_params(client_capabilities("visual-studio-code"), WORKSPACE))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
async def test_a_pathological_document_does_not_hold_up_an_ordinary_one(client: LanguageClient, name: str) -> None:
    bad = open_file(client, WORKSPACE / f"bad_{name}.py", PATHOLOGICAL[name])
    good = open_file(client, WORKSPACE / f"good_{name}.py", NORMAL)
    diagnostics = await wait_for_diagnostics(client, good, version=1, timeout=30)
    assert [d.code for d in diagnostics] == ["SL101"]
    # The pathological one is answered too: at most hints about what was not analysed.
    answered = await wait_for_diagnostics(client, bad, version=1, timeout=30)
    assert all(d.severity == types.DiagnosticSeverity.Hint for d in answered)
    await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=good), position=types.Position(line=2, character=0)
            )
        ),
        timeout=30,
    )
    assert_server_healthy(client)


@pytest.mark.parametrize(
    "content",
    [b"tool = 1\n", b"[tool.shapelint]\nselect = ['\xff']\n", b"x = " + b"[" * 50_000 + b"]" * 50_000 + b"\n"],
    ids=["tool-not-a-table", "not-utf8", "deeply-nested"],
)
async def test_a_broken_pyproject_is_reported_and_diagnostics_go_on(client: LanguageClient, content: bytes) -> None:
    folder = WORKSPACE / f"project_{len(content)}"
    folder.mkdir(exist_ok=True)
    (folder / "pyproject.toml").write_bytes(content)
    uri = open_file(client, folder / "model.py", NORMAL)
    diagnostics = await wait_for_diagnostics(client, uri, version=1, timeout=30)
    assert [d.code for d in diagnostics] == ["SL101"]
    messages = [message.message for message in client.messages]
    assert any(str(folder / "pyproject.toml") in message for message in messages)
