"""An abstract interpreter over the program's top-level statements, in program order.

It binds names (following imports and aliases itself, so `tf.keras.layers.Dense`,
`from keras import layers` and `from tensorflow.keras.layers import Dense` all become
`keras.layers.Dense`) and evaluates expressions to abstract values. It knows Python only:
statements, scopes, user functions and classes, control flow. Every library call, method
and attribute goes to the handler `knowledge.registry` finds for it (the overlays record
facts for the rules: inputs, layer calls, data fed to models, compiles); the interpreter
is the registry's `Evaluator`. Anything it cannot follow becomes UNKNOWN, and unknown is
never an error.
"""

from __future__ import annotations

import ast
import functools
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import libcst as cst

from shapelint.budget import Budget
from shapelint.calls import CallArgs
from shapelint.facts import ArrayProblemFact, ProgramFacts
from shapelint.knowledge import numpy as np_knowledge
from shapelint.knowledge import registry
from shapelint.limits import MAX_CALL_DEPTH, MAX_ELEMENTS, MAX_UNROLL
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
    ListOf,
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
from shapelint.workspace import Workspace

T = TypeVar("T")
# Values of library objects: reading an attribute no overlay knows gives a method to call later.
_LIBRARY_OBJECTS = (ArrayValue, TensorValue, ModelValue, LayerValue, ObjectValue, Seq, DictValue, DatasetValue)
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

    def __init__(
        self,
        program: Program,
        keras_major: int = 3,
        learned: Mapping[str, Shape] | None = None,
        workspace: Workspace | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.program = program
        self.budget = budget or Budget.for_program(sum(len(chunk.text) for chunk in program.chunks))
        # Per enclosing loop: the states that left the current iteration by continue or break.
        self.loop_exits: list[list[tuple[type[Exception], Scope]]] = []
        self.keras_major = keras_major
        # Output shapes TensorFlow reported for layers the catalog does not know (see confirmation.py).
        self.learned: Mapping[str, Shape] = learned or {}
        self.workspace = workspace or Workspace()
        self.facts = ProgramFacts()
        self.module_scope = Scope()
        self.chunk = 0
        self.star_imports: list[str] = []
        self.depth = 0
        self.returns: list[list[Value]] = []
        self.functions: list[FunctionValue] = []
        self.called: set[int] = set()
        self._states: dict[Callable[[Any], Any], Any] = {}  # the overlays' per-analysis state

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

    # What library handlers may ask (knowledge.registry.Evaluator) -------------------------------

    def report_array_problem(self, kind: str, message: str, node: NodeRef | None) -> None:
        self.facts.array_problems.append(ArrayProblemFact(kind, message, node))

    def call(self, func: Value, call: CallArgs) -> Value:
        return self.call_value(func, call)

    def state(self, factory: Callable[[Any], T]) -> T:
        found = self._states.get(factory)
        if found is None:
            found = self._states[factory] = factory(self)
        return found

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
        self.budget.charge()
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
        elif type(node) is cst.Break or type(node) is cst.Continue:
            kind = _Break if type(node) is cst.Break else _Continue
            if self.loop_exits:  # the state this path leaves the iteration with
                self.loop_exits[-1].append((kind, scope.branch()))
            raise kind()
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
                elif method == "extend" and len(args) == 1 and isinstance(args[0], ArrayValue) and args[0].shape.dims:
                    # Extending by an array adds its rows: a list of rows, count forgotten.
                    rows = ListOf(ArrayValue(args[0].shape.drop_first(), args[0].dtype))
                    scope.names[name] = join_values(rows, current)
                else:
                    scope.names[name] = UNKNOWN
                return
            if isinstance(current, ListOf):
                args = [self.eval(arg.value, scope) for arg in expression.args]
                added = args[0] if len(args) == 1 and expression.func.attr.value == "append" else UNKNOWN
                scope.names[name] = join_values(current, Seq((added,), "list"))
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
        ended: list[type[Exception]] = []  # how the branches that do not flow on left
        body_scope = scope.branch()
        if (left := self._run_branch(node.body, body_scope)) is None:
            branches.append(body_scope)
        else:
            ended.append(left)
        else_scope = scope.branch()
        if node.orelse is None:
            branches.append(else_scope)
        elif isinstance(node.orelse, cst.If):
            try:
                self.exec_if(node.orelse, else_scope)
                branches.append(else_scope)
            except (_Return, _Break, _Continue) as error:
                ended.append(type(error))
        elif (left := self._run_branch(node.orelse.body, else_scope)) is None:
            branches.append(else_scope)
        else:
            ended.append(left)
        if not branches:
            # No branch flows on. A continue/break branch's state is already recorded with its loop.
            loop_exits = [kind for kind in ended if kind is not _Return]
            raise (loop_exits[0] if loop_exits else _Return)()
        scope.merge(*branches)

    def _run_branch(self, body: cst.BaseSuite, scope: Scope) -> type[Exception] | None:
        """Run a branch; how it left when it ends in return, break or continue (it does not flow on)."""
        try:
            self.exec_block(body, scope)
        except (_Return, _Break, _Continue) as error:
            return type(error)
        return None

    def exec_for(self, node: cst.For, scope: Scope) -> None:
        iterable = self.eval(node.iter, scope)
        items = _iteration_items(iterable)
        if items is not None and len(items) <= MAX_UNROLL:
            broken: list[Scope] = []  # the states of iterations that left by break
            for item in items:
                if not self.budget.charge():
                    # Out of work: the remaining iterations run as a loop of unknown length.
                    self.budget.stop_at(self.ref(node))
                    self.exec_loop_body(node.body, scope, node.target, UNKNOWN)
                    break
                self.assign(node.target, item, scope)
                ongoing, stopped = self._run_iteration(node.body, scope)
                broken.extend(stopped)
                if not ongoing:
                    break
                _become_join(scope, ongoing)
            else:
                if node.orelse is not None:
                    self.exec_block(node.orelse.body, scope)
            if broken:
                scope.merge(scope.branch(), *broken)
            return
        element: Value = UNKNOWN
        if isinstance(iterable, ArrayValue) and iterable.shape.dims:
            element = ArrayValue(iterable.shape.drop_first(), iterable.dtype)
        elif isinstance(iterable, ListOf):
            element = iterable.element
        self.exec_loop_body(node.body, scope, node.target, element)

    def _run_iteration(self, body: cst.BaseSuite, scope: Scope) -> tuple[list[Scope], list[Scope]]:
        """Run a loop body once: the states that go on to the next iteration, and those that break."""
        self.loop_exits.append([])
        try:
            self.exec_block(body, scope)
            ongoing = [scope.branch()]
        except (_Break, _Continue):
            ongoing = []  # this path's state was recorded where it left
        finally:
            exits = self.loop_exits.pop()
        ongoing.extend(state for kind, state in exits if kind is _Continue)
        return ongoing, [state for kind, state in exits if kind is _Break]

    def exec_loop_body(
        self, body: cst.BaseSuite, scope: Scope, target: cst.BaseExpression | None, element: Value
    ) -> None:
        """A loop run an unknown number of times: names it assigns become what is common to all runs."""
        loop_scope = scope.branch()
        if target is not None:
            self.assign(target, element, loop_scope)
        try:
            ongoing, broken = self._run_iteration(body, loop_scope)
        except _Return:
            ongoing, broken = [], []
        for state in (*ongoing, *broken):
            for name, after in state.names.items():
                grown = _grown_list(scope.lookup(name), after)
                if grown is not None:
                    state.names[name] = grown
        scope.merge(scope.branch(), *ongoing, *broken)

    def exec_try(self, node: cst.Try, scope: Scope) -> None:
        before = scope.branch()
        self.exec_block(node.body, scope)
        branches = [scope]
        for handler in node.handlers:
            handler_scope = before.branch()
            if handler.name is not None:
                self.assign(handler.name.name, UNKNOWN, handler_scope)
            if self._run_branch(handler.body, handler_scope) is None:
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
        self.budget.charge()
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
            if registry.has_function(candidate):
                return RefValue(candidate)
        if name in BUILTINS:
            return RefValue(f"builtins.{name}")
        return UNKNOWN

    def attribute(self, base: Value, name: str) -> Value:
        if isinstance(base, RefValue):
            return RefValue(canonical_name(f"{base.name}.{name}"))
        if isinstance(base, InstanceValue):
            if name in base.attributes:
                return base.attributes[name]
            method = base.cls.methods.get(name)
            if method is not None:
                return BoundMethod(base, name)
            if base.model is not None:
                return self.attribute(base.model, name)  # compile, fit, predict... of the library base class
            return UNKNOWN
        handler = registry.find_attribute(base, name)
        if handler is not None:
            return handler(self, base, name)
        return BoundMethod(base, name) if isinstance(base, _LIBRARY_OBJECTS) else UNKNOWN

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
        if isinstance(value, RefValue):
            value = registry.find_constant(value.name) or value
        if value == Const(None):
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
        if operator is None or not (self._modest(left) and self._modest(right)):
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
        if isinstance(left, (Seq, Const)) and isinstance(right, (Seq, Const)) and operator == "+":
            # Concatenation: `s = s + s` in a loop doubles; past a size it is not worth modelling.
            if not self.budget.allows_size(_size(left) + _size(right)):
                return UNKNOWN
        result = np_knowledge.const_binary(left, right, operator)
        return result if self._modest(result) else UNKNOWN

    def _modest(self, value: Value) -> bool:
        """Whether a value is small enough to compute with (a huge int makes `x ** 64` take hours)."""
        if isinstance(value, Const) and isinstance(value.value, int):
            return self.budget.allows_int(value.value)
        return True

    def comprehension(self, node: cst.ListComp | cst.GeneratorExp, scope: Scope) -> Value:
        clause = node.for_in
        if clause.inner_for_in is not None or clause.ifs:
            return UNKNOWN
        iterable = self.eval(clause.iter, scope)
        if isinstance(iterable, ObjectValue) and iterable.cls == "builtins.range" and iterable.state <= MAX_ELEMENTS:
            if not self.budget.allows_size(iterable.state):
                return UNKNOWN
            # A long range: the element is computed once, with the index unknown (windows, batches).
            inner = Scope({}, scope)
            self.assign(clause.target, UNKNOWN, inner)
            element = self.eval(node.elt, inner)
            return Seq((element,) * iterable.state, "list") if element is not UNKNOWN else UNKNOWN
        items = _iteration_items(iterable)
        if items is None or len(items) > MAX_UNROLL:
            return UNKNOWN
        if not self.budget.charge(len(items)):
            self.budget.stop_at(self.ref(node))
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
        if isinstance(func, BoundMethod):
            return self.call_method(func, call)
        if isinstance(func, FunctionValue):
            return self.call_function(func, call)
        if isinstance(func, ClassValue):
            return self.instantiate(func, call)
        handler = registry.find_method(func, "__call__")  # a library object called: a layer, a model
        return handler(self, func, call) if handler is not None else UNKNOWN

    def call_library(self, name: str, call: CallArgs) -> Value:
        handler = registry.find_function(name)
        return handler(self, call) if handler is not None else UNKNOWN

    def call_function(self, function: FunctionValue, call: CallArgs, unknown_arguments: bool = False) -> Value:
        self.called.add(id(function))
        if self.depth >= MAX_CALL_DEPTH:
            return UNKNOWN
        if not self.budget.charge():
            # Out of work: a call returns unknown (recursion with fan-out ends here).
            if call.node is not None:
                self.budget.stop_at(call.node)
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
        if isinstance(receiver, InstanceValue):
            function = receiver.cls.methods.get(method.name)
            if function is not None:
                return self.call_function(function, CallArgs([receiver, *call.args], call.kwargs, call.node))
            return UNKNOWN
        handler = registry.find_method(receiver, method.name)
        return handler(self, receiver, call) if handler is not None else UNKNOWN

    def instantiate(self, cls: ClassValue, call: CallArgs) -> Value:
        instance = InstanceValue(cls)
        for base in dict.fromkeys(_library_bases(cls)):
            hook = registry.find_subclass_hook(base)
            if hook is not None:
                hook(self, instance, call)
        init = cls.methods.get("__init__")
        if init is not None:
            self.call_function(init, CallArgs([instance, *call.args], call.kwargs, call.node))
        return instance


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


def _window_length(item: cst.Slice, interpreter: Interpreter, scope: Scope) -> int | None:
    """`a[i:i + k]` (the sliding-window idiom) has length k whatever i is, if i + k stays in bounds."""
    lower, upper = item.lower, item.upper
    if (  # `a[i - k:i]`: the same window, ending at i (i >= k)
        isinstance(upper, cst.Name)
        and isinstance(lower, cst.BinaryOperation)
        and isinstance(lower.operator, cst.Subtract)
        and isinstance(lower.left, cst.Name)
        and lower.left.value == upper.value
    ):
        length_node = lower.right
        lower, upper = upper, cst.BinaryOperation(upper, cst.Add(), length_node)
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


def _library_bases(cls: ClassValue, depth: int = 0) -> Iterator[str]:
    """The canonical names of the library classes a class defined in the file derives from."""
    for base in cls.bases:
        if isinstance(base, RefValue):
            yield base.name
        elif isinstance(base, ClassValue) and depth < 8:
            yield from _library_bases(base, depth + 1)


def _size(value: Value) -> int:
    """Items of a sequence, characters of a string constant, else 1."""
    if isinstance(value, Seq):
        return len(value.items)
    if isinstance(value, Const) and isinstance(value.value, (str, bytes)):
        return len(value.value)
    return 1


def _become_join(scope: Scope, states: Sequence[Scope]) -> None:
    """Make `scope` hold what is common to `states` (copies of it taken on different paths)."""
    if len(states) == 1:
        scope.names = dict(states[0].names)
        return
    merged = states[0].branch()
    merged.merge(*states)  # merge joins only the states it is given
    scope.names = merged.names


def _grown_list(before: Value | None, after: Value) -> ListOf | None:
    """A list one run of a loop appended arrays to: after any number of runs, a ListOf their join."""
    if not isinstance(before, Seq) or before.kind != "list" or not isinstance(after, Seq) or after.kind != "list":
        return None
    count = len(before.items)
    if len(after.items) <= count or after.items[:count] != before.items:
        return None
    element: Value = after.items[0]
    for item in after.items[1:]:
        element = join_values(element, item)
    return ListOf(element) if isinstance(element, ArrayValue) else None


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
