"""NumPy's file readers: `np.load` (.npy, .npz), `np.loadtxt`, `np.genfromtxt`.

Shapes come from the file's header or its first lines, read through `ev.workspace` (trusted
workspaces only, inside the root, bounded, cached by mtime); the file format is told by its
first bytes, as `np.load` does. Nothing is unpickled: object arrays stay unknown. Row counts
a text file does not state are unknown (None) with a symbol (`rows_symbol`): every array read
from the same file the same way has the same rows, so `x` and `y` sliced from it agree.

    x = np.load("data/x.npy")                 # (60000, 28, 28) uint8, from the .npy header
    with np.load("data/mnist.npz") as data:   # NpzFile: each member's header, on demand
        x_train = data["x_train"]
    table = np.loadtxt("data/pima.csv", delimiter=",")   # (n_pima, 9): columns of the first data line
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from shapelint.calls import CallArgs
from shapelint.data_headers import (
    MAX_NPY_HEADER,
    NPY_MAGIC,
    NPY_PREAMBLE,
    ZIP_TAIL,
    ZipMember,
    inflate_head,
    parse_npy_header,
    parse_number,
    parse_zip_directory,
    split_fields,
    text_lines,
    zip_directory_span,
    zip_member_data_offset,
)
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.paths import path_text
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.shapes import Dim, Shape, Symbol
from shapelint.values import UNKNOWN, ArrayValue, Const, ObjectValue, Seq, Value, const_int
from shapelint.workspace import Workspace

TEXT_HEAD = 64 * 1024  # the first lines of a text table: enough for its header and a few rows
_NPY_HEAD = MAX_NPY_HEADER + NPY_PREAMBLE
_NPZ = "numpy.lib.npyio.NpzFile"
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class NpzArchive:
    """An opened `.npz`: where it is, and its members by key (`x_train` for `x_train.npy`)."""

    path: str
    members: tuple[tuple[str, int, int, int], ...]  # key, method, compressed size, header offset

    def member(self, key: str) -> tuple[int, int, int] | None:
        for name, *where in self.members:
            if name == key:
                return where[0], where[1], where[2]
        return None


def npy_array(header_bytes: bytes | None) -> Value:
    """The array an `.npy` header describes (object and structured arrays: unknown)."""
    header = parse_npy_header(header_bytes or b"")
    if header is None or header.pickled or header.dtype is None:
        return UNKNOWN
    return ArrayValue(Shape(header.shape), header.dtype)


def _load_npy(workspace: Workspace, located: str) -> Value:
    return npy_array(workspace.read_head(located, _NPY_HEAD))


def zip_members(workspace: Workspace, located: str) -> list[ZipMember] | None:
    """The members of a zip archive (an .npz, an .xlsx) from its central directory, or None."""
    size = workspace.size(located)
    tail = workspace.read_range(located, -ZIP_TAIL, ZIP_TAIL)
    if size is None or tail is None:
        return None
    span = zip_directory_span(tail, size)
    if span is None:
        return None
    directory = None
    if span[0] < size - len(tail):  # a directory larger than the tail: read it where it is
        directory = workspace.read_range(located, span[0], span[1])
    return parse_zip_directory(tail, size, directory)


def zip_member_head(workspace: Workspace, located: str, member: ZipMember, limit: int) -> bytes | None:
    """The first `limit` bytes of a member's content (stored or deflated), or None."""
    local = workspace.read_range(located, member.header_offset, 30)
    skip = zip_member_data_offset(local or b"")
    if skip is None:
        return None
    start = member.header_offset + skip
    if member.method == 0:
        return workspace.read_range(located, start, min(member.compressed_size, limit))
    if member.method == 8:
        # Text deflates to well under a quarter of its size: four times the limit of input is plenty.
        raw = workspace.read_range(located, start, min(member.compressed_size, 4 * limit))
        return inflate_head(raw, limit) if raw is not None else None
    return None


def _open_npz(workspace: Workspace, located: str) -> Value:
    members = zip_members(workspace, located)
    if members is None:
        return UNKNOWN
    keys = tuple(
        (m.name[: -len(".npy")] if m.name.endswith(".npy") else m.name, m.method, m.compressed_size, m.header_offset)
        for m in members
    )
    return ObjectValue(_NPZ, NpzArchive(located, keys))


