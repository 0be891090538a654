"""The stored code of generated dataclass and attrs methods (`shapelint.generated_code`): classes made
from the store are the classes the builtins make, and a bad or unwritable store changes nothing."""

from __future__ import annotations

import dataclasses
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from types import CodeType

import attr
import pytest
from shapelint import generated_code
from shapelint.generated_code import FORMAT, cache_path, cached_generated_code


@pytest.fixture(autouse=True)
def _writes_bytecode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _classes() -> list[type]:
    """A fresh set of classes, made the ways shapelint and its dependencies make them."""

    @dataclasses.dataclass(frozen=True)
    class Frozen:
        name: str
        size: int = 3
        tags: tuple[str, ...] = ()

    @dataclasses.dataclass(order=True, slots=True)
    class Ordered:
        rank: int
        label: str = dataclasses.field(default="x", compare=False)

    @dataclasses.dataclass(eq=False)
    class Plain:
        items: list[int] = dataclasses.field(default_factory=list)

        def __post_init__(self) -> None:
            self.items.append(1)

    @attr.define
    class Message:
        uri: str
        version: int | None = None

    @attr.frozen
    class Point:
        line: int
        character: int = attr.field(default=0)

    return [Frozen, Ordered, Plain, Message, Point]


def fingerprint(code: CodeType) -> str:
    """Everything a code object is made of (marshal's bytes also vary with reference counts)."""
    consts = tuple(fingerprint(const) if isinstance(const, CodeType) else repr(const) for const in code.co_consts)
    parts = (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars)
    where = (code.co_filename, code.co_name, code.co_qualname, code.co_firstlineno, code.co_flags)
    return repr((parts, where, code.co_linetable, code.co_exceptiontable, code.co_stacksize, code.co_argcount))


def _codes(classes: list[type]) -> dict[str, str]:
    """The code of every generated method, by class and method name."""
    found = {}
    for cls in classes:
        for name, member in vars(cls).items():
            code = getattr(member, "__code__", None)
            if code is not None and code.co_filename != __file__:
                found[f"{cls.__name__}.{name}"] = fingerprint(code)
    return found


def test_classes_made_from_the_store_are_those_the_builtins_make(tmp_path: Path) -> None:
    plain = _classes()
    with cached_generated_code("dataclasses", "attr._make", folder=str(tmp_path)) as first:
        compiled = _classes()
    assert first.compiled > 0
    assert Path(cache_path(str(tmp_path), ("dataclasses", "attr._make")) or "").is_file()
    assert not Path(cache_path(str(tmp_path)) or "").exists()  # `check`'s file: dataclasses alone
    with cached_generated_code("dataclasses", "attr._make", folder=str(tmp_path)) as second:
        stored = _classes()
    assert second.compiled == 0  # every method came from the store
    assert len(second.used) == len(first.used)
    expected = _codes(plain)
    assert len(expected) > 20
    assert _codes(compiled) == expected
    assert _codes(stored) == expected
    Frozen, Ordered, Plain, Message, Point = stored
    assert Frozen("a") == Frozen("a", 3) and hash(Frozen("a")) == hash(Frozen("a"))
    assert repr(Frozen("a")).endswith("Frozen(name='a', size=3, tags=())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Frozen("a").name = "b"  # type: ignore[misc]
    assert Ordered(1) < Ordered(2) and Ordered(1, "a") == Ordered(1, "b")
    assert Plain().items == [1]
    assert Message("u") == Message("u", None) and repr(Point(1)) == "Point(line=1, character=0)"


def test_the_stand_ins_are_removed_when_the_block_ends(tmp_path: Path) -> None:
    import attr._make

    with pytest.raises(RuntimeError), cached_generated_code("dataclasses", "attr._make", folder=str(tmp_path)):
        assert "exec" in vars(dataclasses) and "compile" in vars(attr._make)
        raise RuntimeError
    assert "exec" not in vars(dataclasses)
    assert "compile" not in vars(attr._make)


def test_a_nested_block_keeps_the_outer_stand_in(tmp_path: Path) -> None:
    with cached_generated_code(folder=str(tmp_path)) as outer:
        with cached_generated_code(folder=str(tmp_path / "inner")) as inner:
            _classes()
        assert vars(dataclasses)["exec"] == outer.exec
    assert inner.used == {} and outer.used
    assert not (tmp_path / "inner").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"garbage",
        b"shapelint generated code 1\n" + marshal.dumps({}),
        FORMAT,
        FORMAT + b"\x00\x01",
        FORMAT + marshal.dumps([1, 2]),
        FORMAT + marshal.dumps({1: 2}),
    ],
    ids=["empty", "no header", "older format", "header only", "broken marshal", "not a dict", "wrong entries"],
)
def test_a_bad_store_is_ignored_and_replaced(tmp_path: Path, content: bytes) -> None:
    path = Path(cache_path(str(tmp_path)) or "")
    path.write_bytes(content)
    with cached_generated_code(folder=str(tmp_path)) as store:
        classes = _classes()
    assert store.compiled > 0
    assert _codes(classes) == _codes(_classes())
    assert path.read_bytes().startswith(FORMAT) and len(path.read_bytes()) > len(content)


