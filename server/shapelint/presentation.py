"""What a person reads about the facts: hover Markdown, the model summary, inlay hint text.

The analysis records values and facts; this module alone decides how they read, so a
new editor feature or wording changes here and never in the interpreter or the facts.
Every hover says what kind it is (`HoverKind`), so a client can switch a kind off
without reading the Markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst

from shapelint.diagnostics import Position, Range, code_in_message
from shapelint.facts import LayerCallFact, LayerValue, ModelValue, ProgramFacts, UnknownReason
from shapelint.shapes import Shape, format_shape
from shapelint.source import NodeRef, Program
from shapelint.values import UNKNOWN, ArrayValue, Const, DatasetValue, Seq, SymbolicInt, TensorValue, Value


class HoverKind(str, Enum):
    """What a hover describes."""

    VALUE = "value"  # an array, tensor, dataset or tuple of them
    LAYER = "layer"  # a layer object
    LAYER_CALL = "layer-call"  # a layer applied to inputs: input and output shapes
    UNKNOWN = "unknown"  # a shape shapelint cannot know, and the first cause why
    MODEL = "model"  # a model: the summary table


@dataclass(frozen=True)
class HoverText:
    """A hover's Markdown and kind, for a span of the program."""

    range: Range
    markdown: str
    kind: HoverKind


def hover_at(facts: ProgramFacts, program: Program, position: Position) -> HoverText | None:
    """The smallest recorded name or call covering `position` (program coordinates), described."""
    chunk = program.chunk_at_line(position.line)
    range_of = program.expression_ranges(chunk) if chunk is not None else None
    if chunk is None or range_of is None:
        return None
    candidates: list[tuple[int, Range, Value | LayerCallFact | UnknownReason]] = []
    recorded: list[tuple[cst.CSTNode, Value | LayerCallFact | UnknownReason]] = [
        *facts.node_values.in_chunk(chunk.index).items(),
        # After the values: a node known once is described as known.
        *(found for (index, _), found in facts.unknown_reasons.items() if index == chunk.index),
    ]
    for node, value in recorded:
        code_range = range_of(node)
        if code_range is None:
            continue
        # In the text as written (a notebook's IPython lines are parsed transformed).
        span = program.chunk_span(chunk, code_range)
        start, end = span.start, span.end
        if (start.line, start.column) <= (position.line, position.column) <= (end.line, end.column):
            size = (end.line - start.line) * 10_000 + (end.column - start.column)
            candidates.append((size, span, value))
    # The innermost node that has something to say (a module name has not).
    for _, span, value in sorted(candidates, key=lambda c: c[0]):
        if isinstance(value, UnknownReason):
            return HoverText(span, unknown_text(value, program), HoverKind.UNKNOWN)
        described = describe(facts, value, code_in_message(program.code_for_range(span)))
        if described is not None:
            return HoverText(span, described[0], described[1])
    return None


def unknown_text(reason: UnknownReason, program: Program) -> str:
    """The hover line saying why a shape is unknown, quoting the code where the unknown was born."""
    if reason.kind in ("parameter", "name", "branches", "loop"):
        return f"shape unknown: {reason.detail}"
    span = program.node_range(reason.node) if reason.node is not None else None
    code = f"`{code_in_message(program.code_for_range(span))}`" if span is not None else f"`{reason.subject}`"
    detail = f"shapelint does not model `{reason.subject}`" if reason.detail == "not modelled" else reason.detail
    return f"shape unknown: {code} — {detail}"


