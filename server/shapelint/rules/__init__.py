"""The rule registry: every rule, in code order, and the function that runs them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from shapelint.config import Config
from shapelint.diagnostics import Diagnostic
from shapelint.facts import ProgramFacts
from shapelint.rules.base import Rule, RuleContext
from shapelint.rules.sl101_input_includes_batch_axis import InputIncludesBatchAxis
from shapelint.rules.sl102_missing_channel_axis import MissingChannelAxis
from shapelint.rules.sl103_data_input_mismatch import DataInputMismatch
from shapelint.rules.sl104_layer_input_incompatible import LayerInputIncompatible
from shapelint.rules.sl105_label_output_mismatch import LabelOutputMismatch
from shapelint.rules.sl106_multi_input_mismatch import MultiInputMismatch
from shapelint.rules.sl107_channel_order_mismatch import ChannelOrderMismatch
from shapelint.rules.sl108_missing_batch_axis import MissingBatchAxis
from shapelint.rules.sl109_non_positive_dimension import NonPositiveDimension
from shapelint.rules.sl110_invalid_reshape import InvalidReshape
from shapelint.rules.sl111_invalid_shape_argument import InvalidShapeArgument
from shapelint.rules.sl112_weight_shape_mismatch import WeightShapeMismatch
from shapelint.rules.sl113_keras1_positional_kernel import Keras1PositionalKernel
from shapelint.rules.sl201_input_shape_argument import InputShapeArgument
from shapelint.source import Chunk, Program
from shapelint.strict import STRICT

RULES: tuple[type[Rule], ...] = (
    InputIncludesBatchAxis,
    MissingChannelAxis,
    DataInputMismatch,
    LayerInputIncompatible,
    LabelOutputMismatch,
    MultiInputMismatch,
    ChannelOrderMismatch,
    MissingBatchAxis,
    NonPositiveDimension,
    InvalidReshape,
    InvalidShapeArgument,
    WeightShapeMismatch,
    Keras1PositionalKernel,
    InputShapeArgument,
)
_BY_CODE = {rule.code: rule for rule in RULES}


def all_rules() -> tuple[type[Rule], ...]:
    return RULES


def get_rule(code: str) -> type[Rule] | None:
    """A rule by code (SL101) or name (input-includes-batch-axis)."""
    found = _BY_CODE.get(code.upper())
    if found is not None:
        return found
    return next((rule for rule in RULES if rule.name == code.lower()), None)


def rule_docs(code: str) -> str | None:
    rule = get_rule(code)
    return rule.docs() if rule is not None else None


def run_rules(
    facts: ProgramFacts, program: Program, config: Config, chunks: Sequence[Chunk] | None = None
) -> Iterator[Diagnostic]:
    """Every enabled rule's diagnostics; a rule that fails is recorded, never fatal.

    `chunks`: the chunks the facts come from (default: the whole program)."""
    context = RuleContext(facts, program, config, config.target_keras, program.chunks if chunks is None else chunks)
    for rule in RULES:
        if not config.is_enabled(rule.code):
            continue
        try:
            yield from list(rule().check(context))
        except Exception as error:  # a broken rule must not hide the others' findings
            if STRICT:
                raise
            facts.internal_errors.append(f"{rule.code}: {type(error).__name__}: {error}")
