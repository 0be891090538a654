"""Facts the interpreter records while it walks a program: what the rules read.

The Keras graph: layers and models (objects the program mutates: `model.add(...)`), the
declared inputs, each layer call, compiles and the data fed to models. Each fact names
the node it came from (a NodeRef), so a rule can place its diagnostic and fix precisely;
ranges are computed only for what gets reported. Above values.py and the layer catalog,
below the rules and presentation.py (which turns facts into hover and inlay text).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, overload

import libcst as cst

from shapelint.calls import CallArgs
from shapelint.knowledge.layers import LayerProblem, LayerSpec
from shapelint.shapes import Shape, format_shape
from shapelint.source import NodeRef
from shapelint.values import (
    UNKNOWN,
    DatasetValue,
    InstanceValue,
    RefValue,
    TensorValue,
    Value,
    literal,
)

F = TypeVar("F")


class BackLinks(Generic[F]):
    """A list of facts held weakly, for the links that point back up the Keras graph (a layer's
    calls, the models an input feeds).

    The facts are held by their ProgramFacts (`layer_calls`, `models`) for as long as the
    analysis lives; strong links both ways would make every analysis a reference cycle, which
    only a full garbage collection frees (and the language server freezes what an analysis
    leaves: collection.py). Reads like a list.
    """

    __slots__ = ("_refs",)

    def __init__(self) -> None:
        self._refs: list[weakref.ref[F]] = []

    def append(self, fact: F) -> None:
        self._refs.append(weakref.ref(fact))

    def _alive(self) -> list[F]:
        return [fact for fact in (ref() for ref in self._refs) if fact is not None]

    def __iter__(self) -> Iterator[F]:
        return iter(self._alive())

    def __len__(self) -> int:
        return len(self._alive())

    def __bool__(self) -> bool:
        return any(ref() is not None for ref in self._refs)

    @overload
    def __getitem__(self, index: int) -> F: ...

    @overload
    def __getitem__(self, index: slice) -> list[F]: ...

    def __getitem__(self, index: int | slice) -> F | list[F]:
        return self._alive()[index]

    def __repr__(self) -> str:
        return f"BackLinks({self._alive()!r})"


class LayerValue(Value):
    """A Keras layer instance (identity matters: it may be called, or added, more than once)."""

    def __init__(self, kind: str, spec: LayerSpec | None, config: dict[str, Value], node: NodeRef | None) -> None:
        self.kind = kind  # canonical class name, e.g. "keras.layers.Conv2D"
        self.spec = spec
        self.config = config  # bound constructor arguments by parameter name
        self.node = node  # the constructor call
        self.args: CallArgs | None = None  # the constructor's arguments (nodes for fixes, literals for TensorFlow)
        self.calls: BackLinks[LayerCallFact] = BackLinks()  # held by ProgramFacts.layer_calls

    @property
    def short_name(self) -> str:
        return self.kind.rsplit(".", 1)[-1]

    def describe(self) -> str:
        return f"{self.short_name} layer"

    def __repr__(self) -> str:
        return f"LayerValue({self.kind})"


class ModelValue(Value):
    """A Keras model: Sequential, functional, an application, or a subclass."""

    def __init__(self, kind: str, node: NodeRef | None) -> None:
        self.kind = kind  # "sequential" | "functional" | "application" | "subclass"
        self.node = node
        self.inputs: list[TensorValue] = []  # declared inputs, in order
        self.input_facts: list[InputFact] = []  # one per declared input
        self.outputs: list[Value] = []
        self.layers: list[LayerValue] = []  # Sequential order, or application order
        self.loss: Value = UNKNOWN
        self.compile_node: NodeRef | None = None
        self.name: str | None = None
        self.output_names: list[str] = []
        self.input_names: list[str | None] = []
        self.broken = False  # a layer call failed: downstream shapes unknown
        self._built_from: weakref.ref[FeedFact] | None = None  # held by ProgramFacts.feeds
        self.subclass: InstanceValue | None = None  # the instance of a keras.Model subclass
        self.traced = False  # a subclass's call() has been traced with data
        self.made_in: tuple[int, ...] = ()  # the branches it was made in (control_flow.py's branch_path)

    @property
    def built_from(self) -> FeedFact | None:
        """The data that built a Sequential with no declared input."""
        return self._built_from() if self._built_from is not None else None

    @built_from.setter
    def built_from(self, feed: FeedFact | None) -> None:
        self._built_from = weakref.ref(feed) if feed is not None else None

    @property
    def declared(self) -> bool:
        return bool(self.inputs)

    @property
    def output(self) -> Value:
        return self.outputs[0] if len(self.outputs) == 1 else UNKNOWN

    def describe(self) -> str:
        ins = ", ".join(format_shape(t.shape) for t in self.inputs) or "undeclared"
        outs = ", ".join(format_shape(o.shape) for o in self.outputs if isinstance(o, TensorValue)) or "?"
        return f"{self.kind.capitalize()} model: {ins} -> {outs}"


def layer_signature(layer: LayerValue, input_shapes: Sequence[Shape]) -> str:
    """A key for a layer's output shape: its class, literal config and input shapes."""
    try:
        config = sorted((k, repr(literal(v))) for k, v in layer.config.items())
    except ValueError:
        config = [("?", str(id(layer)))]
    return f"{layer.kind}|{config}|{[s.dims for s in input_shapes]}"


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
    models: BackLinks[ModelValue] = field(default_factory=BackLinks)  # held by ProgramFacts.models


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
    made_in: tuple[int, ...] = ()  # the branches the compile() ran in (control_flow.py's branch_path)


