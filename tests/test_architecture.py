"""The architecture's import rules, checked on the source with `ast` so they stay true.

See ARCHITECTURE.md. Each rule is a function of a {module name: source} mapping, so the
tests below also prove, on small synthetic packages, that a violation is caught.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "server" / "shapelint"
LIBRARY_PREFIXES = ("numpy.", "keras.", "tensorflow.", "sklearn.", "pandas.", "tf_keras.")
# The bottom of the data model: values may know shapes (and NodeRef, for type hints) only.
VALUES_MAY_IMPORT = {"shapelint.shapes", "shapelint.source"}
# Shells and what only they may import.
SHELLS = (
    "shapelint.lsp",
    "shapelint.cli",
    "shapelint.__main__",
    "shapelint.output",
    "shapelint.file_runner",
    "shapelint.check_pool",
    "shapelint.check_cache",
    "shapelint.check_replay",
)
SHELL_LIBRARIES = ("pygls", "lsprotocol", "argparse")
# The one analyse -> confirm -> learn -> re-analyse loop, and the steps only it may chain.
CONFIRMATION_PIPELINE = "shapelint.confirm.pipeline"
PIPELINE_STEPS = ("describe_models", "apply_confirmations", "learned_shapes")


@dataclass(frozen=True)
class Import:
    importer: str
    module: str  # the module imported (for `from m import n`: m, or m.n when m.n is a module)
    names: tuple[str, ...]  # names taken with `from m import ...` (empty for `import m`)
    line: int


def load_package(root: Path = PACKAGE, package: str = "shapelint") -> dict[str, str]:
    """Every module of the package: dotted name -> source."""
    sources = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        sources[".".join([package, *parts])] = path.read_text(encoding="utf-8")
    return sources


def imports_of(name: str, source: str, modules: Mapping[str, str]) -> Iterator[Import]:
    """Every import statement in a module (at any depth, TYPE_CHECKING ones included)."""
    package = name if modules.get(name) is not None and _is_package(name, modules) else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    yield Import(name, submodule, (), node.lineno)
                else:
                    yield Import(name, base, (alias.name,), node.lineno)


def _is_package(name: str, modules: Mapping[str, str]) -> bool:
    return any(other.startswith(name + ".") for other in modules)


def internal_graph(modules: Mapping[str, str]) -> dict[str, set[str]]:
    """Who imports whom, among the package's own modules."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, source in modules.items():
        for found in imports_of(name, source, modules):
            if found.module in modules and found.module != name:
                graph[name].add(found.module)
    return graph


def import_cycles(modules: Mapping[str, str]) -> list[list[str]]:
    """Import cycles among the package's modules (each as the list of modules around it)."""
    graph = internal_graph(modules)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def private_imports(modules: Mapping[str, str]) -> list[str]:
    """`from shapelint.x import _private` anywhere: a private name used outside its module."""
    found = []
    for name, source in modules.items():
        for item in imports_of(name, source, modules):
            private = [n for n in item.names if n.startswith("_") and not n.startswith("__")]
            if private and item.module.startswith("shapelint"):
                found.append(f"{name}:{item.line} imports {', '.join(private)} from {item.module}")
    return found


def _is_rule(name: str) -> bool:
    leaf = name.rpartition(".")[2]
    return name.startswith("shapelint.rules.") and leaf[:2] == "sl" and leaf[2:5].isdigit()


def rule_to_rule_imports(modules: Mapping[str, str]) -> list[str]:
    """A rule module importing another rule module (shared reasoning goes to rules/shared_*.py)."""
    graph = internal_graph(modules)
    return [
        f"{name} imports {target}" for name in graph if _is_rule(name) for target in graph[name] if _is_rule(target)
    ]


def values_imports(modules: Mapping[str, str]) -> list[str]:
    """What values.py imports of the package beyond shapes (no facts, no layers, no libraries)."""
    graph = internal_graph(modules)
    return sorted(graph.get("shapelint.values", set()) - VALUES_MAY_IMPORT)


def library_names(source: str) -> list[str]:
    """String literals that name a library object (what the Python walker must not know)."""
    return sorted(
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith(LIBRARY_PREFIXES)
    )


def engine_importing_shells(modules: Mapping[str, str]) -> list[str]:
    """The engine (everything but the LSP/CLI shells) importing a shell or pygls/argparse."""
    found = []
    for name, source in modules.items():
        if name.startswith(SHELLS):
            continue
        for item in imports_of(name, source, modules):
            if item.module.startswith(SHELLS) or item.module.split(".")[0] in SHELL_LIBRARIES:
                found.append(f"{name}:{item.line} imports {item.module}")
    return found


def overlays_importing_the_walker(modules: Mapping[str, str]) -> list[str]:
    """Library overlays (and Keras semantics) know the Evaluator protocol, never the interpreter."""
    graph = internal_graph(modules)
    return [
        f"{name} imports shapelint.interpreter"
        for name in graph
        if (name.startswith("shapelint.knowledge") or name == "shapelint.keras_models")
        and "shapelint.interpreter" in graph[name]
    ]


def second_confirmation_loops(modules: Mapping[str, str]) -> list[str]:
    """Modules that take the pipeline's steps to run a confirmation loop of their own (call `confirm`)."""
    found = []
    for name, source in modules.items():
        if name == CONFIRMATION_PIPELINE:
            continue
        for item in imports_of(name, source, modules):
            steps = [n for n in item.names if n in PIPELINE_STEPS]
            if item.module == CONFIRMATION_PIPELINE and steps:
                found.append(f"{name}:{item.line} imports {', '.join(steps)}")
    return found


