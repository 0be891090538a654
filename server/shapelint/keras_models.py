"""Keras model semantics: inputs, layers applied to tensors, Sequential/functional/subclassed models,
applications, compile and the data fed to fit/evaluate/predict.

One `KerasModels` per analysis (`ev.state(KerasModels)`) holds what these need across
statements: the input counter, each model's latest compile, and the feed a subclassed
model's `call()` is being traced with. It records InputFact, LayerCallFact, CompileFact
and FeedFact in the analysis' ProgramFacts for the rules. `knowledge/keras.py` registers
the library names that lead here; this module knows no Python syntax.

    models = ev.state(KerasModels)
    tensor = models.keras_input(call)              # keras.Input(shape=...)
    layer = models.make_layer(name, call)          # keras.layers.Dense(...)
    output = models.apply_layer_call(layer, call)  # layer(tensor)
    model = models.make_functional(call)           # keras.Model(inputs, outputs)
    models.model_method(model, "fit", call)        # records a FeedFact
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from dataclasses import replace

import libcst as cst

from shapelint.calls import CallArgs
from shapelint.facts import CompileFact, FeedFact, InputFact, LayerCallFact, LayerValue, ModelValue, layer_signature
from shapelint.keras_tracing import class_method, lambda_output, user_layer_output
from shapelint.knowledge.applications import application_outcome
from shapelint.knowledge.layers import (
    CATALOG,
    MERGE_FUNCTIONS,
    LayerConfig,
    LayerProblem,
    apply_layer,
    bind_arguments,
    call_tensor_arguments,
)
from shapelint.knowledge.numpy import dtype_name
from shapelint.knowledge.registry import Evaluator
from shapelint.knowledge.tf_data import SampleTracing, data_source, dataset_batches
from shapelint.shapes import UNKNOWN_SHAPE, Dim, Shape, format_shape, shapes_compatible
from shapelint.source import NodeRef
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    DatasetValue,
    DictValue,
    InstanceValue,
    Seq,
    TensorValue,
    Value,
    const_int,
    int_tuple,
)

FEED_METHODS: dict[str, tuple[str, ...]] = {
    "fit": ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data"),
    "evaluate": ("x", "y", "batch_size", "verbose"),
    "predict": ("x", "batch_size", "verbose", "steps"),
    "train_on_batch": ("x", "y"),
    "test_on_batch": ("x", "y"),
    "predict_on_batch": ("x",),
    # Keras 2's Sequential.predict_classes / predict_proba (removed in TensorFlow 2.6).
    "predict_classes": ("x", "batch_size", "verbose"),
    "predict_proba": ("x", "batch_size", "verbose"),
    # Keras 2's names for feeding a generator or a Sequence (the first parameter is `generator`).
    "fit_generator": ("x", "steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data"),
    "evaluate_generator": ("x",),
    "predict_generator": ("x",),
}
_TRAINING = ("fit", "fit_generator")
# Input numbers are unique in the process: the facts of analyses run apart can be merged.
_input_ids = itertools.count(1)


class KerasModels:
    """The Keras side of one analysis: builds inputs, layers and models, and records their facts."""

    def __init__(self, ev: Evaluator) -> None:
        # Weak: the interpreter holds this state, so a strong reference back would make every
        # analysis a reference cycle, freed only by a full garbage collection.
        self._ev = weakref.ref(ev)
        self.facts = ev.facts
        self.learned = ev.learned
        self.compiled: dict[int, CompileFact] = {}  # the latest compile() per model
        self.current_feed: FeedFact | None = None  # data whose shape a subclassed model's call() is traced with
        self.sample_tracing = ev.state(SampleTracing)  # tf.data map functions run on single samples
        self.user_layers: dict[int, InstanceValue] = {}  # Layer subclasses' instances, by id of their LayerValue

    @property
    def ev(self) -> Evaluator:
        ev = self._ev()
        assert ev is not None, "the analysis this state belongs to has ended"
        return ev

    def make_layer(self, name: str, call: CallArgs) -> LayerValue:
        """`keras.layers.X(...)`: a layer with its bound constructor arguments (spec None when not in the catalog)."""
        spec = CATALOG.get(name)
        layer = LayerValue(name, spec, bind_arguments(spec, call.args, call.kwargs), call.node)
        layer.args = call
        return layer

    def merge_function(self, name: str, call: CallArgs) -> Value:
        """`keras.layers.concatenate([a, b])`: the merge layer, made and applied at once."""
        spec = CATALOG[MERGE_FUNCTIONS[name]]
        inputs = call.get(0, "inputs")
        kwargs = {k: v for k, v in call.kwargs.items() if k != "inputs"}
        layer = LayerValue(spec.name, spec, bind_arguments(spec, (), kwargs), call.node)
        layer.args = CallArgs([], kwargs, call.node)
        return self.apply_layer_call(layer, CallArgs([inputs or UNKNOWN], {}, call.node, call.arg_nodes[:1]))

    def subclass_instance(self, instance: InstanceValue, call: CallArgs) -> None:
        """A keras.Model subclass: layers are set in __init__, applied in call() once data shows the shape."""
        model = ModelValue("subclass", call.node)
        model.made_in = self.ev.branch_path
        model.subclass = instance
        instance.library_object = model
        self.facts.models.append(model)

    def run_subclass_call(self, model: ModelValue, x: Value, feed: FeedFact) -> None:
        """Trace a subclassed model's call() on tensors of the data's shape, the first time data is fed."""
        instance: InstanceValue | None = model.subclass
        method = instance.cls.methods.get("call") if instance is not None else None
        if method is None or model.outputs or model.traced:
            return
        model.traced = True

        def symbolic(value: Value) -> Value:
            if isinstance(value, ArrayValue) and value.shape.dims:
                return TensorValue(Shape((None, *value.shape.dims[1:])), value.dtype)
            if isinstance(value, Seq):
                return Seq(tuple(symbolic(item) for item in value.items), value.kind)
            return UNKNOWN

        inputs = symbolic(x)
        if inputs is UNKNOWN:
            return
        saved, self.current_feed = self.current_feed, feed
        try:
            output = self.ev.call(method, CallArgs([instance, inputs], {}, feed.call))  # type: ignore[list-item]
        finally:
            self.current_feed = saved
        model.outputs = [output] if isinstance(output, TensorValue) else []

    def new_input(
        self,
        per_sample: Shape,
        batch: Dim,
        call: NodeRef | None,
        shape_node: NodeRef | None,
        shape_value: Value,
        source: str,
        dtype: str | None = None,
        name: str | None = None,
    ) -> TensorValue:
        fact_id = next(_input_ids)
        fact = InputFact(fact_id, TensorValue(UNKNOWN_SHAPE), per_sample, call, shape_node, shape_value, source, name)
        full = per_sample.with_batch(batch) if per_sample.dims is not None else UNKNOWN_SHAPE
        tensor = TensorValue(full, dtype, frozenset({fact_id}), self.facts.add_producer(fact))
        fact.tensor = tensor
        self.facts.inputs.append(fact)
        return tensor

    def keras_input(self, call: CallArgs) -> Value:
        shape_value = call.get(0, "shape")
        batch_shape = call.get(None, "batch_shape")
        batch = const_int(call.get(1, "batch_size") or UNKNOWN)
        shape_node = call.node_of(0, "shape")
        per_sample = UNKNOWN_SHAPE
        source = "Input"
        if shape_value is not None:
            dims = int_tuple(shape_value)
            per_sample = Shape(dims) if dims is not None else UNKNOWN_SHAPE
        elif batch_shape is not None:
            dims = int_tuple(batch_shape)
            if dims:
                per_sample, batch = Shape(dims[1:]), dims[0]
            shape_node, shape_value, source = call.node_of(None, "batch_shape"), batch_shape, "batch_shape"
        dtype = dtype_name(call.get(None, "dtype"))
        name_value = call.get(None, "name")
        name = name_value.value if isinstance(name_value, Const) and isinstance(name_value.value, str) else None
        return self.new_input(per_sample, batch, call.node, shape_node, shape_value or UNKNOWN, source, dtype, name)

    def apply_layer_call(self, layer: LayerValue, call: CallArgs) -> Value:
        if self.sample_tracing.depth:
            return UNKNOWN
        if layer.spec is not None and layer.spec.call_inputs:  # mha(query, value, key=...)
            tensors = call_tensor_arguments(layer.spec, call.args, call.kwargs)
            if not tensors:
                return TensorValue(UNKNOWN_SHAPE)
            return self.apply_layer(layer, tensors, call.node)
        inputs_value = call.get(0, "inputs")
        if inputs_value is None:
            return UNKNOWN
        if isinstance(inputs_value, ArrayValue):  # eager call on a NumPy array
            inputs_value = TensorValue(inputs_value.shape, inputs_value.dtype)
        elements = list(inputs_value.items) if isinstance(inputs_value, Seq) else [inputs_value]
        return self.apply_layer(layer, elements, call.node)

    def apply_layer(
        self,
        layer: LayerValue,
        inputs: list[Value],
        node: NodeRef | None,
        model: ModelValue | None = None,
        feed: FeedFact | None = None,
    ) -> Value:
        tensors = [v if isinstance(v, TensorValue) else None for v in inputs]
        roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors if t is not None))
        shapes = tuple(t.shape if t is not None else UNKNOWN_SHAPE for t in tensors)
        output: Value = TensorValue(UNKNOWN_SHAPE, None, roots)
        problem = None
        if layer.spec is not None and all(t is not None for t in tensors):
            if layer.spec.merge is None and len(shapes) != 1:
                outcome = None
            else:
                outcome = apply_layer(layer.spec, LayerConfig(layer.config), shapes)
            if outcome is not None:
                problem = outcome.problem
                recovered = _with_channel_axis(layer, shapes[0], problem) if problem is not None else None
                if recovered is not None:
                    # One missing channel axis has one obvious fix: check the rest of the model as if it
                    # were made, so a second, independent mistake downstream is found in the same run.
                    outcome = apply_layer(layer.spec, LayerConfig(layer.config), (recovered,))
                if outcome.problem is None:
                    if isinstance(outcome.output, tuple):
                        output = Seq(tuple(TensorValue(s, None, roots) for s in outcome.output), "list")
                    else:
                        output = TensorValue(outcome.output, None, roots)
        if layer.spec is None and self.learned and all(s.fully_known or s.dims for s in shapes):
            taught = self.learned.get(layer_signature(layer, shapes))
            if taught is not None:
                output = TensorValue(taught, None, roots)
        known = [t for t in tensors if t is not None]
        unknown_output = isinstance(output, TensorValue) and output.shape.dims is None
        if problem is None and unknown_output and known and len(known) == len(tensors):
            traced = self.traced_output(layer, known, node)
            if traced is not None:
                output = TensorValue(traced, None, roots)
        feed = feed or self.current_feed
        fact = LayerCallFact(layer, tuple(inputs), shapes, output, node, problem, model, feed, roots)
        if isinstance(output, TensorValue):
            output = replace(output, producer_id=self.facts.add_producer(fact))
            fact.output = output
        layer.calls.append(fact)
        self.facts.layer_calls.append(fact)
        if node is not None:
            self.facts.record(node, fact)
        return output

    def user_layer(self, instance: InstanceValue, call: CallArgs) -> None:
        """A `keras.layers.Layer` subclass of the program: a layer whose output its own code decides."""
        layer = LayerValue(f"{instance.cls.node.name.value}", None, {}, call.node)
        instance.library_object = layer
        self.user_layers[id(layer)] = instance
        inherited = class_method(instance.cls, "__init__")
        if "__init__" not in instance.cls.methods and inherited is not None:
            # The interpreter runs the class's own __init__ only: one inherited from the program's base runs here.
            self.ev.call(inherited, CallArgs([instance, *call.args], call.kwargs, call.node, has_star=call.has_star))

    def traced_output(self, layer: LayerValue, tensors: list[TensorValue], node: NodeRef | None) -> Shape | None:
        """The output shape of a layer run by the program's code (a Lambda, a Layer subclass), when known."""
        instance = self.user_layers.get(id(layer))
        if instance is not None:
            return user_layer_output(self.ev, instance, tensors, node)
        if layer.kind == "keras.layers.Lambda":
            config = layer.config
            function = config.get("function", UNKNOWN)
            return lambda_output(self.ev, function, config.get("output_shape"), config.get("arguments"), tensors, node)
        return None

    def call_model(self, model: ModelValue, call: CallArgs) -> Value:
        """A model used as a layer (nested models) or called eagerly on arrays."""
        if self.sample_tracing.depth:
            return UNKNOWN
        argument = call.get(0, "inputs")
        if isinstance(argument, ArrayValue):
            self.record_feed(model, "__call__", argument, UNKNOWN, call, call.node_of(0, "inputs"), None)
            return self.predicted(model, argument)
        tensors = list(argument.items) if isinstance(argument, Seq) else [argument] if argument else []
        roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors if isinstance(t, TensorValue)))
        unknown = TensorValue(UNKNOWN_SHAPE, None, roots)
        if not tensors or not all(isinstance(t, TensorValue) for t in tensors):
            return unknown
        given = [t for t in tensors if isinstance(t, TensorValue)]
        if model.kind == "subclass" and model.subclass is not None and argument is not None:
            method = class_method(model.subclass.cls, "call")
            traced = self.ev.call(method, CallArgs([model.subclass, argument], {}, call.node)) if method else UNKNOWN
            return TensorValue(traced.shape, traced.dtype, roots) if isinstance(traced, TensorValue) else unknown
        if model.inputs and not model.broken:
            return self.call_declared_model(model, given, roots, call.node)
        if model.kind == "sequential" and model.layers and not model.broken and len(given) == 1:
            # An unbuilt Sequential called on a tensor is built by it, layer after layer.
            current: Value = given[0]
            for layer in model.layers:
                if not isinstance(layer, LayerValue) or not isinstance(current, TensorValue):
                    return unknown
                current = self.apply_layer(layer, [current], layer.node, model=model)
            model.outputs = [current]
            if isinstance(current, TensorValue):
                return TensorValue(current.shape, current.dtype, roots)
        return unknown

    def call_declared_model(
        self, model: ModelValue, tensors: list[TensorValue], roots: frozenset[int], node: NodeRef | None
    ) -> Value:
        """A model with declared inputs called on tensors: Keras checks each against its input's shape."""
        unknown = TensorValue(UNKNOWN_SHAPE, None, roots)
        if len(tensors) != len(model.inputs):
            return unknown
        for given, declared in zip(tensors, model.inputs):
            if given.shape.dims is None or declared.shape.dims is None:
                return unknown
            if shapes_compatible(given.shape, declared.shape):
                continue
            if _trailing_axis_apart(given.shape, declared.shape):
                return unknown  # Keras adds or drops one trailing size-1 axis: not modelled
            self.nested_model_problem(model, given, declared, tensors, roots, node)
            return unknown
        outputs = [
            TensorValue(out.shape, out.dtype, roots) if isinstance(out, TensorValue) else unknown
            for out in model.outputs
        ]
        if not outputs:
            return unknown
        return outputs[0] if len(outputs) == 1 else Seq(tuple(outputs), "list")

    def nested_model_problem(
        self,
        model: ModelValue,
        given: TensorValue,
        declared: TensorValue,
        tensors: list[TensorValue],
        roots: frozenset[int],
        node: NodeRef | None,
    ) -> None:
        """Record a nested model called on a tensor its declared input rejects, as a layer-input problem."""
        name = f"`{model.name}`" if model.name else "This model"
        message = (
            f"{name} was built for inputs of shape {format_shape(declared.shape)} but is called here on "
            f'{format_shape(given.shape)}: Keras rejects the call ("Input 0 ... is incompatible with the layer")'
        )
        problem = LayerProblem("axis", message)
        stand_in = LayerValue("keras.Model", None, {}, model.node)
        shapes = tuple(t.shape for t in tensors)
        fact = LayerCallFact(stand_in, tuple(tensors), shapes, TensorValue(UNKNOWN_SHAPE, None, roots), node, problem)
        fact.roots = roots
        stand_in.calls.append(fact)
        self.facts.layer_calls.append(fact)

    def make_application(self, name: str, call: CallArgs) -> ModelValue:
        """keras.applications.X(...): a model with a declared input and a known output, or unknown."""
        model = ModelValue("application", call.node)
        model.made_in = self.ev.branch_path
        self.facts.models.append(model)
        outcome = application_outcome(name, call.args, call.kwargs)
        if not isinstance(outcome, tuple):
            model.broken = True  # not literal, or a problem Keras itself reports at construction
            return model
        per_sample, output = outcome
        tensor = self.new_input(
            per_sample,
            None,
            call.node,
            call.node_of(None, "input_shape"),
            call.kwargs.get("input_shape", UNKNOWN),
            "application",
        )
        fact = self.facts.input_fact(tensor)
        assert fact is not None
        model.inputs.append(tensor)
        model.input_facts.append(fact)
        fact.models.append(model)
        model.outputs = [TensorValue(output, None, tensor.roots)]
        return model

    def make_sequential(self, call: CallArgs) -> ModelValue:
        model = ModelValue("sequential", call.node)
        model.made_in = self.ev.branch_path
        self.facts.models.append(model)
        layers = call.get(0, "layers")
        if isinstance(layers, Seq):
            places = _element_refs(call.node_of(0, "layers"))
            for index, item in enumerate(layers.items):
                self.sequential_add(model, item, places[index] if index < len(places) else call.node)
        elif layers is not None and layers != Const(None):
            model.broken = True  # layers from somewhere we cannot see
        return model

    def sequential_add(self, model: ModelValue, item: Value, node: NodeRef | None = None) -> None:
        if isinstance(item, InstanceValue) and isinstance(item.library_object, (LayerValue, ModelValue)):
            item = item.library_object  # an instance of a Layer or Model subclass of the program
        if isinstance(item, TensorValue) and self.facts.input_fact(item) is not None:
            fact = self.facts.input_fact(item)
            assert fact is not None
            if not model.inputs and not model.layers:
                model.inputs.append(item)
                model.input_facts.append(fact)
                fact.models.append(model)
                model.outputs = [item]
            return
        if isinstance(item, LayerValue):
            if not model.layers and not model.inputs and not model.broken:
                self.declare_from_layer(model, item)
            model.layers.append(item)
            if item.kind == "keras.layers.InputLayer":
                return
            current = model.outputs[0] if model.outputs else None
            if model.inputs and isinstance(current, TensorValue) and not model.broken:
                output = self.apply_layer(item, [current], item.node, model=model)
                model.outputs = [output]
                if isinstance(output, TensorValue) and output.shape.dims is None:
                    model.broken = True
            return
        if isinstance(item, ModelValue):
            current = model.outputs[0] if model.outputs else None
            if not model.inputs and not model.layers and item.inputs and len(item.outputs) == 1:
                # Sequential([base_model, ...]): the inner model's input is the Sequential's input.
                for tensor, fact in zip(item.inputs, item.input_facts):
                    model.inputs.append(tensor)
                    model.input_facts.append(fact)
                    fact.models.append(model)
                model.layers.append(item)  # type: ignore[arg-type]
                model.outputs = list(item.outputs)
                return
            model.layers.append(item)  # type: ignore[arg-type]
            if current is None and not model.inputs and not item.broken:
                return  # no input yet: data fed later builds the model, this one included
            nested = self.call_model(item, CallArgs([current], {}, node)) if isinstance(current, TensorValue) else None
            if isinstance(nested, TensorValue) and nested.shape.dims is not None:
                model.outputs = [nested]
            else:
                model.broken = True
            return
        # A layer we cannot model (a user-defined Layer subclass): its output, and all that
        # follows, is unknown, never the input passed through.
        model.broken = True
        current = model.outputs[0] if model.outputs else None
        if isinstance(current, TensorValue):
            model.outputs = [TensorValue(UNKNOWN_SHAPE, None, current.roots)]

    def declare_from_layer(self, model: ModelValue, layer: LayerValue) -> None:
        """input_shape= / input_dim= / batch_input_shape= on a Sequential's first layer, or an InputLayer."""
        args: CallArgs | None = layer.args
        config = layer.config
        length = config.get("input_length")
        if layer.spec is not None and layer.spec.family == "embedding" and const_int(length or UNKNOWN) is not None:
            config = {**config, "input_shape": Seq((length or UNKNOWN,))}
        for key, source in (
            ("input_shape", "input_shape"),
            ("shape", "InputLayer"),
            ("batch_input_shape", "batch_input_shape"),
            ("batch_shape", "batch_shape"),
            ("input_dim", "input_dim"),
        ):
            value = config.get(key)
            if value is None:
                continue
            if key == "shape" and layer.kind != "keras.layers.InputLayer":
                continue
            if key == "input_dim" and (layer.spec is None or "input_dim" in layer.spec.params):
                # Embedding's input_dim is its vocabulary size, not an input shape, and so may a layer's
                # the catalog does not know be (ReversibleEmbedding's).
                continue
            dims = int_tuple(value)
            if dims is None:
                return
            batch: Dim = const_int(config.get("batch_size") or UNKNOWN)
            if key in ("batch_input_shape", "batch_shape"):
                if not dims:
                    return
                batch, dims = dims[0], dims[1:]
            node = args.node_of(None, key) if args is not None else None
            if key == "input_shape" and layer.kind == "keras.layers.InputLayer" and args is not None:
                node = args.node_of(0, key)
            tensor = self.new_input(
                Shape(dims),
                batch,
                layer.node,
                node,
                value,
                "InputLayer" if layer.kind == "keras.layers.InputLayer" else source,
            )
            fact = self.facts.input_fact(tensor)
            assert fact is not None
            model.inputs.append(tensor)
            model.input_facts.append(fact)
            fact.models.append(model)
            model.outputs = [tensor]
            return

    def make_functional(self, call: CallArgs) -> Value:
        inputs = call.get(0, "inputs")
        outputs = call.get(1, "outputs")
        if inputs is None or outputs is None:
            return UNKNOWN
        model = ModelValue("functional", call.node)
        model.made_in = self.ev.branch_path
        self.facts.models.append(model)
        if isinstance(inputs, DictValue):
            names = [k.value if isinstance(k, Const) else None for k in inputs.keys]
            tensors: Sequence[Value] = inputs.values
            model.input_names = names
        else:
            tensors = inputs.items if isinstance(inputs, Seq) else (inputs,)
        facts = [self.facts.input_fact(t) if isinstance(t, TensorValue) else None for t in tensors]
        if any(fact is None for fact in facts) or len({id(f) for f in facts}) != len(facts):
            model.broken = True  # an input that is not a keras.Input (or one listed twice): unknown
        else:
            for tensor, fact in zip(tensors, facts):
                assert fact is not None and isinstance(tensor, TensorValue)
                model.inputs.append(tensor)
                model.input_facts.append(fact)
                fact.models.append(model)
        if not model.input_names:
            model.input_names = [fact.name for fact in model.input_facts]
        if isinstance(outputs, DictValue):
            model.outputs = list(outputs.values)
            model.output_names = [k.value if isinstance(k, Const) else "" for k in outputs.keys]
        else:
            model.outputs = list(outputs.items) if isinstance(outputs, Seq) else [outputs]
        return model

    def changed_in_a_branch(self, model: ModelValue, item: Value | None = None) -> bool:
        """A model changed in place inside a branch it was not made in (`if flag: model.add(...)`, the
        test unknown): after the branch it may or may not have changed, so what it computes is unknown
        from here on (it is marked broken). A layer that keeps its input's shape changes nothing."""
        if self.made_on_this_path(model):
            return False
        if isinstance(item, LayerValue) and item.spec is not None and item.spec.family == "same":
            return False
        model.broken = True
        if model.outputs:
            roots = frozenset().union(*(o.roots for o in model.outputs if isinstance(o, TensorValue)))
            model.outputs = [TensorValue(UNKNOWN_SHAPE, None, roots)]
        return True

    def made_on_this_path(self, model: ModelValue) -> bool:
        """The model was made in the branch running now, or in a branch this one contains."""
        here = self.ev.branch_path
        return model.made_in[: len(here)] == here

    def compiled_here(self, model: ModelValue) -> CompileFact | None:
        """The model's latest compile(), if it ran on the path running now (not in a branch this is not in)."""
        compiled = self.compiled.get(id(model))
        if compiled is None or self.ev.branch_path[: len(compiled.made_in)] != compiled.made_in:
            return None
        return compiled

    def model_method(self, model: ModelValue, name: str, call: CallArgs) -> Value:
        if name == "add":
            item = call.get(0, "layer")
            if item is not None and not self.changed_in_a_branch(model, item):
                self.sequential_add(model, item, call.node)
            return Const(None)
        if name == "compile":
            loss = call.get(1, "loss") or UNKNOWN
            # Compiled in a branch the model was not made in: after it, the loss may be either one.
            model.loss = loss if self.made_on_this_path(model) else UNKNOWN
            model.compile_node = call.node
            compiled = CompileFact(model, loss, call.node, call.node_of(1, "loss"), self.ev.branch_path)
            self.facts.compiles.append(compiled)
            self.compiled[id(model)] = compiled
            return Const(None)
        if name == "build":
            shape = call.get(0, "input_shape")
            dims = int_tuple(shape) if shape is not None else None
            if model.kind == "sequential" and not model.inputs and dims and not self.changed_in_a_branch(model):
                tensor = self.new_input(
                    Shape(dims[1:]),
                    dims[0],
                    call.node,
                    call.node_of(0, "input_shape"),
                    shape or UNKNOWN,
                    "build",
                )
                self.rebuild_sequential(model, tensor)
            return Const(None)
        params = FEED_METHODS.get(name)
        if params is None:
            return UNKNOWN
        if not params:
            return UNKNOWN
        bound = call.bind(params)
        if name.endswith("_generator") and "generator" in call.kwargs:
            bound["x"] = call.kwargs["generator"]
        x = bound.get("x", UNKNOWN)
        y = bound.get("y", UNKNOWN)
        dataset = data_source(self.ev, x)
        if dataset is not None:
            # Keras reads each dataset element as one batch: its first axis is the batch axis.
            x, y = dataset_batches(dataset)
        x_node = call.node_of(0, "x")
        y_node = call.node_of(1, "y") if "y" in params else None
        self.record_feed(model, name, x, y, call, x_node, y_node, dataset)
        validation = bound.get("validation_data")
        validation_source = data_source(self.ev, validation) if validation is not None else None
        if name in _TRAINING and validation_source is not None:
            xv, yv = dataset_batches(validation_source)
            node = call.node_of(params.index("validation_data"), "validation_data")
            feed = FeedFact(
                model,
                name,
                xv,
                yv,
                call.node,
                node,
                node,
                validation=True,
                compiled=self.compiled_here(model),
                dataset=validation_source,
            )
            self.facts.feeds.append(feed)
        elif name in _TRAINING and isinstance(validation, Seq) and len(validation.items) >= 2:
            node = call.node_of(params.index("validation_data"), "validation_data")
            element_nodes = _element_refs(node)
            xv_node = element_nodes[0] if element_nodes else node
            yv_node = element_nodes[1] if len(element_nodes) > 1 else node
            feed = FeedFact(
                model,
                "fit",
                validation.items[0],
                validation.items[1],
                call.node,
                xv_node,
                yv_node,
                validation=True,
                compiled=self.compiled_here(model),
            )
            self.facts.feeds.append(feed)
        if name in ("predict", "predict_on_batch", "predict_generator", "predict_proba") and isinstance(x, ArrayValue):
            return self.predicted(model, x)
        if name == "predict_classes" and isinstance(x, ArrayValue):
            return _predicted_classes(self.predicted(model, x))
        return UNKNOWN

    def record_feed(
        self,
        model: ModelValue,
        method: str,
        x: Value,
        y: Value,
        call: CallArgs,
        x_node: NodeRef | None,
        y_node: NodeRef | None,
        dataset: DatasetValue | None = None,
    ) -> None:
        feed = FeedFact(
            model,
            method,
            x,
            y,
            call.node,
            x_node,
            y_node,
            compiled=self.compiled_here(model),
            dataset=dataset,
        )
        self.facts.feeds.append(feed)
        if model.kind == "subclass":
            self.run_subclass_call(model, x, feed)
        if model.kind == "sequential" and not model.inputs and not model.broken and model.layers:
            if isinstance(x, ArrayValue) and x.shape.dims and model.built_from is None:
                # No declared input: Keras builds the layers from the first data it sees.
                model.built_from = feed
                tensor = TensorValue(Shape((None, *x.shape.dims[1:])), x.dtype)
                self.rebuild_sequential(model, tensor, feed)

    def rebuild_sequential(self, model: ModelValue, tensor: TensorValue, feed: FeedFact | None = None) -> None:
        current: Value = tensor
        if feed is None:
            fact = self.facts.input_fact(tensor)
            if fact is not None:
                model.inputs.append(tensor)
                model.input_facts.append(fact)
                fact.models.append(model)
        for layer in model.layers:
            if isinstance(layer, ModelValue) and isinstance(current, TensorValue):
                # A model inside: the data reaches its inputs (and builds it when it declares none).
                saved, self.current_feed = self.current_feed, feed or self.current_feed
                try:
                    current = self.call_model(layer, CallArgs([current], {}, layer.node))
                finally:
                    self.current_feed = saved
                if isinstance(current, TensorValue) and current.shape.dims is None:
                    break
                continue
            if not isinstance(layer, LayerValue) or not isinstance(current, TensorValue):
                current = UNKNOWN
                break
            current = self.apply_layer(layer, [current], layer.node, model=model, feed=feed)
            if isinstance(current, TensorValue) and current.shape.dims is None:
                break
        model.outputs = [current]

    def predicted(self, model: ModelValue, x: ArrayValue) -> Value:
        out = model.output
        if isinstance(out, TensorValue) and out.shape.dims is not None and x.shape.dims:
            return ArrayValue(Shape((x.shape.dims[0], *out.shape.dims[1:])), "float32")
        return UNKNOWN


