"""Readers of data file headers: .npy headers, zip directories, text lines; bad input is None."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest
from shapelint.data_headers import (
    MAX_NPY_HEADER,
    ZIP_TAIL,
    inflate_head,
    parse_npy_header,
    parse_zip_directory,
    split_fields,
    text_lines,
    zip_directory_span,
    zip_member_data_offset,
)


def _npy(array: np.ndarray, version: tuple[int, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array, allow_pickle=True)
    else:
        np.lib.format.write_array(buffer, array, version=version, allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_header_gives_shape_and_dtype(version: tuple[int, int]) -> None:
    header = parse_npy_header(_npy(np.zeros((60, 28, 28), dtype=np.uint8), version))
    assert header is not None
    assert (header.shape, header.dtype, header.fortran_order, header.pickled) == ((60, 28, 28), "uint8", False, False)


@pytest.mark.parametrize(
    ("dtype", "name"),
    [(np.float32, "float32"), (np.float64, "float64"), (np.int64, "int64"), (np.bool_, "bool"), ("<U3", "str")],
)
def test_npy_dtypes_are_named_as_numpy_names_them(dtype: object, name: str) -> None:
    header = parse_npy_header(_npy(np.zeros((2, 3), dtype=dtype)))
    assert header is not None and header.dtype == name


def test_fortran_order_and_scalars_are_read() -> None:
    header = parse_npy_header(_npy(np.asfortranarray(np.zeros((3, 4)))))
    assert header is not None and header.fortran_order and header.shape == (3, 4)
    scalar = parse_npy_header(_npy(np.float32(1.0)))
    assert scalar is not None and scalar.shape == ()


def test_object_arrays_are_flagged_as_pickled() -> None:
    header = parse_npy_header(_npy(np.array([{"a": 1}, None], dtype=object)))
    assert header is not None and header.pickled


def test_structured_arrays_have_no_dtype_name() -> None:
    header = parse_npy_header(_npy(np.zeros(3, dtype=[("x", "f4"), ("y", "i4")])))
    assert header is not None and header.dtype is None


def test_a_truncated_header_is_unknown() -> None:
    data = _npy(np.zeros((5, 5)))
    assert parse_npy_header(data[:20]) is None
    assert parse_npy_header(data[:9]) is None


@pytest.mark.parametrize(
    "data",
    [
        b"not an npy file at all",
        b"\x93NUMPY\x09\x00" + struct.pack("<H", 10) + b"{'a': 1}  ",  # an unknown version
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 12) + b"[1, 2, 3]   ",  # not a dict
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 40) + b"{'descr': '<f8', 'shape': (2,)}        ",  # a key missing
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 60) + b"{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}  ",
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 60) + b"{'descr': '<f8', 'fortran_order': False, 'shape': __import__}",
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 24) + b"(" * 22 + b"  ",  # deeply nested, unbalanced
    ],
)
def test_malformed_headers_are_unknown(data: bytes) -> None:
    assert parse_npy_header(data) is None


def test_a_huge_header_length_is_refused_without_reading_it() -> None:
    data = b"\x93NUMPY\x02\x00" + struct.pack("<I", 2**31) + b"{" * 100
    assert parse_npy_header(data) is None
    just_over = b"\x93NUMPY\x02\x00" + struct.pack("<I", MAX_NPY_HEADER + 1) + b" " * (MAX_NPY_HEADER + 1)
    assert parse_npy_header(just_over) is None


def _npz(compressed: bool) -> bytes:
    buffer = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buffer, x_train=np.zeros((7, 5), np.float32), y=np.arange(7))
    return buffer.getvalue()


@pytest.mark.parametrize("compressed", [False, True])
def test_npz_members_and_their_headers_are_found_from_the_directory(compressed: bool) -> None:
    data = _npz(compressed)
    members = parse_zip_directory(data[-ZIP_TAIL:], len(data))
    assert members is not None
    assert [m.name for m in members] == ["x_train.npy", "y.npy"]
    first = members[0]
    skip = zip_member_data_offset(data[first.header_offset : first.header_offset + 30])
    assert skip is not None
    raw = data[first.header_offset + skip : first.header_offset + skip + first.compressed_size]
    head = inflate_head(raw, 1000) if compressed else raw
    header = parse_npy_header(head or b"")
    assert header is not None and header.shape == (7, 5) and header.dtype == "float32"


def test_a_directory_outside_the_tail_is_read_where_it_is() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(3):
            archive.writestr(f"{'n' * 200}{index}.npy", b"x")
    data = buffer.getvalue()
    tail = data[-30:]
    span = zip_directory_span(tail, len(data))
    assert span is not None
    offset, size, count = span
    members = parse_zip_directory(tail, len(data), data[offset : offset + size])
    assert members is not None and len(members) == count == 3


@pytest.mark.parametrize("cut", [0, 10, 21])
def test_a_damaged_zip_is_unknown(cut: int) -> None:
    data = _npz(False)
    assert parse_zip_directory(data[-cut:] if cut else b"", len(data)) is None
    garbage = data[:-22] + b"PK\x05\x06" + b"\xff" * 18
    assert parse_zip_directory(garbage[-ZIP_TAIL:], len(garbage)) is None


def test_text_lines_drop_a_partial_last_line_unless_complete() -> None:
    assert text_lines(b"a,b\n1,2\n3,", complete=False) == ["a,b", "1,2"]
    assert text_lines(b"a,b\n1,2\n3,4", complete=True) == ["a,b", "1,2", "3,4"]
    assert text_lines(b"\xef\xbb\xbfa,b\n", complete=True) == ["a,b"]  # a byte-order mark
    assert text_lines(b"\x00\x01binary", complete=True) is None
    assert text_lines(b"\xff\xfe\x00", complete=True) is None


def test_fields_split_with_quotes_or_whitespace() -> None:
    assert split_fields(['a,"b,c",d'], ",") == [("a", "b,c", "d")]
    assert split_fields(["1  2\t3"], None) == [("1", "2", "3")]
    assert split_fields(["1;2"], ";;") is None
