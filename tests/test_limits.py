"""Bounded work: statements too deep or large for the parser, the interpreter's work budget, loop exits.

Each program here once crashed the process (libcst's native stack), ran for minutes, ate
gigabytes, or (continue/break) made correct code look wrong. Now each gets an answer: the
part that cannot be followed is skipped or widened, said once as an SL003 hint, and the
rest of the file is still checked.
"""

from __future__ import annotations

import time

import pytest
from shapelint.budget import Budget
from shapelint.config import Config
from shapelint.engine import ANALYSIS_LIMIT_CODE, analyze, analyze_notebook
from shapelint.interpreter import Interpreter
from shapelint.source import _ParseCache, parse_program
from shapelint.values import UNKNOWN, Const, Seq

CONFIG = Config(keras_version=3)
HEADER = "import numpy as np\nfrom tensorflow import keras\n"
# A real finding after the pathological statement proves the rest of the file is checked.
BATCH_AXIS_BUG = "x = np.zeros((100, 28, 28))\ninputs = keras.Input(shape=x.shape)\n"


def limit_hints(text: str) -> list[str]:
    return [d.message for d in analyze(text, CONFIG).diagnostics if d.code == ANALYSIS_LIMIT_CODE]


def codes(text: str) -> list[str]:
    return [d.code for d in analyze(text, CONFIG).diagnostics]


@pytest.mark.parametrize(
    "statement",
    [
        "y = " + "(" * 1300 + "1" + ")" * 1300,
        "y = " + "[" * 5000 + "]" * 5000,
        "f = " + "lambda: " * 6000 + "0",
        "y = a" + "[0]" * 2000,  # 6 KB on one line: libcst needs about a minute
        "y = " + " + ".join(["a"] * 2500),
        "y = " + "not " * 3000 + "a",
    ],
    ids=["brackets", "lists", "lambdas", "subscripts", "additions", "nots"],
)
def test_a_too_deep_statement_is_skipped_with_one_hint_and_the_rest_is_checked(statement: str) -> None:
    started = time.perf_counter()
    diagnostics = analyze(HEADER + statement + "\n" + BATCH_AXIS_BUG, CONFIG).diagnostics
    assert time.perf_counter() - started < 30  # a hang guard, not a performance target
    hints = [d for d in diagnostics if d.code == ANALYSIS_LIMIT_CODE]
    assert len(hints) == 1 and hints[0].severity.value == "hint"
    assert hints[0].range.start.line == 2
    assert "nests more than" in hints[0].message
    assert "SL101" in [d.code for d in diagnostics]


def test_a_huge_statement_is_skipped_with_a_hint() -> None:
    for size, reason in ((100_000, "characters long"), (20_000, "syntax nodes")):
        text = HEADER + "data = [" + "1, " * size + "]\n" + BATCH_AXIS_BUG
        diagnostics = analyze(text, CONFIG).diagnostics
        hints = [d for d in diagnostics if d.code == ANALYSIS_LIMIT_CODE]
        assert len(hints) == 1 and reason in hints[0].message
        assert "SL101" in [d.code for d in diagnostics]


def test_realistic_nesting_is_parsed() -> None:
    # A deeply indented but ordinary function: nothing is skipped.
    body = "".join("    " * level + f"for i{level} in items:\n" for level in range(1, 12))
    text = HEADER + "def f(items):\n" + body + "    " * 12 + "print(a.b.c(d[0][1]) + 1)\n"
    assert limit_hints(text) == []


def test_a_syntax_error_in_a_deep_statement_is_still_a_syntax_error() -> None:
    text = HEADER + "y = a" + "[0]" * 2000 + " +\n" + BATCH_AXIS_BUG
    assert codes(text).count("SL001") == 1
    assert "SL101" in codes(text)


