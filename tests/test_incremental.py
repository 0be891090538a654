"""Statement groups and the results kept for them (statement_groups.py, incremental.py).

An edit re-interprets only the group of statements it can affect, and a warm analysis (groups
reused from earlier versions of the text) says exactly what a cold one says.
"""

from __future__ import annotations

import random
import re
import symtable
import sys
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import numpy as np
import pytest
from shapelint import incremental, presentation, statement_groups
from shapelint.config import Config
from shapelint.diagnostics import Position
from shapelint.engine import Analysis, analyze
from shapelint.source import parse_program
from shapelint.statement_groups import chunk_names, group_statements
from shapelint.values import RefValue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

CONFIG = Config(keras_version=3)
HEADER = "import numpy as np\nimport keras\nfrom keras import layers\n"


@pytest.fixture
def kept() -> Iterator[None]:
    incremental.RESULTS.clear()
    incremental.keep_results()
    yield
    incremental.RESULTS.clear()
    incremental.RESULTS.capacity_chars = 0


def groups_of(text: str) -> list[list[str]]:
    """The groups of a program, each as the first lines of its chunks."""
    program = parse_program([text], notebook=False)
    grouping = group_statements(program, lambda chunk: {})  # the imports are the prelude
    return [[program.chunks[index].text.splitlines()[0] for index in group] for group in grouping.groups]


def outcome(analysis: Analysis) -> list[tuple[object, ...]]:
    """Everything a user sees of the findings: code, place, message, severity, fixes."""
    return sorted(
        (d.code, str(d.range), d.message, str(d.severity), repr(d.fixes), repr(d.related)) for d in analysis.diagnostics
    )


# Names ------------------------------------------------------------------------------------------


def test_function_locals_never_join_a_module_name() -> None:
    names = chunk_names("def build(width):\n    model = keras.Sequential()\n    return model\n")
    assert names is not None
    assert names.touched == {"build", "keras"} and names.bound == {"build"}


def test_globals_read_in_bodies_and_declared_globals_count() -> None:
    names = chunk_names(
        "class Net(Base):\n    size = width\n    def grow(self):\n        global total\n        total = rows\n"
    )
    assert names is not None
    assert {"Net", "Base", "width", "total", "rows"} <= names.touched
    assert names.bound == {"Net", "total"}


def _names_by_symtable(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """What `chunk_names` must say, read through the `symtable` module's public objects."""
    touched: set[str] = set()
    bound: set[str] = set()
    pending = [symtable.symtable(text, "<statement>", "exec")]
    while pending:
        current = pending.pop()
        for symbol in current.get_symbols():
            name = symbol.get_name()
            if current.get_type() == "module":
                touched.add(name)
                if symbol.is_assigned() or symbol.is_imported() or symbol.is_declared_global():
                    bound.add(name)
            elif symbol.is_global():
                touched.add(name)
                if symbol.is_assigned() or symbol.is_imported():
                    bound.add(name)
        pending.extend(current.get_children())
    return None if touched & {"globals", "exec", "vars"} else (frozenset(touched), frozenset(bound))


@pytest.mark.parametrize(
    "text",
    [
        "import os.path as p, numpy\nfrom keras import layers as L, ops\n",
        "x: int = 1\ny: Model\ndel z\nw += v\n",
        "class Net(Base, metaclass=Meta):\n    size = width\n    def grow(self, n=d):\n        global total\n"
        "        total = rows\n        return [i for i in seen if i]\n",
        "def top():\n    x = 1\n    def inner():\n        nonlocal x\n        x = y\n    return inner\n",
        "f = lambda a, b=c: a + g\n[k := j for j in items]\n{q: r for q, r in pairs}\n",
        "def outer():\n    global made\n    import json\n    from os import sep\n    made = json\n",
        "try:\n    import tf_keras as keras\nexcept ImportError as error:\n    keras = error\n",
        "@decorate(arg)\nasync def run(*args, **kw) -> Out:\n    async with a as b:\n        await c\n",
        "match point:\n    case Point(x=0, y=yy) as p:\n        hit = yy\n"
        "    case [first, *rest]:\n        hit = rest\n",
        "globals()['a'] = 1\n",
    ],
)
def test_names_are_the_symbol_tables(text: str) -> None:
    names = chunk_names(text)
    expected = _names_by_symtable(text)
    assert (names.touched, names.bound) == expected if names is not None else expected is None


def test_the_names_of_every_corpus_statement_are_the_symbol_tables() -> None:
    for path in sorted((ROOT / "bench" / "realworld").rglob("*.py")):
        for chunk in parse_program([path.read_text(encoding="utf-8")], notebook=False).chunks:
            if chunk.module is None:
                continue
            names = chunk_names(chunk.text)
            expected = _names_by_symtable(chunk.text)
            assert (names.touched, names.bound) == expected if names is not None else expected is None, chunk.text


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        ("    y = f(x, 1)\n", "    y = f(x, 12)\n", True),  # a number
        ("    y = x.fit(a)\n", "    y = x.predict(a)\n", True),  # an attribute
        ("    y = f('relu')\n", "    y = f('tanh')\n", True),  # a string
        ("    y = [a for a in b]\n", "    y = [a for a in b if a > 2]\n", True),
        ("    y = f(x)\n", "    y = f(z)\n", False),  # another name read
        ("    y = f(x)\n", "    x = f(x)\n", False),  # x bound here: a local of the function now
        ("    y = f(x)\n", "    y = f(lambda: x)\n", False),  # a scope more
        ("    y = [a for a in b]\n", "    y = [c for c in b]\n", False),  # the comprehension's names
        ("    y = 1\n", "    y: int = 1\n", False),  # an annotation
        ("    global y\n", "    nonlocal y\n", False),  # refused alone: no binding to refer to
        ("    y = f(1)\n", "    y = f(1\n", False),  # a syntax error
    ],
)
def test_an_edit_keeps_the_names_only_when_the_symbol_tables_stay_the_same(old: str, new: str, same: bool) -> None:
    assert statement_groups.same_scope_effect(old, new, "function") is same


