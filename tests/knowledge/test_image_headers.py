"""Image headers: size and mode from the first bytes of PNG, JPEG, GIF and BMP files, or nothing."""

from __future__ import annotations

import struct
import zlib

import pytest
from shapelint.knowledge.image_headers import ImageHeader, mode_bands, mode_is_2d, parse_image_header


def png(width: int, height: int, depth: int = 8, color: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int, height: int, components: int = 3, before: bytes = b"", sof: int = 0xC0) -> bytes:
    frame = struct.pack(">BHHB", 8, height, width, components) + b"\x01\x22\x00" * components
    return b"\xff\xd8" + before + segment(sof, frame) + b"\xff\xda\x00\x02\xff\xd9"


@pytest.mark.parametrize(
    ("color", "depth", "mode"),
    [(0, 8, "L"), (0, 1, "1"), (0, 16, "I;16"), (2, 8, "RGB"), (3, 8, "P"), (4, 8, "LA"), (6, 8, "RGBA")],
)
def test_png_size_and_mode_come_from_ihdr(color: int, depth: int, mode: str) -> None:
    assert parse_image_header(png(40, 30, depth, color)) == ImageHeader(40, 30, mode, "png")


def test_png_with_an_impossible_colour_type_or_depth_is_unknown() -> None:
    assert parse_image_header(png(40, 30, 8, 5)) is None
    assert parse_image_header(png(40, 30, 3, 2)) is None


@pytest.mark.parametrize("length", [0, 8, 12, 20, 25])
def test_truncated_png_is_unknown(length: int) -> None:
    assert parse_image_header(png(40, 30)[:length]) is None


def test_png_without_ihdr_first_is_unknown() -> None:
    data = bytearray(png(40, 30))
    data[12:16] = b"tEXt"
    assert parse_image_header(bytes(data)) is None


@pytest.mark.parametrize(("width", "height"), [(0, 30), (40, 0), (70000, 30), (40, 2**31 - 1)])
def test_absent_or_huge_sides_are_not_believed(width: int, height: int) -> None:
    assert parse_image_header(png(width, height)) is None


def test_jpeg_frame_header_after_app_segments() -> None:
    before = segment(0xE0, b"JFIF\x00" + b"\x00" * 9) + segment(0xE1, b"Exif\x00\x00" + b"\x00" * 2000)
    header = parse_image_header(jpeg(64, 48, 3, before))
    assert header == ImageHeader(64, 48, "RGB", "jpeg", exif=True)


@pytest.mark.parametrize(("components", "mode"), [(1, "L"), (3, "RGB"), (4, "CMYK"), (2, None)])
def test_jpeg_mode_from_the_component_count(components: int, mode: str | None) -> None:
    header = parse_image_header(jpeg(10, 20, components))
    assert header is not None and (header.width, header.height, header.mode) == (10, 20, mode)


def test_progressive_jpeg_frame_is_read_too() -> None:
    header = parse_image_header(jpeg(10, 20, 3, sof=0xC2))
    assert header is not None and header.height == 20


def test_jpeg_huffman_table_marker_is_not_a_frame() -> None:
    data = b"\xff\xd8" + segment(0xC4, struct.pack(">BHHB", 8, 99, 99, 3)) + jpeg(10, 20)[2:]
    header = parse_image_header(data)
    assert header is not None and (header.width, header.height) == (10, 20)


def test_jpeg_with_fill_bytes_and_restart_markers() -> None:
    data = b"\xff\xd8\xff\xff\xd0" + jpeg(10, 20)[2:]
    header = parse_image_header(data)
    assert header is not None and (header.width, header.height) == (10, 20)


@pytest.mark.parametrize("cut", [2, 4, 10, 17])
def test_truncated_jpeg_is_unknown(cut: int) -> None:
    data = jpeg(64, 48, 3, segment(0xE0, b"\x00" * 10))
    assert parse_image_header(data[:cut]) is None


def test_jpeg_height_set_later_by_dnl_is_unknown() -> None:
    assert parse_image_header(jpeg(64, 0)) is None


def test_jpeg_segment_with_a_bad_length_or_garbage_is_unknown() -> None:
    assert parse_image_header(b"\xff\xd8\xff\xe0\x00\x01" + b"\x00" * 40) is None
    assert parse_image_header(b"\xff\xd8\x12\x34" + b"\x00" * 40) is None
    assert parse_image_header(b"\xff\xd8\xff\xda\x00\x04\x00\x00") is None  # scan before any frame


def test_gif_logical_screen_size() -> None:
    data = b"GIF89a" + struct.pack("<HH", 33, 17) + b"\x00" * 10
    assert parse_image_header(data) == ImageHeader(33, 17, None, "gif")
    assert parse_image_header(data[:9]) is None


def test_bmp_sizes_from_both_header_kinds() -> None:
    info = b"BM" + b"\x00" * 12 + struct.pack("<IiiHH", 40, 20, -10, 1, 24)
    assert parse_image_header(info) == ImageHeader(20, 10, "RGB", "bmp")
    core = b"BM" + b"\x00" * 12 + struct.pack("<IHHHH", 12, 7, 5, 1, 8)
    assert parse_image_header(core) == ImageHeader(7, 5, None, "bmp")
    assert parse_image_header(b"BM" + b"\x00" * 12 + struct.pack("<I", 99) + b"\x00" * 20) is None
    assert parse_image_header(info[:25]) is None


@pytest.mark.parametrize("data", [b"", None, b"\x00" * 64, b"<html>", b"RIFF....WEBP"])
def test_other_bytes_are_unknown(data: bytes | None) -> None:
    assert parse_image_header(data) is None


def test_array_axes_by_mode() -> None:
    assert mode_is_2d("L") and mode_is_2d("P") and mode_is_2d("1") and not mode_is_2d("RGB")
    assert (mode_bands("RGB"), mode_bands("RGBA"), mode_bands("LA"), mode_bands(None)) == (3, 4, 2, None)
    assert not mode_is_2d(None) and not mode_is_2d("YCbCr")
