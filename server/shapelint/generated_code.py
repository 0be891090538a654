"""The compiled code of the methods `dataclasses` and `attrs` write, kept between runs as Python
keeps `.pyc` files.

`@dataclass` (and `attrs`, under lsprotocol's ~570 message classes) writes each class's `__init__`,
`__repr__`, `__eq__`... as source text and compiles it while the class is created. Importing libcst
and the engine compiles about 1,300 such texts: a third of the start-up of `shapelint check`; the
language server's protocol classes add as much again. Inside `cached_generated_code()`, those modules
find an `exec` or a `compile` of their own (a global of their module, which their lookup reaches before
the builtin) that returns the stored code object of a text compiled before, and compiles the others
exactly as the builtin would: same file name, mode, optimisation level and the calling module's future
flags, which are part of the key.

The code is stored in shapelint's `__pycache__` folder, in one file per set of writers, interpreter
version and optimisation level (`marshal`, like `.pyc` files, and trusted as they are). A new libcst, attrs or
Python version only misses. A file that cannot be read is ignored; one that cannot be written is not
written; `sys.dont_write_bytecode` is obeyed. The classes are those the builtins would make.
"""

from __future__ import annotations
import __future__

import builtins
import importlib.util
import marshal
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from types import CodeType

# The header: the format, and the bytecode version (as in a .pyc file, which a patch release may change).
FORMAT = b"shapelint generated code 2 " + importlib.util.MAGIC_NUMBER + b"\n"
MAX_BYTES = 16 * 1024 * 1024  # a larger file is not read: the server's classes take about 3 MB
MAX_ENTRIES = 6_000  # texts kept; the server makes about 1,700, `check` about 950 of those
# The module that writes methods, and the builtin it compiles them with.
WRITERS = {"dataclasses": "exec", "attr._make": "compile"}
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

Key = tuple[str, str, str, int]  # source, file name, mode, future flags


def cache_path(folder: str | None = None, writers: Sequence[str] = ("dataclasses",)) -> str | None:
    """Where this interpreter's stored code for the classes of `writers` lives (`check` and the
    server read different files: `check` makes no attrs class, and reads half as much); None when
    the interpreter keeps no bytecode cache at all."""
    tag = sys.implementation.cache_tag
    if tag is None:
        return None
    folder = folder or os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
    return os.path.join(folder, f"generated-code.{'+'.join(writers)}.{tag}.opt{sys.flags.optimize}.marshal")


class CodeStore:
    """Code objects by what they were compiled from: those read from the file, and those this run used."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        # Marshalled code by key, read when the first class is made: each is unmarshalled when used
        # (`check` uses about half of what the server stores).
        self.stored: dict[Key, bytes] | None = None
        self.used: dict[Key, CodeType] = {}
        self.compiled = 0  # texts that were not stored

    def code(self, source: str, filename: str, mode: str, flags: int) -> CodeType:
        if self.stored is None:
            self.stored = _read(self.path)
        key = (source, filename, mode, flags)
        code = _code(self.stored.get(key))
        if code is None:
            code = builtins.compile(source, filename, mode, flags, dont_inherit=True)
            self.compiled += 1
        self.used[key] = code
        return code

    def exec(
        self, source: object, globals: dict[str, object] | None = None, locals: object = None, /, **more: object
    ) -> None:
        """`exec` as called by `dataclasses`, with explicit globals (a text compiles as `exec` would)."""
        if isinstance(source, str) and globals is not None:
            source = self.code(source, "<string>", "exec", _caller_flags())
        elif globals is None:  # the caller's globals: not this module's
            globals = sys._getframe(1).f_globals
        builtins.exec(source, globals, locals, **more)  # type: ignore[arg-type]

    def compile(
        self, source: object, filename: str, mode: str, flags: int = 0, dont_inherit: bool = False, optimize: int = -1
    ) -> CodeType:
        """`compile`, with the caller's future flags inherited as the builtin inherits them."""
        if not dont_inherit:
            flags |= _caller_flags()
        if isinstance(source, str) and optimize == -1 and not flags & ~_FUTURE_FLAGS:
            return self.code(source, filename, mode, flags)
        return builtins.compile(source, filename, mode, flags, True, optimize)  # type: ignore[call-overload,no-any-return]

    def save(self) -> None:
        """Store what this run used, with what was stored (`check` and the server make different
        classes), when it compiled more than a few texts: the file is not rewritten for the odd text
        that differs in every process (attrs writes some hash values into the code of a few classes).
        Past MAX_ENTRIES only what this run used is kept, so texts nobody makes any more go."""
        if self.compiled * 50 <= len(self.used) or self.path is None or sys.dont_write_bytecode:
            return
        used = {key: marshal.dumps(code) for key, code in self.used.items()}
        kept = {**(self.stored or {}), **used}
        if len(kept) > MAX_ENTRIES:
            kept = used
        temporary = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(temporary, "wb") as file:
                file.write(FORMAT)
                marshal.dump(kept, file)
            os.replace(temporary, self.path)  # a reader sees the old file or the new one, whole
        except (OSError, ValueError):
            with suppress(OSError):
                os.unlink(temporary)


def _caller_flags() -> int:
    """The future flags of the code that called the builtin's stand-in (two frames up)."""
    return sys._getframe(2).f_code.co_flags & _FUTURE_FLAGS


def _code(stored: object) -> CodeType | None:
    try:
        code = marshal.loads(stored) if isinstance(stored, bytes) else None
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _read(path: str | None) -> dict[Key, bytes]:
    if path is None:
        return {}
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError:
        return {}
    if len(data) > MAX_BYTES or not data.startswith(FORMAT):
        return {}
    try:
        stored = marshal.loads(memoryview(data)[len(FORMAT) :])  # not a copy of megabytes
    except (EOFError, ValueError, TypeError):
        return {}
    return stored if isinstance(stored, dict) else {}  # a key that is no Key is never looked up


@contextmanager
def cached_generated_code(*writers: str, folder: str | None = None) -> Iterator[CodeStore]:
    """Classes made in the block by `writers` (modules of WRITERS, imported here; default: dataclasses)
    reuse the stored code of their methods; what was compiled is stored when the block ends. A writer
    that already has a stand-in (a nested block) keeps it."""
    writers = writers or ("dataclasses",)
    store = CodeStore(cache_path(folder, writers))
    hooked = []
    for name in writers:
        module = importlib.import_module(name)
        builtin = WRITERS[name]
        if builtin not in vars(module):
            setattr(module, builtin, getattr(store, builtin))
            hooked.append((module, builtin))
    try:
        yield store
    finally:
        for module, builtin in hooked:
            del vars(module)[builtin]
    store.save()
