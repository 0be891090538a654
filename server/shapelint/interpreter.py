"""An abstract interpreter over the program's top-level statements, in program order.

It binds names (following imports and aliases itself, so `tf.keras.layers.Dense`,
`from keras import layers` and `from tensorflow.keras.layers import Dense` all become
`keras.layers.Dense`), evaluates expressions to abstract values through the knowledge
tables, and records facts (inputs, layer calls, data fed to models, compiles) for the
rules. Anything it cannot follow becomes UNKNOWN, and unknown is never an error.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import itertools
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

import libcst as cst

from shapelint.calls import CallArgs
from shapelint.facts import (
    ArrayProblemFact,
    CompileFact,
    FeedFact,
    InputFact,
    LayerCallFact,
    ProgramFacts,
)
from shapelint.knowledge import numpy as np_knowledge
from shapelint.knowledge.applications import application_outcome, find_application
from shapelint.knowledge.datasets import DATASETS
from shapelint.knowledge.layers import (
    CATALOG,
    MERGE_FUNCTIONS,
    LayerConfig,
    apply_layer,
    bind_arguments,
    call_tensor_arguments,
)
from shapelint.names import BUILTINS, canonical_name
from shapelint.shapes import UNKNOWN_SHAPE, Dim, Shape
from shapelint.source import NodeRef, Program
from shapelint.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    ClassValue,
    Const,
    DatasetValue,
    DictValue,
    FunctionValue,
    InstanceValue,
    LayerValue,
    ModelValue,
    ObjectValue,
    RefValue,
    Seq,
    TensorValue,
    Value,
    const_int,
    int_tuple,
    join_values,
)

MAX_UNROLL = 64
MAX_ELEMENTS = 1_000_000  # longest list comprehension modelled as repeated elements
MAX_CALL_DEPTH = 8
_BINARY_OPERATORS: dict[type[cst.BaseBinaryOp], str] = {
    cst.Add: "+",
    cst.Subtract: "-",
    cst.Multiply: "*",
    cst.Divide: "/",
    cst.FloorDivide: "//",
    cst.Modulo: "%",
    cst.Power: "**",
    cst.MatrixMultiply: "@",
}
_AUGMENTED_OPERATORS: dict[type[cst.BaseAugOp], str] = {
    cst.AddAssign: "+",
    cst.SubtractAssign: "-",
    cst.MultiplyAssign: "*",
    cst.DivideAssign: "/",
    cst.FloorDivideAssign: "//",
    cst.ModuloAssign: "%",
    cst.PowerAssign: "**",
    cst.MatrixMultiplyAssign: "@",
}
_FEED_METHODS: dict[str, tuple[str, ...]] = {
    "fit": ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data"),
    "evaluate": ("x", "y", "batch_size", "verbose"),
    "predict": ("x", "batch_size", "verbose", "steps"),
    "train_on_batch": ("x", "y"),
    "test_on_batch": ("x", "y"),
    "predict_on_batch": ("x",),
    "fit_generator": (),
}
_STRICT = os.environ.get("SHAPELINT_STRICT") == "1"


class _Return(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Scope:
    """Names bound in one function call (or the module); lookups fall back to the parent."""

    def __init__(self, names: dict[str, Value] | None = None, parent: Scope | None = None) -> None:
        self.names: dict[str, Value] = names if names is not None else {}
        self.parent = parent

    def lookup(self, name: str) -> Value | None:
        scope: Scope | None = self
        while scope is not None:
            found = scope.names.get(name)
            if found is not None:
                return found
            scope = scope.parent
        return None

    def branch(self) -> Scope:
        return Scope(dict(self.names), self.parent)

    def merge(self, *branches: Scope) -> None:
        """Join the branches' bindings into this scope (the state after an if/else or a loop)."""
        names = set().union(*(b.names for b in branches))
        for name in names:
            values = [b.names.get(name, self.names.get(name, UNKNOWN)) for b in branches]
            joined = values[0]
            for value in values[1:]:
                joined = join_values(joined, value)
            self.names[name] = joined


