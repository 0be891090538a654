"""Each document version is published at most once, even in an edit storm; `exit` ends the
process with 0 after `shutdown` and with 1 without it (LSP specification)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    REPO,
    SERVER_COMMAND,
    initialize_params,
    make_client,
    open_file,
    recorder,
    replace_text,
    server_environment,
    wait_for_diagnostics,
)
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

pytestmark = pytest.mark.asyncio(loop_scope="module")

PROGRAM = (REPO / "examples" / "mistakes" / "batch_axis_in_input.py").read_text(encoding="utf-8")
WORKSPACE = Path("/tmp/shapelint-publish-storm")


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


async def test_an_edit_storm_publishes_each_version_at_most_once(client: LanguageClient) -> None:
    uri = open_file(client, WORKSPACE / "storm.py", PROGRAM)
    await wait_for_diagnostics(client, uri, version=1)
    pace = random.Random(7)
    last = 300
    for version in range(2, last + 1):
        replace_text(client, uri, PROGRAM + f"\nvalue = {version}\n", version)
        # Bursts and pauses, as typing is: some edits land while an analysis runs, some after.
        await asyncio.sleep(pace.choice([0, 0, 0, 0.002, 0.01, 0.03]))
    await wait_for_diagnostics(client, uri, version=last)
    await asyncio.sleep(0.5)  # anything still queued would arrive now
    versions = Counter(version for published_uri, version, _ in recorder(client).history if published_uri == uri)
    twice = sorted(version for version, count in versions.items() if count > 1)
    assert twice == [], f"{len(twice)} of {len(versions)} published versions were published more than once"
    assert versions[last] == 1


async def run_server_until_exit(shutdown_first: bool) -> int:
    """Start a server, initialize it, optionally shut it down, send `exit`: its exit code."""
    lsp = make_client()
    await lsp.start_io(*SERVER_COMMAND, env=server_environment())
    WORKSPACE.mkdir(exist_ok=True)
    await lsp.initialize_session(initialize_params(client_capabilities("visual-studio-code"), WORKSPACE))
    if shutdown_first:
        await lsp.shutdown_async(None)
    lsp.exit(None)
    assert lsp._server is not None
    code = await asyncio.wait_for(lsp._server.wait(), 15)
    await lsp.stop()
    return code


async def test_exit_after_shutdown_ends_the_process_with_0() -> None:
    assert await run_server_until_exit(shutdown_first=True) == 0


async def test_exit_without_shutdown_ends_the_process_with_1() -> None:
    assert await run_server_until_exit(shutdown_first=False) == 1
