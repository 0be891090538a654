"""Symbolic row counts: a size nobody knows, shared by every array derived from one source.

The dim stays `None` (so every rule keeps treating it as unknown); the symbol beside it only lets
symbol-aware operations prove sizes equal (`reshape(len(x), ...)`) and keeps `x` and `y` of one
file tied through slicing, `len`, `np.zeros((len(x), k))` and `train_test_split`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import analyze
from shapelint.shapes import ReshapeError, Shape, Symbol, broadcast, concatenate, format_shape, join, reshape
from shapelint.values import UNKNOWN, Seq, SymbolicInt, Value, int_tuple, shape_tuple

N = Symbol("rows:a.csv", "n_a")
M = Symbol("rows:b.csv", "n_b")


def rows(symbol: Symbol, *rest: int | None) -> Shape:
    return Shape((None, *rest), (symbol, *([None] * len(rest))))


# The shape domain -------------------------------------------------------------------------------


def test_a_symbolic_dim_is_none_to_code_that_does_not_know_symbols() -> None:
    shape = rows(N, 8)
    assert shape.dims == (None, 8)
    assert shape[0] is None and shape.size is None and not shape.fully_known
    assert shape == Shape.of(None, 8)  # equality (and hashing) by dims, as before symbols existed
    assert hash(shape) == hash(Shape.of(None, 8))
    assert format_shape(shape) == "(n_a, 8)"


def test_a_symbol_never_names_a_known_dim() -> None:
    assert Shape((5, None), (N, None)).symbols is None
    assert Shape((5, None), (N, M)).symbols == (None, M)


def test_symbols_are_equal_only_when_they_are_the_same_source() -> None:
    assert Symbol("rows:a.csv", "n_a") == N
    assert Symbol("rows:a.csv", "other name") == N  # the name is for display only
    assert N != M


def test_join_keeps_a_shared_symbol_and_drops_different_ones() -> None:
    assert join(rows(N, 8), rows(N, 8)).symbols == (N, None)
    assert join(rows(N, 8), rows(M, 8)).symbols is None
    assert join(rows(N, 8), Shape.of(None, 8)).symbols is None


def test_broadcast_keeps_the_rows_against_size_one_or_the_same_symbol_only() -> None:
    assert broadcast(rows(N, 8), Shape.of(8)).symbols == (N, None)
    assert broadcast(rows(N, 8), Shape.of(1, 8)).symbols == (N, None)
    assert broadcast(rows(N, 8), rows(N, 1)).symbols == (N, None)
    assert broadcast(rows(N, 8), Shape.of(None, 8)).symbols is None  # the other may be 1 or N: unknown


def test_concatenate_keeps_the_rows_of_one_source_side_by_side() -> None:
    joined = concatenate([rows(N, 8), rows(N, 2)], axis=1)
    assert joined is not None and joined.dims == (None, 10) and joined.symbols == (N, None)
    other = concatenate([rows(N, 8), rows(M, 2)], axis=1)
    assert other is not None and other.symbols is None
    stacked = concatenate([rows(N, 8), rows(N, 8)], axis=0)
    assert stacked is not None and stacked.symbols is None  # 2N rows: not N


def test_reshape_with_the_same_symbol_compares_the_sizes_per_row() -> None:
    assert reshape(rows(N, 784), (None, 28, 28, 1), (N, None, None, None)).symbols == (N, None, None, None)
    with pytest.raises(ReshapeError, match="n_a rows of 784 elements each, not 2352"):
        reshape(rows(N, 784), (None, 28, 28, 3), (N, None, None, None))


def test_reshape_minus_one_becomes_the_symbol_when_the_rest_matches() -> None:
    result = reshape(rows(N, 784), (-1, 28, 28, 1))
    assert result.dims == (None, 28, 28, 1) and result.symbols == (N, None, None, None)
    known = reshape(rows(N, 8), (None, -1), (N, None))
    assert known.dims == (None, 8) and known.symbols == (N, None)
    with pytest.raises(ReshapeError):
        reshape(rows(N, 8), (None, -1, 3), (N, None, None))  # 8 is not a multiple of 3


def test_reshape_stays_silent_when_only_the_value_of_the_symbol_decides() -> None:
    assert reshape(rows(N, 784), (-1, 28, 28, 3)).dims == (None, 28, 28, 3)  # N a multiple of 3 works
    assert reshape(rows(N, 784), (-1, 28, 28, 3)).symbols is None
    assert reshape(rows(N, 8), (-1, 16)).symbols is None  # N / 2 rows: unknown
    assert reshape(rows(N, 8), (None, 4), (M, None)).symbols == (M, None)  # another file: not comparable
    assert reshape(rows(N, 8), (100, 8)).dims == (100, 8)  # N may be 100


def test_shape_arguments_read_symbolic_ints_as_unknown_dims_with_their_symbol() -> None:
    value = Seq((SymbolicInt(N), UNKNOWN, UNKNOWN))
    assert int_tuple(value) == (None, None, None)
    assert int_tuple(value, allow_none=False) is None
    built = shape_tuple(Seq((SymbolicInt(N), UNKNOWN)))
    assert built is not None and built.symbols == (N, None)


# Through the engine -----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    rows = [",".join(str(i * 10 + c) for c in range(9)) for i in range(6)]
    (data / "table.csv").write_text("\n".join(rows) + "\n")
    (data / "other.csv").write_text("\n".join(rows) + "\n")
    header = "a,b,c,d,label\n" + "\n".join(f"{i},{i},{i},{i},{i % 2}" for i in range(6)) + "\n"
    (data / "frame.csv").write_text(header)
    return tmp_path


def run(project: Path, code: str) -> tuple[dict[str, Value], list[str]]:
    analysis = analyze(code, Config(), path=str(project / "train.py"), root=str(project))
    assert not analysis.facts.internal_errors
    found = [f"{d.code}@{d.range.start.line + 1}" for d in analysis.diagnostics]
    return dict(analysis.facts.module_names), found


def describe(project: Path, code: str) -> dict[str, str]:
    return {name: value.describe() for name, value in run(project, code)[0].items()}


LOADTXT = "import numpy as np\ndata = np.loadtxt('data/table.csv', delimiter=',')\nx = data[:, :8]\ny = data[:, 8]\n"


def test_columns_sliced_from_one_file_share_its_rows(project: Path) -> None:
    found = describe(project, LOADTXT + "n = len(x)\nm = y.shape[0]\nz = np.zeros((len(x), 10))\nw = x / 255.0\n")
    assert found["x"] == "ndarray (n_table, 8) float64"
    assert found["y"] == "ndarray (n_table,) float64"
    assert found["n"] == found["m"] == "n_table"
    assert found["z"] == "ndarray (n_table, 10) float64"
    assert found["w"] == "ndarray (n_table, 8) float64"


def test_rows_selected_by_a_slice_or_a_mask_lose_the_symbol(project: Path) -> None:
    found = describe(project, LOADTXT + "a = x[:3]\nb = x[1:]\nc = x[y > 0]\nd = np.concatenate([x, x])\n")
    assert found["a"] == found["b"] == "ndarray (None, 8) float64"
    assert found["d"] == "ndarray (None, 8) float64"
    assert found["c"] == "unknown"


def test_two_files_have_two_symbols(project: Path) -> None:
    code = LOADTXT + "other = np.loadtxt('data/other.csv', delimiter=',')\n"
    assert describe(project, code)["other"] == "ndarray (n_other, 9) float64"
    code += "x2 = x.reshape(len(other), 4, 4)\n"  # other's rows are not x's: nothing to prove
    values, found = run(project, code)
    assert found == [] and values["x2"].describe() == "ndarray (n_other, 4, 4) float64"


def test_reshape_with_len_of_the_same_rows_is_checked(project: Path) -> None:
    values, found = run(project, LOADTXT + "good = x.reshape(len(x), 4, 2)\nbad = x.reshape(len(x), 4, 4)\n")
    assert values["good"].describe() == "ndarray (n_table, 4, 2) float64"
    assert found == ["SL110@6"]


def test_reshape_minus_one_keeps_the_rows(project: Path) -> None:
    found = describe(
        project, LOADTXT + "a = x.reshape(-1, 8, 1)\nb = x.reshape(-1, 16)\nc = np.reshape(x, (-1, 2, 4))\n"
    )
    assert found["a"] == "ndarray (n_table, 8, 1) float64"
    assert found["b"] == "ndarray (None, 16) float64"  # N / 2 rows
    assert found["c"] == "ndarray (n_table, 2, 4) float64"


def test_pandas_rows_flow_through_pop_values_and_len(project: Path) -> None:
    code = (
        "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('data/frame.csv')\n"
        "y = df.pop('label').values\nx = df.values\nn = len(df)\nrows, cols = df.shape\n"
        "kept = df.dropna().values\n"
    )
    found = describe(project, code)
    assert found["x"].startswith("ndarray (n_frame, 4)")
    assert found["y"].startswith("ndarray (n_frame,)")
    assert found["n"] == found["rows"] == "n_frame"
    assert found["kept"].startswith("ndarray (None, 4)")  # dropna may drop rows


def test_train_test_split_gives_each_part_a_symbol_shared_by_all_its_arrays(project: Path) -> None:
    code = LOADTXT + (
        "from sklearn.model_selection import train_test_split\n"
        "x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2)\n"
        "a_train, a_test = train_test_split(x, test_size=2)\n"
    )
    found = describe(project, code)
    assert found["x_train"] == "ndarray (n_table_train, 8) float64"
    assert found["y_train"] == "ndarray (n_table_train,) float64"
    assert found["x_test"] == "ndarray (n_table_test, 8) float64"
    assert found["a_test"] == "ndarray (2, 8) float64"  # an int test_size is a count
    assert found["a_train"] == "ndarray (n_table_train, 8) float64"
    values, _ = run(project, code)
    x_train, a_train = values["x_train"], values["a_train"]
    assert x_train.shape.symbol(0) != a_train.shape.symbol(0)  # type: ignore[attr-defined]


def test_a_function_summary_is_not_shared_between_arrays_of_different_files(project: Path) -> None:
    code = (
        "import numpy as np\n"
        "def features(t):\n    return t[:, :8]\n"
        "a = features(np.loadtxt('data/table.csv', delimiter=','))\n"
        "b = features(np.loadtxt('data/other.csv', delimiter=','))\n"
    )
    found = describe(project, code)
    assert found["a"] == "ndarray (n_table, 8) float64"
    assert found["b"] == "ndarray (n_other, 8) float64"


def test_feeding_rows_of_a_file_with_labels_of_a_literal_count_is_not_a_finding(project: Path) -> None:
    # N rows against 100 labels may agree: a symbol proves equality, never a difference.
    code = LOADTXT + (
        "import keras\nlabels = np.zeros((100,))\n"
        "model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\nmodel.fit(x, labels)\nmodel.fit(x, y)\n"
    )
    assert run(project, code)[1] == []


def test_a_per_sample_mismatch_is_still_found_on_symbolic_rows(project: Path) -> None:
    code = LOADTXT + (
        "import keras\n"
        "model = keras.Sequential([keras.Input(shape=(9,)), keras.layers.Dense(1, activation='sigmoid')])\n"
        "model.compile(loss='binary_crossentropy')\nmodel.fit(x, y)\n"
    )
    assert run(project, code)[1] == ["SL103@8"]


def test_hovers_name_the_symbol(project: Path) -> None:
    code = LOADTXT + "n = len(x)\nsize = x.shape\n"
    analysis = analyze(code, Config(), path=str(project / "train.py"), root=str(project))
    hover = analysis.hover_at(Position(2, 0))
    assert hover is not None and hover.markdown == "`x`: ndarray (n_table, 8) float64"
    count = analysis.hover_at(Position(4, 0))
    assert count is not None and count.markdown.startswith("`n`: int `n_table`")
    shape = analysis.hover_at(Position(5, 0))
    assert shape is not None and shape.markdown.startswith("`size`: tuple (n_table, 8)")
