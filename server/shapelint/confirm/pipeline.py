"""The confirmation pipeline: analyse, confirm with TensorFlow, learn, analyse again.

One loop for every shell: `shapelint check --confirm` runs it synchronously, the language
server off the typing path (`lsp/background_confirmation.py`). Pure: no LSP, no argparse.

    document = SourceDocument(("...text...",), config, path=path, root=root)
    run = confirm(document, client)             # client: the worker's (`open_client()`)
    run.diagnostics                             # confirmed, withdrawn, or left as they were

`describe_models` turns the models the interpreter resolved into `ModelDescription`s
(literal layer configs only: a model with any non-literal argument is not sent).
`apply_confirmations` then marks each static diagnostic of a model TensorFlow rejected with
a shape error as confirmed (with TensorFlow's own message), and withdraws the diagnostics
of a model TensorFlow built and fed without error. Any other Keras error (a typo'd
activation, a bad argument) confirms nothing: the findings stay as they were and one
information-level SL002 note says what stopped TensorFlow. No verdict leaves a diagnostic
as it was. A `ConfirmBudget` bounds a whole run; what it leaves unasked stays unconfirmed.
`learned_shapes` returns what the worker said about layers the static catalog does not know,
for the next analysis to use.

A model's places are program ranges; a notebook's diagnostics carry cell-relative ranges,
so findings are matched to models in program coordinates (`program_range`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from shapelint.config import Config
from shapelint.confirm.description import ArraySpec, Feed, InputSpec, LayerNode, ModelDescription, NestedLayer
from shapelint.confirm.result import Confirmation
from shapelint.diagnostics import Diagnostic, Range, Severity
from shapelint.engine import Analysis, analyze, analyze_notebook
from shapelint.facts import FeedFact, InputFact, LayerCallFact, LayerValue, ModelValue, ProgramFacts, layer_signature
from shapelint.knowledge.losses import loss_name
from shapelint.shapes import Shape
from shapelint.source import NodeRef, Program
from shapelint.values import ArrayValue, Seq, TensorValue, Value, literal

if TYPE_CHECKING:
    from shapelint.confirm.client import ConfirmClient

log = logging.getLogger("shapelint.confirm")

# Codes whose findings are about one model, and so can be confirmed or withdrawn by rebuilding it.
MODEL_CODES = frozenset({"SL101", "SL102", "SL103", "SL104", "SL105", "SL106", "SL107", "SL108", "SL109"})
_INPUT_DECLARATIONS = ("input_shape", "input_dim", "batch_input_shape", "batch_size")
# The information-level note for a model TensorFlow could not build for a reason other than shapes.
BUILD_ERROR_CODE = "SL002"
# Seconds one `check --confirm` run may spend on TensorFlow, worker start included.
DEFAULT_RUN_BUDGET_SECONDS = 60.0


@dataclass
class ConfirmBudget:
    """One time budget for a whole confirmation run (all files, all models, the worker's start).

    Once it is spent no more models are sent; their findings stay unconfirmed and
    `exhausted` records that this happened, so the caller can say so once.
    """

    seconds: float | None = DEFAULT_RUN_BUDGET_SECONDS
    started: float = field(default_factory=time.monotonic)
    exhausted: bool = False

    @property
    def deadline(self) -> float | None:
        """The `time.monotonic()` at which the budget runs out (None: unlimited)."""
        return None if self.seconds is None else self.started + self.seconds

    def spent(self) -> bool:
        """True (and remembered) once no time is left."""
        deadline = self.deadline
        if deadline is not None and time.monotonic() >= deadline:
            self.exhausted = True
        return self.exhausted


class NotDescribable(Exception):
    """A model the worker cannot rebuild from literals alone."""


@dataclass
class ModelCase:
    """One model to confirm: its description and the places its findings can be reported at.

    `places` are program ranges; `program` maps a notebook finding's cell range onto them."""

    model: ModelValue
    description: ModelDescription
    places: set[Range] = field(default_factory=set)
    unknown_layers: dict[str, tuple[LayerValue, tuple[Shape, ...]]] = field(default_factory=dict)
    program: Program | None = None

    def reports(self, diagnostic: Diagnostic) -> bool:
        """True when `diagnostic` is a finding about this model (matched in program coordinates)."""
        return diagnostic.code in MODEL_CODES and program_range(self.program, diagnostic) in self.places


def program_range(program: Program | None, diagnostic: Diagnostic) -> Range:
    """Where a diagnostic lies in its program: a notebook finding's range is relative to its cell."""
    if program is None or diagnostic.cell is None:
        return diagnostic.range
    start, end = diagnostic.range.start, diagnostic.range.end
    return Range(program.to_program_position(start, diagnostic.cell), program.to_program_position(end, diagnostic.cell))


def describe_models(analysis: Analysis, keras_major: int) -> list[ModelCase]:
    """Every model of the analysis that can be rebuilt from literal configs."""
    cases = []
    for model in analysis.facts.models:
        try:
            case = _describe(model, analysis.facts, keras_major)
        except NotDescribable as reason:
            log.debug("model %s not sent to TensorFlow: %s", model.name, reason)
            continue
        case.places = _places(model, analysis.facts, analysis.program)
        case.program = analysis.program
        cases.append(case)
    return cases


def apply_confirmations(
    diagnostics: Sequence[Diagnostic],
    answers: Iterable[tuple[ModelCase, Confirmation]],
) -> tuple[Diagnostic, ...]:
    """Diagnostics with TensorFlow's verdicts applied: confirmed, withdrawn, or left as they were.

    A finding takes the verdict of the first model (in `answers` order) it is about."""
    verdicts: list[tuple[ModelCase, Confirmation]] = []
    notes: list[Diagnostic] = []
    model_findings = [d for d in diagnostics if d.code in MODEL_CODES]
    for case, confirmation in answers:
        if confirmation.status == "no-error" and case.description.keras_major < 3 and confirmation.keras_major != 2:
            continue  # Keras 3 answered: its "builds fine" proves nothing for Keras 2 code
        verdicts.append((case, confirmation))
        note = _build_error_note(case, confirmation, model_findings)
        if note is not None and note not in notes:
            notes.append(note)
    result = []
    for diagnostic in diagnostics:
        verdict = next((answer for case, answer in verdicts if case.reports(diagnostic)), None)
        if verdict is None or verdict.status == "unconfirmed":
            result.append(diagnostic)
        elif verdict.status == "no-error":
            log.info(
                "withdrawn: TensorFlow %s builds and feeds the model without error: %s %s",
                verdict.tf_version,
                diagnostic.code,
                diagnostic.message,
            )
        else:
            result.append(replace(diagnostic, confirmed=True, message=_with_tensorflow_text(diagnostic, verdict)))
    return tuple(result) + tuple(notes)


def _build_error_note(case: ModelCase, confirmation: Confirmation, findings: Sequence[Diagnostic]) -> Diagnostic | None:
    """An SL002 note at the model's first finding when Keras failed for a reason other than shapes."""
    error = confirmation.error
    if error is None or not error.is_unrelated_keras_error:
        return None
    mine = sorted((d for d in findings if case.reports(d)), key=lambda d: (d.cell or 0, d.range))
    if not mine:
        return None
    lines = [line for line in error.message.strip().splitlines() if line.strip()][:4]
    return Diagnostic(
        code=BUILD_ERROR_CODE,
        message=(
            f"{confirmation.answered_by} could not build this model, so its shape findings stay unconfirmed: "
            + "\n".join(lines)
        ),
        range=mine[0].range,
        severity=Severity.INFORMATION,
        cell=mine[0].cell,
    )


def learned_shapes(case: ModelCase, confirmation: Confirmation) -> dict[str, Shape]:
    """Output shapes TensorFlow reported for layers the static catalog does not know."""
    learned: dict[str, Shape] = {}
    for node_id, (layer, input_shapes) in case.unknown_layers.items():
        shapes = confirmation.shapes_of(node_id)
        if shapes and len(shapes) == 1:
            learned[layer_signature(layer, input_shapes)] = Shape(tuple(shapes[0]))
    return learned


def _with_tensorflow_text(diagnostic: Diagnostic, confirmation: Confirmation) -> str:
    error = confirmation.error
    text = (error.message if error is not None else "").strip()
    lines = [line for line in text.splitlines() if line.strip()][:4]
    quoted = "\n".join(lines)
    return (
        f"{diagnostic.message}\nConfirmed by {confirmation.answered_by}: {quoted}" if quoted else diagnostic.message
    )


# Building descriptions ---------------------------------------------------------------------------


def _literal(value: Value) -> object:
    if isinstance(value, LayerValue):
        args = value.args
        if args is None:
            raise NotDescribable("a nested layer without its arguments")
        return NestedLayer(
            value.kind,
            tuple(_literal(a) for a in args.args),
            tuple((k, _literal(v)) for k, v in args.kwargs.items()),
        )
    try:
        plain = literal(value)
    except ValueError:
        raise NotDescribable(f"non-literal argument {value.describe()}") from None
    return _lists(plain)


def _lists(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    if isinstance(value, dict):
        raise NotDescribable("dict arguments")
    return value


def _layer_node(layer: LayerValue, node_id: str, inputs: tuple[str, ...], strip_input: bool) -> LayerNode:
    args = layer.args
    if args is None or args.has_star:
        raise NotDescribable(f"{layer.short_name} arguments not known")
    kwargs = tuple(
        (k, _literal(v)) for k, v in args.kwargs.items() if not (strip_input and k in _INPUT_DECLARATIONS)
    )
    return LayerNode(node_id, layer.kind, tuple(_literal(a) for a in args.args), kwargs, inputs)  # type: ignore[arg-type]


def _input_spec(index: int, fact: InputFact) -> InputSpec:
    dims = fact.per_sample.dims
    if dims is None:
        raise NotDescribable("an input of unknown shape")
    batch = fact.tensor.shape.dims[0] if fact.tensor.shape.dims else None
    return InputSpec(f"in{index}", dims, batch, fact.tensor.dtype, fact.name)


def _array_spec(value: Value) -> ArraySpec:
    if not isinstance(value, ArrayValue) or not value.shape.fully_known or not value.shape.dims:
        raise NotDescribable("data of unknown shape")
    return ArraySpec(tuple(d for d in value.shape.dims if d is not None), value.dtype or "float32")


def _feeds(model: ModelValue, facts: ProgramFacts) -> tuple[Feed, ...]:
    feeds = []
    for feed in facts.feeds:
        if feed.model is not model:
            continue
        try:
            x = feed.x
            xs = tuple(_array_spec(item) for item in x.items) if isinstance(x, Seq) else (_array_spec(x),)
            ys = () if not isinstance(feed.y, ArrayValue) else (_array_spec(feed.y),)
        except NotDescribable:
            continue
        method = "validation_data" if feed.validation else feed.method
        if method == "__call__":
            method = "predict"
        if method not in ("fit", "evaluate", "predict", "train_on_batch", "validation_data"):
            continue
        feeds.append(Feed(method, xs, ys))  # type: ignore[arg-type]
    return tuple(feeds)


def _describe(model: ModelValue, facts: ProgramFacts, keras_major: int) -> ModelCase:
    if model.broken or model.kind not in ("sequential", "functional"):
        raise NotDescribable(f"{model.kind} model")
    inputs = tuple(_input_spec(i, fact) for i, fact in enumerate(model.input_facts))
    loss = loss_name(model.loss)
    layers: list[LayerNode] = []
    unknown: dict[str, tuple[LayerValue, tuple[Shape, ...]]] = {}
    if model.kind == "sequential":
        strip = bool(model.input_facts) and model.input_facts[0].source in _INPUT_DECLARATIONS
        for index, layer in enumerate(model.layers):
            if not isinstance(layer, LayerValue) or layer.kind == "keras.layers.InputLayer":
                raise NotDescribable("a nested model or InputLayer in a Sequential")
            node_id = f"l{index}"
            layers.append(_layer_node(layer, node_id, (), strip and index == 0))
            _note_unknown(layer, node_id, unknown)
        outputs: tuple[str, ...] = ()
    else:
        tensor_refs: dict[int, str] = {
            fact.tensor.uid: f"input:in{i}" for i, fact in enumerate(model.input_facts)
        }
        for call in facts.model_layer_calls(model):
            node_id = f"l{len(layers)}"
            refs = []
            for value in call.inputs:
                ref = tensor_refs.get(value.uid) if isinstance(value, TensorValue) else None
                if ref is None:
                    raise NotDescribable("a layer input from outside the model graph")
                refs.append(ref)
            layers.append(_layer_node(call.layer, node_id, tuple(refs), False))
            if isinstance(call.output, TensorValue):
                tensor_refs[call.output.uid] = node_id
            _note_unknown(call.layer, node_id, unknown, call)
        outputs = tuple(tensor_refs.get(getattr(o, "uid", -1), "") for o in model.outputs)
        if not outputs or "" in outputs:
            raise NotDescribable("an output that is not a layer of the model")
    description = ModelDescription(
        keras_major,
        model.kind,
        inputs,
        tuple(layers),
        outputs,
        loss,  # type: ignore[arg-type]
        _feeds(model, facts),
    )
    return ModelCase(model, description, unknown_layers=unknown)


def _note_unknown(
    layer: LayerValue,
    node_id: str,
    unknown: dict[str, tuple[LayerValue, tuple[Shape, ...]]],
    call: LayerCallFact | None = None,
) -> None:
    if layer.spec is None:
        shapes = call.input_shapes if call is not None else tuple(c.input_shapes[0] for c in layer.calls[:1])
        unknown[node_id] = (layer, tuple(shapes))


# Where a model's findings are reported ------------------------------------------------------------


def _places(model: ModelValue, facts: ProgramFacts, program: Program) -> set[Range]:
    refs: list[NodeRef | None] = []
    for fact in model.input_facts:
        refs.extend([fact.shape_node, fact.call])
    for feed in facts.feeds:
        if feed.model is model:
            refs.extend(_feed_refs(feed))
    roots = {fact.id for fact in model.input_facts}
    for call in facts.layer_calls:
        if call.model is model or (roots and call.roots and call.roots <= roots):
            refs.append(call.call)
    places = set()
    for ref in refs:
        span = program.node_range(ref) if ref is not None else None
        if span is not None:
            places.add(span)
    return places


def _feed_refs(feed: FeedFact) -> list[NodeRef | None]:
    refs: list[NodeRef | None] = [feed.call, feed.x_node, feed.y_node]
    for ref in (feed.x_node,):
        node = ref.node if ref is not None else None
        elements = getattr(node, "elements", None)
        if ref is not None and elements:
            refs.extend(NodeRef(ref.chunk, element.value) for element in elements)
    return refs


# The loop ------------------------------------------------------------------------------------------


class WorkerClient(Protocol):
    """What the pipeline asks of the TensorFlow worker's client (`ConfirmClient`)."""

    def confirm(self, description: ModelDescription, *, deadline: float | None = None, scope: str = "") -> Confirmation:
        """TensorFlow's verdict on one model; never raises for worker faults."""
        ...


@dataclass(frozen=True)
class SourceDocument:
    """What the pipeline analyses, and analyses again with the layer shapes TensorFlow taught:
    a file's text (one segment) or a notebook's code cells, its configuration and where it lies.

    `path` scopes the answer cache to the file's workspace and, with `root`, says where the
    document is, so the data files it reads are read again; `open_files`: the editor's text of
    open files by real path (see `engine.analyze`)."""

    segments: tuple[str, ...]
    config: Config
    notebook: bool = False
    path: str | None = None
    root: str | None = None
    open_files: Mapping[str, str] | None = field(default=None, compare=False)

    def analyze(self, learned: Mapping[str, Shape] | None = None) -> Analysis:
        """The engine's analysis of the document, with `learned` layer shapes."""
        if self.notebook:
            return analyze_notebook(
                self.segments, self.config, path=self.path, root=self.root, learned=learned, open_files=self.open_files
            )
        text = self.segments[0] if self.segments else ""
        return analyze(text, self.config, path=self.path, root=self.root, learned=learned, open_files=self.open_files)


@dataclass(frozen=True)
class ConfirmedAnalysis:
    """The end of one confirmation run."""

    analysis: Analysis  # the last analysis: with the layer shapes TensorFlow taught, when it taught any
    diagnostics: tuple[Diagnostic, ...]  # the analysis's diagnostics with TensorFlow's verdicts applied
    answers: int  # models TensorFlow gave an answer about (0: it had nothing to add)
    learned: Mapping[str, Shape] = field(default_factory=dict)
    cancelled: bool = False  # stopped early: `diagnostics` are the static ones


def confirm(
    document: SourceDocument,
    client: WorkerClient | None,
    *,
    analysis: Analysis | None = None,
    budget: ConfirmBudget | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ConfirmedAnalysis:
    """Analyse (or take `analysis`, the document's current one), confirm the models that have
    findings or layers the catalog does not know, and, when TensorFlow taught the engine new
    layer shapes, analyse once more with them and confirm again.

    `budget` bounds the whole run (default: unlimited); `cancelled` is asked before each model
    is sent and before the second analysis (the editor's document changed: stop)."""
    budget = budget if budget is not None else ConfirmBudget(None)
    stop = cancelled if cancelled is not None else _never
    scope = _scope(document.path)
    analysis = analysis if analysis is not None else document.analyze()
    keras_major = analysis.keras_major  # 2 for tf_keras code, whichever Keras is installed
    answers = _confirm_cases(analysis, client, keras_major, scope, budget, stop)
    asked = len(answers)
    learned: dict[str, Shape] = {}
    for case, confirmation in answers:
        learned.update(learned_shapes(case, confirmation))
    if learned and not stop():
        analysis = document.analyze(learned)
        answers = _confirm_cases(analysis, client, keras_major, scope, budget, stop)
        asked += len(answers)
    if stop():
        return ConfirmedAnalysis(analysis, analysis.diagnostics, asked, learned, cancelled=True)
    return ConfirmedAnalysis(analysis, apply_confirmations(analysis.diagnostics, answers), asked, learned)


def confirm_document(
    source: str | Sequence[str],
    config: Config,
    client: WorkerClient | None,
    notebook: bool = False,
    *,
    path: Path | str | None = None,
    root: str | None = None,
    budget: ConfirmBudget | None = None,
) -> tuple[Analysis, tuple[Diagnostic, ...]]:
    """`confirm` for a file's text (or, with `notebook`, a notebook's code cells): the last
    analysis and its diagnostics with TensorFlow's verdicts."""
    segments = tuple(source) if notebook else (str(source),)
    document = SourceDocument(segments, config, notebook, str(path) if path is not None else None, root)
    run = confirm(document, client, budget=budget)
    return run.analysis, run.diagnostics


def open_client() -> ConfirmClient | None:
    """A client for the TensorFlow worker (started on its first request) with the on-disk answer
    cache, or None when TensorFlow is not installed (`confirm.ENABLE_MESSAGE` says how to get it)."""
    from shapelint.confirm import ConfirmCache, ConfirmClient, default_cache_dir, tensorflow_available

    if not tensorflow_available():
        return None
    return ConfirmClient(cache=ConfirmCache(directory=default_cache_dir()))


def _never() -> bool:
    return False


def _scope(path: Path | str | None) -> str:
    from shapelint.confirm.cache import workspace_scope

    return workspace_scope(path)


def _confirm_cases(
    analysis: Analysis,
    client: WorkerClient | None,
    keras_major: int,
    scope: str,
    budget: ConfirmBudget,
    cancelled: Callable[[], bool],
) -> list[tuple[ModelCase, Confirmation]]:
    answers = []
    for case in describe_models(analysis, keras_major):
        if not (case.unknown_layers or any(case.reports(d) for d in analysis.diagnostics)):
            continue
        if budget.spent() or cancelled():
            continue  # left unconfirmed; the caller says once that the budget ran out
        if client is None:
            continue  # nothing can answer (TensorFlow is not installed)
        confirmation = client.confirm(case.description, deadline=budget.deadline, scope=scope)
        if confirmation.status == "unconfirmed" and budget.spent():
            continue  # cut short by the budget: no verdict
        answers.append((case, confirmation))
    return answers
