"""IPython cell text -> the Python IPython runs, and the columns that map back to the cell.

Expected Python is what IPython 8's `inputtransformer2.TransformerManager().transform_cell`
writes, except where the Python a magic runs is the notebook's own code (`%%time` body,
`%time stmt`), and except that the line count never changes.
"""

from __future__ import annotations

import ast
import random

import pytest
from shapelint.ipython_syntax import transform_cell
from shapelint.source import split_lines


def python_of(cell: str) -> str:
    return transform_cell(cell).python


@pytest.mark.parametrize(
    ("cell", "python"),
    [
        ("%matplotlib inline\n", "get_ipython().run_line_magic('matplotlib', 'inline')\n"),
        ("%pip install x\n", "get_ipython().run_line_magic('pip', 'install x')\n"),
        ("%load_ext autoreload\n", "get_ipython().run_line_magic('load_ext', 'autoreload')\n"),
        ("!pip install -q tensorflow\n", "get_ipython().system('pip install -q tensorflow')\n"),
        ("!!ls\n", "get_ipython().getoutput('ls')\n"),
        ("files = !ls data\n", "files = get_ipython().getoutput('ls data')\n"),
        ("env = %env\n", "env = get_ipython().run_line_magic('env', '')\n"),
        ("model.fit?\n", "get_ipython().run_line_magic('pinfo', 'model.fit')\n"),
        ("model.fit??\n", "get_ipython().run_line_magic('pinfo2', 'model.fit')\n"),
        ("?np.zeros\n", "get_ipython().run_line_magic('pinfo', 'np.zeros')\n"),
        ("??np.zeros\n", "get_ipython().run_line_magic('pinfo2', 'np.zeros')\n"),
        ("np.*load*?\n", "get_ipython().run_line_magic('psearch', 'np.*load*')\n"),
        ("/print 1 2\n", "print(1, 2)\n"),
        (",print a b\n", 'print("a", "b")\n'),
        ("if flag:\n    !ls\n", "if flag:\n    get_ipython().system('ls')\n"),
    ],
)
def test_escapes_become_the_calls_ipython_makes(cell: str, python: str) -> None:
    assert python_of(cell) == python


def test_shell_escape_continued_with_backslashes_is_one_command_and_keeps_the_line_count() -> None:
    cell = "!ls -la \\\n    /tmp \\\n    ~\nx = 1\n"
    assert python_of(cell) == "get_ipython().system('ls -la      /tmp      ~')\n\n\nx = 1\n"


def test_time_line_magics_keep_the_statement_they_run() -> None:
    transformed = transform_cell("%time history = model.fit(x, y)\n")
    assert transformed.python == "history = model.fit(x, y)\n"
    # `model` is at column 16 of the cell, column 10 of the Python.
    assert transformed.original_column(0, 10) == 16
    assert python_of("%timeit -n 1 -r 3 model.predict(x)\n") == "model.predict(x)\n"
    assert python_of("res = %time f(1)\n") == "res = get_ipython().run_line_magic('time', 'f(1)')\n"


@pytest.mark.parametrize("magic", ["%%time", "%%timeit -n1 -r1", "%%capture output"])
def test_python_body_cell_magics_keep_their_body_transformed_too(magic: str) -> None:
    transformed = transform_cell(f"{magic}\nmodel.fit(x, y)\n!ls\n")
    assert transformed.python == "\nmodel.fit(x, y)\nget_ipython().system('ls')\n"
    assert transformed.is_python


@pytest.mark.parametrize("magic", ["%%writefile model.py", "%%bash", "%%html", "%%javascript", "%%sh", "%%script"])
def test_other_cell_magics_are_not_python_of_the_notebook(magic: str) -> None:
    transformed = transform_cell(f"\n{magic}\nthis is = not python (\n")
    assert transformed.python == "\n\n\n"
    assert not transformed.is_python


def test_cell_magic_after_leading_blank_lines_and_indent_is_still_a_cell_magic() -> None:
    assert python_of("\n  %%time\n  x = 1\n") == "\n\nx = 1\n"


def test_indented_cell_is_dedented_and_columns_map_back() -> None:
    transformed = transform_cell("    x = f(1)\n    if x:\n        y = 2\n")
    assert transformed.python == "x = f(1)\nif x:\n    y = 2\n"
    assert transformed.original_column(0, 4) == 8  # `f`
    assert transformed.original_column(2, 4) == 8  # `y`


def test_percent_formatting_continuation_is_not_a_magic() -> None:
    cell = "print('a %s b %s' %\n      (1, 2))\nt = ('x %s'\n   % 3)\ns = 'abc %s' % \\\n  3\n"
    assert python_of(cell) == cell


