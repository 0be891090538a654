"""`shapelint server` end to end over stdio, as VS Code and Neovim (recorded capabilities) drive it."""

from __future__ import annotations

import asyncio
import copy
import textwrap
from pathlib import Path

import pytest
import pytest_lsp
from lsp_support import (
    FIXTURES,
    SERVER_COMMAND,
    apply_text_edits,
    edits_for,
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
from shapelint.rules import get_rule

CLIENTS = ["visual-studio-code", "neovim"]

# The seed's mistake: Input(shape=...) given the whole array's shape, sample count included.
SEED_BATCH_AXIS = textwrap.dedent(
    """\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    time_series_data = np.random.rand(1000, 50, 1)
    targets = np.random.rand(1000, 1)

    input_layer = keras.Input(shape=time_series_data.shape)
    recurrent_layer = layers.LSTM(32)(input_layer)
    output_layer = layers.Dense(1)(recurrent_layer)
    model = keras.Model(inputs=input_layer, outputs=output_layer)
    model.compile(optimizer="adam", loss="mse")
    model.fit(time_series_data, targets, epochs=2)
    """
)
SEED_BATCH_AXIS_LINE = 7

MNIST_CNN = textwrap.dedent(
    """\
    from tensorflow import keras
    from tensorflow.keras import layers

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255.0

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu")(inputs)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, epochs=1)
    """
)


def capabilities_of(name: str) -> types.ClientCapabilities:
    """The recorded capabilities; VS Code's recording predates notebook sync, which it has today."""
    capabilities = copy.deepcopy(client_capabilities(name))
    if capabilities.notebook_document is None:
        capabilities.notebook_document = types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities(dynamic_registration=False)
        )
    return capabilities


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, server_env=server_environment(), client_factory=make_client
    ),
    params=CLIENTS,
)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, tmp_path: Path):
    await lsp_client.initialize_session(initialize_params(capabilities_of(request.param), tmp_path))
    yield
    await lsp_client.shutdown_session()
    assert error_lines(lsp_client) == []


def codes(diagnostics) -> list[str]:
    return [str(diagnostic.code) for diagnostic in diagnostics]


# Diagnostics --------------------------------------------------------------------------------
async def test_seed_mistake_is_reported_with_code_docs_and_severity(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert codes(diagnostics) == ["SL101"]
    (diagnostic,) = diagnostics
    assert diagnostic.source == "shapelint"
    assert diagnostic.range.start.line == SEED_BATCH_AXIS_LINE
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code_description is not None and diagnostic.code_description.href.endswith("#sl101")
    assert "(1000, 50, 1)" in diagnostic.message


async def test_correct_program_has_no_diagnostics(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "mnist.py", MNIST_CNN)
    assert await wait_for_diagnostics(client, uri, version=1) == []


BUGGY = sorted((FIXTURES / "buggy").glob("*.py"))


async def test_buggy_fixtures_publish_what_the_engine_finds(client: LanguageClient, tmp_path: Path) -> None:
    """Every fixture through one server publishes exactly what the engine finds (rule suites check the engine)."""
    assert BUGGY, "the buggy fixture corpus is missing"
    opened = {fixture: open_file(client, tmp_path / fixture.name, fixture.read_text()) for fixture in BUGGY}
    for fixture, uri in opened.items():
        text = fixture.read_text()
        published = await wait_for_diagnostics(client, uri, version=1)
        engine = analyze(text)
        assert [(str(d.code), d.range.start.line) for d in published] == [
            (d.code, d.range.start.line) for d in engine.diagnostics
        ], fixture.name


async def test_edits_update_diagnostics_and_close_clears_them(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1, until=lambda ds: codes(ds) == ["SL101"])
    # An incremental edit at the mistake: `.shape` -> `.shape[1:]`.
    line = SEED_BATCH_AXIS.splitlines()[SEED_BATCH_AXIS_LINE]
    column = line.index(".shape") + len(".shape")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=SEED_BATCH_AXIS_LINE, character=column),
                        end=types.Position(line=SEED_BATCH_AXIS_LINE, character=column),
                    ),
                    text="[1:]",
                )
            ],
        )
    )
    assert await wait_for_diagnostics(client, uri, version=2) == []
    replace_text(client, uri, SEED_BATCH_AXIS, 3)
    assert codes(await wait_for_diagnostics(client, uri, version=3)) == ["SL101"]
    count = recorder(client).published[uri].count
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await wait_for_diagnostics(client, uri, after_count=count) == []