@dataclass(eq=False)
class ArrayProblemFact:
    """A NumPy call that would raise (e.g. a reshape to another size)."""

    kind: str
    message: str
    call: NodeRef | None
    subject: NodeRef | None = None


@dataclass(frozen=True)
class UnknownReason:
    """Why a value is unknown: the first cause, in one short line (for hovers and `shapelint coverage`).

    `kind` groups causes: "library" (a library call the engine does not know, or whose result it
    cannot know for these arguments), "parameter" (a function parameter with no known argument),
    "name" (a name the file never binds), "branches"/"loop" (paths that disagree), "call-depth",
    "budget" (the work budget widened a loop or cut a call short), "changed" (a list or dict
    changed in place in a way the engine does not follow: container_changes.py).
    `subject` is the canonical library name or the Python name; `detail` says why.
    """

    kind: str
    subject: str
    detail: str
    node: NodeRef | None = None  # where the unknown was born: its code is quoted in hovers

    @property
    def label(self) -> str:
        """The cause without its place, to group and count the same cause across files."""
        if self.kind == "library":
            return f"`{self.subject}` — {self.detail}"
        return REASON_LABELS.get(self.kind, self.detail)


# Labels of the causes that have no library name to group by.
REASON_LABELS = {
    "parameter": "function parameter",
    "name": "name not defined in the file",
    "branches": "differs between branches",
    "loop": "changes across loop passes",
    "call-depth": "call depth limit",
    "budget": "work budget spent (a loop widened or a call cut short)",
}


class NodeValues:
    """The value of each recorded name and call, by chunk and node (for hovers and the rules).

    One dict per chunk keyed by the node itself (libcst nodes hash and compare by identity,
    and the key keeps the node alive): no key tuple, id or value tuple per entry, which was a
    tenth of the memory an open file costs. The same tree can be two chunks' (the same
    statement text twice), hence the chunk. While literal loops run (`loops` > 0) the places
    written are logged in `written`, for the interpreter to forget one pass's values.
    """

    __slots__ = ("_chunks", "loops", "written")

    def __init__(self) -> None:
        self._chunks: dict[int, dict[cst.CSTNode, Value | LayerCallFact]] = {}
        self.loops = 0
        self.written: list[tuple[int, cst.CSTNode]] = []

    def get(self, chunk: int, node: cst.CSTNode) -> Value | LayerCallFact | None:
        found = self._chunks.get(chunk)
        return found.get(node) if found is not None else None

    def set(self, chunk: int, node: cst.CSTNode, value: Value | LayerCallFact, overwrite: bool = True) -> None:
        values = self._chunks.get(chunk)
        if values is None:
            values = self._chunks[chunk] = {}
        elif not overwrite and node in values:
            return
        if self.loops:
            self.written.append((chunk, node))
        values[node] = value

    def pop(self, chunk: int, node: cst.CSTNode) -> None:
        found = self._chunks.get(chunk)
        if found is not None:
            found.pop(node, None)

    def in_chunk(self, chunk: int) -> dict[cst.CSTNode, Value | LayerCallFact]:
        """The values recorded in one chunk, by node (do not change it)."""
        return self._chunks.get(chunk, {})

    def items(self) -> Iterator[tuple[tuple[int, int], tuple[cst.CSTNode, Value | LayerCallFact]]]:
        """((chunk, id(node)), (node, value)) for every value, chunk by chunk, in the order recorded."""
        for chunk, values in self._chunks.items():
            for node, value in values.items():
                yield (chunk, id(node)), (node, value)

    def values(self) -> Iterator[tuple[cst.CSTNode, Value | LayerCallFact]]:
        for values in self._chunks.values():
            yield from values.items()

    def update(self, other: NodeValues) -> None:
        for chunk, values in other._chunks.items():
            mine = self._chunks.get(chunk)
            if mine is None:
                self._chunks[chunk] = dict(values)
            else:
                mine.update(values)

    def __len__(self) -> int:
        return sum(len(values) for values in self._chunks.values())


