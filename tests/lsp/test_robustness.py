"""The server never goes down: truncated and randomly mutated programs, bad requests, broken config.

Every fixture is sent truncated at every line (and in the middle of every line, as if
half-typed), then hypothesis mutates fixtures with random incremental edits. After each
step the server must answer hover, inlay-hint and code-action requests, and at the end its
log must hold no traceback, no internal error and no error message to the user.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import pytest_lsp
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lsp_support import (
    FIXTURES,
    REPO,
    SERVER_COMMAND,
    error_lines,
    initialize_params,
    make_client,
    open_file,
    recorder,
    replace_text,
    server_environment,
    wait_for_diagnostics,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from shapelint.engine import analyze

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The Keras programs of the corpus (not the corpus's own tooling: its validator and data writer).
CORPUS = sorted(
    {*FIXTURES.glob("buggy/*.py"), *FIXTURES.glob("correct/**/*.py"), *(REPO / "examples").rglob("*.py")}
)
EXAMPLES = int(os.environ.get("SHAPELINT_ROBUSTNESS_EXAMPLES", "300"))
WORKSPACE = Path("/tmp/shapelint-robustness")


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


def whole(text: str) -> types.Range:
    return types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()) + 1, character=0)
    )


async def analysed(client: LanguageClient, uri: str, text: str) -> None:
    """Wait until the current version is analysed: an inlay-hint request waits for exactly that."""
    document = types.TextDocumentIdentifier(uri=uri)
    await client.text_document_inlay_hint_async(types.InlayHintParams(text_document=document, range=whole(text)))


async def exercise(client: LanguageClient, uri: str, text: str, line: int, character: int) -> None:
    """Every request kind on the current version; each must answer (possibly empty)."""
    document = types.TextDocumentIdentifier(uri=uri)
    await analysed(client, uri, text)
    await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=types.Position(line=line, character=character))
    )
    await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=document, range=whole(text), context=types.CodeActionContext(diagnostics=[])
        )
    )


def assert_server_healthy(client: LanguageClient) -> None:
    assert client._server is not None and client._server.returncode is None, "the server process exited"
    assert error_lines(client) == []


async def send_truncations(client: LanguageClient, fixture: Path) -> None:
    """One document per fixture, going through every truncation of it in order."""
    lines = fixture.read_text().splitlines(keepends=True)
    uri = open_file(client, WORKSPACE / f"truncated_{fixture.parent.name}_{fixture.stem}.py", "")
    version = 1
    for count in range(len(lines) + 1):
        prefix = "".join(lines[:count])
        half_line = lines[count][: len(lines[count]) // 2] if count < len(lines) else ""
        version += 1
        replace_text(client, uri, prefix, version)
        await analysed(client, uri, prefix)
        if half_line:
            # Half-typed: the hardest text for the parser; every request kind must still answer.
            version += 1
            replace_text(client, uri, prefix + half_line, version)
            await exercise(client, uri, prefix + half_line, count, len(half_line))
    await wait_for_diagnostics(client, uri, version=version)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_every_fixture_truncated_at_every_line(client: LanguageClient) -> None:
    assert CORPUS, "no fixtures found"
    # A few documents at a time, as in an editor with several files open: requests overlap.
    for first in range(0, len(CORPUS), 4):
        await asyncio.gather(*(send_truncations(client, fixture) for fixture in CORPUS[first : first + 4]))
    assert_server_healthy(client)


# Random edits: characters that break parsers and position arithmetic alike.
SNIPPETS = st.sampled_from(
    [
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "\n",
        "\r\n",
        "\t",
        "    ",
        '"',
        "'",
        '"""',
        "\\",
        "#",
        "# noqa",
        "=",
        ".shape",
        "[1:]",
        "None",
        "-1",
        "0",
        "(28, 28, 1)",
        "layers.Dense(",
        "keras.Input(shape=",
        "np.zeros((",
        "lambda",
        "if x:",
        "else",
        "@",
        "é",
        "😋",
        "\x0c",
        "\u2028",
        "%time ",
        "!pip ",
        ".reshape(-1, 1)",
        "*",
        "**",
    ]
)


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Path, list[tuple[int, int, str]]]:
    """A fixture and a few edits, each (start offset, end offset, inserted text) on the text so far."""
    fixture = draw(st.sampled_from(CORPUS))
    text = fixture.read_text()
    edits = []
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + draw(st.sampled_from([0, 1, 5, 40, 400])))))
        inserted = "".join(draw(st.lists(SNIPPETS | st.text(max_size=3), max_size=4)))
        # A position cannot split "\r\n": LSP has no such position.
        if (0 < start < len(text) and text[start - 1 : start + 1] == "\r\n") or (
            0 < end < len(text) and text[end - 1 : end + 1] == "\r\n"
        ):
            continue
        edits.append((start, end, inserted))
        text = text[:start] + inserted + text[end:]
    return fixture, edits


