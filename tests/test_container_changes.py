"""Lists and dicts changed in place (container_changes.py): the names bound to them see the change.

Each program below is run with NumPy by the test itself: a correct one must run, a mistaken one
must raise NumPy's ValueError, so the expectations are Python's, not the engine's.
"""

from __future__ import annotations

import libcst as cst
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapelint.calls import CallArgs
from shapelint.container_changes import NOT_FOLLOWED, ContainerChange, Escaped, changed, rebind
from shapelint.engine import analyze
from shapelint.facts import UnknownReason
from shapelint.scope import Scope
from shapelint.user_calls import UserCalls
from shapelint.values import UNKNOWN, Const, DictValue, FunctionValue, Seq, Value

HEADER = "import numpy as np\n\nx = np.zeros((100, 28, 28))\n"

# (name, a correct program, the same change followed by a reshape NumPy refuses)
CHANGES = [
    ("set-item", "dims = list(x.shape)\ndims[0] = 1", "dims = list(x.shape)\ndims[0] = 2"),
    ("set-negative-index", "dims = list(x.shape)\ndims[-3] = 1", "dims = list(x.shape)\ndims[-3] = 2"),
    ("augmented-item", "dims = list(x.shape)\ndims[0] //= 100", "dims = list(x.shape)\ndims[0] //= 50"),
    ("del-item", "dims = list(x.shape)\ndel dims[0]\ndims.insert(0, 1)", "dims = list(x.shape)\ndel dims[1]"),
    (
        "del-items",
        "dims = list(x.shape)\nmore = [1]\ndel dims[0], more[0]",
        "dims = list(x.shape)\nmore = [1]\ndel more[0], dims[1]",
    ),
    ("pop", "dims = list(x.shape)\ndims.pop(0)\ndims.append(1)", "dims = list(x.shape)\ndims.pop()"),
    (
        "pop-result",
        "dims = list(x.shape)\ndims = [dims.pop(1)]\ndims.append(28)",
        "dims = list(x.shape)\ndims = [dims.pop(0)]",
    ),
    ("remove", "dims = list(x.shape)\ndims.remove(100)", "dims = list(x.shape)\ndims.remove(28)"),
    ("insert", "dims = [28, 28]\ndims.insert(0, 1)", "dims = [28, 28]\ndims.insert(0, 2)"),
    (
        "clear",
        "dims = list(x.shape)\ndims.clear()\ndims.append(784)",
        "dims = list(x.shape)\ndims.clear()\ndims.append(785)",
    ),
    ("reverse", "dims = [1, 28, 28]\ndims.reverse()", "dims = [1, 28, 28]\ndims.reverse()\ndims.pop(0)"),
    ("sort", "dims = [28, 1, 28]\ndims.sort()", "dims = [28, 2, 28]\ndims.sort(reverse=True)"),
    (
        "through-an-attribute",
        "class C:\n    pass\n\nc = C()\nc.d = list(x.shape)\nc.d[0] = 1\ndims = c.d",
        "class C:\n    pass\n\nc = C()\nc.d = list(x.shape)\nc.d[0] = 2\ndims = c.d",
    ),
    (
        "in-a-function",
        "def fix(s):\n    d = list(s)\n    d[0] = 1\n    return d\n\ndims = fix(x.shape)",
        "def fix(s):\n    d = list(s)\n    d[0] = 2\n    return d\n\ndims = fix(x.shape)",
    ),
    (
        "in-a-loop",
        "dims = list(x.shape)\nfor i in range(1):\n    dims[i] = 1",
        "dims = list(x.shape)\nfor i in range(1):\n    dims[i] = 2",
    ),
    (
        "dict-set-item",
        "d = {'s': x.shape}\nd['s'] = (28, 28)\ndims = d['s']",
        "d = {'s': x.shape}\nd['s'] = (28, 29)\ndims = d['s']",
    ),
    (
        "dict-update",
        "d = {'s': x.shape}\nd.update(s=(28, 28))\ndims = d['s']",
        "d = {'s': x.shape}\nd.update({'s': (2, 28)})\ndims = d['s']",
    ),
    ("dict-pop", "d = {'s': (28, 28)}\ndims = d.pop('s')", "d = {'s': (28, 29)}\ndims = d.pop('s', (1,))"),
    (
        "dict-setdefault",
        "d = {}\ndims = d.setdefault('s', (28, 28))",
        "d = {}\nd.setdefault('s', (2, 28))\ndims = d['s']",
    ),
    (
        "dict-del-item",
        "d = {'s': x.shape}\ndel d['s']\ndims = d.get('s', (784,))",
        "d = {'s': (28,), 't': (1,)}\ndel d['t']\ndims = d['s']",
    ),
]
RESHAPE = "\ny = np.zeros((28, 28)).reshape(dims)\n"


