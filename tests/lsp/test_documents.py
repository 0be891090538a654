"""Document state: incremental edits in every position encoding give the text the client has."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapelint.lsp.documents import ClientPosition, DocumentStore, NotebookCell, TextChange, TextState
from shapelint.lsp.encoding import ColumnEncoding, client_column, code_point_column
from shapelint.source import split_lines

UTF16 = ColumnEncoding.UTF16
# Text with the characters that break naive line or column handling: CRLF, CR, emoji
# (two UTF-16 units), accented letters, form feed and a Unicode line separator (not LSP line breaks).
TRICKY = st.text(alphabet=st.sampled_from(list("ab(x)\n\r\t é😋\x0c\u2028#")), max_size=40)


def client_position(text: str, offset: int, encoding: ColumnEncoding) -> ClientPosition:
    """The LSP position of a code-point offset, computed independently of the store."""
    line, line_start, index = 0, 0, 0
    while index < offset:
        char = text[index]
        if char == "\r" and index + 1 < len(text) and text[index + 1] == "\n" and index + 1 < offset:
            index += 2
            line, line_start = line + 1, index
            continue
        if char in "\r\n":
            line, line_start = line + 1, index + 1
        index += 1
    prefix = text[line_start:offset]
    if encoding is ColumnEncoding.UTF16:
        return ClientPosition(line, len(prefix.encode("utf-16-le")) // 2)
    if encoding is ColumnEncoding.UTF8:
        return ClientPosition(line, len(prefix.encode("utf-8")))
    return ClientPosition(line, len(prefix))


def splits_crlf(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"


@given(TRICKY, st.data(), st.sampled_from(list(ColumnEncoding)))
def test_incremental_change_matches_string_splice(text: str, data: st.DataObject, encoding: ColumnEncoding) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    # A position cannot point between \r and \n: LSP has no such position.
    if splits_crlf(text, start) or splits_crlf(text, end):
        return
    inserted = data.draw(TRICKY)
    state = TextState.of("file:///t.py", 1, text)
    changed = state.changed(
        2,
        [TextChange(inserted, client_position(text, start, encoding), client_position(text, end, encoding))],
        encoding,
    )
    expected = text[:start] + inserted + text[end:]
    assert changed.text == expected
    # The line list must stay exactly LSP's, or the next edit's positions land elsewhere.
    assert changed.lines == tuple(split_lines(expected))
    assert changed.version == 2
    assert changed.revision > state.revision


@pytest.mark.parametrize("encoding", list(ColumnEncoding))
def test_inserting_a_newline_after_a_carriage_return_fuses_the_line_break(encoding: ColumnEncoding) -> None:
    for text, start, inserted in [("a\r", 2, "\nb"), ("a\r", 2, "\n"), ("x\r\ny", 1, ""), ("ab\nc", 1, "\r")]:
        state = TextState.of("file:///t.py", 1, text)
        position = client_position(text, start, encoding)
        changed = state.changed(2, [TextChange(inserted, position, position)], encoding)
        expected = text[:start] + inserted + text[start:]
        assert changed.lines == tuple(split_lines(expected)), (text, start, inserted)


def test_full_change_replaces_the_text() -> None:
    state = TextState.of("file:///t.py", 1, "a\nb\n").changed(2, [TextChange("new\n")], UTF16)
    assert state.text == "new\n"


def test_out_of_range_change_is_clamped_to_the_end() -> None:
    state = TextState.of("file:///t.py", 1, "a\n")
    changed = state.changed(2, [TextChange("z", ClientPosition(99, 5), ClientPosition(120, 0))], UTF16)
    assert changed.text == "a\nz"


def test_columns_convert_both_ways_around_an_emoji() -> None:
    line = 'x = "😋", y'
    assert client_column(line, 6, UTF16) == 7  # the emoji is two UTF-16 units
    assert code_point_column(line, 7, UTF16) == 6
    assert client_column(line, 6, ColumnEncoding.UTF8) == 9
    assert code_point_column(line, 500, UTF16) == len(line)


def test_changes_to_unknown_documents_are_reported_not_raised() -> None:
    store = DocumentStore()
    assert store.change_text("file:///missing.py", 3, [TextChange("x")], UTF16) is None
    assert store.snapshot("file:///missing.py") is None
    assert store.locate("file:///missing.py") is None


def test_notebook_snapshot_holds_python_code_cells_in_order() -> None:
    store = DocumentStore()
    cells = [
        NotebookCell("cell:1", True),
        NotebookCell("cell:md", False),
        NotebookCell("cell:2", True),
    ]
    store.open_notebook(
        "file:///n.ipynb",
        1,
        cells,
        [("cell:1", 1, "a = 1\n", "python"), ("cell:md", 1, "# title", "markdown"), ("cell:2", 1, "b = a\n", "python")],
    )
    snapshot = store.snapshot("file:///n.ipynb")
    assert snapshot is not None and snapshot.notebook
    assert snapshot.texts == ("a = 1\n", "b = a\n")
    location = store.locate("cell:2")
    assert location is not None and (location.key, location.cell) == ("file:///n.ipynb", 1)
    assert store.locate("cell:md") is None

    before = store.revision("file:///n.ipynb")
    assert store.change_text("cell:2", 2, [TextChange("c = a\n")], UTF16) == "file:///n.ipynb"
    assert (store.revision("file:///n.ipynb") or 0) > (before or 0)

    # Delete the first cell: the remaining code cell becomes code cell 0.
    store.change_notebook_structure("file:///n.ipynb", 2, start=0, delete_count=1, closed=["cell:1"])
    location = store.locate("cell:2")
    assert location is not None and location.cell == 0
    assert set(store.close_notebook("file:///n.ipynb")) == {"cell:md", "cell:2"}
    assert store.open_keys() == ()
