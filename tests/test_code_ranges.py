"""Node ranges computed partly, or found by their code, are exactly libcst's; the fast parse gives libcst's tree."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider
from shapelint import cst_parse
from shapelint.code_ranges import code_ranges, unique_range
from shapelint.notebook import read_notebook
from shapelint.source import NodeRef, _ParseCache, parse_program

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from realworld import CORPUS, corpus_files  # noqa: E402


def _sources() -> list[Path]:
    fixtures = sorted((ROOT / "tests" / "fixtures").rglob("*.py"))
    return [*corpus_files(CORPUS), *fixtures[::3], *sorted((ROOT / "examples").rglob("*.py"))]


def _chunks(path: Path) -> Iterator[tuple[str, cst.Module]]:
    text = path.read_text(encoding="utf-8")
    notebook = path.suffix == ".ipynb"
    program = parse_program(read_notebook(text).code_cells if notebook else [text], notebook=notebook)
    for chunk in program.chunks:
        if chunk.module is not None:
            yield chunk.text, chunk.module


def _libcst_ranges(module: cst.Module) -> dict[cst.CSTNode, object]:
    return dict(MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider))


@pytest.mark.parametrize("path", _sources(), ids=lambda path: path.name)
def test_ranges_are_libcsts(path: Path) -> None:
    pick = random.Random(path.name)
    for text, module in _chunks(path):
        expected = _libcst_ranges(module)
        full, complete = code_ranges(module)
        assert complete and full == expected
        nodes = list(expected)
        for node in pick.sample(nodes, min(3, len(nodes))):
            partial, complete = code_ranges(module, until=node)
            assert partial[node] == expected[node]
            assert all(expected[other] == found for other, found in partial.items())
        for node in nodes:
            found = unique_range(module, text, node)
            assert found is None or found == expected[node], module.code_for_node(node)


def test_the_cache_answers_any_order_of_requests_with_libcsts_ranges() -> None:
    text = "def f(x):\n    y = (x + 1) * 2\n    return g(y, (y), [y, x])\n"
    module = cst.parse_module(text)
    expected = _libcst_ranges(module)
    cache = _ParseCache()
    nodes = list(expected)
    random.Random(7).shuffle(nodes)
    assert {node: cache.range_of(module, text, node) for node in nodes} == expected
    assert cache.positions(module) == expected


def test_a_repeated_expression_is_not_found_by_its_code() -> None:
    text = "y = x + x\n"
    module = cst.parse_module(text)
    binary = module.body[0].body[0].value  # type: ignore[attr-defined]
    assert unique_range(module, text, binary.left) is None  # `x` occurs twice
    assert unique_range(module, text, binary) == _libcst_ranges(module)[binary]


def test_parentheses_are_left_out_as_libcst_does() -> None:
    text = "shape = ( (28, 28) )\n"
    module = cst.parse_module(text)
    value = module.body[0].body[0].value  # type: ignore[attr-defined]
    found = unique_range(module, text, value)
    assert found == _libcst_ranges(module)[value]
    assert text[found.start.column : found.end.column] == "28, 28"  # a tuple's own parentheses are its lpar too


@pytest.mark.parametrize("items", ["open(a) as f", "(open(a) as f, open(b))", "(open(a))"])
def test_a_with_statement_has_the_range_of_its_text(items: str) -> None:
    # A `with` statement's `lpar` is a sentinel or one parenthesis, not an expression's list of them.
    text = f"x = 1\nwith {items}:\n    pass\n"
    program = parse_program([text], notebook=False)
    chunk = program.chunks[1]
    assert chunk.module is not None
    statement = chunk.module.body[0]
    assert isinstance(statement, cst.With)
    span = program.node_range(NodeRef(1, statement))
    assert span is not None
    assert (span.start.line, span.start.column, span.end.line, span.end.column) == (1, 0, 2, 8)


@pytest.mark.parametrize("path", corpus_files(CORPUS)[::4], ids=lambda path: path.name)
def test_the_fast_parse_builds_libcsts_tree(path: Path) -> None:
    for text, _ in _chunks(path):
        assert cst_parse.parse_module(text).deep_equals(cst.parse_module(text))


def test_nodes_built_by_hand_are_still_validated_after_a_fast_parse() -> None:
    assert cst_parse.SKIPS_VALIDATION  # the installed libcst is one whose validation can be skipped
    cst_parse.parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")  # an empty name is invalid
    with pytest.raises(cst.ParserSyntaxError):
        cst_parse.parse_module("x = (\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")


def test_validation_comes_back_after_nested_and_failed_parses() -> None:
    with cst_parse.validation_skipped():
        with cst_parse.validation_skipped():
            cst.Name("")  # not checked while a parse may be running
        cst.Name("")
        with pytest.raises(cst.ParserSyntaxError):
            cst_parse.parse_module("def (\n")
        cst.Name("")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("")


def test_lines_ending_in_a_lone_carriage_return_are_counted() -> None:
    text = "x = foo(\r  1,\r  bar)\r"
    module = cst.parse_module(text)
    call = module.body[0].body[0].value  # type: ignore[attr-defined]
    expected = _libcst_ranges(module)
    cache = _ParseCache()
    assert all(cache.range_of(module, text, node) == expected[node] for node in (call.args[1].value, call))


def test_windows_line_endings_are_found_by_code() -> None:
    text = "x = foo(\r\n  1,\r\n  bar)\r\n"
    module = cst.parse_module(text)
    call = module.body[0].body[0].value  # type: ignore[attr-defined]
    assert unique_range(module, text, call.args[1].value) == _libcst_ranges(module)[call.args[1].value]
