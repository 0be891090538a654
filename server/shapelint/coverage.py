"""How much of a program's data and model shapes the engine knows, and why the rest is unknown.

`shapelint coverage` reads this: per file, the model inputs declared, the data given to
fit/evaluate/predict (x and y separately) and the layer outputs, each known or unknown, and
for each unknown the first cause the interpreter recorded (`UnknownReason.label`), so causes
group and count across files. Pure: it reads an analysis' facts and nothing else.

    sites = coverage_sites(analysis)          # one Site per input, feed, layer call
    summary = summarize([FileCoverage(path, sites)])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import libcst as cst

from shapelint.engine import Analysis
from shapelint.facts import FeedFact, InputFact, LayerCallFact, ProgramFacts, UnknownReason
from shapelint.source import NodeRef
from shapelint.values import UNKNOWN, ArrayValue, DictValue, InstanceValue, ObjectValue, Seq, TensorValue, Value

# What is counted, in report order.
CATEGORIES = ("inputs", "feeds", "feed_x", "feed_y", "layer_outputs")
CATEGORY_TITLES = {
    "inputs": "Input declarations",
    "feeds": "fit/evaluate/predict calls",
    "feed_x": "  their x",
    "feed_y": "  their y",
    "layer_outputs": "layer outputs",
}
NO_REASON = "(no reason recorded)"
_FEED_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch"})
_TAKES_Y = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})
_MAX_TRACE = 200  # layer-to-layer steps followed back to a first cause


@dataclass(frozen=True)
class Site:
    """One counted place: known, or unknown with the cause's label (group key) and line."""

    category: str
    line: int  # 1-based; relative to the cell in notebooks
    cell: int | None  # 0-based code cell index, notebooks only
    known: bool
    reason: str | None = None
    detail: str | None = None  # the cause in words, for one file's listing


@dataclass(frozen=True)
class FileCoverage:
    path: str
    sites: tuple[Site, ...] = ()
    error: str | None = None  # the file could not be analysed


@dataclass(frozen=True)
class Count:
    known: int = 0
    total: int = 0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.known / self.total if self.total else None


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int
    by_category: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    files: int
    errors: int
    counts: dict[str, Count]
    reasons: tuple[ReasonCount, ...]  # most frequent first


def counts(sites: Iterable[Site]) -> dict[str, Count]:
    """Known and total per category."""
    known: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for site in sites:
        total[site.category] += 1
        known[site.category] += site.known
    return {category: Count(known[category], total[category]) for category in CATEGORIES}


def summarize(files: Sequence[FileCoverage]) -> Summary:
    """Totals over files, and the causes of unknowns grouped and sorted by count (then by name)."""
    sites = [site for file in files for site in file.sites]
    by_reason: dict[str, Counter[str]] = {}
    for site in sites:
        if not site.known:
            by_reason.setdefault(site.reason or NO_REASON, Counter())[site.category] += 1
    # `feeds` repeats the cause of its x or y: each unknown place counts once.
    reasons = sorted(
        (ReasonCount(reason, sum(c.values()) - c["feeds"], dict(c)) for reason, c in by_reason.items()),
        key=lambda r: (-r.count, r.reason),
    )
    return Summary(len(files), sum(1 for f in files if f.error), counts(sites), tuple(reasons))


def coverage_sites(analysis: Analysis) -> tuple[Site, ...]:
    """Every input, feed and layer output of an analysed document, known or with its first cause."""
    return _Collector(analysis).collect()