def test_a_name_bound_in_a_class_body_or_at_the_top_level_is_told_apart() -> None:
    assert statement_groups.same_scope_effect("    y = x\n", "    y = x + 1\n", "class")
    assert not statement_groups.same_scope_effect("    y = x\n", "    y = w\n", "module")


def test_names_read_as_every_identifier_are_read_again_after_an_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    # The symbol tables refuse this function (a parameter declared global), so its names are every
    # identifier of its text, strings included: an edit of a string changes them.
    from shapelint import source
    from shapelint.source import Chunk

    monkeypatch.setattr(source, "PARSE_CACHE", source._ParseCache())
    filler = "".join(f"    h_{i} = f(h_{i - 1}, units={i})\n" for i in range(1, 12))
    text = f"def build(x):\n    global x\n{filler}    kind = 'relu'\n"
    edited = text.replace("'relu'", "'tanh'")
    infos = statement_groups._InfoCache()
    module = source.PARSE_CACHE.parse(text)
    (old,) = infos.infos([Chunk(0, text, 0, text.count("\n"), module, None)])
    assert old.names is not None and "relu" in old.names.touched and not old.tabled
    new_module = source.PARSE_CACHE.parse(edited, Chunk(0, text, 0, text.count("\n"), module, None))
    assert source.PARSE_CACHE.spliced_from(edited) is not None
    (new,) = infos.infos([Chunk(0, edited, 0, edited.count("\n"), new_module, None)])
    assert new.names == chunk_names(edited) and new.names is not None and "tanh" in new.names.touched


_TYPED = ["1", "x", "_", " = 0", "(", ")", ",", " lambda: q", " [i for i in r]", "'s'", "\n", ".fit", "global g\n"]


def test_names_kept_across_keystrokes_are_the_edited_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Keystroke after keystroke in the real-world corpus's functions and classes: the names a
    # spliced text keeps from the text before it are the ones its own symbol tables give.
    from shapelint import source
    from shapelint.source import Chunk

    cache = source._ParseCache()
    monkeypatch.setattr(source, "PARSE_CACHE", cache)
    infos = statement_groups._InfoCache()
    tabled: list[str] = []
    table_names = statement_groups._table_names
    monkeypatch.setattr(statement_groups, "_table_names", lambda text: tabled.append(text) or table_names(text))
    pick = random.Random(7)
    kept = read = 0
    for path in sorted((ROOT / "bench" / "realworld").rglob("*.py"))[::3]:
        program = parse_program([path.read_text(encoding="utf-8")], notebook=False)
        compound = [chunk for chunk in program.chunks if chunk.module is not None and len(chunk.text) > 200]
        for chunk in [chunk for chunk in compound if not chunk.text.startswith(("import", "from"))][:3]:
            module = cache.parse(chunk.text)
            current = Chunk(chunk.index, chunk.text, chunk.start_line, chunk.line_count, module, None)
            infos.infos([current])
            for _ in range(25):
                at = pick.randrange(len(current.text))
                typed = "" if pick.random() < 0.3 else pick.choice(_TYPED)
                new_text = current.text[:at] + typed + current.text[at + (not typed) :]
                new = cache.parse(new_text, current)
                if not isinstance(new, cst.Module):
                    continue
                current = Chunk(chunk.index, new_text, chunk.start_line, new_text.count("\n"), new, None)
                tabled.clear()
                (info,) = infos.infos([current])
                kept += not tabled
                read += bool(tabled)
                assert info.names == chunk_names(new_text), new_text
    assert kept > 0 and read > 0


