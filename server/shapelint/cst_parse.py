"""libcst's `parse_module`, without re-validating the nodes its own parser built.

Every libcst node checks its fields when it is constructed (`CSTNode.__post_init__` calls
`_validate`), which is a fifth of a parse: the checks matter for trees built by hand, not for
the ones the parser builds from text it has just accepted (libcst's own comment there says as
much). While shapelint parses, that hook is skipped: around a whole document's statements at
once (`validation_skipped`), since replacing a class attribute costs every node class's
attribute cache. This is done only when the hook is the one known to do nothing but validate;
with any other libcst, parsing is left as it is.
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


def _no_validation(self: CSTNode) -> None:
    """Nodes built by libcst's parser are valid: nothing to check."""


@contextmanager
def validation_skipped() -> Iterator[None]:
    """Parses inside this block skip node validation (so would nodes built by hand meanwhile,
    on any thread: shapelint builds none it relies on being checked)."""
    global _skipping
    if not SKIPS_VALIDATION:
        yield
        return
    with _lock:
        if _skipping == 0:
            CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
        _skipping += 1
    try:
        yield
    finally:
        with _lock:
            _skipping -= 1
            if _skipping == 0:
                CSTNode.__post_init__ = _validating_hook  # type: ignore[method-assign]


def parse_module(text: str) -> cst.Module:
    """`libcst.parse_module(text)`, the same tree, faster. Raises what libcst raises."""
    with validation_skipped():
        return cst.parse_module(text)
