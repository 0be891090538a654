"""pandas: DataFrames whose columns are known, from `pd.read_csv` headers to the arrays fed to Keras.

A `DataFrameValue` knows its columns (an ordered tuple of names) and, when the whole file was
read, each column's distinct values (`levels`) and dtype; the row count of a file is unknown
(None). Every operation that cannot say what it keeps answers UNKNOWN. Methods that change
a frame in place (`pop`, `drop(..., inplace=True)`, `df["c"] = ...`, `del df["c"]`) rebind
the names bound to it through `ev.mutate`, so a branch that mutates a frame joins honestly.

    df = pd.read_csv("data/iris.csv")           # columns from the header line
    y = pd.get_dummies(df.pop("species"))       # 3 columns: the distinct values, file read whole
    X = df.values                               # (None, 4)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, replace

from shapelint.calls import CallArgs
from shapelint.data_headers import parse_number, split_fields, text_lines
from shapelint.knowledge.data_files import read_text_head, rows_symbol
from shapelint.knowledge.paths import path_text
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.shapes import Dim, Shape, Symbol, format_dims, format_shape
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    DictValue,
    ObjectValue,
    Seq,
    Value,
    const_int,
    const_str,
    dim_value,
)

Name = object  # a column label: a string, or an int when the file has no header
_NA = frozenset(
    (
        "",
        *[
            "#N/A",
            "#N/A N/A",
            "#NA",
            "-1.#IND",
            "-1.#QNAN",
            "-NaN",
            "-nan",
            "1.#IND",
            "1.#QNAN",
            "<NA>",
            "N/A",
            "NA",
            "NULL",
            "NaN",
            "None",
            "n/a",
            "nan",
            "null",
        ],
    )
)  # pandas' default na_values
_INDEX = "pandas.Index"
_ILOC = "pandas.DataFrame.iloc"
_LOC = "pandas.DataFrame.loc"


@dataclass(frozen=True)
class DataFrameValue(Value):
    """A pandas DataFrame: its columns in order (None: unknown) and its row count (None: unknown).

    `levels` and `dtypes`, aligned with `columns`, are known only when every row was read.
    """

    columns: tuple[Name, ...] | None
    rows: Dim = None
    levels: tuple[frozenset[object] | None, ...] | None = None
    dtypes: tuple[str | None, ...] | None = None
    row_symbol: Symbol | None = None  # the rows of the file it was read from, when `rows` is None

    @property
    def row_shape(self) -> Shape:
        """The row axis as a 1-D shape, with its symbol."""
        return Shape((self.rows,), (self.row_symbol,))

    def as_array(self) -> ArrayValue | None:
        """`np.asarray(df)` / `df.values`: one column per column, one row per row."""
        if self.columns is None:
            return None
        known = set(self.dtypes or (None,))
        dtype = known.pop() if len(known) == 1 else None
        shape = Shape((self.rows, len(self.columns)), (self.row_symbol, None))
        return ArrayValue(shape, dtype if dtype != "object" else None)

    def column(self, name: Name) -> SeriesValue | None:
        if self.columns is None or self.columns.count(name) != 1:
            return None
        index = self.columns.index(name)
        levels = self.levels[index] if self.levels is not None else None
        dtype = self.dtypes[index] if self.dtypes is not None else None
        return SeriesValue(name, self.rows, levels, dtype, self.row_symbol)

    def keep(self, positions: Iterable[int]) -> DataFrameValue:
        """The frame with only the columns at `positions`, in that order."""
        assert self.columns is not None
        chosen = list(positions)
        return DataFrameValue(
            tuple(self.columns[i] for i in chosen),
            self.rows,
            tuple(self.levels[i] for i in chosen) if self.levels is not None else None,
            tuple(self.dtypes[i] for i in chosen) if self.dtypes is not None else None,
            self.row_symbol,
        )

    def rows_changed(self) -> DataFrameValue:
        """The same columns after rows were filtered, sampled or filled: distinct values unknown."""
        return DataFrameValue(self.columns, None, None, self.dtypes)

    def describe(self) -> str:
        if self.columns is None:
            return "DataFrame (columns unknown)"
        rows = format_dims(self.row_shape.dims or (None,), self.row_shape.symbols)[1:-2]
        listed = ", ".join(map(str, self.columns[:8])) + (", ..." if len(self.columns) > 8 else "")
        return f"DataFrame ({rows}, {len(self.columns)}): {listed}"


@dataclass(frozen=True)
class SeriesValue(Value):
    """A pandas Series: one column (or one row) of a frame."""

    name: Name | None
    rows: Dim = None
    levels: frozenset[object] | None = None  # distinct values, when every row was read
    dtype: str | None = None
    row_symbol: Symbol | None = None  # the rows of the file it was read from, when `rows` is None

    @property
    def row_shape(self) -> Shape:
        return Shape((self.rows,), (self.row_symbol,))

    def as_array(self) -> ArrayValue | None:
        return ArrayValue(self.row_shape, self.dtype if self.dtype != "object" else None)

    def describe(self) -> str:
        return f"Series {format_shape(self.row_shape)}"


# Reading CSV headers ---------------------------------------------------------------------------

# Keyword arguments of read_csv that do not change which columns come back.
_HARMLESS = frozenset(
    [
        "encoding",
        "low_memory",
        "engine",
        "dtype",
        "na_values",
        "keep_default_na",
        "nrows",
        "skipfooter",
        "thousands",
        "decimal",
        "quotechar",
        "skipinitialspace",
        "on_bad_lines",
        "memory_map",
        "float_precision",
        "true_values",
        "false_values",
        "parse_dates",
        "infer_datetime_format",
        "dayfirst",
        "cache_dates",
        "encoding_errors",
        "skip_blank_lines",
        "verbose",
        "na_filter",
        "storage_options",
        "dtype_backend",
    ]
)
# Of those, the ones after which the distinct values of a column are no longer what the file holds.
_CHANGE_VALUES = frozenset(
    [
        "dtype",
        "na_values",
        "keep_default_na",
        "nrows",
        "skipfooter",
        "thousands",
        "decimal",
        "true_values",
        "false_values",
        "parse_dates",
        "na_filter",
        "skipinitialspace",
    ]
)
_COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def _label(value: Value) -> bool:
    return isinstance(value, Const) and type(value.value) in (str, int)


def _names(value: Value | None) -> list[Name] | None:
    """A literal list of column labels (strings or ints)."""
    if value is None:
        return None
    if isinstance(value, Const) and type(value.value) in (str, int):
        return [value.value]
    if isinstance(value, ObjectValue) and value.cls == _INDEX and isinstance(value.state, tuple):
        return list(value.state)
    if isinstance(value, Seq):
        names = [item.value if isinstance(item, Const) and _label(item) else None for item in value.items]
        return None if any(n is None for n in names) else names
    return None


def _column_levels(rows: list[tuple[str, ...]], width: int) -> tuple[tuple[frozenset[object], ...], tuple[str, ...]]:
    """Each column's distinct values and dtype, as pandas infers them from text."""
    levels: list[frozenset[object]] = []
    dtypes: list[str] = []
    for index in range(width):
        cells = [row[index] for row in rows if row[index] not in _NA]
        numbers = [parse_number(cell) for cell in cells]
        missing = len(cells) < len(rows)
        if cells and all(n is not None for n in numbers):
            integral = all(cell.strip().lstrip("+-").isdigit() for cell in cells)
            levels.append(frozenset(numbers))
            dtypes.append("int64" if integral and not missing else "float64")
        elif cells:
            levels.append(frozenset(cells))
            dtypes.append("object")
        else:
            levels.append(frozenset())
            dtypes.append("float64")
    return tuple(levels), tuple(dtypes)


