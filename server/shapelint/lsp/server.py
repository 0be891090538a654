"""`shapelint server`: the language server every editor talks to.

One thin handler per LSP feature; each translates the request, asks the document store,
the scheduler or the engine, and translates back. Every handler is guarded: an
unexpected error is logged with its traceback and the client gets an empty answer, so
the next request is served as usual.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from shapelint.collection import CollectionPolicy
from shapelint.config import MAX_PYPROJECT_BYTES, Config, ConfigError, find_pyproject
from shapelint.confirm.pipeline import SourceDocument
from shapelint.engine import Analysis, analyze, analyze_notebook, collection_managed_elsewhere
from shapelint.incremental import keep_results
from shapelint.lsp import code_actions, convert
from shapelint.lsp.background_confirmation import BackgroundConfirmer
from shapelint.lsp.documents import ClientPosition, DocumentStore, NotebookCell, Snapshot, TextChange
from shapelint.lsp.encoding import ColumnEncoding
from shapelint.lsp.hover import diagnostics_at, hover_markdown
from shapelint.lsp.inlay_hints import hints_in_lines
from shapelint.lsp.scheduler import AnalysisScheduler
from shapelint.lsp.settings import (
    SECTION,
    ConfigResolver,
    EditorSettings,
    is_pyproject,
    parse_editor_settings,
    settings_from_payload,
)
from shapelint.lsp.typing_pause import SyntaxErrorPause, edited_lines
from shapelint.lsp.warmup import WARM_UP_URI, warm_engine
from shapelint.presentation import HoverKind
from shapelint.rules import rule_docs

logger = logging.getLogger("shapelint.lsp")

F = TypeVar("F", bound=Callable[..., Any])

NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            notebook="*",
            cells=[types.NotebookCellLanguage(language="python")],
        )
    ],
    save=True,
)
# Hover, code actions and inlay hints wait this long for the analysis of the current version.
RESULT_WAIT_SECONDS = 2.0
# `initialize` is answered once the warm-up is done, or after this long whatever it is doing.
WARM_UP_WAIT_SECONDS = 2.0
PYPROJECT_POLL_SECONDS = 2.0


def _version() -> str:
    try:
        return metadata.version("shapelint")
    except metadata.PackageNotFoundError:
        return "0.0.0"


@dataclass(frozen=True)
class AnalysisResult:
    """One analysis of one snapshot, with its diagnostics already in LSP form per URI."""

    snapshot: Snapshot
    settings: EditorSettings
    encoding: ColumnEncoding
    analysis: Analysis | None = None  # None when shapelint is disabled for the document
    config: Config | None = None
    path: str | None = None
    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)

    @property
    def revision(self) -> int:
        return self.snapshot.revision


@dataclass(frozen=True)
class ClientProfile:
    """What the connected client supports, decided once at initialize."""

    encoding: ColumnEncoding = ColumnEncoding.UTF16
    related_information: bool = False
    document_changes: bool = False
    create_files: bool = False
    configuration_pull: bool = False
    watched_files_registration: bool = False
    inlay_hint_refresh: bool = False


def _with_folders(path: str) -> Iterator[str]:
    """`path`, then each folder above it (a module created at `a/b.py` fills a search for `a`)."""
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _capability(root: Any, dotted: str) -> Any:
    for name in dotted.split("."):
        root = getattr(root, name, None)
        if root is None:
            return None
    return root


def client_profile(capabilities: types.ClientCapabilities, encoding: Any) -> ClientProfile:
    """The client features the server adapts to, read from its initialize capabilities."""
    return ClientProfile(
        encoding=ColumnEncoding.parse(encoding),
        related_information=bool(_capability(capabilities, "text_document.publish_diagnostics.related_information")),
        document_changes=bool(_capability(capabilities, "workspace.workspace_edit.document_changes")),
        create_files=types.ResourceOperationKind.Create
        in (_capability(capabilities, "workspace.workspace_edit.resource_operations") or ()),
        configuration_pull=bool(_capability(capabilities, "workspace.configuration")),
        watched_files_registration=bool(
            _capability(capabilities, "workspace.did_change_watched_files.dynamic_registration")
        ),
        inlay_hint_refresh=bool(_capability(capabilities, "workspace.inlay_hint.refresh_support")),
    )


class ShapelintProtocol(LanguageServerProtocol):
    """The pygls protocol, with document sync owned by shapelint's DocumentStore.

    pygls's own workspace copy would split lines differently from LSP (it splits on
    form feeds and Unicode separators too) and raises on a change to an unknown URI;
    these overrides only dispatch to the handlers below.
    """

    def warm_converters(self, diagnostics: list[types.Diagnostic]) -> None:
        """Build the message converters the first document needs (pygls builds each on first use):
        reading a didOpen and a didChange, writing a publishDiagnostics. Nothing is sent."""
        position = {"line": 0, "character": 0}
        for method, params in (
            (
                types.TEXT_DOCUMENT_DID_OPEN,
                {"textDocument": {"uri": WARM_UP_URI, "languageId": "python", "version": 1, "text": ""}},
            ),
            (
                types.TEXT_DOCUMENT_DID_CHANGE,
                {
                    "textDocument": {"uri": WARM_UP_URI, "version": 2},
                    "contentChanges": [{"range": {"start": position, "end": position}, "text": ""}],
                },
            ),
        ):
            self.structure_message({"jsonrpc": JsonRPCProtocol.VERSION, "method": method, "params": params})
        published = types.PublishDiagnosticsNotification(
            params=types.PublishDiagnosticsParams(uri=WARM_UP_URI, diagnostics=diagnostics, version=1)
        )
        json.dumps(published, default=self._serialize_message)

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def lsp_notebook_document__did_open(self, params: types.DidOpenNotebookDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def lsp_notebook_document__did_change(self, params: types.DidChangeNotebookDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def lsp_notebook_document__did_close(self, params: types.DidCloseNotebookDocumentParams) -> Any:
        if (handler := self.fm.features.get(types.NOTEBOOK_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


class ShapelintServer(LanguageServer):
    """The language server's state: open documents, settings, configuration, scheduling."""

    def __init__(self) -> None:
        super().__init__(
            "shapelint",
            _version(),
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=NOTEBOOK_SYNC,
            protocol_cls=ShapelintProtocol,
        )
        keep_results()  # an edit re-analyses only the statements it can affect (incremental.py)
        self.documents = DocumentStore()
        self.settings = EditorSettings()
        self.profile = ClientProfile()
        self.configs = ConfigResolver(self.report_config_error)
        self.confirmer: BackgroundConfirmer | None = None  # made on the first confirmation
        self._confirm_message_shown = False
        self._settings_generation = 0
        # SHAPELINT_LSP_GC=default keeps CPython's own collection timing (for comparisons).
        self.collection = None if os.environ.get("SHAPELINT_LSP_GC") == "default" else CollectionPolicy()
        collection_managed_elsewhere()  # either way, not the engine's batch regime (collection.py)
        self.scheduler: AnalysisScheduler[AnalysisResult] = AnalysisScheduler(
            self.analyze_key, self.documents.revision, self.publish, confirm=self.confirm, collection=self.collection
        )
        self._published: dict[str, set[str]] = {}  # document key -> URIs holding its diagnostics
        # URI -> the version and diagnostics last sent for it: the same again is not re-sent.
        self._sent: dict[str, tuple[int | None, list[types.Diagnostic]]] = {}
        self.syntax_pause = SyntaxErrorPause()
        self.shutdown_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._progress: dict[str, concurrent.futures.Future[bool]] = {}  # work-done progress begun, by token
        self._poller: asyncio.Task[None] | None = None
        # Document key -> real paths of the project modules its last analysis imported.
        self._imports: dict[str, frozenset[str]] = {}
        # Document key -> where its last analysis looked for a project module and found nothing.
        self._absent: dict[str, frozenset[str]] = {}

    # Messages to the user ----------------------------------------------------------------
    def _send_threadsafe(self, function: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            function()
        else:
            loop.call_soon_threadsafe(function)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """Show a message to the user (and log it); safe from any thread."""
        logger.warning("%s", message)
        self._send_threadsafe(lambda: self.window_show_message(types.ShowMessageParams(type=kind, message=message)))

    def report_config_error(self, message: str) -> None:
        self.show(message)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Protocol-level errors go to the log, not to a pop-up on every keystroke."""
        logger.error("shapelint: protocol error (%s): %s", getattr(source, "__name__", source), error)

    # Analysis (engine thread) ---------------------------------------------------------------
    def path_of(self, uri: str) -> str | None:
        """The file-system path of a file: URI (None for untitled or remote documents)."""
        if not uri.startswith("file:"):
            return None
        try:
            return to_fs_path(uri)
        except Exception:
            return None

    def analyze_key(self, key: str) -> AnalysisResult | None:
        """Analyse the newest snapshot of a document (runs on the engine thread)."""
        snapshot = self.documents.snapshot(key)
        if snapshot is None:
            return None
        settings, profile = self.settings, self.profile
        result = AnalysisResult(snapshot, settings, profile.encoding, diagnostics={uri: [] for uri in snapshot.uris})
        if not settings.enable:
            return result
        path = self.path_of(key)
        root = self.workspace_root()
        config = self.configs.config_for(path, settings, root)
        open_files = OpenFileTexts(self.documents, self.path_of)
        if snapshot.notebook:
            analysis = analyze_notebook(snapshot.texts, config, path=path, root=root, open_files=open_files)
        else:
            analysis = analyze(snapshot.texts[0], config, path=path, root=root, open_files=open_files)
        self._imports[key] = frozenset(analysis.imported_paths)
        self._absent[key] = frozenset(analysis.absent_module_paths)
        internal_errors = analysis.internal_errors
        if internal_errors:
            # The engine contains its own failures (the rest of the file is still checked);
            # they are logged so that they get reported and fixed.
            logger.warning("shapelint: engine problem in %s: %s", key, "; ".join(internal_errors[:3]))
        diagnostics = convert.diagnostics_by_uri(
            snapshot, analysis.diagnostics, profile.encoding, related_information=profile.related_information
        )
        return replace(result, analysis=analysis, config=config, path=path, diagnostics=diagnostics)

    def confirm(self, result: AnalysisResult) -> AnalysisResult | None:
        """Run TensorFlow confirmation for a published result (confirmation thread)."""
        if result.analysis is None or result.config is None or not result.config.confirms:
            return None
        if self.confirmer is None:
            self.confirmer = BackgroundConfirmer()
        starting = self.confirmer.starting
        token = self._begin_progress("Starting TensorFlow to confirm shape findings") if starting else None
        workspace = result.analysis.workspace
        document = SourceDocument(
            result.snapshot.texts,
            result.config,
            result.snapshot.notebook,
            result.path,
            workspace.root if workspace is not None else self.workspace_root(),
            OpenFileTexts(self.documents, self.path_of),
        )
        key, revision = result.snapshot.key, result.revision
        try:
            confirmed = self.confirmer.confirm(
                document, result.analysis, cancelled=lambda: self.documents.revision(key) != revision
            )
        finally:
            if token is not None:
                self._end_progress(token)
        if confirmed is None:
            # E.g. TensorFlow is not installed: say how to enable confirmation, once.
            message = self.confirmer.enable_message
            if message and not self._confirm_message_shown:
                self._confirm_message_shown = True
                self.show(f"shapelint: {message}", types.MessageType.Info)
            return None
        analysis = replace(confirmed.analysis, diagnostics=confirmed.diagnostics)
        related = self.profile.related_information
        diagnostics = convert.diagnostics_by_uri(
            result.snapshot, confirmed.diagnostics, result.encoding, related_information=related
        )
        return replace(result, analysis=analysis, diagnostics=diagnostics)

    def _begin_progress(self, message: str) -> str | None:
        """Show a work-done progress in clients that support it (from any thread); its token, or None."""
        window = getattr(self.client_capabilities, "window", None)
        if not getattr(window, "work_done_progress", False) or self._loop is None:
            return None
        token = f"shapelint-confirm-{id(self)}-{time.monotonic_ns()}"

        async def begin() -> bool:
            try:
                await self.work_done_progress.create_async(token)
            except Exception:  # a client may refuse; the progress is only a courtesy
                logger.debug("shapelint: the client refused a progress token", exc_info=True)
                return False
            self.work_done_progress.begin(token, types.WorkDoneProgressBegin(title="shapelint", message=message))
            return True

        self._progress[token] = asyncio.run_coroutine_threadsafe(begin(), self._loop)
        return token

    def _end_progress(self, token: str) -> None:
        """End a progress once its begin has gone out (begin and end keep their order)."""
        started = self._progress.pop(token, None)
        if started is None or self._loop is None:
            return

        async def end() -> None:
            if await asyncio.wrap_future(started):
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="TensorFlow is ready"))

        asyncio.run_coroutine_threadsafe(end(), self._loop)

    def project_file(self, key: str) -> code_actions.ProjectFile | None:
        """The pyproject.toml that configures a document (where one would be created when there is
        none: the workspace folder holding it, else its own folder); None for documents not on disk."""
        path = self.path_of(key)
        if path is None:
            return None
        found = find_pyproject(Path(path))
        if found is not None:
            try:
                with found.open("rb") as handle:
                    content = handle.read(MAX_PYPROJECT_BYTES + 1)
                if len(content) > MAX_PYPROJECT_BYTES:
                    return None
                return code_actions.ProjectFile(found.as_uri(), content.decode("utf-8"))
            except (OSError, UnicodeDecodeError):
                return None
        root = self.workspace_root()
        folder = Path(path).parent
        if root is not None and Path(root) in Path(path).parents:
            folder = Path(root)
        return code_actions.ProjectFile((folder / "pyproject.toml").as_uri(), None)

    def workspace_root(self) -> str | None:
        try:
            root: str | None = self.workspace.root_path
        except RuntimeError:  # not initialised yet
            return None
        return root

    # Publishing (message loop) ---------------------------------------------------------------
    def publish(self, result: AnalysisResult) -> None:
        """Send a current result's diagnostics; clear cells that no longer have any."""
        key = result.snapshot.key
        previous = self._published.get(key, set())
        current = set(result.diagnostics)
        for uri in previous - current:
            self._sent.pop(uri, None)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        versions = {segment.uri: segment.version for segment in result.snapshot.segments}
        now = time.monotonic()
        for uri, found in result.diagnostics.items():
            shown = self._sent.get(uri, (None, []))[1]
            diagnostics, again = self.syntax_pause.hold_back(uri, found, shown, now)
            if again is not None and self._loop is not None:
                self._loop.call_later(again, self._publish_if_current, result)
            sent = (versions.get(uri), diagnostics)
            # An edit that lands after an analysis starts but before it reads the document makes the
            # scheduler analyse that same version again: publish a version again only if it changed.
            if self._sent.get(uri) == sent:
                continue
            self._sent[uri] = sent
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=versions.get(uri))
            )
        self._published[key] = current

    def _publish_if_current(self, result: AnalysisResult) -> None:
        """Publish a result again once a held-back syntax error is due, unless a newer text came."""
        latest = self.documents.snapshot(result.snapshot.key)
        if latest is not None and latest.revision == result.snapshot.revision:
            self.publish(result)

    def clear(self, key: str, uris: Sequence[str] = ()) -> None:
        """Withdraw every diagnostic of a closed document and forget its results."""
        self.scheduler.forget(key)
        self._imports.pop(key, None)
        self._absent.pop(key, None)
        for uri in sorted({*self._published.pop(key, set()), *uris}):
            self._sent.pop(uri, None)
            self.syntax_pause.forget(uri)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def reanalyze_importers(self, uri: str) -> None:
        """Re-check the open documents whose last analysis imported the module at `uri` (it changed), or
        looked for a module there, or in a folder above it, and found nothing (it was created)."""
        path = self.path_of(uri)
        if path is None:
            return
        real = os.path.realpath(path)
        places = {*_with_folders(os.path.abspath(path)), *_with_folders(real)}
        for key in self.documents.open_keys():
            if key == uri or self.documents.revision(key) is None:
                continue
            if real in self._imports.get(key, ()) or not places.isdisjoint(self._absent.get(key, ())):
                self.scheduler.schedule(key)

    def reanalyze_all(self) -> None:
        for key in self.documents.open_keys():
            self.scheduler.schedule(key)

    # Configuration ---------------------------------------------------------------------------
    def apply_settings(self, raw: Any) -> bool:
        """Take new editor settings; on a bad value keep the previous ones and say why."""
        section = settings_from_payload(raw)
        try:
            settings = parse_editor_settings(section)
        except ConfigError as error:
            self.show(f"shapelint: ignoring the new {SECTION} settings: {error}")
            return False
        if not (isinstance(section, Mapping) and "trusted" in section):
            # A payload without `trusted` (e.g. a configuration pull answered from settings
            # files) keeps the trust the client declared: an untrusted workspace stays so.
            settings = replace(settings, trusted=self.settings.trusted)
        changed = settings != self.settings
        self.settings = settings
        self._settings_generation += 1
        return changed

    async def pull_settings(self, generation: int | None = None) -> None:
        """Ask the client for the `shapelint` section (workspace/configuration).

        `generation`: the settings generation the need for this pull was noticed at; an
        answer is dropped if settings were pushed after that.
        """
        if not self.profile.configuration_pull:
            return
        if generation is None:
            generation = self._settings_generation
        try:
            response = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
                ),
                timeout=5.0,
            )
        except Exception as error:  # a client that cannot answer keeps the current settings
            logger.warning("shapelint: workspace/configuration failed: %s", error)
            return
        if generation != self._settings_generation:
            return  # settings pushed while this answer was on its way are newer
        if response and self.apply_settings(response[0]):
            self.settings_changed()

    @property
    def settings_generation(self) -> int:
        """Counts settings changes, so that an answer to an older pull cannot undo a newer push."""
        return self._settings_generation

    def settings_changed(self) -> None:
        self.reanalyze_all()
        if self.profile.inlay_hint_refresh:
            self.workspace_inlay_hint_refresh(None)

    async def poll_pyproject(self) -> None:
        """Re-analyse when a pyproject.toml changes, for clients that do not watch files."""
        stamps = self._pyproject_stamps()
        while True:
            await asyncio.sleep(PYPROJECT_POLL_SECONDS)
            now = self._pyproject_stamps()
            if now != stamps:
                stamps = now
                self.reanalyze_all()

    def _pyproject_stamps(self) -> dict[str, tuple[int, int]]:
        from shapelint.lsp.settings import nearest_pyproject

        stamps: dict[str, tuple[int, int]] = {}
        starts = {self.path_of(key) for key in self.documents.open_keys()} | {self.workspace_root()}
        for start in starts:
            pyproject = nearest_pyproject(start) if start else None
            if pyproject is None:
                continue
            try:
                status = pyproject.stat()
            except OSError:
                continue
            stamps[str(pyproject)] = (status.st_mtime_ns, status.st_size)
        return stamps

    async def warm_up(self) -> None:
        """Pay the first analysis's one-time costs now (warmup.py), and those of its messages.

        Awaited by `initialize`: the client sends nothing before that answer, so no document waits
        behind the warm-up and nothing it does competes with a request for the interpreter.
        """
        started = time.perf_counter()
        try:
            diagnostics = await asyncio.wait_for(
                self.scheduler.on_engine(warm_engine, self.profile.encoding), WARM_UP_WAIT_SECONDS
            )
        except asyncio.TimeoutError:
            logger.warning("shapelint: the warm-up took over %.0f s; answering initialize now", WARM_UP_WAIT_SECONDS)
            return
        except Exception:  # e.g. the engine thread is already shut down: the first document pays instead
            logger.exception("shapelint: the warm-up failed")
            return
        try:
            protocol = self.protocol
            if isinstance(protocol, ShapelintProtocol):
                protocol.warm_converters(diagnostics)
        except Exception:
            logger.exception("shapelint: warming up the message converters failed")
        logger.debug("shapelint: warmed up in %.1f ms", (time.perf_counter() - started) * 1000)

    def start_background(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.collection is not None:
            self.collection.after_startup()
        if self._poller is None:
            self._poller = self._loop.create_task(self.poll_pyproject())

    def stop_background(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        self.scheduler.shutdown()
        close = getattr(self.confirmer, "close", None)
        if callable(close):
            try:
                close()  # stops the TensorFlow worker process
            except Exception:
                logger.exception("shapelint: stopping the confirmation worker failed")


server = ShapelintServer()


class OpenFileTexts(Mapping[str, str]):
    """The text of open files by real path, read only when asked: an imported module's unsaved edits win."""

    def __init__(self, documents: DocumentStore, path_of: Callable[[str], str | None]) -> None:
        self._documents = documents
        self._keys: dict[str, str] = {}
        for key in documents.open_keys():
            path = None if documents.is_notebook(key) else path_of(key)
            if path is not None:
                self._keys[os.path.realpath(path)] = key

    def __getitem__(self, path: str) -> str:
        state = self._documents.text(self._keys[path])
        if state is None:
            raise KeyError(path)
        return state.text

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def guarded(default: Any = None) -> Callable[[F], F]:
    """Keep the server up: log an unexpected error with its traceback, answer `default`."""

    def decorate(handler: F) -> F:
        if asyncio.iscoroutinefunction(handler):

            @functools.wraps(handler)
            async def run_async(ls: ShapelintServer, params: Any) -> Any:
                try:
                    return await handler(ls, params)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("shapelint: internal error in %s", handler.__name__)
                    return default

            return run_async  # type: ignore[return-value]

        @functools.wraps(handler)
        def run(ls: ShapelintServer, params: Any) -> Any:
            try:
                return handler(ls, params)
            except Exception:
                logger.exception("shapelint: internal error in %s", handler.__name__)
                return default

        return run  # type: ignore[return-value]

    return decorate


def _changed_lines(changes: Sequence[types.TextDocumentContentChangeEvent]) -> tuple[int, int] | None:
    """The lines a burst of range changes touched (None when the whole text was sent)."""
    spans = [
        (change.range.start.line, change.range.end.line, change.text)
        if isinstance(change, types.TextDocumentContentChangePartial)
        else (-1, -1, "")
        for change in changes
    ]
    return edited_lines(spans)


def _text_changes(changes: Sequence[types.TextDocumentContentChangeEvent]) -> list[TextChange]:
    converted = []
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            converted.append(
                TextChange(
                    change.text, ClientPosition(start.line, start.character), ClientPosition(end.line, end.character)
                )
            )
        else:
            converted.append(TextChange(change.text))
    return converted


# Lifecycle --------------------------------------------------------------------------------------
@server.feature(types.INITIALIZE)
@guarded()
async def initialize(ls: ShapelintServer, params: types.InitializeParams) -> None:
    ls.profile = client_profile(params.capabilities, ls.workspace.position_encoding)
    if params.initialization_options is not None:
        ls.apply_settings(params.initialization_options)
    await ls.warm_up()  # so that the first document opened waits only for its own analysis


@server.feature(types.INITIALIZED)
@guarded()
async def initialized(ls: ShapelintServer, params: types.InitializedParams) -> None:
    generation = ls.settings_generation
    ls.start_background()
    if ls.profile.watched_files_registration:
        await ls.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="shapelint-pyproject",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[
                                types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
                                types.FileSystemWatcher(glob_pattern="**/*.py"),  # the project's modules
                            ]
                        ),
                    )
                ]
            )
        )
    await ls.pull_settings(generation)