def test_the_parse_cache_is_bounded_by_characters() -> None:
    cache = _ParseCache(max_chars=1_000)
    texts = [f"x{i} = {'1' * 200}\n" for i in range(20)]
    for text in texts:
        cache.parse(text)
    assert cache._chars <= 1_000
    assert len(cache._modules) == 1_000 // len(texts[0])
    assert texts[-1] in cache._modules and texts[0] not in cache._modules


# The work budget ---------------------------------------------------------------------------------


def loop_nest(depth: int, body: int = 1) -> str:
    """Loops over range(64) nested `depth` deep around `body` statements that change a counter every pass."""
    lines = ["total = 0\n"]
    for level in range(depth):
        lines.append("    " * level + f"for i{level} in range(64):\n")
    lines.extend(["    " * depth + "total = total + 1\n"] * body)
    return "".join(lines)


# A function passed along is not plain data, so call summaries cannot collapse the fan-out.
RECURSION_FAN_OUT = "def f(n, g):\n    return " + " + ".join(["g(n - 1, g)"] * 10) + "\n\nf(100, f)\n"


@pytest.mark.parametrize(
    "program",
    [loop_nest(2, body=400), RECURSION_FAN_OUT],
    ids=["long-loop-body", "recursion-fan-out"],
)
def test_spent_work_stops_with_one_hint_at_the_place(program: str) -> None:
    started = time.perf_counter()
    hints = limit_hints(HEADER + program + BATCH_AXIS_BUG)
    assert time.perf_counter() - started < 30
    assert len(hints) == 1
    assert "work limit reached; shapes after it are unknown" in hints[0]
    assert "SL101" in codes(HEADER + program + BATCH_AXIS_BUG)


@pytest.mark.parametrize(
    "program",
    [
        loop_nest(4),
        "x = 1\nfor i in range(64):\n    for j in range(64):\n        for k in range(64):\n            x = x + x\n",
    ],
    ids=["loops-4-deep", "doubling-in-loops"],
)
def test_a_loop_nest_that_never_settles_is_widened_without_spending_the_work(program: str) -> None:
    """Its loops share MAX_LOOP_PASSES passes; the rest run as one abstract pass each (no hint)."""
    assert not limit_hints(HEADER + program + BATCH_AXIS_BUG)
    assert "SL101" in codes(HEADER + program + BATCH_AXIS_BUG)
    facts = Interpreter(parse_program([HEADER + program], notebook=False)).run()
    assert facts.module_names["total" if "total" in program else "x"] is UNKNOWN  # never a guessed count


def test_the_work_stops_where_the_budget_runs_out() -> None:
    program = parse_program([HEADER + loop_nest(2, body=50)], notebook=False)
    budget = Budget(steps=5_000)
    facts = Interpreter(program, budget=budget).run()
    assert budget.spent
    assert facts.module_names["total"] is UNKNOWN  # widened, never a guessed count
    program = parse_program([HEADER + loop_nest(1)], notebook=False)
    facts = Interpreter(program, budget=Budget(steps=5_000)).run()
    assert facts.module_names["total"] == Const(64)  # small loops are still followed exactly


def test_a_time_limit_ends_even_an_unforeseen_slow_path() -> None:
    program = parse_program([HEADER + RECURSION_FAN_OUT], notebook=False)
    budget = Budget(steps=10**12, seconds=0.2)
    started = time.perf_counter()
    Interpreter(program, budget=budget).run()
    assert budget.spent and time.perf_counter() - started < 20


@pytest.mark.parametrize(
    ("program", "name"),
    [
        ("x = 3\n" + "x = x ** 64\n" * 6, "x"),
        ("s = 'ab'\nfor i in range(64):\n    s = s + s\n", "s"),
        ("items = [1]\nfor i in range(64):\n    items = items + items\n", "items"),
        ("x = [[0 for i in range(10**6)] for j in range(10**6)]\nx = x + x\n", "x"),
    ],
    ids=["power-chain", "string-doubling", "list-doubling", "nested-comprehensions"],
)
def test_values_too_large_to_model_are_unknown(program: str, name: str) -> None:
    started = time.perf_counter()
    facts = Interpreter(parse_program([program], notebook=False)).run()
    assert time.perf_counter() - started < 30
    value = facts.module_names[name]
    assert value is UNKNOWN or (isinstance(value, Seq) and len(value.items) <= 1_000_000)


