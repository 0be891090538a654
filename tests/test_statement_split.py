"""An edited text re-split from the text before it gives exactly what a full split gives.

`statement_split.resplit` re-scans only the statements an edit touches, and `parse_program`
keeps the chunks of the others (shifting their lines and indexes). Random edits of real files
(bench/realworld, tests/fixtures, notebooks) check both against splitting from scratch, with
edits aimed at what moves statement boundaries: quotes and triple quotes, brackets, backslash
continuations, decorators, `else:` lines, comments, line endings (\\r\\n and lone \\r).
"""

from __future__ import annotations

import ast
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from shapelint import source, statement_split
from shapelint.engine import analyze
from shapelint.notebook import read_notebook
from shapelint.statement_split import CHECKPOINT_LINES, LineSplit, resplit, scan_statements

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(
    [*(ROOT / "bench" / "realworld").rglob("*.py"), *(ROOT / "tests" / "fixtures").glob("*/*.py")],
    key=lambda path: str(path),
)
NOTEBOOKS = sorted(
    [*(ROOT / "bench" / "realworld").rglob("*.ipynb"), *(ROOT / "tests" / "notebooks").glob("*/*.ipynb")],
    key=lambda path: str(path),
)
INSERTIONS = (
    '"', "'", '"""', "'''", 'f"{', "(", ")", "[", "]", "{", "}", "\\", "\\\n", "\n", "\n\n", "\r\n", "\r",
    "#", "# (", "@decorator\n", "@", " ", "    ", "\t", "else:\n", "elif x:\n", "x = 1\n", "def f(:\n",
    "class A:\n    pass\n", 'print("a\\\n', "1", "x", "):\n",
)  # fmt: skip
# Where boundaries move: edits land on these characters half of the time.
INTERESTING = "\"'()[]{}\\@#:\n"


def _position(text: str, rng: random.Random) -> int:
    if text and rng.random() < 0.5:
        for _ in range(20):
            at = rng.randrange(len(text))
            if text[at] in INTERESTING:
                return at + rng.randint(0, 1)
    return rng.randint(0, len(text))


def edit(text: str, rng: random.Random) -> str:
    """One keystroke-to-paste sized edit: an insertion, a deletion, a replacement or a moved block."""
    at = _position(text, rng)
    kind = rng.random()
    if kind < 0.55:
        return text[:at] + rng.choice(INSERTIONS) + text[at:]
    if kind < 0.8:
        return text[:at] + text[at + rng.randint(1, 40) :]
    if kind < 0.9:
        return text[:at] + rng.choice(INSERTIONS) + text[at + rng.randint(1, 10) :]
    start, end = sorted((at, _position(text, rng)))
    end = min(end, start + 300)
    return text[:start] + text[end:] + text[start:end]  # a block moved down


def versions(text: str, rng: random.Random, count: int) -> Iterator[str]:
    """`count` successive edits of `text`, going back to the original now and then."""
    current = text
    for _ in range(count):
        current = text if rng.random() < 0.05 else edit(current, rng)
        yield current


def _split_facts(split: LineSplit) -> tuple[object, ...]:
    return split.lines, split.written, split.starts


def _resumable(split: LineSplit) -> bool:
    """Whether every line the split keeps to resume scanning at is clean in a full scan."""
    clean = set(scan_statements(split.lines, 0, every=1).clean) if split.lines else set()
    return set(split.clean) <= clean


def test_resplit_gives_the_full_split_after_random_edits_of_real_files() -> None:
    rng = random.Random(15)
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        before = LineSplit.of(text)
        for after in versions(text, rng, 25):
            change = resplit(before, after)
            assert _split_facts(change.split) == _split_facts(LineSplit.of(after)), (path, after)
            assert _resumable(change.split), (path, after)
            before = change.split