def test_library_imports_that_do_not_join_the_prelude_are_grouped_by_their_names() -> None:
    text = "import numpy as np\na = np.zeros(3)\nb = 1\n"
    program = parse_program([text], notebook=False)
    not_prelude = group_statements(program, lambda chunk: None)  # e.g. a project module named numpy
    assert not not_prelude.prelude and not_prelude.groups == ((0, 1), (2,))
    assert statement_groups.INFO_CACHE.infos(program.chunks[:1])[0].names == chunk_names(program.chunks[0].text)
    assert group_statements(program, lambda chunk: {}).groups == ((1,), (2,))


def test_independent_blocks_are_groups_and_a_shared_name_joins_them() -> None:
    apart = HEADER + "a = np.zeros((4, 2))\nm = keras.Sequential()\nm.fit(a)\nb = np.ones(3)\nprint(b)\n"
    assert (
        groups_of(apart)
        == [["a = np.zeros((4, 2))", "m.fit(a)"], ["m = keras.Sequential()"], ["b = np.ones(3)", "print(b)"]][:0]
        or len(groups_of(apart)) == 2
    )
    joined = apart + "c = a + b\n"
    assert len(groups_of(joined)) == 1


@pytest.mark.parametrize(
    "line",
    ["globals()['a'] = 1", "exec('a = 1')", "from numpy import *", "vars()['b'] = a"],
)
def test_a_name_reached_without_spelling_it_makes_one_group(line: str) -> None:
    text = HEADER + "a = np.zeros((4, 2))\nb = np.ones(3)\n" + line + "\n"
    assert len(groups_of(text)) == 1


def test_library_imports_are_the_prelude_and_join_nothing() -> None:
    text = HEADER + "a = np.zeros(1)\nb = np.ones(1)\n"
    program = parse_program([text], notebook=False)
    grouping = group_statements(program, lambda chunk: {"np": RefValue("numpy")})
    assert len(grouping.groups) == 2
    assert len(grouping.prelude) == 3


# Reuse ------------------------------------------------------------------------------------------


def test_an_edit_reinterprets_only_its_group(kept: None) -> None:
    text = corpus.keras_program(400, 3)
    first = analyze(text, CONFIG)
    assert len(first.groups.results) > 10 and first.groups.interpreted == len(first.groups.results)
    match = re.search(r"Dense\((\d+)", text)
    assert match is not None
    edited = text[: match.end(1)] + "7" + text[match.end(1) :]
    again = analyze(edited, CONFIG)
    assert again.groups.interpreted == 1
    assert analyze(text, CONFIG).groups.interpreted == 0  # back to a text whose groups are all kept


def test_a_script_never_reuses_what_a_notebook_of_the_same_cells_found(kept: None) -> None:
    from shapelint.engine import analyze_notebook

    cells = ["import numpy as np", "x = make(5)", "def make(n):\n    return np.zeros((n, 3))"]
    notebook = analyze_notebook(cells, CONFIG)
    assert notebook.facts.module_names["x"].describe() == "ndarray (5, 3) float64"  # cells run out of order
    script = analyze("\n".join(cells) + "\n", CONFIG)
    assert script.facts.module_names["x"].describe() == "unknown"  # a script would raise NameError


def test_only_the_last_documents_keep_their_results(kept: None) -> None:
    text = corpus.keras_program(200, 3)
    paths = [f"/project/script_{number}.py" for number in range(6)]
    for path in paths:
        analyze(text, CONFIG, path=path)
    assert analyze(text, CONFIG, path=paths[-1]).groups.interpreted == 0
    assert analyze(text, CONFIG, path=paths[0]).groups.interpreted > 0  # a file opened and left alone


