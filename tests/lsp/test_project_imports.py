"""The editor re-checks a document when a project module it imports changes: edited in its open
buffer (unsaved text wins over the disk), closed, or saved."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest_lsp
from lsp_support import (
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

DATA_MODULE = textwrap.dedent(
    """\
    import numpy as np

    def load_data():
        x = np.zeros((100, 28, 28, 1))
        y = np.zeros((100, {width}))
        return x, y
    """
)
TRAIN = textwrap.dedent(
    """\
    import keras
    from keras import layers
    from data import load_data

    x, y = load_data()
    model = keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(x, y)
    """
)


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, server_env=server_environment(), client_factory=make_client
    ),
)
async def client(lsp_client: LanguageClient, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(client_capabilities("visual-studio-code"), tmp_path))
    yield
    await lsp_client.shutdown_session()
    assert error_lines(lsp_client) == []


def codes(diagnostics) -> list[str]:
    return [str(diagnostic.code) for diagnostic in diagnostics]


async def test_editing_an_imported_module_republishes_the_importer(client: LanguageClient, tmp_path: Path) -> None:
    module_path = tmp_path / "data.py"
    module_path.write_text(DATA_MODULE.format(width=10))
    train_path = tmp_path / "train.py"
    train_path.write_text(TRAIN)
    train = open_file(client, train_path, TRAIN)
    assert await wait_for_diagnostics(client, train, version=1) == []

    # The module is opened and edited, unsaved: the labels get the wrong width.
    module = open_file(client, module_path, DATA_MODULE.format(width=10))
    count = recorder(client).published[train].count
    replace_text(client, module, DATA_MODULE.format(width=3), 2)
    found = await wait_for_diagnostics(client, train, after_count=count, until=lambda ds: codes(ds) == ["SL105"])
    assert codes(found) == ["SL105"]

    # Closing the buffer unsaved: the disk's text counts again.
    count = recorder(client).published[train].count
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=module))
    )
    assert await wait_for_diagnostics(client, train, after_count=count, until=lambda ds: not ds) == []

    # Saved from another editor: the importer is re-checked when the save is reported.
    module = open_file(client, module_path, DATA_MODULE.format(width=10), version=3)
    module_path.write_text(DATA_MODULE.format(width=4))
    replace_text(client, module, DATA_MODULE.format(width=4), 4)
    count = recorder(client).published[train].count
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=module))
    )
    found = await wait_for_diagnostics(client, train, after_count=count, until=lambda ds: codes(ds) == ["SL105"])
    assert codes(found) == ["SL105"]

    # Closed, then changed on disk: the editor's file watcher reports it.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=module))
    )
    module_path.write_text(DATA_MODULE.format(width=10) + "# fixed on disk\n")
    count = recorder(client).published[train].count
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=module_path.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert await wait_for_diagnostics(client, train, after_count=count, until=lambda ds: not ds) == []


LABELS_MODULE = textwrap.dedent(
    """\
    import numpy as np
    from helpers import WIDTH

    def load_data():
        x = np.zeros((100, 28, 28, 1))
        y = np.zeros((100, WIDTH))
        return x, y
    """
)


async def test_a_module_created_after_the_importer_was_checked_republishes_it(
    client: LanguageClient, tmp_path: Path
) -> None:
    # `data` imports `helpers`, which does not exist yet: the labels' width is unknown, nothing is said.
    (tmp_path / "data.py").write_text(LABELS_MODULE)
    train_path = tmp_path / "train.py"
    train_path.write_text(TRAIN)
    train = open_file(client, train_path, TRAIN)
    assert await wait_for_diagnostics(client, train, version=1) == []

    # helpers.py is created (by another editor, a git checkout): the file watcher reports it.
    helpers = tmp_path / "helpers.py"
    helpers.write_text("WIDTH = 3\n")
    count = recorder(client).published[train].count
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=helpers.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    found = await wait_for_diagnostics(client, train, after_count=count, until=lambda ds: codes(ds) == ["SL105"])
    assert codes(found) == ["SL105"]