def unique_labels(labels: list[str]) -> list[Name]:
    """Header labels as pandas makes them: empty ones `Unnamed: i`, repeats `a.1`, `a.2`."""
    seen: dict[str, int] = {}
    out: list[Name] = []
    for index, label in enumerate(labels):
        label = label if label != "" else f"Unnamed: {index}"
        if label in seen:
            seen[label] += 1
            label = f"{label}.{seen[label]}"
        else:
            seen[label] = 0
        out.append(label)
    return out


@functools.lru_cache(maxsize=128)
def _csv_frame(
    head: bytes,
    exact: bool,
    complete: bool,
    delimiter: str | None,
    skip: int,
    header: int | None,
    names: tuple[Name, ...] | None,
) -> DataFrameValue | None:
    """The frame a CSV's first bytes describe (cached on the workspace's bytes: a keystroke parses nothing)."""
    lines = text_lines(head, complete)
    if lines is None:
        return None
    lines = [line for line in lines[skip:] if line.strip()]  # blank lines are skipped
    rows = split_fields(lines, delimiter)
    if not rows or (header is not None and len(rows) <= header):
        return None
    data = rows[header + 1 :] if header is not None else rows
    width = len(rows[header]) if header is not None else len(rows[0])
    if not data or any(len(row) != width for row in data):
        return None  # ragged lines, or a header shorter than the rows (an implicit index)
    if names is not None:
        if len(names) != width:
            return None
        columns: list[Name] = list(names)
    elif header is not None:
        columns = unique_labels(list(rows[header]))
    else:
        columns = list(range(width))
    levels, dtypes = _column_levels(data, width) if exact else (None, None)
    return DataFrameValue(tuple(columns), None, levels, dtypes)


