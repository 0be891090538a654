"""What every rule is: a code, a name, docs, examples, and a check over the program's facts.

Like Fixit's lint rules, each rule file carries its own VALID and INVALID examples;
the test suite runs every one of them. INVALID examples mark the expected line with
`# error: SLxxx` (or `# warning:` / `# info:`), exactly like the fixture corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

import libcst as cst

from shapelint.calls import CallArgs
from shapelint.config import Config
from shapelint.diagnostics import (
    Diagnostic,
    Fix,
    Position,
    Range,
    Related,
    Severity,
    TextEdit,
    code_in_message,
    one_line,
)
from shapelint.facts import FeedFact, InputFact, LayerCallFact, LayerValue, ModelValue, ProgramFacts
from shapelint.shapes import Shape, format_dims, shapes_compatible
from shapelint.source import Chunk, NodeRef, Program
from shapelint.values import ArrayValue, DictValue, Seq, TensorValue, Value

T = TypeVar("T")


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    what_it_does: ClassVar[str]
    why_is_this_bad: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    VALID: ClassVar[Sequence[str]] = ()
    INVALID: ClassVar[Sequence[str]] = ()

    def check(self, context: RuleContext) -> Iterable[Diagnostic]:
        raise NotImplementedError

    @classmethod
    def docs(cls) -> str:
        """The rule's documentation in Markdown, as `shapelint explain` and hovers show it."""
        return "\n".join(
            [
                f"# {cls.code} {cls.name}",
                "",
                cls.summary,
                "",
                "## What it does",
                cls.what_it_does.strip(),
                "",
                "## Why is this bad?",
                cls.why_is_this_bad.strip(),
                "",
                "## Example",
                "```python",
                cls.example.strip("\n"),
                "```",
                "",
                "## Use instead",
                "```python",
                cls.use_instead.strip("\n"),
                "```",
            ]
        )


@dataclass
class RuleContext:
    facts: ProgramFacts
    program: Program
    config: Config
    keras_major: int
    # The chunks the facts come from (a statement group's, see statement_groups.py): a rule that
    # reads the syntax itself looks only there.
    chunks: Sequence[Chunk] = ()
    _feeds_by_model: dict[int, list[FeedFact]] | None = None
    _shared: dict[str, object] = field(default_factory=dict)

    def range(self, ref: NodeRef | None) -> Range | None:
        return self.program.node_range(ref) if ref is not None else None

    def code(self, ref: NodeRef) -> str:
        return self.program.code_for(ref)

    def replace(self, ref: NodeRef | None, content: str) -> TextEdit | None:
        span = self.range(ref)
        return TextEdit(span, content) if span is not None else None

    def diagnostic(
        self,
        rule: Rule | type[Rule],
        ref: NodeRef | None,
        message: str,
        fixes: Iterable[Fix | None] = (),
        related: Iterable[tuple[NodeRef | None, str]] = (),
    ) -> Diagnostic | None:
        span = self.range(ref)
        if span is None:
            return None
        # A related place is another line of the mistake: never the finding's own range again.
        related_ranges = tuple(
            Related(r, text) for ref_, text in related if (r := self.range(ref_)) is not None and r != span
        )
        return Diagnostic(
            code=rule.code,
            message=one_line(message),
            range=span,
            severity=rule.severity,
            fixes=tuple(f for f in fixes if f is not None and f.edits),
            related=related_ranges,
        )

    def fix(self, message: str, *edits: TextEdit | None, safe: bool = True) -> Fix | None:
        """A fix from edits (None when one is missing); `safe=False` when it changes more than shapes."""
        if any(edit is None for edit in edits):
            return None
        return Fix(code_in_message(message, limit=100), tuple(edit for edit in edits if edit is not None), safe)

    def line_of(self, ref: NodeRef | None) -> int | None:
        span = self.range(ref)
        return span.start.line + 1 if span is not None else None

    def place_of(self, ref: NodeRef | None) -> str | None:
        """Where a node is, as a reader finds it: "line 7", or "cell 2, line 1" in a notebook."""
        span = self.range(ref)
        if span is None:
            return None
        position, cell = self.program.to_cell_position(span.start)
        line = f"line {position.line + 1}"
        return line if cell is None else f"cell {cell + 1}, {line}"

    @property
    def numpy(self) -> str | None:
        return self.facts.numpy_alias

    def expand_dims_code(self, expression: str, axis: int = -1) -> str:
        """Code that adds a size-1 axis, using the file's own NumPy alias when it has one."""
        if self.numpy:
            return f"{self.numpy}.expand_dims({expression}, {axis})"
        return f"{parenthesize(expression)}[..., None]" if axis == -1 else f"{parenthesize(expression)}[None]"

    def feeds_of(self, model: ModelValue) -> list[FeedFact]:
        """The data given to one model, in program order (indexed once per analysis)."""
        if self._feeds_by_model is None:
            self._feeds_by_model = {}
            for feed in self.facts.feeds:
                self._feeds_by_model.setdefault(id(feed.model), []).append(feed)
        return self._feeds_by_model.get(id(model), [])

    def shared(self, key: str, compute: Callable[[RuleContext], T]) -> T:
        """A finding several rules consult (e.g. SL101's inputs), computed once per analysis."""
        if key not in self._shared:
            self._shared[key] = compute(self)
        return self._shared[key]  # type: ignore[return-value]