def _runs(program: str) -> bool:
    try:
        exec(compile(program, "<program>", "exec"), {})  # NumPy only: the test's own programs
    except ValueError:
        return False
    return True


def codes(text: str) -> list[str]:
    return sorted({diagnostic.code for diagnostic in analyze(text).diagnostics})


@pytest.mark.parametrize(("correct", "mistaken"), [case[1:] for case in CHANGES], ids=[case[0] for case in CHANGES])
def test_a_change_in_place_is_followed(correct: str, mistaken: str) -> None:
    right, wrong = HEADER + correct + RESHAPE, HEADER + mistaken + RESHAPE
    assert _runs(right) and not _runs(wrong)
    assert codes(right) == []
    assert codes(wrong) == ["SL110"]


# Changes the engine cannot follow exactly: what holds the container is unknown, so silent.
UNFOLLOWED = {
    "alias": "dims = list(x.shape)\nother = dims\nother[0] = 1",
    "unknown-index": "dims = list(x.shape)\ni = len(str(x)) % 1\ndims[i] = 1",
    "slice": "dims = list(x.shape)\ndims[:1] = []",
    "nested": "shapes = [list(x.shape)]\nshapes[0][0] = 1\ndims = shapes[0]",
    "argument": "def fix(d):\n    d[0] = 1\n\ndims = list(x.shape)\nfix(dims)",
    "argument-in-a-function": (
        "def fix(d):\n    d.pop(0)\n\n"
        "def main():\n    dims = list(x.shape)\n    fix(dims)\n    return dims\n\ndims = main()"
    ),
    "nested-in-an-argument": (
        "def fix(pair):\n    pair[0][0] = 1\n\n"
        "def main():\n    dims = list(x.shape)\n    fix((dims, 0))\n    return dims\n\ndims = main()"
    ),
    "nested-in-a-list-argument": (
        "def fix(shapes):\n    shapes[0].pop(0)\n\n"
        "def main():\n    dims = list(x.shape)\n    fix([dims])\n    return dims\n\ndims = main()"
    ),
    "nested-in-a-dict-keyword-argument": (
        "def fix(config):\n    inner = config['shape']\n    inner[0] = 1\n\n"
        "def main():\n    dims = list(x.shape)\n    fix(config={'shape': dims})\n    return dims\n\ndims = main()"
    ),
    "nested-twice": (
        "def fix(p):\n    p[0][0].pop(0)\n\n"
        "def main():\n    dims = list(x.shape)\n    fix(((dims,),))\n    return dims\n\ndims = main()"
    ),
    "attribute-of-an-argument": (
        "class Holder:\n    def __init__(self, dims):\n        self.dims = dims\n\n"
        "    def shrink(self):\n        self.dims.pop(0)\n\n"
        "def main():\n    dims = list(x.shape)\n    Holder(dims).shrink()\n    return dims\n\ndims = main()"
    ),
    "global": "dims = list(x.shape)\nkept = dims\n\ndef fix():\n    dims[0] = 1\n\nfix()\ndims = kept",
    "instance-attribute-alias": (
        "class C:\n    pass\n\nc = C()\ndims = list(x.shape)\nc.d = dims\ndims.pop(0)\ndims = c.d"
    ),
    "held-in-another-list": "dims = list(x.shape)\nall_shapes = [dims]\ndims.pop(0)\ndims = all_shapes[0]",
    "held-in-a-dict": "dims = list(x.shape)\nconfig = {'shape': dims}\ndims[0] = 1\ndims = config['shape']",
    "two-changes-in-one-statement": "dims = list(x.shape)\nn, h = dims.pop(0), dims.pop(0)\ndims = [h, h]",
    "sort-by-key": "dims = [1, 28, 28]\nmore = [28, 28, 100]\nmore.sort(key=lambda v: -v)\ndims = more[1:] + [1]",
}