class Interpreter:
    """Walks a Program and returns the ProgramFacts the rules read."""

    def __init__(self, program: Program, keras_major: int = 3, learned: Mapping[str, Shape] | None = None) -> None:
        self.program = program
        self.keras_major = keras_major
        # Output shapes TensorFlow reported for layers the catalog does not know (see confirmation.py).
        self.learned = learned or {}
        self.facts = ProgramFacts()
        self.module_scope = Scope()
        self.chunk = 0
        self.star_imports: list[str] = []
        self.depth = 0
        self.returns: list[list[Value]] = []
        self.functions: list[FunctionValue] = []
        self.called: set[int] = set()
        self._input_ids = itertools.count(1)
        self.compiled: dict[int, CompileFact] = {}  # the latest compile() per model
        self.current_feed: FeedFact | None = None  # data whose shape a subclassed model's call() is traced with

    # Driving ------------------------------------------------------------------------------------

    def run(self) -> ProgramFacts:
        for chunk in self.program.chunks:
            if chunk.module is None:
                continue
            self.chunk = chunk.index
            for statement in chunk.module.body:
                self._guarded(statement, self.module_scope)
        # Functions nobody calls (model builders, train steps) are still checked, with unknown arguments.
        for function in list(self.functions):
            if id(function) not in self.called:
                self.chunk = function.chunk
                self._guarded_call(function)
        self.facts.module_names = dict(self.module_scope.names)
        self.facts.numpy_alias = self.facts.spelling("numpy")
        return self.facts

    def _guarded(self, statement: cst.BaseStatement | cst.BaseSmallStatement, scope: Scope) -> None:
        try:
            self.exec_statement(statement, scope)
        except (_Return, _Break, _Continue):
            pass
        except RecursionError:
            self.facts.internal_errors.append("recursion limit")
        except Exception as error:  # one odd statement must never stop the analysis
            if _STRICT:
                raise
            self.facts.internal_errors.append(f"{type(error).__name__}: {error}")

    def _guarded_call(self, function: FunctionValue) -> None:
        try:
            self.call_function(function, CallArgs([], {}), unknown_arguments=True)
        except Exception as error:
            if _STRICT:
                raise
            self.facts.internal_errors.append(f"{type(error).__name__}: {error}")

    def ref(self, node: cst.CSTNode) -> NodeRef:
        return NodeRef(self.chunk, node)

    # Statements ---------------------------------------------------------------------------------

    def exec_block(self, body: Sequence[cst.BaseStatement] | cst.BaseSuite, scope: Scope) -> None:
        if isinstance(body, cst.IndentedBlock):
            statements: Sequence[cst.BaseStatement | cst.BaseSmallStatement] = body.body
        elif isinstance(body, cst.SimpleStatementSuite):
            statements = body.body
        else:
            statements = body  # type: ignore[assignment]
        for statement in statements:
            self.exec_statement(statement, scope)

    def exec_statement(self, node: cst.BaseStatement | cst.BaseSmallStatement, scope: Scope) -> None:
        if type(node) is cst.SimpleStatementLine:
            for small in node.body:
                self.exec_statement(small, scope)
        elif type(node) is cst.Assign:
            value = self.eval(node.value, scope)
            for target in node.targets:
                self.assign(target.target, value, scope)
        elif type(node) is cst.AnnAssign:
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, scope), scope)
        elif type(node) is cst.AugAssign:
            operator = _AUGMENTED_OPERATORS.get(type(node.operator))
            current = self.eval(node.target, scope)
            other = self.eval(node.value, scope)
            value = self.binary(current, other, operator, node) if operator else UNKNOWN
            self.assign(node.target, value, scope)
        elif type(node) is cst.Expr:
            self.exec_expression_statement(node.value, scope)
        elif type(node) is cst.Import:
            self.exec_import(node, scope)
        elif type(node) is cst.ImportFrom:
            self.exec_import_from(node, scope)
        elif type(node) is cst.Return:
            value = self.eval(node.value, scope) if node.value is not None else Const(None)
            if self.returns:
                self.returns[-1].append(value)
            raise _Return()
        elif type(node) is cst.If:
            self.exec_if(node, scope)
        elif type(node) is cst.For:
            self.exec_for(node, scope)
        elif type(node) is cst.While:
            self.eval(node.test, scope)
            self.exec_loop_body(node.body, scope, None, UNKNOWN)
        elif type(node) is cst.With:
            for item in node.items:
                value = self.eval(item.item, scope)
                if item.asname is not None:
                    self.assign(item.asname.name, UNKNOWN if not isinstance(value, ModelValue) else value, scope)
            self.exec_block(node.body, scope)
        elif type(node) is cst.Try:
            self.exec_try(node, scope)
        elif type(node) is cst.FunctionDef:
            function = FunctionValue(node, self.chunk, scope)  # type: ignore[arg-type]
            self.functions.append(function)
            scope.names[node.name.value] = function
        elif type(node) is cst.ClassDef:
            self.exec_class(node, scope)
        elif type(node) is cst.Del:
            for name in _assigned_names(node.target):
                scope.names[name] = UNKNOWN
        elif type(node) is cst.Break:
            raise _Break()
        elif type(node) is cst.Continue:
            raise _Continue()
        # pass, global, nonlocal, assert, raise, match: nothing to track

    def exec_expression_statement(self, expression: cst.BaseExpression, scope: Scope) -> None:
        # `items.append(layer)` grows a list the program later hands to Sequential(...).
        if (
            type(expression) is cst.Call
            and isinstance(expression.func, cst.Attribute)
            and isinstance(expression.func.value, cst.Name)
            and expression.func.attr.value in ("append", "extend", "insert")
        ):
            name = expression.func.value.value
            current = scope.lookup(name)
            if isinstance(current, Seq) and current.kind == "list":
                args = [self.eval(arg.value, scope) for arg in expression.args]
                method = expression.func.attr.value
                if method == "append" and len(args) == 1:
                    scope.names[name] = Seq((*current.items, args[0]), "list")
                elif method == "extend" and len(args) == 1 and isinstance(args[0], Seq):
                    scope.names[name] = Seq(current.items + args[0].items, "list")
                else:
                    scope.names[name] = UNKNOWN
                return
        self.eval(expression, scope)

    def exec_import(self, node: cst.Import, scope: Scope) -> None:
        for alias in node.names:
            dotted = _dotted(alias.name)
            if dotted is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                scope.names[alias.asname.name.value] = RefValue(canonical_name(dotted))
            else:
                head = dotted.split(".")[0]
                scope.names[head] = RefValue(canonical_name(head))

    def exec_import_from(self, node: cst.ImportFrom, scope: Scope) -> None:
        if node.relative or node.module is None:
            return
        module = _dotted(node.module)
        if module is None:
            return
        if isinstance(node.names, cst.ImportStar):
            self.star_imports.append(module)
            return
        for alias in node.names:
            name = _dotted(alias.name)
            if name is None:
                continue
            bound = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else name
            scope.names[bound] = RefValue(canonical_name(f"{module}.{name}"))

    def exec_if(self, node: cst.If, scope: Scope) -> None:
        self.eval(node.test, scope)
        branches: list[Scope] = []
        body_scope = scope.branch()
        if self._run_branch(node.body, body_scope):
            branches.append(body_scope)
        else_scope = scope.branch()
        if node.orelse is None:
            branches.append(else_scope)
        elif isinstance(node.orelse, cst.If):
            try:
                self.exec_if(node.orelse, else_scope)
                branches.append(else_scope)
            except _Return:
                pass
        elif self._run_branch(node.orelse.body, else_scope):
            branches.append(else_scope)
        if not branches:
            raise _Return()
        scope.merge(*branches)

    def _run_branch(self, body: cst.BaseSuite, scope: Scope) -> bool:
        """Run a branch; False when it ends in return (so it does not flow on)."""
        try:
            self.exec_block(body, scope)
        except _Return:
            return False
        return True

    def exec_for(self, node: cst.For, scope: Scope) -> None:
        iterable = self.eval(node.iter, scope)
        items = _iteration_items(iterable)
        if items is not None and len(items) <= MAX_UNROLL:
            for item in items:
                self.assign(node.target, item, scope)
                try:
                    self.exec_block(node.body, scope)
                except _Break:
                    return
                except _Continue:
                    continue
            if node.orelse is not None:
                self.exec_block(node.orelse.body, scope)
            return
        element: Value = UNKNOWN
        if isinstance(iterable, ArrayValue) and iterable.shape.dims:
            element = ArrayValue(iterable.shape.drop_first(), iterable.dtype)
        self.exec_loop_body(node.body, scope, node.target, element)

    def exec_loop_body(
        self, body: cst.BaseSuite, scope: Scope, target: cst.BaseExpression | None, element: Value
    ) -> None:
        """A loop run an unknown number of times: names it assigns become what is common to all runs."""
        loop_scope = scope.branch()
        if target is not None:
            self.assign(target, element, loop_scope)
        with contextlib.suppress(_Break, _Continue, _Return):
            self.exec_block(body, loop_scope)
        scope.merge(scope.branch(), loop_scope)

    def exec_try(self, node: cst.Try, scope: Scope) -> None:
        before = scope.branch()
        self.exec_block(node.body, scope)
        branches = [scope]
        for handler in node.handlers:
            handler_scope = before.branch()
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, handler_scope)
            if self._run_branch(handler.body, handler_scope):
                branches.append(handler_scope)
        if len(branches) > 1:
            merged = scope.branch()
            merged.merge(*branches)
            scope.names = merged.names
        if node.orelse is not None:
            self.exec_block(node.orelse.body, scope)
        if node.finalbody is not None:
            self.exec_block(node.finalbody.body, scope)

    def exec_class(self, node: cst.ClassDef, scope: Scope) -> None:
        bases = [self.eval(base.value, scope) for base in node.bases]
        cls = ClassValue(node, self.chunk, bases, scope)  # type: ignore[arg-type]
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if type(statement) is cst.FunctionDef:
                method = FunctionValue(statement, self.chunk, scope)  # type: ignore[arg-type]
                cls.methods[statement.name.value] = method
        scope.names[node.name.value] = cls

    # Assignment ---------------------------------------------------------------------------------

    def assign(self, target: cst.BaseExpression, value: Value, scope: Scope) -> None:
        if type(target) is cst.Name:
            if isinstance(value, ArrayValue):
                value = replace(value, name=target.value)
            scope.names[target.value] = value
            self.facts.record(self.ref(target), value)
            if isinstance(value, ModelValue) and value.name is None:
                value.name = target.value
        elif type(target) in (cst.Tuple, cst.List):
            elements = target.elements
            if any(isinstance(e, cst.StarredElement) for e in elements):
                for name in _assigned_names(target):
                    scope.names[name] = UNKNOWN
                return
            items = _unpack(value, len(elements))
            for element, item in zip(elements, items):
                self.assign(element.value, item, scope)
        elif type(target) is cst.Attribute:
            owner = self.eval(target.value, scope)
            if isinstance(owner, InstanceValue):
                owner.attributes[target.attr.value] = value
        # x[...] = v keeps x's shape: nothing to do.

    # Expressions --------------------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Value:
        if type(node) is cst.Name:
            value = self.lookup(node.value, scope)
            self.facts.record(self.ref(node), value)
            return value
        if type(node) is cst.Attribute:
            value = self.attribute(self.eval(node.value, scope), node.attr.value)
            self.facts.record(self.ref(node), value)
            return value
        if type(node) is cst.Call:
            value = self.eval_call(node, scope)
            if isinstance(value, (ArrayValue, TensorValue, ModelValue)):
                # A layer call keeps its richer record (input and output shapes).
                self.facts.record(self.ref(node), value, overwrite=False)
            return value
        if type(node) is cst.Integer:
            try:
                return Const(int(node.value.replace("_", ""), 0))
            except ValueError:
                return UNKNOWN
        if type(node) is cst.Float:
            try:
                return Const(float(node.value.replace("_", "")))
            except ValueError:
                return UNKNOWN
        if type(node) is cst.SimpleString:
            evaluated = _string_value(node.value)
            return Const(evaluated) if isinstance(evaluated, str) else UNKNOWN
        if type(node) is cst.ConcatenatedString:
            evaluated = node.evaluated_value
            return Const(evaluated) if isinstance(evaluated, str) else UNKNOWN
        if type(node) in (cst.Tuple, cst.List):
            items: list[Value] = []
            for element in node.elements:
                if type(element) is cst.StarredElement:
                    spread = self.eval(element.value, scope)
                    if not isinstance(spread, Seq):
                        return UNKNOWN
                    items.extend(spread.items)
                else:
                    items.append(self.eval(element.value, scope))
            return Seq(tuple(items), "list" if type(node) is cst.List else "tuple")
        if type(node) is cst.Dict:
            keys: list[Value] = []
            values: list[Value] = []
            for element in node.elements:
                if type(element) is not cst.DictElement:
                    return UNKNOWN
                keys.append(self.eval(element.key, scope))
                values.append(self.eval(element.value, scope))
            return DictValue(tuple(keys), tuple(values))
        if type(node) is cst.Subscript:
            value = self.subscript(node, scope)
            self.facts.record(self.ref(node), value)
            return value
        if type(node) is cst.BinaryOperation:
            left = self.eval(node.left, scope)
            right = self.eval(node.right, scope)
            return self.binary(left, right, _BINARY_OPERATORS.get(type(node.operator)), node)
        if type(node) is cst.UnaryOperation:
            operand = self.eval(node.expression, scope)
            if isinstance(node.operator, cst.Minus) and isinstance(operand, Const):
                if isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool):
                    return Const(-operand.value)
            if isinstance(node.operator, (cst.Minus, cst.Plus)) and isinstance(operand, ArrayValue):
                return operand
            return UNKNOWN
        if type(node) is cst.Comparison:
            left = self.eval(node.left, scope)
            for target in node.comparisons:
                self.eval(target.comparator, scope)
            if isinstance(left, ArrayValue):
                return ArrayValue(left.shape, "bool")
            return UNKNOWN
        if type(node) is cst.BooleanOperation:
            self.eval(node.left, scope)
            self.eval(node.right, scope)
            return UNKNOWN
        if type(node) is cst.IfExp:
            self.eval(node.test, scope)
            return join_values(self.eval(node.body, scope), self.eval(node.orelse, scope))
        if type(node) in (cst.ListComp, cst.GeneratorExp):
            return self.comprehension(node, scope)
        if type(node) is cst.NamedExpr:
            value = self.eval(node.value, scope)
            self.assign(node.target, value, scope)
            return value
        return UNKNOWN

    def lookup(self, name: str, scope: Scope) -> Value:
        found = scope.lookup(name)
        if found is not None:
            return found
        if name == "None":
            return Const(None)
        if name == "True":
            return Const(True)
        if name == "False":
            return Const(False)
        for module in reversed(self.star_imports):
            candidate = canonical_name(f"{module}.{name}")
            if (
                candidate in CATALOG
                or candidate in np_knowledge.FUNCTIONS
                or candidate in ("keras.Input", "keras.Sequential", "keras.Model")
            ):
                return RefValue(candidate)
        if name in BUILTINS:
            return RefValue(f"builtins.{name}")
        return UNKNOWN

    def attribute(self, base: Value, name: str) -> Value:
        if isinstance(base, RefValue):
            return RefValue(canonical_name(f"{base.name}.{name}"))
        if isinstance(base, ArrayValue):
            found = np_knowledge.array_attribute(base, name)
            return found if found is not UNKNOWN else BoundMethod(base, name)
        if isinstance(base, TensorValue):
            if name == "shape":
                if base.shape.dims is None:
                    return UNKNOWN
                return Seq(tuple(Const(d) for d in base.shape.dims))
            return BoundMethod(base, name)
        if isinstance(base, ModelValue):
            if name in ("output", "outputs", "input", "inputs"):
                group = base.outputs if name.startswith("output") else base.inputs
                if name in ("output", "input"):
                    return group[0] if len(group) == 1 else (Seq(tuple(group), "list") if group else UNKNOWN)
                return Seq(tuple(group), "list") if group else UNKNOWN
            if name == "layers":
                return Seq(tuple(base.layers), "list") if base.layers else UNKNOWN
            return BoundMethod(base, name)
        if isinstance(base, LayerValue):
            if name == "output" and base.calls:
                return base.calls[-1].output
            return BoundMethod(base, name)
        if isinstance(base, InstanceValue):
            if name in base.attributes:
                return base.attributes[name]
            method = base.cls.methods.get(name)
            if method is not None:
                return BoundMethod(base, name)
            if base.model is not None:
                return self.attribute(base.model, name)  # compile, fit, predict... of keras.Model
            return UNKNOWN
        if isinstance(base, (ObjectValue, Seq, DictValue, DatasetValue)):
            return BoundMethod(base, name)
        return UNKNOWN

    def subscript(self, node: cst.Subscript, scope: Scope) -> Value:
        base = self.eval(node.value, scope)
        indexes = [self.index_item(element.slice, scope) for element in node.slice]
        if isinstance(base, Seq):
            if len(indexes) != 1:
                return UNKNOWN
            kind, value = indexes[0]
            if kind == "int":
                assert isinstance(value, int)
                try:
                    return base.items[value]
                except IndexError:
                    return UNKNOWN
            if kind == "slice":
                start, stop, step = value  # type: ignore[misc]
                if None in (start, stop, step) and "?" in (start, stop, step):
                    return UNKNOWN
                sliced = base.items[slice(start, stop, step)]
                offset = base.shape_offset
                if base.shape_of is not None and step in (None, 1) and (start or 0) >= 0:
                    return Seq(sliced, base.kind, base.shape_of, offset + (start or 0))
                return Seq(sliced, base.kind)
            return UNKNOWN
        if isinstance(base, DictValue):
            if len(indexes) == 1 and indexes[0][0] == "key":
                found = base.get(indexes[0][1])
                return found if found is not None else UNKNOWN
            return UNKNOWN
        if isinstance(base, (ArrayValue, TensorValue)):
            shape = index_shape(base.shape, indexes)
            if shape is None:
                return UNKNOWN
            if isinstance(base, ArrayValue):
                return ArrayValue(shape, base.dtype, kind=base.kind, classes=base.classes)
            return TensorValue(shape, base.dtype, base.roots)
        return UNKNOWN

    def index_item(self, item: cst.BaseSlice, scope: Scope) -> tuple[str, object]:
        if type(item) is cst.Slice and item.step is None and _window_length(item, self, scope) is not None:
            return "window", _window_length(item, self, scope)
        if type(item) is cst.Slice:
            bounds: list[object] = []
            for part in (item.lower, item.upper, item.step):
                if part is None:
                    bounds.append(None)
                    continue
                value = self.eval(part, scope)
                number = const_int(value)
                bounds.append(number if number is not None else (None if value == Const(None) else "?"))
            return "slice", tuple(bounds)
        assert type(item) is cst.Index
        if isinstance(item.value, cst.Ellipsis):
            return "ellipsis", None
        value = self.eval(item.value, scope)
        if value == Const(None) or value == RefValue("numpy.newaxis"):
            return "newaxis", None
        number = const_int(value)
        if number is not None:
            return "int", number
        if isinstance(value, Const):
            return "key", value.value
        if isinstance(value, ArrayValue):
            return ("mask", value) if value.dtype == "bool" else ("array", value.shape)
        if isinstance(value, Seq):
            dims = int_tuple(value, allow_none=False)
            if dims is not None:
                return "array", Shape((len(dims),))
        return "unknown", None

    def binary(self, left: Value, right: Value, operator: str | None, node: cst.CSTNode) -> Value:
        if operator is None:
            return UNKNOWN
        if isinstance(left, ArrayValue) or isinstance(right, ArrayValue):
            try:
                return np_knowledge.binary_result(left, right, operator)
            except np_knowledge.ArrayProblem:
                return UNKNOWN  # broadcasting errors are NumPy's to report; shapes stay unknown
        if isinstance(left, TensorValue) or isinstance(right, TensorValue):
            tensors = [v for v in (left, right) if isinstance(v, TensorValue)]
            roots = frozenset().union(*(t.roots for t in tensors))
            if len(tensors) == 1:
                return TensorValue(tensors[0].shape, tensors[0].dtype, roots)
            from shapelint.shapes import broadcast

            shape = broadcast(tensors[0].shape, tensors[1].shape)
            return TensorValue(shape if shape is not None else UNKNOWN_SHAPE, None, roots)
        return np_knowledge.const_binary(left, right, operator)

    def comprehension(self, node: cst.ListComp | cst.GeneratorExp, scope: Scope) -> Value:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            return UNKNOWN
        iterable = self.eval(clause.iter, scope)
        if isinstance(iterable, ObjectValue) and iterable.cls == "builtins.range" and iterable.state <= MAX_ELEMENTS:
            # A long range: the element is computed once, with the index unknown (windows, batches).
            inner = Scope({}, scope)
            self.assign(clause.target, UNKNOWN, inner)
            element = self.eval(node.elt, inner)
            return Seq((element,) * iterable.state, "list") if element is not UNKNOWN else UNKNOWN
        items = _iteration_items(iterable)
        if items is None or len(items) > MAX_UNROLL:
            return UNKNOWN
        inner = Scope({}, scope)
        results = []
        for item in items:
            self.assign(clause.target, item, inner)
            results.append(self.eval(node.elt, inner))
        return Seq(tuple(results), "list")

    # Calls --------------------------------------------------------------------------------------

    def eval_call(self, node: cst.Call, scope: Scope) -> Value:
        func = self.eval(node.func, scope)
        call = CallArgs([], {}, self.ref(node))
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star:
                call.has_star = True
                if arg.star == "*" and isinstance(value, Seq):
                    call.args.extend(value.items)
                continue
            if arg.keyword is not None:
                call.kwargs[arg.keyword.value] = value
                call.kwarg_nodes[arg.keyword.value] = self.ref(arg.value)
            else:
                call.args.append(value)
                call.arg_nodes.append(self.ref(arg.value))
        return self.call_value(func, call)

    def call_value(self, func: Value, call: CallArgs) -> Value:
        if isinstance(func, RefValue):
            return self.call_library(func.name, call)
        if isinstance(func, LayerValue):
            return self.apply_layer_call(func, call)
        if isinstance(func, ModelValue):
            return self.call_model(func, call)
        if isinstance(func, BoundMethod):
            return self.call_method(func, call)
        if isinstance(func, FunctionValue):
            return self.call_function(func, call)
        if isinstance(func, ClassValue):
            return self.instantiate(func, call)
        return UNKNOWN

    def call_library(self, name: str, call: CallArgs) -> Value:
        transfer = np_knowledge.FUNCTIONS.get(name)
        if transfer is not None:
            try:
                result = transfer(call)
            except np_knowledge.ArrayProblem as problem:
                self.facts.array_problems.append(ArrayProblemFact(problem.kind, problem.message, call.node))
                return UNKNOWN
            if isinstance(result, ArrayValue) and result.origin is None:
                result = replace(result, origin=call.node)
            return result
        if name == "keras.Input":
            return self.keras_input(call)
        if name in CATALOG or (name.startswith("keras.layers.") and name[13:14].isupper()):
            spec = CATALOG.get(name)
            layer = LayerValue(name, spec, bind_arguments(spec, call.args, call.kwargs), call.node)
            layer.args = call
            return layer
        if name in MERGE_FUNCTIONS:
            spec = CATALOG[MERGE_FUNCTIONS[name]]
            inputs = call.get(0, "inputs")
            kwargs = {k: v for k, v in call.kwargs.items() if k != "inputs"}
            layer = LayerValue(spec.name, spec, bind_arguments(spec, (), kwargs), call.node)
            layer.args = CallArgs([], kwargs, call.node)
            return self.apply_layer_call(layer, CallArgs([inputs or UNKNOWN], {}, call.node, call.arg_nodes[:1]))
        if name == "keras.Sequential":
            return self.make_sequential(call)
        if name.startswith("keras.applications.") and find_application(name) is not None:
            return self.make_application(name, call)
        if name == "keras.Model":
            return self.make_functional(call)
        if name.endswith(".load_data"):
            dataset = DATASETS.get(name[: -len(".load_data")])
            if dataset is not None:

                def array(spec: object, classes: int | None = None) -> ArrayValue:
                    return ArrayValue(spec.shape, spec.dtype, origin=call.node, classes=classes)  # type: ignore[attr-defined]

                return Seq(
                    (
                        Seq((array(dataset.x_train), array(dataset.y_train, dataset.classes))),
                        Seq((array(dataset.x_test), array(dataset.y_test, dataset.classes))),
                    )
                )
            return UNKNOWN
        if name.startswith("builtins."):
            return self.call_builtin(name[9:], call)
        if name.startswith("keras.losses.") and name[13:14].isupper():
            return ObjectValue(name)
        if name == "tensorflow.data.Dataset.from_tensor_slices":
            source = call.get(0, "tensors")
            element = _slice_element(source) if source is not None else UNKNOWN
            return DatasetValue(element) if element is not UNKNOWN else UNKNOWN
        return UNKNOWN

    def call_builtin(self, name: str, call: CallArgs) -> Value:
        first = call.args[0] if call.args else None
        if name == "len":
            if isinstance(first, Seq):
                return Const(len(first.items))
            if isinstance(first, ArrayValue) and first.shape.dims:
                dim = first.shape.dims[0]
                return Const(dim) if dim is not None else UNKNOWN
            return UNKNOWN
        if name == "range":
            numbers = [const_int(a) for a in call.args]
            if not numbers or any(n is None for n in numbers) or call.has_star:
                return UNKNOWN
            values = range(*[n for n in numbers if n is not None])
            if len(values) > MAX_UNROLL:
                return ObjectValue("builtins.range", len(values))  # too long to unroll; its length still counts
            return Seq(tuple(Const(v) for v in values), "list")
        if name in ("list", "tuple"):
            if isinstance(first, Seq):
                return Seq(first.items, name)
            if first is None:
                return Seq((), name)
            return UNKNOWN
        if name in ("int", "float") and isinstance(first, Const):
            try:
                return Const(int(first.value) if name == "int" else float(first.value))
            except (TypeError, ValueError):
                return UNKNOWN
        if name in ("zip", "enumerate") and call.args:
            sequences = [a for a in call.args if isinstance(a, Seq)]
            if name == "enumerate" and isinstance(first, Seq):
                return Seq(tuple(Seq((Const(i), item)) for i, item in enumerate(first.items)), "list")
            if name == "zip" and len(sequences) == len(call.args):
                return Seq(tuple(Seq(group) for group in zip(*(s.items for s in sequences))), "list")
        return UNKNOWN

    def call_function(self, function: FunctionValue, call: CallArgs, unknown_arguments: bool = False) -> Value:
        self.called.add(id(function))
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        node = function.node
        local = Scope({}, function.closure)  # type: ignore[arg-type]
        saved_chunk = self.chunk
        self.chunk = function.chunk
        try:
            self.bind_parameters(node.params, call, local, unknown_arguments)
            self.depth += 1
            self.returns.append([])
            try:
                self.exec_block(node.body, local)
            except _Return:
                pass
            finally:
                self.depth -= 1
                returned = self.returns.pop()
        finally:
            self.chunk = saved_chunk
        if not returned:
            return Const(None)
        result = returned[0]
        for value in returned[1:]:
            result = join_values(result, value)
        return result

    def bind_parameters(self, params: cst.Parameters, call: CallArgs, scope: Scope, unknown: bool) -> None:
        positional = [*params.posonly_params, *params.params]
        for index, param in enumerate(positional):
            name = param.name.value
            value: Value | None = None
            if not unknown:
                value = call.get(index, name)
            if value is None:
                if call.has_star or unknown:
                    value = UNKNOWN if param.default is None or unknown else self.eval(param.default, scope)
                else:
                    value = self.eval(param.default, scope) if param.default is not None else UNKNOWN
            if unknown and param.default is not None:
                value = self.eval(param.default, scope)
            scope.names[name] = value
        for param in params.kwonly_params:
            name = param.name.value
            value = None if unknown else call.kwargs.get(name)
            if value is None:
                value = self.eval(param.default, scope) if param.default is not None else UNKNOWN
            scope.names[name] = value
        if isinstance(params.star_arg, cst.Param):
            scope.names[params.star_arg.name.value] = UNKNOWN
        if params.star_kwarg is not None:
            scope.names[params.star_kwarg.name.value] = UNKNOWN

    def call_method(self, method: BoundMethod, call: CallArgs) -> Value:
        receiver = method.receiver
        if isinstance(receiver, ArrayValue):
            try:
                result = np_knowledge.array_method(receiver, method.name, call)
            except np_knowledge.ArrayProblem as problem:
                self.facts.array_problems.append(ArrayProblemFact(problem.kind, problem.message, call.node))
                return UNKNOWN
            if isinstance(result, ArrayValue):
                result = replace(result, origin=call.node)
            return result
        if isinstance(receiver, ModelValue):
            return self.model_method(receiver, method.name, call)
        if isinstance(receiver, ObjectValue):
            transfer = np_knowledge.FUNCTIONS.get(f"{receiver.cls}.{method.name}")
            return transfer(call) if transfer is not None else UNKNOWN
        if isinstance(receiver, InstanceValue):
            function = receiver.cls.methods.get(method.name)
            if function is not None:
                return self.call_function(function, CallArgs([receiver, *call.args], call.kwargs, call.node))
            return UNKNOWN
        if isinstance(receiver, DatasetValue):
            return _dataset_method(receiver, method.name, call)
        if isinstance(receiver, Seq) and method.name == "copy":
            return receiver
        if isinstance(receiver, DictValue):
            if method.name == "keys":
                return Seq(receiver.keys, "list")
            if method.name == "values":
                return Seq(receiver.values, "list")
            if method.name == "items":
                return Seq(tuple(Seq((k, v)) for k, v in zip(receiver.keys, receiver.values)), "list")
        return UNKNOWN

    def instantiate(self, cls: ClassValue, call: CallArgs) -> Value:
        instance = InstanceValue(cls)
        if _subclasses(cls, "keras.Model"):
            # A keras.Model subclass: layers are set in __init__, applied in call() once data shows the shape.
            instance.model = ModelValue("subclass", call.node)
            instance.model.subclass = instance
            self.facts.models.append(instance.model)
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, CallArgs([instance, *call.args], call.kwargs, call.node))
        return instance

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
            output = self.call_function(method, CallArgs([instance, inputs], {}, feed.call))  # type: ignore[list-item]
        finally:
            self.current_feed = saved
        model.outputs = [output] if isinstance(output, TensorValue) else []

    # Keras --------------------------------------------------------------------------------------

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
        fact_id = next(self._input_ids)
        fact = InputFact(fact_id, TensorValue(UNKNOWN_SHAPE), per_sample, call, shape_node, shape_value, source, name)
        full = per_sample.with_batch(batch) if per_sample.dims is not None else UNKNOWN_SHAPE
        tensor = TensorValue(full, dtype, frozenset({fact_id}), fact)
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
        dtype = np_knowledge.dtype_name(call.get(None, "dtype"))
        name_value = call.get(None, "name")
        name = name_value.value if isinstance(name_value, Const) and isinstance(name_value.value, str) else None
        return self.new_input(per_sample, batch, call.node, shape_node, shape_value or UNKNOWN, source, dtype, name)

    def apply_layer_call(self, layer: LayerValue, call: CallArgs) -> Value:
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
        feed = feed or self.current_feed
        fact = LayerCallFact(layer, tuple(inputs), shapes, output, node, problem, model, feed, roots)
        if isinstance(output, TensorValue):
            output = replace(output, producer=fact, uid=output.uid)
            fact.output = output
        layer.calls.append(fact)
        self.facts.layer_calls.append(fact)
        if node is not None:
            self.facts.record(node, fact)
        return output

    def call_model(self, model: ModelValue, call: CallArgs) -> Value:
        """A model used as a layer (nested models) or called eagerly on arrays."""
        argument = call.get(0, "inputs")
        if isinstance(argument, ArrayValue):
            self.record_feed(model, "__call__", argument, UNKNOWN, call, call.node_of(0, "inputs"), None)
            return self.predicted(model, argument)
        tensors = list(argument.items) if isinstance(argument, Seq) else [argument] if argument else []
        roots: frozenset[int] = frozenset().union(*(t.roots for t in tensors if isinstance(t, TensorValue)))
        out = model.output
        if isinstance(out, TensorValue) and all(isinstance(t, TensorValue) for t in tensors):
            return TensorValue(out.shape, out.dtype, roots)
        return TensorValue(UNKNOWN_SHAPE, None, roots)

    def make_application(self, name: str, call: CallArgs) -> ModelValue:
        """keras.applications.X(...): a model with a declared input and a known output, or unknown."""
        model = ModelValue("application", call.node)
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
        self.facts.models.append(model)
        layers = call.get(0, "layers")
        if isinstance(layers, Seq):
            for item in layers.items:
                self.sequential_add(model, item)
        elif layers is not None and layers != Const(None):
            model.broken = True  # layers from somewhere we cannot see
        return model

    def sequential_add(self, model: ModelValue, item: Value) -> None:
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
            if not model.layers and not model.inputs:
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
            if isinstance(current, TensorValue) and isinstance(item.output, TensorValue):
                model.outputs = [TensorValue(item.output.shape, None, current.roots)]
            else:
                model.broken = True
            return
        model.broken = True

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
            if key == "input_dim" and layer.spec is not None and "input_dim" in layer.spec.params:
                continue  # Embedding's input_dim is its vocabulary size, not an input shape
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
        self.facts.models.append(model)
        if isinstance(inputs, DictValue):
            names = [k.value if isinstance(k, Const) else None for k in inputs.keys]
            tensors: Sequence[Value] = inputs.values
            model.input_names = names  # type: ignore[assignment]
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

    def model_method(self, model: ModelValue, name: str, call: CallArgs) -> Value:
        if name == "add":
            item = call.get(0, "layer")
            if item is not None:
                self.sequential_add(model, item)
            return Const(None)
        if name == "compile":
            loss = call.get(1, "loss") or UNKNOWN
            model.loss = loss
            model.compile_node = call.node
            compiled = CompileFact(model, loss, call.node, call.node_of(1, "loss"))
            self.facts.compiles.append(compiled)
            self.compiled[id(model)] = compiled
            return Const(None)
        if name == "build":
            shape = call.get(0, "input_shape")
            dims = int_tuple(shape) if shape is not None else None
            if model.kind == "sequential" and not model.inputs and dims:
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
        params = _FEED_METHODS.get(name)
        if params is None:
            return UNKNOWN
        if not params:
            return UNKNOWN
        bound = call.bind(params)
        x = bound.get("x", UNKNOWN)
        y = bound.get("y", UNKNOWN)
        dataset = x if isinstance(x, DatasetValue) else None
        if dataset is not None:
            # Keras reads each dataset element as one batch: its first axis is the batch axis.
            x, y = _dataset_batches(dataset)
        x_node = call.node_of(0, "x")
        y_node = call.node_of(1, "y") if "y" in params else None
        self.record_feed(model, name, x, y, call, x_node, y_node, dataset)
        validation = bound.get("validation_data")
        if name == "fit" and isinstance(validation, Seq) and len(validation.items) >= 2:
            node = call.node_of(7, "validation_data")
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
                compiled=self.compiled.get(id(model)),
            )
            self.facts.feeds.append(feed)
        if name in ("predict", "predict_on_batch") and isinstance(x, ArrayValue):
            return self.predicted(model, x)
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
            compiled=self.compiled.get(id(model)),
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