async def test_a_burst_of_edits_ends_with_diagnostics_for_the_last_version(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = open_file(client, tmp_path / "seed.py", MNIST_CNN)
    await wait_for_diagnostics(client, uri, version=1)
    versions = []
    for version in range(2, 30):
        text = SEED_BATCH_AXIS if version % 2 else MNIST_CNN
        replace_text(client, uri, text, version)
        versions.append(version)
    final = await wait_for_diagnostics(client, uri, version=versions[-1])
    assert codes(final) == ["SL101"]  # version 29 is the buggy text
    assert recorder(client).published[uri].version == versions[-1]


async def test_syntax_error_keeps_reporting_the_statements_that_parse(client: LanguageClient, tmp_path: Path) -> None:
    half_typed = SEED_BATCH_AXIS.replace("targets = np.random.rand(1000, 1)\n", "targets = np.random.rand(1000,\n")
    uri = open_file(client, tmp_path / "typing.py", half_typed)
    diagnostics = await wait_for_diagnostics(client, uri, version=1)
    assert "SL001" in codes(diagnostics)
    assert "SL101" in codes(diagnostics)


def type_at(client: LanguageClient, uri: str, version: int, line: int, character: int, text: str) -> None:
    """One keystroke (or paste) at a position, as an editor sends it."""
    where = types.Position(line=line, character=character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(range=types.Range(start=where, end=where), text=text)
            ],
        )
    )


async def test_a_new_syntax_error_waits_while_its_line_is_typed(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "typing.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    end = len(SEED_BATCH_AXIS.splitlines())
    # Typing `model.predict(` on a new last line: it does not parse until the `)` comes.
    type_at(client, uri, 2, end, 0, "model.predict(")
    started = asyncio.get_running_loop().time()
    first = await wait_for_diagnostics(client, uri, version=2)
    assert codes(first) == ["SL101"]  # the shape finding is shown at once, the syntax error is not
    later = await wait_for_diagnostics(client, uri, version=2, until=lambda ds: "SL001" in codes(ds))
    assert asyncio.get_running_loop().time() - started >= 0.5
    assert sorted(codes(later)) == ["SL001", "SL101"]
    # Finishing the statement in time: the error never shows.
    type_at(client, uri, 3, end, len("model.predict("), "time_series_data[:1])\n")
    type_at(client, uri, 4, end + 1, 0, "x = (")
    type_at(client, uri, 5, end + 1, len("x = ("), "1)")
    await wait_for_diagnostics(client, uri, version=5)
    await asyncio.sleep(1.5)
    shown = [codes(ds) for u, version, ds in recorder(client).history if u == uri and (version or 0) >= 4]
    assert all("SL001" not in c for c in shown), shown


# Code actions -------------------------------------------------------------------------------
async def request_actions(client: LanguageClient, uri: str, diagnostic: types.Diagnostic, only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
    )


async def test_quick_fix_is_preferred_and_gives_a_clean_file(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=1)
    actions = await request_actions(client, uri, diagnostic)
    preferred = [action for action in actions if action.is_preferred]
    assert len(preferred) == 1
    assert preferred[0].kind == types.CodeActionKind.QuickFix
    assert preferred[0].diagnostics and preferred[0].diagnostics[0].code == "SL101"
    fixed = apply_text_edits(SEED_BATCH_AXIS, edits_for(preferred[0].edit, uri))
    assert fixed != SEED_BATCH_AXIS
    replace_text(client, uri, fixed, 2)
    assert await wait_for_diagnostics(client, uri, version=2) == []


async def test_ignore_action_adds_noqa_and_silences_the_line(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=1)
    actions = await request_actions(client, uri, diagnostic, only=[types.CodeActionKind.QuickFix])
    (ignore,) = [action for action in actions if action.title == "Ignore SL101 on this line"]
    silenced = apply_text_edits(SEED_BATCH_AXIS, edits_for(ignore.edit, uri))
    assert silenced.splitlines()[SEED_BATCH_AXIS_LINE].endswith("# noqa: SL101")
    replace_text(client, uri, silenced, 2)
    assert await wait_for_diagnostics(client, uri, version=2) == []


async def test_fix_all_source_action(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=1)
    actions = await request_actions(client, uri, diagnostic, only=[types.CodeActionKind.SourceFixAll])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.shapelint"
    fixed = apply_text_edits(SEED_BATCH_AXIS, edits_for(fix_all.edit, uri))
    replace_text(client, uri, fixed, 2)
    assert await wait_for_diagnostics(client, uri, version=2) == []


async def test_ignore_in_pyproject_appends_to_the_project_ignore_list(client: LanguageClient, tmp_path: Path) -> None:
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "demo"\n\n[tool.shapelint]\nignore = ["SL201"]\n')
    uri = open_file(client, tmp_path / "src" / "seed.py", SEED_BATCH_AXIS)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=1)
    actions = await request_actions(client, uri, diagnostic, only=[types.CodeActionKind.QuickFix])
    (ignore,) = [action for action in actions if action.title == "Ignore SL101 in pyproject.toml"]
    edited = apply_text_edits(project.read_text(), edits_for(ignore.edit, project.as_uri()))
    assert edited.endswith('ignore = ["SL201", "SL101"]\n')