@pytest.mark.parametrize("program", list(UNFOLLOWED.values()), ids=list(UNFOLLOWED))
def test_a_change_not_followed_exactly_leaves_the_container_unknown(program: str) -> None:
    text = HEADER + program + RESHAPE
    assert _runs(text)
    assert codes(text) == []


def test_a_helper_that_changes_its_argument_is_not_summarised() -> None:
    # Called twice with arguments of the same shapes: a kept result would skip the second change.
    text = HEADER + (
        "def shrink(d):\n    d.pop(0)\n    return 0\n\n"
        "a = list(x.shape)\nb = list(x.shape)\nshrink(a)\nshrink(b)\ny = np.zeros((28, 28)).reshape(b)\n"
    )
    assert _runs(text)
    assert codes(text) == []


@pytest.mark.parametrize(("calls", "mistaken"), [(2, False), (3, True)])
def test_a_helper_that_changes_an_attribute_is_not_summarised(calls: int, mistaken: bool) -> None:
    text = HEADER + (
        "class C:\n    pass\n\nc = C()\nc.d = []\n\ndef add():\n    c.d.append(28)\n    return 0\n\n"
        + "add()\n" * calls
        + "y = np.zeros((28, 28)).reshape(c.d)\n"
    )
    assert _runs(text) is not mistaken
    assert codes(text) == (["SL110"] if mistaken else [])