def test_modest_values_are_still_computed() -> None:
    facts = Interpreter(parse_program(["n = 28 * 28\nk = 2 ** 10\ns = 'a' + 'b'\n"], notebook=False)).run()
    assert facts.module_names["n"] == Const(784)
    assert facts.module_names["k"] == Const(1024)
    assert facts.module_names["s"] == Const("ab")


def test_a_work_limit_in_a_notebook_names_the_cell_line() -> None:
    diagnostics = analyze_notebook([HEADER, "x = 0\n" + loop_nest(2, body=400)], CONFIG).diagnostics
    hints = [d for d in diagnostics if d.code == ANALYSIS_LIMIT_CODE]
    assert len(hints) == 1 and hints[0].cell == 1
    assert hints[0].message.startswith(f"analysis stopped following loops at line {hints[0].range.start.line + 1}:")


# continue / break (a branch that leaves the iteration does not flow on) ------------------------------

FILES_IN_A_LOOP = """
import os

import numpy as np
from tensorflow import keras

images = []
labels = []
for name in sorted(os.listdir("data")):
    if not name.endswith(".npy"):
        continue
    image = np.zeros((28, 28, 1), dtype="float32")
    images.append(image)
    labels.append(int(name[0]))

x = np.array(images)
y = np.array(labels)

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x, y, epochs=1)
model.predict(x)
"""


def test_a_list_built_after_if_continue_is_not_empty() -> None:
    assert analyze(FILES_IN_A_LOOP, CONFIG).diagnostics == ()


@pytest.mark.parametrize("exit_statement", ["continue", "break"])
@pytest.mark.parametrize("iterable", ["range(3)", "files"])
def test_the_rest_of_the_body_runs_on_the_paths_that_do_not_leave(exit_statement: str, iterable: str) -> None:
    program = (
        "import numpy as np\nrows = []\n"
        f"for f in {iterable}:\n"
        f"    if f == 'skip':\n        {exit_statement}\n"
        "    rows.append(np.zeros((4,)))\n"
        "x = np.array(rows)\n"
    )
    facts = Interpreter(parse_program([program], notebook=False)).run()
    x = facts.module_names["x"]
    assert getattr(x, "shape", None) is None or x.shape.dims != (0,)  # never a guessed empty array


def test_both_branches_leaving_skips_the_rest_of_the_iteration() -> None:
    program = (
        "seen = 0\nlast = 0\nfor i in range(3):\n"
        "    if i == 1:\n        last = 1\n        continue\n    else:\n        last = 2\n        continue\n"
        "    last = 99\n"
    )
    facts = Interpreter(parse_program([program], notebook=False)).run()
    assert facts.module_names["last"] != Const(99)


def test_a_break_keeps_the_state_it_left_with() -> None:
    program = "x = 0\nfor i in range(5):\n    x = 7\n    break\n    x = 99\n"
    facts = Interpreter(parse_program([program], notebook=False)).run()
    assert facts.module_names["x"] == Const(7)


def test_a_return_inside_a_loop_branch_still_ends_the_function() -> None:
    program = (
        "def first(items):\n    for item in items:\n        if item:\n            return 1\n        else:\n"
        "            return 1\n    return 1\n\nv = first([1, 2])\n"
    )
    facts = Interpreter(parse_program([program], notebook=False)).run()
    assert facts.module_names["v"] == Const(1)


