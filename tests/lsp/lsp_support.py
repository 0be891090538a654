"""Helpers for driving `shapelint server` over stdio with pytest-lsp's client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
SERVER_COMMAND = [sys.executable, "-c", "from shapelint.lsp import serve; serve()"]


def server_environment(**extra: str) -> dict[str, str]:
    """The server subprocess's environment: the working tree first on its import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "server"), env.get("PYTHONPATH", "")]))
    env.setdefault("SHAPELINT_LOG_LEVEL", "INFO")
    env.update(extra)
    return env


@dataclass
class Published:
    """The last publishDiagnostics for one URI."""

    version: int | None
    diagnostics: Sequence[types.Diagnostic]
    count: int = 0


@dataclass
class Recorder:
    """Everything the server sent that tests look at, with a wake-up on each notification."""

    published: dict[str, Published] = field(default_factory=dict)
    # Every publication in order: (uri, version, diagnostics).
    history: list[tuple[str, int | None, Sequence[types.Diagnostic]]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    stderr: list[str] = field(default_factory=list)
    applied_edits: list[types.ApplyWorkspaceEditParams] = field(default_factory=list)
    inlay_refreshes: int = 0

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


RECORDERS: dict[int, Recorder] = {}


def recorder(client: LanguageClient) -> Recorder:
    return RECORDERS.setdefault(id(client), Recorder())


class RecordingClient(LanguageClient):
    """pytest-lsp's client that also keeps versions of published diagnostics and the server's stderr."""

    async def start_io(self, cmd: str, *args: Any, **kwargs: Any) -> None:
        await super(LanguageClient, self).start_io(cmd, *args, **kwargs)
        if self._server and self._server.stderr:
            self._stderr_forwarder = asyncio.create_task(self._collect_stderr())

    async def _collect_stderr(self) -> None:
        assert self._server is not None and self._server.stderr is not None
        while (line := await self._server.stderr.readline()) != b"":
            text = line.decode("utf-8", "replace")
            recorder(self).stderr.append(text)
            sys.stderr.write(text)


def make_client() -> RecordingClient:
    """A test client with pytest-lsp's default features plus versioned diagnostics."""
    client = RecordingClient(converter_factory=default_converter)
    for method, handler in DEFAULT_CLIENT_FEATURES.items():
        if method != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            client.feature(method)(handler)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(client: RecordingClient, params: types.PublishDiagnosticsParams) -> None:
        state = recorder(client)
        previous = state.published.get(params.uri)
        count = previous.count + 1 if previous else 1
        state.published[params.uri] = Published(params.version, params.diagnostics, count)
        state.history.append((params.uri, params.version, params.diagnostics))
        client.diagnostics[params.uri] = params.diagnostics
        state.notify()

    @client.feature(types.WORKSPACE_INLAY_HINT_REFRESH)
    def refresh(client: RecordingClient, params: None) -> None:
        recorder(client).inlay_refreshes += 1

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(client: RecordingClient, params: types.RegistrationParams) -> None:
        return None

    return client


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    *,
    version: int | None = None,
    until: Callable[[Sequence[types.Diagnostic]], bool] | None = None,
    after_count: int = 0,
    timeout: float = 15.0,
) -> Sequence[types.Diagnostic]:
    """Wait for diagnostics of `uri` (at least `version`, satisfying `until`) and return them."""
    state = recorder(client)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        published = state.published.get(uri)
        if (
            published is not None
            and published.count > after_count
            and (version is None or (published.version is not None and published.version >= version))
            and (until is None or until(published.diagnostics))
        ):
            return list(published.diagnostics)
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise TimeoutError(f"no matching diagnostics for {uri}; last: {published}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(state.changed.wait(), remaining)


def initialize_params(capabilities: types.ClientCapabilities, root: Path, **options: Any) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=capabilities,
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options=options or None,
    )


def open_file(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def replace_text(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """Send the whole new text as one content change."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def utf16_offset(text: str, position: types.Position) -> int:
    """The string offset of an LSP (UTF-16) position, computed independently of the server."""
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        units += 2 if ord(char) > 0xFFFF else 1
    return offset + len(line.rstrip("\r\n"))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """Apply LSP text edits as an editor does (all positions refer to the original text)."""
    spans = sorted(
        ((utf16_offset(text, edit.range.start), utf16_offset(text, edit.range.end), edit.new_text) for edit in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def edits_for(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    """The text edits a workspace edit makes to one document."""
    if edit is None:
        return []
    found: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri:
            found.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    if edit.changes:
        found.extend(edit.changes.get(uri, []))
    return found


def error_lines(client: LanguageClient) -> list[str]:
    """Server output that signals a bug: tracebacks, internal errors, error pop-ups."""
    state = recorder(client)
    bad = [line for line in state.stderr if "Traceback" in line or " ERROR " in line or "internal error" in line]
    bad += [m.message for m in client.messages if m.type == types.MessageType.Error]
    bad += [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    return bad


def expected_codes(text: str) -> dict[int, set[str]]:
    """The `# error: SL101` expectations written next to the offending lines of a fixture."""
    expected: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines()):
        marker = line.rfind("# error:")
        if marker >= 0:
            codes = line[marker + len("# error:") :].replace(",", " ").split()
            expected.setdefault(number, set()).update(code.strip().upper() for code in codes)
    return expected