# The package as it is ---------------------------------------------------------------------------

MODULES = load_package()


def test_no_import_cycle_among_shapelint_modules() -> None:
    assert import_cycles(MODULES) == []


def test_no_module_imports_a_private_name_of_another() -> None:
    assert private_imports(MODULES) == []


def test_no_rule_imports_another_rule() -> None:
    assert rule_to_rule_imports(MODULES) == []


def test_values_import_no_facts_layers_or_libraries() -> None:
    assert values_imports(MODULES) == []


def test_the_interpreter_names_no_library() -> None:
    assert library_names(MODULES["shapelint.interpreter"]) == []


def test_the_engine_imports_no_shell() -> None:
    assert engine_importing_shells(MODULES) == []


def test_overlays_do_not_import_the_interpreter() -> None:
    assert overlays_importing_the_walker(MODULES) == []


def test_one_confirmation_loop_serves_the_cli_and_the_server() -> None:
    assert second_confirmation_loops(MODULES) == []


def test_the_interpreter_stays_under_700_lines() -> None:
    assert len(MODULES["shapelint.interpreter"].splitlines()) < 700


# Each check catches a violation -----------------------------------------------------------------

SYNTHETIC = {
    "shapelint": "",
    "shapelint.shapes": "",
    "shapelint.source": "",
    "shapelint.values": "from shapelint.shapes import Shape\n",
    "shapelint.facts": "from shapelint.values import Value\n",
    "shapelint.interpreter": "from shapelint.facts import ProgramFacts\n",
    "shapelint.rules": "",
    "shapelint.rules.base": "from shapelint.facts import ProgramFacts\n",
    "shapelint.rules.shared_batch_axis": "from shapelint.rules.base import RuleContext\n",
    "shapelint.rules.sl101_a": "from shapelint.rules.shared_batch_axis import helper\n",
    "shapelint.rules.sl102_b": "from shapelint.rules.base import RuleContext\n",
    "shapelint.knowledge": "",
    "shapelint.knowledge.numpy": "from shapelint.values import Value\n",
    "shapelint.lsp": "",
    "shapelint.lsp.server": "import pygls\nfrom shapelint.facts import ProgramFacts\n",
}


def with_change(module: str, source: str) -> dict[str, str]:
    return {**SYNTHETIC, module: SYNTHETIC.get(module, "") + source}


def test_the_synthetic_package_passes_every_check() -> None:
    assert import_cycles(SYNTHETIC) == []
    assert private_imports(SYNTHETIC) == []
    assert rule_to_rule_imports(SYNTHETIC) == []
    assert values_imports(SYNTHETIC) == []
    assert engine_importing_shells(SYNTHETIC) == []
    assert overlays_importing_the_walker(SYNTHETIC) == []
    assert second_confirmation_loops(SYNTHETIC) == []


@pytest.mark.parametrize(
    ("module", "added"),
    [
        ("shapelint.values", "from shapelint.facts import ProgramFacts\n"),  # values <-> facts
        ("shapelint.shapes", "import shapelint.interpreter\n"),  # a longer circle
        ("shapelint.values", "def f():\n    from shapelint import facts\n"),  # a lazy import is still one
    ],
)
def test_an_import_cycle_is_found(module: str, added: str) -> None:
    assert import_cycles(with_change(module, added))


@pytest.mark.parametrize(
    "added",
    ["from shapelint.interpreter import _STRICT\n", "from ..interpreter import _STRICT\n"],
)
def test_a_private_import_is_found(added: str) -> None:
    assert private_imports(with_change("shapelint.rules.base", added))


def test_a_rule_importing_a_rule_is_found() -> None:
    changed = with_change("shapelint.rules.sl102_b", "from shapelint.rules.sl101_a import helper\n")
    assert rule_to_rule_imports(changed) == ["shapelint.rules.sl102_b imports shapelint.rules.sl101_a"]
    relative = with_change("shapelint.rules.sl102_b", "from . import sl101_a\n")
    assert rule_to_rule_imports(relative) == ["shapelint.rules.sl102_b imports shapelint.rules.sl101_a"]


def test_values_importing_layers_is_found() -> None:
    changed = with_change("shapelint.values", "from shapelint.knowledge.numpy import thing\n")
    assert values_imports(changed) == ["shapelint.knowledge.numpy"]


def test_a_library_name_in_the_walker_is_found() -> None:
    assert library_names('if name == "keras.Input":\n    pass\n') == ["keras.Input"]
    assert library_names("handler = find('tensorflow.one_hot')\n") == ["tensorflow.one_hot"]
    assert library_names("x = 'builtins.len'\n") == []


def test_the_engine_importing_a_shell_is_found() -> None:
    assert engine_importing_shells(with_change("shapelint.facts", "import argparse\n"))
    assert engine_importing_shells(with_change("shapelint.facts", "from shapelint.lsp import server\n"))


def test_an_overlay_importing_the_interpreter_is_found() -> None:
    changed = with_change("shapelint.knowledge.numpy", "from shapelint.interpreter import Interpreter\n")
    assert overlays_importing_the_walker(changed) == ["shapelint.knowledge.numpy imports shapelint.interpreter"]


def test_a_second_confirmation_loop_is_found() -> None:
    changed = with_change(
        "shapelint.lsp.server", "from shapelint.confirm.pipeline import apply_confirmations, confirm\n"
    )
    assert second_confirmation_loops(changed) == ["shapelint.lsp.server:3 imports apply_confirmations"]