def test_a_local_list_changed_in_a_helper_keeps_the_helper_summarised(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper changing only a list it made itself has no effect outside: calls of it with the
    same argument shapes are still interpreted once."""
    text = HEADER + (
        "def flat(a):\n    d = list(a.shape)\n    d.insert(0, 1)\n    return a.reshape(d)\n\n"
        + "".join(f"y{i} = flat(np.zeros((28, 28)))\n" for i in range(3))
    )
    runs: list[str] = []
    interpret = UserCalls._interpret_call

    def counted(self: UserCalls, function: FunctionValue, call: CallArgs, unknown: bool) -> Value:
        runs.append(function.node.name.value)
        return interpret(self, function, call, unknown)

    monkeypatch.setattr(UserCalls, "_interpret_call", counted)
    assert codes(text) == []
    assert runs == ["flat"]


# --- changed() against Python's own list and dict -------------------------------------------

_LIST_CALLS = st.one_of(
    st.tuples(st.just("__setitem__"), st.integers(-4, 4), st.integers(0, 9)),
    st.tuples(st.just("__delitem__"), st.integers(-4, 4)),
    st.tuples(st.just("append"), st.integers(0, 9)),
    st.tuples(st.just("insert"), st.integers(-6, 6), st.integers(0, 9)),
    st.tuples(st.just("pop")),
    st.tuples(st.just("pop"), st.integers(-4, 4)),
    st.tuples(st.just("remove"), st.integers(0, 9)),
    st.tuples(st.just("clear")),
    st.tuples(st.just("reverse")),
    st.tuples(st.just("sort")),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=5), st.lists(_LIST_CALLS, max_size=6))
def test_list_changes_are_pythons(start: list[int], calls: list[tuple[object, ...]]) -> None:
    python: list[int] | None = list(start)
    value: object = Seq(tuple(Const(v) for v in start), "list")
    for method, *args in calls:
        result: object = None
        try:
            result = getattr(python, str(method))(*args)
        except (IndexError, ValueError):
            python = None
        found = changed(value, str(method), [Const(a) for a in args], {})  # type: ignore[arg-type]
        if python is None:
            assert found == NOT_FOLLOWED  # Python raises: nothing after it is followed
            return
        assert found.after == Seq(tuple(Const(v) for v in python), "list")
        assert found.result == Const(result)
        value = found.after


_DICT_CALLS = st.one_of(
    st.tuples(st.just("__setitem__"), st.sampled_from("abc"), st.integers(0, 9)),
    st.tuples(st.just("__delitem__"), st.sampled_from("abc")),
    st.tuples(st.just("pop"), st.sampled_from("abc")),
    st.tuples(st.just("pop"), st.sampled_from("abc"), st.integers(0, 9)),
    st.tuples(st.just("popitem")),
    st.tuples(st.just("setdefault"), st.sampled_from("abc"), st.integers(0, 9)),
    st.tuples(st.just("clear")),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from("abc"), st.integers(0, 9)), st.lists(_DICT_CALLS, max_size=6))
def test_dict_changes_are_pythons(start: dict[str, int], calls: list[tuple[object, ...]]) -> None:
    python: dict[str, int] = dict(start)
    value: object = DictValue(tuple(Const(k) for k in start), tuple(Const(v) for v in start.values()))
    for method, *args in calls:
        try:
            result = getattr(python, str(method))(*args)
        except KeyError:
            assert changed(value, str(method), [Const(a) for a in args], {}) == NOT_FOLLOWED  # type: ignore[arg-type]
            return
        found = changed(value, str(method), [Const(a) for a in args], {})  # type: ignore[arg-type]
        assert found.after == DictValue(tuple(Const(k) for k in python), tuple(Const(v) for v in python.values()))
        expected = Seq(tuple(Const(v) for v in result)) if isinstance(result, tuple) else Const(result)
        assert found.result == expected
        value = found.after


def test_a_dict_update_merges_keys_in_order() -> None:
    d = DictValue((Const("a"), Const("b")), (Const(1), Const(2)))
    found = changed(d, "update", [DictValue((Const("b"), Const("c")), (Const(3), Const(4)))], {"d": Const(5)})
    python = {"a": 1, "b": 2}
    python.update({"b": 3, "c": 4}, d=5)
    assert found.after == DictValue(tuple(Const(k) for k in python), tuple(Const(v) for v in python.values()))


@pytest.mark.parametrize(
    ("container", "method", "args"),
    [
        (Seq((Const(1),), "list"), "__setitem__", [Const(slice(0, 1)), Seq(())]),  # slice assignment
        (Seq((Const(1),), "list"), "__setitem__", [UNKNOWN, Const(2)]),  # unknown index
        (Seq((UNKNOWN, Const(1)), "list"), "remove", [Const(1)]),  # an item that cannot be compared first
        (Seq((Const(1), Const("a")), "list"), "sort", []),  # Python cannot order them
        (DictValue((UNKNOWN,), (Const(1),)), "__setitem__", [Const("a"), Const(2)]),  # a key not known
        (Seq((Const(1),), "list"), "count", [Const(1)]),  # not a change
    ],
)
def test_what_is_not_followed(container: object, method: str, args: list[object]) -> None:
    assert changed(container, method, args, {}).after is UNKNOWN  # type: ignore[arg-type]


def test_a_change_reached_in_an_unknown_container_leaves_other_unknowns_and_their_causes() -> None:
    scope = Scope()
    scope.bind_unknown("c", UnknownReason("name", "c", "`c` is not defined in this file"))
    cause = UnknownReason("parameter", "p", "`p` is a function parameter")
    scope.bind_unknown("other", cause)
    scope.bind("kept", Seq((UNKNOWN, Const(1)), "list"))
    before, after = Seq((Const(1),), "list"), Seq((Const(2),), "list")
    rebind([ContainerChange(before, after, cst.parse_expression("c[0]"))], scope, Escaped(), False, frozenset())
    assert scope.lookup_reason("other") is cause
    assert scope.lookup("kept") == Seq((UNKNOWN, Const(1)), "list")


def test_a_scope_is_looked_through_once_for_each_container_that_escaped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two lists changed by a helper, then 200 statements in the caller: the caller's names are
    # looked through once after each escape, not at every statement (keras's saving_lib.py, with
    # 64 escaped containers, spent five seconds there and hit the work limit).
    from shapelint import container_changes

    looked: list[int] = []
    real = container_changes._forget_in
    monkeypatch.setattr(
        container_changes, "_forget_in", lambda scope, found: looked.append(len(found)) or real(scope, found)
    )
    body = "".join(f"    n_{i} = {i}\n" for i in range(200))
    text = HEADER + (
        "def fill(items):\n    items.append(28)\n\n"
        f"def main():\n    a = [1]\n    b = [1]\n    fill(a)\n    fill(b)\n{body}"
        "    return np.zeros((28, 28)).reshape(a)\n\n\nmain()\n"
    )
    assert not _runs(text)  # `a` is [1, 28] after the calls: 784 elements do not fit (1, 28)
    assert codes(text) == []  # changed by a helper: the caller's `a` is unknown
    assert 0 < len(looked) < 40
