"""The warm-up: the server pays an analysis's one-time costs on its own program before answering
`initialize`, never on a user's document, and a warm-up that fails or hangs costs nothing else."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsp_support import (
    SERVER_COMMAND,
    error_lines,
    initialize_params,
    make_client,
    open_file,
    recorder,
    server_environment,
    wait_for_diagnostics,
)
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from shapelint.engine import analyze
from shapelint.lsp import server as server_module
from shapelint.lsp import warmup
from shapelint.lsp.server import ShapelintServer
from shapelint.lsp.warmup import WARM_UP_PROGRAM, WARM_UP_URI, warm_engine

MISTAKE = Path(__file__).resolve().parents[2] / "examples" / "mistakes" / "missing_channel_axis.py"


def test_the_warm_up_program_reaches_a_finding() -> None:
    """It must run the rules' reporting and the conversion to LSP, not only the interpreter."""
    diagnostics = warm_engine()
    assert [str(diagnostic.code) for diagnostic in diagnostics] == ["SL102"]
    assert diagnostics[0].range.start.line == WARM_UP_PROGRAM.splitlines().index(
        'mapped = layers.Conv2D(4, 3, activation="relu")(entry)'
    )


def test_the_warm_up_analyses_its_own_program_and_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def recording(text: str, *args: Any, **options: Any) -> Any:
        calls.append((text, {**dict(enumerate(args)), **options}))
        return analyze(text, *args, **options)

    monkeypatch.setattr(warmup, "analyze", recording)
    warm_engine()
    assert calls == [(WARM_UP_PROGRAM, {})]  # no configuration, path, root or open files: nothing on disk


def test_a_failing_warm_up_is_logged_and_swallowed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(text: str, *args: Any, **options: Any) -> Any:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(warmup, "analyze", broken)
    with caplog.at_level(logging.ERROR, logger="shapelint"):
        assert warm_engine() == []
    (record,) = [record for record in caplog.records if "warming up the engine failed" in record.getMessage()]
    assert record.exc_info is not None and "engine bug" in str(record.exc_info[1])


@pytest.fixture
def server() -> Iterator[ShapelintServer]:
    made = ShapelintServer()
    yield made
    made.scheduler.shutdown()


async def test_the_warm_up_runs_on_the_engine_thread(server: ShapelintServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine is not thread-safe: its parse cache is only ever touched by the engine thread."""
    threads: list[str] = []

    def recording(text: str, *args: Any, **options: Any) -> Any:
        threads.append(threading.current_thread().name)
        return analyze(text, *args, **options)

    monkeypatch.setattr(warmup, "analyze", recording)
    await server.warm_up()
    assert len(threads) == 1 and threads[0].startswith("shapelint-engine")


async def test_a_hanging_warm_up_does_not_hold_initialize(
    server: ShapelintServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    release = threading.Event()

    def hanging(*args: Any) -> list[Any]:
        release.wait(10)
        return []

    monkeypatch.setattr(server_module, "warm_engine", hanging)
    monkeypatch.setattr(server_module, "WARM_UP_WAIT_SECONDS", 0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="shapelint"):
            await asyncio.wait_for(server.warm_up(), 5)
    finally:
        release.set()
    assert any("answering initialize now" in record.getMessage() for record in caplog.records)


async def test_a_failing_converter_warm_up_is_logged_and_swallowed(
    server: ShapelintServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(diagnostics: Any) -> None:
        raise RuntimeError("converter bug")

    monkeypatch.setattr(server.protocol, "warm_converters", broken)
    with caplog.at_level(logging.ERROR, logger="shapelint"):
        await server.warm_up()
    assert any("message converters failed" in record.getMessage() for record in caplog.records)


async def test_a_warm_up_that_cannot_reach_the_engine_is_logged_and_swallowed(
    server: ShapelintServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.scheduler.shutdown()  # the engine thread takes no more work
    with caplog.at_level(logging.ERROR, logger="shapelint"):
        await server.warm_up()
    assert any("the warm-up failed" in record.getMessage() for record in caplog.records)


# End to end -----------------------------------------------------------------------------------
@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND,
        server_env=server_environment(SHAPELINT_LOG_LEVEL="DEBUG"),
        client_factory=make_client,
    ),
)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(client_capabilities("visual-studio-code"), tmp_path))
    yield
    await lsp_client.shutdown_session()
    assert error_lines(lsp_client) == []


async def test_a_document_opened_right_after_initialized_gets_its_diagnostics_after_the_warm_up(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_file(client, tmp_path / MISTAKE.name, MISTAKE.read_text())
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert [str(diagnostic.code) for diagnostic in diagnostics] == ["SL102"]
    # Only the document opened is published: the warm-up's own findings never reach the client.
    assert {published_uri for published_uri, _, _ in recorder(client).history} == {uri}
    assert WARM_UP_URI not in recorder(client).published
    log = "".join(recorder(client).stderr)
    warmed, analysed = log.find("engine warmed up in"), log.find(f"analysed {uri} in")
    assert 0 <= warmed < analysed  # the warm-up ran, and before the document's analysis