def _trailing_axis_apart(a: Shape, b: Shape) -> bool:
    """The shapes agree but for one trailing size-1 axis that Keras adds or drops on its own."""
    if a.dims is None or b.dims is None:
        return False
    longer, shorter = (a, b) if len(a.dims) > len(b.dims) else (b, a)
    assert longer.dims is not None and shorter.dims is not None
    if len(longer.dims) != len(shorter.dims) + 1 or longer.dims[-1] not in (1, None):
        return False
    return shapes_compatible(Shape(longer.dims[:-1]), shorter)


def _predicted_classes(probabilities: Value) -> Value:
    """Keras 2's predict_classes: the argmax of the last axis, or `(p > 0.5)` for one unit."""
    if not isinstance(probabilities, ArrayValue) or not probabilities.shape.dims:
        return UNKNOWN
    dims = probabilities.shape.dims
    if dims[-1] is None:
        return UNKNOWN
    return ArrayValue(Shape(dims if dims[-1] == 1 else dims[:-1]), "int64" if dims[-1] != 1 else "int32")


def _with_channel_axis(layer: LayerValue, shape: Shape, problem: object) -> Shape | None:
    """The input shape with the channel axis a 2-D/3-D conv or pooling layer found missing, if that was all."""
    spec = layer.spec
    if spec is None or getattr(problem, "kind", None) != "rank" or shape.dims is None:
        return None
    if spec.family not in ("conv", "pool", "global-pool") or spec.spatial_rank not in (2, 3):
        return None
    if getattr(problem, "got_rank", None) != (getattr(problem, "expected_rank", None) or 0) - 1:
        return None
    channels_first = const_str_value(layer.config.get("data_format")) == "channels_first"
    return Shape((shape.dims[0], 1, *shape.dims[1:])) if channels_first else Shape((*shape.dims, 1))


def const_str_value(value: Value | None) -> str | None:
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def _element_refs(ref: NodeRef | None) -> list[NodeRef]:
    if ref is None or not isinstance(ref.node, (cst.Tuple, cst.List)):
        return []
    return [NodeRef(ref.chunk, element.value) for element in ref.node.elements]
