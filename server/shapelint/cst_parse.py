"""libcst's `parse_module`, without re-validating the nodes its own parser built.

Every libcst node checks its fields when it is constructed (`CSTNode.__post_init__` calls
`_validate`), which is a fifth of a parse: the checks matter for trees built by hand, not for
the ones the parser builds from text it has just accepted (libcst's own comment there says as
much). When this module is imported, that hook becomes one that validates unless a parse is
running (`validation_skipped`, entered once around a whole program's statements). The hook is
replaced once, not around each parse: replacing a class attribute empties the attribute cache
of every node class, which cost a notebook about a tenth of its parse when it was done per
cell. This is done only when the hook is the one known to do nothing but validate; with any
other libcst, parsing is left as it is.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.base import CSTNode

_lock = threading.Lock()
_skipping = 0  # how many callers are inside validation_skipped()
_validating_hook = CSTNode.__post_init__
# The hook of libcst 1.x is `self._validate()` and nothing else.
SKIPS_VALIDATION = _validating_hook.__code__.co_names == ("_validate",)


def _validate_unless_parsing(self: CSTNode) -> None:
    """libcst's hook, skipped while shapelint parses: nodes built by libcst's parser are valid."""
    if not _skipping:
        self._validate()


if SKIPS_VALIDATION:
    CSTNode.__post_init__ = _validate_unless_parsing  # type: ignore[method-assign]


@contextmanager
def validation_skipped() -> Iterator[None]:
    """Parses inside this block skip node validation (so would nodes built by hand meanwhile,
    on any thread: shapelint builds none it relies on being checked)."""
    global _skipping
    with _lock:
        _skipping += 1
    try:
        yield
    finally:
        with _lock:
            _skipping -= 1


def parse_module(text: str) -> cst.Module:
    """`libcst.parse_module(text)`, the same tree, faster. Raises what libcst raises."""
    global _skipping
    with _lock:  # validation_skipped(), inlined: this runs once per statement
        _skipping += 1
    try:
        return cst.parse_module(text)
    finally:
        with _lock:
            _skipping -= 1
