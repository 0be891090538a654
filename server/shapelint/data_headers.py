"""Readers of data file headers: what a `.npy`, an `.npz` or a text table says of its shape.

Pure functions of bytes the caller read (through `Workspace`, bounded): nothing here opens a
file, imports NumPy or pandas, unpickles or executes anything. Every reader answers None
for input it does not fully understand (truncated, malformed, too large, pickled objects):
unknown is never an error.

    header = parse_npy_header(head)                 # NpyHeader(shape=(60000, 28, 28), dtype="uint8")
    members = parse_zip_directory(tail, file_size)  # the members of an .npz, where their bytes start
    table = parse_text_table(head, complete, ...)   # a CSV's header fields and first rows
"""

from __future__ import annotations

import ast
import csv
import functools
import re
import struct
import warnings
import zlib
from dataclasses import dataclass

NPY_MAGIC = b"\x93NUMPY"
# NumPy itself refuses headers longer than this unless told otherwise (numpy.lib.format).
MAX_NPY_HEADER = 10_000
NPY_PREAMBLE = 12  # magic, version and a 4-byte length (version 2 and 3; version 1 uses 10)
MAX_ZIP_MEMBERS = 256
ZIP_TAIL = 22 + 65_535  # the end-of-directory record and the longest comment a zip may carry
MAX_TEXT_COLUMNS = 10_000
_NPY_KINDS = {"f": "float", "i": "int", "u": "uint", "c": "complex"}


@dataclass(frozen=True)
class NpyHeader:
    """What an `.npy` header says: the array's shape and dtype (None: a dtype NumPy has, we do not)."""

    shape: tuple[int, ...]
    dtype: str | None
    fortran_order: bool
    pickled: bool  # an object array: its data is a pickle, never to be loaded


def npy_header_length(head: bytes) -> int | None:
    """How many bytes the whole header of an `.npy` takes (preamble included), or None."""
    if len(head) < 10 or not head.startswith(NPY_MAGIC):
        return None
    major = head[6]
    if major == 1:
        length = struct.unpack("<H", head[8:10])[0] + 10
    elif major in (2, 3) and len(head) >= 12:
        length = struct.unpack("<I", head[8:12])[0] + 12
    else:
        return None
    return length if length <= MAX_NPY_HEADER + NPY_PREAMBLE else None


@functools.lru_cache(maxsize=256)  # keyed by the workspace cache's own bytes: a keystroke parses nothing
def parse_npy_header(head: bytes) -> NpyHeader | None:
    """The header at the start of an `.npy` file (the first bytes are enough), or None."""
    total = npy_header_length(head)
    if total is None or len(head) < total:
        return None
    major = head[6]
    start = 10 if major == 1 else 12
    try:
        text = head[start:total].decode("utf-8" if major == 3 else "latin-1")
    except UnicodeDecodeError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            header = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        return None
    shape, fortran, descr = header["shape"], header["fortran_order"], header["descr"]
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape):
        return None
    if not isinstance(fortran, bool):
        return None
    dtype, pickled = _npy_dtype(descr)
    return NpyHeader(shape, dtype, fortran, pickled)


def _npy_dtype(descr: object) -> tuple[str | None, bool]:
    """NumPy's dtype name for a header's `descr` ('<f4' -> 'float32'); object arrays are pickled."""
    if isinstance(descr, list):  # a structured dtype: fields may hold objects too
        return None, "O" in repr(descr)
    if not isinstance(descr, str) or len(descr) < 2:
        return None, False
    kind_at = 1 if descr[0] in "<>|=" else 0
    kind, size = descr[kind_at], descr[kind_at + 1 :]
    if kind == "O":
        return "object", True
    if kind == "b" and size == "1":
        return "bool", False
    if kind in _NPY_KINDS and size.isdigit():
        name = f"{_NPY_KINDS[kind]}{int(size) * 8}"
        return name, False
    if kind in "US":
        return "str", False
    return None, False


@dataclass(frozen=True)
class ZipMember:
    """One member of a zip archive, from its central directory entry."""

    name: str
    method: int  # 0: stored, 8: deflated
    compressed_size: int
    header_offset: int  # where its local file header starts