@server.feature(types.SHUTDOWN)
@guarded()
def shutdown(ls: ShapelintServer, params: None) -> None:
    ls.shutdown_requested = True
    ls.stop_background()


# Text documents -------------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
@guarded()
def did_open(ls: ShapelintServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    ls.documents.open_text(document.uri, document.version, document.text, document.language_id)
    ls.scheduler.schedule(document.uri)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
@guarded()
def did_change(ls: ShapelintServer, params: types.DidChangeTextDocumentParams) -> None:
    document = params.text_document
    key = ls.documents.change_text(
        document.uri, document.version, _text_changes(params.content_changes), ls.profile.encoding
    )
    if key is None:
        logger.warning("shapelint: ignoring a change to %s, which is not open", document.uri)
        return
    ls.syntax_pause.edited(document.uri, _changed_lines(params.content_changes), time.monotonic())
    ls.scheduler.schedule(key)
    ls.reanalyze_importers(document.uri)  # they read this buffer's text


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
@guarded()
def did_save(ls: ShapelintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if is_pyproject(ls.path_of(uri)):
        ls.configs.forget()
        ls.reanalyze_all()
        return
    location = ls.documents.locate(uri)
    if location is not None:
        ls.scheduler.schedule(location.key)
    ls.reanalyze_importers(uri)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
@guarded()
def did_close(ls: ShapelintServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.documents.close_text(uri)
    ls.clear(uri, [uri])
    ls.reanalyze_importers(uri)  # they read the disk's text again


# Notebooks ------------------------------------------------------------------------------------
def _cell(cell: types.NotebookCell) -> NotebookCell:
    return NotebookCell(cell.document, cell.kind == types.NotebookCellKind.Code)


def _cell_text(item: types.TextDocumentItem) -> tuple[str, int, str, str]:
    return item.uri, item.version, item.text, item.language_id


@server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
@guarded()
def notebook_did_open(ls: ShapelintServer, params: types.DidOpenNotebookDocumentParams) -> None:
    notebook = params.notebook_document
    ls.documents.open_notebook(
        notebook.uri,
        notebook.version,
        [_cell(cell) for cell in notebook.cells],
        [_cell_text(item) for item in params.cell_text_documents],
    )
    ls.scheduler.schedule(notebook.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
@guarded()
def notebook_did_change(ls: ShapelintServer, params: types.DidChangeNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    cells = params.change.cells
    structure = cells.structure if cells else None
    applied = ls.documents.change_notebook_structure(
        uri,
        params.notebook_document.version,
        start=structure.array.start if structure else None,
        delete_count=structure.array.delete_count if structure else 0,
        inserted=[_cell(cell) for cell in (structure.array.cells or [])] if structure else (),
        opened=[_cell_text(item) for item in (structure.did_open or [])] if structure else (),
        closed=[item.uri for item in (structure.did_close or [])] if structure else (),
        kinds=[_cell(cell) for cell in (cells.data or [])] if cells else (),
    )
    if not applied:
        logger.warning("shapelint: ignoring a change to notebook %s, which is not open", uri)
        return
    for content in (cells.text_content or []) if cells else []:
        ls.documents.change_text(
            content.document.uri, content.document.version, _text_changes(content.changes), ls.profile.encoding
        )
        ls.syntax_pause.edited(content.document.uri, _changed_lines(content.changes), time.monotonic())
    ls.scheduler.schedule(uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
@guarded()
def notebook_did_save(ls: ShapelintServer, params: types.DidSaveNotebookDocumentParams) -> None:
    if ls.documents.is_notebook(params.notebook_document.uri):
        ls.scheduler.schedule(params.notebook_document.uri)


@server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
@guarded()
def notebook_did_close(ls: ShapelintServer, params: types.DidCloseNotebookDocumentParams) -> None:
    uri = params.notebook_document.uri
    cells = ls.documents.close_notebook(uri)
    ls.clear(uri, [*cells, *(item.uri for item in params.cell_text_documents)])


# Configuration --------------------------------------------------------------------------------
@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
@guarded()
async def did_change_configuration(ls: ShapelintServer, params: types.DidChangeConfigurationParams) -> None:
    section = settings_from_payload(params.settings)
    if section:
        if ls.apply_settings(section):
            ls.settings_changed()
    else:
        # An empty notification means "something changed, ask me" (the pull model).
        await ls.pull_settings()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
@guarded()
def did_change_watched_files(ls: ShapelintServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(is_pyproject(ls.path_of(change.uri)) for change in params.changes):
        ls.configs.forget()
        ls.reanalyze_all()
        return
    for change in params.changes:
        ls.reanalyze_importers(change.uri)


# Language features ----------------------------------------------------------------------------
@server.feature(types.TEXT_DOCUMENT_HOVER)
@guarded()
async def hover(ls: ShapelintServer, params: types.HoverParams) -> types.Hover | None:
    location = ls.documents.locate(params.text_document.uri)
    if location is None:
        return None
    result = await ls.scheduler.current(location.key, RESULT_WAIT_SECONDS)
    if result is None or result.analysis is None:
        return None
    state = convert.segment_of(result.snapshot, location.cell)
    position = convert.from_lsp_position(state, params.position, result.encoding) if state else None
    if state is None or position is None:
        return None
    shape = await ls.scheduler.on_engine(result.analysis.hover_at, position, location.cell)
    # A display preference switched off applies at once, before the re-analysis with the new settings lands
    # (as for inlay hints): the current settings and those of the analysis must both allow the summary.
    summary_allowed = ls.settings.model_summary_hover and result.settings.model_summary_hover
    if shape is not None and not summary_allowed and shape.kind == HoverKind.MODEL:
        shape = None
    here = diagnostics_at(result.analysis.diagnostics, position, location.cell)
    found = hover_markdown(shape, here, rule_docs)
    if found is None:
        return None
    text, span = found
    return types.Hover(
        contents=convert.markdown(text),
        range=convert.to_lsp_range(state, span, result.encoding) if span else None,
    )


@server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
@guarded(default=[])
async def inlay_hint(ls: ShapelintServer, params: types.InlayHintParams) -> list[types.InlayHint]:
    location = ls.documents.locate(params.text_document.uri)
    if location is None or not ls.settings.inlay_hints:
        return []
    result = await ls.scheduler.current(location.key, RESULT_WAIT_SECONDS)
    if result is None or result.analysis is None or not result.settings.inlay_hints:
        return []
    state = convert.segment_of(result.snapshot, location.cell)
    if state is None:
        return []
    first, last = params.range.start.line, params.range.end.line
    # Only the lines asked for (an editor asks for what it shows, after every change), on the engine thread.
    hints = await ls.scheduler.on_engine(hints_in_lines, result.analysis, location.cell, first, last)
    return [convert.to_lsp_inlay_hint(hint, state, result.encoding) for hint in hints]


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=list(code_actions.SUPPORTED_KINDS), resolve_provider=False),
)
@guarded(default=[])
async def code_action(ls: ShapelintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    location = ls.documents.locate(params.text_document.uri)
    if location is None:
        return []
    result = await ls.scheduler.current(location.key, RESULT_WAIT_SECONDS)
    if result is None or result.analysis is None:
        return []
    state = convert.segment_of(result.snapshot, location.cell)
    requested = convert.from_lsp_range(state, params.range, result.encoding) if state else None
    if requested is None:
        return []
    target = code_actions.EditTarget(
        result.encoding, ls.profile.document_changes, ls.profile.related_information, ls.profile.create_files
    )
    only = [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
    actions: list[types.CodeAction] = []
    if code_actions.kind_wanted(code_actions.QUICK_FIX_KIND, only):
        project = ls.project_file(location.key)
        actions.extend(
            code_actions.quick_fixes(
                result.snapshot, result.analysis.diagnostics, location.cell, requested, target, project
            )
        )
    if code_actions.kind_wanted(code_actions.FIX_ALL_KIND, only):
        fix_all = code_actions.fix_all(result.snapshot, result.analysis.diagnostics, target)
        if fix_all is not None:
            actions.append(fix_all)
    # Only when asked for by name: a plain `source` request must not get the notebook's action twice.
    if result.snapshot.notebook and only and code_actions.kind_wanted(code_actions.NOTEBOOK_FIX_ALL_KIND, only):
        notebook_fix_all = code_actions.fix_all(
            result.snapshot, result.analysis.diagnostics, target, code_actions.NOTEBOOK_FIX_ALL_KIND
        )
        if notebook_fix_all is not None:
            actions.append(notebook_fix_all)
    return actions


# Entry point ----------------------------------------------------------------------------------
class RoutineProtocolNoise(logging.Filter):
    """Drops pygls warnings about normal races, which editors show as errors (stderr).

    A client cancels a request the server has already answered all the time (a hover while
    typing): pygls then warns "Cancel notification for unknown message id". Kept at debug level.
    """

    ROUTINE = ("Cancel notification for unknown message id",)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and str(record.msg).startswith(self.ROUTINE):
            return logging.getLogger("shapelint").isEnabledFor(logging.DEBUG)
        return True


def configure_logging() -> None:
    """Log to stderr (editors show it in their output panel); never to stdout, the LSP channel."""
    level = os.environ.get("SHAPELINT_LOG_LEVEL", "INFO").upper()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RoutineProtocolNoise())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("shapelint").setLevel(level if level in logging._nameToLevel else "INFO")


def serve(*, tcp: str | None = None) -> None:
    """Run the language server on stdio, or on TCP ("HOST:PORT") for debugging."""
    configure_logging()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    if not server.shutdown_requested:
        # LSP: `exit` (or the client going away) without a prior `shutdown` ends with code 1.
        sys.exit(1)