def describe(facts: ProgramFacts, value: Value | LayerCallFact, code: str) -> tuple[str, HoverKind] | None:
    """The Markdown for a value or layer call written `code` in the program, or None when nothing is known."""
    if isinstance(value, LayerCallFact):
        ins = ", ".join(format_shape(s) for s in value.input_shapes)
        if value.problem is not None:
            # Keras raises here: there is no output to show, and the finding's message says why.
            return f"**{value.layer.short_name}**: input {ins} → no output (it cannot take this input)", (
                HoverKind.LAYER_CALL
            )
        text = f"**{value.layer.short_name}**: input {ins} → output {output_text(value.output)}"
        return text, HoverKind.LAYER_CALL
    if isinstance(value, ModelValue):
        return model_summary(facts, value, code), HoverKind.MODEL
    if isinstance(value, (ArrayValue, TensorValue, DatasetValue)):
        return f"`{code}`: {value.describe()}", HoverKind.VALUE
    if isinstance(value, Seq) and value.items and all(isinstance(i, (ArrayValue, TensorValue)) for i in value.items):
        inner = ", ".join(i.describe() for i in value.items)
        return f"`{code}`: ({inner})", HoverKind.VALUE
    if isinstance(value, SymbolicInt):
        return f"`{code}`: int `{value.symbol.name}` (a size known only at run time, shared by its source)", (
            HoverKind.VALUE
        )
    if isinstance(value, Seq) and value.items and all(_known_size(i) or type(i) is SymbolicInt for i in value.items):
        # A shape tuple such as `x.shape[1:]`: where a wrong Input shape usually comes from.
        sizes = tuple(i.value if isinstance(i, Const) else None for i in value.items)
        symbols = tuple(i.symbol if isinstance(i, SymbolicInt) else None for i in value.items)
        text = f"`{code}`: {value.kind} {format_shape(Shape(sizes, symbols))}"
        if value.shape_of is not None:
            text += f", axes {value.shape_offset}: of an array of shape {format_shape(value.shape_of.shape)}"
        return text, HoverKind.VALUE
    if isinstance(value, LayerValue):
        calls = value.calls
        if calls:
            last = calls[-1]
            return f"`{code}`: {value.short_name} layer, output {output_text(last.output)}", HoverKind.LAYER
        return f"`{code}`: {value.short_name} layer", HoverKind.LAYER
    return None


def _known_size(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, int) and not isinstance(value.value, bool)


def model_summary(facts: ProgramFacts, model: ModelValue, name: str) -> str:
    """A model's layers and output shapes as a Markdown table, like Keras's `model.summary()`."""
    rows = [
        f"**{name}** — {model.kind} model",
        "",
        "| Layer | Output shape |",
        "|---|---|",
    ]
    for tensor in model.inputs:
        rows.append(f"| Input | {format_shape(tensor.shape)} |")
    for fact in facts.model_layer_calls(model):
        rows.append(f"| {fact.layer.short_name} | {output_text(fact.output)} |")
    if model.loss is not UNKNOWN:
        rows.extend(["", f"loss: `{model.loss.describe()}`"])
    return "\n".join(rows)


def inlay_hints(
    facts: ProgramFacts, program: Program, lines: tuple[int, int] | None = None
) -> list[tuple[Position, str, str | None]]:
    """Each layer call's output shape, placed at the end of the line that applies it.

    `lines`: only the hints on these program lines (first, last), as an editor asks for the
    lines it shows; the calls in statements elsewhere are not placed at all.
    """
    by_line: dict[int, tuple[str, str | None]] = {}
    for input_fact in facts.inputs:
        # The declared input's tensor, batch axis included: the line where a wrong shape is written.
        if input_fact.source != "Input" or input_fact.call is None or input_fact.tensor.shape.dims is None:
            continue
        if lines is not None and not _statement_reaches(program, input_fact.call, lines):
            continue
        span = program.node_range(input_fact.call)
        if span is not None:
            by_line[span.end.line] = (f"→ {format_shape(input_fact.tensor.shape)}", "model input shape")
    for fact in facts.layer_calls:
        # A layer Keras would reject has no output: the error is shown there, not a made-up shape.
        if fact.call is None or fact.problem is not None or not isinstance(fact.output, (TensorValue, Seq)):
            continue
        if lines is not None and not _statement_reaches(program, fact.call, lines):
            continue
        text = output_text(fact.output)
        if text == "?":
            continue
        span = program.node_range(fact.call)
        if span is None:
            continue
        by_line[span.end.line] = (f"→ {text}", f"{fact.layer.short_name} output shape")
    return [
        (Position(line, len(program.line_text(line).rstrip())), label, tooltip)
        for line, (label, tooltip) in sorted(by_line.items())
        if lines is None or lines[0] <= line <= lines[1]
    ]


def _statement_reaches(program: Program, ref: NodeRef, lines: tuple[int, int]) -> bool:
    """Whether the top-level statement of a node has a line in `lines` (a node's lines are its statement's)."""
    if not 0 <= ref.chunk < len(program.chunks):
        return False
    chunk = program.chunks[ref.chunk]
    return chunk.start_line <= lines[1] and lines[0] < chunk.start_line + chunk.line_count


def output_text(value: Value) -> str:
    """A layer output's shape as shown to people: `(None, 10)`, `[(None, 4), ?]`, or `?`."""
    if isinstance(value, TensorValue):
        return "?" if value.shape.dims is None else format_shape(value.shape)
    if isinstance(value, Seq):
        parts = [output_text(item) for item in value.items]
        return "?" if all(p == "?" for p in parts) else "[" + ", ".join(parts) + "]"
    return "?"