async def test_cancelling_an_answered_request_logs_nothing(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=987654))
    await hover_text(client, uri, SEED_BATCH_AXIS_LINE, 0)  # a round trip: the cancel was read before it
    await asyncio.sleep(0.2)
    assert not [line for line in recorder(client).stderr if "Cancel notification" in line]


# Hover and inlay hints ------------------------------------------------------------------------
async def hover_text(client: LanguageClient, uri: str, line: int, character: int) -> str | None:
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )
    if result is None:
        return None
    assert isinstance(result.contents, types.MarkupContent)
    return result.contents.value


async def test_hover_shows_shapes_model_summary_and_rule_docs(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    lines = SEED_BATCH_AXIS.splitlines()

    array = await hover_text(client, uri, 4, 2)
    assert array is not None and "(1000, 50, 1)" in array and "time_series_data" in array

    model_line = next(n for n, text in enumerate(lines) if text.startswith("model = "))
    summary = await hover_text(client, uri, model_line, 1)
    assert summary is not None and "LSTM" in summary and "Dense" in summary

    column = lines[SEED_BATCH_AXIS_LINE].index("time_series_data.shape") + 3
    docs = await hover_text(client, uri, SEED_BATCH_AXIS_LINE, column)
    assert docs is not None and "SL101" in docs
    rule_docs = get_rule("SL101")
    assert rule_docs is not None
    # The editor shows the message; the hover adds the rule's name and a link, not the message or docs again.
    assert f"**{rule_docs.code} {rule_docs.name}** · [rule docs](" in docs and "#sl101)" in docs
    assert "Why is this bad?" not in docs and "includes the sample axis" not in docs


async def test_hover_outside_the_document_or_on_nothing_is_empty(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    assert await hover_text(client, uri, 500, 3) is None
    assert await hover_text(client, uri, 3, 0) is None  # a blank line
    assert await hover_text(client, (tmp_path / "never-opened.py").as_uri(), 0, 0) is None


async def test_inlay_hints_show_each_layers_output_shape(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "mnist.py", MNIST_CNN)
    await wait_for_diagnostics(client, uri, version=1)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0)),
        )
    )
    labels = {hint.position.line: hint.label for hint in hints}
    lines = MNIST_CNN.splitlines()
    conv = next(n for n, text in enumerate(lines) if "Conv2D" in text)
    assert labels[conv] == "→ (None, 26, 26, 32)"
    assert hints[0].position.character == len(lines[hints[0].position.line])  # at the end of the line


# Configuration --------------------------------------------------------------------------------
async def test_configuration_changes_take_effect(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1, until=lambda ds: codes(ds) == ["SL101"])

    # Pull model: the client answers workspace/configuration with the new values.
    client.set_configuration({"severity": {"SL101": "hint"}}, section="shapelint")
    count = recorder(client).published[uri].count
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    (diagnostic,) = await wait_for_diagnostics(client, uri, after_count=count)
    assert diagnostic.severity == types.DiagnosticSeverity.Hint

    # Push model: the settings come in the notification itself.
    count = recorder(client).published[uri].count
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"ignore": ["SL101"]}})
    )
    assert await wait_for_diagnostics(client, uri, after_count=count) == []

    count = recorder(client).published[uri].count
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"enable": True}})
    )
    assert codes(await wait_for_diagnostics(client, uri, after_count=count)) == ["SL101"]


async def test_a_broken_setting_is_reported_and_the_previous_ones_kept(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"severity": {"SL101": "catastrophic"}}})
    )
    replace_text(client, uri, SEED_BATCH_AXIS + "\n", 2)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=2)
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert any("catastrophic" in message.message for message in client.messages)


async def test_pyproject_configuration_and_its_changes(client: LanguageClient, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.shapelint]\nseverity = { SL101 = "warning" }\n')
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    (diagnostic,) = await wait_for_diagnostics(client, uri, version=1)
    assert diagnostic.severity == types.DiagnosticSeverity.Warning

    pyproject.write_text('[tool.shapelint]\nignore = ["SL101"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    # Clients that do not watch files are covered by the server's own polling.
    assert await wait_for_diagnostics(client, uri, until=lambda ds: not ds, timeout=10) == []

    # Editor settings win over pyproject.toml.
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"select": ["SL1"], "ignore": ["SL2"]}})
    )
    assert codes(await wait_for_diagnostics(client, uri, until=lambda ds: len(ds) > 0)) == ["SL101"]