def lsp_position(text: str, offset: int) -> types.Position:
    """The UTF-16 LSP position of a string offset (LSP line breaks: \\n, \\r\\n, \\r)."""
    line, line_start, index = 0, 0, 0
    while index < offset:
        char = text[index]
        if char == "\r" and index + 1 < len(text) and text[index + 1] == "\n":
            if index + 1 < offset:
                index += 2
                line, line_start = line + 1, index
                continue
        elif char in "\r\n":
            line, line_start = line + 1, index + 1
        index += 1
    if index > offset:  # stopped inside "\r\n": impossible by construction
        raise AssertionError("offset splits a CRLF")
    return types.Position(line=line, character=len(text[line_start:offset].encode("utf-16-le")) // 2)


MUTATION_COUNTER = [0]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Shrinking through a server takes minutes; the failing example is printed as found.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=mutations(), probe=st.tuples(st.integers(-2, 80), st.integers(-2, 200)))
async def test_random_incremental_mutations(
    client: LanguageClient, case: tuple[Path, list[tuple[int, int, str]]], probe: tuple[int, int]
) -> None:
    fixture, edits = case
    text = fixture.read_text()
    MUTATION_COUNTER[0] += 1
    uri = open_file(client, WORKSPACE / f"mutated_{MUTATION_COUNTER[0]}.py", text)
    version = 1
    for start, end, inserted in edits:
        version += 1
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=lsp_position(text, start), end=lsp_position(text, end)), text=inserted
                    )
                ],
            )
        )
        text = text[:start] + inserted + text[end:]
    line, character = probe
    if line >= 0 and character >= 0:
        await exercise(client, uri, text, line, character)
    # The server's copy of the text is the client's: it finds what the engine finds on our text
    # (a syntax error the edits just made is held back for a moment while "typing", then shown).
    expected = [(d.code, d.range.start.line) for d in analyze(text).diagnostics]
    published = await wait_for_diagnostics(
        client,
        uri,
        version=version,
        until=lambda found: [(str(d.code), d.range.start.line) for d in found] == expected,
    )
    assert [(str(d.code), d.range.start.line) for d in published] == expected
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert_server_healthy(client)


async def test_bad_requests_get_empty_answers_and_the_next_one_is_served(client: LanguageClient) -> None:
    unknown = types.TextDocumentIdentifier(uri="file:///nowhere/never-opened.py")
    assert (
        await client.text_document_hover_async(
            types.HoverParams(text_document=unknown, position=types.Position(line=0, character=0))
        )
        is None
    )
    assert not await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=unknown, range=whole(""))
    )
    assert not await client.text_document_code_action_async(
        types.CodeActionParams(text_document=unknown, range=whole(""), context=types.CodeActionContext(diagnostics=[]))
    )
    # Changes and closes for documents that are not open are ignored with a log line.
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=unknown.uri, version=4),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x = (")],
        )
    )
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=unknown))
    # Broken settings of every shape: reported, previous settings kept.
    for broken in (
        {"severity": "loud"},
        {"select": 5},
        {"enable": "maybe"},
        ["not", "an", "object"],
        {"kerasVersion": "x"},
    ):
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"shapelint": broken}))
    # A broken pyproject.toml next to the file.
    folder = WORKSPACE / "broken_project"
    folder.mkdir(exist_ok=True)
    (folder / "pyproject.toml").write_text("[tool.shapelint\nselect = [\n")
    uri = open_file(client, folder / "model.py", "import keras\ninputs = keras.Input(shape=(60000, 28, 28)\n")
    await wait_for_diagnostics(client, uri, version=1)
    # Out-of-range positions on an open document.
    for line, character in ((10_000, 0), (0, 10_000), (1, 999)):
        await exercise(client, uri, "", line, character)
    count = recorder(client).published[uri].count
    replace_text(client, uri, "import keras\ninputs = keras.Input(shape=(28, 28))\n", 2)
    await wait_for_diagnostics(client, uri, version=2, after_count=count)
    messages = [message.message for message in client.messages]
    assert any("pyproject.toml" in message for message in messages)
    assert sum("ignoring the new shapelint settings" in message for message in messages) == 5
    assert_server_healthy(client)
