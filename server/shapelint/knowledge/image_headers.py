"""Image file headers: width, height and colour mode of PNG, JPEG, GIF and BMP files, from their first bytes.

Pure functions of bytes (the reading goes through `Workspace.read_head`, bounded); nothing is
decoded. Anything malformed, truncated, absurd or not understood gives None: unknown.

    header = parse_image_header(data)   # ImageHeader(width=64, height=48, mode="RGB", format="png")

`mode` is the PIL mode the file opens in ("L", "RGB", "RGBA", "P"...), or None when the header
alone cannot say; `bands` is the channel axis length of `np.array(image)` (None: 2-D array).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEAD_BYTES = 128 * 1024  # JPEG frame headers follow the EXIF block, which is at most 64 KiB
MAX_SIDE = 1 << 16  # larger sides are not believed (no format here stores more than 65535 anyway)

# PIL's mode for a PNG colour type and bit depth.
_PNG_MODES = {
    (0, 1): "1",
    (0, 2): "L",
    (0, 4): "L",
    (0, 8): "L",
    (0, 16): "I;16",
    (2, 8): "RGB",
    (2, 16): "RGB",
    (3, 1): "P",
    (3, 2): "P",
    (3, 4): "P",
    (3, 8): "P",
    (4, 8): "LA",
    (4, 16): "LA",
    (6, 8): "RGBA",
    (6, 16): "RGBA",
}
_JPEG_MODES = {1: "L", 3: "RGB", 4: "CMYK"}
# Start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC).
_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_MODE_BANDS = {
    "1": None,
    "L": None,
    "P": None,
    "I": None,
    "F": None,
    "I;16": None,
    "LA": 2,
    "RGB": 3,
    "RGBA": 4,
    "CMYK": 4,
}


@dataclass(frozen=True)
class ImageHeader:
    """What an image file's header says: its size, PIL mode (None: not known) and format."""

    width: int
    height: int
    mode: str | None
    format: str  # "png" | "jpeg" | "gif" | "bmp"
    exif: bool = False  # a JPEG with an EXIF block (its orientation may swap width and height)


def mode_bands(mode: str | None) -> int | None:
    """The channel axis length of np.array(image) in `mode` (None: 2-D, or unknown mode)."""
    return _MODE_BANDS.get(mode) if mode is not None else None


def mode_is_2d(mode: str | None) -> bool:
    """Whether np.array(image) in `mode` has two axes (one value per pixel)."""
    return mode in _MODE_BANDS and _MODE_BANDS[mode] is None


def _sides(width: int, height: int) -> bool:
    return 0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE


def parse_image_header(data: bytes | None) -> ImageHeader | None:
    """The header of a PNG, JPEG, GIF or BMP file from its first bytes, or None."""
    if not data:
        return None
    try:
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png(data)
        if data.startswith(b"\xff\xd8"):
            return _jpeg(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(data)
        if data.startswith(b"BM"):
            return _bmp(data)
    except (struct.error, IndexError, ValueError):
        return None
    return None


def _png(data: bytes) -> ImageHeader | None:
    # Signature, then the IHDR chunk: length, type, width, height, bit depth, colour type.
    if len(data) < 26 or data[12:16] != b"IHDR":
        return None
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    if not _sides(width, height):
        return None
    mode = _PNG_MODES.get((color, depth))
    if mode is None:
        return None  # not a valid PNG combination
    return ImageHeader(width, height, mode, "png")


def _jpeg(data: bytes) -> ImageHeader | None:
    position = 2
    exif = False
    end = len(data)
    while position + 4 <= end:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before them
            return None
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2:
            return None
        if marker == 0xE1 and data[position + 4 : position + 10] == b"Exif\x00\x00":
            exif = True
        if marker in _SOF_MARKERS:
            if position + 10 > end:
                return None
            _precision, height, width, components = struct.unpack(">BHHB", data[position + 4 : position + 10])
            if not _sides(width, height):
                return None  # a height of 0 is set later by a DNL marker: unknown
            return ImageHeader(width, height, _JPEG_MODES.get(components), "jpeg", exif)
        position += 2 + length
    return None


def _gif(data: bytes) -> ImageHeader | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    if not _sides(width, height):
        return None
    # "P" or "L" depending on the palette: either way np.array gives two axes.
    return ImageHeader(width, height, None, "gif")


def _bmp(data: bytes) -> ImageHeader | None:
    if len(data) < 18:
        return None
    (size,) = struct.unpack("<I", data[14:18])
    if size == 12:  # OS/2 BITMAPCOREHEADER
        if len(data) < 26:
            return None
        width, height, _planes, bits = struct.unpack("<HHHH", data[18:26])
    elif size in (40, 52, 56, 64, 108, 124):
        if len(data) < 30:
            return None
        width, height, _planes, bits = struct.unpack("<iiHH", data[18:30])
        height = abs(height)  # negative: rows stored top-down
    else:
        return None
    if not _sides(width, height):
        return None
    return ImageHeader(width, height, "RGB" if bits == 24 else None, "bmp")