def test_nothing_is_kept_unless_asked() -> None:
    incremental.RESULTS.clear()
    text = corpus.keras_program(200, 3)
    analyze(text, CONFIG)
    again = analyze(text, CONFIG)
    assert again.groups.interpreted == len(again.groups.results)


def test_a_changed_data_file_is_read_again(kept: None, tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    text = HEADER + "x = np.load('x.npy')\ny = np.ones(3)\n"
    script.write_text(text)
    np.save(tmp_path / "x.npy", np.zeros((10, 3), dtype="float32"))
    first = analyze(text, CONFIG, path=str(script), root=str(tmp_path))
    assert first.facts.module_names["x"].describe() == "ndarray (10, 3) float32"
    np.save(tmp_path / "x.npy", np.zeros((10, 4), dtype="float32"))
    second = analyze(text, CONFIG, path=str(script), root=str(tmp_path))
    assert second.facts.module_names["x"].describe() == "ndarray (10, 4) float32"
    assert second.groups.interpreted == 1  # the other group was kept


def test_a_group_cut_short_by_the_budget_is_not_kept(kept: None) -> None:
    # A function passed along is not plain data: call summaries cannot collapse the fan-out.
    text = HEADER + "def f(n, g):\n    return " + " + ".join(["g(n - 1, g)"] * 10) + "\n\nf(100, f)\n"
    first = analyze(text, CONFIG)
    assert any(d.code == "SL003" for d in first.diagnostics)  # the budget stopped the loop
    assert [result.keep for result in first.groups.results] == [False]
    assert analyze(text, CONFIG).groups.interpreted == 1


# Warm equals cold -------------------------------------------------------------------------------


def _edits(text: str, rng: random.Random) -> Iterator[str]:
    """Edits a user makes: digits typed into numbers, characters deleted (the statement stops
    parsing), new lines and statements above others, a statement that joins two groups."""
    for _ in range(14):
        lines = text.split("\n")
        kind = rng.choice(["digit", "delete", "newline", "statement", "join"])
        numbered = [i for i, line in enumerate(lines) if re.search(r"\d", line)]
        if kind == "digit" and numbered:
            i = rng.choice(numbered)
            spot = rng.choice([m.end() for m in re.finditer(r"\d+", lines[i])])
            lines[i] = lines[i][:spot] + str(rng.randint(0, 9)) + lines[i][spot:]
        elif kind == "delete":
            i = rng.randrange(len(lines))
            if lines[i]:
                spot = rng.randrange(len(lines[i]))
                lines[i] = lines[i][:spot] + lines[i][spot + 1 :]
        elif kind == "newline":
            lines.insert(rng.randrange(len(lines)), "")
        elif kind == "statement":
            lines.insert(rng.randrange(len(lines)), "extra_value = 3")
        else:
            names = re.findall(r"^([a-z_][a-z0-9_]*) = ", text, flags=re.MULTILINE)
            if len(names) > 1:
                lines.append(f"joined = ({rng.choice(names)}, {rng.choice(names)})")
        text = "\n".join(lines)
        yield text


def _sources() -> list[tuple[str, str]]:
    realworld = sorted((ROOT / "bench" / "realworld").rglob("*.py"))
    picked = [path for path in realworld if path.stat().st_size < 12_000][::6]
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))[::25]
    found = [(str(path), path.read_text(encoding="utf-8")) for path in [*picked, *fixtures]]
    found.append(("generated", corpus.keras_program(300, 5)))
    return found


SOURCES = _sources()


@pytest.mark.parametrize("name,text", SOURCES, ids=[Path(name).name for name, _ in SOURCES])
def test_a_warm_analysis_says_what_a_cold_one_says(kept: None, name: str, text: str) -> None:
    path = name if name != "generated" else None
    rng = random.Random(name)
    analyze(text, CONFIG, path=path)
    for edited in _edits(text, rng):
        warm = analyze(edited, CONFIG, path=path)
        kept_results, incremental.RESULTS = incremental.RESULTS, incremental._Results()
        cold = analyze(edited, CONFIG, path=path)  # nothing kept
        incremental.RESULTS = kept_results
        assert outcome(warm) == outcome(cold)
        assert warm.inlay_hints == cold.inlay_hints
        assert {k: v.describe() for k, v in warm.facts.module_names.items()} == {
            k: v.describe() for k, v in cold.facts.module_names.items()
        }