def layer_signature(layer: LayerValue, input_shapes: Sequence[Shape]) -> str:
    """A key for a layer's output shape: its class, literal config and input shapes."""
    from shapelint.values import literal

    try:
        config = sorted((k, repr(literal(v))) for k, v in layer.config.items())
    except ValueError:
        config = [("?", str(id(layer)))]
    return f"{layer.kind}|{config}|{[s.dims for s in input_shapes]}"


def index_shape(shape: Shape, indexes: list[tuple[str, object]]) -> Shape | None:
    """The shape of `array[indexes]` under NumPy's basic and (single) advanced indexing."""
    if shape.dims is None:
        return None
    if any(kind in ("unknown", "key", "mask") for kind, _ in indexes):
        return None
    consumed = sum(1 for kind, _ in indexes if kind in ("int", "slice", "array", "window"))
    ellipses = sum(1 for kind, _ in indexes if kind == "ellipsis")
    if ellipses > 1 or consumed > len(shape.dims):
        return None
    expanded: list[tuple[str, object]] = []
    for kind, value in indexes:
        if kind == "ellipsis":
            expanded.extend([("slice", (None, None, None))] * (len(shape.dims) - consumed))
        else:
            expanded.append((kind, value))
    dims = list(shape.dims)
    out: list[Dim] = []
    axis = 0
    advanced_done = False
    for kind, value in expanded:
        if kind == "newaxis":
            out.append(1)
            continue
        dim = dims[axis]
        axis += 1
        if kind == "int":
            continue
        if kind == "window":
            out.append(value if dim is None or (isinstance(value, int) and value <= dim) else None)  # type: ignore[arg-type]
            continue
        if kind == "slice":
            start, stop, step = value  # type: ignore[misc]
            if "?" in (start, stop, step):
                out.append(None)
            elif dim is None:
                if step in (None, 1) and isinstance(start, int) and isinstance(stop, int) and 0 <= start <= stop:
                    out.append(None)
                else:
                    out.append(None)
            else:
                out.append(len(range(*slice(start, stop, step).indices(dim))))
            continue
        if kind == "array":
            if advanced_done:
                return None
            advanced_done = True
            index = value
            assert isinstance(index, Shape)
            if index.dims is None:
                return None
            out.extend(index.dims)
    out.extend(dims[axis:])
    return Shape(tuple(out))