def test_short_statements_are_not_measured_and_long_deep_ones_still_are() -> None:
    from shapelint import parse_limits

    short = "x = " + "[" * 98 + "]" * 98
    assert len(short) <= parse_limits.SMALL_STATEMENT_CHARS
    assert parse_limits.skip_reason(short) is None  # libcst parses 98 levels quickly
    deep = "x = " + "[" * 150 + "]" * 150
    assert parse_limits.skip_reason(deep) == f"it nests more than {parse_limits.MAX_DEPTH} levels deep"


# What a first parse can skip measuring: a statement bounded from its characters alone ----------


def _depth(text: str) -> int:
    from shapelint.parse_limits import python_tree, tree_size

    return tree_size(python_tree(text))[1]


# Each nests `n` levels of one construct; a level costs one token or word the bound counts.
NESTING = {
    "parentheses": lambda n: "x = " + "(" * n + "1" + ")" * n,
    "tuples": lambda n: "x = " + "(1, " * n + "1" + ")" * n,
    "lists": lambda n: "x = " + "[" * n + "]" * n,
    "dicts": lambda n: "x = " + "{1: " * n + "1" + "}" * n,
    "sets": lambda n: "x = " + "{" * n + "1" + "}" * n,
    "dict unpacking": lambda n: "x = " + "{**" * n + "a" + "}" * n,
    "calls": lambda n: "x = " + "f(" * n + ")" * n,
    "keyword calls": lambda n: "x = " + "f(a=" * n + "1" + ")" * n,
    "starred calls": lambda n: "x = " + "f(*" * n + "a" + ")" * n,
    "subscripts": lambda n: "x = a" + "[0]" * n,
    "slices": lambda n: "x = " + "a[b:" * n + "c" + "]" * n,
    "attributes": lambda n: "x = a" + ".b" * n,
    "method chains": lambda n: "x = a" + ".b()" * n,
    "minus": lambda n: "x = " + "-" * n + "a",
    "inversions": lambda n: "x = " + "~" * n + "a",
    "nots": lambda n: "x = " + "not " * n + "a",
    "additions": lambda n: "x = " + " + ".join(["a"] * n),
    "powers": lambda n: "x = " + " ** ".join(["a"] * n),
    "matrix products": lambda n: "x = " + " @ ".join(["a"] * n),
    "comparisons": lambda n: "x = " + "(a < " * n + "b" + ")" * n,
    "memberships": lambda n: "x = " + "(a in " * n + "b" + ")" * n,
    "identities": lambda n: "x = " + "(a is " * n + "b" + ")" * n,
    "and/or": lambda n: "x = " + "(a and " * n + "b" + ")" * n,
    "ternaries": lambda n: "x = " + "a if b else " * n + "c",
    "lambdas": lambda n: "f = " + "lambda: " * n + "0",
    "lambdas with parameters": lambda n: "f = " + "lambda a: " * n + "0",
    "walruses": lambda n: "x = " + "(a := " * n + "1" + ")" * n,
    "comprehensions": lambda n: "x = " + "[a for a in " * n + "b" + "]" * n,
    "generators": lambda n: "x = " + "f(a for a in " * n + "b" + ")" * n,
    "f-strings": lambda n: "x = f'''{f\"\"\"{f'{f\"{a}\"}'}\"\"\"}'''",  # as deep as Python 3.11's quotes allow
    "format specs": lambda n: "x = f'{a:{b}}'",
    "awaits": lambda n: "async def f():\n    x = " + "(await " * n + "a" + ")" * n + "\n",
    "yields": lambda n: "def f():\n    x = " + "(yield " * n + "a" + ")" * n + "\n",
    "yields from": lambda n: "def f():\n    x = " + "(yield from " * n + "a" + ")" * n + "\n",
    "blocks": lambda n: "".join(" " * level + "if a:\n" for level in range(n)) + " " * n + "pass\n",
    "loops": lambda n: "".join(" " * level + "for a in b:\n" for level in range(n)) + " " * n + "pass\n",
    "withs": lambda n: "".join(" " * level + "with a as b:\n" for level in range(n)) + " " * n + "pass\n",
    "tries": lambda n: (
        "".join(" " * level + "try:\n" for level in range(n))
        + " " * n
        + "pass\n"
        + "".join(" " * level + "except E as e:\n" + " " * (level + 1) + "pass\n" for level in range(n - 1, -1, -1))
    ),
    "functions": lambda n: (
        "".join(" " * level + "def f(a: int = 1) -> int:\n" for level in range(n)) + " " * n + "pass\n"
    ),
    "classes": lambda n: "".join(" " * level + "class A(B, metaclass=M):\n" for level in range(n)) + " " * n + "pass\n",
    "decorators": lambda n: "@a(b)\n" * n + "def f(): pass\n",
    "class patterns": lambda n: "match x:\n    case " + "A(" * n + "b" + ")" * n + ":\n        pass\n",
    "sequence patterns": lambda n: "match x:\n    case " + "[" * n + "b" + "]" * n + ":\n        pass\n",
    "mapping patterns": lambda n: "match x:\n    case " + "{1: " * n + "b" + "}" * n + ":\n        pass\n",
    "or patterns": lambda n: "match x:\n    case " + "(a | " * n + "b" + ")" * n + ":\n        pass\n",
    "as patterns": lambda n: "match x:\n    case " + "(" * n + "a" + " as b)" * n + ":\n        pass\n",
}