def select_columns(frame: DataFrameValue, call: CallArgs) -> DataFrameValue | None:
    """The columns a reader keeps of a table's `frame`: `usecols` (names or positions, in the file's
    order), then without `index_col`; None when that cannot be known (or pandas would raise)."""
    if frame.columns is None:
        return None
    columns, width = list(frame.columns), len(frame.columns)
    usecols = call.get(None, "usecols")
    if usecols is not None and usecols != Const(None):
        wanted = _names(usecols)
        if wanted is None:
            return None
        positions = [p if isinstance(p, int) else columns.index(p) if p in columns else -1 for p in wanted]
        if any(not 0 <= p < width for p in positions) or len(set(positions)) != len(positions):
            return None
        frame = frame.keep(sorted(positions))  # pandas keeps the file's order, not usecols'
    index_col = call.get(None, "index_col")
    if index_col is not None and not (
        isinstance(index_col, Const) and index_col.value in (None, False) and type(index_col.value) is not int
    ):
        labels = _names(index_col)
        if labels is None or frame.columns is None:
            return None
        keep = list(range(len(frame.columns)))
        for label in labels:
            position = label if isinstance(label, int) and label not in frame.columns else None
            if position is None:
                if frame.columns.count(label) != 1:
                    return None
                position = frame.columns.index(label)
            if not 0 <= position < len(frame.columns) or position not in keep:
                return None
            keep.remove(position)
        frame = frame.keep(keep)
    return frame


def read_csv(ev: Evaluator, call: CallArgs, default_sep: str) -> Value:
    """`pd.read_csv` / `pd.read_table`: columns from the header line, values when the file was read whole."""
    structural = set(
        [
            "filepath_or_buffer",
            "sep",
            "delimiter",
            "header",
            "names",
            "index_col",
            "usecols",
            "skiprows",
            "delim_whitespace",
            "comment",
        ]
    )
    if call.has_star or len(call.args) > 2 or any(k not in _HARMLESS and k not in structural for k in call.kwargs):
        return UNKNOWN
    source = call.get(0, "filepath_or_buffer")
    name = path_text(source)
    if name is None or name.lower().endswith(_COMPRESSED) or "://" in name:
        return UNKNOWN
    separator = call.get(1, "sep") or call.get(None, "delimiter")
    whitespace = call.get(None, "delim_whitespace") == Const(True)
    sep = default_sep if separator is None else const_str(separator)
    if sep in (r"\s+", " +") or whitespace:
        delimiter: str | None = None
    elif sep is not None and len(sep) == 1:
        delimiter = sep
    else:
        return UNKNOWN  # sniffed (sep=None) or a regular expression
    if call.get(None, "comment") not in (None, Const(None)):
        return UNKNOWN
    skip = const_int(call.get(None, "skiprows") or Const(0))
    if skip is None or skip < 0:
        return UNKNOWN
    header_value = call.get(None, "header")
    given_names = call.get(None, "names")
    names = _names(given_names)
    if given_names is not None and names is None:
        return UNKNOWN
    if header_value is None or header_value == Const("infer"):
        header: int | None = None if names is not None else 0
    elif header_value == Const(None):
        header = None
    else:
        header = const_int(header_value)
        if header is None or header < 0:
            return UNKNOWN
    found = read_text_head(ev, source)
    if found is None:
        return UNKNOWN
    head, complete = found
    exact = complete and not any(key in _CHANGE_VALUES for key in call.kwargs)
    frame = _csv_frame(head, exact, complete, delimiter, skip, header, tuple(names) if names is not None else None)
    if frame is None or frame.columns is None:
        return UNKNOWN
    chosen = select_columns(frame, call)
    if chosen is None:
        return UNKNOWN
    frame = chosen
    if any(key in ("nrows", "skipfooter") for key in call.kwargs):
        return frame
    # The rows nobody counted: one symbol for every read of this file with this header and skip.
    return replace(frame, row_symbol=rows_symbol(source, f"pandas:{skip}:{header}"))


