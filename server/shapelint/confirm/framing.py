"""The worker protocol's framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.

Both ends use these functions; the client adds deadlines on top (see `process.py`).
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct(">I")
# A response carries shapes and at most a few KB of error text; anything this large is a bug.
MAX_FRAME_BYTES = 64 * 1024 * 1024


class FramingError(Exception):
    """The peer closed the stream or sent something that is not a frame."""


def encode_frame(message: dict[str, Any]) -> bytes:
    """One message as header + JSON body."""
    body = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(body) > MAX_FRAME_BYTES:
        raise FramingError(f"message of {len(body)} bytes is larger than {MAX_FRAME_BYTES}")
    return HEADER.pack(len(body)) + body


def frame_length(header: bytes) -> int:
    """The body length announced by a header; refuse absurd sizes before reading them."""
    (length,) = HEADER.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise FramingError(f"frame of {length} bytes announced, limit is {MAX_FRAME_BYTES}")
    return int(length)


def decode_body(body: bytes) -> dict[str, Any]:
    """The JSON object in a frame body."""
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FramingError(f"frame body is not JSON: {error}") from error
    if not isinstance(message, dict):
        raise FramingError("frame body is not a JSON object")
    return message


def read_frame(stream: BinaryIO) -> dict[str, Any] | None:
    """Read one message from a blocking stream; None at a clean end of stream."""
    header = _read_exactly(stream, HEADER.size)
    if header is None:
        return None
    body = _read_exactly(stream, frame_length(header))
    if body is None:
        raise FramingError("stream ended inside a frame")
    return decode_body(body)


def write_frame(stream: BinaryIO, message: dict[str, Any]) -> None:
    """Write one message and flush it."""
    stream.write(encode_frame(message))
    stream.flush()


def _read_exactly(stream: BinaryIO, size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            if chunks:
                raise FramingError("stream ended inside a frame")
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
