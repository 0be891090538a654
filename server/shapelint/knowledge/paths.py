"""File paths built from literal parts: `os.path.join`, `pathlib.Path(...) / "x"`, `str(path)`.

Data overlays (np.load, pd.read_csv...) read the file a path names; a path built from literal
strings is as good as a literal. A `pathlib.Path` is `ObjectValue("pathlib.Path", state=text)`.
"""

from __future__ import annotations

import os

from shapelint.calls import CallArgs
from shapelint.knowledge.registry import Evaluator, attribute, function, method
from shapelint.values import UNKNOWN, Const, ObjectValue, Value, const_str

_PATH = "pathlib.Path"


def path_text(value: Value | None) -> str | None:
    """The text of a path value: a literal string or a Path built from literal parts; None otherwise."""
    if value is None:
        return None
    if isinstance(value, ObjectValue) and value.cls == _PATH and isinstance(value.state, str):
        return value.state
    return const_str(value)


def _parts(call: CallArgs) -> list[str] | None:
    if call.has_star or call.kwargs:
        return None
    parts = [path_text(argument) for argument in call.args]
    return None if any(part is None for part in parts) else [p for p in parts if p is not None]


@function("os.path.join", "posixpath.join")
def _join(ev: Evaluator, call: CallArgs) -> Value:
    parts = _parts(call)
    return Const(os.path.join(*parts)) if parts else UNKNOWN


@function("os.path.dirname", "posixpath.dirname")
def _dirname(ev: Evaluator, call: CallArgs) -> Value:
    text = path_text(call.args[0]) if len(call.args) == 1 else None
    return Const(os.path.dirname(text)) if text is not None else UNKNOWN


@function("os.path.abspath", "os.path.realpath", "os.path.normpath")
def _same_place(ev: Evaluator, call: CallArgs) -> Value:
    # The workspace resolves the path itself (and refuses what leaves the root): keep the text.
    text = path_text(call.args[0]) if len(call.args) == 1 else None
    return Const(text) if text is not None else UNKNOWN


@function("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath")
def _path(ev: Evaluator, call: CallArgs) -> Value:
    parts = _parts(call)
    if parts is None:
        return UNKNOWN
    return ObjectValue(_PATH, os.path.join(*parts) if parts else ".")


@method(_PATH, "__truediv__", "joinpath")
def _child(ev: Evaluator, path: ObjectValue, call: CallArgs) -> Value:
    parts = _parts(call)
    base = path_text(path)
    return ObjectValue(_PATH, os.path.join(base, *parts)) if parts and base is not None else UNKNOWN


@method(_PATH, "__str__", "__fspath__", "as_posix")
def _text(ev: Evaluator, path: ObjectValue, call: CallArgs) -> Value:
    text = path_text(path)
    return Const(text) if text is not None else UNKNOWN


@method(_PATH, "resolve", "absolute")
def _resolved(ev: Evaluator, path: ObjectValue, call: CallArgs) -> Value:
    return path if path_text(path) is not None else UNKNOWN


@attribute(_PATH, "parent")
def _parent(ev: Evaluator, path: ObjectValue, name: str) -> Value:
    text = path_text(path)
    return ObjectValue(_PATH, os.path.dirname(text) or ".") if text is not None else UNKNOWN


@function("builtins.str")
def _str(ev: Evaluator, call: CallArgs) -> Value:
    first = call.args[0] if len(call.args) == 1 and not call.kwargs else None
    if isinstance(first, Const) and type(first.value) in (str, int, float, bool):
        return Const(str(first.value))
    text = path_text(first)
    return Const(text) if text is not None else UNKNOWN