class _Collector:
    def __init__(self, analysis: Analysis) -> None:
        self.program = analysis.program
        self.facts: ProgramFacts = analysis.facts
        self.layer_reasons: dict[int, UnknownReason | str | None] = {}
        self.steps = 0

    def collect(self) -> tuple[Site, ...]:
        found: dict[tuple[str, int, int], Site] = {}

        def add(category: str, ref: NodeRef | None, known: bool, reason: UnknownReason | str | None) -> None:
            if ref is None:
                return
            key = (category, ref.chunk, id(ref.node))
            previous = found.get(key)
            if previous is not None and (previous.known or known is False):
                return  # a function run twice counts once; known on any run is known
            found[key] = self.site(category, ref, known, reason)

        for fact in self.facts.inputs:
            add(
                "inputs", fact.call, self.input_known(fact), None if self.input_known(fact) else self.input_reason(fact)
            )
        for feed in self.facts.feeds:
            if feed.method not in _FEED_METHODS:
                continue
            where = feed.x_node or feed.call
            x_known = _known(feed.x)
            add("feed_x", where, x_known, None if x_known else self.value_reason(feed.x, feed.x_node))
            has_y = feed.method in _TAKES_Y and (feed.y_node is not None or feed.dataset is not None or feed.validation)
            y_known = _known(feed.y)
            if has_y:
                add(
                    "feed_y", feed.y_node or where, y_known, None if y_known else self.value_reason(feed.y, feed.y_node)
                )
            both = x_known and (y_known or not has_y)
            cause = None
            if not both:
                cause = (
                    self.value_reason(feed.x, feed.x_node) if not x_known else self.value_reason(feed.y, feed.y_node)
                )
            add("feeds", _feed_ref(feed), both, cause)
        for call in self.facts.layer_calls:
            known = _known(call.output)
            add("layer_outputs", call.call, known, None if known else self.layer_reason(call))
        for model in self.facts.models:
            if model.kind != "sequential":
                continue
            for layer in model.layers:
                # A Sequential never given an input shape applies no layer: each output is unknown.
                if getattr(layer, "calls", None) == [] and getattr(layer, "kind", "") != "keras.layers.InputLayer":
                    add("layer_outputs", layer.node, False, self.unbuilt_reason(model))
        return tuple(sorted(found.values(), key=lambda s: (s.cell or 0, s.line, CATEGORIES.index(s.category))))

    def site(self, category: str, ref: NodeRef, known: bool, reason: UnknownReason | str | None) -> Site:
        span = self.program.node_range(ref)
        line, cell = 1, None
        if span is not None:
            position, cell = self.program.to_cell_position(span.start)
            line = position.line + 1
        if known:
            return Site(category, line, cell, True)
        if isinstance(reason, UnknownReason):
            return Site(category, line, cell, False, reason.label, reason.detail)
        return Site(category, line, cell, False, reason or NO_REASON, reason)

    # Causes ------------------------------------------------------------------------------------

    def input_known(self, fact: InputFact) -> bool:
        if fact.per_sample.dims is None:
            return False
        # A dim that came from an unknown expression reads as None: the rank is known, the size not.
        return not (isinstance(fact.shape_value, Seq) and any(i is UNKNOWN for i in fact.shape_value.items))

    def input_reason(self, fact: InputFact) -> UnknownReason | str | None:
        node = fact.shape_node
        if node is None:
            return "input shape not given"
        reason = self.facts.reason_at(node)
        if reason is None and isinstance(node.node, (cst.Tuple, cst.List)):
            for element in node.node.elements:
                reason = self.facts.reason_at(NodeRef(node.chunk, element.value))
                if reason is not None:
                    break
        return reason or "input shape not a literal the engine follows"

    def value_reason(self, value: Value, ref: NodeRef | None) -> UnknownReason | str | None:
        reason = self.facts.reason_at(ref)
        if reason is not None:
            return reason
        if ref is not None and isinstance(ref.node, (cst.Tuple, cst.List)):
            for element in ref.node.elements:
                reason = self.facts.reason_at(NodeRef(ref.chunk, element.value))
                if reason is not None:
                    return reason
        if isinstance(value, InstanceValue):
            return f"instance of a class defined in the file (`{value.cls.node.name.value}`)"
        if isinstance(value, ObjectValue):
            return f"`{value.cls}` object has no modelled shape"
        if isinstance(value, TensorValue):
            return self.tensor_reason(value)
        if value is UNKNOWN and ref is None:
            return "not given"
        return None

    def tensor_reason(self, tensor: TensorValue) -> UnknownReason | str | None:
        producer = self.facts.producer(tensor)
        if isinstance(producer, InputFact):
            return self.input_reason(producer)
        if isinstance(producer, LayerCallFact):
            return self.layer_reason(producer)
        return "tensor from a call the engine does not follow"

    def layer_reason(self, call: LayerCallFact) -> UnknownReason | str | None:
        key = id(call)
        if key in self.layer_reasons:
            return self.layer_reasons[key]
        self.layer_reasons[key] = None  # a cycle, or the budget: no cause
        self.steps += 1
        if self.steps > _MAX_TRACE:
            return None
        reason = self._layer_reason(call)
        self.layer_reasons[key] = reason
        return reason

    def _layer_reason(self, call: LayerCallFact) -> UnknownReason | str | None:
        for value in call.inputs:
            if isinstance(value, TensorValue) and value.shape.dims is None:
                return self.tensor_reason(value)
            if not isinstance(value, TensorValue):
                return self.value_reason(value, _first_argument(call.call)) or "layer input is not a Keras tensor"
        if call.problem is not None:
            return "after a shape finding on this layer"
        if call.layer.spec is None:
            return UnknownReason("library", call.layer.kind, "layer not in the catalog")
        args = call.layer.args
        if args is not None:
            for ref in (*args.arg_nodes, *args.kwarg_nodes.values()):
                reason = self.facts.reason_at(ref)
                if reason is not None:
                    return reason
        return UnknownReason("library", call.layer.kind, "output shape unknown for these arguments")

    def unbuilt_reason(self, model: object) -> UnknownReason | str | None:
        applied = [call for call in self.facts.layer_calls if call.model is model]
        if applied and not _known(applied[-1].output):
            return self.layer_reason(applied[-1])  # the model stopped at an unknown or faulty layer
        if getattr(model, "inputs", None):
            return "after a layer the engine could not follow"
        for feed in self.facts.feeds:
            if feed.model is model and not _known(feed.x):
                return self.value_reason(feed.x, feed.x_node)
        return "Sequential model with no input shape"