def _slice_element(value: Value) -> Value:
    """One element of Dataset.from_tensor_slices(value): every array loses its first axis."""
    if isinstance(value, ArrayValue):
        if not value.shape.dims:
            return UNKNOWN
        return ArrayValue(value.shape.drop_first(), value.dtype, value.name, classes=value.classes)
    if isinstance(value, Seq):
        items = tuple(_slice_element(item) for item in value.items)
        return UNKNOWN if any(i is UNKNOWN for i in items) else Seq(items, "tuple")
    if isinstance(value, DictValue):
        values = tuple(_slice_element(item) for item in value.values)
        return UNKNOWN if any(v is UNKNOWN for v in values) else DictValue(value.keys, values)
    return UNKNOWN


_DATASET_SAME = frozenset(
    {
        "shuffle",
        "prefetch",
        "cache",
        "repeat",
        "take",
        "skip",
        "with_options",
        "filter",
        "apply",
        "shard",
        "ignore_errors",
        "enumerate_not",
    }
)


def _dataset_method(dataset: DatasetValue, name: str, call: CallArgs) -> Value:
    if name in _DATASET_SAME:
        return dataset
    if name in ("batch", "padded_batch"):
        return DatasetValue(dataset.element, batched=True) if not dataset.batched else UNKNOWN
    if name == "unbatch":
        return DatasetValue(dataset.element, batched=False) if dataset.batched else UNKNOWN
    return UNKNOWN


