"""Calling the program's own code: user functions, lambdas, methods and classes.

A call binds the arguments to the parameters (an unknown argument may take its shape from
the parameter's annotation), runs the body in a new scope, and joins what it returns (or, for
a generator function, what it yields). A call that only computes data is summarised by its
abstract arguments, so a helper called many times is interpreted once per distinct shapes.
Depth and the work budget bound every call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, cast

import libcst as cst

from shapelint.budget import Budget
from shapelint.calls import CallArgs
from shapelint.container_changes import NOT_FOLLOWED, ContainerChange, changed, changes_in_place, outside_ids
from shapelint.control_flow import Return
from shapelint.facts import LayerValue, ModelValue, ProgramFacts, UnknownReason
from shapelint.knowledge import registry
from shapelint.knowledge.test_runners import SET_UP_METHODS, TEST_METHOD_PREFIX, runs_tests
from shapelint.limits import MAX_CALL_DEPTH, MAX_SUMMARIES_PER_FUNCTION
from shapelint.scope import Scope
from shapelint.summaries import Summary, is_data, summary_key
from shapelint.unknown_reasons import UnknownReasons, receiver_name

if TYPE_CHECKING:
    from shapelint.knowledge.registry import Evaluator

from shapelint.values import (
    UNKNOWN,
    BoundMethod,
    ClassValue,
    Const,
    FunctionValue,
    InstanceValue,
    LambdaValue,
    ObjectValue,
    RefValue,
    Value,
    join_values,
)


class UserCalls(UnknownReasons):
    """How the interpreter calls code defined in the program; it supplies evaluation and state."""

    budget: Budget
    facts: ProgramFacts
    chunk: int
    depth: int
    called: set[int]
    returns: list[list[Value]]
    yields: list[list[Value]]
    summaries: dict[tuple[object, ...], Summary]
    summary_counts: dict[FunctionValue, int]
    mutations: int
    container_changes: list[ContainerChange]  # made by the running statement (container_changes.py)
    frame_arguments: list[frozenset[int]]  # per running call, the ids of the objects passed to it

    @property
    def evaluator(self) -> Evaluator:
        """This interpreter as the registry's handlers see it."""
        return cast("Evaluator", self)

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Value:
        raise NotImplementedError

    def exec_block(self, body: Sequence[cst.BaseStatement] | cst.BaseSuite, scope: Scope) -> None:
        raise NotImplementedError

    def call_function(self, function: FunctionValue, call: CallArgs, unknown_arguments: bool = False) -> Value:
        self.called.add(id(function))
        if self.depth >= MAX_CALL_DEPTH:
            self.function_stopped(function, call, "call-depth", "call depth limit")
            return UNKNOWN
        key = None if unknown_arguments else summary_key(function, call)
        found = self.summaries.get(key) if key is not None else None
        if found is not None:
            if call.node is not None:
                reason = found.reason_at(call.node)
                if reason is not None:
                    self.facts.note_unknown(call.node, reason)  # this call site is unknown for the same cause
            return found.result
        if not self.budget.charge():
            # Out of work: a call returns unknown (recursion with fan-out ends here).
            if call.node is not None:
                self.budget.stop_at(call.node)
            self.function_stopped(function, call, "budget", "the work budget cut this call")
            return UNKNOWN
        if key is None:
            return self._interpret_call(function, call, unknown_arguments)
        count = self.summary_counts.get(function, 0)
        if count >= MAX_SUMMARIES_PER_FUNCTION:
            return UNKNOWN  # a pure helper called with ever new shapes: bounded work
        before = self._effects()
        result = self._interpret_call(function, call, unknown_arguments)
        if self._effects() == before and is_data(result):
            self.summaries[key] = Summary(result, self.facts.reason_at(call.node), call.node)
            self.summary_counts[function] = count + 1
        return result

    def _effects(self) -> tuple[int, ...]:
        """What a call may have done besides computing its result (facts recorded, objects changed)."""
        facts = self.facts
        return (
            self.mutations,
            len(facts.inputs),
            len(facts.layer_calls),
            len(facts.feeds),
            len(facts.compiles),
            len(facts.models),
            len(facts.array_problems),
        )

    def _interpret_call(self, function: FunctionValue, call: CallArgs, unknown_arguments: bool) -> Value:
        node = function.node
        local = Scope({}, function.closure)  # type: ignore[arg-type]
        saved_chunk = self.chunk
        self.chunk = function.chunk
        self.frame_arguments.append(outside_ids([*call.args, *call.kwargs.values()]))
        try:
            self.bind_parameters(node.params, call, local, unknown_arguments)
            self.depth += 1
            self.returns.append([])
            self.yields.append([])
            self._return_reasons.append(None)
            try:
                self.exec_block(node.body, local)
            except Return:
                pass
            finally:
                self.depth -= 1
                returned = self.returns.pop()
                yielded = self.yields.pop()
                return_reason = self._return_reasons.pop()
        finally:
            self.chunk = saved_chunk
            self.frame_arguments.pop()
        if yielded:
            # A generator function's call makes a generator object; what it yields is its element.
            return ObjectValue("builtins.generator", _joined(yielded))
        if not returned:
            return Const(None)
        result = _joined(returned)
        self.function_result(function, call, result, return_reason)
        return result

    def call_lambda(self, function: LambdaValue, call: CallArgs) -> Value:
        """A lambda called: its parameters bound as for a function, its body evaluated in its closure."""
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        local = Scope({}, function.closure)
        saved_chunk = self.chunk
        self.chunk = function.chunk
        self.depth += 1
        try:
            self.bind_parameters(function.node.params, call, local, False)
            return self.eval(function.node.body, local)
        finally:
            self.depth -= 1
            self.chunk = saved_chunk

    def bind_parameters(self, params: cst.Parameters, call: CallArgs, scope: Scope, unknown: bool) -> None:
        positional = [*params.posonly_params, *params.params]
        for index, param in enumerate(positional):
            name = param.name.value
            value: Value | None = None
            if not unknown:
                value = call.get(index, name)
            if value is None:
                if call.has_star or unknown:
                    value = UNKNOWN  # *args or **kwargs we cannot see may pass it: its default is a guess
                else:
                    value = self.eval(param.default, scope) if param.default is not None else UNKNOWN
            if unknown and param.default is not None:
                # Nobody calls it here: a default is a guess (the callers elsewhere may pass another).
                self.eval(param.default, scope)
                value = UNKNOWN
            if value is UNKNOWN and param.annotation is not None:
                value = self.annotated(param.annotation.annotation, scope)
            scope.names[name] = value
            if value is UNKNOWN:
                self.parameter_unknown(param, index, call, unknown, scope)
        for param in params.kwonly_params:
            name = param.name.value
            value = None if unknown else call.kwargs.get(name)
            if value is None:
                given = param.default is not None and not call.has_star and not unknown
                value = self.eval(param.default, scope) if given else UNKNOWN  # type: ignore[arg-type]
            if value is UNKNOWN and param.annotation is not None:
                value = self.annotated(param.annotation.annotation, scope)
            scope.names[name] = value
        if isinstance(params.star_arg, cst.Param):
            scope.names[params.star_arg.name.value] = UNKNOWN
        if params.star_kwarg is not None:
            scope.names[params.star_kwarg.name.value] = UNKNOWN

    def annotated(self, annotation: cst.BaseExpression, scope: Scope) -> Value:
        """What an annotation says of an unknown argument (jaxtyping, Annotated: their overlays)."""
        described = self.eval(annotation, scope)
        handler = registry.find_method(described, "__instance__")
        return handler(self.evaluator, described, CallArgs([], {})) if handler is not None else UNKNOWN

    def call_method(self, method: BoundMethod, call: CallArgs) -> Value:
        receiver = method.receiver
        if isinstance(receiver, (InstanceValue, LayerValue, ModelValue)):
            self.mutations += 1
        if isinstance(receiver, InstanceValue):
            function = receiver.cls.methods.get(method.name)
            if function is not None:
                arguments = CallArgs([receiver, *call.args], call.kwargs, call.node, has_star=call.has_star)
                return self.call_function(function, arguments)
            return UNKNOWN
        if changes_in_place(receiver, method.name):
            func = call.node.node.func if call.node is not None and isinstance(call.node.node, cst.Call) else None
            through = func.value if isinstance(func, cst.Attribute) else None
            return self.change_container(through, receiver, method.name, call)
        subject = f"{receiver_name(receiver)}.{method.name}"
        return self.library_call(subject, call, registry.find_method(receiver, method.name), receiver)

    def change_container(
        self, through: cst.BaseExpression | None, container: Value, method: str, call: CallArgs
    ) -> Value:
        """A list or dict changed in place (`dims[0] = 1` is `__setitem__`), reached by `through`: the
        names bound to it see the change after the statement (container_changes.py). Returns what the
        method returns."""
        # With *args or **kwargs the arguments are not all seen: the change is not followed. Nor is a
        # second change of a container in one statement: it is rebound only once the statement ends.
        earlier = [at for at, change in enumerate(self.container_changes) if change.before is container]
        unseen = call.has_star or earlier
        found = NOT_FOLLOWED if unseen else changed(container, method, call.args, call.kwargs)
        for at in earlier:
            self.container_changes[at] = replace(self.container_changes[at], after=UNKNOWN)
        reason = None
        if found.after is UNKNOWN:
            named = through.value if isinstance(through, cst.Name) else None
            detail = "changed in place in a way the engine does not follow"
            reason = UnknownReason("changed", named or method, f"`{named}` {detail}" if named else detail, call.node)
        self.container_changes.append(ContainerChange(container, found.after, through, reason))
        return found.result

    def run_tests(self, cls: ClassValue) -> None:
        """The test methods of a class a test runner instantiates (knowledge/test_runners.py) that the
        program does not call itself: each on a fresh instance after its set-up, as the runner runs them."""
        if not runs_tests(cls.node.name.value, _library_bases(cls), bool(cls.bases)):
            return
        methods = _methods(cls)
        set_up = next((methods[name] for name in SET_UP_METHODS if name in methods), None)
        for name, method in methods.items():
            if not name.startswith(TEST_METHOD_PREFIX) or id(method) in self.called:
                continue
            instance = InstanceValue(cls)
            if set_up is not None:
                self.call_function(set_up, CallArgs([instance], {}))
            # A parameterized test gets its other arguments from its decorator: unknown, never the defaults.
            self.call_function(method, CallArgs([instance], {}, has_star=True))

    def instantiate(self, cls: ClassValue, call: CallArgs) -> Value:
        instance = InstanceValue(cls)
        for base in dict.fromkeys(_library_bases(cls)):
            hook = registry.find_subclass_hook(base)
            if hook is not None:
                hook(self.evaluator, instance, call)
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, CallArgs([instance, *call.args], call.kwargs, call.node, has_star=call.has_star))
        return instance


def _joined(values: Sequence[Value]) -> Value:
    result = values[0]
    for value in values[1:]:
        result = join_values(result, value)
    return result


def _methods(cls: ClassValue) -> dict[str, FunctionValue]:
    """A class's methods with those it inherits from the program's own classes (the first definition wins)."""
    found: dict[str, FunctionValue] = {}
    for current in cls.lineage():
        for name, method in current.methods.items():
            found.setdefault(name, method)
    return found


def _library_bases(cls: ClassValue, depth: int = 0) -> Iterator[str]:
    """The canonical names of the library classes a class defined in the file derives from."""
    for base in cls.bases:
        if isinstance(base, RefValue):
            yield base.name
        elif isinstance(base, ClassValue) and depth < 8:
            yield from _library_bases(base, depth + 1)