@pytest.mark.parametrize("construct", NESTING)
def test_the_lexical_bound_is_never_below_the_depth_of_any_construct(construct: str) -> None:
    from shapelint.parse_limits import MAX_DEPTH, lexical_levels

    for levels in (1, 2, 5, 30):
        text = NESTING[construct](levels)
        assert _depth(text) <= lexical_levels(text, stop=10**9), text
    deep = NESTING[construct](MAX_DEPTH + 5)
    try:
        depth = _depth(deep)
    except SyntaxError:  # Python allows 100 levels of indentation
        depth = 0
    if depth > MAX_DEPTH:  # (f-strings nest only as deep as Python's quotes let them)
        assert lexical_levels(deep) > MAX_DEPTH


def test_the_lexical_bound_is_never_below_the_depth_of_real_statements() -> None:
    import ast
    import importlib.util
    from pathlib import Path

    from shapelint.parse_limits import lexical_levels

    root = Path(__file__).resolve().parent.parent
    paths = sorted((root / "bench" / "realworld").rglob("*.py")) + sorted((root / "tests" / "fixtures").rglob("*.py"))
    keras = importlib.util.find_spec("keras")
    if keras is not None and keras.origin is not None:
        paths += sorted((Path(keras.origin).parent / "src").rglob("*.py"))[::4]
    checked = 0
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        for node in ast.parse(text).body:
            first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            statement = "".join(lines[first - 1 : node.end_lineno])
            assert _depth(statement) <= lexical_levels(statement, stop=10**9), f"{path}:{node.lineno}"
            checked += 1
    assert checked > 4_000


def test_a_first_parse_measures_only_statements_it_cannot_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint import engine, parse_limits
    from shapelint.parse_limits import MAX_DEPTH, SMALL_STATEMENT_CHARS

    measured: list[str] = []  # the texts Python parses to measure them
    python_tree = parse_limits.python_tree
    monkeypatch.setattr(parse_limits, "python_tree", lambda text: measured.append(text) or python_tree(text))
    shallow = "model = keras.Sequential([" + ", ".join(["keras.layers.Dense(64, activation='relu')"] * 6) + "])\n"
    deep = "y = " + "[" * (MAX_DEPTH + 10) + "]" * (MAX_DEPTH + 10) + "\n"
    assert len(shallow) > SMALL_STATEMENT_CHARS and len(deep) > SMALL_STATEMENT_CHARS
    engine.forget_texts()
    hints = limit_hints(HEADER + shallow + deep + BATCH_AXIS_BUG)
    assert [text.strip() for text in measured] == [deep.strip()]
    assert len(hints) == 1 and "nests more than" in hints[0]