def _npz_member(workspace: Workspace, archive: NpzArchive, key: str) -> Value:
    found = archive.member(key)
    if found is None:
        return UNKNOWN
    compression, compressed_size, offset = found
    local = workspace.read_range(archive.path, offset, 30)
    skip = zip_member_data_offset(local or b"")
    if skip is None:
        return UNKNOWN
    if compression == 0:
        head = workspace.read_range(archive.path, offset + skip, min(compressed_size, _NPY_HEAD))
    elif compression == 8:
        # A deflated header of 10 KB compresses to far less; 64 KiB of input is always enough.
        raw = workspace.read_range(archive.path, offset + skip, min(compressed_size, 64 * 1024))
        head = inflate_head(raw, _NPY_HEAD) if raw is not None else None
    else:
        return UNKNOWN
    return npy_array(head)


@function("numpy.load")
def _np_load(ev: Evaluator, call: CallArgs) -> Value:
    name = path_text(call.get(0, "file"))
    located = ev.workspace.locate(name) if name else None
    if located is None:
        return ev.unknown("file not found or not readable") if name else UNKNOWN
    magic = ev.workspace.read_head(located, len(NPY_MAGIC))
    if magic == NPY_MAGIC:
        return _load_npy(ev.workspace, located)
    if magic is not None and magic.startswith(_ZIP_MAGIC):
        return _open_npz(ev.workspace, located)
    return UNKNOWN  # a pickle (np.save of an object) or something else: never loaded


@method(_NPZ, "__getitem__", "get")
def _npz_item(ev: Evaluator, archive: ObjectValue, call: CallArgs) -> Value:
    key = call.args[0] if call.args else None
    if not isinstance(key, Const) or not isinstance(key.value, str) or not isinstance(archive.state, NpzArchive):
        return UNKNOWN
    return _npz_member(ev.workspace, archive.state, key.value)


@method(_NPZ, "__enter__")
def _npz_enter(ev: Evaluator, archive: ObjectValue, call: CallArgs) -> Value:
    return archive


@method(_NPZ, "keys")
def _npz_keys(ev: Evaluator, archive: ObjectValue, call: CallArgs) -> Value:
    if not isinstance(archive.state, NpzArchive):
        return UNKNOWN
    return Seq(tuple(Const(member[0]) for member in archive.state.members), "list")


@attribute(_NPZ, "files")
def _npz_files(ev: Evaluator, archive: ObjectValue, name: str) -> Value:
    if not isinstance(archive.state, NpzArchive):
        return UNKNOWN
    return Seq(tuple(Const(member[0]) for member in archive.state.members), "list")


# Text tables ----------------------------------------------------------------------------------


def rows_symbol(source: Value | None, reading: str) -> Symbol | None:
    """The symbol of the rows of the file `source` names, read the way `reading` says (reader and options).

    Call it only once the file was seen to hold at least one row: a symbol is never zero.
    """
    name = path_text(source)
    if name is None:
        return None
    stem = re.sub(r"\W+", "_", PurePosixPath(name.replace("\\", "/")).name.split(".")[0]).strip("_")
    return Symbol(f"rows:{reading}:{name}", f"n_{stem}" if stem else "n_rows")


def read_text_head(ev: Evaluator, source: Value | None) -> tuple[bytes, bool] | None:
    """The first bytes of a text file the program names, and whether they are all of it.

    The bytes object is the workspace cache's own, so parsers cached on it (`functools.lru_cache`)
    answer a keystroke without parsing the text again.
    """
    name = path_text(source)
    located = ev.workspace.locate(name) if name else None
    if located is None:
        return None
    head = ev.workspace.read_head(located, TEXT_HEAD)
    size = ev.workspace.size(located)
    if head is None or size is None:
        return None
    return head, len(head) >= size


@functools.lru_cache(maxsize=128)
def _table_summary(
    head: bytes, complete: bool, delimiter: str | None, comment: str, skip: int
) -> tuple[int, int, tuple[bool, ...]] | None:
    """(data rows seen, columns, whether each column is all numbers) of a text table, or None when ragged."""
    lines = text_lines(head, complete)
    if lines is None:
        return None
    data = []
    for line in lines[skip:]:
        if comment:
            line = line.split(comment, 1)[0]
        if line.strip():
            data.append(line)
    rows = split_fields(data, delimiter)
    if not rows:
        return None
    width = len(rows[0])
    if width == 0 or any(len(row) != width for row in rows):
        return None
    numeric = tuple(all(parse_number(row[c]) is not None for row in rows) for c in range(width))
    return len(rows), width, numeric


