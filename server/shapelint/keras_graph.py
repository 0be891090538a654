"""A Keras model's layers as Keras lists them: `model.layers`, `model.get_layer(...)`.

A Sequential model lists the layers it was given (without a leading InputLayer). A functional
model lists its graph's operations the way Keras's `map_graph` orders them: by depth from the
outputs (inputs first), ties broken by the order a depth-first walk from the outputs meets them,
each InputLayer included and each shared layer once. The walk follows the tensors' producers
(ProgramFacts.producer); a tensor made by something the facts do not record (a nested model, an
op on tensors) makes the order unknown, and unknown is None.
"""

from __future__ import annotations

from shapelint.facts import InputFact, LayerCallFact, LayerValue, ModelValue, ProgramFacts
from shapelint.values import UNKNOWN, Const, ObjectValue, Seq, TensorValue, Value

INPUT_LAYER = "keras.layers.InputLayer"
_MAX_NODES = 4000  # a graph larger than this is not walked: its layers stay unknown

Node = InputFact | LayerCallFact


class _Unknowable(Exception):
    """The graph holds a tensor whose producer is not recorded."""


def input_layer(fact: InputFact) -> ObjectValue:
    """The InputLayer of a declared input, as `model.layers[0]` of a functional model gives it."""
    return ObjectValue(INPUT_LAYER, fact)


def model_layers(facts: ProgramFacts, model: ModelValue) -> list[Value] | None:
    """`model.layers`, or None when it is not known."""
    if model.kind == "sequential":
        if model.broken:
            return None  # an item it could not model is missing from its list: positions would shift
        listed: list[Value] = list(model.layers)
        if listed and isinstance(listed[0], LayerValue) and listed[0].kind == INPUT_LAYER:
            listed = listed[1:]  # Keras leaves the leading InputLayer out
        return listed
    if model.kind != "functional" or model.broken or not model.inputs or not model.outputs:
        return None
    try:
        return _functional_layers(facts, model)
    except (_Unknowable, RecursionError):
        return None


def _functional_layers(facts: ProgramFacts, model: ModelValue) -> list[Value]:
    """Keras's `map_graph` on the recorded graph: operations by decreasing depth, then traversal order."""
    inputs = {tensor.uid for tensor in model.inputs}
    finished: set[int] = set()
    in_progress: set[int] = set()
    ordered: list[Node] = []  # nodes in decreasing depth (a post-order walk)
    operation_index: dict[int, int] = {}
    operations: dict[int, Value] = {}

    def operation(node: Node) -> tuple[int, Value]:
        if isinstance(node, InputFact):
            return id(node), input_layer(node)
        return id(node.layer), node.layer

    def walk(tensor: Value) -> None:
        node = facts.producer(tensor)
        if node is None:
            raise _Unknowable()
        if id(node) in finished:
            return
        if isinstance(node, LayerCallFact) and isinstance(tensor, TensorValue) and tensor.uid in inputs:
            raise _Unknowable()  # an intermediate tensor used as a model input: not modelled
        if id(node) in in_progress or len(finished) > _MAX_NODES:
            raise _Unknowable()
        key, value = operation(node)
        operation_index.setdefault(key, len(operation_index))
        operations[key] = value
        in_progress.add(id(node))
        if isinstance(node, LayerCallFact):
            for item in node.inputs:
                walk(item)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for output in model.outputs:
        walk(output)
    node_depth: dict[int, int] = {}
    operation_depth: dict[int, int] = {}
    by_id = {id(node): node for node in ordered}
    for node in reversed(ordered):
        key = operation(node)[0]
        depth = max(node_depth.setdefault(id(node), 0), operation_depth.get(key, 0))
        operation_depth[key] = depth
        node_depth[id(node)] = depth
        parents = node.inputs if isinstance(node, LayerCallFact) else ()
        for item in parents:
            parent = facts.producer(item)
            if parent is not None and id(parent) in by_id:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for fact in model.input_facts:  # inputs the outputs do not use are still listed
        if id(fact) not in operation_depth:
            operation_depth[id(fact)] = 0
            operation_index[id(fact)] = -1
            operations[id(fact)] = input_layer(fact)
    keys = sorted(operation_depth, key=lambda key: (-operation_depth[key], operation_index[key]))
    return [operations[key] for key in keys]


def layer_name(layer: Value) -> str | None:
    """The name a layer was given (`name="..."`), or None when Keras makes one up."""
    if isinstance(layer, LayerValue):
        name = layer.config.get("name")
        return name.value if isinstance(name, Const) and isinstance(name.value, str) else None
    if isinstance(layer, ObjectValue) and isinstance(layer.state, InputFact):
        return layer.state.name
    if isinstance(layer, ModelValue):
        return None
    return None


def get_layer(layers: list[Value], name: Value | None, index: Value | None) -> Value:
    """`model.get_layer(name=...)` or `get_layer(index=...)`; UNKNOWN when not certain."""
    if index is not None and isinstance(index, Const) and isinstance(index.value, int) and name is None:
        try:
            return layers[index.value]
        except IndexError:
            return UNKNOWN
    if not (isinstance(name, Const) and isinstance(name.value, str)):
        return UNKNOWN
    found = [layer for layer in layers if layer_name(layer) == name.value]
    return found[0] if len(found) == 1 else UNKNOWN


def layers_value(layers: list[Value] | None) -> Value:
    return Seq(tuple(layers), "list") if layers else UNKNOWN