def _known(value: Value) -> bool:
    """An array or tensor of known rank, or a structure of them (multi-input data)."""
    if isinstance(value, (ArrayValue, TensorValue)):
        return value.shape.dims is not None
    if isinstance(value, Seq):
        return bool(value.items) and all(_known(item) for item in value.items)
    if isinstance(value, DictValue):
        return bool(value.values) and all(_known(item) for item in value.values)
    return False


def _feed_ref(feed: FeedFact) -> NodeRef | None:
    # validation_data is counted at its own expression, so it does not merge with the fit() call.
    return feed.x_node if feed.validation else feed.call


def _first_argument(ref: NodeRef | None) -> NodeRef | None:
    if ref is None or not isinstance(ref.node, cst.Call) or not ref.node.args:
        return None
    return NodeRef(ref.chunk, ref.node.args[0].value)


# Presentation --------------------------------------------------------------------------------


def _ratio(count: Count) -> str:
    percent = count.percent
    return f"{count.known}/{count.total}" + (f" ({percent:.0f}%)" if percent is not None else "")


def text_report(files: Sequence[FileCoverage], show_files: bool = True) -> str:
    """The human report: a line per file, the totals, then the causes of unknowns by count."""
    summary = summarize(files)
    lines: list[str] = []
    if show_files:
        for file in files:
            if file.error:
                lines.append(f"{file.path}: not analysed ({file.error})")
                continue
            c = counts(file.sites)
            lines.append(
                f"{file.path}: inputs {_ratio(c['inputs'])}, feeds {_ratio(c['feeds'])} "
                f"(x {_ratio(c['feed_x'])}, y {_ratio(c['feed_y'])}), layer outputs {_ratio(c['layer_outputs'])}"
            )
        lines.append("")
    errors = f", {summary.errors} not analysed" if summary.errors else ""
    lines.append(f"Total over {summary.files} files{errors}: known / counted")
    for category in CATEGORIES:
        count = summary.counts[category]
        percent = f"{count.percent:5.1f}%" if count.percent is not None else "    -"
        lines.append(f"  {CATEGORY_TITLES[category]:<28} {count.known:>5} / {count.total:<5} {percent}")
    lines.append("")
    if summary.reasons:
        lines.append("Why unknown (each unknown counted once, by its first cause; i=inputs x/y=feeds l=layers):")
        for reason in summary.reasons:
            parts = (
                f"i{reason.by_category.get('inputs', 0)} x{reason.by_category.get('feed_x', 0)} "
                f"y{reason.by_category.get('feed_y', 0)} l{reason.by_category.get('layer_outputs', 0)}"
            )
            lines.append(f"  {reason.count:>5}  {reason.reason}  [{parts}]")
    else:
        lines.append("Nothing unknown.")
    return "\n".join(lines)


def json_report(files: Sequence[FileCoverage]) -> dict[str, object]:
    """The machine report (schema in README: files, total, reasons)."""
    summary = summarize(files)

    def count_map(values: dict[str, Count]) -> dict[str, dict[str, int]]:
        return {k: {"known": v.known, "total": v.total} for k, v in values.items()}

    return {
        "files": [
            {
                "path": file.path,
                "error": file.error,
                "counts": count_map(counts(file.sites)),
                "unknown": [
                    {
                        "category": site.category,
                        "line": site.line,
                        "cell": site.cell + 1 if site.cell is not None else None,
                        "reason": site.reason,
                        "detail": site.detail,
                    }
                    for site in file.sites
                    if not site.known
                ],
            }
            for file in files
        ],
        "total": {"files": summary.files, "errors": summary.errors, "counts": count_map(summary.counts)},
        "reasons": [
            {"reason": r.reason, "count": r.count, "by_category": dict(sorted(r.by_category.items()))}
            for r in summary.reasons
        ],
    }