@function("pandas.read_csv")
def _read_csv(ev: Evaluator, call: CallArgs) -> Value:
    return read_csv(ev, call, ",")


@function("pandas.read_table")
def _read_table(ev: Evaluator, call: CallArgs) -> Value:
    return read_csv(ev, call, "\t")


# Selecting and dropping columns ----------------------------------------------------------------


def _select(frame: DataFrameValue, key: Value) -> Value:
    """`df[key]`: a column (Series), a list of columns (DataFrame), or rows by a mask or a slice."""
    if frame.columns is None:
        return UNKNOWN
    if isinstance(key, Const) and type(key.value) in (str, int):
        series = frame.column(key.value)
        return series if series is not None else UNKNOWN
    if isinstance(key, Const) and isinstance(key.value, slice):
        return frame.rows_changed()
    if isinstance(key, (SeriesValue, ArrayValue)):  # a boolean mask over the rows
        return frame.rows_changed()
    names = _names(key)
    if names is None or not isinstance(key, (Seq, ObjectValue)):
        return UNKNOWN
    if any(frame.columns.count(name) != 1 for name in names):
        return UNKNOWN  # a KeyError at run time
    return frame.keep(frame.columns.index(name) for name in names)


def _without(frame: DataFrameValue, names: list[Name]) -> DataFrameValue | None:
    if frame.columns is None or any(name not in frame.columns for name in names):
        return None
    return frame.keep(i for i, column in enumerate(frame.columns) if column not in names)


def _inplace(ev: Evaluator, frame: DataFrameValue, call: CallArgs, result: Value) -> Value:
    """A method's result, or with `inplace=True` the frame changed in place (and None returned)."""
    flag = call.get(None, "inplace")
    if flag is None or flag == Const(False):
        return result
    ev.mutate(frame, result if result is not UNKNOWN else DataFrameValue(None))
    return Const(None)