def test_escapes_inside_strings_and_comments_are_left_alone() -> None:
    cell = "text = '''\n!not a command\n%not a magic\n'''\n# %pip install x\nx = 1  # obj?\n"
    assert python_of(cell) == cell


def test_commented_out_magic_leaving_an_if_without_body_stays_a_syntax_error() -> None:
    python = python_of("if IN_COLAB:\n    # !pip install keras\nprint('ready')\n")
    with pytest.raises(SyntaxError):
        ast.parse(python)


def test_generated_call_maps_to_the_command_it_replaces() -> None:
    transformed = transform_cell("if ok:\n    files = !ls\n")
    assert transformed.python == "if ok:\n    files = get_ipython().getoutput('ls')\n"
    assert transformed.original_column(1, 4) == 4  # `files`
    assert transformed.original_column(1, 12) == 12  # start of the call: the `!`
    assert transformed.original_column(1, len("    files = get_ipython().getoutput('ls')")) == len("    files = !ls")


def test_many_cells_of_ordinary_python_are_unchanged() -> None:
    cell = "import numpy as np\nx = np.zeros((2, 3)) % 2\ny = x[..., None]\n"
    transformed = transform_cell(cell)
    assert (transformed.python, transformed.line_maps) == (cell, ())


def test_every_transformed_cell_keeps_its_line_count() -> None:
    cells = [
        "%%time\na = 1\n!ls \\\n  -la\n",
        "  x = 1\n  y = 2",
        "files = !ls \\\n  data\nfoo?\n",
        "%%bash\nls\n",
        "",
    ]
    for cell in cells:
        expected = max(len(cell.splitlines()), 0)
        assert len(transform_cell(cell).python.splitlines()) == expected, cell


def test_escapes_in_nested_blocks_are_all_found_after_earlier_ones_are_transformed() -> None:
    cell = "for a in b:\n    if x:\n        !ls\n        files = !ls\n    y = 1\n    %pwd\nz = !ls\nw?\n"
    assert python_of(cell) == (
        "for a in b:\n    if x:\n        get_ipython().system('ls')\n"
        "        files = get_ipython().getoutput('ls')\n    y = 1\n"
        "    get_ipython().run_line_magic('pwd', '')\nz = get_ipython().getoutput('ls')\n"
        "get_ipython().run_line_magic('pinfo', 'w')\n"
    )


def test_hundreds_of_escapes_in_one_cell_are_all_transformed() -> None:
    cell = "if ok:\n" + "".join(f"    !echo {i}\n" for i in range(400))
    python = python_of(cell)
    assert python.count("get_ipython().system(") == 400
    ast.parse(python)


FRAGMENTS = [
    "%time ", "%%time\n", "!", "!!", "?", "??", "%", "x = ", "= !", "= %", "\\\n", "\n", "    ", "\t", "(", ")",
    "[", "'", '"', '"""', "#", "ls", "model.fit(x)", "if a:\n", "%%bash\n", ",", ";", "/", "\r\n", "\r",
    "%timeit -n 1 ", "obj", ".", " ", "%%capture\n", "\x0c", "\\\r\n",
]  # fmt: skip


def test_any_text_transforms_without_error_and_keeps_its_line_count() -> None:
    generator = random.Random(7)
    for _ in range(3000):
        cell = "".join(generator.choice(FRAGMENTS) for _ in range(generator.randint(0, 25)))
        transformed = transform_cell(cell)
        assert len(split_lines(transformed.python)) == len(split_lines(cell)), repr(cell)
        for line, _ in transformed.line_maps:
            assert transformed.original_column(line, 0) >= 0


@pytest.mark.parametrize(
    ("cell", "python"),
    [
        (">>> x = 1\n>>> y = x + 1\n... \n", "x = 1\ny = x + 1\n\n"),
        ("In [1]: import numpy as np\n   ...: a = 2\n", "import numpy as np\na = 2\n"),
        ("x = [1,\n...: 2]\n", "x = [1,\n2]\n"),
        ("...\nx = 1\n", "...\nx = 1\n"),  # an Ellipsis statement is not a prompt
    ],
)
def test_pasted_prompts_are_stripped(cell: str, python: str) -> None:
    assert python_of(cell) == python


def test_prompt_columns_map_back() -> None:
    transformed = transform_cell("In [1]: import numpy as np\n   ...: a = np.zeros(3)\n")
    assert transformed.original_column(1, 4) == 12  # `np` after `   ...: a = `
