"""The engine's side of TensorFlow confirmation: describe models, then apply the answers.

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
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

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
    """One model to confirm: its description and the places its findings can be reported at."""

    model: ModelValue
    description: ModelDescription
    places: set[Range] = field(default_factory=set)
    unknown_layers: dict[str, tuple[LayerValue, tuple[Shape, ...]]] = field(default_factory=dict)


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
        cases.append(case)
    return cases


def apply_confirmations(
    diagnostics: Sequence[Diagnostic],
    answers: Iterable[tuple[ModelCase, Confirmation]],
) -> tuple[Diagnostic, ...]:
    """Diagnostics with TensorFlow's verdicts applied: confirmed, withdrawn, or left as they were."""
    verdicts: dict[Range, Confirmation] = {}
    notes: list[Diagnostic] = []
    model_findings = [d for d in diagnostics if d.code in MODEL_CODES]
    for case, confirmation in answers:
        if confirmation.status == "no-error" and case.description.keras_major < 3 and confirmation.keras_major != 2:
            continue  # Keras 3 answered: its "builds fine" proves nothing for Keras 2 code
        for place in case.places:
            verdicts.setdefault(place, confirmation)
        note = _build_error_note(case, confirmation, model_findings)
        if note is not None and note not in notes:
            notes.append(note)
    result = []
    for diagnostic in diagnostics:
        confirmation = verdicts.get(diagnostic.range) if diagnostic.code in MODEL_CODES else None
        if confirmation is None or confirmation.status == "unconfirmed":
            result.append(diagnostic)
        elif confirmation.status == "no-error":
            log.info(
                "withdrawn: TensorFlow %s builds and feeds the model without error: %s %s",
                confirmation.tf_version,
                diagnostic.code,
                diagnostic.message,
            )
        else:
            result.append(
                replace(diagnostic, confirmed=True, message=_with_tensorflow_text(diagnostic, confirmation))
            )
    return tuple(result) + tuple(notes)


def _build_error_note(case: ModelCase, confirmation: Confirmation, findings: Sequence[Diagnostic]) -> Diagnostic | None:
    """An SL002 note at the model's first finding when Keras failed for a reason other than shapes."""
    error = confirmation.error
    if error is None or not error.is_unrelated_keras_error:
        return None
    mine = sorted((d for d in findings if d.range in case.places), key=lambda d: (d.cell or 0, d.range))
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


def confirm_document(
    source: str | Sequence[str],
    config: Config,
    client: object,
    notebook: bool = False,
    *,
    path: Path | str | None = None,
    root: str | None = None,
    budget: ConfirmBudget | None = None,
) -> tuple[Analysis, tuple[Diagnostic, ...]]:
    """Analyse, confirm the models that have findings or layers the catalog does not know, and,
    when TensorFlow taught the engine new layer shapes, analyse once more with them.

    `path` scopes the answer cache to the file's workspace and, with `root`, says where the document
    is, so the data files it reads are read again; `budget` bounds the whole run."""
    budget = budget if budget is not None else ConfirmBudget(None)
    scope = _scope(path)
    where = str(path) if path is not None else None

    def run(learned: Mapping[str, Shape] | None) -> Analysis:
        if notebook:
            return analyze_notebook(list(source), config, path=where, root=root, learned=learned)
        return analyze(str(source), config, path=where, root=root, learned=learned)

    analysis = run(None)
    answers = _confirm_cases(analysis, client, config.target_keras, scope, budget)
    learned: dict[str, Shape] = {}
    for case, confirmation in answers:
        learned.update(learned_shapes(case, confirmation))
    if learned:
        analysis = run(learned)
        answers = _confirm_cases(analysis, client, config.target_keras, scope, budget)
    return analysis, apply_confirmations(analysis.diagnostics, answers)


def _scope(path: Path | str | None) -> str:
    from shapelint.confirm.cache import workspace_scope

    return workspace_scope(path)


def _confirm_cases(
    analysis: Analysis, client: object, keras_major: int, scope: str = "", budget: ConfirmBudget | None = None
) -> list[tuple[ModelCase, Confirmation]]:
    findings = {d.range for d in analysis.diagnostics if d.code in MODEL_CODES}
    answers = []
    for case in describe_models(analysis, keras_major):
        if not (case.places & findings or case.unknown_layers):
            continue
        if budget is not None and budget.spent():
            continue  # left unconfirmed; the caller says once that the budget ran out
        deadline = budget.deadline if budget is not None else None
        confirmation = client.confirm(case.description, deadline=deadline, scope=scope)  # type: ignore[attr-defined]
        if budget is not None and confirmation.status == "unconfirmed" and budget.spent():
            continue  # cut short by the budget: no verdict
        answers.append((case, confirmation))
    return answers


class EditorConfirmer:
    """Confirmation for the language server: one lazily started worker, shared by all documents."""

    def __init__(self) -> None:
        self._client: object | None = None
        self.enable_message: str | None = None

    @property
    def starting(self) -> bool:
        """The next confirmation will start TensorFlow (seconds): worth a progress notification."""
        from shapelint.confirm import tensorflow_available

        client = self._client
        return tensorflow_available() and (client is None or client.worker_pid is None)  # type: ignore[attr-defined]

    def _ready_client(self) -> object | None:
        from shapelint.confirm import (
            ENABLE_MESSAGE,
            ConfirmCache,
            ConfirmClient,
            default_cache_dir,
            tensorflow_available,
        )

        if self._client is None:
            if not tensorflow_available():
                if self.enable_message is None:
                    log.warning("%s", ENABLE_MESSAGE)
                self.enable_message = ENABLE_MESSAGE
                return None
            self._client = ConfirmClient(cache=ConfirmCache(directory=default_cache_dir()))
        return self._client

    def confirm(self, analysis: Analysis, config: Config, path: str | None) -> Sequence[Diagnostic] | None:
        """The analysis's diagnostics with TensorFlow's verdicts, or None when there is nothing to add."""
        client = self._ready_client()
        if client is None:
            return None
        scope = _scope(path)
        answers = _confirm_cases(analysis, client, config.target_keras, scope)
        if not answers:
            return None
        learned: dict[str, Shape] = {}
        for case, confirmation in answers:
            learned.update(learned_shapes(case, confirmation))
        if learned and not analysis.program.is_notebook:
            workspace = analysis.workspace
            analysis = analyze(
                "\n".join(analysis.program.lines),
                config,
                path=workspace.document if workspace else path,
                root=workspace.root if workspace else None,
                learned=learned,
            )
            answers = _confirm_cases(analysis, client, config.target_keras, scope)
        return apply_confirmations(analysis.diagnostics, answers)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # type: ignore[attr-defined]


def create_lsp_confirmer() -> EditorConfirmer:
    return EditorConfirmer()
