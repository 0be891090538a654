"""Name bindings of one function call (or the module), and how branches join.

Beside each name bound to UNKNOWN a scope may keep why it is unknown (`reasons`): the first
cause, carried through assignments and joins so hovers and `shapelint coverage` can say it.
"""

from __future__ import annotations

from collections.abc import Sequence

from shapelint.facts import UnknownReason
from shapelint.values import UNKNOWN, Value, join_values

_ABSENT = object()  # not bound in a scope (unlike UNKNOWN, bound to an unknown value)


class Scope:
    """Names bound in one function call (or the module); lookups fall back to the parent."""

    def __init__(self, names: dict[str, Value] | None = None, parent: Scope | None = None) -> None:
        self.names: dict[str, Value] = names if names is not None else {}
        self.parent = parent
        self.reasons: dict[str, UnknownReason] = {}  # why names bound to UNKNOWN are unknown

    def lookup(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def lookup_reason(self, name: str) -> UnknownReason | None:
        """Why `name`, bound to UNKNOWN, is unknown (from the scope that binds it)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.reasons.get(name)
            scope = scope.parent
        return None

    def bind(self, name: str, value: Value) -> None:
        """Bind `name` to a value (forgetting why it was unknown before)."""
        self.names[name] = value
        if self.reasons:
            self.reasons.pop(name, None)

    def bind_unknown(self, name: str, reason: UnknownReason | None) -> None:
        """Bind `name` to UNKNOWN, remembering why (or forgetting an older cause)."""
        self.names[name] = UNKNOWN
        if reason is not None:
            self.reasons[name] = reason
        elif self.reasons:
            self.reasons.pop(name, None)

    def branch(self) -> Scope:
        branched = Scope(dict(self.names), self.parent)
        branched.reasons = dict(self.reasons)
        return branched

    def merge(self, *branches: Scope, loop: bool = False, cause: UnknownReason | None = None) -> None:
        """Join the branches' bindings into this scope (the state after an if/else or a loop).

        A name the paths disagree on becomes unknown for `cause` (the work budget widened the loop),
        else because it differs between branches or loop passes."""
        names = set().union(*(b.names for b in branches))
        own = self.names
        tables = [b.names for b in branches]
        # Only names some path rebound or gave another cause can change (and a known name's stale
        # cause goes): the others are the same object with the same cause on every path as here.
        reasons = self.reasons
        touched = {name for name in reasons if own.get(name) is not UNKNOWN}
        for branch in branches:
            theirs = branch.reasons
            touched.update([name for name, reason in theirs.items() if reasons.get(name) is not reason])
            touched.update([name for name, reason in reasons.items() if theirs.get(name) is not reason])
        for table in tables:
            touched.update([name for name, value in table.items() if own.get(name, _ABSENT) is not value])
        for name in names:
            if name not in touched:
                continue
            before = own.get(name, UNKNOWN)
            values = [table.get(name, before) for table in tables]
            joined = values[0]
            for value in values[1:]:
                if value is not joined:  # most names are the same object on every path
                    joined = join_values(joined, value)
            own[name] = joined
            if joined is UNKNOWN:
                # Cheap common case first: unknown on the first path already, for a known cause.
                reason = branches[0].reasons.get(name) if values[0] is UNKNOWN else None
                if reason is None:
                    reason = self._joined_reason(name, branches, values, loop, cause)
                if reason is not None:
                    self.reasons[name] = reason
                    continue
            if self.reasons:
                self.reasons.pop(name, None)

    def _joined_reason(
        self, name: str, branches: Sequence[Scope], values: list[Value], loop: bool, cause: UnknownReason | None
    ) -> UnknownReason | None:
        # The first path where it was already unknown says why; otherwise the paths disagree.
        for branch, value in zip(branches, values):
            if value is UNKNOWN:
                found = branch.reasons.get(name) if name in branch.names else self.reasons.get(name)
                if found is not None:
                    return found
        if all(value is UNKNOWN for value in values):
            return None
        if cause is not None:
            return cause
        if loop:
            return UnknownReason("loop", name, f"`{name}` changes from one loop pass to the next")
        return UnknownReason("branches", name, f"`{name}` differs between branches")

    def become_join(self, states: Sequence[Scope]) -> None:
        """Hold what is common to `states` (copies of this scope taken on different paths)."""
        if len(states) == 1:
            self.names, self.reasons = dict(states[0].names), dict(states[0].reasons)
            return
        merged = states[0].branch()
        merged.merge(*states)  # merge joins only the states it is given
        self.names, self.reasons = merged.names, merged.reasons