def _batched(value: Value, batched: bool) -> Value:
    if isinstance(value, ArrayValue):
        shape = value.shape.with_batch(None) if batched else value.shape
        return ArrayValue(shape, value.dtype, value.name, classes=value.classes)
    if isinstance(value, Seq):
        return Seq(tuple(_batched(item, batched) for item in value.items), value.kind)
    if isinstance(value, DictValue):
        return DictValue(value.keys, tuple(_batched(item, batched) for item in value.values))
    return UNKNOWN


def _dataset_batches(dataset: DatasetValue) -> tuple[Value, Value]:
    """What fit() sees from a dataset: (x, y) batches, x alone, or unknown."""
    element = _batched(dataset.element, dataset.batched)
    if isinstance(element, Seq) and len(element.items) in (2, 3):
        return element.items[0], element.items[1]
    return element, UNKNOWN


def _window_length(item: cst.Slice, interpreter: Interpreter, scope: Scope) -> int | None:
    """`a[i:i + k]` (the sliding-window idiom) has length k whatever i is, if i + k stays in bounds."""
    lower, upper = item.lower, item.upper
    if not isinstance(lower, cst.Name) or not isinstance(upper, cst.BinaryOperation):
        return None
    if not isinstance(upper.operator, cst.Add) or not isinstance(upper.left, cst.Name):
        return None
    if upper.left.value != lower.value or const_int(scope.lookup(lower.value) or UNKNOWN) is not None:
        return None
    length = const_int(interpreter.eval(upper.right, scope))
    return length if length is not None and length >= 0 else None