def test_groups_find_what_the_whole_program_finds() -> None:
    """On every real file and fixture, analysing group by group finds exactly what one analysis
    of the whole program finds (what `shapelint check` runs: `once`)."""
    paths = sorted((ROOT / "bench" / "realworld").rglob("*.py")) + sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    grouped = {path: analyze(path.read_text(encoding="utf-8"), CONFIG, path=str(path)) for path in paths}
    whole = {path: analyze(path.read_text(encoding="utf-8"), CONFIG, path=str(path), once=True) for path in paths}
    assert sum(len(found.groups.results) > 1 for found in grouped.values()) > 50  # many files have groups
    assert all(len(found.groups.results) == 1 for found in whole.values())
    assert sum(len(found.diagnostics) for found in whole.values()) > 100  # the corpus has findings to compare
    differing = [str(path) for path in paths if outcome(grouped[path]) != outcome(whole[path])]
    assert differing == []


def test_a_hover_reads_its_groups_facts_as_it_would_read_the_whole_programs() -> None:
    """A hover looks only through the facts of the group holding its statement: on every real file
    and on a program of many groups, it says what it would say from every group's facts merged."""
    texts = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "bench" / "realworld").rglob("*.py"))]
    texts.append(corpus.keras_program(400, 3))
    compared = described = 0
    for text in texts:
        analysis = analyze(text, CONFIG)
        merged = analysis.groups.facts()
        for line, code in enumerate(analysis.program.lines):
            for word in re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", code):
                position = Position(line, word.start())
                expected = presentation.hover_at(merged, analysis.program, position)
                found = analysis.hover_at(position)
                got = (found.markdown, found.range) if found is not None else None
                assert got == ((expected.markdown, expected.range) if expected is not None else None), (line, code)
                compared += 1
                described += found is not None
    assert described > 1_000 and compared > 10_000


def test_an_analysis_made_once_reads_no_names_and_keeps_nothing(kept: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint import statement_groups

    def no_tables(text: str) -> None:
        raise AssertionError("a symbol table was read")

    monkeypatch.setattr(statement_groups, "_table_names", no_tables)
    text = corpus.keras_program(200, 3)
    first = analyze(text, CONFIG, once=True)
    again = analyze(text, CONFIG, once=True)
    assert again.groups.interpreted == len(again.groups.results) == 1
    assert len(incremental.RESULTS) == 0
    assert outcome(again) == outcome(first) and any(d.code.startswith("SL1") for d in again.diagnostics)


def test_forget_texts_makes_the_next_analysis_as_cold_as_a_fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from shapelint import engine, source, statement_groups
    from shapelint.ipython_syntax import transform_cell

    work = {"parsed": 0, "named": 0, "prelude": 0}

    def counted(name: str, function):  # type: ignore[no-untyped-def]
        def run(*args, **kwargs):  # type: ignore[no-untyped-def]
            work[name] += 1
            return function(*args, **kwargs)

        return run

    monkeypatch.setattr(source, "parse_module", counted("parsed", source.parse_module))
    monkeypatch.setattr(statement_groups, "_table_names", counted("named", statement_groups._table_names))
    monkeypatch.setattr(incremental.Interpreter, "run_module", counted("prelude", incremental.Interpreter.run_module))
    text = corpus.keras_program(60, 3)
    cells = ["%matplotlib inline\nimport numpy as np\n", "x = np.zeros((2, 3))\n"]
    incremental.keep_results()
    try:
        first = analyze(text)
        engine.analyze_notebook(cells)
        work.update(parsed=0, named=0, prelude=0)
        again = analyze(text)
        assert work == {"parsed": 0, "named": 0, "prelude": 0}  # everything was kept
        engine.forget_texts()
        assert transform_cell.cache_info().currsize == 0
        cold = analyze(text)
        assert work["parsed"] >= 30 and work["named"] >= 10 and work["prelude"] >= 2
        assert [d.message for d in cold.diagnostics] == [d.message for d in first.diagnostics]
        assert [d.message for d in again.diagnostics] == [d.message for d in first.diagnostics]
    finally:
        incremental.keep_results(0)
        engine.forget_texts()
