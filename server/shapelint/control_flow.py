"""Python's control flow for the interpreter: branches, loops and try, and how their states join.

An `if` whose test has a known value (a constant, `not` of one, a comparison of constants such as
`__name__ == "__main__"`) takes one branch, as Python does. Otherwise both branches run, on copies
of the scope, and each adds a number to `branch_path` while it runs. A branch that ends in
`return`, `break` or `continue` does not flow on to the next statement; each such exit records
the state it leaves with (per enclosing loop), and the state after the statement is the join of
every path that does flow on. A literal loop (at most MAX_UNROLL items)
is followed item by item while its passes change the state (loop_state.py); once a pass changes
nothing, the remaining items run as one abstract pass over their joined item. The loops of one
nest share MAX_LOOP_PASSES passes followed item by item, so nested loops do not multiply. Other
loops run once as "an unknown number of times", their state joined with the state before them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, cast

import libcst as cst

from shapelint.arithmetic import truthiness
from shapelint.budget import Budget
from shapelint.calls import CallArgs
from shapelint.facts import NodeValues, UnknownReason
from shapelint.indexing import iteration_items
from shapelint.knowledge import registry
from shapelint.limits import MAX_LOOP_PASSES, MAX_UNROLL
from shapelint.loop_state import Growth, LoopState, grown_by, same_growth, same_state
from shapelint.scope import Scope
from shapelint.source import NodeRef
from shapelint.syntax import assigned_names
from shapelint.unknown_reasons import UnknownReasons
from shapelint.values import UNKNOWN, ArrayValue, ListOf, Seq, Value, join_values

if TYPE_CHECKING:
    from shapelint.knowledge.registry import Evaluator


_BRANCHES = itertools.count(1)


class Return(Exception):
    """A `return` leaves the function being interpreted."""


class Break(Exception):
    """A `break` leaves the loop being interpreted."""


class Continue(Exception):
    """A `continue` ends the current iteration."""


class ControlFlow(UnknownReasons):
    """The statements that choose a path; the interpreter supplies evaluation and assignment."""

    budget: Budget
    # Per enclosing loop: the states that left the current iteration by continue or break.
    loop_exits: list[list[tuple[type[Exception], Scope]]]
    passes_left = MAX_LOOP_PASSES  # passes of literal loops the current loop nest may still follow item by item
    # The branches (of `if`s whose test is unknown, and `except` handlers) the running code is in,
    # outermost first, each a number of its own (calls included): an object made on a shorter path
    # and changed in place on a longer one may or may not be changed (keras_models.py reads it).
    branch_path: tuple[int, ...] = ()

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Value:
        raise NotImplementedError

    def assign(
        self, target: cst.BaseExpression, value: Value, scope: Scope, reason: UnknownReason | None = None
    ) -> None:
        raise NotImplementedError

    def exec_block(self, body: Sequence[cst.BaseStatement] | cst.BaseSuite, scope: Scope) -> None:
        raise NotImplementedError

    def ref(self, node: cst.CSTNode) -> NodeRef:
        raise NotImplementedError

    def exit_loop_path(self, kind: type[Exception], scope: Scope) -> None:
        """Record the state a `break`/`continue` leaves its iteration with, then leave."""
        if self.loop_exits:
            self.loop_exits[-1].append((kind, scope.branch()))
        raise kind()

    def exec_if(self, node: cst.If, scope: Scope) -> None:
        truth = truthiness(self.eval(node.test, scope))
        if truth is not None:  # a test whose value is known takes one branch, as Python does
            if truth:
                self.exec_block(node.body, scope)
            elif isinstance(node.orelse, cst.If):
                self.exec_if(node.orelse, scope)
            elif node.orelse is not None:
                self.exec_block(node.orelse.body, scope)
            return
        self._exec_both(node, scope)

    def _exec_both(self, node: cst.If, scope: Scope) -> None:
        """Both branches of an `if` whose test is unknown, on copies of the scope; their states joined."""
        branches: list[Scope] = []
        ended: list[type[Exception]] = []  # how the branches that do not flow on left
        body_scope = scope.branch()
        if (left := self._run_branch(node.body, body_scope)) is None:
            branches.append(body_scope)
        else:
            ended.append(left)
        else_scope = scope.branch()
        if node.orelse is None:
            branches.append(else_scope)
        elif isinstance(node.orelse, cst.If):
            saved = self.branch_path
            self.branch_path = (*saved, next(_BRANCHES))  # an `elif`: inside the `else` branch
            try:
                self.exec_if(node.orelse, else_scope)
                branches.append(else_scope)
            except (Return, Break, Continue) as error:
                ended.append(type(error))
            finally:
                self.branch_path = saved
        elif (left := self._run_branch(node.orelse.body, else_scope)) is None:
            branches.append(else_scope)
        else:
            ended.append(left)
        if not branches:
            # No branch flows on. A continue/break branch's state is already recorded with its loop.
            loop_exits = [kind for kind in ended if kind is not Return]
            raise (loop_exits[0] if loop_exits else Return)()
        scope.merge(*branches)

    def _run_branch(self, body: cst.BaseSuite, scope: Scope) -> type[Exception] | None:
        """Run a branch; how it left when it ends in return, break or continue (it does not flow on)."""
        saved = self.branch_path
        self.branch_path = (*saved, next(_BRANCHES))
        try:
            self.exec_block(body, scope)
        except (Return, Break, Continue) as error:
            return type(error)
        finally:
            self.branch_path = saved
        return None

    def exec_for(self, node: cst.For, scope: Scope) -> None:
        iterable = self.eval(node.iter, scope)
        items = iteration_items(iterable)
        if not self.loop_exits:
            self.passes_left = MAX_LOOP_PASSES  # a new loop nest
        if items is not None and len(items) <= MAX_UNROLL:
            log = self.facts.node_values
            log.loops += 1
            try:
                self._exec_literal_for(node, scope, items, log)
            finally:
                log.loops -= 1
                if not log.loops:
                    log.written.clear()
            return
        element: Value = UNKNOWN
        if isinstance(iterable, ArrayValue) and iterable.shape.dims:
            element = ArrayValue(iterable.shape.drop_first(), iterable.dtype)
        elif isinstance(iterable, ListOf):
            element = iterable.element
        elif iterable is not UNKNOWN:
            element = self.library_element(iterable)
        reason = self.reason_of(node.iter) if element is UNKNOWN else None
        self.exec_loop_body(node.body, scope, node.target, element, reason)

    def _exec_literal_for(self, node: cst.For, scope: Scope, items: Sequence[Value], log: NodeValues) -> None:
        """A loop over known items, followed item by item while its passes change the state."""
        first_record = len(log.written)
        broken: list[Scope] = []  # the states of iterations that left by break
        state = LoopState(scope, set(assigned_names(node.target)))
        previous: tuple[object, ...] | None = None  # the state the last pass started from
        last_growth: Growth | None = None  # what the last pass appended to lists, when that was all it did
        for index, item in enumerate(items):
            if not self.budget.charge():
                # Out of work: the remaining iterations run as a loop of unknown length.
                self.budget.stop_at(self.ref(node))
                widened = UnknownReason("budget", "for", "the work budget widened this loop", self.ref(node))
                self.exec_loop_body(node.body, scope, node.target, UNKNOWN, widened, widened)
                break
            converged = False
            growth = None
            if index < len(items) - 1:
                started = state.key()
                converged = previous is not None and same_state(started, previous)
                if not converged and previous is not None and not broken:
                    growth = grown_by(previous, started)
                    converged = same_growth(growth, last_growth)
                    last_growth = growth
                previous = started
            if converged or self.passes_left <= 0:
                # The last pass changed nothing (or the nest has had its passes): the rest
                # run as one pass over their joined item.
                # What the followed passes recorded for hovers is one item's: the abstract pass says it.
                for chunk, written in log.written[first_record:]:
                    if chunk == self.chunk:
                        log.pop(chunk, written)
                self._remaining_pass(node, state, items[index:], growth if converged else None)
                break
            self.passes_left -= 1
            self.assign(node.target, item, scope)
            ongoing, stopped = self._run_iteration(node.body, scope)
            broken.extend(stopped)
            if not ongoing:
                break
            scope.become_join(ongoing)
        else:
            if node.orelse is not None:
                self.exec_block(node.orelse.body, scope)
        if broken:
            scope.merge(scope.branch(), *broken)

    def _remaining_pass(
        self, node: cst.For, state: LoopState, items: Sequence[Value], growth: Growth | None = None
    ) -> None:
        """The last items of a literal loop as one abstract pass: the loop target is their join.

        With `growth`, the last passes each appended the same items to the same lists and changed
        nothing else: when the abstract pass does the same, every remaining item would, and the
        lists get those items once per remaining item (an exact count, without the passes)."""
        scope = state.scope
        rest = _joined(items)
        varies = UnknownReason("loop", "for", "the loop variable takes several values", self.ref(node))
        reason = varies if rest is UNKNOWN else None
        ongoing, broken = self._abstract_pass(node.body, scope, node.target, rest, reason)
        if (
            growth is not None
            and len(ongoing) == 1
            and not broken
            and same_growth(grown_by(state.key(), state.key(ongoing[0])), growth)
        ):
            after = ongoing[0]
            for name, added in growth.added:
                current = after.names[name]
                assert isinstance(current, Seq)
                after.names[name] = replace(current, items=current.items + added * (len(items) - 1))
            scope.names, scope.reasons = after.names, after.reasons
        else:
            self._join_passes(scope, ongoing, broken)
        if node.orelse is not None:
            self.exec_block(node.orelse.body, scope)

    def library_element(self, iterable: Value) -> Value:
        """What `for item in iterable` binds for a library object (a dataset, a generator, a Sequence):
        `next(iter(iterable))`, as the overlays answer it."""
        ev = cast("Evaluator", self)
        make_iterator, take = registry.find_function("builtins.iter"), registry.find_function("builtins.next")
        if make_iterator is None or take is None:
            return UNKNOWN
        iterator = make_iterator(ev, CallArgs([iterable], {}))
        return take(ev, CallArgs([iterator], {})) if iterator is not UNKNOWN else UNKNOWN

    def _run_iteration(self, body: cst.BaseSuite, scope: Scope) -> tuple[list[Scope], list[Scope]]:
        """Run a loop body once: the states that go on to the next iteration, and those that break."""
        self.loop_exits.append([])
        try:
            self.exec_block(body, scope)
            ongoing = [scope.branch()]
        except (Break, Continue):
            ongoing = []  # this path's state was recorded where it left
        finally:
            exits = self.loop_exits.pop()
        ongoing.extend(state for kind, state in exits if kind is Continue)
        return ongoing, [state for kind, state in exits if kind is Break]

    def exec_loop_body(
        self,
        body: cst.BaseSuite,
        scope: Scope,
        target: cst.BaseExpression | None,
        element: Value,
        reason: UnknownReason | None = None,
        widened: UnknownReason | None = None,
    ) -> None:
        """A loop run an unknown number of times: names it assigns become what is common to all runs.

        `reason` says why an unknown element is unknown; `widened`, that the work budget made the loop so."""
        if not self.loop_exits:
            self.passes_left = MAX_LOOP_PASSES  # a new loop nest
        ongoing, broken = self._abstract_pass(body, scope, target, element, reason)
        self._join_passes(scope, ongoing, broken, widened)

    def _abstract_pass(
        self,
        body: cst.BaseSuite,
        scope: Scope,
        target: cst.BaseExpression | None,
        element: Value,
        reason: UnknownReason | None,
    ) -> tuple[list[Scope], list[Scope]]:
        """One pass of a loop body from (a copy of) `scope`: the states that go on, and those that break."""
        loop_scope = scope.branch()
        if target is not None:
            self.assign(target, element, loop_scope, reason)
        try:
            return self._run_iteration(body, loop_scope)
        except Return:
            return [], []

    def _join_passes(
        self, scope: Scope, ongoing: list[Scope], broken: list[Scope], widened: UnknownReason | None = None
    ) -> None:
        """The state after a loop run any number of times: `scope` (no pass) joined with the passes' states."""
        for state in (*ongoing, *broken):
            for name, after in state.names.items():
                grown = _grown_list(scope.lookup(name), after)
                if grown is not None:
                    state.names[name] = grown
        scope.merge(scope.branch(), *ongoing, *broken, loop=True, cause=widened)

    def exec_try(self, node: cst.Try, scope: Scope) -> None:
        before = scope.branch()
        self.exec_block(node.body, scope)
        branches = [scope]
        for handler in node.handlers:
            handler_scope = before.branch()
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, handler_scope)
            if self._run_branch(handler.body, handler_scope) is None:
                branches.append(handler_scope)
        if len(branches) > 1:
            merged = scope.branch()
            merged.merge(*branches)
            scope.names, scope.reasons = merged.names, merged.reasons
        if node.orelse is not None:
            self.exec_block(node.orelse.body, scope)
        if node.finalbody is not None:
            self.exec_block(node.finalbody.body, scope)


def _joined(items: Sequence[Value]) -> Value:
    """What is known of an item that may be any of `items`."""
    joined = items[0]
    for item in items[1:]:
        joined = join_values(joined, item)
    return joined


def _grown_list(before: Value | None, after: Value) -> ListOf | None:
    """A list one run of a loop appended arrays to: after any number of runs, a ListOf their join."""
    if not isinstance(before, Seq) or before.kind != "list" or not isinstance(after, Seq) or after.kind != "list":
        return None
    count = len(before.items)
    if len(after.items) <= count or after.items[:count] != before.items:
        return None
    element: Value = after.items[0]
    for item in after.items[1:]:
        element = join_values(element, item)
    return ListOf(element) if isinstance(element, ArrayValue) else None
