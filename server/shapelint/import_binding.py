"""Binding the names an import statement gives: a library's canonical names, or the project's own
modules (see project_modules.py)."""

from __future__ import annotations

from typing import Protocol

import libcst as cst

from shapelint.names import canonical_name
from shapelint.scope import Scope
from shapelint.syntax import dotted_name
from shapelint.values import UNKNOWN, ModuleValue, RefValue, Value


class ModuleLoader(Protocol):
    """Finds the project's own modules (project_modules.ProjectModules)."""

    def resolve(self, dotted: str, level: int = 0) -> list[ModuleValue] | None:
        """The modules along `dotted` ([] when the project's but unreadable), None when not the project's."""
        ...

    def submodule(self, module: ModuleValue, name: str) -> ModuleValue | None:
        """A package's submodule `name`, when it is one."""
        ...


def bind_project_import(alias: cst.ImportAlias, dotted: str, chain: list[ModuleValue], scope: Scope) -> None:
    """`import a.b.c [as d]` of a project module: bind `d`, or `a` with `b.c` as its attributes."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        scope.names[alias.asname.name.value] = chain[-1] if chain else UNKNOWN
        return
    parts = dotted.split(".")
    if len(chain) != len(parts):
        scope.names[parts[0]] = UNKNOWN
        return
    # `import a.b.c` binds `a`, whose attribute `b` is the submodule (next to what `a` had).
    value: Value = chain[-1]
    for index in range(len(chain) - 2, -1, -1):
        outer = chain[index]
        names = dict(outer.names)
        bound = scope.names.get(parts[0]) if index == 0 else None
        if isinstance(bound, ModuleValue) and bound.path == outer.path and bound.folder == outer.folder:
            names.update(bound.names)
        names[parts[index + 1]] = value
        value = ModuleValue(outer.name, outer.path, names, outer.folder)
    scope.names[parts[0]] = value


def bind_project_names(
    node: cst.ImportFrom, module: ModuleValue | None, scope: Scope, modules: ModuleLoader | None
) -> None:
    """`from <project module> import ...`: its top-level names, or its submodules."""
    if isinstance(node.names, cst.ImportStar):
        if module is not None:
            for public, exported in module.names.items():
                if not public.startswith("_"):
                    scope.names[public] = exported
        return
    for alias in node.names:
        imported = dotted_name(alias.name)
        if imported is None:
            continue
        asname = alias.asname
        bound = asname.name.value if asname is not None and isinstance(asname.name, cst.Name) else imported
        found = module.names.get(imported) if module is not None else None
        if found is None and module is not None and modules is not None:
            found = modules.submodule(module, imported)
        scope.names[bound] = found if found is not None else UNKNOWN


def exec_import(node: cst.Import, scope: Scope, modules: ModuleLoader | None) -> None:
    """`import a.b [as c]`: a module of the project wins over a library of that name."""
    for alias in node.names:
        dotted = dotted_name(alias.name)
        if dotted is None:
            continue
        project = modules.resolve(dotted) if modules is not None else None
        if project is not None:
            bind_project_import(alias, dotted, project, scope)
            continue
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            scope.names[alias.asname.name.value] = RefValue(canonical_name(dotted))
        else:
            head = dotted.split(".")[0]
            scope.names[head] = RefValue(canonical_name(head))


def exec_import_from(node: cst.ImportFrom, scope: Scope, modules: ModuleLoader | None, star_imports: list[str]) -> None:
    """`from m import a [as b]`; `from m import *` of a library is remembered in `star_imports`."""
    level = len(node.relative)
    module = dotted_name(node.module) if node.module is not None else ""
    if module is None:
        return
    project = modules.resolve(module, level) if modules is not None and (level or module) else None
    if project is not None or level:
        bind_project_names(node, project[-1] if project else None, scope, modules)
        return
    if isinstance(node.names, cst.ImportStar):
        star_imports.append(module)
        return
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            continue
        bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
        scope.names[bound] = RefValue(canonical_name(f"{module}.{name}"))