# Shared reasoning about models and the data they are given ----------------------------------

TRAINING_METHODS = frozenset(
    {"fit", "evaluate", "train_on_batch", "test_on_batch", "fit_generator", "evaluate_generator"}
)


def array_for_input(feed: FeedFact, model: ModelValue, index: int) -> tuple[ArrayValue, NodeRef | None] | None:
    """The array a feed gives to the model's `index`-th input, with the node it was written at."""
    x: Value = feed.x
    node = feed.x_node
    if isinstance(x, ArrayValue):
        return (x, node) if len(model.inputs) == 1 and index == 0 else None
    if isinstance(x, Seq) and len(x.items) == len(model.inputs):
        item = x.items[index]
        element_node = _element(node, index)
        return (item, element_node) if isinstance(item, ArrayValue) else None
    if isinstance(x, DictValue) and index < len(model.input_names):
        name = model.input_names[index]
        item = x.get(name) if name is not None else None
        return (item, node) if isinstance(item, ArrayValue) else None
    return None


def _element(ref: NodeRef | None, index: int) -> NodeRef | None:
    if ref is None or not isinstance(ref.node, (cst.List, cst.Tuple)):
        return ref
    elements = ref.node.elements
    return NodeRef(ref.chunk, elements[index].value) if index < len(elements) else ref


def keras3_adjusts(sample: Shape, declared: Shape) -> bool:
    """Keras adds or drops ONE trailing size-1 axis between data and a declared input.

    Keras 3 (`Functional._adjust_input_rank`) and Keras 2 alike: tf.keras's
    `Functional._conform_to_reference_input` does the same, and its input spec allows it
    (`allow_last_axis_squeeze`); measured with tf-keras 2.21 (fit of (N, 28, 28) into
    `Input((28, 28, 1))`, of (N,) into `Input((1,))`, Sequential models with a declared input too).
    """
    if sample.dims is None or declared.dims is None:
        return False
    if len(sample.dims) == len(declared.dims) + 1 and sample.dims[-1] == 1:
        return shapes_compatible(Shape(sample.dims[:-1]), declared)
    if len(sample.dims) + 1 == len(declared.dims) and declared.dims[-1] == 1:
        return shapes_compatible(sample, Shape(declared.dims[:-1]))
    return False


def reads_as_batch(data: Shape, per_sample: Shape) -> bool:
    """Keras can read `data` as a batch for an input of `per_sample` shape.

    Besides the plain `(batch, *per_sample)`, both Keras 3 (`Functional._adjust_input_rank`) and
    Keras 2 (`Functional._conform_to_reference_input`) add or drop one trailing size-1 axis against
    the FULL declared shape, batch axis included: `(k,)` for `shape=(1,)` is a batch of k scalars,
    `(1,)` for `shape=()` a batch of one. The adjustment never takes the batch axis itself.
    """
    if data.dims is None or per_sample.dims is None:
        return True
    full = per_sample.with_batch(None)
    return shapes_compatible(data, full) or keras3_adjusts(data, full)


def includes_sample_axis(fact: InputFact, data: ArrayValue) -> bool:
    """The declared per-sample shape is the data's full shape (sample count included)."""
    return data.shape.fully_known and fact.per_sample.fully_known and data.shape == fact.per_sample


def input_line_note(context: RuleContext, fact: InputFact) -> str:
    place = context.place_of(fact.call)
    return f" (declared on {place})" if place is not None else ""


def parenthesize(code: str) -> str:
    """`code` safe to put before `.attr` or `[...]`."""
    stripped = code.strip()
    if stripped.replace("_", "").replace(".", "").isalnum() or (
        stripped.endswith((")", "]")) and not any(op in stripped for op in (" + ", " - ", " * ", " / ", " if "))
    ):
        return stripped
    return f"({stripped})"