@functools.lru_cache(maxsize=4096)
def _string_value(literal_text: str) -> str | bytes | None:
    """A string literal's value; plain quotes without escapes skip ast.literal_eval, which is slow."""
    quote = literal_text[:1]
    if quote in ("'", '"') and "\\" not in literal_text and literal_text[:3] != quote * 3:
        return literal_text[1:-1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # half-typed literals warn on stderr otherwise
            value = ast.literal_eval(literal_text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, (str, bytes)) else None


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


def _subclasses(cls: ClassValue, name: str, depth: int = 0) -> bool:
    """Whether a class defined in the file derives from the library class `name`."""
    for base in cls.bases:
        if base == RefValue(name) or (
            isinstance(base, ClassValue) and depth < 8 and _subclasses(base, name, depth + 1)
        ):
            return True
    return False


def _iteration_items(value: Value) -> tuple[Value, ...] | None:
    if isinstance(value, Seq):
        return value.items
    if isinstance(value, DictValue):
        return value.keys
    return None


def _unpack(value: Value, count: int) -> list[Value]:
    if isinstance(value, Seq) and len(value.items) == count:
        return list(value.items)
    if isinstance(value, ArrayValue) and value.shape.dims and value.shape.dims[0] == count:
        return [ArrayValue(value.shape.drop_first(), value.dtype)] * count
    return [UNKNOWN] * count


def _assigned_names(target: cst.CSTNode) -> Iterator[str]:
    if type(target) is cst.Name:
        yield target.value
    elif type(target) in (cst.Tuple, cst.List):
        for element in target.elements:
            yield from _assigned_names(element.value)
    elif type(target) is cst.StarredElement:
        yield from _assigned_names(target.value)
    elif type(target) is cst.Del:
        yield from _assigned_names(target.target)


def _dotted(node: cst.CSTNode) -> str | None:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _element_refs(ref: NodeRef | None) -> list[NodeRef]:
    if ref is None or not isinstance(ref.node, (cst.Tuple, cst.List)):
        return []
    return [NodeRef(ref.chunk, element.value) for element in ref.node.elements]
