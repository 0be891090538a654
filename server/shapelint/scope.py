"""Name bindings of one function call (or the module), and how branches join."""

from __future__ import annotations

from collections.abc import Sequence

from shapelint.values import UNKNOWN, Value, join_values


class Scope:
    """Names bound in one function call (or the module); lookups fall back to the parent."""

    def __init__(self, names: dict[str, Value] | None = None, parent: Scope | None = None) -> None:
        self.names: dict[str, Value] = names if names is not None else {}
        self.parent = parent

    def lookup(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def branch(self) -> Scope:
        return Scope(dict(self.names), self.parent)

    def merge(self, *branches: Scope) -> None:
        """Join the branches' bindings into this scope (the state after an if/else or a loop)."""
        names = set().union(*(b.names for b in branches))
        for name in names:
            values = [b.names.get(name, self.names.get(name, UNKNOWN)) for b in branches]
            joined = values[0]
            for value in values[1:]:
                joined = join_values(joined, value)
            self.names[name] = joined

    def become_join(self, states: Sequence[Scope]) -> None:
        """Hold what is common to `states` (copies of this scope taken on different paths)."""
        if len(states) == 1:
            self.names = dict(states[0].names)
            return
        merged = states[0].branch()
        merged.merge(*states)  # merge joins only the states it is given
        self.names = merged.names