def test_an_edit_inside_one_statement_rescans_that_statement_only() -> None:
    text = (ROOT / "bench" / "realworld" / "pypi" / "d2l_tensorflow.py").read_text(encoding="utf-8")
    before = LineSplit.of(text)
    line = len(before.lines) // 2
    while not before.lines[line].strip():
        line += 1
    offset = sum(len(text) for text in before.lines[:line])
    for typed in ("x", "\n", "\n\n"):
        change = resplit(before, text[:offset] + typed + text[offset:])
        assert change.rescanned_from <= line < change.kept_from
        statement = [start for start in before.starts if start <= line][-1]
        assert change.rescanned_from >= [start for start in before.starts if start < statement][-1]
        assert change.kept_from - change.rescanned_from < 60  # of 2,000 lines


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_a_keystroke_inside_a_long_function_rescans_a_few_lines(monkeypatch: pytest.MonkeyPatch, where: float) -> None:
    body = "".join(f"    x_{i} = layer(x_{i - 1}, units={i})\n" for i in range(1, 600))
    text = f"import keras\n\n\ndef main():\n{body}\n\nmain()\n"
    before = LineSplit.of(text)
    scanned: list[tuple[int, int]] = []
    scan = statement_split.scan_statements

    def recorded(lines: list[str], begin: int, *args: object, **kwargs: object) -> statement_split.Scan:
        found = scan(lines, begin, *args, **kwargs)  # type: ignore[arg-type]
        scanned.append((begin, found.stop))
        return found

    monkeypatch.setattr(statement_split, "scan_statements", recorded)
    line = int(len(before.lines) * where)
    offset = sum(len(text) for text in before.lines[:line]) + 8
    # A digit, a line broken, a bracket opened and closed (both scan to the end: no line after an
    # open bracket is clean), a digit again.
    for typed in ("1", "\n        ", "(", ")", "2"):
        after = text[:offset] + typed + text[offset:]
        change = resplit(before, after)
        assert _split_facts(change.split) == _split_facts(LineSplit.of(after)) and _resumable(change.split)
        (begin, stop), *_ = scanned
        assert begin <= line < stop
        assert stop - begin <= 2 * CHECKPOINT_LINES + 2 or typed in "()"
        # The function is re-made (with all that follows when the scan ran to the end).
        ends = len(change.split.lines) if typed in "()" else change.split.starts[-1]
        assert (change.rescanned_from, change.kept_from) == (3, ends)
        scanned.clear()
        before, text, offset = change.split, after, offset + len(typed)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a = 1\nb = 2\n", "a = 1\nb = 2\n"),
        ("a = 1\nb = 2\n", ""),
        ("", "a = 1\n"),
        ("a = 1\nb = 2", "a = 1\nb = 2\nc = 3"),
        ("a = 1\r\nb = 2\r\n", "a = 1\r\nb = 2\rc = 3\r\n"),
        ("a = 1\nb = (2\nc = 3\n", "a = 1\nb = (2)\nc = 3\n"),
        ('x = """\ny = 1\n"""\nz = 2\n', 'x = ""\ny = 1\n"""\nz = 2\n'),
        ("@d\ndef f():\n    pass\n", "@d\n\ndef f():\n    pass\n"),
        ("x = 1 + \\\n  2\ny = 3\n", "x = 1 + \n  2\ny = 3\n"),
        ("if a:\n    pass\nelse:\n    pass\n", "if a:\n    pass\nelse :\n    pass\n"),
    ],
)
def test_resplit_edge_cases(before: str, after: str) -> None:
    assert _split_facts(resplit(LineSplit.of(before), after).split) == _split_facts(LineSplit.of(after))


def _program_facts(program: source.Program) -> tuple[object, ...]:
    chunks = [
        (chunk.index, chunk.text, chunk.start_line, chunk.line_count, chunk.cell, chunk.skipped, chunk.module is None)
        for chunk in program.chunks
    ]
    errors = [(error.range, error.message) for error in program.syntax_errors]
    return chunks, errors, program.lines, program.cell_starts, program.column_maps


@pytest.fixture
def fresh_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "PARSE_CACHE", source._ParseCache())


def _from_scratch(segments: list[str], notebook: bool) -> source.Program:
    """The program split and parsed with nothing of an earlier text to start from."""
    warm = source.PARSE_CACHE
    source.PARSE_CACHE = source._ParseCache()
    try:
        return source.parse_program(segments, notebook=notebook)
    finally:
        source.PARSE_CACHE = warm


@pytest.mark.usefixtures("fresh_caches")
def test_an_edited_file_keeps_the_chunks_a_full_parse_gives() -> None:
    rng = random.Random(2000)
    for path in FILES[::6]:
        text = path.read_text(encoding="utf-8")
        source.parse_program([text], notebook=False)
        for after in versions(text, rng, 6):
            incremental = source.parse_program([after], notebook=False)
            assert _program_facts(incremental) == _program_facts(_from_scratch([after], False)), (path, after)


