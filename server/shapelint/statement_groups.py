"""A program's top-level statements in independent groups: statements that share no name.

Two top-level statements can only affect each other through a module-level name one of them
binds and the other reads or binds (directly, or in a function or class body that reads the
global). Grouping the chunks (source.Chunk) by such names splits a file of independent
blocks (one model per block, a helper and its callers) into groups that can be analysed,
and cached, apart: an edit re-analyses only its own group.

Names come from CPython's symbol tables (`symtable`), which know Python's scoping exactly: a
function's parameters and locals never join it to a module-level name of the same spelling.
Statements that only import libraries form the prelude: their names (canonical library
names) are the same for everyone, so they join nothing and every group runs them.

Anything that could reach a name without spelling it (`globals()`, `exec`, `from m import *`)
makes the whole program one group, which is the plain analysis.
"""

from __future__ import annotations

import _symtable  # symtable's own tables, read without its wrapper objects (see `_names`)
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst

from shapelint import source
from shapelint.names import is_library
from shapelint.source import Chunk, Program
from shapelint.syntax import imported_modules
from shapelint.values import RefValue, Value

# Names that read or write module names without spelling them: no grouping is safe then.
_DYNAMIC = frozenset({"globals", "locals", "vars", "exec", "eval", "__import__", "__dict__", "get_ipython"})
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STAR_IMPORT = re.compile(r"\bimport\s*\(?\s*\*")


@dataclass(frozen=True)
class ChunkNames:
    """The module-level names one chunk touches (reads or binds), and those it binds."""

    touched: frozenset[str]
    bound: frozenset[str]


@dataclass(frozen=True)
class ProgramPart:
    """What one group's analysis visits: chunk indexes in program order (the group's and the
    prelude's), and the prelude's bindings by chunk index (applied, not run)."""

    order: tuple[int, ...]
    prelude: Mapping[int, Mapping[str, Value]]


@dataclass(frozen=True)
class Grouping:
    """The groups of a program (chunk indexes in program order), and the prelude shared by all."""

    groups: tuple[tuple[int, ...], ...]
    prelude: Mapping[int, Mapping[str, Value]]

    def part(self, group: tuple[int, ...]) -> ProgramPart:
        return ProgramPart(tuple(sorted({*group, *self.prelude})), self.prelude)


@dataclass(frozen=True)
class ChunkInfo:
    """What grouping needs of one chunk's text: its names (None: it may touch any name; UNREAD for
    a chunk of library imports, read only if it does not join the prelude), whether it only
    imports libraries (a prelude candidate), and whether it has `import *`. `tabled`: the names
    were read from the symbol tables (not every identifier of a text Python refuses)."""

    names: ChunkNames | None
    library_imports: bool
    star_import: bool
    tabled: bool = True


UNREAD = ChunkNames(frozenset(), frozenset())  # names not read yet (compared by identity)


class _InfoCache:
    """Chunk text -> ChunkInfo, bounded (the oldest entry goes first)."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, ChunkInfo] = OrderedDict()
        self._lock = threading.Lock()

    def infos(self, chunks: Sequence[Chunk]) -> list[ChunkInfo]:
        """Each chunk's info, those not cached computed with warnings silenced once for all."""
        items = self._items
        found = [items.get(chunk.text) for chunk in chunks]  # no lock and no reordering on a hit
        if all(info is not None for info in found):
            return found  # type: ignore[return-value]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for at, chunk in enumerate(chunks):
                if found[at] is None:
                    found[at] = self._compute(chunk)
        return found  # type: ignore[return-value]

    def _compute(self, chunk: Chunk) -> ChunkInfo:
        text = chunk.text
        assert chunk.module is not None
        library_imports = _library_imports_only(chunk.module)
        tabled = True
        if library_imports:
            names: ChunkNames | None = UNREAD  # the prelude's names are never asked for
        else:
            kept = self._kept_by_edit(text)
            names, tabled = (kept.names, True) if kept is not None else _names(text)
        found = ChunkInfo(names, library_imports, bool(_STAR_IMPORT.search(text)), tabled)
        with self._lock:
            self._items[text] = found
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return found

    def _kept_by_edit(self, text: str) -> ChunkInfo | None:
        """The info of the text a keystroke made `text` from, when its names hold for `text` too:
        the edit replaced one simple statement inside a block (`source.PARSE_CACHE.spliced_from`)
        by one that gives every name the same flags in the symbol tables (typing a number, an
        attribute, a string), so the tables of the whole text are the same."""
        origin = source.PARSE_CACHE.spliced_from(text)
        if origin is None:
            return None
        old_text, spliced = origin
        old = self._items.get(old_text)
        if old is None or not old.tabled or old.names is UNREAD or old.library_imports:
            return None
        return old if same_scope_effect(spliced.old_code, spliced.new_code, spliced.scope) else None

    def read_names(self, chunk: Chunk, info: ChunkInfo) -> ChunkNames | None:
        """The names of a chunk of library imports that did not join the prelude (UNREAD until now),
        read once: kept in its info for the next grouping."""
        names = chunk_names(chunk.text)
        with self._lock:
            if self._items.get(chunk.text) is info:
                self._items[chunk.text] = replace(info, names=names)
        return names


