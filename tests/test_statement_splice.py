"""A keystroke inside a compound statement re-parses only the simple statement it touched, and the
tree is the one libcst gives the whole new text (statement_splice.py)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider
from shapelint import known_ranges, source
from shapelint.code_ranges import code_ranges
from shapelint.diagnostics import Position
from shapelint.engine import analyze, forget_texts
from shapelint.notebook import read_notebook
from shapelint.parse_limits import MAX_DEPTH, MAX_NODES, SMALL_STATEMENT_CHARS, measure, python_tree, tree_size
from shapelint.source import PARSE_CACHE, Chunk, _ParseCache, parse_program
from shapelint.statement_splice import Outline, splice

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from realworld import CORPUS, corpus_files  # noqa: E402

# What a keystroke does: a character typed or deleted, a line broken inside brackets, a comment.
_TYPED = ["1", "x", " ", "(", ")", ",", ":", "\n", '"', "#", "\\", ";", "\t", "é", "0.5", "  # note"]


def _compound_chunks(path: Path) -> list[Chunk]:
    text = path.read_text(encoding="utf-8")
    notebook = path.suffix == ".ipynb"
    program = parse_program(read_notebook(text).code_cells if notebook else [text], notebook=notebook)
    return [
        chunk
        for chunk in program.chunks
        if chunk.module is not None and any(not isinstance(s, cst.SimpleStatementLine) for s in chunk.module.body)
    ]


def _edits(text: str, pick: random.Random, count: int) -> list[str]:
    edits = []
    for _ in range(count):
        at = pick.randrange(len(text))
        if pick.random() < 0.3:
            edits.append(text[:at] + text[at + pick.choice((1, 1, 2, 5)) :])
        else:
            edits.append(text[:at] + pick.choice(_TYPED) + text[at:])
    return edits


def _outline(text: str) -> Outline:
    tree = python_tree(text)
    return Outline.of(tree, tree_size(tree)[0])


def _check(chunk: Chunk, new_text: str) -> bool:
    """Whether the splice gave a tree; when it did, that it is libcst's tree of the whole text, and
    that the outline it gives is the one read from the new text."""
    assert chunk.module is not None
    spliced = splice(chunk.text, chunk.module, _outline(chunk.text), new_text)
    if spliced is None:
        return False
    whole = cst.parse_module(new_text)
    assert spliced.module.deep_equals(whole), new_text
    assert spliced.module.code == whole.code
    assert spliced.outline == _outline(new_text)
    assert measure(new_text).reason is None  # the size guard takes the new text too
    return True


@pytest.mark.parametrize("path", corpus_files(CORPUS), ids=lambda path: path.name)
def test_a_spliced_tree_is_libcsts_tree_of_the_edited_text(path: Path) -> None:
    pick = random.Random(path.name)
    spliced = 0
    for chunk in _compound_chunks(path)[:6]:
        for new_text in _edits(chunk.text, pick, 25):
            spliced += _check(chunk, new_text)
    chunks = _compound_chunks(path)
    if chunks:
        assert spliced > 0  # most keystrokes land inside a simple statement


# What a splice rebuilds around the statement it replaces: the statements holding it, their blocks
# and clauses, and the module (statement_splice._replaced_in_block); and the line ends that reach
# the replaced lines (a range ends at the start of the next line).
_REBUILT = (cst.Module, cst.BaseCompoundStatement, cst.IndentedBlock, cst.Else, cst.ExceptHandler, cst.Finally)
_LINE_ENDS = (cst.TrailingWhitespace, cst.Newline, cst.EmptyLine)


@pytest.mark.parametrize("path", corpus_files(CORPUS)[::5], ids=lambda path: path.name)
def test_the_ranges_kept_across_keystrokes_are_the_new_trees(path: Path) -> None:
    # Keystroke after keystroke, each on the text the one before made; ranges are asked for now
    # and then (a few nodes, or all of them, as a finding's range or a hover would).
    pick = random.Random(path.name)
    cache = _ParseCache()
    checked = kept_total = exact = 0
    chunks = [chunk for chunk in _compound_chunks(path) if len(chunk.text) > SMALL_STATEMENT_CHARS]
    for chunk in chunks[:4]:
        module = cache.parse(chunk.text)
        assert isinstance(module, cst.Module)
        cache.positions(module)  # every range of the first tree known
        current = Chunk(chunk.index, chunk.text, chunk.start_line, chunk.line_count, module, None)
        for step in range(40):
            new_text = _edits(current.text, pick, 1)[0]
            new = cache.parse(new_text, current)
            if not isinstance(new, cst.Module) or new is current.module:
                continue
            current = Chunk(chunk.index, new_text, chunk.start_line, new_text.count("\n"), new, None)
            kept = cache._positions.get(id(new))
            if kept is None:  # parsed whole: nothing carried, the next keystrokes start again
                cache.positions(new)
                continue
            libcst_ranges = MetadataWrapper(new, unsafe_skip_copy=True).resolve(PositionProvider)
            every = kept._all()  # what is known, moved here (nothing kept by reading it)
            assert all(libcst_ranges[node] == found for node, found in every.items())
            kept_total += len(every)
            if kept.all_but_blocks:  # the new statement's ranges were generated alone: all but blocks known
                missing = [node for node in libcst_ranges if node not in every]
                assert not any(isinstance(node, (cst.BaseExpression, cst.BaseSmallStatement)) for node in missing)
                assert all(isinstance(node, (*_REBUILT, *_LINE_ENDS)) for node in missing), missing
                exact += 1
            nodes = list(libcst_ranges)
            asked = nodes if step % 5 == 0 else pick.sample(nodes, min(5, len(nodes)))
            known = {node: kept.get(node) for node in asked}
            assert all(found == every.get(node) for node, found in known.items())
            checked += 1
    if chunks:  # a shorter statement is parsed whole: it is not measured with Python's parser
        assert checked > 0 and kept_total > 0 and exact > 0


@pytest.mark.parametrize(
    ("edit", "spliced"),
    [
        (("units=8", "units=16"), True),  # inside a simple statement
        (("    x = 1\n", "    x = 1; y = 2\n"), True),  # one statement line still
        (("def build(units):", "def build(units, depth):"), False),  # the header
        (("    # layers\n", "    # more layers\n"), False),  # a comment line between statements
        (("    x = 1\n", "      x = 1\n"), False),  # the indentation
        (("    x = 1\n", "    x = (1\n"), False),  # a syntax error: the whole statement reports it
        (("    x = 1\n", "    x = 1\n    z = 3\n"), False),  # a statement more
        (("layers.Dense(units=8)", "layers.Dense(\n        units=8,\n    )"), True),  # broken over lines
    ],
)
def test_only_an_edit_inside_one_simple_statement_is_spliced(edit: tuple[str, str], spliced: bool) -> None:
    text = (
        "def build(units):\n"
        "    x = 1\n"
        "    # layers\n"
        "    for i in range(2):\n"
        "        if i:\n"
        "            dense = layers.Dense(units=8)\n"
        "    return x\n"
    )
    old, new = edit
    assert old in text
    module = cst.parse_module(text)
    chunk = Chunk(0, text, 1, text.count("\n"), module, None)
    new_text = text.replace(old, new)
    assert _check(chunk, new_text) is spliced


_BLOCKS_TEXT = (
    "def build(units):\n"
    "    try:\n"
    "        x = 1\n"
    "    except ValueError:\n"
    "        x = 2\n"
    "    except (KeyError, TypeError) as error:\n"
    "        x = 3\n"
    "    else:\n"
    "        y = 4\n"
    "    finally:\n"
    "        z = 5\n"
    "    if units:\n"
    "        a = 6\n"
    "    elif units > 2:\n"
    "        a = 7\n"
    "    else:\n"
    "        if a:\n"
    "            a = 8\n"
    "    for i in range(2):\n"
    "        pass\n"
    "    else:\n"
    "        b = 9\n"
    "    while x:\n"
    "        break\n"
    "    else:\n"
    "        c = 10\n"
)


@pytest.mark.parametrize(
    ("edit", "spliced"),
    [
        (("x = 1\n", "x = 11\n"), True),  # a try's body
        (("x = 2\n", "x = 21\n"), True),  # an except clause's
        (("x = 3\n", "x = (3,\n            31)\n"), True),  # the second except clause's, broken over lines
        (("y = 4\n", "y = 41\n"), True),  # the try's else
        (("z = 5\n", "z = 51\n"), True),  # its finally
        (("a = 7\n", "a = 71\n"), True),  # an elif
        (("a = 8\n", "a = 81\n"), True),  # an if inside an else
        (("b = 9\n", "b = 91\n"), True),  # a loop's else
        (("c = 10\n", "c = 101\n"), True),
        (("except ValueError:", "except IndexError:"), False),  # a clause's line
        (("    else:\n        y", "    else :\n        y"), False),
        (("elif units > 2:", "elif units > 3:"), False),
    ],
)
def test_an_edit_in_an_else_except_or_finally_block_is_spliced(edit: tuple[str, str], spliced: bool) -> None:
    old, new = edit
    assert _BLOCKS_TEXT.count(old) == 1
    module = cst.parse_module(_BLOCKS_TEXT)
    chunk = Chunk(0, _BLOCKS_TEXT, 1, _BLOCKS_TEXT.count("\n"), module, None)
    assert _check(chunk, _BLOCKS_TEXT.replace(old, new)) is spliced


def test_an_except_clause_counts_as_a_level_for_the_depth_guard() -> None:
    # Python's tree has the clause between the try and its statements: a statement in it is one
    # level deeper than one in the try's body, and the guard must see the depth a cold parse sees.
    def text(depth: int) -> str:
        nested = "[" * depth + "]" * depth
        body = "".join(f"        x_{i} = [{i}]\n" for i in range(40))
        return f"def main():\n    try:\n{body}    except ValueError:\n        y = {nested}\n"

    deepest = next(depth for depth in range(1, MAX_DEPTH + 5) if measure(text(depth)).reason is not None)
    ok, too_deep = text(deepest - 1), text(deepest)
    chunk = Chunk(0, text(deepest - 2), 1, ok.count("\n"), cst.parse_module(text(deepest - 2)), None)
    assert _check(chunk, ok)
    assert splice(chunk.text, chunk.module, _outline(chunk.text), too_deep) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("grown", ["nodes", "depth"])
def test_an_edit_past_the_size_guard_is_not_spliced(grown: str) -> None:
    # The guard decides on the whole new text as it would for a text never seen before.
    text = "def main():\n" + "".join(f"    x_{i} = [{i}]\n" for i in range(200))
    old_text = text.replace("x_100 = [100]", "x_100 = [" + "0, " * (MAX_NODES - 1_300) + "]")  # 6 nodes a line
    assert measure(old_text).reason is None
    chunk = Chunk(0, old_text, 1, old_text.count("\n"), cst.parse_module(old_text), None)
    if grown == "nodes":
        new_text = old_text.replace("x_100 = [0, ", "x_100 = [0, 0, " + "0, " * 1000)
    else:
        new_text = old_text.replace("x_7 = [7]", "x_7 = " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert measure(new_text).reason is not None
    assert splice(chunk.text, chunk.module, _outline(chunk.text), new_text) is None  # type: ignore[arg-type]
    small = old_text.replace("x_7 = [7]", "x_7 = [8]")
    assert _check(chunk, small)


def test_a_statement_parsed_whole_after_an_edit_is_outlined_without_another_parse(monkeypatch) -> None:
    # A keystroke in a header is parsed whole; the next one, in the body, splices without Python
    # parsing the whole text again to outline it.
    body = "".join(f"    x_{i} = np.zeros(({i + 1}, 4))\n" for i in range(20))
    text = f"def main(units):\n{body}"
    cache = _ParseCache()
    first = cache.parse(text)
    assert isinstance(first, cst.Module)
    header_edit = text.replace("def main(units):", "def main(units, depth):")
    second = cache.parse(header_edit, Chunk(0, text, 1, text.count("\n"), first, None))
    assert isinstance(second, cst.Module) and second.deep_equals(cst.parse_module(header_edit))
    measured = []
    monkeypatch.setattr(source, "measure", lambda text: measured.append(text) or measure(text))
    body_edit = header_edit.replace("x_7 = np.zeros((8, 4))", "x_7 = np.zeros((8, 45))")
    third = cache.parse(body_edit, Chunk(0, header_edit, 1, header_edit.count("\n"), second, None))
    assert isinstance(third, cst.Module) and third.deep_equals(cst.parse_module(body_edit))
    assert third.body[0].body.body[0] is second.body[0].body.body[0]  # type: ignore[attr-defined]  # spliced
    assert measured == []


def test_a_keystroke_inside_a_main_function_reparses_only_its_statement() -> None:
    body = "".join(f"    x_{i} = np.zeros(({i + 1}, 4))\n" for i in range(60))
    text = f"import numpy as np\n\n\ndef main():\n{body}    return x_1\n"
    analyze(text)
    before = PARSE_CACHE.segments.get(text).chunks[-1]
    edited = text.replace("x_30 = np.zeros((31, 4))", "x_30 = np.zeros((31, 45))")
    analysis = analyze(edited)
    after = PARSE_CACHE.segments.get(edited).chunks[-1]
    assert before.module is not None and after.module is not None
    assert after.module is not before.module
    old_body = before.module.body[0].body.body  # type: ignore[attr-defined]
    new_body = after.module.body[0].body.body  # type: ignore[attr-defined]
    kept = [new is old for new, old in zip(new_body, old_body)]
    assert kept.count(False) == 1 and not kept[30]  # every other statement is the old tree's
    assert after.module.deep_equals(cst.parse_module(after.text))
    assert analysis.diagnostics == analyze(edited).diagnostics


def test_a_hover_after_a_keystroke_in_a_main_function_generates_no_code(monkeypatch) -> None:
    # The ranges of the first hover are kept across the keystroke, and the new statement's are
    # generated alone: the next hover generates nothing, and says what a fresh analysis says.
    body = "".join(f"    x_{i} = np.zeros(({i + 1}, 4))\n" for i in range(60))
    body = body.replace("    x_30 =", "    # the wide one\n\n    x_30 =")  # leading lines of its own
    text = f"import numpy as np\n\n\ndef main():\n{body}    return x_1\n"
    assert analyze(text).hover_at(Position(20, 4)) is not None  # every range of `main` generated
    edited = text.replace("x_30 = np.zeros((31, 4))", "x_30 = np.zeros((31, 45, 2))")
    analysis = analyze(edited)
    generated: list[object] = []
    monkeypatch.setattr(known_ranges, "code_ranges", lambda *a: generated.append(a) or code_ranges(*a))
    line = next(i for i, code in enumerate(analysis.program.lines) if "x_30 =" in code)
    places = [Position(line, 4), Position(line, 14), Position(line + 1, 4), Position(line - 3, 4), Position(60, 4)]
    hovers = [analysis.hover_at(place) for place in places]
    assert generated == []
    assert hovers[0] is not None and "(31, 45, 2)" in hovers[0].markdown
    forget_texts()
    assert hovers == [analyze(edited).hover_at(place) for place in places]