_producer_numbers = itertools.count(1)


@dataclass
class ProgramFacts:
    inputs: list[InputFact] = field(default_factory=list)
    layer_calls: list[LayerCallFact] = field(default_factory=list)
    feeds: list[FeedFact] = field(default_factory=list)
    compiles: list[CompileFact] = field(default_factory=list)
    array_problems: list[ArrayProblemFact] = field(default_factory=list)
    models: list[ModelValue] = field(default_factory=list)
    # Values of names and calls by chunk and node, for hovers and the rules.
    node_values: NodeValues = field(default_factory=NodeValues)
    numpy_alias: str | None = None
    # The module's names after the last statement, for fixes that need an import's spelling.
    module_names: dict[str, Value] = field(default_factory=dict)
    internal_errors: list[str] = field(default_factory=list)
    # By TensorValue.producer_id: numbers unique in the process, so facts of analyses run apart
    # (the statement groups of one file) can be merged.
    producers: dict[int, InputFact | LayerCallFact] = field(default_factory=dict)
    # Real paths of the project's modules the program imports (directly or not): re-check when they change.
    imported_paths: tuple[str, ...] = ()
    # Where an import looked for a project module and found nothing: re-check when a file appears there.
    absent_module_paths: tuple[str, ...] = ()
    # Why expressions evaluated to UNKNOWN, by (chunk, id(node)); the first cause recorded wins.
    unknown_reasons: dict[tuple[int, int], tuple[cst.CSTNode, UnknownReason]] = field(default_factory=dict)

    def note_unknown(self, ref: NodeRef, reason: UnknownReason) -> None:
        """Remember why the expression at `ref` is unknown (kept when a cause is already known)."""
        key = (ref.chunk, id(ref.node))
        if key not in self.unknown_reasons:
            self.unknown_reasons[key] = (ref.node, reason)

    def reason_at(self, ref: NodeRef | None) -> UnknownReason | None:
        """Why the expression at `ref` is unknown, when a cause was recorded."""
        if ref is None:
            return None
        found = self.unknown_reasons.get((ref.chunk, id(ref.node)))
        return found[1] if found is not None else None

    def record(self, ref: NodeRef, value: Value | LayerCallFact, overwrite: bool = True) -> None:
        self.record_at(ref.chunk, ref.node, value, overwrite)

    def record_at(self, chunk: int, node: cst.CSTNode, value: Value | LayerCallFact, overwrite: bool = True) -> None:
        """`record` for a node of `chunk`, without a NodeRef (the interpreter's hot path)."""
        if value is UNKNOWN or chunk < 0:  # nothing to hover in another file
            return
        self.node_values.set(chunk, node, value, overwrite)

    def spelling(self, canonical: str) -> str | None:
        """How this file can write a library name: `layers.Flatten` for keras.layers.Flatten, or None."""
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

    def add_producer(self, fact: InputFact | LayerCallFact) -> int:
        """Number a tensor's maker; the tensor keeps the number (values never point at facts)."""
        number = next(_producer_numbers)
        self.producers[number] = fact
        return number

    def producer(self, tensor: Value) -> InputFact | LayerCallFact | None:
        """The input declaration or layer call that made a tensor, or None."""
        if not isinstance(tensor, TensorValue) or tensor.producer_id is None:
            return None
        return self.producers.get(tensor.producer_id)

    def input_fact(self, tensor: TensorValue) -> InputFact | None:
        producer = self.producer(tensor)
        return producer if isinstance(producer, InputFact) else None

    def model_layer_calls(self, model: ModelValue) -> list[LayerCallFact]:
        roots = {fact.id for fact in model.input_facts}
        found = []
        for fact in self.layer_calls:
            if fact.model is model or (model.kind != "sequential" and roots and fact.roots and fact.roots <= roots):
                found.append(fact)
        return found
