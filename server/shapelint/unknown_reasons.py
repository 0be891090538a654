"""Why values are unknown: the interpreter's bookkeeping of first causes (`UnknownReason`).

A mixin of the Interpreter. When an expression evaluates to UNKNOWN it records why, at its
node in `ProgramFacts.unknown_reasons`: a library call no overlay models (or one whose handler
said why through `ev.unknown(...)`), an unknown operand or argument (its cause is inherited),
a function parameter, a name the file never binds, paths that disagree, or a work limit. Names
bound to UNKNOWN keep their cause in `Scope.reasons`. Only causes are recorded; values and
rules are unchanged by this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from shapelint.calls import CallArgs
from shapelint.facts import LayerValue, ModelValue, ProgramFacts, UnknownReason
from shapelint.scope import Scope
from shapelint.source import NodeRef
from shapelint.values import UNKNOWN, ArrayValue, DatasetValue, FunctionValue, ObjectValue, Seq, Value

Reason = UnknownReason | None  # a cause, when one is known


class UnknownReasons:
    """Recording why expressions are unknown; the interpreter supplies the facts and the chunk."""

    facts: ProgramFacts
    chunk: int
    star_imports: list[str]
    _return_reasons: list[UnknownReason | None]  # per function being run: why its return is unknown
    _pending_reason: str | None = None  # what an overlay said through unknown(), for the call being handled

    def unknown(self, reason: str) -> Value:
        """UNKNOWN, saying why for the library call being handled (e.g. "file not found")."""
        self._pending_reason = reason
        return UNKNOWN

    def reason_of(self, node: cst.CSTNode) -> UnknownReason | None:
        """Why the expression `node`, evaluated in the current chunk, is unknown, if recorded."""
        found = self.facts.unknown_reasons.get((self.chunk, id(node)))
        return found[1] if found is not None else None

    def note(self, node: cst.CSTNode, reason: UnknownReason) -> None:
        """facts.note_unknown for a node of the current chunk, without making a NodeRef (a hot path)."""
        key = (self.chunk, id(node))
        if key not in self.facts.unknown_reasons:
            self.facts.unknown_reasons[key] = (node, reason)

    def right_hand_reason(self, node: cst.BaseExpression, value: Value) -> UnknownReason | None:
        """Why an assigned value, or a part of a tuple of values (`a, b = f(), g()`), is unknown."""
        if value is UNKNOWN:
            return self.reason_of(node)
        if type(value) is not Seq:
            return None
        found = self.reason_of(node)
        if found is None and type(node) in (cst.Tuple, cst.List):
            for element in node.elements:  # type: ignore[attr-defined]
                found = self.reason_of(element.value)
                if found is not None:
                    break
        return found

    def name_unknown(self, node: cst.Name, scope: Scope, value: Value) -> None:
        """When the name `node` is unknown, record why: its binding's cause, or that nothing binds it."""
        if value is not UNKNOWN:
            return
        reason = scope.lookup_reason(node.value)
        if reason is None and scope.lookup(node.value) is None and not self.star_imports:
            reason = UnknownReason("name", node.value, f"`{node.value}` is not defined in this file", self.ref(node))
        if reason is not None:
            self.note(node, reason)

    def bind_name(self, target: cst.Name, value: Value, scope: Scope, reason: Reason) -> Value:
        """Bind the name `target` to `value` (returned); bound to UNKNOWN, it keeps its right-hand side's cause."""
        if value is not UNKNOWN:
            scope.bind(target.value, value)
            return value
        scope.bind_unknown(target.value, reason)
        if reason is not None:
            self.note(target, reason)
        return value

    def inherit_reason(self, node: cst.CSTNode, value: Value, operand: cst.CSTNode) -> None:
        """An expression unknown (`value`) because its operand is keeps the operand's cause."""
        if value is not UNKNOWN:
            return
        reason = self.reason_of(operand)
        if reason is not None:
            self.note(node, reason)

    def library_call(self, subject: str, call: CallArgs, handler: Callable[..., Value] | None, *leading: Any) -> Value:
        """Call a library handler, `handler(evaluator, *leading, call)`, recording why its result is unknown
        (no handler: the library call `subject` is not modelled)."""
        if handler is None:
            if call.node is not None:
                self.facts.note_unknown(call.node, UnknownReason("library", subject, "not modelled", call.node))
            return UNKNOWN
        self._pending_reason = None
        return self.library_result(subject, call, handler(self, *leading, call))

    def returning(self, node: cst.Return, value: Value) -> None:
        """A `return` of an unknown value: the first one says why the function's result is unknown."""
        if value is UNKNOWN and node.value is not None and self._return_reasons and self._return_reasons[-1] is None:
            self._return_reasons[-1] = self.reason_of(node.value)

    def library_result(self, subject: str, call: CallArgs, result: Value) -> Value:
        """A library handler's result; when unknown (or with unknown parts: `a, b = split(...)`), say why:
        the overlay's word, else an unknown argument's cause, else that this call's result is unknown."""
        detail, self._pending_reason = self._pending_reason, None
        if not (result is UNKNOWN or (type(result) is Seq and any(item is UNKNOWN for item in result.items))):
            return result
        if call.node is None:
            return result
        reason = UnknownReason("library", subject, detail, call.node) if detail else None
        if reason is None:
            for ref in (*call.arg_nodes, *call.kwarg_nodes.values()):
                reason = self.facts.reason_at(ref)
                if reason is not None:
                    break
        if reason is None:
            reason = UnknownReason("library", subject, "result unknown for these arguments", call.node)
        self.facts.note_unknown(call.node, reason)
        return result

    def function_stopped(self, function: FunctionValue, call: CallArgs, kind: str, detail: str) -> None:
        """A user function call cut short (call depth, work budget) gives UNKNOWN for that reason."""
        if call.node is not None:
            self.facts.note_unknown(call.node, UnknownReason(kind, function.node.name.value, detail, call.node))

    def function_result(
        self, function: FunctionValue, call: CallArgs, result: Value, returned: UnknownReason | None
    ) -> None:
        """Why a function's result is unknown: a return's cause, or returns that disagree."""
        if result is UNKNOWN and call.node is not None:
            name = function.node.name.value
            reason = returned or UnknownReason("branches", name, f"`{name}` returns differ", call.node)
            self.facts.note_unknown(call.node, reason)

    def parameter_unknown(self, param: cst.Param, index: int, call: CallArgs, unknown: bool, scope: Scope) -> None:
        """A parameter bound to UNKNOWN: its argument's cause, or that no call in the file gives it."""
        reason = self.facts.reason_at(call.node_of(index, param.name.value)) if not unknown else None
        if reason is None:
            name = param.name.value
            suffix = " (nothing in this file calls the function)" if unknown else ""
            reason = UnknownReason("parameter", name, f"`{name}` is a function parameter{suffix}", self.ref(param.name))
        scope.reasons[param.name.value] = reason
        self.facts.note_unknown(self.ref(param.name), reason)

    def ref(self, node: cst.CSTNode) -> NodeRef:
        raise NotImplementedError


def receiver_name(receiver: Value) -> str:
    """How causes name a library object's type: its class, e.g. `ndarray` or `numpy.random.Generator`."""
    if receiver is UNKNOWN:
        return "(unknown object)"  # a method some overlay models on any object (`x.reshape` of an unknown x)
    if isinstance(receiver, ObjectValue):
        return receiver.cls
    if isinstance(receiver, ArrayValue):
        return "ndarray"
    if isinstance(receiver, Seq):
        return receiver.kind
    if isinstance(receiver, ModelValue):
        return "Model"
    if isinstance(receiver, LayerValue):
        return "Layer"
    if isinstance(receiver, DatasetValue):
        return "Dataset"
    return type(receiver).__name__.removesuffix("Value").lower()