# Notebooks --------------------------------------------------------------------------------------
NOTEBOOK_CELLS = [
    "import numpy as np\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n\n"
    "x_train = np.random.rand(1000, 50, 1)\ny_train = np.random.rand(1000, 1)\n",
    "# Training data\n\nThe model reads sequences of 50 steps.",
    "inputs = keras.Input(shape=x_train.shape)\nhidden = layers.LSTM(8)(inputs)\n"
    "outputs = layers.Dense(1)(hidden)\nmodel = keras.Model(inputs, outputs)\n",
]


NEW_CELL_WITH_MISTAKE = "again = keras.Input(x_train.shape)\n"


async def test_notebook_cell_two_uses_an_array_from_cell_one(client: LanguageClient, tmp_path: Path) -> None:
    notebook_uri = (tmp_path / "train.ipynb").as_uri()
    cell_uris = [f"vscode-notebook-cell:{tmp_path / 'train.ipynb'}#cell{index}" for index in range(3)]
    kinds = [types.NotebookCellKind.Code, types.NotebookCellKind.Markup, types.NotebookCellKind.Code]
    languages = ["python", "markdown", "python"]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=kind, document=uri) for kind, uri in zip(kinds, cell_uris)],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)
                for uri, language, text in zip(cell_uris, languages, NOTEBOOK_CELLS)
            ],
        )
    )
    diagnostics = await wait_for_diagnostics(client, cell_uris[2], until=lambda ds: len(ds) > 0)
    assert codes(diagnostics) == ["SL101"]
    assert diagnostics[0].range.start.line == 0  # cell-relative
    assert await wait_for_diagnostics(client, cell_uris[0]) == []

    hover = await hover_text(client, cell_uris[2], 0, 30)
    assert hover is not None and "SL101" in hover
    shape = await hover_text(client, cell_uris[0], 4, 2)
    assert shape is not None and "(1000, 50, 1)" in shape

    # Fix cell 2 in place: the diagnostic goes away for the same notebook.
    fixed = NOTEBOOK_CELLS[2].replace("x_train.shape", "x_train.shape[1:]")
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell_uris[2], version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
                        )
                    ]
                )
            ),
        )
    )
    assert await wait_for_diagnostics(client, cell_uris[2], version=2) == []

    # A new code cell between cells 1 and 2, then its removal: diagnostics follow the cell.
    new_cell = f"vscode-notebook-cell:{tmp_path / 'train.ipynb'}#cell9"
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=3),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(
                            start=2,
                            delete_count=0,
                            cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=new_cell)],
                        ),
                        did_open=[
                            types.TextDocumentItem(
                                uri=new_cell, language_id="python", version=1, text=NEW_CELL_WITH_MISTAKE
                            )
                        ],
                    )
                )
            ),
        )
    )
    assert codes(await wait_for_diagnostics(client, new_cell, until=lambda ds: len(ds) > 0)) == ["SL101"]
    count = recorder(client).published[new_cell].count
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=notebook_uri, version=4),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(start=2, delete_count=1),
                        did_close=[types.TextDocumentIdentifier(uri=new_cell)],
                    )
                )
            ),
        )
    )
    assert await wait_for_diagnostics(client, new_cell, after_count=count) == []

    count = recorder(client).published[cell_uris[2]].count
    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=notebook_uri),
            cell_text_documents=[types.TextDocumentIdentifier(uri=uri) for uri in cell_uris],
        )
    )
    assert await wait_for_diagnostics(client, cell_uris[2], after_count=count) == []


async def test_inlay_hints_and_model_summary_can_be_switched_off(client: LanguageClient, tmp_path: Path) -> None:
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    model_line = next(n for n, text in enumerate(SEED_BATCH_AXIS.splitlines()) if text.startswith("model = "))
    assert "LSTM" in (await hover_text(client, uri, model_line, 1) or "")

    count = recorder(client).published[uri].count
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"inlayHints": False, "modelSummaryHover": False}})
    )
    # Same version, same diagnostics: nothing is published again, so wait for the hints to go.
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        hints = await client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=99, character=0)),
            )
        )
        if not hints or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert not hints
    assert recorder(client).published[uri].count == count
    assert "LSTM" not in (await hover_text(client, uri, model_line, 1) or "")
    # Shapes of arrays are still shown.
    assert "(1000, 50, 1)" in (await hover_text(client, uri, 4, 2) or "")