INFO_CACHE = _InfoCache()


def chunk_names(text: str) -> ChunkNames | None:
    """The module-level names a statement's text touches and binds; None when it may touch any."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _names(text)[0]


def _names(text: str) -> tuple[ChunkNames | None, bool]:
    """`chunk_names`, warnings already silenced (grouping a program silences them once for all its
    chunks), and whether they were read from the symbol tables (`ChunkInfo.tabled`)."""
    try:
        return _table_names(text), True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _every_identifier(text), False


def _every_identifier(text: str) -> ChunkNames | None:
    """Python 3.11 refuses a few things libcst parses (top-level await in a notebook, newer
    syntax): every identifier of the text counts, as touched and as bound."""
    words = frozenset(_IDENTIFIER.findall(text))
    return None if words & _DYNAMIC else _interned(ChunkNames(words, words))


def _table_names(text: str) -> ChunkNames | None:
    """The names of `text` read from its symbol tables (raises what `symtable` raises).

    The symbol tables are read as `symtable.Symbol` reads them (`is_assigned`, `is_imported`,
    `is_declared_global`, `is_global`), from the flags of `_symtable`'s tables directly: the
    `symtable` module's objects cost more than building the tables.
    """
    table = _symtable.symtable(text, "<statement>", "exec")
    touched: set[str] = set()
    bound: set[str] = set()
    pending = [table]
    while pending:
        current = pending.pop()
        symbols: dict[str, int] = current.symbols
        if current.type == _symtable.TYPE_MODULE:
            touched.update(symbols)
            for name, flags in symbols.items():
                if flags & _BINDS or (flags >> _SCOPE_OFF) & _SCOPE_MASK == _GLOBAL_EXPLICIT:
                    bound.add(name)
        else:
            module_scope = current.name == "top"  # as `symtable.SymbolTable.lookup` decides it
            for name, flags in symbols.items():
                scope = (flags >> _SCOPE_OFF) & _SCOPE_MASK
                if scope in _GLOBAL_SCOPES or (module_scope and flags & _symtable.DEF_BOUND):
                    touched.add(name)
                    if flags & _BINDS:
                        bound.add(name)
        pending.extend(current.children)
    if touched & _DYNAMIC:
        return None
    return _interned(ChunkNames(frozenset(touched), frozenset(bound)))


# A statement alone in a scope of the kind it is in (statement_splice.Spliced.scope).
_SCOPE_HEADERS = {"function": "def _():\n", "class": "class _:\n", "module": "if 1:\n"}


def same_scope_effect(old_code: str, new_code: str, scope: str) -> bool:
    """Whether two versions of one simple statement (its lines at their indentation, in a scope of
    kind `scope`) give every name the same flags in the symbol tables, and have the same nested
    scopes (lambdas, comprehensions) with the same flags.

    A statement's part of its scope's table is the flags of the names it uses, binds, imports or
    declares, which do not depend on the statements around it; the scopes of a text follow from
    those parts alone. So when each version is read alone in a scope of the same kind, equal
    tables mean the whole texts have equal tables too. Warnings are the caller's to silence.
    """
    header = _SCOPE_HEADERS[scope]
    try:
        old_table = _symtable.symtable(header + old_code, "<statement>", "exec")
        pending = [(old_table, _symtable.symtable(header + new_code, "<statement>", "exec"))]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    while pending:
        old, new = pending.pop()
        if old.type != new.type or old.name != new.name or old.symbols != new.symbols:
            return False
        if len(old.children) != len(new.children):
            return False
        pending.extend(zip(old.children, new.children))
    return True


_BINDS = _symtable.DEF_LOCAL | _symtable.DEF_IMPORT  # Symbol.is_assigned() or Symbol.is_imported()
_SCOPE_OFF, _SCOPE_MASK = _symtable.SCOPE_OFF, _symtable.SCOPE_MASK
_GLOBAL_EXPLICIT = _symtable.GLOBAL_EXPLICIT  # Symbol.is_declared_global()
_GLOBAL_SCOPES = (_symtable.GLOBAL_IMPLICIT, _symtable.GLOBAL_EXPLICIT)  # Symbol.is_global(), with module_scope


# Equal ChunkNames are one object, so a grouping's signature compares them by identity (fast).
_INTERNED: dict[ChunkNames, ChunkNames] = {}


def forget() -> None:
    """Forget every chunk's names and every grouping (what `engine.forget_texts` does here)."""
    global INFO_CACHE
    INFO_CACHE = _InfoCache()
    _GROUPINGS.clear()
    _INTERNED.clear()


