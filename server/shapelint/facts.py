"""Facts the interpreter records while it walks a program: what the rules read.

Each fact names the node it came from (a NodeRef), so a rule can place its diagnostic
and fix precisely; ranges are computed only for what gets reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import libcst as cst

from shapelint.diagnostics import Position, Range, code_in_message
from shapelint.shapes import Shape, format_shape
from shapelint.source import NodeRef, Program
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    DatasetValue,
    LayerValue,
    ModelValue,
    Seq,
    TensorValue,
    Value,
)

if TYPE_CHECKING:
    from shapelint.knowledge.layers import LayerProblem


@dataclass(eq=False)
class InputFact:
    """A declared model input: keras.Input(...), input_shape=/input_dim= on a first layer, InputLayer."""

    id: int
    tensor: TensorValue
    per_sample: Shape  # the declared shape without the batch axis
    call: NodeRef | None  # the Input(...) call, or the layer constructor carrying input_shape=
    shape_node: NodeRef | None  # the expression that gave the shape, for fixes
    shape_value: Value
    source: str  # "Input" | "input_shape" | "input_dim" | "batch_input_shape" | "InputLayer" | "build"
    name: str | None = None
    models: list[ModelValue] = field(default_factory=list)


@dataclass(eq=False)
class FeedFact:
    """Data given to a model: fit/evaluate/predict/train_on_batch/... and validation_data."""

    model: ModelValue
    method: str
    x: Value
    y: Value
    call: NodeRef | None
    x_node: NodeRef | None = None
    y_node: NodeRef | None = None
    validation: bool = False
    # The model's compile() in force when the data was given (a program may compile twice).
    compiled: CompileFact | None = None
    dataset: DatasetValue | None = None  # x and y came from this tf.data.Dataset

    @property
    def loss(self) -> Value:
        return self.compiled.loss if self.compiled is not None else UNKNOWN

    @property
    def label(self) -> str:
        return "validation_data" if self.validation else f"{self.method}()"


@dataclass(eq=False)
class LayerCallFact:
    """A layer applied to inputs (a functional call, or a Sequential model adding it)."""

    layer: LayerValue
    inputs: tuple[Value, ...]
    input_shapes: tuple[Shape, ...]
    output: Value
    call: NodeRef | None  # where to report: `layer(x)`, or the layer's constructor in a Sequential
    problem: LayerProblem | None = None
    model: ModelValue | None = None  # the Sequential that applied it
    feed: FeedFact | None = None  # shapes came from data at fit() (no declared input)
    roots: frozenset[int] = frozenset()


@dataclass(eq=False)
class CompileFact:
    model: ModelValue
    loss: Value
    call: NodeRef | None
    loss_node: NodeRef | None = None


@dataclass(eq=False)
class ArrayProblemFact:
    """A NumPy call that would raise (e.g. a reshape to another size)."""

    kind: str
    message: str
    call: NodeRef | None
    subject: NodeRef | None = None


@dataclass
class ProgramFacts:
    inputs: list[InputFact] = field(default_factory=list)
    layer_calls: list[LayerCallFact] = field(default_factory=list)
    feeds: list[FeedFact] = field(default_factory=list)
    compiles: list[CompileFact] = field(default_factory=list)
    array_problems: list[ArrayProblemFact] = field(default_factory=list)
    models: list[ModelValue] = field(default_factory=list)
    # Values of names and calls by (chunk, id(node)), for hovers; the node keeps the id alive.
    node_values: dict[tuple[int, int], tuple[cst.CSTNode, Value | LayerCallFact]] = field(
        default_factory=dict
    )
    numpy_alias: str | None = None
    # The module's names after the last statement, for fixes that need an import's spelling.
    module_names: dict[str, Value] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)

    def record(self, ref: NodeRef, value: Value | LayerCallFact, overwrite: bool = True) -> None:
        if value is UNKNOWN:
            return
        key = (ref.chunk, id(ref.node))
        if overwrite or key not in self.node_values:
            self.node_values[key] = (ref.node, value)

    def spelling(self, canonical: str) -> str | None:
        """How this file can write a library name: `layers.Flatten` for keras.layers.Flatten, or None."""
        from shapelint.values import RefValue

        best: str | None = None
        for name, value in self.module_names.items():
            if not isinstance(value, RefValue):
                continue
            if value.name == canonical:
                return name
            prefix = value.name
            if prefix == "tensorflow" and canonical.startswith("keras."):
                prefix, name = "keras", f"{name}.keras"  # tf.keras.X is keras.X
            if canonical.startswith(prefix + "."):
                candidate = name + canonical[len(prefix) :]
                if best is None or len(candidate) < len(best):
                    best = candidate
        return best

    def input_fact(self, tensor: TensorValue) -> InputFact | None:
        producer = tensor.producer
        return producer if isinstance(producer, InputFact) else None

    # Presentation data ------------------------------------------------------------------------

    def hover_at(self, program: Program, position: Position) -> tuple[Range, str] | None:
        """The smallest recorded name or call covering `position`, with its description."""
        chunk = program.chunk_at_line(position.line)
        if chunk is None or chunk.module is None:
            return None
        positions = program.positions_of_chunk(chunk)
        candidates: list[tuple[int, Range, Value | LayerCallFact]] = []
        for (chunk_index, _), (node, value) in self.node_values.items():
            if chunk_index != chunk.index:
                continue
            code_range = positions.get(node)
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
            text = self.describe(value, code_in_message(program.code_for_range(span)))
            if text:
                return span, text
        return None

    def describe(self, value: Value | LayerCallFact, code: str) -> str | None:
        if isinstance(value, LayerCallFact):
            ins = ", ".join(format_shape(s) for s in value.input_shapes)
            out = _output_text(value.output)
            text = f"**{value.layer.short_name}**: input {ins} → output {out}"
            if value.problem is not None:
                text += f"\n\n{value.problem.message}"
            return text
        if isinstance(value, ModelValue):
            return self.model_summary(value, code)
        if isinstance(value, (ArrayValue, TensorValue, DatasetValue)):
            return f"`{code}`: {value.describe()}"
        if (
            isinstance(value, Seq)
            and value.items
            and all(isinstance(i, (ArrayValue, TensorValue)) for i in value.items)
        ):
            inner = ", ".join(i.describe() for i in value.items)
            return f"`{code}`: ({inner})"
        if isinstance(value, LayerValue):
            calls = value.calls
            if calls:
                last = calls[-1]
                return f"`{code}`: {value.short_name} layer, output {_output_text(last.output)}"
            return f"`{code}`: {value.short_name} layer"
        return None

    def model_summary(self, model: ModelValue, name: str) -> str:
        rows = [
            f"**{name}** — {model.kind} model",
            "",
            "| Layer | Output shape |",
            "|---|---|",
        ]
        for tensor in model.inputs:
            rows.append(f"| Input | {format_shape(tensor.shape)} |")
        for fact in self.model_layer_calls(model):
            rows.append(f"| {fact.layer.short_name} | {_output_text(fact.output)} |")
        if model.loss is not UNKNOWN:
            rows.extend(["", f"loss: `{model.loss.describe()}`"])
        return "\n".join(rows)

    def model_layer_calls(self, model: ModelValue) -> list[LayerCallFact]:
        roots = {fact.id for fact in model.input_facts}
        found = []
        for fact in self.layer_calls:
            if fact.model is model or (
                model.kind != "sequential" and roots and fact.roots and fact.roots <= roots
            ):
                found.append(fact)
        return found

    def inlay_hints(self, program: Program) -> list[tuple[Position, str, str | None]]:
        """Each layer call's output shape, placed at the end of the line that applies it."""
        by_line: dict[int, tuple[str, str | None]] = {}
        for fact in self.layer_calls:
            if fact.call is None or not isinstance(fact.output, (TensorValue, Seq)):
                continue
            text = _output_text(fact.output)
            if text == "?":
                continue
            span = program.node_range(fact.call)
            if span is None:
                continue
            by_line[span.end.line] = (f"→ {text}", f"{fact.layer.short_name} output shape")
        return [
            (Position(line, len(program.line_text(line).rstrip())), label, tooltip)
            for line, (label, tooltip) in sorted(by_line.items())
        ]


def _output_text(value: Value) -> str:
    if isinstance(value, TensorValue):
        return "?" if value.shape.dims is None else format_shape(value.shape)
    if isinstance(value, Seq):
        parts = [_output_text(item) for item in value.items]
        return "?" if all(p == "?" for p in parts) else "[" + ", ".join(parts) + "]"
    return "?"
