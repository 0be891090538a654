"""Shared reasoning about a missing channel axis: which layer calls lack it, and the input fix.

SL102 reports a conv/pooling layer given images without a channel axis; SL104 uses the
same test to leave that case to SL102 and the same fix where it explains another fault.
"""

from __future__ import annotations

import libcst as cst

from shapelint.diagnostics import Fix, Position, Range, TextEdit
from shapelint.facts import InputFact, LayerCallFact
from shapelint.rules.base import RuleContext, array_for_input, parenthesize, shape_literal_items, tuple_code
from shapelint.source import NodeRef
from shapelint.values import Seq


def is_missing_channel_axis(fact: LayerCallFact) -> bool:
    """A 2-D/3-D conv or pooling layer given exactly one axis too few."""
    problem = fact.problem
    spec = fact.layer.spec
    if problem is None or spec is None or problem.kind != "rank":
        return False
    if spec.family not in ("conv", "pool", "global-pool") or spec.spatial_rank not in (2, 3):
        return False
    return problem.expected_rank is not None and problem.got_rank == problem.expected_rank - 1


def input_fix(context: RuleContext, fact: InputFact) -> Fix | None:
    """Append a channel axis of size 1 to the declared shape (and, for Keras 2, to the data fed)."""
    node = fact.shape_node
    if node is None or fact.source == "input_dim":
        return None
    items = shape_literal_items(context, node)
    if isinstance(node.node, cst.Name) and isinstance(fact.shape_value, Seq):
        items = None  # a name holding a tuple is one item only when unpacked
    if items is None:
        if not isinstance(fact.shape_value, Seq):
            return None
        # A tuple held by a name or computed (`input_shape`, `x.shape[1:]`): unpack it, never nest it.
        items = [f"*{parenthesize(context.code(node))}"]
    new = tuple_code([*items, "1"])
    edits: list[TextEdit | None] = [context.replace(node, new)]
    if context.keras_major < 3:
        # Keras 2 does not add the axis to the data: expand every array fed to this input.
        for model in fact.models:
            index = model.input_facts.index(fact)
            for feed in context.feeds_of(model):
                found = array_for_input(feed, model, index)
                if found is None or found[1] is None:
                    continue
                array, x_node = found
                if array.shape.rank == (fact.per_sample.rank or 0) + 1:
                    edits.append(context.replace(x_node, context.expand_dims_code(context.code(x_node))))
    return context.fix(f"Add a channel axis: shape={new}", *edits)


def data_definition_fix(context: RuleContext, fact: InputFact) -> Fix | None:
    """Give the data a channel axis where it is defined, when the input's shape is read from it.

    `x = ...; Input(shape=x.shape[1:])`: a line `x = np.expand_dims(x, -1)` after the last
    top-level statement that binds `x` before the input, so the declared shape follows.
    """
    value = fact.shape_value
    if not isinstance(value, Seq) or value.shape_of is None or value.shape_offset != 1:
        return None
    name = value.shape_of.name
    if not name or fact.call is None:
        return None
    limit = fact.call.chunk
    if fact.shape_node is not None and isinstance(fact.shape_node.node, cst.Name):
        # `input_shape = x.shape[1:]` ... `Input(shape=input_shape)`: x must gain its axis before that line.
        holder = _last_top_level_binding(context, fact.shape_node.node.value, limit)
        if holder is None:
            return None
        limit = holder.chunk
    binder = _last_top_level_binding(context, name, limit)
    if binder is None:
        return None
    span = context.range(binder)
    if span is None:
        return None
    start = Position(span.end.line + 1, 0)
    line = f"{name} = {context.expand_dims_code(name)}\n"
    # Unsafe: every later use of the array sees the new axis (plots, other models, reshapes).
    return context.fix(
        f"Add a channel axis to the data: {line.strip()}", TextEdit(Range(start, start), line), safe=False
    )


def _last_top_level_binding(context: RuleContext, name: str, before_chunk: int) -> NodeRef | None:
    """The last simple top-level statement before `before_chunk` that assigns `name` (None when a
    compound statement, e.g. a loop or an `if`, binds it later than that)."""
    found: NodeRef | None = None
    for chunk in context.program.chunks[:before_chunk]:
        if chunk.module is None:
            continue
        for statement in chunk.module.body:
            binds = _binds(statement, name)
            if binds and isinstance(statement, cst.SimpleStatementLine):
                found = NodeRef(chunk.index, statement)
            elif binds:
                found = None
    return found


def _binds(statement: cst.CSTNode, name: str) -> bool:
    """Whether a statement assigns `name` anywhere (targets of =, +=, for, with, imports)."""
    finder = _BindingFinder(name)
    statement.visit(finder)
    return finder.hit


class _BindingFinder(cst.CSTVisitor):
    """Whether a tree binds `name` (one class for the process: a class made per statement would be
    cyclic garbage for every analysis)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.hit = False

    def _target(self, target: cst.CSTNode) -> None:
        if any(isinstance(n, cst.Name) and n.value == self.name for n in _names(target)):
            self.hit = True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)


def _names(target: cst.CSTNode) -> list[cst.CSTNode]:
    """The names a target binds (through tuples, lists and starred items, not attributes)."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in _names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _names(target.value)
    return []