def tuple_code(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def shape_literal_items(context: RuleContext, ref: NodeRef) -> list[str] | None:
    """The source text of each element of a tuple/list literal, or None for other expressions."""
    node = ref.node
    if isinstance(node, (cst.Tuple, cst.List)):
        if any(isinstance(e, cst.StarredElement) for e in node.elements):
            return None
        return [context.code(NodeRef(ref.chunk, e.value)) for e in node.elements]
    if isinstance(node, (cst.Integer, cst.Name)):
        return [context.code(ref)]
    return None


def dims_code(dims: Shape) -> str:
    assert dims.dims is not None
    return format_dims(dims.dims)


def tensor_input_fact(context: RuleContext, value: Value) -> InputFact | None:
    """The declared input a tensor is, looking through layers that keep the shape (Dropout, Rescaling...)."""
    seen = 0
    while isinstance(value, TensorValue) and seen < 32:
        seen += 1
        fact = context.facts.input_fact(value)
        if fact is not None:
            return fact
        producer = layer_producer(context, value)
        if producer is None or producer.layer.spec is None or producer.layer.spec.family != "same":
            return None
        if not producer.inputs:
            return None
        value = producer.inputs[0]
    return None


# Producers and constructor edits shared by the layer rules ---------------------------------


def layer_producer(context: RuleContext, value: Value) -> LayerCallFact | None:
    """The layer call that made a tensor, or None (a declared input, or unknown)."""
    producer = context.facts.producer(value)
    return producer if isinstance(producer, LayerCallFact) else None


def line_note(context: RuleContext, ref: NodeRef | None) -> str:
    place = context.place_of(ref)
    return f" on {place}" if place is not None else ""


def constructor_argument_edit(
    context: RuleContext, layer: LayerValue, keyword: str, value_code: str
) -> TextEdit | None:
    """An edit of the layer's constructor call that makes `keyword=value_code`.

    Replaces the argument when it is given (by keyword or position), else appends it;
    None when the constructor is not a plain call this edit can spell safely.
    """
    ref = layer.node
    args: CallArgs | None = layer.args
    if ref is None or args is None or args.has_star or not isinstance(ref.node, cst.Call):
        return None
    params = layer.spec.params if layer.spec is not None else ()
    index = params.index(keyword) if keyword in params else None
    given = args.node_of(index, keyword)
    if given is not None:
        return context.replace(given, value_code)
    if keyword in layer.config:
        return None  # bound some way this edit cannot see
    call = ref.node
    if call.args:
        end = context.range(NodeRef(ref.chunk, call.args[-1].value))
        if end is None:
            return None
        return TextEdit(Range(end.end, end.end), f", {keyword}={value_code}")
    span = context.range(ref)
    if span is None or not context.code(ref).endswith("()"):
        return None
    closing = Position(span.end.line, span.end.column - 1)
    return TextEdit(Range(closing, closing), f"{keyword}={value_code}")


def channel_order_swapped(sample: Shape, declared: Shape) -> str | None:
    """ "first->last" when channels-first images meet a channels-last input, "last->first" for the reverse."""
    if sample.dims is None or declared.dims is None or len(sample.dims) != 3 or len(declared.dims) != 3:
        return None
    if sample.dims == declared.dims:
        return None
    if sample.dims[0] in (1, 3, 4) and sample.dims[0] == declared.dims[2]:
        if shapes_compatible(Shape(sample.dims[1:]), Shape(declared.dims[:2])):
            return "first->last"
    if sample.dims[2] in (1, 3, 4) and sample.dims[2] == declared.dims[0]:
        if shapes_compatible(Shape(sample.dims[:2]), Shape(declared.dims[1:])):
            return "last->first"
    return None


def fitting_order(arrays: Sequence[ArrayValue], inputs: Sequence[Shape], keras_major: int) -> tuple[int, ...] | None:
    """A reordering of the arrays under which each fits its input, when the given order does not."""
    from itertools import permutations

    def fits(array: ArrayValue, declared: Shape) -> bool:
        sample = array.shape.drop_first()
        return shapes_compatible(sample, declared) or keras3_adjusts(sample, declared)

    if len(arrays) > 5 or any(a.shape.dims is None for a in arrays):
        return None
    if all(fits(a, d) for a, d in zip(arrays, inputs)):
        return None
    for order in permutations(range(len(arrays))):
        if all(fits(arrays[order[i]], inputs[i]) for i in range(len(inputs))):
            return order
    return None
