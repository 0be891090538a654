"""Shared reasoning about the batch (sample) axis: declared inputs that include it.

SL101 reports these inputs; SL103, SL104, SL105, SL108 and SL109 stay quiet about what
follows from the same root cause. Rules share reasoning through modules like this one,
never by importing another rule.
"""

from __future__ import annotations

from shapelint.facts import InputFact
from shapelint.rules.base import (
    TRAINING_METHODS,
    RuleContext,
    array_for_input,
    includes_sample_axis,
)
from shapelint.shapes import shapes_compatible
from shapelint.values import ArrayValue, Seq


def inputs_with_sample_axis(context: RuleContext) -> list[tuple[InputFact, ArrayValue]]:
    """Declared inputs whose shape is a whole data array's shape, with that array.

    Other rules use this to stay quiet about what follows from the same root cause.
    """
    return context.shared("inputs_with_sample_axis", _inputs_with_sample_axis)


def _inputs_with_sample_axis(context: RuleContext) -> list[tuple[InputFact, ArrayValue]]:
    found = []
    for fact in context.facts.inputs:
        if fact.source in ("batch_shape", "batch_input_shape", "build") or not fact.per_sample.dims:
            continue
        data = _full_data_shape(context, fact)
        if data is not None:
            found.append((fact, data))
    return found


def _full_data_shape(context: RuleContext, fact: InputFact) -> ArrayValue | None:
    """The array whose full shape was declared (in the data fed, or written as `x.shape`)."""
    fed_samples: list[ArrayValue] = []
    for model in fact.models:
        index = model.input_facts.index(fact)
        for feed in context.feeds_of(model):
            found = array_for_input(feed, model, index)
            if found is not None:
                fed_samples.append(found[0])
    # Data that fits the declared shape proves the declaration right.
    if any(shapes_compatible(a.shape.drop_first(), fact.per_sample) for a in fed_samples if a.shape.dims):
        return None
    value = fact.shape_value
    if isinstance(value, Seq) and value.shape_of is not None and value.shape_offset == 0:
        if value.shape_of.shape.rank and value.shape_of.shape.rank >= 1:
            return value.shape_of
    for model in fact.models:
        index = model.input_facts.index(fact)
        for feed in context.feeds_of(model):
            if feed.method not in TRAINING_METHODS or (feed.dataset is not None and not feed.dataset.batched):
                continue  # an unbatched dataset's elements look like whole arrays: SL103 explains it
            found = array_for_input(feed, model, index)
            if found is not None and includes_sample_axis(fact, found[0]):
                return found[0]
    return None
