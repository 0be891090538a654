"""Joining the scopes of paths (scope.py): only the names a path changed are joined, and the
result is the join of every name, as if each were looked at."""

from __future__ import annotations

import random

import pytest
from shapelint.facts import UnknownReason
from shapelint.scope import Scope
from shapelint.values import UNKNOWN, Const, Value, join_values

CAUSES = [UnknownReason("parameter", name, f"`{name}` is a function parameter") for name in "pq"]
VALUES: list[Value] = [UNKNOWN, Const(1), Const(2), Const("a")]


def _every_name_joined(scope: Scope, branches: list[Scope], loop: bool) -> tuple[dict[str, Value], dict[str, object]]:
    """What merging must give: each name bound on a path joined, as `Scope.merge` did name by name."""
    names = dict(scope.names)
    reasons: dict[str, object] = dict(scope.reasons)
    for name in set().union(*(b.names for b in branches)):
        values = [b.names.get(name, scope.names.get(name, UNKNOWN)) for b in branches]
        joined = values[0]
        for value in values[1:]:
            joined = join_values(joined, value)
        names[name] = joined
        if joined is UNKNOWN:
            reason = branches[0].reasons.get(name) if values[0] is UNKNOWN else None
            if reason is None:
                for branch, value in zip(branches, values):
                    if value is UNKNOWN:
                        reason = branch.reasons.get(name) if name in branch.names else scope.reasons.get(name)
                        if reason is not None:
                            break
            if reason is None and not all(value is UNKNOWN for value in values):
                reason = "loop" if loop else "branches"
            if reason is not None:
                reasons[name] = reason
                continue
        reasons.pop(name, None)
    return names, reasons


def _described(scope: Scope) -> tuple[dict[str, Value], dict[str, object]]:
    reasons = {
        name: reason.kind if reason.kind in ("loop", "branches") else reason for name, reason in scope.reasons.items()
    }
    return dict(scope.names), reasons


def _random_scope(rng: random.Random, names: str) -> Scope:
    scope = Scope()
    for name in names:
        if rng.random() < 0.8:
            scope.names[name] = rng.choice(VALUES)
            if rng.random() < 0.4:  # a cause, sometimes beside a known value (left over by a direct write)
                scope.reasons[name] = rng.choice(CAUSES)
    return scope


def _changed_copy(rng: random.Random, scope: Scope, names: str) -> Scope:
    branch = scope.branch()
    for name in rng.sample(names, rng.randint(0, 2)):
        action = rng.random()
        if action < 0.4:
            branch.bind(name, rng.choice(VALUES[1:]))
        elif action < 0.7:
            branch.bind_unknown(name, rng.choice([None, *CAUSES]))
        elif action < 0.85:
            branch.names.pop(name, None)
        else:
            branch.reasons[name] = rng.choice(CAUSES)
    return branch


@pytest.mark.parametrize("seed", range(300))
def test_a_join_is_every_name_joined(seed: int) -> None:
    rng = random.Random(seed)
    names = "abcd"  # few names: paths often touch the same ones
    scope = _random_scope(rng, names)
    branches = [_changed_copy(rng, scope, names) for _ in range(rng.randint(1, 3))]
    loop = rng.random() < 0.5
    expected = _every_name_joined(scope, branches, loop)
    scope.merge(*branches, loop=loop)
    assert _described(scope) == expected


def test_a_cause_every_path_dropped_goes_and_one_kept_by_a_path_stays() -> None:
    scope = Scope()
    scope.bind_unknown("x", CAUSES[0])
    dropped = scope.branch()
    dropped.bind_unknown("x", None)
    scope.merge(dropped)
    assert scope.names["x"] is UNKNOWN and "x" not in scope.reasons
    scope.bind_unknown("x", CAUSES[0])
    kept, dropped = scope.branch(), scope.branch()
    dropped.bind_unknown("x", None)
    scope.merge(dropped, kept)
    assert scope.reasons["x"] is CAUSES[0]