def _interned(names: ChunkNames) -> ChunkNames:
    if len(_INTERNED) > 200_000:
        _INTERNED.clear()  # only costs regrouping once
    return _INTERNED.setdefault(names, names)


def group_statements(program: Program, prelude_bindings: Callable[[Chunk], Mapping[str, Value] | None]) -> Grouping:
    """The program's chunks grouped by the module-level names they share.

    `prelude_bindings(chunk)` runs a chunk of library imports and returns what it binds (None
    when the chunk is not only library imports); such chunks join no group and run in all.
    """
    runnable = [chunk for chunk in program.chunks if chunk.module is not None]
    infos = INFO_CACHE.infos(runnable)
    if any(info.star_import for info in infos):
        return _one_group(runnable, {})  # `from m import *` may bind any name
    prelude: dict[int, Mapping[str, Value]] = {}
    signature: list[tuple[int, ChunkNames]] = []
    for chunk, info in zip(runnable, infos):
        if info.library_imports:
            bindings = prelude_bindings(chunk)
            if bindings is not None and all(type(value) is RefValue for value in bindings.values()):
                prelude[chunk.index] = bindings
                continue
        names = INFO_CACHE.read_names(chunk, info) if info.names is UNREAD else info.names
        if names is None:
            return _one_group(runnable, {})
        signature.append((chunk.index, names))
    key = tuple([(index, id(names)) for index, names in signature])
    with _GROUPINGS_LOCK:
        found = _GROUPINGS.get(key)
    groups = found[0] if found is not None else None
    if groups is None:
        groups = _union_by_names(signature)
        with _GROUPINGS_LOCK:
            _GROUPINGS[key] = (groups, signature)
            while len(_GROUPINGS) > 16:
                del _GROUPINGS[next(iter(_GROUPINGS))]
    return Grouping(groups, prelude)


# The last groupings computed, by the chunks' names (interned: by identity, and kept alive here):
# an edit that changes no name regroups nothing.
_GROUPINGS: dict[tuple[tuple[int, int], ...], tuple[tuple[tuple[int, ...], ...], list[tuple[int, ChunkNames]]]] = {}
_GROUPINGS_LOCK = threading.Lock()


def _union_by_names(signature: list[tuple[int, ChunkNames]]) -> tuple[tuple[int, ...], ...]:
    names = dict(signature)
    bound_anywhere: set[str] = set()
    for found in names.values():
        bound_anywhere |= found.bound
    parent = {index: index for index in names}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    first_toucher: dict[str, int] = {}
    for index, found in names.items():
        for name in found.touched:
            if name not in bound_anywhere:
                continue  # a builtin or a library name from the prelude: shared by nobody
            other = first_toucher.setdefault(name, index)
            if other != index:
                a, b = root(index), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for index in names:  # dicts keep program order
        groups.setdefault(root(index), []).append(index)
    return tuple(tuple(group) for group in groups.values())


def one_group(program: Program) -> Grouping:
    """Every statement of the program in one group, with no prelude: the plain analysis."""
    return _one_group((chunk for chunk in program.chunks if chunk.module is not None), {})


def _one_group(chunks: Iterable[Chunk], prelude: Mapping[int, Mapping[str, Value]]) -> Grouping:
    return Grouping((tuple(chunk.index for chunk in chunks),), prelude)


def _library_imports_only(module: cst.Module) -> bool:
    """A chunk of plain imports of libraries (known ones or the standard library's; no `import *`)."""
    if not module.body:
        return False
    for statement in module.body:
        if type(statement) is not cst.SimpleStatementLine:
            return False
        for small in statement.body:
            heads = imported_modules(small)
            if heads is None or (type(small) is cst.ImportFrom and isinstance(small.names, cst.ImportStar)):
                return False
            if not all(head is not None and is_library(head.split(".")[0]) for head in heads):
                return False
    return True
