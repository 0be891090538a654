"""pd.read_excel of .xlsx workbooks: header labels from the sheet's first row, read from the zip's XML parts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from workspace_files import check_findings, check_untrusted_reads_nothing, described

_MAKE_DATA = Path(__file__).parents[1] / "fixtures" / "make_data.py"
_spec = importlib.util.spec_from_file_location("make_data", _MAKE_DATA)
assert _spec is not None and _spec.loader is not None
make_data = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_data)

TABLE: list[list[object]] = [["a", "b", "c", "label"], [1, 2, 3, 0], [4, 5, 6, 1]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    (data / "book.xlsx").write_bytes(make_data.xlsx_bytes({"first": [["note"], ["x"]], "table": TABLE}))
    (data / "inline.xlsx").write_bytes(make_data.xlsx_bytes({"s": TABLE}, shared=False))
    (data / "numbers.xlsx").write_bytes(make_data.xlsx_bytes({"s": [[1, 2], [3, 4]]}))
    (data / "wide.xlsx").write_bytes(make_data.xlsx_bytes({"s": [["a", "b"], [1, 2, 3]]}))  # data wider than header
    (data / "empty.xlsx").write_bytes(make_data.xlsx_bytes({"s": [["a", "b"]]}))
    (data / "damaged.xlsx").write_bytes(make_data.xlsx_bytes({"s": TABLE})[:-40])
    (data / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    return tmp_path


def frame(project: Path, call: str) -> str:
    return described(project, f"import pandas as pd\nx = {call}\n")


@pytest.mark.parametrize(
    ("call", "expected_frame"),
    [
        ("pd.read_excel('data/book.xlsx')", "DataFrame (n_book, 1): note"),  # the first sheet by default
        ("pd.read_excel('data/book.xlsx', sheet_name=1)", "DataFrame (n_book, 4): a, b, c, label"),
        ("pd.read_excel('data/book.xlsx', 'table')", "DataFrame (n_book, 4): a, b, c, label"),
        (
            "pd.read_excel('data/book.xlsx', sheet_name='table', usecols=['label', 'a'])",
            "DataFrame (n_book, 2): a, label",
        ),
        ("pd.read_excel('data/book.xlsx', sheet_name='table', index_col=0)", "DataFrame (n_book, 3): b, c, label"),
        ("pd.read_excel('data/book.xlsx', sheet_name='table', header=None)", "DataFrame (n_book, 4): 0, 1, 2, 3"),
        ("pd.read_excel('data/inline.xlsx')", "DataFrame (n_inline, 4): a, b, c, label"),
        ("pd.read_excel('data/empty.xlsx')", "DataFrame (None, 2): a, b"),  # no data row: no symbol
        ("pd.read_excel('data/book.xlsx', sheet_name='missing')", "unknown"),
        ("pd.read_excel('data/book.xlsx', sheet_name=None)", "unknown"),  # a dict of every sheet
        ("pd.read_excel('data/book.xlsx', sheet_name='table', header=1)", "unknown"),
        ("pd.read_excel('data/numbers.xlsx')", "unknown"),  # numbers as labels
        ("pd.read_excel('data/wide.xlsx')", "unknown"),  # pandas would add an unnamed column
        ("pd.read_excel('data/damaged.xlsx')", "unknown"),
        ("pd.read_excel('data/old.xls')", "unknown"),
        ("pd.read_excel('data/nowhere.xlsx')", "unknown"),
        ("pd.read_excel('data/book.xlsx', sheet_name='table', skiprows=2)", "unknown"),
    ],
)
def test_read_excel(project: Path, call: str, expected_frame: str) -> None:
    assert frame(project, call) == expected_frame


def test_nothing_is_read_in_an_untrusted_workspace(project: Path) -> None:
    check_untrusted_reads_nothing(project, "import pandas as pd\nx = pd.read_excel('data/book.xlsx', sheet_name=1)\n")


def test_a_rule_sees_the_columns_of_a_sheet(project: Path) -> None:
    code = (
        "import pandas as pd\nimport keras\n"
        "df = pd.read_excel('data/book.xlsx', sheet_name='table')\n"
        "x = df.values\n"
        "model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, df['label'].values)  # error: SL103\n"
        "model.fit(df.drop(columns='label').values, df['label'].values)\n"
    )
    check_findings(project, code)