@pytest.mark.usefixtures("fresh_caches")
def test_an_edited_notebook_keeps_the_chunks_a_full_parse_gives() -> None:
    rng = random.Random(10_000)
    for path in NOTEBOOKS:
        cells = read_notebook(path.read_text(encoding="utf-8")).code_cells
        if not cells:
            continue
        source.parse_program(cells, notebook=True)
        for _ in range(6):
            index = rng.randrange(len(cells))
            cells[index] = edit(cells[index], rng)
            if rng.random() < 0.2:
                cells.insert(rng.randrange(len(cells) + 1), "x = (1,\n")
            incremental = source.parse_program(cells, notebook=True)
            assert _program_facts(incremental) == _program_facts(_from_scratch(cells, True)), (path, cells)


@pytest.mark.usefixtures("fresh_caches")
def test_chunks_after_an_added_line_move_down_and_those_before_stay() -> None:
    text = "import numpy as np\nx = np.zeros((2, 3))\ny = (1,\n     2)\nz = x\n"
    before = source.parse_program([text], notebook=False)
    after = source.parse_program([text.replace("y = (1,", "y = (1,\n")], notebook=False)
    assert after.chunks[1] is before.chunks[1]  # untouched: the same chunk
    assert after.chunks[3].module is before.chunks[3].module  # the same parsed statement, one line lower
    assert (after.chunks[3].start_line, before.chunks[3].start_line) == (5, 4)


def test_chunks_mentioning_a_word_are_those_whose_text_has_it() -> None:
    text = "a = 1\nm.set_weights(w)\nb = [\n  m.set_weights,\n]\r\nc = 2\n"
    for program in (
        source.parse_program([text], notebook=False),
        source.parse_program([text.replace("\r\n", "\n")], notebook=False),
        source.parse_program(["x = 1\n", text], notebook=True),
    ):
        expected = [chunk for chunk in program.chunks if "set_weights" in chunk.text]
        assert program.chunks_mentioning("set_weights") == expected
        assert len(expected) == 2


@pytest.mark.usefixtures("fresh_caches")
def test_a_new_text_is_split_from_a_base_only_when_they_share_a_line(monkeypatch: pytest.MonkeyPatch) -> None:
    bases: list[str | None] = []
    real = source._reparse

    def spy(base: object, text: str) -> object:
        bases.append(getattr(base, "split", None) and base.split.text)  # type: ignore[union-attr]
        return real(base, text)  # type: ignore[arg-type]

    monkeypatch.setattr(source, "_reparse", spy)
    first = "import numpy as np\nx = np.zeros((2, 3))\n"
    source.parse_program([first], notebook=False)
    source.parse_program(["import keras\nmodel = keras.Sequential()\n"], notebook=False)  # shares "import "
    source.parse_program(["x = np.ones(4)\nprint(x)\n"], notebook=False)  # shares "\n" and "x" only
    source.parse_program([first.replace("(2, 3)", "(2, 4)")], notebook=False)  # an edit: shares line 1
    source.parse_program(["y = 1\n" + first], notebook=False)  # a line added on top: shares the end
    assert bases == [None, None, None, first, first]  # the closest base: the original, whole at the end


def _python_starts(text: str) -> list[int]:
    """The 0-based first lines of the top-level statements as Python reads them (decorators included)."""
    starts = []
    for statement in ast.parse(text).body:
        decorators = getattr(statement, "decorator_list", [])
        starts.append(min([statement.lineno, *(decorator.lineno for decorator in decorators)]) - 1)
    return starts


DECORATED = {
    "comment": "@tf_export('Variable')\n# TODO: subclass Tensor\nclass Variable:\n    pass\n",
    "commented-out decorator": "@tf.function\n# @tf.function(jit_compile=True)\ndef step(x):\n    return x\n",
    "indented comment": "@a\n    # indented\n@b\ndef f():\n    pass\n",
    "blank line and comment": "@a\n\n# after a blank line\n\ndef f():\n    pass\n",
}


@pytest.mark.parametrize("text", list(DECORATED.values()), ids=list(DECORATED))
def test_comment_lines_between_decorators_and_their_def_stay_in_its_statement(text: str) -> None:
    program = "x = 1\n" + text + "y = 2\n"
    assert LineSplit.of(program).starts == _python_starts(program)
    assert not [d for d in analyze(program).diagnostics if d.code == "SL001"]  # the decorated def parses


def test_statements_start_where_python_starts_them_in_real_files() -> None:
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        # Line 0 starts the first statement, with the comments above it, or a statement of its own.
        assert LineSplit.of(text).starts == sorted({0, *_python_starts(text)}), path
