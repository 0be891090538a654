"""The user's own modules: `from data import load_data`, `import preprocessing as pp`,
`from .model import build_model`, `from utils.data import make_dataset`.

A module of the project is found in the workspace (the document's folder first, then the
workspace root; packages with `__init__.py`, folders without one as namespace packages;
relative imports from the importing file's package), read as text through the `Workspace`
(never imported or executed), parsed and interpreted on its own, and its top-level names
(functions, classes, constants like `IMG_SIZE = 224`) are bound in the importing document.

Python's import order decides who wins: a module beside the script shadows a library of the
same name (as `python script.py` would import the user's `keras.py`), a module found only at
the workspace root or a namespace folder never shadows a library shapelint knows. Without a
file, an import is the library's, as before.

Each module is interpreted once per content: results are cached by real path, text digest,
the search folders and the Keras version, bounded in entries and bytes, and re-used while
the modules it imported in turn are unchanged (an open editor buffer counts over the disk)
and no file has appeared where one of its imports found nothing (`helpers.py` created beside
a module that imports `helpers`).
Everything that cannot be followed is unknown, silently: a module shapelint cannot read, a
syntax error in it, an import cycle, a chain deeper than `MAX_IMPORT_DEPTH`, a module larger
than `MAX_MODULE_BYTES`.

Values shared between analyses must not be mutated by them, so a module exports only
immutable data, functions and classes; its layers, models and instances are unknown to the
importer (and to the module's functions called from the importer).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field

from shapelint import read_log
from shapelint.interpreter import Interpreter
from shapelint.names import is_library
from shapelint.source import parse_program
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    ClassValue,
    Const,
    DatasetValue,
    DictValue,
    FunctionValue,
    ModuleValue,
    ObjectValue,
    RefValue,
    Seq,
    Value,
)
from shapelint.workspace import Workspace

MAX_IMPORT_DEPTH = 8  # longest chain of project modules importing each other that is followed
MAX_MODULES_PER_ANALYSIS = 64  # project modules one analysis may load (cache hits included)
MAX_MODULE_BYTES = 512 * 1024  # a larger module is not read
_CACHE_ENTRIES = 128
_CACHE_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class _Exports:
    """One interpreted module: its shareable top-level names and what it read to get them."""

    names: Mapping[str, Value]
    dependencies: tuple[tuple[str, str], ...]  # (real path, digest) of every module read, transitively
    size: int
    # Where a module it imports was looked for and nothing was there, transitively: a file created
    # there changes what the import means.
    absent: tuple[str, ...] = ()
    # What interpreting it saw on disk, when that was recorded (for results stored on disk).
    observed: tuple[read_log.Observation, ...] | None = None


class _ModuleCache:
    """Interpreted modules by (path, digest, search folders, Keras), LRU-bounded in entries and bytes."""

    def __init__(self, entries: int = _CACHE_ENTRIES, total_bytes: int = _CACHE_BYTES) -> None:
        self._entries = entries
        self._bytes = total_bytes
        self._items: OrderedDict[tuple[object, ...], _Exports] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.interpreted = 0  # how many modules were interpreted (not found in the cache): for tests and benchmarks

    def get(self, key: tuple[object, ...]) -> _Exports | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[object, ...], exports: _Exports) -> None:
        with self._lock:
            previous = self._items.pop(key, None)
            if previous is not None:
                self._size -= previous.size
            self._items[key] = exports
            self._size += exports.size
            while self._items and (len(self._items) > self._entries or self._size > self._bytes):
                _, evicted = self._items.popitem(last=False)
                self._size -= evicted.size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


MODULE_CACHE = _ModuleCache()


@dataclass
class _Session:
    """What all the loaders of one analysis share: the modules being loaded (cycles) and the count."""

    loading: list[str] = field(default_factory=list)
    loaded: int = 0
    read: dict[str, str] = field(default_factory=dict)  # real path -> digest, every module read
    # One dict per module being interpreted: the modules it read, directly or not.
    dependencies: list[dict[str, str]] = field(default_factory=list)
    # One set per module being interpreted: the paths its imports found empty, directly or not.
    absent: list[set[str]] = field(default_factory=list)
    looked_for: set[str] = field(default_factory=set)  # every path an import found empty

    def note(self, path: str, digest: str) -> None:
        self.read.setdefault(path, digest)
        for found in self.dependencies:
            found.setdefault(path, digest)

    def note_absent(self, *paths: str) -> None:
        self.looked_for.update(paths)
        for found in self.absent:
            found.update(paths)


class ProjectModules:
    """Finds and loads the project's modules for one document (the interpreter's module loader)."""

    def __init__(
        self,
        workspace: Workspace,
        keras_major: int = 3,
        importer: str | None = None,
        session: _Session | None = None,
    ) -> None:
        self.workspace = workspace
        self.keras_major = keras_major
        self.importer = importer if importer is not None else workspace.document  # relative imports start here
        self.session = session if session is not None else _Session()
        bases = [workspace.directory, workspace.root]
        self.bases = tuple(dict.fromkeys(os.path.abspath(b) for b in bases if b))

    @property
    def imported_paths(self) -> tuple[str, ...]:
        """The real paths of every project module this analysis read (directly or not)."""
        return tuple(sorted(self.session.read))

    @property
    def absent_paths(self) -> tuple[str, ...]:
        """Where this analysis looked for a project module and found nothing (a module created there counts)."""
        return tuple(sorted(self.session.looked_for))

    # Resolution ---------------------------------------------------------------------------------

    def resolve(self, dotted: str, level: int = 0) -> list[ModuleValue] | None:
        """The modules of `dotted` (`a.b.c` -> [a, a.b, a.b.c]), or None when it is not the project's.

        A module of the project whose file cannot be followed (syntax error, cycle, too large)
        is a ModuleValue with no names: it still wins over a library of the same name.
        """
        if not self.workspace.readable:
            return None
        parts = [p for p in dotted.split(".") if p] if dotted else []
        if level > 0:
            folder = self._relative_folder(level)
            if folder is None:
                return None
            if not parts:
                return [self._load_folder(folder, ".")]
            found = self._find_in(folder, parts[0], library_wins=False)
        else:
            if not parts:
                return None
            found = None
            for index, base in enumerate(self.bases):
                found = self._find_in(base, parts[0], library_wins=index > 0)
                if found is not None:
                    break
        if found is None:
            return None
        chain = [found[0]]
        folder = found[1]
        name = parts[0]
        for part in parts[1:]:
            name = f"{name}.{part}"
            inner = self._find_in(folder, part, library_wins=False, name=name) if folder is not None else None
            if inner is None:
                return []  # the project's package, without that module: unknown, never the library's
            chain.append(inner[0])
            folder = inner[1]
        return chain

    def submodule(self, module: ModuleValue, name: str) -> ModuleValue | None:
        """`from package import name` when `name` is a module of the package, not a name in it."""
        if module.folder is None:
            return None
        found = self._find_in(module.folder, name, library_wins=False, name=f"{module.name}.{name}")
        return found[0] if found is not None else None

    def _relative_folder(self, level: int) -> str | None:
        if self.importer is None:
            return None
        folder = os.path.dirname(os.path.abspath(self.importer))
        for _ in range(level - 1):
            folder = os.path.dirname(folder)
        return folder

    def _find_in(
        self, folder: str, part: str, *, library_wins: bool, name: str | None = None
    ) -> tuple[ModuleValue, str | None] | None:
        """The module `part` in `folder`: (its value, its folder when it is a package)."""
        if not part.isidentifier():
            return None
        name = name or part
        # One stat first: most imports name a library, and nothing of that name is in the folder.
        candidates = (os.path.join(folder, part), os.path.join(folder, f"{part}.py"))
        if not read_log.exists(candidates[0]) and not read_log.exists(candidates[1]):
            self.session.note_absent(*candidates)
            return None
        package = self.workspace.locate(os.path.join(folder, part, "__init__.py"))
        if package is not None and os.path.isfile(package):
            if library_wins and is_library(part):
                return None
            return self._load(package, name, os.path.dirname(package)), os.path.dirname(package)
        module = self.workspace.locate(os.path.join(folder, f"{part}.py"))
        if module is not None and os.path.isfile(module):
            if library_wins and is_library(part):
                return None
            return self._load(module, name, None), None
        namespace = self.workspace.locate(os.path.join(folder, part))
        if namespace is not None and os.path.isdir(namespace) and not is_library(part):
            # A folder without __init__.py is a namespace package: only its submodules are known.
            return ModuleValue(name, None, {}, namespace), namespace
        return None

    def _load_folder(self, folder: str, name: str) -> ModuleValue:
        init = self.workspace.locate(os.path.join(folder, "__init__.py"))
        if init is not None and os.path.isfile(init):
            return self._load(init, name, folder)
        return ModuleValue(name, None, {}, folder)

    # Loading ------------------------------------------------------------------------------------

    def _load(self, path: str, name: str, folder: str | None) -> ModuleValue:
        names = self._names_of(path)
        return ModuleValue(name, path, names if names is not None else {}, folder)

    def _names_of(self, path: str) -> Mapping[str, Value] | None:
        session = self.session
        if path in session.loading or len(session.loading) >= MAX_IMPORT_DEPTH:
            return None  # a cycle, or too deep a chain: unknown
        if session.loaded >= MAX_MODULES_PER_ANALYSIS:
            return None
        session.loaded += 1
        text = self.workspace.read_text(path, MAX_MODULE_BYTES)
        if text is None:
            return None
        digest = _digest(text)
        session.note(path, digest)
        key = (path, digest, self.bases, self.keras_major)
        cached = MODULE_CACHE.get(key)
        recording = read_log.active()
        if cached is not None and (cached.observed is not None or not recording) and self._still_valid(cached):
            for dependency, dependency_digest in cached.dependencies:
                session.note(dependency, dependency_digest)
            session.note_absent(*cached.absent)
            read_log.replay(cached.observed or ())
            return cached.names
        session.loading.append(path)
        session.dependencies.append({})
        session.absent.append(set())
        try:
            with read_log.recording() if recording else contextlib.nullcontext(None) as observed:
                names = self._interpret(path, text)
        finally:
            session.loading.pop()
            read = session.dependencies.pop()
            absent = session.absent.pop()
        read.pop(path, None)
        if names is not None:
            seen = tuple(observed) if observed is not None else None
            exports = _Exports(names, tuple(sorted(read.items())), len(text), tuple(sorted(absent)), seen)
            MODULE_CACHE.put(key, exports)
        return names

    def _still_valid(self, exports: _Exports) -> bool:
        for path, digest in exports.dependencies:
            text = self.workspace.read_text(path, MAX_MODULE_BYTES)
            if text is None or _digest(text) != digest:
                return False
        # A module file created where an import found nothing: that import now means the new module.
        return not any(os.path.lexists(path) for path in exports.absent)

    def _interpret(self, path: str, text: str) -> dict[str, Value] | None:
        MODULE_CACHE.interpreted += 1
        program = parse_program([text], notebook=False)
        if program.syntax_errors:
            return None  # Python would not import it at all
        loader = ProjectModules(self.workspace, self.keras_major, importer=path, session=self.session)
        interpreter = Interpreter(program, keras_major=self.keras_major, workspace=self.workspace, modules=loader)
        interpreter.foreign = True
        names = interpreter.run_module()
        # Closures of the module's functions read this very dict: it must hold shareable values only.
        for key in list(names):
            names[key] = shareable(names[key])
        return names


def shareable(value: Value, depth: int = 0) -> Value:
    """`value` if analyses may share it without changing it (data, functions, classes), else unknown."""
    if depth > 16:
        return UNKNOWN
    if isinstance(value, (Const, RefValue, ArrayValue, FunctionValue, ClassValue, ModuleValue)):
        return value
    if isinstance(value, Seq):
        items = tuple(shareable(item, depth + 1) for item in value.items)
        return value if items == value.items else Seq(items, value.kind)
    if isinstance(value, DictValue):
        return DictValue(
            tuple(shareable(k, depth + 1) for k in value.keys), tuple(shareable(v, depth + 1) for v in value.values)
        )
    if isinstance(value, DatasetValue):
        element = shareable(value.element, depth + 1)
        return value if element is value.element else DatasetValue(element, value.batched)
    if isinstance(value, ObjectValue) and isinstance(value.state, (type(None), int, float, str, bool)):
        return value
    return UNKNOWN


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