def _int_list(value: Value | None) -> list[int] | None:
    if value is None:
        return None
    number = const_int(value)
    if number is not None:
        return [number]
    if isinstance(value, Seq):
        numbers = [const_int(item) for item in value.items]
        if all(n is not None for n in numbers):
            return [n for n in numbers if n is not None]
    return None


def _text_array(
    ev: Evaluator,
    call: CallArgs,
    skip_name: str,
    strict_numbers: bool,
) -> Value:
    """np.loadtxt / np.genfromtxt: (rows unknown, columns of the first data line), squeezed as NumPy does."""
    allowed = {"fname", "dtype", "comments", "delimiter", "skiprows", "skip_header", "usecols", "unpack", "ndmin"}
    allowed |= {"encoding", "max_rows", "autostrip"}
    if call.has_star or any(key not in allowed for key in call.kwargs) or len(call.args) > 1:
        return UNKNOWN
    dtype_value = call.get(None, "dtype")
    dtype = "float64" if dtype_value is None else dtype_name(dtype_value)
    if dtype is None or dtype in ("str", "object"):
        return UNKNOWN  # a structured or text dtype: fields, not columns
    delimiter_value = call.get(None, "delimiter")
    delimiter = None if delimiter_value is None or delimiter_value == Const(None) else path_text(delimiter_value)
    if delimiter_value is not None and delimiter_value != Const(None) and delimiter is None:
        return UNKNOWN
    comments = call.get(None, "comments")
    comment = "#" if comments is None else path_text(comments)
    skip = const_int(call.get(None, skip_name) or Const(0))
    ndmin = const_int(call.get(None, "ndmin") or Const(0))
    unpack_value = call.get(None, "unpack") or Const(False)
    if comment is None or skip is None or skip < 0 or ndmin not in (0, 1, 2):
        return UNKNOWN
    max_rows = call.get(None, "max_rows")
    if max_rows is not None and max_rows != Const(None) and (const_int(max_rows) or 0) < 2:
        return UNKNOWN  # a single row is squeezed to 1-D
    if not isinstance(unpack_value, Const) or unpack_value.value not in (True, False, None):
        return UNKNOWN
    found = read_text_head(ev, call.get(0, "fname"))
    summary = _table_summary(found[0], found[1], delimiter, comment, skip) if found is not None else None
    if summary is None or summary[0] < 2:
        return UNKNOWN  # ragged, or one row (or none) in sight: NumPy squeezes it differently
    _, width, numeric = summary
    raw_columns = call.get(None, "usecols")
    columns = list(range(width)) if raw_columns is None or raw_columns == Const(None) else _int_list(raw_columns)
    if columns is None or any(not -width <= c < width for c in columns):
        return UNKNOWN
    if strict_numbers and not all(numeric[c] for c in columns):
        return UNKNOWN  # loadtxt raises on a field that is not a number (a header line not skipped)
    dims: tuple[Dim, ...] = (None, len(columns))
    symbol = (
        rows_symbol(call.get(0, "fname"), f"numpy:{skip_name}={skip}:{comment}")
        if max_rows in (None, Const(None))
        else None
    )
    symbols: tuple[Symbol | None, ...] = (symbol, None)
    if ndmin < 2 and len(columns) == 1:
        dims, symbols = (None,), (symbol,)  # a single column is squeezed to 1-D
    if unpack_value.value is True:
        dims, symbols = tuple(reversed(dims)), tuple(reversed(symbols))
    return ArrayValue(Shape(dims, symbols), dtype)


@function("numpy.loadtxt")
def _loadtxt(ev: Evaluator, call: CallArgs) -> Value:
    return _text_array(ev, call, "skiprows", strict_numbers=True)


@function("numpy.genfromtxt")
def _genfromtxt(ev: Evaluator, call: CallArgs) -> Value:
    if call.get(None, "names") not in (None, Const(None), Const(False)):
        return UNKNOWN  # a structured array of named fields
    return _text_array(ev, call, "skip_header", strict_numbers=False)
