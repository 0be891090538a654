"""Shared reasoning about a missing channel axis: which layer calls lack it, and the input fix.

SL102 reports a conv/pooling layer given images without a channel axis; SL104 uses the
same test to leave that case to SL102 and the same fix where it explains another fault.
"""

from __future__ import annotations

from shapelint.diagnostics import Fix, TextEdit
from shapelint.facts import InputFact, LayerCallFact
from shapelint.rules.base import RuleContext, array_for_input, shape_literal_items, tuple_code


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
    if node is None:
        return None
    items = shape_literal_items(context, node)
    if items is None:
        return None
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