@pytest.mark.parametrize("value", [b"\x00broken", marshal.dumps(5), 5], ids=["broken", "not code", "not bytes"])
def test_a_bad_entry_is_compiled_again(tmp_path: Path, value: object) -> None:
    with cached_generated_code(folder=str(tmp_path)) as first:
        _classes()
    path = Path(cache_path(str(tmp_path)) or "")
    stored = marshal.loads(path.read_bytes()[len(FORMAT) :])
    path.write_bytes(FORMAT + marshal.dumps(dict.fromkeys(stored, value)))
    with cached_generated_code(folder=str(tmp_path)) as second:
        classes = _classes()
    assert second.compiled == first.compiled
    assert _codes(classes) == _codes(_classes())


def test_nothing_is_written_where_bytecode_is_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    with cached_generated_code(folder=str(tmp_path)) as store:
        _classes()
    assert store.compiled > 0
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_place_changes_nothing(tmp_path: Path) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("")
    with cached_generated_code(folder=str(blocked / "cache")):
        classes = _classes()
    assert _codes(classes) == _codes(_classes())
    assert [path.name for path in tmp_path.iterdir()] == ["a file"]


def test_a_few_new_texts_do_not_rewrite_the_store(tmp_path: Path) -> None:
    with cached_generated_code(folder=str(tmp_path)):
        _classes()
        for index in range(60):
            dataclasses.make_dataclass(f"Made{index}", [(f"value{index}", int)])
    path = Path(cache_path(str(tmp_path)) or "")
    before = path.read_bytes()
    with cached_generated_code(folder=str(tmp_path)) as store:
        _classes()
        for index in range(60):
            dataclasses.make_dataclass(f"Made{index}", [(f"value{index}", int)])
        dataclasses.make_dataclass("New", [("other", str)])
    assert 0 < store.compiled * 50 <= len(store.used)
    assert path.read_bytes() == before


def _other_classes() -> list[type]:
    @dataclasses.dataclass
    class Elsewhere:
        where: str
        when: float = 0.0

    return [Elsewhere]


def test_runs_that_make_different_classes_keep_each_others_code(tmp_path: Path) -> None:
    with cached_generated_code(folder=str(tmp_path)):
        _classes()
    with cached_generated_code(folder=str(tmp_path)) as other:
        _other_classes()
    assert other.compiled > 0
    with cached_generated_code(folder=str(tmp_path)) as both:
        _classes()
        _other_classes()
    assert both.compiled == 0


def test_past_the_limit_only_what_a_run_used_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with cached_generated_code(folder=str(tmp_path)) as first:
        _classes()
    monkeypatch.setattr(generated_code, "MAX_ENTRIES", len(first.used))
    with cached_generated_code(folder=str(tmp_path)):
        _other_classes()
    with cached_generated_code(folder=str(tmp_path)) as again:
        _classes()
    assert again.compiled == len(first.used)


_DUMP = """
import json, sys, hashlib
from test_generated_code import fingerprint
if sys.argv[1] == "stored":
    from shapelint.generated_code import cached_generated_code
    with cached_generated_code("dataclasses", "attr._make", folder=sys.argv[2]) as store:
        import libcst, lsprotocol.types
    compiled = store.compiled
else:
    import libcst, lsprotocol.types
    compiled = None
codes = {}
for module in (libcst, lsprotocol.types):
    for name in dir(module):
        cls = getattr(module, name)
        for member, value in vars(cls).items() if isinstance(cls, type) else ():
            code = getattr(value, "__code__", None)
            if code is not None and code.co_filename.startswith("<"):
                codes[f"{name}.{member}"] = hashlib.sha256(fingerprint(code).encode()).hexdigest()
print(json.dumps({"compiled": compiled, "codes": codes}))
"""


def _dump(tmp_path: Path, how: str) -> dict[str, object]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parent), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", _DUMP, how, str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout)
    assert isinstance(found, dict)
    return found


def test_libcst_and_the_protocol_classes_from_the_store_are_those_the_builtins_make(tmp_path: Path) -> None:
    plain = _dump(tmp_path, "plain")
    first = _dump(tmp_path, "stored")
    second = _dump(tmp_path, "stored")
    assert isinstance(first["compiled"], int) and first["compiled"] > 1000
    assert isinstance(second["compiled"], int) and second["compiled"] * 50 <= first["compiled"]
    assert isinstance(plain["codes"], dict) and len(plain["codes"]) > 2000
    assert first["codes"] == plain["codes"]
    assert second["codes"] == plain["codes"]


def test_writers_are_the_modules_that_compile_methods() -> None:
    assert generated_code.WRITERS == {"dataclasses": "exec", "attr._make": "compile"}
    import attr._make

    source = Path(attr._make.__file__).read_text(encoding="utf-8")
    assert "compile(script, filename" in source  # what the stand-in replaces