@pytest.mark.tensorflow
async def test_tensorflow_confirmation_republishes_for_the_same_version(client: LanguageClient, tmp_path: Path) -> None:
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"confirm": "auto"}})
    )
    uri = open_file(client, tmp_path / "seed.py", SEED_BATCH_AXIS)
    await wait_for_diagnostics(client, uri, version=1)
    (confirmed,) = await wait_for_diagnostics(
        client, uri, version=1, until=lambda ds: any((d.data or {}).get("confirmed") for d in ds), timeout=180
    )
    assert confirmed.code == "SL101"
    assert recorder(client).published[uri].version == 1
    window = client.capabilities.window if client.capabilities else None
    if window is not None and window.work_done_progress:
        # TensorFlow's start-up is shown as a work-done progress that begins and ends.
        def reports() -> list[object]:
            return [r for reports in client.progress_reports.values() for r in reports]

        for _ in range(100):  # the end follows the republished diagnostics closely
            if "end" in [getattr(r, "kind", None) for r in reports()]:
                break
            await asyncio.sleep(0.05)
        kinds = [getattr(r, "kind", None) for r in reports()]
        messages = [getattr(r, "message", "") or "" for r in reports()]
        assert kinds.index("begin") < kinds.index("end")
        assert any("Starting TensorFlow" in m for m in messages)


BUGGY_NOTEBOOK = FIXTURES.parent / "notebooks" / "buggy" / "mnist_predict_one_image.ipynb"


@pytest.mark.tensorflow
async def test_tensorflow_confirmation_reaches_a_notebook_cell(client: LanguageClient, tmp_path: Path) -> None:
    from shapelint.notebook import read_notebook

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"shapelint": {"confirm": "auto"}})
    )
    cells = read_notebook(BUGGY_NOTEBOOK.read_text()).code_cells
    notebook_uri = (tmp_path / BUGGY_NOTEBOOK.name).as_uri()
    cell_uris = [f"vscode-notebook-cell:{tmp_path / BUGGY_NOTEBOOK.name}#cell{index}" for index in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=uri) for uri in cell_uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
                for uri, text in zip(cell_uris, cells)
            ],
        )
    )
    marked = next(index for index, text in enumerate(cells) if "# error: SL108" in text)
    (static,) = await wait_for_diagnostics(client, cell_uris[marked], until=lambda ds: len(ds) > 0)
    assert static.code == "SL108" and not (static.data or {}).get("confirmed")
    (confirmed,) = await wait_for_diagnostics(
        client, cell_uris[marked], until=lambda ds: any((d.data or {}).get("confirmed") for d in ds), timeout=180
    )
    assert confirmed.code == "SL108" and confirmed.range == static.range
    assert "Confirmed by TensorFlow 2." in confirmed.message


IPYTHON_CELLS = [
    "!pip install -q tensorflow \\\n    keras\n%matplotlib inline\nimport numpy as np\nfrom tensorflow import keras\n"
    "x = np.zeros((100, 784))\nmodel.fit?\n",
    "    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10)])\n    files = !ls\n",
    "%%time\n%time prediction = model.predict(x[0])\n",
]


async def test_notebook_with_ipython_syntax_reports_on_the_written_characters(
    client: LanguageClient, tmp_path: Path
) -> None:
    notebook_uri = (tmp_path / "ipython.ipynb").as_uri()
    cell_uris = [f"vscode-notebook-cell:{tmp_path / 'ipython.ipynb'}#cell{index}" for index in range(3)]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=uri) for uri in cell_uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
                for uri, text in zip(cell_uris, IPYTHON_CELLS)
            ],
        )
    )
    diagnostics = await wait_for_diagnostics(client, cell_uris[2], until=lambda ds: len(ds) > 0)
    assert codes(diagnostics) == ["SL108"]  # and no SL001 for the magics
    column = IPYTHON_CELLS[2].splitlines()[1].index("x[0]")
    assert (diagnostics[0].range.start.line, diagnostics[0].range.start.character) == (1, column)
    assert diagnostics[0].range.end.character == column + len("x[0]")
    assert await wait_for_diagnostics(client, cell_uris[0]) == []
    assert await wait_for_diagnostics(client, cell_uris[1]) == []
    shape = await hover_text(client, cell_uris[2], 1, column + 1)
    assert shape is not None and "(100, 784)" in shape
    model = await hover_text(client, cell_uris[1], 0, 6)  # `model` in the indented cell
    assert model is not None and "Dense" in model