@method(DataFrameValue, "__getitem__")
def _getitem(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    return _select(frame, call.args[0]) if len(call.args) == 1 else UNKNOWN


@attribute(DataFrameValue, "__getattr__")
def _column_attribute(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    series = frame.column(name) if frame.columns is not None and not name.startswith("_") else None
    return series if series is not None else UNKNOWN


@method(DataFrameValue, "drop")
def _drop(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    if call.has_star or call.get(None, "level") is not None:
        return _inplace(ev, frame, call, UNKNOWN)
    axis = call.get(1, "axis") or Const(0)
    columns = call.get(None, "columns")
    labels = call.get(0, "labels")
    if columns is None and labels is not None and axis in (Const(1), Const("columns")):
        columns = labels
    rows_only = call.get(None, "index") is not None or (labels is not None and axis in (Const(0), Const("index")))
    if columns is None and rows_only:
        return _inplace(ev, frame, call, frame.rows_changed())
    names = _names(columns)
    errors = call.get(None, "errors")
    if names is None or frame.columns is None:
        return _inplace(ev, frame, call, UNKNOWN)
    if errors == Const("ignore"):
        names = [name for name in names if name in frame.columns]
    result = _without(frame, names)
    return _inplace(ev, frame, call, result if result is not None else UNKNOWN)


@method(DataFrameValue, "pop")
def _pop(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    key = call.get(0, "item")
    series = frame.column(key.value) if isinstance(key, Const) and frame.columns is not None else None
    if series is None:
        ev.mutate(frame, DataFrameValue(None))
        return UNKNOWN
    remaining = _without(frame, [series.name])
    ev.mutate(frame, remaining if remaining is not None else DataFrameValue(None))
    return series


@method(DataFrameValue, "__setitem__")
def _setitem(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    names = _names(call.args[0]) if len(call.args) == 2 else None
    if names is None or frame.columns is None:
        ev.mutate(frame, DataFrameValue(None))
        return UNKNOWN
    columns = list(frame.columns)
    levels = list(frame.levels) if frame.levels is not None else None
    dtypes = list(frame.dtypes) if frame.dtypes is not None else None
    for name in names:
        if name in columns:
            position = columns.index(name)
        else:
            columns.append(name)
            position = len(columns) - 1
            for known in (levels, dtypes):
                if known is not None:
                    known.append(None)
        for known in (levels, dtypes):
            if known is not None:
                known[position] = None  # the new values are not the file's
    ev.mutate(
        frame,
        DataFrameValue(
            tuple(columns),
            frame.rows,
            tuple(levels) if levels else None,
            tuple(dtypes) if dtypes else None,
            frame.row_symbol,
        ),
    )
    return Const(None)


@method(DataFrameValue, "__delitem__")
def _delitem(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    names = _names(call.args[0]) if call.args else None
    result = _without(frame, names) if names is not None else None
    ev.mutate(frame, result if result is not None else DataFrameValue(None))
    return Const(None)


@method(DataFrameValue, "__setattr__")
def _setattr(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    if call.args and call.args[0] == Const("columns"):
        names = _names(call.args[1]) if len(call.args) == 2 else None
        if names is not None and frame.columns is not None and len(names) == len(frame.columns):
            ev.mutate(frame, replace(frame, columns=tuple(names)))
        else:
            ev.mutate(frame, DataFrameValue(None))
    return Const(None)


# Methods that keep the columns --------------------------------------------------------------------

_KEEP_VALUES = ("copy", "sort_values", "sort_index")
_KEEP_COLUMNS = tuple(
    [
        "fillna",
        "head",
        "tail",
        "sample",
        "replace",
        "abs",
        "round",
        "clip",
        "ffill",
        "bfill",
        "interpolate",
        "drop_duplicates",
        "query",
        "infer_objects",
        "__truediv__",
    ]
)


@method(DataFrameValue, *_KEEP_VALUES)
def _keep_values(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    return _inplace(ev, frame, call, replace(frame))


@method(DataFrameValue, *_KEEP_COLUMNS)
def _keep_columns(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    return _inplace(ev, frame, call, frame.rows_changed())


@method(DataFrameValue, "dropna")
def _dropna(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    axis = call.get(0, "axis") or Const(0)
    if axis not in (Const(0), Const("index")):
        return _inplace(ev, frame, call, UNKNOWN)  # dropping columns with missing values: which is unknown
    return _inplace(ev, frame, call, frame.rows_changed())


@method(DataFrameValue, "reset_index")
def _reset_index(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    if call.get(0, "level") is not None or call.get(1, "drop") not in (Const(True),):
        return _inplace(ev, frame, call, UNKNOWN)  # the index comes back as columns: which is not tracked
    return _inplace(ev, frame, call, frame.rows_changed())


@method(DataFrameValue, "astype")
def _astype(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    return replace(frame.rows_changed(), dtypes=None, rows=frame.rows, row_symbol=frame.row_symbol)


@method(DataFrameValue, "rename")
def _rename(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    mapping = call.get(None, "columns")
    if not isinstance(mapping, DictValue) or frame.columns is None:
        return _inplace(ev, frame, call, UNKNOWN)
    renamed = []
    for column in frame.columns:
        target = mapping.get(column)
        if target is not None and not (isinstance(target, Const) and type(target.value) in (str, int)):
            return _inplace(ev, frame, call, UNKNOWN)
        renamed.append(target.value if isinstance(target, Const) else column)
    return _inplace(ev, frame, call, replace(frame, columns=tuple(renamed)))


@method(DataFrameValue, "set_index")
def _set_index(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    names = _names(call.get(0, "keys"))
    drop = call.get(None, "drop")
    result = _without(frame, names) if names is not None and drop in (None, Const(True)) else None
    return _inplace(ev, frame, call, result if result is not None else UNKNOWN)


@method(DataFrameValue, "to_numpy")
def _to_numpy(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    array = frame.as_array()
    if array is None:
        return UNKNOWN
    from shapelint.knowledge.numpy import dtype_name

    dtype = call.get(0, "dtype")
    return replace(array, dtype=dtype_name(dtype)) if dtype is not None else array


@method(DataFrameValue, "items", "iteritems")
def _items(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    if frame.columns is None:
        return UNKNOWN
    pairs = []
    for name in frame.columns:
        series = frame.column(name)
        if series is None:
            return UNKNOWN
        pairs.append(Seq((Const(name), series)))
    return Seq(tuple(pairs), "list")


@method(DataFrameValue, "__len__")
def _len(ev: Evaluator, frame: DataFrameValue, call: CallArgs) -> Value:
    return dim_value(frame.row_shape, 0)


@attribute(DataFrameValue, "values")
def _values(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    return frame.as_array() or UNKNOWN


@attribute(DataFrameValue, "shape")
def _shape(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    if frame.columns is None:
        return UNKNOWN
    return Seq((dim_value(frame.row_shape, 0), Const(len(frame.columns))))


@attribute(DataFrameValue, "columns")
def _columns(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    return ObjectValue(_INDEX, frame.columns) if frame.columns is not None else UNKNOWN


@attribute(DataFrameValue, "iloc", "loc")
def _indexer(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    return ObjectValue(_ILOC if name == "iloc" else _LOC, frame)


@attribute(DataFrameValue, "T")
def _transposed(ev: Evaluator, frame: DataFrameValue, name: str) -> Value:
    return UNKNOWN


# iloc / loc ------------------------------------------------------------------------------------


def _row_selection(key: Value, positional: bool) -> str | None:
    """'all' for `:`, 'one' for a single row label or position, 'some' for other row selections."""
    if isinstance(key, Const) and isinstance(key.value, slice):
        whole = key.value == slice(None, None, None)
        return "all" if whole else "some"
    if isinstance(key, Const) and (type(key.value) is int or (not positional and type(key.value) is str)):
        return "one"
    if isinstance(key, (Seq, SeriesValue, ArrayValue)):
        return "some"
    return None


def _column_positions(frame: DataFrameValue, key: Value, positional: bool) -> list[int] | int | None:
    """Which columns `key` picks: a list of positions (a frame), one position (a Series), or None."""
    assert frame.columns is not None
    width = len(frame.columns)
    if isinstance(key, Const) and isinstance(key.value, slice):
        part = key.value
        if positional:
            if not all(bound is None or type(bound) is int for bound in (part.start, part.stop, part.step)):
                return None
            return list(range(width))[part]
        start = frame.columns.index(part.start) if part.start is not None and part.start in frame.columns else None
        stop = frame.columns.index(part.stop) if part.stop is not None and part.stop in frame.columns else None
        if (part.start is not None and start is None) or (part.stop is not None and stop is None) or part.step:
            return None
        return list(range(width))[slice(start, None if stop is None else stop + 1)]  # label slices include the end
    if isinstance(key, Const) and type(key.value) in (str, int):
        if positional:
            return key.value % width if isinstance(key.value, int) and -width <= key.value < width else None
        return frame.columns.index(key.value) if frame.columns.count(key.value) == 1 else None
    names = _names(key)
    if names is None:
        return None
    if positional:
        if not all(isinstance(n, int) and -width <= n < width for n in names):
            return None
        return [n % width for n in names if isinstance(n, int)]
    if any(frame.columns.count(n) != 1 for n in names):
        return None
    return [frame.columns.index(n) for n in names]


def _indexed(ev: Evaluator, indexer: ObjectValue, call: CallArgs) -> Value:
    frame = indexer.state
    positional = indexer.cls == _ILOC
    if not isinstance(frame, DataFrameValue) or frame.columns is None or not 1 <= len(call.args) <= 2:
        return UNKNOWN
    rows = _row_selection(call.args[0], positional)
    if rows is None:
        return UNKNOWN
    positions: list[int] | int | None = list(range(len(frame.columns)))
    if len(call.args) == 2:
        positions = _column_positions(frame, call.args[1], positional)
    if positions is None:
        return UNKNOWN
    if isinstance(positions, int):
        if rows == "one":
            return UNKNOWN  # one cell
        series = frame.column(frame.columns[positions]) if frame.columns.count(frame.columns[positions]) == 1 else None
        if series is None:
            return UNKNOWN
        return series if rows == "all" else SeriesValue(series.name, None, None, series.dtype)
    chosen = frame.keep(positions)
    if rows == "one":
        return SeriesValue(None, len(positions))  # a single row is 1-D: one value per column
    return chosen if rows == "all" else chosen.rows_changed()


method(_ILOC, "__getitem__")(_indexed)
method(_LOC, "__getitem__")(_indexed)


# The columns Index -------------------------------------------------------------------------------


@method(_INDEX, "__len__")
def _index_len(ev: Evaluator, index: ObjectValue, call: CallArgs) -> Value:
    return Const(len(index.state)) if isinstance(index.state, tuple) else UNKNOWN


@attribute(_INDEX, "size")
def _index_size(ev: Evaluator, index: ObjectValue, name: str) -> Value:
    return Const(len(index.state)) if isinstance(index.state, tuple) else UNKNOWN


@attribute(_INDEX, "shape")
def _index_shape(ev: Evaluator, index: ObjectValue, name: str) -> Value:
    return Seq((Const(len(index.state)),)) if isinstance(index.state, tuple) else UNKNOWN


@method(_INDEX, "tolist", "to_list")
def _index_list(ev: Evaluator, index: ObjectValue, call: CallArgs) -> Value:
    if not isinstance(index.state, tuple):
        return UNKNOWN
    return Seq(tuple(Const(name) for name in index.state), "list")


@method(_INDEX, "__getitem__")
def _index_item(ev: Evaluator, index: ObjectValue, call: CallArgs) -> Value:
    key = call.args[0] if len(call.args) == 1 and isinstance(index.state, tuple) else None
    if isinstance(key, Const) and isinstance(key.value, slice):
        return ObjectValue(_INDEX, tuple(index.state[key.value]))
    number = const_int(key) if key is not None else None
    if number is not None and -len(index.state) <= number < len(index.state):
        return Const(index.state[number])
    return UNKNOWN


@method(_INDEX, "drop")
def _index_drop(ev: Evaluator, index: ObjectValue, call: CallArgs) -> Value:
    names = _names(call.get(0, "labels"))
    if names is None or not isinstance(index.state, tuple) or any(name not in index.state for name in names):
        return UNKNOWN
    return ObjectValue(_INDEX, tuple(name for name in index.state if name not in names))


# Series ------------------------------------------------------------------------------------------


@attribute(SeriesValue, "values")
def _series_values(ev: Evaluator, series: SeriesValue, name: str) -> Value:
    return series.as_array() or UNKNOWN


@method(SeriesValue, "to_numpy")
def _series_to_numpy(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    return series.as_array() or UNKNOWN


@attribute(SeriesValue, "shape")
def _series_shape(ev: Evaluator, series: SeriesValue, name: str) -> Value:
    return Seq((dim_value(series.row_shape, 0),))


@method(SeriesValue, "__len__")
def _series_len(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    return dim_value(series.row_shape, 0)


@method(SeriesValue, "nunique")
def _nunique(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    if series.levels is None or call.get(0, "dropna") not in (None, Const(True)):
        return UNKNOWN
    return Const(len(series.levels))


@method(SeriesValue, "unique")
def _unique(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    return UNKNOWN  # NaN is one of the unique values when present: the count is not the levels'


@method(SeriesValue, "copy", "sort_values")
def _series_same(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    return replace(series)


@method(SeriesValue, "dropna", "head", "tail", "sample")
def _series_rows(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    return SeriesValue(series.name, None, None, None)


@method(SeriesValue, "astype", "fillna", "map", "apply", "replace")
def _series_values_changed(ev: Evaluator, series: SeriesValue, call: CallArgs) -> Value:
    """Element-wise: the same rows, values unknown."""
    return SeriesValue(series.name, series.rows, None, None, series.row_symbol)


# Building frames ---------------------------------------------------------------------------------


def _dummy_columns(name: Name | None, levels: frozenset[object], prefix: bool, drop_first: bool) -> list[Name]:
    ordered = sorted(levels, key=lambda v: (0, v, "") if isinstance(v, float) else (1, 0.0, str(v)))
    labels: list[Name] = [f"{name}_{value}" if prefix and name is not None else str(value) for value in ordered]
    return labels[1:] if drop_first else labels


@function("pandas.get_dummies")
def _get_dummies(ev: Evaluator, call: CallArgs) -> Value:
    data = call.get(0, "data")
    drop_first = call.get(None, "drop_first") or Const(False)
    if call.get(None, "dummy_na") not in (None, Const(False)) or drop_first not in (Const(True), Const(False)):
        return UNKNOWN
    first = drop_first == Const(True)
    if isinstance(data, SeriesValue):
        if data.levels is None or call.get(1, "prefix") is not None:
            return UNKNOWN  # the whole file was not read: the number of distinct values is unknown
        dummies = _dummy_columns(data.name, data.levels, False, first)
        return DataFrameValue(tuple(dummies), data.rows, None, ("bool",) * len(dummies), data.row_symbol)
    if not isinstance(data, DataFrameValue) or data.columns is None or data.dtypes is None or data.levels is None:
        return UNKNOWN
    chosen = _names(call.get(None, "columns"))
    if call.get(None, "columns") is not None and chosen is None:
        return UNKNOWN
    encode = chosen if chosen is not None else [c for c, d in zip(data.columns, data.dtypes) if d == "object"]
    if any(data.columns.count(name) != 1 for name in encode):
        return UNKNOWN
    columns: list[Name] = [c for c in data.columns if c not in encode]
    for name in encode:
        levels = data.levels[data.columns.index(name)]
        if levels is None:
            return UNKNOWN
        columns.extend(_dummy_columns(name, levels, True, first))
    return DataFrameValue(tuple(columns), data.rows, row_symbol=data.row_symbol)


@function("pandas.concat")
def _concat(ev: Evaluator, call: CallArgs) -> Value:
    objects = call.get(0, "objs")
    axis = call.get(1, "axis") or Const(0)
    if not isinstance(objects, Seq) or not objects.items or call.has_star:
        return UNKNOWN
    parts = objects.items
    if axis in (Const(0), Const("index")):
        frames = [p for p in parts if isinstance(p, DataFrameValue)]
        if len(frames) != len(parts) or any(f.columns != frames[0].columns or f.columns is None for f in frames):
            return UNKNOWN  # different columns: pandas takes their union, with missing values
        return DataFrameValue(frames[0].columns, None)
    if axis in (Const(1), Const("columns")):
        columns: list[Name] = []
        for part in parts:
            if isinstance(part, DataFrameValue) and part.columns is not None:
                columns.extend(part.columns)
            elif isinstance(part, SeriesValue) and part.name is not None:
                columns.append(part.name)
            else:
                return UNKNOWN
        return DataFrameValue(tuple(columns), None)
    return UNKNOWN


@function("pandas.DataFrame")
def _data_frame(ev: Evaluator, call: CallArgs) -> Value:
    data = call.get(0, "data")
    given = call.get(None, "columns")
    names = _names(given)
    if given is not None and names is None:
        return UNKNOWN
    if isinstance(data, DataFrameValue):
        return replace(data) if given is None else UNKNOWN
    if isinstance(data, DictValue):
        keys = [k.value if isinstance(k, Const) and type(k.value) in (str, int) else None for k in data.keys]
        if any(k is None for k in keys) or given is not None:
            return UNKNOWN
        return DataFrameValue(tuple(keys), None)
    if isinstance(data, ArrayValue) and data.shape.rank == 2 and data.shape.dims is not None:
        width, symbol = data.shape.dims[1], data.shape.symbol(0)
        if names is None:
            return (
                DataFrameValue(tuple(range(width)), data.shape.dims[0], row_symbol=symbol)
                if width is not None
                else UNKNOWN
            )
        if width is not None and width != len(names):
            return UNKNOWN
        return DataFrameValue(tuple(names), data.shape.dims[0], row_symbol=symbol)
    return UNKNOWN