def parse_zip_directory(tail: bytes, file_size: int, directory: bytes | None = None) -> list[ZipMember] | None:
    """The members listed in a zip's central directory.

    `tail` is the end of the file (up to ZIP_TAIL bytes); when the directory itself is not in
    the tail, call `zip_directory_span(tail, file_size)` to learn which bytes to read and pass
    them as `directory`. None when the archive is not understood (zip64, damaged, too many members).
    """
    span = zip_directory_span(tail, file_size)
    if span is None:
        return None
    offset, size, count = span
    if directory is None:
        start = offset - (file_size - len(tail))
        if start < 0:
            return None
        directory = tail[start : start + size]
    if len(directory) < size or count > MAX_ZIP_MEMBERS:
        return None
    members: list[ZipMember] = []
    position = 0
    for _ in range(count):
        fixed = directory[position : position + 46]
        if len(fixed) < 46 or fixed[:4] != b"PK\x01\x02":
            return None
        method = struct.unpack("<H", fixed[10:12])[0]
        compressed, uncompressed = struct.unpack("<II", fixed[20:28])
        name_length, extra_length, comment_length = struct.unpack("<HHH", fixed[28:34])
        header_offset = struct.unpack("<I", fixed[42:46])[0]
        raw_name = directory[position + 46 : position + 46 + name_length]
        extra = directory[position + 46 + name_length : position + 46 + name_length + extra_length]
        if 0xFFFFFFFF in (compressed, uncompressed, header_offset):
            sizes = _zip64_sizes(extra, uncompressed, compressed, header_offset)
            if sizes is None:
                return None
            compressed, header_offset = sizes
        members.append(ZipMember(raw_name.decode("utf-8", "replace"), method, compressed, header_offset))
        position += 46 + name_length + extra_length + comment_length
    return members


def _zip64_sizes(extra: bytes, uncompressed: int, compressed: int, offset: int) -> tuple[int, int] | None:
    """The compressed size and header offset a zip64 extra field holds for sizes that overflowed."""
    position = 0
    while position + 4 <= len(extra):
        tag, length = struct.unpack("<HH", extra[position : position + 4])
        body = extra[position + 4 : position + 4 + length]
        if tag == 1:
            values = [struct.unpack("<Q", body[i : i + 8])[0] for i in range(0, len(body) - 7, 8)]
            # In this order, and only those whose 32-bit field overflowed (APPNOTE 4.5.3).
            fields = [
                name
                for name, value in (("uncompressed", uncompressed), ("compressed", compressed), ("offset", offset))
                if value == 0xFFFFFFFF
            ]
            if len(values) < len(fields):
                return None
            found = dict(zip(fields, values))
            return found.get("compressed", compressed), found.get("offset", offset)
        position += 4 + length
    return None


def zip_directory_span(tail: bytes, file_size: int) -> tuple[int, int, int] | None:
    """(offset, size, member count) of a zip's central directory, from the end of the file."""
    found = tail.rfind(b"PK\x05\x06")
    if found < 0 or len(tail) - found < 22:
        return None
    disk, start_disk, _, count, size, offset = struct.unpack("<HHHHII", tail[found + 4 : found + 20])
    if disk != 0 or start_disk != 0 or 0xFFFFFFFF in (size, offset) or count == 0xFFFF:
        return None  # a split or zip64 archive: not read
    if offset + size > file_size:
        return None
    return offset, size, count


def zip_member_data_offset(local_header: bytes) -> int | None:
    """How far after its local header a member's bytes start, from the header's first 30 bytes."""
    if len(local_header) < 30 or local_header[:4] != b"PK\x03\x04":
        return None
    name_length, extra_length = struct.unpack("<HH", local_header[26:30])
    return 30 + int(name_length) + int(extra_length)


def inflate_head(data: bytes, limit: int) -> bytes | None:
    """The first `limit` bytes of a deflated stream (a compressed npz member), or None."""
    try:
        return zlib.decompressobj(-15).decompress(data, limit)
    except zlib.error:
        return None


# Text tables ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextTable:
    """The first lines of a text table, split into fields.

    `rows` are the lines after the skipped ones (the header line included, when there is one);
    `complete` says whether they are the whole file (so values can be counted exactly).
    """

    rows: tuple[tuple[str, ...], ...]
    complete: bool


def text_lines(head: bytes, complete: bool) -> list[str] | None:
    """The whole lines in `head` (a partial last line is dropped unless the file is complete)."""
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None  # a binary file
    lines = text.splitlines()
    if not complete and not text.endswith(("\n", "\r")) and lines:
        lines.pop()
    return lines


_WHITESPACE = re.compile(r"\s+")


def split_fields(lines: list[str], delimiter: str | None) -> list[tuple[str, ...]] | None:
    """Lines split into fields: by `delimiter` with CSV quoting, or by runs of whitespace (None)."""
    if delimiter is None:
        return [tuple(_WHITESPACE.split(line.strip())) if line.strip() else () for line in lines]
    if len(delimiter) != 1:
        return None
    try:
        reader = csv.reader(lines, delimiter=delimiter, quotechar='"', strict=False)
        rows = [tuple(row) for row in reader]
    except csv.Error:
        return None
    if any(len(row) > MAX_TEXT_COLUMNS for row in rows):
        return None
    return rows


def parse_number(text: str) -> float | None:
    """A field as NumPy's loadtxt reads a float, or None."""
    try:
        return float(text.strip())
    except ValueError:
        return None
