"""HDF5 metadata: the shape and dtype of a file's datasets, read from its headers, never its data.

What h5py writes by default (`libver="earliest"`): a version 0/1 superblock, groups as symbol
tables (a version 1 B-tree of symbol nodes plus a local heap of names) and version 1 object
headers, where a dataset's dataspace message holds its dimensions and its datatype message its
element type. Files written with newer layouts (version 2/3 superblocks, "OHDR" object headers,
link messages) are not understood: the answer is None, never a guess. Every read goes through a
`read(offset, length)` callback (the workspace's bounded reads) and the walk is bounded in reads,
bytes, entries and depth.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_READS = 64  # per lookup: the superblock, a few B-tree nodes, heaps and object headers
MAX_BLOCK = 64 * 1024  # the largest metadata block read at once
MAX_ENTRIES = 4096  # names in one group
MAX_DEPTH = 8  # nested groups in a path, and B-tree levels

Reader = Callable[[int, int], "bytes | None"]

_DATASPACE, _DATATYPE, _CONTINUATION, _SYMBOL_TABLE = 0x0001, 0x0003, 0x0010, 0x0011


@dataclass(frozen=True)
class Hdf5Object:
    """A group (its B-tree and name heap) or a dataset (its shape and dtype) of an HDF5 file."""

    kind: str  # "group" | "dataset"
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    btree: int = 0
    heap: int = 0


class Hdf5Error(Exception):
    """The file is not in a layout this reader understands (or it is damaged): say nothing."""


class Hdf5File:
    """Bounded lookups of objects by path in one HDF5 file."""

    def __init__(self, read: Reader) -> None:
        self._read = read
        self._reads = 0
        head = self._bytes(0, 128)
        if head[:8] != HDF5_SIGNATURE or head[8] not in (0, 1):
            raise Hdf5Error("not an HDF5 file with a version 0/1 superblock")
        self.offsets, self.lengths = head[13], head[14]
        if self.offsets not in (2, 4, 8) or self.lengths not in (2, 4, 8):
            raise Hdf5Error("unusual address sizes")
        position = 24 + (4 if head[8] == 1 else 0)
        self.base = self._address(head, position)
        entry = position + 4 * self.offsets  # base, free space, end of file, driver block
        root_header = self._address(head, entry + self.offsets)
        cache_type = struct.unpack_from("<I", head, entry + 2 * self.offsets)[0]
        if cache_type == 1:  # the root's B-tree and heap cached in the superblock
            scratch = entry + 2 * self.offsets + 8
            btree, heap = self._address(head, scratch), self._address(head, scratch + self.offsets)
            self.root = Hdf5Object("group", btree=btree, heap=heap)
        else:
            self.root = self._object(root_header)
        if self.root.kind != "group":
            raise Hdf5Error("the root is not a group")

    def _bytes(self, offset: int, length: int) -> bytes:
        self._reads += 1
        if self._reads > MAX_READS or length > MAX_BLOCK or offset < 0:
            raise Hdf5Error("beyond the reading budget")
        data = self._read(offset, length)
        if data is None or len(data) < length:
            raise Hdf5Error("unreadable or truncated")
        return data

    def _address(self, data: bytes, position: int) -> int:
        if position + self.offsets > len(data):
            raise Hdf5Error("truncated")
        return int.from_bytes(data[position : position + self.offsets], "little")

    def _length(self, data: bytes, position: int) -> int:
        if position + self.lengths > len(data):
            raise Hdf5Error("truncated")
        return int.from_bytes(data[position : position + self.lengths], "little")

    def lookup(self, path: str) -> Hdf5Object | None:
        """The object at `path` ("x_train", "/test/x"), or None when there is none."""
        self._reads = 1  # the budget is per lookup (the superblock was one read)
        current = self.root
        parts = [part for part in path.split("/") if part]
        if len(parts) > MAX_DEPTH:
            raise Hdf5Error("path too deep")
        for part in parts:
            if current.kind != "group":
                return None
            address = self.members(current).get(part)
            if address is None:
                return None
            current = self._object(address)
        return current

    def members(self, group: Hdf5Object) -> dict[str, int]:
        """A group's names and the addresses of their object headers."""
        names = self._heap(group.heap)
        out: dict[str, int] = {}
        for node in self._symbol_nodes(group.btree, 0):
            data = self._bytes(self.base + node, 8)
            if data[:4] != b"SNOD":
                raise Hdf5Error("not a symbol node")
            count = struct.unpack_from("<H", data, 6)[0]
            size = 2 * self.offsets + 24
            entries = self._bytes(self.base + node + 8, count * size)
            for index in range(count):
                name_offset = self._address(entries, index * size)
                end = names.find(b"\x00", name_offset)
                if end < 0:
                    raise Hdf5Error("a name outside the heap")
                out[names[name_offset:end].decode("utf-8", "replace")] = self._address(
                    entries, index * size + self.offsets
                )
                if len(out) > MAX_ENTRIES:
                    raise Hdf5Error("too many names")
        return out

    def _heap(self, address: int) -> bytes:
        head = self._bytes(self.base + address, 8 + 2 * self.lengths + self.offsets)
        if head[:4] != b"HEAP":
            raise Hdf5Error("not a local heap")
        size = self._length(head, 8)
        data = self._address(head, 8 + 2 * self.lengths)
        return self._bytes(self.base + data, size)

    def _symbol_nodes(self, address: int, depth: int) -> list[int]:
        if depth > MAX_DEPTH:
            raise Hdf5Error("B-tree too deep")
        fixed = 8 + 2 * self.offsets
        head = self._bytes(self.base + address, fixed)
        if head[:4] != b"TREE" or head[4] != 0:
            raise Hdf5Error("not a group B-tree node")
        level, used = head[5], struct.unpack_from("<H", head, 6)[0]
        if used > MAX_ENTRIES:
            raise Hdf5Error("too many children")
        body = self._bytes(self.base + address + fixed, used * (self.lengths + self.offsets) + self.lengths)
        children = [self._address(body, self.lengths + i * (self.lengths + self.offsets)) for i in range(used)]
        if level == 0:
            return children
        nodes: list[int] = []
        for child in children:
            nodes.extend(self._symbol_nodes(child, depth + 1))
        return nodes

    def _object(self, address: int) -> Hdf5Object:
        head = self._bytes(self.base + address, 16)
        if head[0] != 1:
            raise Hdf5Error("not a version 1 object header")
        count = struct.unpack_from("<H", head, 2)[0]
        size = struct.unpack_from("<I", head, 8)[0]
        blocks = [(self.base + address + 16, size)]
        shape: tuple[int, ...] | None = None
        dtype: str | None = None
        table: tuple[int, int] | None = None
        typed = False
        seen = 0
        while blocks and seen < count:
            start, length = blocks.pop(0)
            data = self._bytes(start, length)
            position = 0
            while position + 8 <= len(data) and seen < count:
                kind, message_size = struct.unpack_from("<HH", data, position)
                body = data[position + 8 : position + 8 + message_size]
                position += 8 + message_size
                seen += 1
                if kind == _DATASPACE:
                    shape = self._dataspace(body)
                elif kind == _DATATYPE:
                    typed, dtype = True, _datatype(body)
                elif kind == _SYMBOL_TABLE:
                    table = (self._address(body, 0), self._address(body, self.offsets))
                elif kind == _CONTINUATION:
                    blocks.append((self.base + self._address(body, 0), self._length(body, self.offsets)))
        if table is not None:
            return Hdf5Object("group", btree=table[0], heap=table[1])
        if shape is not None and typed:
            return Hdf5Object("dataset", shape, dtype)
        raise Hdf5Error("neither a group nor a dataset")

    def _dataspace(self, body: bytes) -> tuple[int, ...]:
        if len(body) < 8 or body[0] not in (1, 2):
            raise Hdf5Error("unknown dataspace")
        rank = body[1]
        if body[0] == 2 and body[3] == 2:
            raise Hdf5Error("a null dataspace")
        start = 8 if body[0] == 1 else 4
        return tuple(self._length(body, start + i * self.lengths) for i in range(rank))


def _datatype(body: bytes) -> str | None:
    """NumPy's name of an element type: ints and floats; None for strings, compounds and the rest."""
    if len(body) < 8:
        return None
    kind = body[0] & 0x0F
    size = struct.unpack_from("<I", body, 4)[0]
    if kind == 0 and size in (1, 2, 4, 8):
        return f"{'int' if body[1] & 0x08 else 'uint'}{8 * size}"
    if kind == 1 and size in (2, 4, 8):
        return f"float{8 * size}"
    return None
